"""The protocol comparison: the same attention files under the paper's rule (frame-AP / temporal mAP,
CorLoc) and under ``meng2019-code`` (the authors' released evaluation), side by side.

Enabled by ``--legacy`` (or ``all`` / ``meng2019-code`` among the ``--protocol`` names); ``--fix-legacy-iou`` removes the sign error of the
authors' spatial IoU from the headline ``meng2019-code`` figure (both variants are always shown).
See ``docs/protocols/meng2019.md``.
"""
from __future__ import annotations

import argparse

from locbench.evaluation.plugins import EvaluationContext, PluginResult
from locbench.evaluation.tables import Row, Table


def _model_rows(ctx: EvaluationContext) -> list:
    """Rows of the main table that belong to the attention model whose records the plugin reads
    (``ctx.records``: the first attention input), one per protocol; the first method without records."""
    name = next((n for n, recs in (ctx.records_by_method or {}).items() if recs is ctx.records), None)
    model = next((m for m in ctx.methods if m.name == name), ctx.methods[0] if ctx.methods else None)
    if model is None:
        return []
    return [e for e in ctx.evaluated if e.method.detections is model.detections]


def _paper_rows(ctx: EvaluationContext, metric: str) -> list[Row]:
    rows = []
    evaluated = _model_rows(ctx)
    for protocol, e in zip(ctx.protocols, evaluated):
        rows.append(Row(f"paper's rule [{protocol}]", metric, tuple(float(v) for v in e.ap.mean_ap)))
    if evaluated and evaluated[0].corloc is not None:
        rows.append(Row("paper's rule", "CorLoc", tuple(float(v) for v in evaluated[0].corloc.mean_corloc)))
    return rows


def comparison_figure(table: Table, out_dir: str) -> str:
    """One line per protocol row over the thresholds (percent), saved as
    ``<out_dir>/protocol_comparison_<IoU|tIoU>.png``; returns the path."""
    import os

    from locbench.evaluation.plots import plt, save_png

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for row in table.rows:
        ax.plot(table.thresholds, [100 * v for v in row.values], marker="o", label=f"{row.method}: {row.metric}",
                linestyle="--" if row.method.startswith("meng2019-code") else "-")
    ax.set_xlabel(table.threshold_name)
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.set_title("The same attention under each protocol", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    os.makedirs(out_dir, exist_ok=True)
    return save_png(fig, os.path.join(out_dir, f"protocol_comparison_{table.threshold_name}.png"))


class LegacyPlugin:
    name = "legacy"
    tasks = ("spatial", "temporal")

    def add_arguments(self, parser: argparse.ArgumentParser, task: str) -> None:
        g = parser.add_argument_group("legacy protocol (meng2019-code, docs/protocols/meng2019.md)")
        g.add_argument("--legacy", action="store_true",
                       help="also compute the authors' released evaluation (meng2019-code) and show it beside "
                            "the paper's rule (needs --attention or --checkpoint; temporal needs --checkpoint)")
        if task == "spatial":
            g.add_argument("--fix-legacy-iou", action="store_true",
                           help="meng2019-code headline without the sign error of the authors' IoU "
                                "(default: reproduce it; both are shown)")
        else:
            g.add_argument("--legacy-approximate", action="store_true",
                           help="without a model: approximate the temporal meng2019-code figure from the attention "
                                "files (whole-video attention renormalised over each window; labelled as such)")
            g.add_argument("--legacy-checkpoint", metavar="PT",
                           help="model run on the authors' 50-frame windows for the temporal meng2019-code figure "
                                "when the main input is attention files (default: --checkpoint); needs --videos")

    def enabled(self, args: argparse.Namespace) -> bool:
        protocol = str(getattr(args, "protocol", "") or "")
        names = {p.strip() for p in protocol.split(",")}
        return bool(getattr(args, "legacy", False)) or bool(names & {"all", "meng2019-code"})

    def run(self, ctx: EvaluationContext) -> PluginResult:
        if ctx.task == "spatial":
            return self._spatial(ctx)
        if ctx.task == "temporal":
            return self._temporal(ctx)
        return PluginResult(notes=[f"meng2019-code has no {ctx.task} figure"])

    def _spatial(self, ctx: EvaluationContext) -> PluginResult:
        from locbench.localization.legacy import legacy_spatial

        if not ctx.records or ctx.dataset is None:
            return PluginResult(notes=["meng2019-code (spatial) needs attention masks (--attention or --checkpoint) "
                                       "and a tube dataset; detection files carry no masks"])
        fix = bool(getattr(ctx.args, "fix_legacy_iou", False)) if ctx.args is not None else False
        videos = tuple(ctx.gt.videos) if ctx.gt is not None else None
        raw = legacy_spatial(ctx.records, ctx.dataset, videos, ctx.thresholds, fix_sign=False)
        fixed = legacy_spatial(ctx.records, ctx.dataset, videos, ctx.thresholds, fix_sign=True)
        rows = _paper_rows(ctx, "frame-AP")
        rows += [Row("meng2019-code", "frames with IoU >= t", tuple(raw.figure)),
                 Row("meng2019-code, sign error fixed", "frames with IoU >= t", tuple(fixed.figure))]
        head = fixed if fix else raw
        notes = [f"meng2019-code: {len(head.iou)} evaluated frames of {head.num_videos} videos (first tube only, "
                 "model frames only); a fraction of frames, not an AP: no labels, scores or ranking"] + head.notes
        table = Table("Protocol comparison: the paper's rule and the authors' released code (meng2019-code)", "IoU",
                      tuple(float(t) for t in ctx.thresholds), tuple(rows), tuple(notes),
                      first_column="Protocol", accuracy_column=False)
        metrics = {"meng2019-code": head.to_dict(),
                   "meng2019-code_sign_error" if fix else "meng2019-code_sign_fixed": (raw if fix else fixed).to_dict(),
                   "comparison": [{"protocol": r.method, "metric": r.metric, "values": list(r.values)} for r in rows]}
        figures = [comparison_figure(table, ctx.plots_dir)] if ctx.plots_dir else []
        return PluginResult(metrics=metrics, tables={"protocol_comparison": table}, notes=notes, figures=figures)

    def _temporal(self, ctx: EvaluationContext) -> PluginResult:
        from locbench.localization.legacy import (legacy_temporal_approximate, legacy_temporal_from_checkpoint,
                                                  legacy_temporal_unavailable_reason)

        rows = _paper_rows(ctx, "mAP")
        args = ctx.args
        notes: list[str] = []
        metrics: dict = {}
        checkpoint = None if args is None else (getattr(args, "legacy_checkpoint", None)
                                                or getattr(args, "checkpoint", None))
        if checkpoint and getattr(args, "videos", None):
            res = legacy_temporal_from_checkpoint(checkpoint, args.videos, ctx.gt,
                                                  device=getattr(args, "device", "auto"), thresholds=ctx.thresholds)
            rows.append(Row("meng2019-code", "instances: class right, recall > t", tuple(res.figure)))
            notes += ["meng2019-code: fraction of instances whose window class is right and whose annotated frames "
                      "are selected (weight > 0.023) in more than a fraction t; a recall, not a tIoU, not an AP"]
            notes += res.notes
            metrics["meng2019-code"] = res.to_dict()
        elif args is not None and getattr(args, "legacy_approximate", False) and ctx.records:
            res = legacy_temporal_approximate(ctx.records, ctx.gt, thresholds=ctx.thresholds)
            rows.append(Row("meng2019-code APPROXIMATION (attention files)", "instances: class right, recall > t",
                            tuple(res.figure)))
            notes += res.notes
            metrics["meng2019-code"] = dict(res.to_dict(), approximation=True)
        else:
            reason = legacy_temporal_unavailable_reason()
            if checkpoint:
                reason = "a model was given but no --videos to run it on"
            notes.append(f"meng2019-code (temporal) not computed: {reason}; on the command line give --checkpoint "
                         "with --videos, or --legacy-checkpoint PT with --videos beside --attention "
                         "(--legacy-approximate gives a labelled approximation from the attention files)")
            metrics["meng2019-code"] = {"protocol": "meng2019-code", "task": "temporal", "figure": None,
                                        "reason": reason}
        table = Table("Protocol comparison: the paper's rule and the authors' released code (meng2019-code)", "tIoU",
                      tuple(float(t) for t in ctx.thresholds), tuple(rows), tuple(notes),
                      first_column="Protocol", accuracy_column=False)
        metrics["comparison"] = [{"protocol": r.method, "metric": r.metric, "values": list(r.values)} for r in rows]
        figures = [comparison_figure(table, ctx.plots_dir)] if ctx.plots_dir and rows else []
        return PluginResult(metrics=metrics, tables={"protocol_comparison": table}, notes=notes, figures=figures)


PLUGIN = LegacyPlugin()

__all__ = ["PLUGIN", "LegacyPlugin"]
