"""``--bootstrap N``: 95 % percentile intervals of every mAP and CorLoc, and paired differences.

The evaluated ground-truth videos are resampled with replacement (the video is the unit; a video's
detections travel with it; detections in videos outside the ground truth are counted as
``--unknown-videos`` says, in every resample). Every method and protocol sees the same resamples,
so the difference of a method to the first one is paired. Matching is done once per method and
protocol (:mod:`evaluators.bootstrap`); a resample only reweights. See docs/protocols/statistics.md.

Table cells read ``47.4 [44.0, 50.6]`` (value on the evaluated set [2.5th, 97.5th percentile of the
resamples]); ``metrics.json["analyses"]["bootstrap"]`` holds every number, the standard deviation
of the resamples included.
"""
from __future__ import annotations

import argparse
import math

import numpy as np

from locbench.evaluation.plugins import EvaluationContext, PluginResult

DEFAULT_RESAMPLES = 1000
LEVEL = 0.95
FEW_VIDEOS = 5  # a class with ground truth in fewer videos gets a note: its interval is unreliable


class IntervalCell(float):
    """A table value that renders as ``value [lo, hi]`` in every table format.

    It is a float (the value on the evaluated set), so tables sort, bold and serialise it as one;
    ``100 * cell`` scales the interval too (tables print percentages that way).

    >>> f"{100 * IntervalCell(0.474, 0.44, 0.506):.1f}"
    '47.4 [44.0, 50.6]'
    """

    def __new__(cls, value, lo, hi):
        cell = super().__new__(cls, value)
        cell.lo, cell.hi = float(lo), float(hi)
        return cell

    def __rmul__(self, scale):
        return IntervalCell(float(self) * scale, self.lo * scale, self.hi * scale)

    __mul__ = __rmul__

    def __format__(self, spec):
        if math.isnan(self.lo) or math.isnan(self.hi):
            return format(float(self), spec)
        return f"{format(float(self), spec)} [{format(self.lo, spec)}, {format(self.hi, spec)}]"


class PValueCell(float):
    """A p-value in a percentage table: printed as ``p=0.031`` (``p<0.001``), never scaled.

    >>> f"{100 * PValueCell(0.031):.1f}", f"{100 * PValueCell(0.0):.1f}"
    ('p=0.031', 'p<0.001')
    """

    def __rmul__(self, scale):
        return self

    __mul__ = __rmul__

    def __format__(self, spec):
        v = float(self)
        if math.isnan(v):
            return ""
        return "p<0.001" if v < 0.001 else f"p={v:.3f}"


def _match(ctx: EvaluationContext, detections, protocol: str):
    """Match-once table of one method under one protocol, and its CorLoc counts (or None)."""
    from evaluators import bootstrap as bs
    unknown = ctx.settings.get("unknown_videos", "error")
    if ctx.task == "temporal":
        m = bs.match_temporal(ctx.gt, detections, ctx.thresholds, protocol, unknown_videos=unknown)
        c = bs.temporal_corloc_counts(ctx.gt, detections, ctx.thresholds, unknown_videos=unknown) \
            if ctx.corloc_fn is not None else None
    elif ctx.task == "spatial":
        m = bs.match_frames(ctx.gt, detections, ctx.thresholds, protocol, unknown_videos=unknown)
        c = bs.frame_corloc_counts(ctx.gt, detections, ctx.thresholds, unknown_videos=unknown) \
            if ctx.corloc_fn is not None else None
    else:
        videos = _video_list(ctx)
        m = bs.match_tubes(ctx.gt, detections, ctx.thresholds, videos=videos,
                           unknown_videos=ctx.settings.get("unknown_videos", "fp"))
        c = None
    return m, c


def _video_list(ctx: EvaluationContext):
    """The evaluated videos of the video task: the split list when one was given, else None (the
    ground-truth tubes' videos)."""
    import os
    if ctx.settings.get("video_list"):
        return tuple(ctx.settings["video_list"])
    split = getattr(ctx.args, "split", None)
    if isinstance(split, (str, os.PathLike)) and os.path.isfile(split):
        from annotations.textfiles import read_split_list
        return tuple(read_split_list(split))
    return None


def _row_name(name: str, protocol: str, several: bool) -> str:
    return f"{name} [{protocol}]" if several else name


def _few_video_classes(m) -> list[str]:
    videos_per_class = (m.gt_count > 0).sum(axis=1)
    return [f"{c} ({int(n)})" for c, n in zip(m.classes, videos_per_class) if 0 < n < FEW_VIDEOS]


def bootstrap_analysis(ctx: EvaluationContext, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                       progress: bool = True) -> PluginResult:
    """Intervals and paired differences for every (protocol, method) of ``ctx``; see the module doc."""
    from evaluators import bootstrap as bs
    from locbench.evaluation.tables import Row, Table

    if n_resamples < 2:
        from annotations.errors import InputError
        raise InputError(None, "n_resamples", f"needs at least 2 resamples, got {n_resamples}")
    supported = bs.SUPPORTED[ctx.task]
    protocols = [p for p in ctx.protocols if p in supported]
    notes = [f"protocol {p} is not supported (supported: {', '.join(supported)}); no interval for it"
             for p in ctx.protocols if p not in supported]
    several = len(ctx.protocols) > 1
    methods = list(ctx.methods)
    result = PluginResult(metrics={"n_resamples": int(n_resamples), "seed": seed, "level": LEVEL,
                                   "interval": "percentile", "unit": "video", "rows": [], "differences": []})
    if not protocols or not methods:
        result.notes.extend(notes)
        return result

    # match once: (protocol, method) -> MatchTable; method -> CorLocCounts
    matches, corloc_counts = {}, {}
    for p in protocols:
        for i, method in enumerate(methods):
            m, c = _match(ctx, method.detections, p)
            matches[p, i] = m
            corloc_counts.setdefault(i, c)
    first = matches[protocols[0], 0]
    num_videos = len(first.videos)
    weights = bs.video_weights(num_videos, n_resamples, seed)
    result.metrics.update(num_videos=num_videos, thresholds=[float(t) for t in ctx.thresholds])

    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=n_resamples * len(matches), desc="bootstrap", unit="resample", leave=False)
    samples, points, class_ap = {}, {}, {}
    for (p, i), m in matches.items():
        point = bs.class_mean(bs.full_sample_ap(m)[None])[0]
        row = ctx.evaluated[ctx.protocols.index(p) * len(methods) + i] if ctx.evaluated else None
        if row is not None and not np.allclose(point, row.ap.mean_ap, atol=1e-6, equal_nan=True):
            notes.append(f"no interval for {_row_name(methods[i].name, p, several)}: its match-once mAP "
                         f"{np.round(point, 6).tolist()} differs from the table's {np.round(row.ap.mean_ap, 6).tolist()}")
            continue
        points[p, i, "mAP"] = point
        per_class = bs.resampled_ap(m, weights, progress=bar.update if bar else None)  # (B, C, K)
        samples[p, i, "mAP"] = bs.class_mean(per_class)
        lo_c, hi_c = bs.percentile_interval(per_class, LEVEL)
        class_ap[p, i] = {c: {"value": v.tolist(), "lo": a.tolist(), "hi": b.tolist()}
                          for c, v, a, b, n in zip(m.classes, bs.full_sample_ap(m), lo_c, hi_c, m.gt_count.sum(axis=1))
                          if n > 0}
        c = corloc_counts.get(i)
        if c is not None:
            points[p, i, "CorLoc"] = bs.class_mean(bs.resampled_corloc(c, np.ones((1, len(c.videos)))))[0]
            samples[p, i, "CorLoc"] = bs.class_mean(bs.resampled_corloc(c, weights))
    if bar is not None:
        bar.close()

    rows = []
    for p in protocols:
        for i, method in enumerate(methods):
            name = _row_name(method.name, p, several)
            for metric in ("mAP", "CorLoc"):
                if (p, i, metric) not in samples:
                    continue
                point, s = points[p, i, metric], samples[p, i, metric]
                lo, hi = bs.percentile_interval(s, LEVEL)
                result.metrics["rows"].append({
                    "method": name, "protocol": p, "metric": metric, "value": point.tolist(), "lo": lo.tolist(),
                    "hi": hi.tolist(), "std": np.nanstd(s, axis=0, ddof=1).tolist() if len(s) > 1 else None,
                    **({"per_class_AP": class_ap[p, i]} if metric == "mAP" else {})})
                rows.append(Row(name, metric, tuple(IntervalCell(v, a, b) for v, a, b in zip(point, lo, hi))))
            if i == 0:
                continue
            for metric in ("mAP", "CorLoc"):
                if (p, i, metric) not in samples or (p, 0, metric) not in samples:
                    continue
                delta = points[p, i, metric] - points[p, 0, metric]
                d = samples[p, i, metric] - samples[p, 0, metric]
                lo, hi = bs.percentile_interval(d, LEVEL)
                pv = bs.paired_p_value(d)
                baseline = _row_name(methods[0].name, p, several)
                result.metrics["differences"].append({
                    "method": name, "baseline": baseline, "protocol": p, "metric": metric,
                    "delta": delta.tolist(), "lo": lo.tolist(), "hi": hi.tolist(), "p": pv.tolist()})
                rows.append(Row(name, f"Δ {metric}", tuple(IntervalCell(v, a, b) for v, a, b in zip(delta, lo, hi))))
                rows.append(Row(name, f"p (Δ {metric})", tuple(PValueCell(v) for v in pv)))

    few = _few_video_classes(first)
    if few:
        notes.append(f"{len(few)} class(es) have ground truth in fewer than {FEW_VIDEOS} videos "
                     f"({', '.join(few[:5])}{', ...' if len(few) > 5 else ''}); their AP moves in big steps between "
                     "resamples, read the intervals with care")
    notes.insert(0, f"{n_resamples} resamples of the {num_videos} evaluated videos (seed {seed}); "
                    f"cells are value [{LEVEL:.0%} percentile interval]; Δ = method − {methods[0].name}, paired; "
                    "p = two-sided bootstrap p-value (docs/protocols/statistics.md)")
    result.notes.extend(notes)
    result.metrics["notes"] = list(notes)
    if rows:
        threshold_name = {"temporal": "tIoU", "spatial": "IoU", "video": "ST-IoU"}[ctx.task]
        result.tables["intervals"] = Table(f"Bootstrap over videos ({n_resamples} resamples, {LEVEL:.0%} intervals)",
                                           threshold_name, tuple(float(t) for t in ctx.thresholds), tuple(rows),
                                           tuple(notes), accuracy_column=False)
    return result


class BootstrapPlugin:
    name = "bootstrap"
    tasks = ("temporal", "spatial", "video")

    def add_arguments(self, parser: argparse.ArgumentParser, task: str) -> None:
        g = parser.add_argument_group("uncertainty (docs/protocols/statistics.md)")
        g.add_argument("--bootstrap", nargs="?", type=int, const=DEFAULT_RESAMPLES, default=None, metavar="N",
                       help=f"95%% percentile intervals from N resamples of the evaluated videos "
                            f"(default {DEFAULT_RESAMPLES} when N is left out), and paired differences to the "
                            "first method with p-values")
        if "--seed" not in parser._option_string_actions:
            g.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap (default 0)")

    def enabled(self, args: argparse.Namespace) -> bool:
        return getattr(args, "bootstrap", None) is not None

    def run(self, ctx: EvaluationContext) -> PluginResult:
        n = getattr(ctx.args, "bootstrap", None)
        return bootstrap_analysis(ctx, DEFAULT_RESAMPLES if n is None else int(n), int(getattr(ctx.args, "seed", 0) or 0))


PLUGIN = BootstrapPlugin()
