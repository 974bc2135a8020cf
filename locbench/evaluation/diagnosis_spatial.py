"""Spatial diagnosis plugin: TIDE's errors and the weak-supervision errors of the evaluated boxes.

Enabled by ``--diagnose`` on ``eval-spatial`` (and always by ``diagnose-spatial``). It diagnoses the
*evaluated* detections of the first method (the model, or the detection file), never recomputed:

- TIDE (``evaluators.tide``) at positive IoU 0.5 (TIDE's default) and 0.3 (the paper's), background 0.1;
- the weak-supervision types (``evaluators.weak_spatial``) at the same thresholds, with each type's
  oracle gain from the same baseline; missed boxes on frames the model did not see are ``unseen``
  when attention records are given;
- ``--slice-by FILE:COLUMN``: the same numbers per value of a per-video attribute (CSV with a
  ``video`` column), e.g. the hard cases ``locbench synth`` writes;
- figures (with ``--plots``): TIDE-style dAP bars, weak-type gain bars, a gallery of the worst cases
  of each type (frames from ``--videos`` when given, else a blank canvas of the frame size).

Definitions: ``docs/protocols/diagnosis.md, section Spatial``.
"""
from __future__ import annotations

import csv
import os

import numpy as np

from annotations.errors import InputError
from evaluators.tide import DET_TYPES, MAIN_ERRORS, SPECIAL_ERRORS, encode, match_encoded, tide
from evaluators.weak_spatial import ALL_TYPES, FIXES, FP_TYPES, GT_TYPES, weak_spatial
from locbench.evaluation.plugins import PluginResult
from locbench.evaluation.tables import Row, Table

#: positive IoU thresholds of the diagnosis: TIDE's default and the paper's
POS_THRESHOLDS = (0.5, 0.3)
BACKGROUND_THRESHOLD = 0.1
GALLERY_SIZE = 8


def _has_option(parser, option: str) -> bool:
    return option in getattr(parser, "_option_string_actions", {})


def add_diagnosis_arguments(parser, with_flag: bool = True) -> None:
    """``--diagnose`` (when ``with_flag``) and ``--slice-by``, each added once per parser."""
    if with_flag and not _has_option(parser, "--diagnose"):
        parser.add_argument("--diagnose", action="store_true",
                            help="also diagnose the errors (TIDE's types and the weak-supervision types)")
    if not _has_option(parser, "--slice-by"):
        parser.add_argument("--slice-by", action="append", default=[], metavar="FILE:COLUMN",
                            help="diagnose per value of a per-video attribute: CSV with a 'video' column "
                                 "(repeatable)")


def read_slices(spec: str, videos) -> tuple[str, dict[str, list[str]]]:
    """``FILE:COLUMN`` -> (column, {value: [videos]}) over the evaluated ``videos`` (file order of values).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "attrs.csv")
    >>> _ = open(path, "w").write("video,hard\\na,1\\nb,0\\nc,1\\n")
    >>> read_slices(path + ":hard", ["a", "b", "c"])
    ('hard', {'1': ['a', 'c'], '0': ['b']})
    """
    path, sep, column = spec.rpartition(":")
    if not sep or not path or not column:
        raise InputError(None, "slice_by", f"expected FILE:COLUMN, got {spec!r}")
    if not os.path.isfile(path):
        raise InputError(path, None, "slice file does not exist")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        if "video" not in fields or column not in fields:
            missing = [c for c in ("video", column) if c not in fields]
            raise InputError(path, "header", f"missing column(s) {missing}; the file has {fields}")
        values = {row["video"]: row[column] for row in reader}
    wanted = set(videos)
    groups: dict[str, list[str]] = {}
    for v, val in values.items():
        if v in wanted:
            groups.setdefault(val, []).append(v)
    if not groups:
        raise InputError(path, None, "no video of the slice file is among the evaluated videos")
    return column, groups


def diagnose(gt, dets, num_frames=None, classes=None, seen_frames=None, unknown_videos="error"):
    """TIDE and weak types at :data:`POS_THRESHOLDS`: {pos: (TideResult, WeakResult)}.

    >>> import numpy as np
    >>> from annotations.types import FrameBoxes
    >>> g = FrameBoxes(np.array(["v"]), np.array([0]), np.array(["a"]), np.array([[0., 0, 10, 10]]), videos=("v",))
    >>> d = FrameBoxes(np.array(["v"]), np.array([0]), np.array(["a"]), np.array([[2., 2, 6, 6]]), np.array([0.9]),
    ...                videos=("v",))
    >>> r = diagnose(g, d)
    >>> r[0.5][0].error_counts["Bkg"], r[0.5][1].counts["part"], round(r[0.5][1].gain["part"], 1)
    (0, 1, 100.0)
    """
    out = {}
    enc = encode(gt, dets, classes, num_frames, unknown_videos)  # once: both thresholds share the pairs
    first = None
    for pos in POS_THRESHOLDS:
        m = match_encoded(enc, pos, pairs=first)
        first = first or m
        t = tide(gt, dets, pos, BACKGROUND_THRESHOLD, match=m)
        w = weak_spatial(gt, dets, pos, seen_frames=seen_frames, match=m)
        out[pos] = (t, w)
    return out


def diagnosis_table(results: dict, title: str, first: str = "Analysis", label: str = "") -> Table:
    """One table: base mAP, TIDE dAPs and weak-type gains (columns: the positive IoU thresholds)."""
    pos = tuple(results)
    pref = f"{label} " if label else ""

    def row(group, metric, fn):
        return Row(pref + group, metric, tuple(fn(results[p]) / 100.0 for p in pos))

    rows = [row("TIDE", "mAP", lambda r: r[0].mAP)]
    rows += [row("TIDE", f"dAP {e}", lambda r, e=e: r[0].main_dAP[e]) for e in MAIN_ERRORS]
    rows += [row("TIDE", f"dAP {e}", lambda r, e=e: r[0].special_dAP[e]) for e in SPECIAL_ERRORS]
    rows += [row("weak", f"gain {k}", lambda r, k=k: r[1].gain[k]) for k in ALL_TYPES]
    notes = ("values in AP points (TIDE matching, 101-point AP); dAP = mAP with the error fixed by an oracle "
             "- base mAP; weak gains all from the same baseline (docs/protocols/diagnosis.md, section Spatial)",)
    return Table(title, "IoU", pos, tuple(rows), notes, first_column=first, accuracy_column=False)


def diagnosis_metrics(results: dict) -> dict:
    out = {}
    for p, (t, w) in results.items():
        out[f"pos{p:g}"] = {"tide": t.to_dict(), "weak": w.to_dict()}
    return out


# ---------------------------------------------------------------------------------------------- figures

def dap_bars(results: dict, out_path: str, title: str = "TIDE errors") -> str:
    """TIDE-style horizontal bars: main and special dAP per positive threshold."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from locbench.evaluation.plots import save_png
    pos = list(results)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [3, 1.2]})
    colours = ["#3b76af", "#ef8636", "#c03d3e", "#9467bd", "#8c564b", "#2ca02c"]
    h = 0.8 / len(pos)
    for k, p in enumerate(pos):
        t = results[p][0]
        y = np.arange(len(MAIN_ERRORS)) + k * h
        axes[0].barh(y, [t.main_dAP[e] for e in MAIN_ERRORS], h, color=colours, alpha=1.0 - 0.45 * k,
                     label=f"IoU {p:g} (mAP {t.mAP:.1f})")
        y2 = np.arange(len(SPECIAL_ERRORS)) + k * h
        axes[1].barh(y2, [t.special_dAP[e] for e in SPECIAL_ERRORS], h, color="#555555", alpha=1.0 - 0.45 * k)
    axes[0].set_yticks(np.arange(len(MAIN_ERRORS)) + h * (len(pos) - 1) / 2, MAIN_ERRORS)
    axes[1].set_yticks(np.arange(len(SPECIAL_ERRORS)) + h * (len(pos) - 1) / 2, SPECIAL_ERRORS)
    for ax, name in zip(axes, ("main errors: dAP", "special: dAP")):
        ax.invert_yaxis()
        ax.set_xlabel(name)
    axes[0].legend(fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


def weak_bars(results: dict, out_path: str, title: str = "weak-supervision errors") -> str:
    """Gain of each weak type's oracle fix (bars) with its count, per positive threshold."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from locbench.evaluation.plots import save_png
    pos = list(results)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    h = 0.8 / len(pos)
    for k, p in enumerate(pos):
        w = results[p][1]
        y = np.arange(len(ALL_TYPES)) + k * h
        vals = [w.gain[t] for t in ALL_TYPES]
        ax.barh(y, vals, h, color="#2a9d8f" if k == 0 else "#e9c46a", label=f"IoU {p:g}")
        for yy, v, t in zip(y, vals, ALL_TYPES):
            n = w.counts[t] if t in FP_TYPES else w.extra["missed_by_type"].get(t, 0)
            ax.text(v, yy, f" {n}", va="center", fontsize=6)
    ax.set_yticks(np.arange(len(ALL_TYPES)) + h * (len(pos) - 1) / 2, ALL_TYPES)
    ax.invert_yaxis()
    ax.set_xlabel("mAP gained by the oracle fix (points); number = boxes of that type")
    ax.legend(fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


def _frame_reader(videos_root, dataset):
    """(video, frame) -> HxWx3 uint8: the decoded frame under ``videos_root``, else a grey canvas."""
    paths = {}
    if videos_root:
        from locbench.video import find_videos
        paths = dict(find_videos(videos_root))

    def read(video, frame):
        info = dataset.videos.get(video) if dataset is not None else None
        w = int(getattr(info, "width", None) or 320)
        h = int(getattr(info, "height", None) or 240)
        if video in paths:
            from locbench.video import open_video
            try:
                return open_video(paths[video]).read(np.array([frame]))[0]
            except InputError:
                pass
        return np.full((h, w, 3), 200, np.uint8)
    return read


def galleries(gt, dets, result, out_dir: str, videos_root=None, dataset=None, size: int = GALLERY_SIZE) -> list:
    """For each type with cases, a gallery of its worst cases at one threshold (highest-scoring false
    positives; for missed boxes, the largest), drawn from the evaluated boxes."""
    from evaluators.box_iou import iou_matrix
    from locbench.evaluation.plots import box_gallery
    _, w = result
    read = _frame_reader(videos_root, dataset)
    paths = []
    frame_key = {}
    for j, (v, f) in enumerate(zip(gt.video.tolist(), gt.frame_idx.tolist())):
        frame_key.setdefault((v, f), []).append(j)
    for code, name in enumerate(FP_TYPES):
        rows = np.flatnonzero(w.det_type == code)
        if not len(rows):
            continue
        rows = rows[np.argsort(-dets.score[rows], kind="stable")][:size]
        items = []
        for r in rows.tolist():
            v, f = str(dets.video[r]), int(dets.frame_idx[r])
            g = gt.boxes_xyxy[frame_key.get((v, f), [])]
            iou = float(iou_matrix(dets.boxes_xyxy[r:r + 1], g).max()) if len(g) else 0.0
            items.append({"image": read(v, f), "gt_boxes": g, "pred_box": dets.boxes_xyxy[r], "iou": iou,
                          "caption": f"{os.path.basename(v)} #{f}\n{dets.label[r]} {dets.score[r]:.2f}"})
        paths.append(box_gallery(items, os.path.join(out_dir, f"diagnosis_gallery_{name}.png"),
                                 f"{name} (IoU {w.iou_threshold:g}): {FIXES[name]}"))
    for code, name in enumerate(GT_TYPES):
        if name in FP_TYPES and name not in ("no_box", "unseen"):
            continue
        rows = np.flatnonzero(w.gt_type == code)
        if not len(rows):
            continue
        b = gt.boxes_xyxy[rows]
        rows = rows[np.argsort(-(b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]), kind="stable")][:size]
        items = [{"image": read(str(gt.video[r]), int(gt.frame_idx[r])), "gt_boxes": gt.boxes_xyxy[r],
                  "pred_box": None, "iou": 0.0,
                  "caption": f"{os.path.basename(str(gt.video[r]))} #{int(gt.frame_idx[r])}\n{gt.label[r]}"}
                 for r in rows.tolist()]
        paths.append(box_gallery(items, os.path.join(out_dir, f"diagnosis_gallery_{name}.png"),
                                 f"{name} (IoU {w.iou_threshold:g}): {FIXES[name]}"))
    return paths


# ---------------------------------------------------------------------------------------------- report data

def browser_payload(gt, dets, result, dataset=None, max_videos: int = 30, max_frames: int = 60) -> dict:
    """Per-video data for ``report_html``'s browser: the frames with ground truth or detections (evenly
    subsampled to ``max_frames``), boxes with their labels, scores and diagnosis types (one threshold)."""
    t, w = result
    names = list(gt.videos) or sorted(set(gt.video.tolist()))
    out = {}
    g_by_v, d_by_v = {}, {}
    for j, v in enumerate(gt.video.tolist()):
        g_by_v.setdefault(v, []).append(j)
    for i, v in enumerate(dets.video.tolist()):
        d_by_v.setdefault(v, []).append(i)
    for v in names[:max_videos]:
        gi, di = np.array(g_by_v.get(v, []), np.int64), np.array(d_by_v.get(v, []), np.int64)
        frames = np.unique(np.r_[gt.frame_idx[gi], dets.frame_idx[di]]).astype(np.int64)
        if len(frames) > max_frames:
            frames = frames[np.linspace(0, len(frames) - 1, max_frames).round().astype(int)]
        info = dataset.videos.get(v) if dataset is not None else None
        entry = {"kind": "frames", "width": int(getattr(info, "width", None) or 320),
                 "height": int(getattr(info, "height", None) or 240), "frames": []}
        for f in frames.tolist():
            gs = gi[gt.frame_idx[gi] == f]
            ds = di[dets.frame_idx[di] == f]
            entry["frames"].append({
                "frame": f,
                "gt": [[*map(float, gt.boxes_xyxy[j]), str(gt.label[j]),
                        GT_TYPES[w.gt_type[j]] if w.gt_type[j] >= 0 else "TP"] for j in gs.tolist()],
                "pred": [[*map(float, dets.boxes_xyxy[i]), str(dets.label[i]), float(dets.score[i]),
                          FP_TYPES[w.det_type[i]] if w.det_type[i] >= 0 else
                          ("TP" if w.det_tp[i] else "not scored"),
                          DET_TYPES[t.det_type[i]] if t.det_type[i] >= 0 else ""] for i in ds.tolist()]})
        out[v] = entry
    return out


# ---------------------------------------------------------------------------------------------- plugin

class SpatialDiagnosisPlugin:
    name = "diagnosis-spatial"
    tasks = ("spatial",)

    def add_arguments(self, parser, task: str) -> None:
        add_diagnosis_arguments(parser)

    def enabled(self, args) -> bool:
        return bool(getattr(args, "diagnose", False))

    def run(self, ctx) -> PluginResult:
        method = ctx.methods[0]
        gt, dets, dataset = ctx.gt, method.detections, ctx.dataset
        num_frames = None
        if dataset is not None:
            num_frames = {v: i.num_frames for v, i in dataset.videos.items() if i.num_frames is not None} or None
        seen = None
        if ctx.records and ctx.settings.get("frames") == "all":
            seen = {r.video: r.frame_idx for r in ctx.records}
        unknown = ctx.settings.get("unknown_videos", "error")
        classes = getattr(dataset, "classes", None)
        results = diagnose(gt, dets, num_frames, classes, seen, unknown)
        tables = {"diagnosis": diagnosis_table(results, f"Diagnosis of {method.name} (frame boxes)")}
        metrics = {"method": method.name, **diagnosis_metrics(results),
                   "weak_thresholds": results[POS_THRESHOLDS[0]][1].thresholds.__dict__, "fixes": dict(FIXES)}
        notes = sorted({n for t, w in results.values() for n in (*t.warnings, *w.warnings)})
        slices = {}
        args = ctx.args
        for spec in (getattr(args, "slice_by", None) or []):
            column, groups = read_slices(spec, gt.videos or np.unique(gt.video))
            rows = []
            slices[column] = {}
            for value, vids in groups.items():
                sub_gt = gt.select(np.isin(gt.video, vids))
                sub_gt = type(gt)(sub_gt.video, sub_gt.frame_idx, sub_gt.label, sub_gt.boxes_xyxy, sub_gt.score,
                                  videos=tuple(vids), source=gt.source)
                sub_d = dets.select(np.isin(dets.video, vids))
                res = diagnose(sub_gt, sub_d, num_frames, classes, seen, "drop")
                slices[column][value] = {"videos": len(vids), **diagnosis_metrics(res)}
                rows += diagnosis_table(res, "", label=f"{column}={value} ({len(vids)} videos)").rows
            tables[f"diagnosis_slices_{column}"] = Table(
                f"Diagnosis of {method.name} by {column}", "IoU", POS_THRESHOLDS, tuple(rows),
                ("per value of the slice column; AP points",), first_column="Slice", accuracy_column=False)
        if slices:
            metrics["slices"] = slices
        figures = []
        if ctx.plots_dir:
            figures.append(dap_bars(results, os.path.join(ctx.plots_dir, "diagnosis_tide.png"),
                                    f"TIDE errors of {method.name}"))
            figures.append(weak_bars(results, os.path.join(ctx.plots_dir, "diagnosis_weak.png"),
                                     f"weak-supervision errors of {method.name}"))
            figures += galleries(gt, dets, results[POS_THRESHOLDS[0]], ctx.plots_dir,
                                 getattr(args, "videos", None), dataset)
        out = PluginResult(metrics=metrics, tables=tables, notes=notes, figures=figures)
        out.videos = browser_payload(gt, dets, results[POS_THRESHOLDS[0]], dataset)  # for report.html only
        return out


PLUGIN = SpatialDiagnosisPlugin()
