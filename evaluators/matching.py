"""Greedy matching of ranked detections to ground truth within groups, shared by frame-AP, frame
CorLoc and video-AP.

A *group* is what a detection may match inside: a (class, video, frame) for frame-AP, a (class,
video) for video-AP. Groups are integer keys. In each group, detections in score order (equal
scores: input order) take the best still-unmatched ground truth if its overlap >= t. Everything is
vectorised: every (detection, ground truth of its group) pair is listed once
(:func:`group_pairs`), its overlap computed in one call, and the greedy resolved in "rounds" (the
r-th eligible detection of every still-open group at once).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GroupPairs:
    """Every (detection, ground truth of its group) pair, detections in (group, score desc, row) order.

    ``paired[i]`` is a detection row that has ground truth in its group, ``grp[i]`` its group's index
    into ``ukeys``, ``cnt[i]`` the number of ground-truth rows there; its pairs are
    ``pstart[i] .. pstart[i] + cnt[i]``, and ``pair_gt[p]`` is the ground-truth row of pair ``p``.
    """

    ukeys: np.ndarray  # (G,) int64 distinct ground-truth keys
    gstart: np.ndarray  # (G,) first ground-truth row of each key
    gcount: np.ndarray  # (G,) ground-truth rows per key
    order: np.ndarray  # (Nd,) all detections in (key, -score, row) order
    paired: np.ndarray  # (P,) detection rows with ground truth in their group, in `order`
    grp: np.ndarray  # (P,) group index of each paired detection
    cnt: np.ndarray  # (P,)
    pstart: np.ndarray  # (P,) first pair of each paired detection
    pair_det: np.ndarray  # (sum cnt,) detection row of each pair
    pair_gt: np.ndarray  # (sum cnt,) ground-truth row of each pair


def score_order(det_key: np.ndarray, det_score: np.ndarray) -> np.ndarray:
    """Rows sorted by key, then score descending, then row (two stable sorts, as ``lexsort`` on the three).

    Examples
    --------
    >>> import numpy as np
    >>> score_order(np.array([2, 1, 2, 1]), np.array([0.5, 0.1, 0.9, 0.1])).tolist()
    [1, 3, 2, 0]
    """
    by_score = np.argsort(-np.asarray(det_score, dtype=np.float64), kind="stable")
    return by_score[np.argsort(np.asarray(det_key)[by_score], kind="stable")]


def group_pairs(det_key: np.ndarray, det_score: np.ndarray, gt_key: np.ndarray) -> GroupPairs:
    """List every (detection, ground truth of the same key) pair, detections in score order.

    Parameters
    ----------
    det_key : int64 array, shape (Nd,)
        Group key of each detection.
    det_score : float64 array, shape (Nd,)
        Detection scores (any finite value); higher ranks first, equal scores keep row order.
    gt_key : int64 array, shape (Ng,)
        Group key of each ground-truth row, **sorted ascending**.

    Returns
    -------
    GroupPairs

    Examples
    --------
    >>> import numpy as np
    >>> gp = group_pairs(np.array([7, 3, 7]), np.array([0.2, 0.9, 0.8]), np.array([7, 7]))
    >>> gp.paired.tolist(), gp.pair_det.tolist(), gp.pair_gt.tolist()
    ([2, 0], [2, 2, 0, 0], [0, 1, 0, 1])
    """
    det_key = np.asarray(det_key, dtype=np.int64)
    gt_key = np.asarray(gt_key, dtype=np.int64)
    gstart = np.flatnonzero(np.r_[True, gt_key[1:] != gt_key[:-1]]) if len(gt_key) else np.zeros(0, np.int64)
    ukeys = gt_key[gstart]
    gcount = np.diff(np.r_[gstart, len(gt_key)]).astype(np.int64)
    order = score_order(det_key, det_score)
    sorted_key = det_key[order]
    pos = np.searchsorted(ukeys, sorted_key)
    has = pos < len(ukeys)
    has[has] = ukeys[pos[has]] == sorted_key[has]
    paired = order[has]
    grp = pos[has]
    cnt = gcount[grp]
    pstart = np.r_[0, np.cumsum(cnt)[:-1]].astype(np.int64) if len(cnt) else np.zeros(0, np.int64)
    total = int(cnt.sum())
    pair_gt = np.repeat(gstart[grp], cnt) + (np.arange(total) - np.repeat(pstart, cnt))
    return GroupPairs(ukeys, gstart, gcount, order, paired, grp, cnt, pstart, np.repeat(paired, cnt), pair_gt)


def _segment_pick(values: np.ndarray, seg_starts: np.ndarray, seg_len: np.ndarray, tie: str):
    """Per segment: (best value, position of the chosen maximum, chosen value is NaN).

    ``tie="first"`` is ``np.argmax`` (a NaN, if any, wins, as np.argmax lets it); ``"last"`` is
    COCOeval's ``>=`` scan (the last of equal maxima).
    """
    pos = np.arange(len(values))
    nan = np.isnan(values)
    clean = np.where(nan, -np.inf, values)
    seg_max = np.maximum.reduceat(clean, seg_starts)
    is_max = clean == np.repeat(seg_max, seg_len)
    if tie == "first":
        pick = np.minimum.reduceat(np.where(is_max, pos, len(values)), seg_starts)
        if nan.any():
            first_nan = np.minimum.reduceat(np.where(nan, pos, len(values)), seg_starts)
            has_nan = first_nan < len(values)
            pick = np.where(has_nan, first_nan, pick)
            return seg_max, pick, has_nan
    else:
        pick = np.maximum.reduceat(np.where(is_max, pos, -1), seg_starts)
    return seg_max, pick, np.zeros(len(seg_starts), dtype=bool)


def greedy_match_pairs(pairs: GroupPairs, pair_iou: np.ndarray, num_det: int, thresholds, tie: str = "first",
                       cap_threshold: bool = False) -> np.ndarray:
    """(K, Nd) bool: greedy matching, given the overlap of every pair of :func:`group_pairs`.

    Parameters
    ----------
    pairs : GroupPairs
    pair_iou : float64 array, shape (len(pairs.pair_gt),)
        Overlap of each pair (NaN allowed: ACT's raw arithmetic can produce it; ``np.argmax`` then
        picks it and the detection is a false positive, as in ACT).
    num_det : int
        Number of detections (columns of the result).
    thresholds : sequence of float, shape (K,)
    tie : {"first", "last"}
        Among equal best overlaps: the first ground-truth row (``np.argmax``) or the last
        (COCOeval's ``>=`` scan).
    cap_threshold : bool
        Compare with ``min(t, 1 - 1e-10)``, as COCOeval does.

    Returns
    -------
    is_tp : bool array, shape (K, Nd)

    Examples
    --------
    >>> import numpy as np
    >>> gp = group_pairs(np.array([1, 1]), np.array([0.9, 0.8]), np.array([1]))
    >>> greedy_match_pairs(gp, np.array([0.6, 0.7]), 2, [0.5]).tolist()  # the higher score takes the box
    [[True, False]]
    """
    is_tp = np.zeros((len(thresholds), num_det), dtype=bool)
    if len(pairs.paired) == 0:
        return is_tp
    paired, grp, cnt, pstart, pair_gt = pairs.paired, pairs.grp, pairs.cnt, pairs.pstart, pairs.pair_gt
    pair_iou = np.asarray(pair_iou, dtype=np.float64)
    for k, t in enumerate(thresholds):
        thr = min(float(t), 1 - 1e-10) if cap_threshold else float(t)
        with np.errstate(invalid="ignore"):
            eligible = np.logical_or.reduceat(pair_iou >= thr, pstart)
        cand = np.flatnonzero(eligible)  # indices into `paired`, still in group/score order
        if len(cand) == 0:
            continue
        cgrp = grp[cand]
        run_start = np.flatnonzero(np.r_[True, cgrp[1:] != cgrp[:-1]])
        run_end = np.r_[run_start[1:], len(cand)]
        remaining = pairs.gcount[cgrp[run_start]].copy()
        ptr = run_start.copy()
        active = np.arange(len(run_start))
        gt_used = np.zeros(int(pairs.gcount.sum()), dtype=bool)
        tp_paired = np.zeros(len(paired), dtype=bool)
        while len(active):
            d = cand[ptr[active]]
            c = cnt[d]
            seg = np.r_[0, np.cumsum(c)[:-1]]
            flat = np.repeat(pstart[d] - seg, c) + np.arange(c.sum())
            vals = np.where(gt_used[pair_gt[flat]], -np.inf, pair_iou[flat])
            best, pick, picked_nan = _segment_pick(vals, seg, c, tie)
            ok = (best >= thr) & ~picked_nan
            gt_used[pair_gt[flat[pick[ok]]]] = True
            tp_paired[d[ok]] = True
            remaining[active] -= ok
            ptr[active] += 1
            active = active[(ptr[active] < run_end[active]) & (remaining[active] > 0)]
        is_tp[k, paired[tp_paired]] = True
    return is_tp


def greedy_match_groups(det_key: np.ndarray, det_score: np.ndarray, gt_key: np.ndarray, pair_iou_fn,
                        thresholds, tie: str = "first", cap_threshold: bool = False) -> np.ndarray:
    """(K, Nd) bool: greedy matching of detections to ground truth within groups of equal key.

    Parameters
    ----------
    det_key, det_score, gt_key
        As :func:`group_pairs` (``gt_key`` sorted ascending).
    pair_iou_fn : callable
        ``pair_iou_fn(det_rows, gt_rows) -> (P,) float64``: the overlap of aligned pairs.
    thresholds, tie, cap_threshold
        As :func:`greedy_match_pairs`.

    Returns
    -------
    is_tp : bool array, shape (K, Nd)

    Examples
    --------
    >>> import numpy as np
    >>> iou = lambda d, g: np.where(d == 0, 0.4, 0.9)  # detection 0 overlaps little
    >>> greedy_match_groups(np.array([5, 5]), np.array([0.9, 0.1]), np.array([5]), iou, [0.5]).tolist()
    [[False, True]]
    """
    pairs = group_pairs(det_key, det_score, gt_key)
    if len(pairs.paired) == 0:
        return np.zeros((len(thresholds), len(det_key)), dtype=bool)
    pair_iou = np.asarray(pair_iou_fn(pairs.pair_det, pairs.pair_gt), dtype=np.float64)
    return greedy_match_pairs(pairs, pair_iou, len(det_key), thresholds, tie, cap_threshold)


__all__ = ["GroupPairs", "score_order", "group_pairs", "greedy_match_pairs", "greedy_match_groups"]
