"""Attention → boxes and segments, as the paper localizes (see ``docs/localization.md``).

Spatial: upsample each frame's mask to the frame size (bilinear, half-pixel centres), keep pixels
strictly above the threshold (0.5), take the tightest box; a frame with no such pixel has no box.
Temporal: scale per-frame importance to [0, 1] over the video (min-max), keep sampled frames
strictly above the threshold, and turn each run of kept frames into one segment in seconds.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

import cv2
import numpy as np

from annotations.types import FrameBoxes, Segments
from locbench.inference.attention import AttentionRecord

LABEL_RULES = ("top1", "topk", "gt")
SPATIAL_SCORES = ("cls*mask", "cls", "mask")
TEMPORAL_SCORES = ("cls*attn", "cls", "attn")
_CV_MAX_CHANNELS = 512


def upsample_masks(masks: np.ndarray, frame_hw: tuple[int, int]) -> np.ndarray:
    """(N, h, w) → (N, H, W) by bilinear interpolation with half-pixel centres (``align_corners=False``)."""
    masks = np.asarray(masks, np.float32)
    height, width = frame_hw
    if masks.shape[1:] == (height, width):
        return masks.copy()
    out = np.empty((len(masks), height, width), np.float32)
    for start in range(0, len(masks), _CV_MAX_CHANNELS):  # cv2 resizes up to 512 channels at once
        chunk = np.ascontiguousarray(masks[start:start + _CV_MAX_CHANNELS].transpose(1, 2, 0))
        resized = cv2.resize(chunk, (width, height), interpolation=cv2.INTER_LINEAR)
        out[start:start + _CV_MAX_CHANNELS] = resized.reshape(height, width, -1).transpose(2, 0, 1)
    return out


def masks_to_boxes(masks: np.ndarray, frame_hw: tuple[int, int], threshold: float = 0.5
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tightest box around mask pixels > threshold, per frame.

    Returns ``boxes_xyxy`` (N, 4) in pixel-edge coordinates (a box of the single pixel (x, y) is
    ``[x, y, x+1, y+1]``, like ground truth ``x+w``), ``has_box`` (N,) and the mean upsampled mask
    value inside each box (N,), a per-frame confidence.
    """
    up = upsample_masks(masks, frame_hw)
    on = up > threshold
    cols, rows = on.any(axis=1), on.any(axis=2)  # (N, W), (N, H)
    has_box = cols.any(axis=1)
    width, height = cols.shape[1], rows.shape[1]
    x1 = np.argmax(cols, axis=1)
    x2 = width - np.argmax(cols[:, ::-1], axis=1)
    y1 = np.argmax(rows, axis=1)
    y2 = height - np.argmax(rows[:, ::-1], axis=1)
    boxes = np.stack([x1, y1, x2, y2], axis=1).astype(np.float64)
    boxes[~has_box] = 0.0
    # mean mask inside each box via a summed-area table, so no per-frame loop
    sat = np.pad(up.cumsum(axis=1).cumsum(axis=2), ((0, 0), (1, 0), (1, 0)))
    n = np.arange(len(up))
    x1i, x2i, y1i, y2i = x1, x2, y1, y2
    total = sat[n, y2i, x2i] - sat[n, y1i, x2i] - sat[n, y2i, x1i] + sat[n, y1i, x1i]
    area = np.maximum((x2i - x1i) * (y2i - y1i), 1)
    inside = np.where(has_box, total / area, 0.0)
    return boxes, has_box, inside


def normalize_minmax(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant curve (e.g. uniform attention) becomes all ones."""
    values = np.asarray(values, np.float64)
    lo, hi = values.min(initial=np.inf), values.max(initial=-np.inf)
    if len(values) == 0 or hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.ones_like(values)
    return (values - lo) / (hi - lo)


def runs_above(curve: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) positions of each maximal run where curve > threshold."""
    on = np.concatenate([[False], np.asarray(curve) > threshold, [False]]).astype(np.int8)
    edges = np.diff(on)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def sampling_step_s(time_s: np.ndarray, fps: float) -> float:
    """Duration one sampled frame stands for: the median spacing of samples (1/fps for one frame)."""
    return float(np.median(np.diff(time_s))) if len(time_s) > 1 else 1.0 / fps


def run_means(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (F,) or (F, C) over each run [start, end), via a cumulative sum."""
    values = np.asarray(values, np.float64)
    csum = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values, axis=0)])
    length = np.maximum(ends - starts, 1).reshape((-1,) + (1,) * (values.ndim - 1))
    return (csum[ends] - csum[starts]) / length


def curve_to_segments(curve01: np.ndarray, time_s: np.ndarray, step_s: float, threshold: float = 0.5
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments ``[t_start_s, t_end_s)`` of runs above threshold, with the mean curve value of each.

    A run of sampled frames i..j becomes ``[time_s[i], time_s[j] + step_s)``: each sampled frame
    stands for ``step_s`` seconds from its own time.
    """
    starts, ends = runs_above(curve01, threshold)
    return time_s[starts], time_s[ends - 1] + step_s, run_means(curve01, starts, ends)


def window_frame_probability(rec: AttentionRecord) -> np.ndarray:
    """(F, C) class probability seen by each sampled frame: the mean over windows containing it
    (the video-level scores when the file has no per-window scores)."""
    if rec.window_class_scores is None or rec.windows is None:
        return np.broadcast_to(rec.class_scores, (rec.num_frames, len(rec.classes)))
    sums = np.zeros((rec.num_frames, len(rec.classes)))
    counts = np.zeros(rec.num_frames)
    for w, rows in enumerate(rec.windows):
        sums[rows] += rec.window_class_scores[w]
        counts[rows] += 1
    counts[counts == 0] = 1
    return sums / counts[:, None]


def chosen_labels(rec: AttentionRecord, rule: str = "top1", k: int = 1,
                  gt_labels: Mapping[str, Sequence[str]] | None = None) -> list[int]:
    """Class indices a video's boxes/segments are labelled with: classifier top-1, top-k, or the
    ground-truth classes ("ground-truth-known" localization)."""
    if rule == "top1":
        return [int(np.argmax(rec.class_scores))]
    if rule == "topk":
        return [int(i) for i in np.argsort(-rec.class_scores, kind="stable")[:k]]
    if rule == "gt":
        if gt_labels is None:
            raise ValueError("labels='gt' needs the ground-truth labels of each video")
        names = gt_labels.get(rec.video, ())
        index = {c: i for i, c in enumerate(rec.classes)}
        return [index[c] for c in names if c in index]
    raise ValueError(f"unknown label rule {rule!r}; choose one of {', '.join(LABEL_RULES)}")


def boxes_from_attention(records: Iterable[AttentionRecord], threshold: float = 0.5, labels: str = "top1",
                         k: int = 1, score: str = "cls*mask",
                         gt_labels: Mapping[str, Sequence[str]] | None = None,
                         box_fn: Callable[[AttentionRecord], tuple] | None = None) -> FrameBoxes:
    """One box per sampled frame (and chosen label) from the masks of every record.

    Scores: ``cls*mask`` (default) = P(label) × mean mask inside the box, so boxes of confident
    videos rank first and, within a video, the frames where attention is sharper; ``cls`` = P(label);
    ``mask`` = mean mask inside the box. ``box_fn(rec) -> (boxes_xyxy, has_box, confidence)``
    replaces the masks (baselines use it).
    """
    if score not in SPATIAL_SCORES:
        raise ValueError(f"unknown spatial score {score!r}; choose one of {', '.join(SPATIAL_SCORES)}")
    cols: dict[str, list] = {"video": [], "frame": [], "label": [], "box": [], "score": []}
    videos = []
    for rec in records:
        videos.append(rec.video)
        if box_fn is not None:
            boxes, has_box, inside = box_fn(rec)
        elif rec.masks is not None:
            boxes, has_box, inside = masks_to_boxes(rec.masks, rec.frame_size, threshold)
        else:
            continue
        keep = np.flatnonzero(has_box)
        for c in chosen_labels(rec, labels, k, gt_labels):
            p = float(rec.class_scores[c])
            s = {"cls*mask": p * inside[keep], "cls": np.full(len(keep), p), "mask": inside[keep]}[score]
            cols["video"].append(np.full(len(keep), rec.video, dtype=object))
            cols["frame"].append(rec.frame_idx[keep])
            cols["label"].append(np.full(len(keep), rec.classes[c], dtype=object))
            cols["box"].append(boxes[keep])
            cols["score"].append(s)
    if not cols["video"]:
        return FrameBoxes([], [], [], np.zeros((0, 4)), np.zeros(0), videos=tuple(videos))
    return FrameBoxes(np.concatenate(cols["video"]), np.concatenate(cols["frame"]), np.concatenate(cols["label"]),
                      np.concatenate(cols["box"]), np.concatenate(cols["score"]), videos=tuple(videos))


def segments_from_attention(records: Iterable[AttentionRecord], threshold: float = 0.5, labels: str = "top1",
                            k: int = 1, score: str = "cls*attn",
                            gt_labels: Mapping[str, Sequence[str]] | None = None) -> Segments:
    """Segments from each record's per-frame importance (min-max scaled over the video).

    Scores: ``cls*attn`` (default) = P(label) over the segment's windows × mean scaled importance
    inside it; ``cls`` = that probability alone; ``attn`` = the mean importance alone.
    """
    if score not in TEMPORAL_SCORES:
        raise ValueError(f"unknown temporal score {score!r}; choose one of {', '.join(TEMPORAL_SCORES)}")
    cols: dict[str, list] = {"video": [], "start": [], "end": [], "label": [], "score": []}
    videos = []
    for rec in records:
        videos.append(rec.video)
        if rec.frame_importance is None:
            continue
        curve = normalize_minmax(rec.frame_importance)
        time_s = rec.time_s
        starts, ends = runs_above(curve, threshold)
        t0, t1 = time_s[starts], time_s[ends - 1] + sampling_step_s(time_s, rec.fps)
        mean_attn = run_means(curve, starts, ends)
        seg_prob = run_means(window_frame_probability(rec), starts, ends)  # (S, C)
        for c in chosen_labels(rec, labels, k, gt_labels):
            p = seg_prob[:, c]
            s = {"cls*attn": p * mean_attn, "cls": p, "attn": mean_attn}[score]
            cols["video"].append(np.full(len(t0), rec.video, dtype=object))
            cols["start"].append(t0)
            cols["end"].append(t1)
            cols["label"].append(np.full(len(t0), rec.classes[c], dtype=object))
            cols["score"].append(s)
    if not cols["video"]:
        return Segments([], [], [], [], np.zeros(0), videos=tuple(videos))
    return Segments(np.concatenate(cols["video"]), np.concatenate(cols["start"]), np.concatenate(cols["end"]),
                    np.concatenate(cols["label"]), np.concatenate(cols["score"]), videos=tuple(videos))
