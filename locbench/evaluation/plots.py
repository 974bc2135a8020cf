"""Pictures of where and when the model looked, and where it failed (PNG, matplotlib Agg).

- ``attention_strip``: the paper's Fig. 4: frames, the mask as a heatmap over them, and each
  frame's temporal weight;
- ``box_gallery``: Figs. 8/9: ground truth in blue, prediction in red, IoU printed; worst first;
- ``timeline``: Fig. 10: the weight curve over a video, ground truth shaded, predicted segments,
  and the threshold line;
- ``pr_curves``: precision-recall per IoU threshold.
"""
from __future__ import annotations

import os
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from annotations.atomic import atomic_open  # noqa: E402
from annotations.types import AMBIGUOUS, FrameBoxes, Segments  # noqa: E402
from locbench.inference.attention import AttentionRecord  # noqa: E402
# locbench.localization.localize (OpenCV) is imported where masks are drawn, so PR curves of detection
# files need only the base install

GT_COLOUR = "#1f5fd6"
PRED_COLOUR = "#e0301e"


def save_png(fig, path: str, dpi: int = 110, tight: bool = True) -> str:
    """Write ``fig`` to ``path`` as a PNG atomically (folder made if needed), close it; returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format="png", dpi=dpi, **({"bbox_inches": "tight"} if tight else {}))
    plt.close(fig)
    return path


def _safe_name(video: str) -> str:
    return video.replace("/", "__")


class FrameSource:
    """Frames of the evaluated videos when the videos are at hand; grey canvases otherwise."""

    def __init__(self, videos_root: str | None):
        self._paths = {}
        if videos_root:
            from locbench.video import find_videos
            self._paths = dict(find_videos(videos_root))

    def frames(self, rec: AttentionRecord, frame_idx: np.ndarray) -> np.ndarray:
        path = self._paths.get(rec.video)
        if path is not None:
            from annotations.errors import InputError
            from locbench.video import open_video
            try:
                return open_video(path).read(np.asarray(frame_idx))
            except InputError:
                pass
        height, width = rec.frame_size
        return np.full((len(frame_idx), height, width, 3), 200, np.uint8)


def strip_rows(num_frames: int, max_frames: int = 8) -> np.ndarray:
    """Evenly spread rows of a video to show in a strip."""
    return np.unique(np.linspace(0, num_frames - 1, min(max_frames, num_frames)).round().astype(int))


def attention_strip(frames: np.ndarray, masks: np.ndarray, importance: np.ndarray, frame_idx: np.ndarray,
                    pick: np.ndarray, out_path: str, title: str = "") -> str:
    """Fig. 4: the frames at rows ``pick`` (``frames`` holds just those), the mask heatmap over each,
    and the temporal weight of every sampled frame."""
    n = len(frame_idx)
    from locbench.localization.localize import upsample_masks
    up = upsample_masks(masks[pick], frames.shape[1:3])
    k = len(pick)
    fig = plt.figure(figsize=(1.9 * k, 4.6))
    grid = fig.add_gridspec(3, k, height_ratios=[1, 1, 0.7], hspace=0.15, wspace=0.04)
    weights = np.asarray(importance, np.float64)
    for j, i in enumerate(pick):
        ax = fig.add_subplot(grid[0, j])
        ax.imshow(frames[j])
        ax.set_title(f"frame {frame_idx[i]}", fontsize=8)
        ax.axis("off")
        ax = fig.add_subplot(grid[1, j])
        ax.imshow(frames[j])
        heat = ax.imshow(up[j], cmap="jet", alpha=0.5, vmin=0, vmax=1)
        ax.axis("off")
    fig.colorbar(heat, ax=fig.axes[1:2 * k:2], fraction=0.02, pad=0.01, label="mask")
    ax = fig.add_subplot(grid[2, :])
    shown = set(pick.tolist())
    ax.bar(frame_idx, weights, width=0.8 * float(np.min(np.diff(frame_idx))) if n > 1 else 0.8,
           color=["#d62728" if i in shown else "#9aa7b8" for i in range(n)])
    ax.axhline(1.0, color="k", lw=0.8, ls=":", label="uniform")
    ax.set_xlim(frame_idx[0] - 0.5, frame_idx[-1] + 0.5)
    ax.set_xlabel("frame (the frames shown above in red)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("temporal weight")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    fig.suptitle(title or "where and when the model looked", fontsize=10)
    return save_png(fig, out_path)


def box_gallery(items: Sequence[dict], out_path: str, title: str, columns: int = 4) -> str:
    """Figs. 8/9: each item has ``image``, ``gt_boxes`` (M, 4), ``pred_box`` (4,) or None, ``iou``, ``caption``."""
    rows = max(1, int(np.ceil(len(items) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(3.0 * columns, 2.5 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, item in zip(axes.ravel(), items):
        ax.imshow(item["image"])
        for b in np.asarray(item["gt_boxes"]).reshape(-1, 4):
            ax.add_patch(Rectangle((b[0], b[1]), b[2] - b[0], b[3] - b[1], fill=False, ec=GT_COLOUR, lw=2))
        if item.get("pred_box") is not None:
            b = item["pred_box"]
            ax.add_patch(Rectangle((b[0], b[1]), b[2] - b[0], b[3] - b[1], fill=False, ec=PRED_COLOUR, lw=2))
        ax.set_title(f"IoU {item['iou']:.2f}\n{item.get('caption', '')}", fontsize=7)
    fig.suptitle(f"{title}   (blue: ground truth, red: prediction)", fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


def timeline(time_s: np.ndarray, curve01: np.ndarray, gt: Sequence[tuple[float, float, str]],
             predicted: Sequence[tuple[float, float, str, float]], threshold: float, out_path: str,
             title: str = "", duration_s: float | None = None) -> str:
    """Fig. 10: normalised weight curve, ground-truth segments shaded, predictions drawn as bars."""
    fig, ax = plt.subplots(figsize=(10, 2.8))
    for i, (s, e, label) in enumerate(gt):
        ambiguous = label == AMBIGUOUS
        ax.axvspan(s, e, color="#bbbbbb" if ambiguous else "#9ecae1", alpha=0.6, lw=0,
                   label=("ambiguous" if ambiguous else "ground truth") if i == 0 or ambiguous else None)
        ax.text((s + e) / 2, 0.02, label, ha="center", va="bottom", fontsize=6, color="#08306b")
    ax.plot(time_s, curve01, color="k", lw=1.3, label="normalised temporal weight")
    ax.axhline(threshold, color="#7f7f7f", ls="--", lw=1, label=f"threshold {threshold:g}")
    for i, (s, e, label, score) in enumerate(predicted):
        ax.plot([s, e], [1.06, 1.06], color=PRED_COLOUR, lw=5, solid_capstyle="butt",
                label="predicted segment" if i == 0 else None)
        ax.text((s + e) / 2, 1.1, f"{label} {score:.2f}", ha="center", va="bottom", fontsize=6)
    ax.set_ylim(-0.02, 1.25)
    ax.set_xlim(0, duration_s if duration_s else (time_s[-1] if len(time_s) else 1))
    ax.set_xlabel("time (s)")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return save_png(fig, out_path)


def pr_curves(ap_result, out_path: str, title: str = "") -> str:
    """Precision-recall per threshold, pooled view: one panel per threshold, one thin line per class."""
    k = len(ap_result.thresholds)
    fig, axes = plt.subplots(1, k, figsize=(3.0 * k, 3.0), squeeze=False, sharey=True)
    for j, ax in enumerate(axes[0]):
        for c, (recall, precision) in enumerate(ap_result.curves[j]):
            if len(recall) and ap_result.num_gt[c] > 0:
                ax.plot(recall, precision, lw=0.9, alpha=0.8, label=ap_result.classes[c])
        ax.set_title(f"IoU {ap_result.thresholds[j]:g}: mAP {100 * ap_result.mean_ap[j]:.1f}", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("recall")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("precision")
    if len(ap_result.classes) <= 12:
        axes[0][-1].legend(fontsize=6, loc="lower left", frameon=False)
    fig.suptitle(title or f"precision-recall ({ap_result.protocol})", fontsize=10)
    fig.tight_layout()
    return save_png(fig, out_path)


def frame_items(gt: FrameBoxes, detections: FrameBoxes, records: Sequence[AttentionRecord] | None = None) -> list[dict]:
    """One gallery item per annotated (video, frame, class) unit, drawn from the *evaluated* detections.

    The red box is the highest-scoring detection of the unit's class in that frame (equal scores:
    the earlier row), exactly the one CorLoc judges, and ``iou`` its best continuous IoU with a
    ground-truth box of that class there (:func:`evaluators.box_iou.iou_pairs`). Without a
    detection of the class, the frame's top detection of any class is shown with IoU 0 (wrong
    label), or no box. With ``records``, only frames the model sampled are kept (others cannot have
    a box). Items carry ``pred_box``, ``pred_label``, ``pred_score`` and ``det_row`` (row in
    ``detections``), so what is drawn can be checked against what was scored.
    """
    from evaluators.box_iou import iou_pairs
    by_video = {r.video: r for r in records} if records is not None else {}
    sampled = {r.video: set(r.frame_idx.tolist()) for r in records} if records is not None else None
    score = np.asarray(detections.score if detections.score is not None else np.zeros(len(detections)))
    order = np.lexsort((np.arange(len(detections)), -score))  # score desc, then input order
    top_of_class: dict[tuple, int] = {}
    top_any: dict[tuple, int] = {}
    dv, df, dl = detections.video[order].tolist(), detections.frame_idx[order].tolist(), detections.label[order].tolist()
    for row, v, f, c in zip(order.tolist(), dv, df, dl):
        top_of_class.setdefault((v, f, c), row)
        top_any.setdefault((v, f), row)
    units: dict[tuple, list[int]] = {}
    for i, (v, f, c) in enumerate(zip(gt.video.tolist(), gt.frame_idx.tolist(), gt.label.tolist())):
        if sampled is None or f in sampled.get(v, ()):
            units.setdefault((v, f, c), []).append(i)
    out = []
    for (v, f, c), rows in units.items():
        gt_boxes = gt.boxes_xyxy[rows]
        row = top_of_class.get((v, f, c))
        same_class = row is not None
        if row is None:
            row = top_any.get((v, f))
        pred = None if row is None else detections.boxes_xyxy[row]
        iou = float(iou_pairs(np.repeat(pred[None], len(rows), 0), gt_boxes, "continuous").max()) \
            if same_class else 0.0
        label = None if row is None else str(detections.label[row])
        caption = f"{v.split('/')[-1]} frame {f}\n" + (
            "no box" if row is None else f"pred {label} {float(score[row]):.2f}" + ("" if same_class else f" (gt {c})"))
        rec = by_video.get(v)
        out.append(dict(record=rec, video=v, row=None, frame=f, gt_boxes=gt_boxes, gt_label=c, pred_box=pred,
                        pred_label=label, pred_score=None if row is None else float(score[row]), det_row=row,
                        iou=iou, caption=caption))
    return out


def spread_over_videos(items: Sequence[dict], count: int, per_video: int = 2) -> list[dict]:
    """The first ``count`` items in order, at most ``per_video`` from one video, so a gallery shows
    many videos rather than one video's neighbouring frames."""
    taken: dict[str, int] = {}
    chosen = []
    for d in items:
        video = d["video"] if "video" in d else d["record"].video
        if taken.get(video, 0) < per_video:
            taken[video] = taken.get(video, 0) + 1
            chosen.append(d)
            if len(chosen) == count:
                break
    return chosen


def spatial_figures(records: Sequence[AttentionRecord], gt: FrameBoxes, detections: FrameBoxes, out_dir: str,
                    videos_root: str | None = None, threshold: float = 0.5, ap_result=None,
                    per_gallery: int = 12, strips: int = 4) -> list[str]:
    """Attention strips, the failure / success galleries and PR curves for a spatial evaluation.

    The galleries draw ``detections`` (the boxes that were scored) and nothing recomputed, see
    :func:`frame_items`; ``threshold`` is only named in captions."""
    os.makedirs(out_dir, exist_ok=True)
    source = FrameSource(videos_root)
    written = []
    items = frame_items(gt, detections, records)
    items.sort(key=lambda d: d["iou"])
    zero = [d for d in items if d["iou"] == 0.0]
    positive = [d for d in items if d["iou"] > 0.0]
    for name, chosen, title in (("gallery_iou0.png", spread_over_videos(zero, per_gallery),
                                 f"IoU = 0: missed or no box ({len(zero)} of {len(items)} frames)"),
                                ("gallery_worst.png", spread_over_videos(positive, per_gallery),
                                 "worst frames with IoU > 0"),
                                ("gallery_best.png", spread_over_videos(positive[::-1], per_gallery), "best frames")):
        if not chosen:
            continue
        for d in chosen:
            d["image"] = source.frames(d["record"], np.array([d["frame"]]))[0] if d["record"] is not None \
                else np.full((240, 320, 3), 200, np.uint8)
        written.append(box_gallery(chosen, os.path.join(out_dir, name), f"{title}, {len(chosen)} shown"))
    ranked = sorted(records, key=lambda r: -float(np.max(r.class_scores)))
    for rec in ranked[:strips]:
        if rec.masks is None:
            continue
        importance = rec.frame_importance if rec.frame_importance is not None else np.ones(rec.num_frames)
        pick = strip_rows(rec.num_frames)
        frames = source.frames(rec, rec.frame_idx[pick])
        label = rec.classes[int(np.argmax(rec.class_scores))]
        written.append(attention_strip(frames, rec.masks, importance, rec.frame_idx, pick,
                                       os.path.join(out_dir, f"strip_{_safe_name(rec.video)}.png"),
                                       title=f"{rec.video}: predicted {label}"))
    if ap_result is not None and ap_result.curves is not None:
        written.append(pr_curves(ap_result, os.path.join(out_dir, "pr_spatial.png"),
                                 f"frame-AP precision-recall ({ap_result.protocol})"))
    return written


def temporal_figures(records: Sequence[AttentionRecord], gt: Segments, detections: Segments, out_dir: str,
                     threshold: float = 0.5, ap_result=None, timelines: int = 6) -> list[str]:
    """Timelines of the videos with the most and the least ground-truth coverage, and PR curves."""
    os.makedirs(out_dir, exist_ok=True)
    written = []
    with_weights = [r for r in records if r.frame_importance is not None]
    gt_by_video: dict[str, list] = {}
    for v, s, e, c in zip(gt.video.tolist(), gt.t_start_s.tolist(), gt.t_end_s.tolist(), gt.label.tolist()):
        gt_by_video.setdefault(v, []).append((s, e, c))
    det_by_video: dict[str, list] = {}
    for v, s, e, c, sc in zip(detections.video.tolist(), detections.t_start_s.tolist(),
                              detections.t_end_s.tolist(), detections.label.tolist(), detections.score.tolist()):
        det_by_video.setdefault(v, []).append((s, e, c, sc))
    for rec in with_weights[:timelines]:
        from locbench.localization.localize import normalize_minmax
        curve = normalize_minmax(rec.frame_importance)
        duration = float((rec.frame_idx[-1] + 1) / rec.fps)
        written.append(timeline(rec.time_s, curve, gt_by_video.get(rec.video, []), det_by_video.get(rec.video, []),
                                threshold, os.path.join(out_dir, f"timeline_{_safe_name(rec.video)}.png"),
                                title=f"{rec.video}: when the model looked", duration_s=duration))
    if ap_result is not None and ap_result.curves is not None:
        written.append(pr_curves(ap_result, os.path.join(out_dir, "pr_temporal.png"),
                                 f"temporal AP precision-recall ({ap_result.protocol})"))
    return written


def detection_figures(method_name: str, ap_result, out_dir: str, task: str) -> list[str]:
    """Precision-recall curves of one detection file's method (inputs without attention)."""
    if ap_result is None or ap_result.curves is None:
        return []
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"pr_{task}_{_safe_name(method_name).replace(' ', '_')}.png")
    return [pr_curves(ap_result, path, f"{method_name}: precision-recall ({ap_result.protocol})")]
