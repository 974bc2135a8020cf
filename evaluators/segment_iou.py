"""Temporal overlap of segments in seconds, in the exact floating-point form of each official tool.

Both are intersection over union with continuous times (no +1); they differ only in rounding and
in degenerate cases, which matters when a tIoU lands exactly on a threshold:

- ActivityNet ``utils.segment_iou``: ``inter = max(0, min(e) - max(s))``,
  ``union = (gt_e - gt_s) + (det_e - det_s) - inter``. A zero union (two zero-length
  segments, or start > end with the opposite length) gives NaN there; here ``zero_union`` (0 by
  default; the mAP passes inf, a match at every threshold, as the official loop does).
- THUMOS'14 ``intervalsingleoverlapvalseconds``: bounds ordered by min/max, ``iw = min(e) - max(s)``; overlap is
  ``iw / (max(e) - min(s))`` when ``iw > 0``, else 0 (touching segments do not overlap).
"""
from __future__ import annotations

import numpy as np


def tiou_activitynet(gt_start_s, gt_end_s, det_start_s, det_end_s, zero_union: float = 0.0) -> np.ndarray:
    """Elementwise (broadcasting) tIoU as ActivityNet's ``segment_iou`` computes it.

    Where the union is 0 (the official code divides 0 by 0: NaN, which its matching loop treats as
    a match at every threshold) the value is ``zero_union``; a negative union (a segment with
    start > end) gives ``0 / union`` = -0.0, as there.

    >>> tiou_activitynet([0.0, 5.0], [10.0, 5.0], [5.0, 5.0], [15.0, 5.0]).tolist()
    [0.3333333333333333, 0.0]
    """
    gt_start_s, gt_end_s, det_start_s, det_end_s = (np.asarray(a, dtype=np.float64) for a in
                                                    (gt_start_s, gt_end_s, det_start_s, det_end_s))
    inter = (np.minimum(det_end_s, gt_end_s) - np.maximum(det_start_s, gt_start_s)).clip(0)
    union = (gt_end_s - gt_start_s) + (det_end_s - det_start_s) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union != 0, inter / np.where(union != 0, union, 1.0), zero_union)


def overlap_thumos14(gt_start_s, gt_end_s, det_start_s, det_end_s) -> np.ndarray:
    """Elementwise (broadcasting) overlap as THUMOS'14 ``intervaloverlapvalseconds`` computes it.

    Intersection over the hull of the two segments, 0 unless the intersection is strictly positive.
    Each segment's bounds are ordered first (``[min(i) max(i)]`` there), so start > end is swapped.

    >>> overlap_thumos14([0.0], [10.0], [15.0], [5.0]).tolist()
    [0.3333333333333333]
    """
    gt_start_s, gt_end_s, det_start_s, det_end_s = (np.asarray(a, dtype=np.float64) for a in
                                                    (gt_start_s, gt_end_s, det_start_s, det_end_s))
    gt_start_s, gt_end_s = np.minimum(gt_start_s, gt_end_s), np.maximum(gt_start_s, gt_end_s)
    det_start_s, det_end_s = np.minimum(det_start_s, det_end_s), np.maximum(det_start_s, det_end_s)
    iw = np.minimum(gt_end_s, det_end_s) - np.maximum(gt_start_s, det_start_s)
    hull = np.maximum(gt_end_s, det_end_s) - np.minimum(gt_start_s, det_start_s)
    positive = iw > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(positive, iw / np.where(positive, hull, 1.0), 0.0)


def tiou_matrix(a_start_s, a_end_s, b_start_s, b_end_s, formula: str = "activitynet") -> np.ndarray:
    """(A, B) tIoU between every segment of ``a`` (e.g. ground truth) and of ``b`` (e.g. detections)."""
    fn = {"activitynet": tiou_activitynet, "thumos14": overlap_thumos14}[formula]
    return fn(np.asarray(a_start_s, dtype=np.float64)[:, None], np.asarray(a_end_s, dtype=np.float64)[:, None],
              np.asarray(b_start_s, dtype=np.float64)[None, :], np.asarray(b_end_s, dtype=np.float64)[None, :])


__all__ = ["tiou_activitynet", "overlap_thumos14", "tiou_matrix"]
