"""The one place where extra analyses plug into the evaluation path.

Every eval verb (``eval-temporal``, ``eval-spatial``, ``eval-video``) computes the main table, then
hands an :class:`EvaluationContext` (the ground truth, the *evaluated* detections of every method,
the rows already computed, and functions to score another set of detections the same way) to each
enabled plugin. A plugin returns a :class:`PluginResult`; the evaluation path prints its tables
after the main one, adds its notes under the main table, writes its metrics under
``metrics.json["analyses"][plugin.name]`` and lists its figures in the report; with ``--report DIR``
its tables, figures and per-video data (``videos``) go into ``DIR/report.html``.

Adding an analysis (bootstrap intervals, threshold sweeps, diagnosis, a legacy protocol) is one
module with one plugin object, and one entry in :data:`PLUGIN_MODULES`.
"""
from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence


@dataclass
class EvaluationContext:
    """Everything a plugin may read. Nothing in it is to be modified."""

    task: str                               # "temporal", "spatial" or "video"
    gt: Any                                 # what was scored against: Segments, FrameBoxes, or list[Tube]
    methods: Sequence[Any]                  # locbench.evaluation.methods.Method; .detections = what was scored
    evaluated: Sequence[Any]                # Evaluated rows (protocol-major), as in the main table
    protocols: tuple[str, ...]
    thresholds: tuple[float, ...]
    #: score another detection set exactly as the main table did: (detections, protocol) -> APResult
    score_fn: Callable[[Any, str], Any]
    #: CorLoc of another detection set, or None where the task has no CorLoc
    corloc_fn: Callable[[Any], Any] | None = None
    dataset: Any = None                     # TubeDataset (spatial / video), None for temporal
    records: Sequence[Any] | None = None    # AttentionRecords of the model input (first attention method)
    records_by_method: dict = field(default_factory=dict)  # method name -> its AttentionRecords
    rules: dict | None = None               # localization rules used: threshold, labels, k, score, gt_labels
    #: unknown_videos; subset (what the numbers were computed on, in words); video_list (the evaluated
    #: videos); spatial: frames (present only when the ground truth was restricted to the frames the
    #: model saw) and frames_rule ("sampled" or "all", as asked); temporal: ties when given
    settings: dict = field(default_factory=dict)
    args: argparse.Namespace | None = None
    out_dir: str | None = None              # --out
    plots_dir: str | None = None            # --plots (figures go here; None: draw nothing)


@dataclass
class PluginResult:
    metrics: dict = field(default_factory=dict)      # -> metrics.json["analyses"][name]
    tables: dict = field(default_factory=dict)       # name -> locbench.evaluation.tables.Table
    notes: list = field(default_factory=list)        # shown under the main table, kept in metrics.json
    figures: list = field(default_factory=list)      # paths of written figures, for report.md / report.html
    #: per-video browser data for report.html (``locbench.evaluation.report_html`` module doc), e.g. the
    #: evaluated boxes with their diagnosis types; None: the evaluation path shows the plain scored detections
    videos: dict | None = None


class EvaluationPlugin(Protocol):
    name: str
    tasks: tuple[str, ...]

    def add_arguments(self, parser: argparse.ArgumentParser, task: str) -> None: ...

    def enabled(self, args: argparse.Namespace) -> bool: ...

    def run(self, ctx: EvaluationContext) -> PluginResult: ...


#: modules that define ``PLUGIN`` (one EvaluationPlugin each), in the order their output is shown
PLUGIN_MODULES: tuple[str, ...] = (
    "locbench.evaluation.sweep_plugin",
    "locbench.evaluation.bootstrap_plugin",
    "locbench.evaluation.legacy_plugin",
    "locbench.evaluation.diagnosis_temporal",
    "locbench.evaluation.diagnosis_spatial",
)


def plugins_for(task: str) -> list:
    """The registered plugins that apply to ``task`` (modules are imported on first use)."""
    found = []
    for name in PLUGIN_MODULES:
        plugin = importlib.import_module(name).PLUGIN
        if task in plugin.tasks:
            found.append(plugin)
    return found


def run_plugins(ctx: EvaluationContext, plugins: Sequence | None = None) -> dict[str, PluginResult]:
    """Run every enabled plugin on ``ctx``; {plugin name: result}."""
    results = {}
    for plugin in (plugins_for(ctx.task) if plugins is None else plugins):
        if ctx.args is None or plugin.enabled(ctx.args):
            results[plugin.name] = plugin.run(ctx)
    return results


def add_plugin_arguments(parser: argparse.ArgumentParser, task: str) -> None:
    """Let every registered plugin of ``task`` add its CLI flags (called by each eval verb's
    ``add_arguments``; a plugin adds an argument group named after itself)."""
    for plugin in plugins_for(task):
        plugin.add_arguments(parser, task)
