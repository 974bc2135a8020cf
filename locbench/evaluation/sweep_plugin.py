"""Threshold sweeps and calibration of the localization threshold (``--mask-threshold`` /
``--weight-threshold`` given as a grid, ``--calibrate-on SPLIT``).

For each attention model in the evaluation and each threshold of the grid, the attention records
of the evaluated videos are localized again (:func:`locbench.localization.localize.boxes_from_attention`
/ :func:`~locbench.localization.localize.segments_from_attention` with ``threshold=t`` and the same
label and score rules) and scored exactly as the main table (``ctx.score_fn`` / ``ctx.corloc_fn``).
The output is a table of mAP and CorLoc per threshold and IoU, a curve figure (``--plots``) and the
best value over the grid in the spirit of MaxBoxAcc (Choe et al., CVPR 2020, clovaai/wsolevaluation).

The main table's row stays at the headline threshold (0.5 unless a single value is given). A best
value over the grid computed on the evaluated set always carries the label
:data:`TUNED_ON_EVALUATED`. ``--calibrate-on`` chooses the threshold on other videos (their
ground truth and attention records), then applies it to the evaluated videos; if the calibration
videos overlap the evaluated ones, that row is labelled :data:`TUNED_ON_EVALUATED` too.
See docs/protocols/statistics.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re

import numpy as np

from annotations.errors import InputError
from locbench.evaluation.plugins import EvaluationContext, PluginResult

TUNED_ON_EVALUATED = "threshold tuned on the evaluated set"
_FLAG = {"spatial": "mask_threshold", "temporal": "weight_threshold"}


def threshold_grid(args, task: str) -> tuple[float, tuple[float, ...]]:
    """(headline threshold, grid) from the parsed ``--mask-threshold`` / ``--weight-threshold``."""
    value = getattr(args, _FLAG.get(task, ""), None) if args is not None else None
    if value is None:
        return 0.5, (0.5,)
    grid = tuple(getattr(value, "grid", ()) or (float(value),))
    return float(value), grid


def choose_threshold(grid, scores: np.ndarray, headline: float) -> int:
    """Index of the grid value with the highest score (mean over IoU thresholds); ties go to the
    value nearest the headline, then to the smaller one.

    >>> choose_threshold([0.3, 0.5, 0.7], np.array([0.4, 0.6, 0.6]), 0.5)
    1
    """
    scores = np.where(np.isnan(scores), -np.inf, np.asarray(scores, dtype=np.float64))
    best = scores.max()
    candidates = [i for i in range(len(grid)) if scores[i] == best]
    return min(candidates, key=lambda i: (round(abs(grid[i] - headline), 9), grid[i]))


def _localize(task: str, records, threshold: float, rules: dict):
    from locbench.localization.localize import boxes_from_attention, segments_from_attention
    fn = boxes_from_attention if task == "spatial" else segments_from_attention
    kw = {k: v for k, v in (rules or {}).items() if k in ("labels", "k", "score", "gt_labels") and v is not None}
    return fn(records, threshold=float(threshold), **kw)


def _model_methods(ctx: EvaluationContext) -> list[tuple[str, list]]:
    """(method name, records) of each attention model: the first method named for each records list
    (the baselines share their model's records and are not swept)."""
    seen, out = set(), []
    for name, records in (ctx.records_by_method or {}).items():
        if id(records) not in seen:
            seen.add(id(records))
            out.append((name, list(records)))
    if not out and ctx.records:
        first = next((m.name for m in ctx.methods), "attention model")
        out.append((first, list(ctx.records)))
    return out


def _evaluated_videos(ctx: EvaluationContext) -> tuple[str, ...]:
    videos = tuple(getattr(ctx.gt, "videos", ()) or ())
    return videos or tuple(dict.fromkeys(ctx.gt.video.tolist()))


def _score_grid(ctx, records, grid, protocols, score_fn, corloc_fn, progress_desc):
    """mAP (P, G, K) and CorLoc (G, K) or None of ``records`` localized at every grid value."""
    from tqdm import tqdm
    maps = np.full((len(protocols), len(grid), len(ctx.thresholds)), np.nan)
    corlocs = np.full((len(grid), len(ctx.thresholds)), np.nan) if corloc_fn is not None else None
    for g, t in enumerate(tqdm(grid, desc=progress_desc, unit="threshold", leave=False)):
        dets = _localize(ctx.task, records, t, ctx.rules)
        for i, p in enumerate(protocols):
            maps[i, g] = score_fn(dets, p).mean_ap
        if corloc_fn is not None:
            corlocs[g] = corloc_fn(dets).mean_corloc
    return maps, corlocs


# ------------------------------------------------------------------------------------------ calibration

def _calibration_set(ctx: EvaluationContext, split: str):
    """(videos, ground truth of those videos, scorer(dets, protocol), corloc(dets) or None) of ``split``."""
    args = ctx.args
    if ctx.task == "temporal":
        from evaluators.temporal import temporal_map
        gt = _load_temporal_subset(args, split)
        videos = tuple(gt.videos)

        def score(dets, protocol, _gt=None):
            return temporal_map(_gt if _gt is not None else gt, dets, ctx.thresholds, protocol=protocol,
                                unknown_videos="drop")
        return videos, gt, score
    from evaluators.frame_ap import frame_ap
    dataset = ctx.dataset
    if dataset is None:
        raise InputError(None, "calibrate_on", "calibration needs the spatial ground-truth dataset")
    if os.path.isfile(split):
        from annotations.textfiles import read_split_list
        videos = tuple(read_split_list(split))
    elif split in ("train", "test"):
        videos = tuple(dataset.train_videos if split == "train" else dataset.test_videos)
    else:
        raise InputError(split, "calibrate_on", "expected a video list file (one video per line) or 'train'/'test'")
    unknown = sorted(set(videos) - set(dataset.videos))
    if unknown:
        raise InputError(split, None, f"{len(unknown)} calibration video(s) are not in the ground truth "
                                      f"({', '.join(unknown[:3])})")
    gt = dataset.frame_boxes(videos)

    def score(dets, protocol, _gt=None):
        return frame_ap(_gt if _gt is not None else gt, dets, ctx.thresholds, protocol=protocol,
                        classes=dataset.classes, unknown_videos="drop")
    return videos, gt, score


def _load_temporal_subset(args, subset: str):
    try:  # the format registry, where present
        from annotations import formats
        return formats.load("temporal", "gt", args.gt, getattr(args, "gt_format", "auto"), subset=subset,
                            class_index=getattr(args, "class_index", None))
    except ImportError:
        from annotations.temporal_io import load_temporal_gt
        return load_temporal_gt(args.gt, fmt=getattr(args, "gt_format", "auto"), subset=subset,
                                class_index=getattr(args, "class_index", None))


def _restrict(gt, videos, records, task, sampled: bool):
    """Ground truth of ``videos`` only (and, spatial with sampled frames, of the frames the model saw)."""
    keep = set(videos)
    mask = np.array([v in keep for v in gt.video.tolist()], dtype=bool)
    if task == "spatial" and sampled:
        frames = {r.video: set(np.asarray(r.frame_idx).tolist()) for r in records}
        mask &= np.array([f in frames.get(v, ()) for v, f in zip(gt.video.tolist(), gt.frame_idx.tolist())], bool)
    return dataclasses.replace(gt.select(mask), videos=tuple(videos))


# ------------------------------------------------------------------------------------------ figure

def _figure(path: str, title: str, grid, thresholds, threshold_name: str, maps: np.ndarray, corlocs,
            headline: float, chosen: float | None, chosen_label: str) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from annotations.atomic import atomic_write_bytes

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(thresholds)))
    for k, t in enumerate(thresholds):
        ax.plot(grid, 100 * maps[:, k], "-o", ms=3, color=colors[k], label=f"mAP @ {threshold_name} {t:g}")
        if corlocs is not None:
            ax.plot(grid, 100 * corlocs[:, k], "--", color=colors[k], alpha=0.7, label=f"CorLoc @ {t:g}")
    ax.axvline(headline, color="k", lw=1, label=f"headline {headline:g}")
    if chosen is not None:
        ax.axvline(chosen, color="tab:red", lw=1, ls=":", label=chosen_label)
    ax.set_xlabel("localization threshold")
    ax.set_ylabel("%")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "model"


# ------------------------------------------------------------------------------------------ the analysis

def threshold_sweep(ctx: EvaluationContext, grid, headline: float, calibrate_on: str | None = None) -> PluginResult:
    """mAP / CorLoc of every attention model at each threshold of ``grid``; the best value over the
    grid (labelled :data:`TUNED_ON_EVALUATED`); with ``calibrate_on``, the threshold chosen on
    those videos applied to the evaluated ones. See the module doc."""
    from locbench.evaluation.tables import Table

    result = PluginResult(metrics={"grid": [float(t) for t in grid], "headline_threshold": float(headline),
                                   "thresholds": [float(t) for t in ctx.thresholds], "models": []})
    if ctx.task not in _FLAG:
        result.notes.append(f"not available for the {ctx.task} task")
        return result
    models = _model_methods(ctx)
    if not models:
        result.notes.append("needs an attention model (attention files or a checkpoint); "
                            "detection files have no threshold to sweep")
        return result
    protocols = list(ctx.protocols)
    evaluated = _evaluated_videos(ctx)
    evaluated_set = set(evaluated)
    threshold_name = "tIoU" if ctx.task == "temporal" else "IoU"
    sampled = ctx.task == "spatial" and "frames" in (ctx.settings or {})

    calib = None
    if calibrate_on:
        c_videos, c_gt, c_score = _calibration_set(ctx, calibrate_on)
        overlap = sorted(set(c_videos) & evaluated_set)
        calib = dict(split=calibrate_on, videos=c_videos, gt=c_gt, score=c_score, overlap=overlap)

    for name, records in models:
        eval_records = [r for r in records if r.video in evaluated_set]
        maps, corlocs = _score_grid(ctx, eval_records, grid, protocols, ctx.score_fn, ctx.corloc_fn,
                                    f"sweep {name}")
        entry = {"method": name, "protocols": protocols, "mAP": maps.tolist(),
                 "CorLoc": None if corlocs is None else corlocs.tolist(), "best_per_iou": {}, "best": {}}
        head = int(np.argmin(np.abs(np.asarray(grid) - headline)))
        chosen, chosen_label = None, ""
        calib_rows = []
        if calib is not None:
            c_records = [r for r in records if r.video in set(calib["videos"])]
            if not c_records:
                raise InputError(None, "calibrate_on", f"{name}: no attention records for the "
                                 f"{len(calib['videos'])} videos of {calib['split']}; give attention files that "
                                 "cover them (and unknown_videos='drop' for the main table)")
            covered = tuple(dict.fromkeys(r.video for r in c_records))
            c_gt = _restrict(calib["gt"], covered, c_records, ctx.task, sampled)
            c_maps, _ = _score_grid(ctx, c_records, grid, protocols[:1],
                                    lambda d, p: calib["score"](d, p, c_gt), None, f"calibrate {name}")
            c_idx = choose_threshold(grid, np.nanmean(c_maps[0], axis=1), headline)
            chosen = float(grid[c_idx])
            tuned_here = bool(calib["overlap"])
            chosen_label = f"calibrated on {os.path.basename(calib['split'])}: {chosen:g}"
            label = f"{chosen_label}" + (f" ({TUNED_ON_EVALUATED})" if tuned_here else "")
            entry["calibrated"] = {
                "split": calib["split"], "videos": len(covered), "videos_without_records": len(calib["videos"]) - len(covered),
                "criterion": f"mean mAP over the {threshold_name} thresholds, protocol {protocols[0]}",
                "threshold": chosen, "calibration_mAP": c_maps[0].tolist(), "overlap_with_evaluated": len(calib["overlap"]),
                "label": TUNED_ON_EVALUATED if tuned_here else "threshold chosen on other videos",
                "mAP": {p: maps[i, c_idx].tolist() for i, p in enumerate(protocols)}, "CorLoc": None if corlocs is None else corlocs[c_idx].tolist()}
            if tuned_here:
                result.notes.append(f"{name}: the calibration videos ({calib['split']}) include {len(calib['overlap'])} "
                                    f"evaluated video(s): {TUNED_ON_EVALUATED}")
            if len(covered) < len(calib["videos"]):
                result.notes.append(f"{name}: {len(calib['videos']) - len(covered)} of the {len(calib['videos'])} "
                                    f"calibration videos have no attention record and were left out")
            calib_rows = [(label, c_idx)]

        rows_by_protocol = {}
        for i, p in enumerate(protocols):
            tag = f"{name} [{p}]" if len(protocols) > 1 else name
            per_iou = np.nanargmax(np.where(np.isnan(maps[i]), -np.inf, maps[i]), axis=0)
            b = choose_threshold(grid, np.nanmean(maps[i], axis=1), headline)
            entry["best_per_iou"][p] = {"mAP": maps[i][per_iou, np.arange(len(ctx.thresholds))].tolist(),
                                        "threshold": [float(grid[j]) for j in per_iou], "label": TUNED_ON_EVALUATED}
            entry["best"][p] = {"threshold": float(grid[b]), "mAP": maps[i, b].tolist(),
                                "CorLoc": None if corlocs is None else corlocs[b].tolist(),
                                "criterion": f"mean mAP over the {threshold_name} thresholds",
                                "label": TUNED_ON_EVALUATED}
            rows = []
            for g, t in enumerate(grid):
                label = f"{t:g}" + (" (headline)" if g == head else "")
                rows.append(_row(label, "mAP", maps[i, g], p))
                if corlocs is not None:
                    rows.append(_row(label, "CorLoc", corlocs[g], p))
            rows.append(_row(f"best per {threshold_name} ({TUNED_ON_EVALUATED})", "mAP",
                             maps[i][per_iou, np.arange(len(ctx.thresholds))], p))
            rows.append(_row(f"best {grid[b]:g} ({TUNED_ON_EVALUATED})", "mAP", maps[i, b], p))
            for label, c_idx in calib_rows:
                rows.append(_row(label, "mAP", maps[i, c_idx], p))
                if corlocs is not None:
                    rows.append(_row(label, "CorLoc", corlocs[c_idx], p))
            notes = (f"{tag}: rows are the localization threshold (strict >); the main table uses the headline "
                     f"{headline:g}",
                     f"'best' rows choose the threshold on the evaluated videos: {TUNED_ON_EVALUATED}; they are "
                     "not comparable to numbers with a fixed threshold")
            rows_by_protocol[p] = Table(f"Threshold sweep: {tag}", threshold_name,
                                        tuple(float(t) for t in ctx.thresholds), tuple(rows), notes,
                                        first_column="Threshold", accuracy_column=False)
            result.notes.append(f"{tag}: best threshold over the grid {grid[b]:g} gives mAP "
                                f"{', '.join(f'{100 * v:.1f}' for v in maps[i, b])} ({TUNED_ON_EVALUATED}); the table "
                                f"reports the headline {headline:g}")
        for p, table in rows_by_protocol.items():
            key = _slug(name) + (f"_{p}" if len(protocols) > 1 else "")
            result.tables[key] = table
        if ctx.plots_dir:
            path = os.path.join(ctx.plots_dir, f"threshold_sweep_{_slug(name)}.png")
            os.makedirs(ctx.plots_dir, exist_ok=True)
            result.figures.append(_figure(path, f"{name}: threshold sweep ({protocols[0]})", list(grid),
                                          ctx.thresholds, threshold_name, maps[0], corlocs, headline, chosen,
                                          chosen_label))
            entry["figure"] = path
        result.metrics["models"].append(entry)
    result.metrics["notes"] = list(result.notes)
    return result


def _has_group() -> bool:
    """Whether tables.Row has the ``group`` field (the protocol) of newer versions."""
    from locbench.evaluation.tables import Row
    return "group" in getattr(Row, "__dataclass_fields__", {})


def _row(label, metric, values, group):
    from locbench.evaluation.tables import Row
    values = tuple(float(v) for v in values)
    return Row(label, metric, values, group=group) if _has_group() else Row(label, metric, values)


class SweepPlugin:
    name = "sweep"
    tasks = ("temporal", "spatial")

    def add_arguments(self, parser: argparse.ArgumentParser, task: str) -> None:
        g = parser.add_argument_group("threshold sweep and calibration (docs/protocols/statistics.md)")
        what = "a ground-truth subset (e.g. validation)" if task == "temporal" else \
            "a video list file (one video per line) or 'train'"
        g.add_argument("--calibrate-on", metavar="SPLIT",
                       help=f"choose the {'weight' if task == 'temporal' else 'mask'} threshold from the grid on "
                            f"{what}, not on the evaluated videos, and report it applied to them (needs attention "
                            "records of those videos)")

    def enabled(self, args: argparse.Namespace) -> bool:
        task = "spatial" if hasattr(args, "mask_threshold") else "temporal"
        _, grid = threshold_grid(args, task)
        return len(grid) > 1 or bool(getattr(args, "calibrate_on", None))

    def run(self, ctx: EvaluationContext) -> PluginResult:
        headline, grid = threshold_grid(ctx.args, ctx.task)
        if ctx.rules and ctx.rules.get("threshold") is not None:
            headline = float(ctx.rules["threshold"])
        return threshold_sweep(ctx, grid, headline, getattr(ctx.args, "calibrate_on", None))


PLUGIN = SweepPlugin()
