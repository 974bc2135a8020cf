"""The evaluation path: one object per task that loads the ground truth and every input, localizes
attention, adds the baselines, computes every metric, runs the plugins, gathers every note and hands
the *evaluated* detections to the figures.

Shape (after detectron2's ``DatasetEvaluator`` and torchmetrics' ``Metric``, kept to what fits a
batch evaluation)::

    Evaluation(gt, detections=[...], attention=[...], ...)   # what to evaluate, nothing read yet
      .run()                                                  # -> EvaluationReport
          load_ground_truth()    gt, evaluated videos, video labels, reader notes
          load_methods()         one Method per input (+ baselines of the first attention input)
          evaluate_grid()        mAP per (protocol, method), CorLoc once per method
          run_plugins()          extra analyses on an EvaluationContext
          figures()              drawn from the evaluated detections, never recomputed
    EvaluationReport: tables, metrics (metrics.json), notes, evaluated rows, to_dataframe(), write()

The CLI verbs build an evaluation from their arguments (:meth:`Evaluation.from_args`) and call
:meth:`EvaluationReport.emit`; Python users call :meth:`Evaluation.run` directly (``docs/api.md``).
Library messages name the Python parameters (``unknown_videos='fp'``); the CLI turns them into flags.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from annotations.errors import InputError
from locbench.evaluation import methods as ev
from locbench.evaluation.plugins import EvaluationContext, PluginResult, run_plugins
from locbench.evaluation.tables import Table

UNKNOWN_VIDEO_MODES = ("error", "fp", "drop")


def restrict_to_frames(gt, frames_by_video: dict):
    """Ground-truth rows on the given frames only.

    Parameters
    ----------
    gt : FrameBoxes
        Ground-truth boxes.
    frames_by_video : dict of str to array of int
        0-based frame indices kept in each video; videos absent from it lose every row.

    Returns
    -------
    FrameBoxes
        The rows of ``gt`` on those frames (``gt.videos`` kept).

    Examples
    --------
    >>> from annotations.types import FrameBoxes
    >>> gt = FrameBoxes(["a", "a", "b"], [0, 5, 0], ["x", "x", "x"], np.zeros((3, 4)))
    >>> restrict_to_frames(gt, {"a": [5]}).frame_idx.tolist()
    [5]
    """
    names = {v: i for i, v in enumerate(frames_by_video)}
    codes = np.array([names.get(v, -1) for v in gt.video.tolist()], np.int64)
    wanted = np.concatenate([i * (1 << 32) + np.asarray(f, np.int64) for i, f in enumerate(frames_by_video.values())]
                            or [np.zeros(0, np.int64)])
    return gt.select((codes >= 0) & np.isin(codes * (1 << 32) + gt.frame_idx, wanted))


def _split_names(text: str | Sequence[str] | None) -> list[str]:
    """``"A,B"`` or ["A", "B"] -> ["A", "B"] (--name takes one comma-separated list)."""
    if text is None:
        return []
    parts = text.split(",") if isinstance(text, str) else [p for t in text for p in str(t).split(",")]
    return [p.strip() for p in parts if p.strip()]


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [os.fspath(value)]
    return [os.fspath(v) for v in value]


def _basename(path: str) -> str:
    return os.path.basename(os.path.normpath(path))


def _supports(fn, param: str) -> bool:
    """Whether ``fn`` takes keyword ``param`` (options an evaluator or reader may not offer yet)."""
    import inspect
    try:
        return param in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _with_supported(fn, kwargs: dict) -> dict:
    """``kwargs`` without the None values and the parameters ``fn`` does not take."""
    return {k: v for k, v in kwargs.items() if v is not None and _supports(fn, k)}


@dataclass
class EvaluationReport:
    """What one evaluation produced. ``tables['table']`` is the main table; ``metrics`` is metrics.json."""

    task: str
    tables: dict[str, Table]
    metrics: dict
    notes: list[str]
    evaluated: list  # ev.Evaluated rows, protocol-major
    methods: list  # ev.Method, one per input and baseline; .detections = what was scored
    plugin_results: dict[str, PluginResult] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    out_dir: str | None = None
    overwrite: bool = False
    keep: tuple[str, ...] = ()
    report_dir: str | None = None  # where :meth:`write_html` writes report.html (``--report``)
    #: per-video browser data of report.html (``report_html`` module doc): a plugin's (the spatial
    #: diagnosis gives each box its type), else the first method's evaluated detections; None: not built yet
    videos: dict | None = None
    gt: Any = None  # what was scored against, for :meth:`browser_data`

    def to_dataframe(self):
        """The main numbers in long form: one row per (method, protocol, metric, threshold).

        Columns: ``method``, ``protocol``, ``metric`` ("mAP" / "CorLoc"), ``threshold``, ``value``
        (a fraction in [0, 1], NaN where undefined).
        """
        import pandas as pd
        rows = []
        for e in self.evaluated:
            for metric, values in (("mAP", e.ap.mean_ap), ("CorLoc", None if e.corloc is None else e.corloc.mean_corloc)):
                if values is None:
                    continue
                for t, v in zip(e.ap.thresholds, values):
                    rows.append({"method": e.method.name, "protocol": e.ap.protocol, "metric": metric,
                                 "threshold": float(t), "value": float(v)})
        return pd.DataFrame(rows, columns=["method", "protocol", "metric", "threshold", "value"])

    def write(self, out_dir: str | os.PathLike | None = None, overwrite: bool | None = None) -> list[str]:
        """Write metrics.json and every table (all formats) into ``out_dir``; refuses a folder holding
        another run's files unless ``overwrite`` (see :func:`locbench.evaluation.outputs.prepare_out_dir`)."""
        from locbench.evaluation.outputs import prepare_out_dir, write_outputs
        out = os.fspath(out_dir if out_dir is not None else self.out_dir)
        mine = self._report_files_in(out)  # already drawn by this run: kept, and listed in the manifest
        keep = tuple(dict.fromkeys(self.keep + tuple(r.split("/")[0] for r in mine)))
        prepare_out_dir(out, self.overwrite if overwrite is None else overwrite, keep=keep)
        return write_outputs(out, self.metrics, self.tables, extra_files=self.keep + mine)

    def _report_files_in(self, out: str) -> tuple[str, ...]:
        """report.html and the figures inside ``out`` (listed in its manifest, so that a rerun with
        overwrite replaces them instead of refusing the folder)."""
        paths = list(self.figures) + ([os.path.join(self.report_dir, "report.html")] if self.report_dir else [])
        rel = [os.path.relpath(os.path.abspath(p), os.path.abspath(out)).replace(os.sep, "/") for p in paths]
        return tuple(r for r in dict.fromkeys(rel) if not r.startswith("../") and r != "..")

    def browser_data(self) -> dict:
        """The per-video browser data of report.html (see :attr:`videos`), built on first use from the
        *evaluated* detections of the first method (the model, or the first detection file)."""
        if self.videos is None:
            self.videos = {}
            for result in self.plugin_results.values():  # a plugin's data carries diagnosis types
                for name, entry in (getattr(result, "videos", None) or {}).items():
                    self.videos.setdefault(name, entry)
            if not self.videos and self.methods and self.gt is not None:
                from locbench.evaluation import report_html
                self.videos = report_html.browser_payload(self.task, self.gt, self.methods[0].detections)
        return self.videos

    def write_html(self, report_dir: str | os.PathLike | None = None) -> str:
        """Write ``report_dir/report.html`` (default: :attr:`report_dir`): the main, per-class and every
        plugin's tables, the notes, every figure drawn (embedded), the analyses' numbers and the per-video
        browser (:meth:`browser_data`). One self-contained file; returns its path."""
        from locbench.evaluation.report_html import write_report_html
        directory = os.fspath(report_dir if report_dir is not None else self.report_dir)
        os.makedirs(directory, exist_ok=True)
        title = self.tables["table"].title if "table" in self.tables else f"locbench {self.task} evaluation"
        figures = [f for f in self.figures if str(f).lower().endswith(".png") and os.path.isfile(f)]
        return write_report_html(os.path.join(directory, "report.html"), self.metrics, self.tables, figures,
                                 self.browser_data(), title=title)

    def emit(self, fmt: str = "md", per_class: bool = False, out_dir: str | None = None, stream=None) -> None:
        """The CLI's ending: write every file first (``report.html`` last, with ``report_dir``), then print
        the notes (stderr) and the tables."""
        from locbench.evaluation.tables import render
        out = out_dir if out_dir is not None else self.out_dir
        written = self.write(out) if out else []
        page = self.write_html() if self.report_dir else None
        for note in self.notes:
            print(f"note: {note}", file=sys.stderr)
        if written:
            print(f"wrote {len(written)} files to {out}", file=sys.stderr)
        if page:
            print(f"wrote {page}", file=sys.stderr)
        stream = stream or sys.stdout
        for name, table in self.tables.items():
            if name == "table" or not name.startswith("per_class") or per_class:
                stream.write(render(table, fmt) + "\n")
        stream.flush()


class Evaluation:
    """Shared evaluation path; subclasses say how to read their ground truth and score detections.

    Parameters
    ----------
    gt : str or path
        Ground-truth file or folder.
    detections : sequence of paths, optional
        Detection files, one method each.
    attention : sequence of paths, optional
        Folders of attention files (``docs/formats.md``), one method each (plus baselines for the first).
    checkpoint, videos : str, optional
        Run ``predict`` with this checkpoint on these videos first (into ``out_dir/attention``).
    names : str or sequence of str, optional
        Method names in input order (detections, then attention folders, then the checkpoint).
    protocols, thresholds : sequences, optional
        Protocols (one table row each) and IoU / tIoU thresholds; defaults are the task's.
    unknown_videos : {"error", "fp", "drop"}
        Detections in videos outside the evaluated ground truth.
    labels, topk, threshold, score : localization rules for attention inputs (``docs/localization.md``).
    rules : dict, optional
        Further keyword arguments of the localization functions, for every attention input.
    baselines : bool
        Add the trivial baselines of the first attention input.
    plots_dir : str, optional
        Draw the figures here.
    out_dir, overwrite : where :meth:`EvaluationReport.write` goes, and whether it may replace a previous run.
    report_dir : str, optional
        Where :meth:`EvaluationReport.emit` writes ``report.html``; without ``plots_dir`` the figures are
        drawn into ``report_dir/figures`` so that the page shows them.
    plugins : sequence, optional
        Plugins to run (default: the registered ones enabled by ``args``; none without ``args``).
    args : argparse.Namespace, optional
        The CLI arguments, for plugins.
    """

    task = ""
    threshold_name = "IoU"
    protocols_allowed: tuple[str, ...] = ()
    default_protocols: tuple[str, ...] = ()
    default_thresholds: tuple[float, ...] = ()
    gt_unit = "instances"

    def __init__(self, gt, *, detections=None, attention=None, checkpoint=None, videos=None, names=None,
                 protocols=None, thresholds=None, unknown_videos: str = "error", labels: str = "top1",
                 topk: int = 2, threshold: float = 0.5, score: str | None = None, baselines: bool = True,
                 plots_dir=None, out_dir=None, overwrite: bool = False, gt_format: str = "auto",
                 det_format: str = "auto", device: str = "auto", batch_size: int = 8, plugins=None, args=None,
                 return_curves: bool | None = None, rules: dict | None = None, report_dir=None):
        self.gt_path = os.fspath(gt)
        self.detection_paths = _as_list(detections)
        self.attention_paths = _as_list(attention)
        self.checkpoint = None if checkpoint is None else os.fspath(checkpoint)
        self.videos_root = None if videos is None else os.fspath(videos)
        self.names = _split_names(names)
        self.protocols = tuple(protocols) if protocols else self.default_protocols
        self.thresholds = tuple(float(t) for t in (thresholds or self.default_thresholds))
        if unknown_videos not in UNKNOWN_VIDEO_MODES:
            raise InputError(None, "unknown_videos", f"unknown value {unknown_videos!r} "
                                                     f"(choose from {', '.join(UNKNOWN_VIDEO_MODES)})")
        self.unknown_videos = unknown_videos
        # localization rules of every attention input (and its baselines); ``rules`` adds options of
        # the localization functions (e.g. segment_rule, mask_normalize), passed as given
        self.rules = dict(threshold=float(threshold), labels=labels, k=int(topk), score=score, **(rules or {}))
        self.baselines = baselines
        self.report_dir = None if report_dir is None else os.fspath(report_dir)
        if plots_dir is None and self.report_dir is not None:
            plots_dir = os.path.join(self.report_dir, "figures")
        self.plots_dir = None if plots_dir is None else os.fspath(plots_dir)
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.overwrite = overwrite
        self.gt_format, self.det_format = gt_format, det_format
        self.device, self.batch_size = device, batch_size
        self.plugins = plugins
        self.args = args
        self.return_curves = bool(self.plots_dir) if return_curves is None else return_curves
        bad = [p for p in self.protocols if p not in self.protocols_allowed]
        if not self.protocols or bad:
            raise InputError(None, "protocols", f"unknown protocol {bad[0] if bad else ''!r}; "
                                               f"choose from {', '.join(self.protocols_allowed)}")
        if not (self.detection_paths or self.attention_paths or self.checkpoint):
            raise InputError(None, "arguments", "nothing to evaluate: give detections, attention or a checkpoint")
        if self.checkpoint and not self.videos_root:
            raise InputError(None, "checkpoint", "a checkpoint needs videos='FOLDER' (the videos to run it on)")
        n_inputs = len(self.detection_paths) + len(self.attention_paths) + (1 if self.checkpoint else 0)
        if self.names and len(self.names) != n_inputs:
            raise InputError(None, "names", f"{len(self.names)} name(s) for {n_inputs} input(s); give one name per "
                                           "input, comma-separated, in the order detections, attention, checkpoint")
        # filled by run()
        self.gt = None
        self.dataset = None
        self.gt_labels: dict = {}
        self.evaluated_videos: tuple[str, ...] = ()
        self.notes: list[str] = []
        self.records_by_method: dict[str, list] = {}
        self.inputs: dict[str, str | None] = {"gt": self.gt_path}

    # ------------------------------------------------------------------ what subclasses provide
    def load_ground_truth(self) -> None:
        """Set ``gt``, ``dataset``, ``gt_labels``, ``evaluated_videos`` and add reader notes."""
        raise NotImplementedError

    def read_detections(self, path: str):
        raise NotImplementedError

    def select_videos(self) -> None:
        """Hook after every detection file is read (so a bad file is reported first): the spatial and
        video tasks choose the evaluated videos here."""

    def score(self, detections, protocol: str):
        """APResult of ``detections`` under ``protocol``, as the main table computes it."""
        raise NotImplementedError

    def corloc(self, detections):
        """CorLocResult of ``detections`` (None where the task has none)."""
        return None

    def localize(self, records, model_name: str, with_baselines: bool = True) -> list:
        """Methods from attention records: the model's own, then (``baselines``) the baselines."""
        raise NotImplementedError

    def figures(self, records, method, evaluated) -> list[str]:
        return []

    def subset_label(self) -> str:
        return ""

    def title(self) -> str:
        return self.task

    def settings(self) -> dict:
        return {"unknown_videos": self.unknown_videos}

    # ------------------------------------------------------------------ the path
    def _name(self, i: int, default: str) -> str:
        return self.names[i] if self.names else default

    def _records(self, path: str | None):
        """Attention records of one folder, or of a checkpoint run into ``out_dir/attention``."""
        from locbench.inference.attention import load_attention_dir
        if path is not None:
            return load_attention_dir(path), path
        from locbench.inference.predict import predict_videos
        out = os.path.join(self.out_dir or ".", "attention")
        predict_videos(self.checkpoint, self.videos_root, out, device=self.device, batch_size=self.batch_size,
                       untrimmed=(self.task == "temporal"), overwrite=self.overwrite,
                       names=list(self.evaluated_videos))
        return load_attention_dir(out), out

    def load_methods(self, detections: Sequence | None = None) -> list:
        """One Method per input; ``detections`` = the detection files already read, in order."""
        methods = []
        i = 0
        if detections is None:
            detections = [self.read_detections(path) for path in self.detection_paths]
        for j, (path, dets) in enumerate(zip(self.detection_paths, detections)):
            name = self._name(i, _basename(path))
            self.notes += [f"{name}: {n}" for n in getattr(dets, "notes", ())]
            methods.append(ev.Method(name, dets))
            self.inputs["detections" if j == 0 else f"detections_{j + 1}"] = path
            i += 1
        model_inputs = list(self.attention_paths) + ([None] if self.checkpoint else [])
        for j, path in enumerate(model_inputs):
            records, source = self._records(path)
            ev.check_classes(records, self.gt_classes(), source)
            default = (records[0].model if records and records[0].model else "attention model")
            if len(model_inputs) > 1 and not self.names:
                default = f"{default} ({_basename(source)})"
            name = self._name(i, default)
            self.on_records(records, first=(j == 0))
            found = self.localize(records, name, with_baselines=(j == 0 and self.baselines))
            for m in found:
                self.records_by_method[m.name] = records
                self.notes += [f"{m.name}: {n}" for n in getattr(m.detections, "notes", ())]
            methods += found
            self.inputs["attention" if j == 0 else f"attention_{j + 1}"] = source
            i += 1
        names = [m.name for m in methods]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(None, "names", f"two methods are named {dup[0]!r}; give distinct names, e.g. names='A,B'")
        return methods

    def on_records(self, records, first: bool) -> None:
        """Hook: the spatial task restricts the ground truth to the frames the first model saw."""

    def gt_classes(self) -> tuple[str, ...]:
        return tuple(self.gt.classes)

    def count_gt(self) -> int:
        return len(self.gt)

    def run(self) -> EvaluationReport:
        """Load, localize, score, run the plugins and draw; return the report (nothing is written)."""
        keep = ("attention",) if self.checkpoint else ()
        if self.out_dir:  # refuse a foreign folder before anything is computed or predicted
            from locbench.evaluation.outputs import check_out_dir
            check_out_dir(self.out_dir, self.overwrite, keep=keep)
        self.notes, self.records_by_method, self._problems = [], {}, {}  # run() may be called again
        self.load_ground_truth()
        detections = [self.read_detections(path) for path in self.detection_paths]
        self.select_videos()
        methods = self.load_methods(detections)
        evaluated = ev.evaluate_grid(methods, self.protocols, self.score,
                                     self.corloc if self.has_corloc else None)
        by_text: dict[str, list[str]] = {}  # one note per warning text, naming every row it applies to
        for e in evaluated:
            for w in e.ap.warnings:
                by_text.setdefault(w, []).append(e.method.name)
        self.notes += [f"{', '.join(rows)}: {w}" for w, rows in by_text.items()]
        counts = self.counts(methods, evaluated)
        self.notes.insert(0, self.counts_note(counts))
        plugin_results = self.run_plugins(methods, evaluated)
        for name, result in plugin_results.items():
            self.notes += [f"{name}: {n}" for n in result.notes]
        figures = []
        model = next((m for m in methods if m.name in self.records_by_method), None)
        if self.plots_dir and model is not None:
            rows = [e for e in evaluated if e.method.detections is model.detections]
            figures = self.figures(self.records_by_method[model.name], model, rows[0])
        if self.plots_dir:  # detection files: their PR curves (first protocol), as scored
            from locbench.evaluation.plots import detection_figures
            for m in methods[:len(self.detection_paths)]:
                row = next(e for e in evaluated if e.method.detections is m.detections)
                figures += detection_figures(m.name, row.ap, self.plots_dir, self.task)
        for result in plugin_results.values():
            figures += list(result.figures)
        tables = ev.build_tables(self.title(), self.threshold_name, evaluated, self.per_class_tables,
                                 notes=self.notes)
        for pname, result in plugin_results.items():
            for tname, table in result.tables.items():
                tables[f"{pname}_{tname}"] = table
        from locbench.evaluation.outputs import provenance
        metrics = ev.build_metrics(self.task, ",".join(self.protocols), evaluated, provenance(self.inputs),
                                   **self.settings())
        metrics["counts"] = counts
        metrics["warnings"] = list(self.notes)
        if plugin_results:
            metrics["analyses"] = {n: r.metrics for n, r in plugin_results.items()}
        if figures:
            metrics["figures"] = list(figures)
        return EvaluationReport(self.task, tables, metrics, list(self.notes), evaluated, methods, plugin_results,
                                figures, self.out_dir, self.overwrite, keep, report_dir=self.report_dir, gt=self.gt)

    has_corloc = True
    per_class_tables = True

    def counts(self, methods, evaluated) -> dict:
        """What the numbers were computed on: videos, ground truth, detections, subset / split."""
        counts = {"videos": len(self.evaluated_videos), "ground_truth": self.count_gt(),
                  "ground_truth_unit": self.gt_unit, "subset": self.subset_label(),
                  "detections": {m.name: len(m.detections) for m in methods}}
        by_evaluator = {e.method.name: e.ap.extra["counts"] for e in evaluated if "counts" in e.ap.extra}
        if by_evaluator:
            counts["evaluator"] = by_evaluator
        return counts

    def counts_note(self, counts: dict) -> str:
        dets = ", ".join(f"{n}: {c}" for n, c in counts["detections"].items())
        text = (f"computed on {counts['videos']} videos ({counts['subset']}), {counts['ground_truth']} ground-truth "
                f"{counts['ground_truth_unit']}; detections: {dets}")
        grouped: dict[str, list[str]] = {}  # rows whose evaluator counts agree share one entry
        for name, c in counts.get("evaluator", {}).items():
            if not isinstance(c, dict):
                continue
            shown = []  # only what the line above does not already say
            for k, v in c.items():
                if k in ("num_videos", "num_gt", "num_gt_instances") and v in (counts["videos"], counts["ground_truth"]):
                    continue
                if k == "num_detections":
                    if v != counts["detections"].get(name.split(" [")[0], v):
                        shown.append(f"{v} detections evaluated")
                    continue
                label = {"num_ambiguous": "Ambiguous segments", "num_frames": "annotated frames"}.get(
                    k, k.replace("num_", "").replace("_", " "))
                shown.append(f"{v} {label}")
            if shown:
                grouped.setdefault(", ".join(shown), []).append(name)
        for text_counts, names in grouped.items():
            text += f"; {', '.join(names)}: {text_counts}"
        return text

    def run_plugins(self, methods, evaluated) -> dict:
        plugins = self.plugins
        if plugins is None and self.args is None:
            plugins = ()
        first_records = next(iter(self.records_by_method.values()), None)
        ctx = EvaluationContext(
            task=self.task, gt=self.gt, methods=methods, evaluated=evaluated, protocols=self.protocols,
            thresholds=self.thresholds, score_fn=self.score, corloc_fn=self.corloc if self.has_corloc else None,
            dataset=self.dataset, records=first_records, records_by_method=dict(self.records_by_method),
            rules=dict(self.rules, gt_labels=self.gt_labels) if self.records_by_method else None,
            settings=dict(self.settings(), subset=self.subset_label(), video_list=tuple(self.evaluated_videos),
                          **({"frames_rule": self.frames} if hasattr(self, "frames") else {})),
            args=self.args, out_dir=self.out_dir,
            plots_dir=self.plots_dir)
        return run_plugins(ctx, plugins)

    @classmethod
    def from_args(cls, args) -> "Evaluation":
        """An evaluation from the parsed arguments of its CLI verb."""
        raise NotImplementedError


def _common_kwargs(args) -> dict:
    """Keyword arguments every eval verb passes the same way."""
    g = lambda name, default=None: getattr(args, name, default)  # noqa: E731
    return dict(detections=g("detections"), attention=g("attention"), checkpoint=g("checkpoint"),
                videos=g("videos"), names=g("name"), unknown_videos=g("unknown_videos", "error"),
                labels=g("labels", "top1"), topk=g("topk", 2), baselines=not g("no_baselines", False),
                plots_dir=g("plots"), out_dir=g("out"), overwrite=g("overwrite", False), report_dir=g("report"),
                gt_format=g("gt_format", "auto"), det_format=g("det_format", "auto"),
                device=g("device", "auto"), batch_size=g("batch_size", 8), args=args,
                rules={k: getattr(args, k) for k in _EXTRA_RULES if getattr(args, k, None) is not None})


#: CLI options that are further keyword arguments of the localization functions (when a verb has them)
_EXTRA_RULES = ("segment_rule", "mask_normalize")


class TemporalEvaluation(Evaluation):
    """Temporal mAP (ActivityNet / THUMOS'14 protocols) and CorLoc of temporal detections.

    Extra parameters: ``subset`` (ground-truth subset, default "test"), ``class_index`` (THUMOS-format
    class ids). The rules' ``threshold`` is the weight threshold; ``score`` defaults to "cls*attn".
    """

    task = "temporal"
    threshold_name = "tIoU"
    protocols_allowed = ("activitynet", "thumos14")
    default_protocols = ("activitynet",)
    default_thresholds = (0.1, 0.2, 0.3, 0.4, 0.5)

    def __init__(self, gt, *, subset: str = "test", class_index=None, score: str | None = "cls*attn",
                 ties: str | None = None, video_info=None, check_durations: str | None = None, **kw):
        super().__init__(gt, score=score or "cls*attn", **kw)
        self.subset = subset
        self.class_index = class_index
        # passed to the evaluator where it offers them: tie order, the videos' durations for the
        # sanity pass (a file, or found next to the ground truth), and what to do with segments past them
        self.ties = ties
        self.video_info_path = None if video_info is None else os.fspath(video_info)
        self.check_durations = check_durations
        self.video_info = None
        self._problems: dict[int, Any] = {}

    def load_ground_truth(self) -> None:
        from annotations import formats
        self.gt = formats.load("temporal", "gt", self.gt_path, self.gt_format, subset=self.subset,
                               class_index=self.class_index)
        self.notes += [f"ground truth: {n}" for n in getattr(self.gt, "notes", ())]
        self.evaluated_videos = tuple(self.gt.videos)
        self.gt_labels = ev.video_labels_from_segments(self.gt)
        from annotations import temporal_io
        if hasattr(temporal_io, "load_temporal_video_info"):
            self.video_info = temporal_io.load_temporal_video_info(self.gt_path, self.subset, self.video_info_path)
            self.inputs["video_info"] = self.video_info_path

    def count_gt(self) -> int:
        from annotations.types import AMBIGUOUS
        return int(np.sum(self.gt.label != AMBIGUOUS))

    def read_detections(self, path: str):
        from annotations import formats
        return formats.load("temporal", "detections", path, self.det_format, class_index=self.class_index,
                            classes=self.gt.classes)

    def _prepared(self, detections):
        """One prepared problem per detection set, shared by every protocol and CorLoc (where the
        evaluator offers it); durations found next to the ground truth only stop the run when the
        times look like frames, an explicit video-info file always checks."""
        from evaluators import temporal
        if not hasattr(temporal, "TemporalProblem"):
            return None
        if id(detections) not in self._problems:
            check = self.check_durations if self.check_durations not in (None, "auto") else \
                ("error" if self.video_info_path else "frames")
            self._problems[id(detections)] = temporal.TemporalProblem(
                self.gt, detections, **_with_supported(temporal.TemporalProblem, dict(
                    unknown_videos=self.unknown_videos, video_info=self.video_info, check_durations=check)))
        return self._problems[id(detections)]

    def score(self, detections, protocol: str):
        from evaluators.temporal import temporal_map
        extra = _with_supported(temporal_map, dict(ties=self.ties, prepared=self._prepared(detections)))
        return temporal_map(self.gt, detections, self.thresholds, protocol=protocol,
                            unknown_videos=self.unknown_videos, return_curves=self.return_curves, **extra)

    def corloc(self, detections):
        from evaluators.temporal import temporal_corloc
        extra = _with_supported(temporal_corloc, dict(prepared=self._prepared(detections)))
        return temporal_corloc(self.gt, detections, self.thresholds, unknown_videos=self.unknown_videos, **extra)

    def localize(self, records, model_name: str, with_baselines: bool = True) -> list:
        from locbench.localization.localize import segments_from_attention
        rules = dict(self.rules, gt_labels=self.gt_labels)
        accuracy = ev.classification_accuracy(records, self.gt_labels)
        methods = [ev.Method(model_name, segments_from_attention(records, **rules), accuracy)]
        if with_baselines:
            from locbench.localization.baselines import uniform_temporal
            methods.append(ev.Method("uniform temporal weights", uniform_temporal(records, **rules), accuracy))
        return methods

    def figures(self, records, method, evaluated) -> list[str]:
        from locbench.evaluation.plots import temporal_figures
        return temporal_figures(records, self.gt, method.detections, self.plots_dir,
                                threshold=self.rules["threshold"], ap_result=evaluated.ap)

    def subset_label(self) -> str:
        return f"subset {self.subset}"

    def title(self) -> str:
        return f"Temporal localization ({', '.join(self.protocols)}, subset {self.subset})"

    def settings(self) -> dict:
        return {"subset": self.subset, "unknown_videos": self.unknown_videos,
                **({"ties": self.ties} if self.ties else {})}

    @classmethod
    def from_args(cls, args) -> "TemporalEvaluation":
        from locbench.evaluation.methods import parse_thresholds
        return cls(args.gt, subset=args.subset, class_index=args.class_index,
                   protocols=_cli_protocols(args.protocol, cls), thresholds=parse_thresholds(args.tiou, "--tiou"),
                   threshold=args.weight_threshold, score=args.score, ties=getattr(args, "ties", None),
                   video_info=getattr(args, "video_info", None), check_durations=getattr(args, "check_durations", None),
                   **_common_kwargs(args))


class SpatialEvaluation(Evaluation):
    """Frame-AP (voc / act / coco) and CorLoc of per-frame boxes against UCF101-24-style ground truth.

    Extra parameters: ``split`` (a video list, "train" / "test", or names), ``frames`` ("sampled":
    with attention, only the frames the model saw; "all": every annotated frame). The rules'
    ``threshold`` is the mask threshold; ``score`` defaults to "cls*mask".
    """

    task = "spatial"
    threshold_name = "IoU"
    protocols_allowed = ("voc", "act", "coco")
    default_protocols = ("voc",)
    default_thresholds = (0.05, 0.1, 0.2, 0.3)
    gt_unit = "boxes"

    def __init__(self, gt, *, split=None, frames: str = "sampled", score: str | None = "cls*mask",
                 all_videos: bool = False, **kw):
        super().__init__(gt, score=score or "cls*mask", **kw)
        self.split = split
        self.frames = frames
        self.all_videos = all_videos
        self.inputs["split"] = split if isinstance(split, (str, os.PathLike)) and os.path.exists(split) else None

    def load_ground_truth(self) -> None:
        from annotations import formats
        self.dataset = formats.load("spatial", "gt", self.gt_path, self.gt_format, split=self.split)
        self.notes += [f"ground truth: {n}" for n in getattr(self.dataset, "notes", ())]

    def select_videos(self) -> None:
        from annotations import spatial_io
        if hasattr(spatial_io, "evaluated_videos"):  # refuses train + test videos without a split
            self.evaluated_videos = tuple(spatial_io.evaluated_videos(self.dataset, self.split, self.all_videos))
        else:
            self.evaluated_videos = tuple(self.dataset.test_videos or tuple(self.dataset.videos))
        self.gt = self.dataset.frame_boxes(self.evaluated_videos)
        self.notes += [f"ground truth: {n}" for n in getattr(self.gt, "notes", ())]
        self.gt_labels = ev.video_labels_from_tubes(self.dataset, self.evaluated_videos)

    def gt_classes(self) -> tuple[str, ...]:
        return tuple(self.dataset.classes)

    def read_detections(self, path: str):
        from annotations import formats
        return formats.load("spatial", "detections", path, self.det_format, gt=self.dataset)

    def on_records(self, records, first: bool) -> None:
        if first and self.frames == "sampled":
            self.gt = restrict_to_frames(self.gt, {r.video: r.frame_idx for r in records})
            self.notes.append("ground truth restricted to the frames the model saw")

    def score(self, detections, protocol: str):
        from evaluators.frame_ap import frame_ap
        extra = _with_supported(frame_ap, dict(video_info=self.dataset.videos))
        return frame_ap(self.gt, detections, self.thresholds, protocol=protocol, unknown_videos=self.unknown_videos,
                        return_curves=self.return_curves, **extra)

    def corloc(self, detections):
        from evaluators.frame_ap import frame_corloc
        extra = _with_supported(frame_corloc, dict(video_info=self.dataset.videos))
        return frame_corloc(self.gt, detections, self.thresholds, unknown_videos=self.unknown_videos, **extra)

    def localize(self, records, model_name: str, with_baselines: bool = True) -> list:
        from locbench.localization.localize import boxes_from_attention
        rules = dict(self.rules, gt_labels=self.gt_labels)
        accuracy = ev.classification_accuracy(records, self.gt_labels)
        methods = [ev.Method(model_name, boxes_from_attention(records, **rules), accuracy)]
        if with_baselines:
            from locbench.localization.baselines import spatial_baselines
            methods += [ev.Method(n, d, accuracy) for n, d in spatial_baselines(records, self.gt, **rules).items()]
        return methods

    def figures(self, records, method, evaluated) -> list[str]:
        from locbench.evaluation.plots import spatial_figures
        return spatial_figures(records, self.gt, method.detections, self.plots_dir, videos_root=self.videos_root,
                               threshold=self.rules["threshold"], ap_result=evaluated.ap)

    def subset_label(self) -> str:
        if self.split is None:
            return "all videos of the ground truth" if not self.dataset.test_videos else "the file's test split"
        return f"split {os.path.basename(os.fspath(self.split))}" if isinstance(self.split, (str, os.PathLike)) \
            else f"{len(self.evaluated_videos)} named videos"

    def title(self) -> str:
        return f"Spatial localization, frame-AP ({', '.join(self.protocols)})"

    def settings(self) -> dict:
        return {"unknown_videos": self.unknown_videos, "videos": len(self.evaluated_videos),
                **({"frames": "ground truth restricted to the frames the model saw"}
                   if self.records_by_method and self.frames == "sampled" else {})}

    @classmethod
    def from_args(cls, args) -> "SpatialEvaluation":
        from locbench.evaluation.methods import parse_thresholds
        return cls(args.gt, split=args.split, frames=args.frames, protocols=_cli_protocols(args.protocol, cls),
                   thresholds=parse_thresholds(args.iou, "--iou"), threshold=args.mask_threshold,
                   score=args.score, all_videos=getattr(args, "all_videos", False), **_common_kwargs(args))


class VideoEvaluation(Evaluation):
    """Video-AP (ACT) of detected tubes against ground-truth tubes. No CorLoc, no attention input."""

    task = "video"
    threshold_name = "ST-IoU"
    protocols_allowed = ("act",)
    default_protocols = ("act",)
    default_thresholds = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75)
    gt_unit = "tubes"
    has_corloc = False

    def __init__(self, gt, *, split=None, all_videos: bool = False, **kw):
        super().__init__(gt, **kw)
        self.all_videos = all_videos
        if self.attention_paths or self.checkpoint:
            raise InputError(None, "attention", "video-AP evaluates tube files only; give tube files as detections")
        self.split = split
        self.inputs["split"] = split if isinstance(split, (str, os.PathLike)) and os.path.exists(split) else None

    def load_ground_truth(self) -> None:
        from annotations import spatial_io
        if hasattr(spatial_io, "load_gt_tube_dataset"):  # only the evaluated videos, train + test refused
            self.dataset = spatial_io.load_gt_tube_dataset(self.gt_path, split=self.split, all_videos=self.all_videos)
            self.gt = self.dataset.tubes
            self.evaluated_videos = tuple(self.dataset.test_videos or tuple(self.dataset.videos))
            return
        from annotations import formats
        self.gt = formats.load("tubes", "gt", self.gt_path, split=self.split)
        if isinstance(self.split, (str, os.PathLike)) and os.path.isfile(self.split):
            from annotations.ucf101_24 import read_split_list
            self.evaluated_videos = tuple(read_split_list(self.split))
        else:
            self.evaluated_videos = tuple(dict.fromkeys(t.video for t in self.gt))

    def gt_classes(self) -> tuple[str, ...]:
        return tuple(sorted({t.label for t in self.gt}))

    def read_detections(self, path: str):
        from annotations import formats
        return formats.load("tubes", "detections", path)

    def score(self, detections, protocol: str):
        from evaluators.unknown_videos import apply_unknown_video_policy
        from evaluators.video_ap import video_ap
        if _supports(video_ap, "unknown_videos"):  # the evaluator applies the policy itself
            gt = self.dataset if self.dataset is not None else self.gt
            return video_ap(gt, detections, self.thresholds, **_with_supported(video_ap, dict(
                unknown_videos=self.unknown_videos, videos=self.evaluated_videos,
                video_info=None if self.dataset is None else self.dataset.videos)))
        det_video = np.array([t.video for t in detections], dtype=object).astype(str) if len(detections) \
            else np.zeros(0, str)
        keep, notes = apply_unknown_video_policy(det_video, self.evaluated_videos, self.unknown_videos)
        if keep is not None:
            detections = tuple(t for t, k in zip(detections, keep.tolist()) if k)
        result = video_ap(self.gt, detections, self.thresholds)
        if notes:
            import dataclasses
            result = dataclasses.replace(result, warnings=tuple(result.warnings) + tuple(notes))
        return result

    def subset_label(self) -> str:
        return f"split {os.path.basename(os.fspath(self.split))}" if self.split else "all videos of the ground truth"

    def title(self) -> str:
        return "Spatio-temporal localization, video-AP (ACT)"

    @classmethod
    def from_args(cls, args) -> "VideoEvaluation":
        from locbench.evaluation.methods import parse_thresholds
        kw = _common_kwargs(args)
        return cls(args.gt, split=args.split, thresholds=parse_thresholds(args.iou, "--iou"),
                   all_videos=getattr(args, "all_videos", False), **kw)


def _parse_list(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in str(text).split(",") if s.strip())


#: --protocol names that are not AP protocols of the main table: the legacy plugin reads them
_PLUGIN_PROTOCOLS = ("meng2019-code",)


def _cli_protocols(text: str, cls) -> tuple[str, ...]:
    """--protocol as main-table protocols: ``all`` = every protocol of the task (the legacy plugin adds
    meng2019-code beside them); ``meng2019-code`` alone keeps the task's default AP protocol."""
    names = _parse_list(text)
    if "all" in names:
        return tuple(cls.protocols_allowed)
    kept = tuple(n for n in names if n not in _PLUGIN_PROTOCOLS)
    return kept or (tuple(cls.default_protocols) if names else kept)


TASKS = {"temporal": TemporalEvaluation, "spatial": SpatialEvaluation, "video": VideoEvaluation}

__all__ = ["Evaluation", "EvaluationReport", "TemporalEvaluation", "SpatialEvaluation", "VideoEvaluation",
           "restrict_to_frames", "TASKS"]
