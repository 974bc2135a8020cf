"""Average precision from a ranked list of true/false positives, in each official convention (the one home
of every AP integration in ``evaluators``).

Every function takes ``is_tp`` (bool, detections already in rank order, ignored detections already
removed) and ``num_gt`` (the number of positives), and returns a float. With ``num_gt == 0`` the
AP is undefined and NaN is returned; callers exclude such classes from the mean.

=====================  =====================================================  ============================
name                   definition                                             used by
=====================  =====================================================  ============================
``all_point``          VOC2010+ / ActivityNet ``interpolated_prec_rec``       temporal ActivityNet, frame voc
``non_interpolated``   TREC-style mean precision at each positive             temporal THUMOS'14
``trapezoid_f32``      ACT ``pr_to_ap`` (float32 trapezoids from (0, 1))      frame act, video-AP
``coco101``            ``COCOeval.accumulate`` 101-point, exact float ops     frame coco
=====================  =====================================================  ============================
"""
from __future__ import annotations

import numpy as np


def precision_recall(is_tp: np.ndarray, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative precision and recall after each ranked detection.

    Parameters
    ----------
    is_tp : array of bool, shape (N,)
        True positive flag of each detection, in rank order.
    num_gt : int
        Number of positives; recall is NaN when it is 0.

    Returns
    -------
    precision, recall : float64 arrays, shape (N,)

    Examples
    --------
    >>> p, r = precision_recall([True, False, True], 4)
    >>> p.round(3).tolist(), r.tolist()
    ([1.0, 0.5, 0.667], [0.25, 0.25, 0.5])
    """
    is_tp = np.asarray(is_tp, dtype=bool)
    tp = np.cumsum(is_tp, dtype=np.float64)
    fp = np.cumsum(~is_tp, dtype=np.float64)
    recall = tp / num_gt if num_gt > 0 else np.full_like(tp, np.nan)
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return precision, recall


def ap_all_point(is_tp: np.ndarray, num_gt: int) -> float:
    """All-point interpolated AP (VOC2010+, ActivityNet ``interpolated_prec_rec``).

    Precision is made monotone from the right, then summed over every recall step.

    Parameters
    ----------
    is_tp : array of bool, shape (N,)
        True positive flag of each detection, in rank order.
    num_gt : int
        Number of positives.

    Returns
    -------
    float
        AP in [0, 1]; NaN when ``num_gt == 0``.

    Examples
    --------
    >>> ap_all_point([True, False, True], 2)  # 1/2 * 1 + 1/2 * 2/3
    0.8333333333333333
    """
    if num_gt <= 0:
        return float("nan")
    # only the recall steps (the true positives, then the last step to recall 1) enter the sum, so
    # only their values are formed: the same floats, in the same order, as over the whole curve
    # (precision falls between true positives, so its running maximum from the right over the
    # curve equals that over the true positives; tp + fp is the rank, exact in float64)
    hits = np.flatnonzero(np.asarray(is_tp, dtype=bool))
    found = np.arange(1, len(hits) + 1, dtype=np.float64)
    precision = found / (hits + 1).astype(np.float64)
    mprec = np.maximum.accumulate(precision[::-1])[::-1]
    recall = found / num_gt
    prev = np.concatenate([[0.0], recall[:-1]])
    terms = (recall - prev) * mprec
    last = recall[-1] if len(hits) else 0.0
    if last != 1.0:  # the closing step to recall 1 at precision 0
        terms = np.append(terms, (1.0 - last) * 0.0)
    return float(np.sum(terms))


def ap_non_interpolated(is_tp: np.ndarray, num_gt: int) -> float:
    """Non-interpolated AP (THUMOS'14 ``TH14evalDet_Updated.m``, TREC style).

    The mean over all positives of the precision at the rank where each one is found; positives
    never found contribute 0.

    Parameters
    ----------
    is_tp : array of bool, shape (N,)
        True positive flag of each detection, in rank order.
    num_gt : int
        Number of positives.

    Returns
    -------
    float
        AP in [0, 1]; NaN when ``num_gt == 0``.

    Examples
    --------
    >>> round(ap_non_interpolated([True, False, True], 3), 4)  # (1 + 2/3 + 0) / 3
    0.5556
    """
    if num_gt <= 0:
        return float("nan")
    # the precision at each true positive: (its number) / (its rank), exact as the cumulative sums give it
    hits = np.flatnonzero(np.asarray(is_tp, dtype=bool))
    precision = np.arange(1, len(hits) + 1, dtype=np.float64) / (hits + 1).astype(np.float64)
    return float(np.sum(precision) / num_gt)


def ap_trapezoid_float32(is_tp: np.ndarray, num_gt: int) -> float:
    """ACT detector's ``pr_to_ap`` exactly: trapezoids under the raw PR curve, in float32.

    The PR array is stored as float32 and starts at (recall 0, precision 1), as ACT's does, so
    values equal ACT's to the last float32 bit.

    Parameters
    ----------
    is_tp : array of bool, shape (N,)
        True positive flag of each detection, in rank order.
    num_gt : int
        Number of positives.

    Returns
    -------
    float
        AP in [0, 1]; NaN when ``num_gt == 0``.

    Examples
    --------
    >>> ap_trapezoid_float32([True, False, True], 2)  # 1/2 * (1 + 1)/2 + 0 + 1/2 * (1/2 + 2/3)/2
    0.7916666865348816
    """
    if num_gt <= 0:
        return float("nan")
    precision, recall = precision_recall(is_tp, num_gt)
    pr = np.empty((len(precision) + 1, 2), dtype=np.float32)
    pr[0] = (1.0, 0.0)
    pr[1:, 0] = precision
    pr[1:, 1] = recall
    return float(np.sum((pr[1:, 1] - pr[:-1, 1]) * (pr[1:, 0] + pr[:-1, 0]) * np.float32(0.5)))


#: COCOeval's recall thresholds, built as ``Params.setDetParams`` builds them
COCO_RECALL_POINTS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1)


def ap_coco101_exact(is_tp: np.ndarray, num_gt: int) -> float:
    """COCOeval.accumulate's 101-point AP with its exact float operations (``tp + fp + spacing(1)``).

    Precision is made monotone from the right, then read at recall 0, 0.01, ..., 1 with
    ``searchsorted(side='left')``; points beyond the last recall count as 0.

    Parameters
    ----------
    is_tp : array of bool, shape (N,)
        True positive flag of each detection, in rank order.
    num_gt : int
        Number of positives.

    Returns
    -------
    float
        AP in [0, 1]; NaN when ``num_gt == 0``.

    Examples
    --------
    >>> round(ap_coco101_exact([True, False, True], 2), 6)  # 51 points at 1, 50 at 2/3
    0.834983
    """
    if num_gt <= 0:
        return float("nan")
    is_tp = np.asarray(is_tp, dtype=bool)
    tp = np.cumsum(is_tp).astype(float)
    fp = np.cumsum(~is_tp).astype(float)
    q = np.zeros(len(COCO_RECALL_POINTS))
    if len(tp):
        rc = tp / num_gt
        pr = tp / (fp + tp + np.spacing(1))
        pr = np.maximum.accumulate(pr[::-1])[::-1]
        inds = np.searchsorted(rc, COCO_RECALL_POINTS, side="left")
        valid = inds < len(pr)
        q[valid] = pr[inds[valid]]
    return float(np.mean(q))


#: integration name (as ``APResult.extra["ap_integration"]`` states it) -> function
AP_FUNCTIONS = {
    "all_point": ap_all_point,
    "non_interpolated": ap_non_interpolated,
    "trapezoid_f32": ap_trapezoid_float32,
    "coco101": ap_coco101_exact,
}

__all__ = ["precision_recall", "ap_all_point", "ap_non_interpolated", "ap_trapezoid_float32", "ap_coco101_exact",
           "COCO_RECALL_POINTS", "AP_FUNCTIONS"]
