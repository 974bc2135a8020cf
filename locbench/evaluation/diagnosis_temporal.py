"""Temporal diagnosis plugin (``--diagnose`` on eval-temporal, and the ``diagnose-temporal`` verb).

For every evaluated method: DETAD's analyses (:mod:`evaluators.diagnosis.detad`), the weak-supervision
error types with their oracle mAP gains (:mod:`evaluators.diagnosis.weak_temporal`), optional slices
by a per-video or per-instance attribute column, tables, notes and figures. Definitions:
``docs/protocols/diagnosis.md``.
"""
from __future__ import annotations

import csv
import json
import os
import re
from types import SimpleNamespace

import numpy as np

from annotations.errors import InputError
from annotations.types import AMBIGUOUS, Segments
from evaluators.diagnosis import detad as dt
from evaluators.diagnosis import weak_temporal as wk
from locbench.evaluation.plugins import EvaluationContext, PluginResult
from locbench.evaluation.tables import Row, Table

NAME = "diagnosis-temporal"


# --------------------------------------------------------------------------- inputs


def parse_slice_spec(text: str) -> tuple[str, str]:
    """``FILE:COLUMN`` split at the last colon (so Windows drive letters survive).

    >>> parse_slice_spec("bench/hard_cases_test.csv:edge")
    ('bench/hard_cases_test.csv', 'edge')
    """
    if ":" not in text or not text.rsplit(":", 1)[1] or not text.rsplit(":", 1)[0]:
        raise InputError(None, "slice_by", f"expected FILE:COLUMN, got {text!r}")
    path, column = text.rsplit(":", 1)
    return path, column


_START = ("t_start_s", "t-start", "t_start", "start")
_END = ("t_end_s", "t-end", "t_end", "end")
_VIDEO = ("video", "video-name", "video_id", "video-id")


def _pick(header, names):
    return next((n for n in names if n in header), None)


def read_slice(path: str, column: str, gt: Segments) -> tuple[np.ndarray, str, list[str]]:
    """Attribute value of every ground-truth row from a per-video or per-instance CSV.

    Per-instance when the CSV has start / end (and label) columns: rows match a ground-truth instance
    of the same video (and label) whose ends differ by < 1e-6 s. Missing values are ``"(missing)"``.
    Returns (values (G,) object, "video" or "instance", notes).
    """
    if not os.path.isfile(path):
        raise InputError(path, None, "slice attribute file does not exist")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0].keys()) if rows else []
    vcol = _pick(header, _VIDEO)
    if vcol is None:
        raise InputError(path, "header", f"no video column (one of {', '.join(_VIDEO)}); columns: {', '.join(header)}")
    if column not in header:
        raise InputError(path, "header", f"no column {column!r}; columns: {', '.join(header)}")
    scol, ecol, lcol = _pick(header, _START), _pick(header, _END), _pick(header, ("label", "class"))
    values = np.full(len(gt), "(missing)", dtype=object)
    notes = []
    if scol and ecol:
        index: dict = {}
        for i, (v, c, s, e) in enumerate(zip(gt.video.tolist(), gt.label.tolist(), gt.t_start_s.tolist(),
                                             gt.t_end_s.tolist())):
            index.setdefault((v, c if lcol else None), []).append((s, e, i))
        unmatched = 0
        for n, row in enumerate(rows, start=2):
            try:
                s, e = float(row[scol]), float(row[ecol])
            except ValueError:
                raise InputError(path, f"line {n}", f"{scol}/{ecol} are not numbers") from None
            hit = [i for (a, b, i) in index.get((row[vcol], row[lcol] if lcol else None), ())
                   if abs(a - s) < 1e-6 and abs(b - e) < 1e-6]
            if hit:
                values[hit] = row[column]
            else:
                unmatched += 1
        if unmatched:
            notes.append(f"{unmatched} row(s) of {os.path.basename(path)} match no ground-truth instance")
        kind = "instance"
    else:
        by_video = {row[vcol]: row[column] for row in rows}
        values[:] = [by_video.get(v, "(missing)") for v in gt.video.tolist()]
        kind = "video"
    missing = int(np.sum((values == "(missing)") & (gt.label != AMBIGUOUS)))
    if missing:
        notes.append(f"{missing} ground-truth instance(s) have no {column!r} in {os.path.basename(path)}")
    return values, kind, notes


def read_durations(path: str) -> dict[str, float]:
    """Video durations (s) from ``thumos14_test_groundtruth.csv``, a ``*_video_info.csv`` or a
    ``video,duration_s`` CSV."""
    from annotations.thumos14 import read_groundtruth_csv, read_video_info_csv
    if not os.path.isfile(path):
        raise InputError(path, None, "durations file does not exist")
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), [])
    if "video-duration" in header:
        return {v: i.duration_s for v, i in read_groundtruth_csv(path)[1].items()}
    if "fps" in header and "count" in header:
        return {v: i.duration_s for v, i in read_video_info_csv(path).items()}
    if "video" in header and "duration_s" in header:
        with open(path, newline="", encoding="utf-8") as f:
            return {r["video"]: float(r["duration_s"]) for r in csv.DictReader(f)}
    raise InputError(path, "header", "expected video-duration (THUMOS'14 CSV), fps+count (video info) or "
                                     "video,duration_s columns")


def read_extra_characteristics(path: str) -> dict:
    """DETAD's extra-characteristics JSON (``{"database": {video: {"annotations": [...]}}}``)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise InputError(path, None, "characteristics file does not exist") from None
    except json.JSONDecodeError as e:
        raise InputError(path, f"line {e.lineno}", f"not JSON: {e.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("database"), dict):
        raise InputError(path, "key 'database'", "missing: expected DETAD's extra-characteristics file")
    return data


# --------------------------------------------------------------------------- the analysis


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "method"


def diagnose_method(gt: Segments, det: Segments, thresholds, protocol: str = "activitynet",
                    unknown_videos: str = "error", dataset: str = "thumos14", detad_compat: bool = False,
                    characteristics=None, slices=()) -> dict:
    """DETAD + weak types (+ slices) of one detection set; returns plain Python results and arrays for figures."""
    from evaluators.temporal import temporal_map
    keep_gt = gt.label != AMBIGUOUS
    classes = tuple(dict.fromkeys(gt.label[keep_gt].tolist()))
    keep_det = dt.member(det.label, classes)
    if unknown_videos == "drop":
        keep_det &= dt.member(det.video, gt.videos)
    p = dt.make_problem(classes, gt, np.flatnonzero(keep_gt), det, np.flatnonzero(keep_det))
    detad = dt.detad_analysis(gt, det, dataset=dataset, characteristics=characteristics,
                              detad_compat=detad_compat, unknown_videos="fp" if unknown_videos == "error"
                              else unknown_videos, problem=p)
    g = gt.select(keep_gt)
    rows = np.flatnonzero(keep_det)
    d = SimpleNamespace(video=det.video[rows], t_start_s=det.t_start_s[rows], t_end_s=det.t_end_s[rows],
                        label=det.label[rows], score=det.score[rows])  # columns only: no Segments copy
    weak = wk.weak_analysis(p, thresholds)
    out = {"detad": detad, "weak": weak, "problem": p, "gt": g, "det": d, "slices": []}
    for name, values, kind in slices:
        vals = values[keep_gt]
        res = {"name": name, "kind": kind, "values": {}}
        for value in sorted(set(vals.tolist())):
            in_slice = vals == value
            if kind == "video":
                videos = tuple(dict.fromkeys(g.video[in_slice].tolist()))
                gs = Segments(gt.video, gt.t_start_s, gt.t_end_s, gt.label, videos=videos).select(
                    np.isin(gt.video, videos))
                ds = det.select(np.isin(det.video, videos))
                mean = temporal_map(gs, ds, thresholds, protocol=protocol, unknown_videos="drop").mean_ap \
                    if len(ds) else np.zeros(len(thresholds))
                how = f"{protocol} mAP on the {len(videos)} video(s)"
            else:
                aps = np.array([wk.slice_ap(p, wt.matched, in_slice) for wt in weak.types])
                valid = ~np.isnan(aps).all(axis=0)
                mean = np.nanmean(aps[:, valid], axis=1) if valid.any() else np.full(len(thresholds), np.nan)
                how = "ActivityNet AP over the slice's instances (other instances' matches dropped, as DETAD)"
            wt = weak.types[weak.offset_k]
            if kind == "video":
                fp_in = np.isin(p.video_names[p.det_vid].astype(str), np.asarray(videos, dtype=str))
            else:
                fp_in = (wt.target >= 0) & in_slice[np.maximum(wt.target, 0)]
            missed = {wk.ALL_TYPES[c]: int(n) for c, n in enumerate(np.bincount(
                wt.missed_type[in_slice & (wt.missed_type >= 0)], minlength=len(wk.ALL_TYPES))) if n}
            fps = {wk.FP_TYPES[c]: int(n) for c, n in enumerate(np.bincount(
                wt.fp_type[fp_in & (wt.fp_type >= 0)], minlength=len(wk.FP_TYPES))) if n}
            res["values"][value] = {"mAP": [float(v) for v in mean], "n_instances": int(in_slice.sum()),
                                    "types_tiou": weak.thresholds[weak.offset_k], "missed_types": missed,
                                    "false_positive_types": fps, "how": how}
        out["slices"].append(res)
    return out


def weak_metrics(weak: wk.WeakResult) -> dict:
    dmap = weak.dmap()
    return {
        "protocol": "activitynet matching and all-point AP (see docs/protocols/diagnosis.md)",
        "thresholds": list(weak.thresholds),
        "type_thresholds": dict(wk.THRESHOLDS),
        "base_mAP": [float(v) for v in weak.base_map],
        "dmAP_by_fixing": {k: [float(x) for x in v] for k, v in dmap.items()},
        "false_positives": {k: [int(x) for x in v] for k, v in weak.fp_counts.items()},
        "missed_instances": {k: [int(x) for x in v] for k, v in weak.missed_counts.items()},
        "boundary_error_s": _offset_summary(weak),
    }


def _offset_summary(weak: wk.WeakResult) -> dict:
    wt = weak.types[weak.offset_k]
    out = {}
    for what, sel in (("true_positives", wt.matched >= 0), ("false_positives", (wt.matched < 0) & (weak.offset_host >= 0))):
        s, e = weak.start_error_s[sel], weak.end_error_s[sel]
        edges = np.linspace(-10, 10, 21)
        out[what] = {"n": int(sel.sum()), "tIoU": weak.thresholds[weak.offset_k],
                     "start_median_s": float(np.median(s)) if len(s) else None,
                     "end_median_s": float(np.median(e)) if len(e) else None,
                     "start_mean_abs_s": float(np.mean(np.abs(s))) if len(s) else None,
                     "end_mean_abs_s": float(np.mean(np.abs(e))) if len(e) else None,
                     "histogram_edges_s": edges.tolist(),
                     "start_histogram": np.histogram(np.clip(s, -10, 10), edges)[0].tolist(),
                     "end_histogram": np.histogram(np.clip(e, -10, 10), edges)[0].tolist()}
    return out


def build_tables(method: str, res: dict, thresholds) -> dict[str, Table]:
    """DETAD FP profile, DETAD by characteristic, weak types (dmAP, shares) and slices, as Tables."""
    slug = _slug(method)
    m = res["detad"].metrics
    fp = m["false_positive_analysis"]
    tables = {}
    bands = fp["fp_profile_by_score_range"]
    rows = tuple(Row(t, "fraction", tuple(np.nan if b["fraction"][t] is None else b["fraction"][t] for b in bands))
                 for t in dt.ERROR_TYPES)
    tables[f"diagnosis_fp_profile_{slug}"] = Table(
        f"DETAD false-positive profile, {method} (score-rank band kG of each class; "
        f"avg-mAP_N {100 * fp['average_mAP_N']:.1f})", "band kG", tuple(float(k + 1) for k in range(len(bands))),
        rows, first_column="Type", accuracy_column=False)
    dthr = tuple(float(t) for t in m["settings"]["tiou_thresholds"])
    rows = [Row(t, "mAP_N gain", tuple(v)) for t, v in fp["mAP_N_gain_removing_error_by_tiou"].items()]
    for char, buckets in m["false_negative_analysis"]["false_negative_rate"].items():
        for b, v in buckets.items():
            rows.append(Row(char, f"FN rate {b}", tuple(v["false_negative_rate_by_tiou"])))
    for char, buckets in m["sensitivity_analysis"]["mAP_N_by_bucket_by_tiou"].items():
        for b, v in buckets.items():
            rows.append(Row(char, f"mAP_N {b}", tuple(np.nan if x is None else x for x in v)))
    tables[f"diagnosis_detad_{slug}"] = Table(f"DETAD, {method}: removing-error gains, false negatives and "
                                              "sensitivity by characteristic (DETAD's averages over the tIoUs: "
                                              "metrics.json)", "tIoU", dthr, tuple(rows),
                                              first_column="Type / characteristic", accuracy_column=False)
    weak = res["weak"]
    dmap = weak.dmap()
    n_fp = np.maximum(sum(weak.fp_counts.values()), 1)
    n_missed = np.maximum(sum(weak.missed_counts.values()), 1)
    rows = [Row("baseline", "mAP", tuple(float(v) for v in weak.base_map))]
    for t in wk.ALL_TYPES:
        rows.append(Row(t, "dmAP if fixed", tuple(float(v) for v in dmap[t])))
        if t in weak.fp_counts:
            rows.append(Row(t, "share of FP", tuple(float(v) for v in weak.fp_counts[t] / n_fp)))
        if t in weak.missed_counts:
            rows.append(Row(t, "share of missed", tuple(float(v) for v in weak.missed_counts[t] / n_missed)))
    tables[f"diagnosis_weak_{slug}"] = Table(f"Weak-supervision error types, {method} (oracle fix of one type at a "
                                             "time, same baseline)", "tIoU", tuple(float(t) for t in thresholds),
                                             tuple(rows), first_column="Error type", accuracy_column=False)
    for s in res["slices"]:
        rows = tuple(Row(f"{s['name']}={v}", "mAP", tuple(r["mAP"])) for v, r in s["values"].items())
        tables[f"diagnosis_slice_{_slug(s['name'])}_{slug}"] = Table(
            f"mAP by {s['name']} (per {s['kind']}), {method}", "tIoU", tuple(float(t) for t in thresholds), rows,
            first_column="Slice", accuracy_column=False)
    return tables


# --------------------------------------------------------------------------- figures


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: str) -> str:
    """The diagnosis figures at 100 dpi (smaller files: one per analysis)."""
    from locbench.evaluation.plots import save_png
    return save_png(fig, path, dpi=100)


DETAD_COLOURS = ("#33a02c", "#b2df8a", "#1f78b4", "#fb9a99", "#e31a1c", "#a6cee3")


def fig_fp_profile(metrics: dict, path: str, title: str) -> str:
    """DETAD's figure: stacked type fractions per score-rank band, and the removing-error gains."""
    plt = _plt()
    fp = metrics["false_positive_analysis"]
    bands = [b for b in fp["fp_profile_by_score_range"] if b["n_predictions"]]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    x = np.arange(len(bands))
    bottom = np.zeros(len(bands))
    for t, colour in zip(dt.ERROR_TYPES, DETAD_COLOURS):
        v = np.array([100 * b["fraction"][t] for b in bands])
        a.bar(x, v, bottom=bottom, color=colour, label=dt.DETAD_NAMES[t], width=0.8)
        bottom += v
    a.set_xticks(x, [b["group"] for b in bands])
    a.set_ylim(0, 100)
    a.set_ylabel("error breakdown (%)")
    a.set_xlabel("top predictions (score-rank band per class)")
    a.set_title("False positive profile")
    a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.15), ncol=3)
    gains = fp["average_mAP_N_gain_removing_error"]
    vals = [100 * gains[t] for t in dt.ERROR_TYPES[1:]]
    bars = b.bar(np.arange(5), vals, color=DETAD_COLOURS[1:])
    for bar, v in zip(bars, vals):
        b.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{v:.1f}", ha="center", va="bottom", fontsize=8)
    b.set_xticks(np.arange(5), [dt.DETAD_NAMES[t].replace(" Err", "") for t in dt.ERROR_TYPES[1:]], rotation=30,
                 ha="right", fontsize=8)
    b.set_ylabel("average-mAP$_N$ improvement (points)")
    b.set_title("Removing error impact")
    fig.suptitle(title)
    return _save(fig, path)


def fig_sensitivity(metrics: dict, path: str, title: str) -> str:
    """DETAD's false-negative rates and normalised-mAP sensitivity by characteristic bucket."""
    plt = _plt()
    fn = metrics["false_negative_analysis"]["false_negative_rate"]
    sens = metrics["sensitivity_analysis"]["average_mAP_N_by_bucket"]
    fig, axes = plt.subplots(2, 1, figsize=(10, 6))
    for ax, data, label in ((axes[0], {c: {b: v["false_negative_rate"] for b, v in d.items()} for c, d in fn.items()},
                             "false negative (%)"), (axes[1], sens, "average-mAP$_N$ (%)")):
        x, ticks, pos = 0, [], []
        for k, (char, buckets) in enumerate(data.items()):
            labels = [b for b in metrics["ground_truth"]["bins"][char]["labels"] if b in buckets]
            vals = [100 * (buckets[b] or 0.0) for b in labels]
            xs = np.arange(x, x + len(labels))
            ax.bar(xs, vals, color=f"C{k}", label=char)
            for xi, v in zip(xs, vals):
                ax.text(xi, v, f"{v:.1f}", ha="center", va="bottom", fontsize=7)
            ticks += labels
            pos += xs.tolist()
            x += len(labels) + 1
        ax.set_xticks(pos, ticks, fontsize=8)
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    axes[1].axhline(100 * metrics["sensitivity_analysis"]["base_average_mAP_N"], ls="--", color="k", lw=1)
    fig.suptitle(title)
    return _save(fig, path)


def fig_weak_dap(weak: wk.WeakResult, path: str, title: str, k: int) -> str:
    """TIDE-style bars: mAP points gained by fixing each weak-supervision type alone."""
    plt = _plt()
    dmap = weak.dmap()
    names = list(wk.ALL_TYPES)
    vals = [100 * dmap[n][k] for n in names]
    fig, ax = plt.subplots(figsize=(7, 4))
    y = np.arange(len(names))[::-1]
    ax.barh(y, vals, color=["#888888" if n in ("duplicate", "wrong_label", "confusion", "background", "not_detected")
                            else "#d95f02" for n in names])
    for yi, v in zip(y, vals):
        ax.text(v, yi, f" {v:.2f}", va="center", fontsize=8)
    ax.set_yticks(y, names)
    ax.set_xlabel(f"mAP gained by an oracle fix (points), tIoU {weak.thresholds[k]:g}; "
                  f"baseline {100 * weak.base_map[k]:.1f}")
    ax.set_title(title)
    return _save(fig, path)


def fig_offsets(weak: wk.WeakResult, path: str, title: str) -> str:
    """Histograms of start and end errors (s) of predictions against their instance."""
    plt = _plt()
    wt = weak.types[weak.offset_k]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
    edges = np.linspace(-10, 10, 41)
    for ax, err, name in ((axes[0], weak.start_error_s, "start"), (axes[1], weak.end_error_s, "end")):
        for sel, label, colour in ((wt.matched >= 0, "true positives", "#1b9e77"),
                                   ((wt.matched < 0) & (weak.offset_host >= 0), "false positives on an instance",
                                    "#d95f02")):
            ax.hist(np.clip(err[sel], -10, 10), edges, alpha=0.6, label=label, color=colour)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel(f"{name} error (s): prediction - instance (clipped to ±10)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("predictions")
    fig.suptitle(f"{title} (tIoU {weak.thresholds[weak.offset_k]:g})")
    return _save(fig, path)


def fig_worst_cases(res: dict, path: str, title: str, k: int, per_type: int = 2) -> str:
    """Timelines of the highest-scoring false positives of each type, drawn from the evaluated segments."""
    plt = _plt()
    p, weak, det, g = res["problem"], res["weak"], res["det"], res["gt"]
    wt = weak.types[k]
    cases = []
    for code, name in enumerate(wk.FP_TYPES):
        rows = np.flatnonzero(wt.fp_type == code)
        rows = rows[np.argsort(-p.score[rows], kind="stable")][:per_type]
        cases += [(name, int(r)) for r in rows]
    if not cases:
        cases = [("(no false positive)", -1)]
    from matplotlib.ticker import MaxNLocator
    fig, axes = plt.subplots(len(cases), 1, figsize=(9, 0.75 * len(cases) + 0.8), squeeze=False)
    for ax, (name, r) in zip(axes[:, 0], cases):
        ax.set_yticks([])
        if r < 0:
            ax.set_axis_off()
            continue
        v = det.video[r]
        s, e = det.t_start_s[r], det.t_end_s[r]
        mine = np.flatnonzero(g.video == v)
        tgt = wt.target[r]
        lo = min([s] + ([g.t_start_s[tgt]] if tgt >= 0 else []))
        hi = max([e] + ([g.t_end_s[tgt]] if tgt >= 0 else []))
        pad = max(hi - lo, 1.0) * 0.6
        lo, hi = lo - pad, hi + pad
        for i in mine:
            if g.t_end_s[i] < lo or g.t_start_s[i] > hi:
                continue
            same = g.label[i] == det.label[r]
            ax.barh(1, g.t_end_s[i] - g.t_start_s[i], left=g.t_start_s[i], height=0.6,
                    color="#1f5fd6" if same else "#9bb7e8", edgecolor="k" if i == tgt else "none")
            ax.text(max(g.t_start_s[i], lo), 1.35, g.label[i], fontsize=6, va="bottom", clip_on=True)
        ax.barh(0, e - s, left=s, height=0.6, color="#e0301e")
        ax.set_xlim(lo, hi)
        ax.set_ylim(-0.5, 2)
        ax.text(1.01, 0.5, f"{name}\n{v} {det.label[r]} {p.score[r]:.3g}", transform=ax.transAxes, fontsize=7,
                va="center")
        ax.xaxis.set_major_locator(MaxNLocator(6))
        ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel("time (s): instances above (outlined: the one the type refers to), prediction below")
    fig.suptitle(f"{title} (tIoU {weak.thresholds[k]:g})")
    fig.tight_layout()
    return _save(fig, path)


# --------------------------------------------------------------------------- plugin


def add_diagnosis_arguments(parser, with_switch: bool = True) -> None:
    g = parser.add_argument_group("temporal diagnosis (DETAD + weak-supervision error types)")
    if with_switch:
        g.add_argument("--diagnose", action="store_true", help="also diagnose the errors (docs/protocols/diagnosis.md)")
    g.add_argument("--detad-compat", action="store_true",
                   help="type predictions on videos without ground truth as DETAD as shipped does (stale ground truth)")
    g.add_argument("--detad-dataset", choices=dt.DATASETS, default="thumos14",
                   help="DETAD's defaults: thumos14 (tIoU 0.5, default) or activitynet (0.5:0.05:0.95)")
    g.add_argument("--characteristics", metavar="JSON", help="DETAD's extra-characteristics file (coverage, "
                                                             "length, num-instances, context size/distance)")
    g.add_argument("--durations", metavar="CSV", help="video durations for coverage: thumos14_test_groundtruth.csv, "
                                                      "<subset>_video_info.csv, or video,duration_s")
    g.add_argument("--slice-by", action="append", default=[], metavar="FILE:COLUMN",
                   help="slice the diagnosis by a per-video or per-instance attribute column (repeatable)")


def run_diagnosis(ctx: EvaluationContext) -> PluginResult:
    args = ctx.args
    gt = ctx.gt
    unknown = ctx.settings.get("unknown_videos", "error")
    extra = read_extra_characteristics(args.characteristics) if getattr(args, "characteristics", None) else None
    durations = read_durations(args.durations) if getattr(args, "durations", None) else None
    notes, figures, tables = [], [], {}
    keep = gt.label != AMBIGUOUS
    chars, cnotes = dt.gt_characteristics(gt.select(keep), durations=durations, extra=extra)
    full = {}
    for k, v in chars.items():
        if not np.isnan(v).all():
            full[k] = np.full(len(gt), np.nan)
            full[k][keep] = v
    notes += [f"diagnosis: {n}" for n in cnotes]
    slices = []
    for spec in getattr(args, "slice_by", None) or []:
        path, column = parse_slice_spec(spec)
        values, kind, snotes = read_slice(path, column, gt)
        slices.append((column, values, kind))
        notes += [f"diagnosis: {n}" for n in snotes]
    protocol = ctx.protocols[0] if ctx.protocols else "activitynet"
    metrics = {"methods": {}}
    for i, method in enumerate(ctx.methods):
        res = diagnose_method(gt, method.detections, ctx.thresholds, protocol=protocol, unknown_videos=unknown,
                              dataset=getattr(args, "detad_dataset", "thumos14"),
                              detad_compat=bool(getattr(args, "detad_compat", False)), characteristics=full,
                              slices=slices)
        m = {"detad": res["detad"].metrics, "weak": weak_metrics(res["weak"]),
             "slices": [{k: v for k, v in s.items()} for s in res["slices"]]}
        metrics["methods"][method.name] = m
        tables.update(build_tables(method.name, res, ctx.thresholds))
        notes += [f"{method.name}: DETAD: {w}" for w in res["detad"].warnings]
        weak = res["weak"]
        k = int(np.argmin(np.abs(np.asarray(weak.thresholds) - 0.5)))
        dmap = weak.dmap()
        top = max((t for t in wk.ALL_TYPES), key=lambda t: dmap[t][k])
        notes.append(f"{method.name}: fixing {top} would gain {100 * dmap[top][k]:.1f} mAP points at tIoU "
                     f"{weak.thresholds[k]:g} (the most of any error type; baseline {100 * weak.base_map[k]:.1f})")
        if ctx.plots_dir:
            slug = _slug(method.name)
            d = ctx.plots_dir
            figures.append(fig_fp_profile(res["detad"].metrics, os.path.join(d, f"diagnosis_fp_profile_{slug}.png"),
                                          f"DETAD false positives, {method.name}"))
            figures.append(fig_sensitivity(res["detad"].metrics, os.path.join(d, f"diagnosis_sensitivity_{slug}.png"),
                                           f"DETAD false negatives and sensitivity, {method.name}"))
            figures.append(fig_weak_dap(weak, os.path.join(d, f"diagnosis_weak_dap_{slug}.png"),
                                        f"Weak-supervision errors, {method.name}", k))
            figures.append(fig_offsets(weak, os.path.join(d, f"diagnosis_offsets_{slug}.png"),
                                       f"Boundary errors, {method.name}"))
            figures.append(fig_worst_cases(res, os.path.join(d, f"diagnosis_worst_{slug}.png"),
                                           f"Highest-scoring false positive of each type, {method.name}", k))
    metrics["figures"] = figures
    return PluginResult(metrics=metrics, tables=tables, notes=notes, figures=figures)


class _DiagnosisPlugin:
    name = NAME
    tasks = ("temporal",)

    def add_arguments(self, parser, task: str) -> None:
        add_diagnosis_arguments(parser, with_switch=True)

    def enabled(self, args) -> bool:
        return bool(getattr(args, "diagnose", False))

    def run(self, ctx: EvaluationContext) -> PluginResult:
        return run_diagnosis(ctx)


PLUGIN = _DiagnosisPlugin()
