"""Average precision from a ranked list of true/false positives, in each official convention.

Every function takes ``is_tp`` (bool, detections already in rank order, ignored detections already
removed) and ``num_gt`` (the number of positives), and returns a float. With ``num_gt == 0`` the
AP is undefined and NaN is returned; callers exclude such classes from the mean.
"""
from __future__ import annotations

import numpy as np


def precision_recall(is_tp: np.ndarray, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative precision and recall after each ranked detection."""
    is_tp = np.asarray(is_tp, dtype=bool)
    tp = np.cumsum(is_tp, dtype=np.float64)
    fp = np.cumsum(~is_tp, dtype=np.float64)
    recall = tp / num_gt if num_gt > 0 else np.full_like(tp, np.nan)
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return precision, recall


def ap_all_point(is_tp: np.ndarray, num_gt: int) -> float:
    """All-point interpolated AP (VOC2010+, ActivityNet ``interpolated_prec_rec``).

    Precision is made monotone from the right, then summed over every recall step.
    """
    if num_gt <= 0:
        return float("nan")
    precision, recall = precision_recall(is_tp, num_gt)
    mprec = np.concatenate([[0.0], precision, [0.0]])
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    steps = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[steps] - mrec[steps - 1]) * mprec[steps]))


def ap_non_interpolated(is_tp: np.ndarray, num_gt: int) -> float:
    """Non-interpolated AP (THUMOS'14 ``TH14evalDet_Updated.m``, TREC style).

    The mean over all positives of the precision at the rank where each one is found; positives
    never found contribute 0.
    """
    if num_gt <= 0:
        return float("nan")
    is_tp = np.asarray(is_tp, dtype=bool)
    precision, _ = precision_recall(is_tp, num_gt)
    return float(np.sum(precision[is_tp]) / num_gt)


def ap_trapezoid(is_tp: np.ndarray, num_gt: int) -> float:
    """ACT detector's ``pr_to_ap``: trapezoids under the raw PR curve, which starts at (recall 0, precision 1)."""
    if num_gt <= 0:
        return float("nan")
    precision, recall = precision_recall(is_tp, num_gt)
    precision = np.concatenate([[1.0], precision])
    recall = np.concatenate([[0.0], recall])
    return float(np.sum((recall[1:] - recall[:-1]) * (precision[1:] + precision[:-1]) * 0.5))


COCO_RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def ap_coco101(is_tp: np.ndarray, num_gt: int) -> float:
    """COCO's 101-point interpolated AP, as ``COCOeval.accumulate`` computes it.

    Precision is made monotone from the right, then read at recall 0, 0.01, ..., 1 with
    ``searchsorted(side='left')``; points beyond the last recall count as 0.
    """
    if num_gt <= 0:
        return float("nan")
    precision, recall = precision_recall(is_tp, num_gt)
    if len(precision) == 0:
        return 0.0
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    idx = np.searchsorted(recall, COCO_RECALL_POINTS, side="left")
    sampled = np.where(idx < len(precision), precision[np.minimum(idx, len(precision) - 1)], 0.0)
    return float(np.mean(sampled))


AP_FUNCTIONS = {
    "all_point": ap_all_point,
    "non_interpolated": ap_non_interpolated,
    "trapezoid": ap_trapezoid,
    "coco101": ap_coco101,
}
