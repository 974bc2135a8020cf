"""Bootstrap over videos: match once, then recompute AP and CorLoc under resampled video weights.

Resampling whole videos with replacement does not change any matching (a video drawn twice is two
independent copies of the same video), so each detection's true-positive flag at each threshold is
computed **once**, with each protocol's own matching and tie order. A resample is then a vector of
integer video multiplicities ``w_v`` (how often video ``v`` was drawn): a detection counts ``w_v``
times, the ground truth of class ``c`` counts ``sum_v w_v n_cv``, and AP is a weighted computation,
vectorised over resamples. Detections in videos outside the evaluated ground truth (kept with
``unknown_videos='fp'``) count once in every resample. Conventions (copies of a detection take its
place in the ranking; the estimator; its limits) are in ``docs/protocols/statistics.md``.

Supported: temporal ``activitynet`` and ``thumos14``; frame-AP ``voc`` and ``act``; video-AP (ACT).

>>> import numpy as np
>>> from annotations.types import Segments
>>> gt = Segments(np.array(["a", "b"]), np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array(["x", "x"]),
...               videos=("a", "b"))
>>> det = Segments(np.array(["a", "b"]), np.array([0.0, 5.0]), np.array([1.0, 6.0]), np.array(["x", "x"]),
...                np.array([0.9, 0.8]))
>>> m = match_temporal(gt, det, [0.5], "activitynet")
>>> full_sample_ap(m)[:, 0].tolist()
[0.5]
>>> resampled_ap(m, np.array([[2, 0], [0, 2]]))[:, 0, 0].tolist()  # a twice; b twice
[1.0, 0.0]
"""
from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass

import numpy as np

from annotations.errors import InputError
from annotations.types import AMBIGUOUS, FrameBoxes, Segments, Tube, TubeDataset
from evaluators.ap import ap_all_point, ap_non_interpolated
from evaluators.box_iou import iou_pairs
from evaluators.frame_ap import PROTOCOLS as FRAME_PROTOCOLS
from evaluators.ap import ap_trapezoid_float32
from evaluators.frame_ap import build_problem, resolve_classes
from evaluators.matching import greedy_match_groups
from evaluators.segment_iou import overlap_thumos14, tiou_activitynet
from evaluators.unknown_videos import apply_unknown_video_policy
from evaluators.video_ap import stiou_pairs

#: protocols whose AP the bootstrap can recompute, per task
SUPPORTED = {"temporal": ("activitynet", "thumos14"), "spatial": ("voc", "act"), "video": ("act",)}
_AP_RULES = ("all_point", "non_interpolated", "trapezoid_f32")
_EXACT_AP = {"all_point": ap_all_point, "non_interpolated": ap_non_interpolated, "trapezoid_f32": ap_trapezoid_float32}
_CHUNK_ELEMENTS = 4_000_000  # (resamples x detections) handled at once: bounds memory to ~100 MB


@dataclass(frozen=True, eq=False)
class MatchTable:
    """Per-detection true-positive flags, computed once, and what a resample needs to weight them.

    Detections are in rank order (class, then the protocol's ranking); ``det_unit[i]`` is the
    resampling unit (index into ``videos``) of detection ``i``, or -1 for a detection in a video
    outside the evaluated ground truth (it counts once in every resample).
    """

    protocol: str
    ap_rule: str                 # "all_point", "non_interpolated" or "trapezoid_f32"
    thresholds: np.ndarray       # (K,) float64
    classes: tuple[str, ...]     # (C,)
    videos: tuple[str, ...]      # (U,) the resampling units
    det_cls: np.ndarray          # (N,) int64, ascending
    det_unit: np.ndarray         # (N,) int64 in [-1, U)
    is_tp: np.ndarray            # (K, N) bool
    ignored: np.ndarray          # (K, N) bool, removed from the ranking (THUMOS'14 Ambiguous)
    gt_count: np.ndarray         # (C, U) int64 ground-truth instances per class and video
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class CorLocCounts:
    """Localized units per class, video and threshold: CorLoc of a resample is a weighted ratio."""

    thresholds: np.ndarray       # (K,)
    classes: tuple[str, ...]     # (C,)
    videos: tuple[str, ...]      # (U,)
    hits: np.ndarray             # (C, U, K) float64 localized units
    units: np.ndarray            # (C, U) float64 units (instances or annotated frames)


# ------------------------------------------------------------------------------------------ helpers


def _policy_and_videos(gt, detections, unknown_videos: str):
    """The unknown-video policy applied to ``detections``, and every video code (evaluated units first,
    then ground truth and detections in first-seen order): ``(detections, units, videos, warnings)``."""
    units = tuple(gt.videos) if gt.videos else tuple(dict.fromkeys(gt.video.tolist()))
    keep, warnings = apply_unknown_video_policy(detections.video, units, unknown_videos, detections.source or None)
    if keep is not None:
        detections = detections.select(keep)
    videos = list(dict.fromkeys(list(units) + gt.video.tolist() + detections.video.tolist()))
    return detections, units, videos, warnings

def _codes(values, names) -> np.ndarray:
    """Index of each value in ``names`` (-1 when absent)."""
    index = {n: i for i, n in enumerate(names)}
    return np.array([index.get(v, -1) for v in np.asarray(values).tolist()], dtype=np.int64)


def _unit_of(video_names, units) -> np.ndarray:
    return _codes(video_names, units)


def _thresholds(values) -> np.ndarray:
    t = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if t.ndim != 1 or len(t) == 0 or not np.all((t >= 0) & (t <= 1)):
        raise InputError(None, "thresholds", f"expected one or more values in [0, 1], got {values!r}")
    return t


def _group_pairs(det_key, gt_key_sorted):
    """All (detection, ground truth) index pairs with equal key; ``gt_key_sorted`` ascending."""
    lo = np.searchsorted(gt_key_sorted, det_key, side="left")
    n = np.searchsorted(gt_key_sorted, det_key, side="right") - lo
    d = np.repeat(np.arange(len(det_key)), n)
    first = np.cumsum(n) - n
    g = np.repeat(lo - first, n) + np.arange(int(n.sum()))
    return d, g


# ------------------------------------------------------------------------------------------ temporal

def match_temporal(gt: Segments, detections: Segments, thresholds, protocol: str, classes=None,
                   unknown_videos: str = "error") -> MatchTable:
    """Match temporal detections once under ``protocol`` ("activitynet" or "thumos14").

    Parameters
    ----------
    gt : Segments
        Ground truth; ``gt.videos`` are the resampling units (Ambiguous rows only matter for thumos14).
    detections : Segments
        With scores.
    thresholds : sequence of float, shape (K,)
        tIoU thresholds (activitynet: tIoU >= t; thumos14: overlap > t).
    protocol : {"activitynet", "thumos14"}
    classes : sequence of str, optional
        Default: the ground-truth classes.
    unknown_videos : {"error", "fp", "drop"}

    Returns
    -------
    MatchTable
        Same flags as :func:`evaluators.temporal.temporal_map` (ranking: class, score descending,
        equal scores in input order).

    Examples
    --------
    >>> import numpy as np
    >>> gt = Segments(np.array(["a"]), np.array([0.0]), np.array([2.0]), np.array(["x"]), videos=("a",))
    >>> det = Segments(np.array(["a", "a"]), np.array([0.0, 0.0]), np.array([2.0, 1.0]), np.array(["x", "x"]),
    ...                np.array([0.5, 0.9]))
    >>> match_temporal(gt, det, [0.4, 0.6], "activitynet").is_tp.tolist()  # rank order: 0.9 then 0.5
    [[True, False], [False, True]]
    """
    if protocol not in SUPPORTED["temporal"]:
        raise InputError(None, "protocol", f"unknown temporal protocol {protocol!r} (choose from activitynet, thumos14)")
    thresholds = _thresholds(thresholds)
    if detections.score is None:
        raise InputError(detections.source or None, None, "detections have no scores")
    classes = gt.classes if classes is None else tuple(dict.fromkeys(str(c) for c in classes))
    detections, units, videos, warnings = _policy_and_videos(gt, detections, unknown_videos)
    nv = len(videos)

    g_cls, g_vid = _codes(gt.label, classes), _codes(gt.video, videos)
    ok = g_cls >= 0
    g_order = np.flatnonzero(ok)[np.argsort(g_cls[ok] * nv + g_vid[ok], kind="stable")]  # file order in a group
    g_key = g_cls[g_order] * nv + g_vid[g_order]
    g_start, g_end = gt.t_start_s[g_order], gt.t_end_s[g_order]

    d_cls_all, d_vid_all = _codes(detections.label, classes), _codes(detections.video, videos)
    rows = np.flatnonzero(d_cls_all >= 0)
    if len(rows) < len(detections):
        warnings = list(warnings) + [f"{len(detections) - len(rows)} detection(s) with labels outside the evaluated "
                                     "classes ignored"]
    rows = rows[np.lexsort((-detections.score[rows], d_cls_all[rows]))]  # rank order (stable: input order)
    d_cls, d_vid = d_cls_all[rows], d_vid_all[rows]
    d_start, d_end = detections.t_start_s[rows], detections.t_end_s[rows]
    n = len(rows)

    pd, pg = _group_pairs(d_cls * nv + d_vid, g_key)
    fn = tiou_activitynet if protocol == "activitynet" else overlap_thumos14
    po = fn(g_start[pg], g_end[pg], d_start[pd], d_end[pd])
    is_tp = np.zeros((len(thresholds), n), bool)
    for k, t in enumerate(thresholds):
        sel = po >= t if protocol == "activitynet" else po > t
        if protocol == "activitynet":
            is_tp[k] = _greedy_by_detection(pd[sel], pg[sel], po[sel], n, g_key, g_start, g_end, d_start, d_end)
        else:
            is_tp[k] = _greedy_by_ground_truth(pd[sel], pg[sel], po[sel], n)

    ignored = np.zeros_like(is_tp)
    if protocol == "thumos14":
        amb = np.flatnonzero(gt.label == AMBIGUOUS)
        a_vid = _codes(gt.video[amb], videos)
        a_order = np.argsort(a_vid, kind="stable")
        ad, ag = _group_pairs(d_vid, a_vid[a_order])
        a = amb[a_order][ag]
        near = overlap_thumos14(gt.t_start_s[a], gt.t_end_s[a], d_start[ad], d_end[ad]) > 0
        near_amb = np.zeros(n, bool)
        near_amb[ad[near]] = True
        ignored = near_amb[None, :] & ~is_tp

    gt_count = np.zeros((len(classes), len(units)), np.int64)
    g_unit = _unit_of(np.asarray(videos)[g_key % nv] if nv else np.zeros(0, str), units)
    np.add.at(gt_count, (g_key // max(nv, 1), np.maximum(g_unit, 0)), g_unit >= 0)
    return MatchTable(protocol, "all_point" if protocol == "activitynet" else "non_interpolated", thresholds,
                      tuple(classes), units, d_cls, _unit_of(np.asarray(videos)[d_vid] if n else [], units),
                      is_tp, ignored, gt_count, tuple(warnings))


def _greedy_by_detection(pd, pg, po, n, g_key, g_start, g_end, d_start, d_end) -> np.ndarray:
    """ActivityNet: each detection in rank order takes the unmatched candidate of highest tIoU.

    Equal tIoUs follow the official ``segment_iou(...).argsort()[::-1]`` order over the group.
    """
    tp = np.zeros(n, bool)
    if len(pd) == 0:
        return tp
    tie = np.zeros(len(pd), np.int64)
    order = np.lexsort((tie, -po, pd))
    sd, so = pd[order], po[order]
    tied_det = np.unique(sd[1:][(sd[1:] == sd[:-1]) & (so[1:] == so[:-1])])
    for d in tied_det.tolist():  # rare: reproduce numpy's argsort on the whole group
        lo, hi = np.searchsorted(g_key, [g_key[pg[pd == d][0]], g_key[pg[pd == d][0]] + 1])
        tiou = tiou_activitynet(g_start[lo:hi], g_end[lo:hi], d_start[d], d_end[d])
        position = np.empty(hi - lo, np.int64)
        position[tiou.argsort()[::-1]] = np.arange(hi - lo)
        sel = pd == d
        tie[sel] = position[pg[sel] - lo]
    if len(tied_det):
        order = np.lexsort((tie, -po, pd))
    locked, last = set(), -1
    for d, g in zip(pd[order].tolist(), pg[order].tolist()):
        if d == last or tp[d] or g in locked:
            continue
        locked.add(g)
        tp[d] = True
        last = d
    return tp


def _greedy_by_ground_truth(pd, pg, po, n) -> np.ndarray:
    """THUMOS'14: each ground truth in file order takes the unmatched candidate of highest overlap (ties: best rank)."""
    tp = np.zeros(n, bool)
    order = np.lexsort((pd, -po, pg))
    last = -1
    for g, d in zip(pg[order].tolist(), pd[order].tolist()):
        if g == last or tp[d]:
            continue
        tp[d] = True
        last = g
    return tp


def temporal_corloc_counts(gt: Segments, detections: Segments, thresholds, classes=None,
                           unknown_videos: str = "error") -> CorLocCounts:
    """Per class and video, the instances whose best-scoring overlapping detection reaches tIoU >= t.

    Same rule as :func:`evaluators.temporal.temporal_corloc`: among detections of the instance's
    class in its video with tIoU > 0, the highest score (equal: first in input order) decides.

    Examples
    --------
    >>> import numpy as np
    >>> gt = Segments(np.array(["a", "b"]), np.array([0.0, 0.0]), np.array([2.0, 2.0]), np.array(["x", "x"]),
    ...               videos=("a", "b"))
    >>> det = Segments(np.array(["a"]), np.array([0.0]), np.array([1.0]), np.array(["x"]), np.array([1.0]))
    >>> temporal_corloc_counts(gt, det, [0.5]).hits[0, :, 0].tolist()
    [1.0, 0.0]
    """
    thresholds = _thresholds(thresholds)
    classes = gt.classes if classes is None else tuple(classes)
    detections, units, videos, _ = _policy_and_videos(gt, detections, unknown_videos)
    nv = len(videos)
    g_cls, g_vid = _codes(gt.label, classes), _codes(gt.video, videos)
    gi = np.flatnonzero(g_cls >= 0)
    gi = gi[np.argsort(g_cls[gi] * nv + g_vid[gi], kind="stable")]
    g_key = g_cls[gi] * nv + g_vid[gi]
    d_cls, d_vid = _codes(detections.label, classes), _codes(detections.video, videos)
    di = np.flatnonzero(d_cls >= 0)
    pd, pg = _group_pairs(d_cls[di] * nv + d_vid[di], g_key)
    pd = di[pd]
    po = tiou_activitynet(gt.t_start_s[gi[pg]], gt.t_end_s[gi[pg]], detections.t_start_s[pd], detections.t_end_s[pd])
    pos = po > 0
    pd, pg, po = pd[pos], pg[pos], po[pos]
    order = np.lexsort((pd, -detections.score[pd], pg))
    first = np.r_[True, pg[order][1:] != pg[order][:-1]] if len(order) else np.zeros(0, bool)
    best = np.zeros(len(gi))
    best[pg[order][first]] = po[order][first]
    g_unit = _unit_of(np.asarray(videos)[g_vid[gi]] if len(gi) else [], units)
    cls = g_cls[gi]
    hits = np.zeros((len(classes), len(units), len(thresholds)))
    count = np.zeros((len(classes), len(units)))
    inside = g_unit >= 0
    np.add.at(count, (cls[inside], g_unit[inside]), 1.0)
    for k, t in enumerate(thresholds):
        np.add.at(hits[:, :, k], (cls[inside], g_unit[inside]), (best[inside] >= t).astype(float))
    return CorLocCounts(thresholds, tuple(classes), units, hits, count)


# ------------------------------------------------------------------------------------------ frames

def match_frames(gt: FrameBoxes, detections: FrameBoxes, thresholds, protocol: str = "voc", classes=None,
                 unknown_videos: str = "error") -> MatchTable:
    """Match per-frame boxes once under frame-AP ``protocol`` ("voc" or "act"), as
    :func:`evaluators.frame_ap.frame_ap` does (ranking: class, score descending, input order).

    ``gt.videos`` (or the ground-truth rows' videos) are the resampling units.

    Examples
    --------
    >>> import numpy as np
    >>> gt = FrameBoxes(np.array(["a"]), np.array([0]), np.array(["x"]), np.array([[0, 0, 10, 10.0]]), videos=("a",))
    >>> det = FrameBoxes(np.array(["a", "a"]), np.array([0, 0]), np.array(["x", "x"]),
    ...                  np.array([[0, 0, 10, 10.0], [0, 0, 10, 10.0]]), np.array([0.9, 0.8]))
    >>> match_frames(gt, det, [0.5]).is_tp.tolist()
    [[True, False]]
    """
    if protocol not in SUPPORTED["spatial"]:
        raise InputError(None, "protocol", f"the bootstrap supports frame-AP protocols voc and act, not {protocol!r}")
    spec = FRAME_PROTOCOLS[protocol]
    thresholds = _thresholds(thresholds)
    if detections.score is None:
        raise InputError(detections.source or None, None, "detections have no score column")
    classes = resolve_classes(gt, detections, classes)
    units = tuple(gt.videos) if gt.videos else tuple(dict.fromkeys(gt.video.tolist()))
    keep, warnings = apply_unknown_video_policy(detections.video, units, unknown_videos, detections.source or None)
    if keep is not None:
        detections = detections.select(keep)
    prob = build_problem(gt, detections, classes)

    def pair_iou(det_rows, gt_rows):
        return iou_pairs(prob.det_boxes[det_rows], prob.gt_boxes[gt_rows], spec.iou_convention)

    flags = greedy_match_groups(prob.det_key, prob.det_score, prob.gt_key, pair_iou, thresholds, spec.tie)
    order = np.lexsort((np.arange(len(prob.det_key)), -prob.det_score, prob.det_cls))
    gt_count = np.zeros((len(classes), len(units)), np.int64)
    g_unit = _unit_of(gt.video, units)
    g_cls = _codes(gt.label, classes)
    inside = g_unit >= 0
    np.add.at(gt_count, (g_cls[inside], g_unit[inside]), 1)
    return MatchTable(protocol, "all_point" if spec.ap == "all_point" else "trapezoid_f32", thresholds,
                      tuple(classes), units, prob.det_cls[order],
                      _unit_of(detections.video[prob.det_index[order]], units), flags[:, order],
                      np.zeros((len(thresholds), len(order)), bool), gt_count, tuple(warnings))


def frame_corloc_counts(gt: FrameBoxes, detections: FrameBoxes, thresholds, classes=None,
                        unknown_videos: str = "error") -> CorLocCounts:
    """Per class and video, the annotated frames whose top detection of the class reaches IoU >= t
    (continuous IoU against any ground-truth box there), as :func:`evaluators.frame_ap.frame_corloc`.

    Examples
    --------
    >>> import numpy as np
    >>> gt = FrameBoxes(np.array(["a", "a"]), np.array([0, 1]), np.array(["x", "x"]),
    ...                 np.array([[0, 0, 10, 10.0], [0, 0, 10, 10.0]]), videos=("a",))
    >>> det = FrameBoxes(np.array(["a"]), np.array([0]), np.array(["x"]), np.array([[0, 0, 10, 10.0]]), np.array([1.0]))
    >>> c = frame_corloc_counts(gt, det, [0.5]); (float(c.hits[0, 0, 0]), float(c.units[0, 0]))
    (1.0, 2.0)
    """
    thresholds = _thresholds(thresholds)
    classes = resolve_classes(gt, detections, classes)
    units = tuple(gt.videos) if gt.videos else tuple(dict.fromkeys(gt.video.tolist()))
    keep, _ = apply_unknown_video_policy(detections.video, units, unknown_videos, detections.source or None)
    if keep is not None:
        detections = detections.select(keep)
    names = list(dict.fromkeys(list(units) + gt.video.tolist() + detections.video.tolist()))
    nf = int(max(gt.frame_idx.max(initial=-1), detections.frame_idx.max(initial=-1))) + 1
    g_cls, g_vid = _codes(gt.label, classes), _codes(gt.video, names)
    g_key = (g_cls * len(names) + g_vid) * nf + gt.frame_idx
    g_order = np.argsort(g_key, kind="stable")
    g_key, g_boxes = g_key[g_order], gt.boxes_xyxy[g_order]
    d_key = (_codes(detections.label, classes) * len(names) + _codes(detections.video, names)) * nf \
        + detections.frame_idx
    unit_keys, unit_start = np.unique(g_key, return_index=True)
    unit_len = np.diff(np.r_[unit_start, len(g_key)])
    nd = len(d_key)
    order = np.lexsort((np.arange(nd), -detections.score, d_key))
    dk = d_key[order]
    heads = order[np.r_[True, dk[1:] != dk[:-1]]] if nd else np.zeros(0, np.int64)
    pos = np.searchsorted(d_key[heads], unit_keys)
    has = pos < len(heads)
    has[has] = d_key[heads][pos[has]] == unit_keys[has]
    best = np.full(len(unit_keys), -np.inf)
    u = np.flatnonzero(has)
    if len(u):
        top = heads[pos[u]]
        seg = np.r_[0, np.cumsum(unit_len[u])[:-1]]
        rows = np.repeat(unit_start[u] - seg, unit_len[u]) + np.arange(unit_len[u].sum())
        ious = iou_pairs(np.repeat(detections.boxes_xyxy[top], unit_len[u], axis=0), g_boxes[rows], "continuous")
        best[u] = np.maximum.reduceat(ious, seg)
    first_rows = g_order[unit_start]
    cls = g_cls[first_rows]
    vid = _unit_of(gt.video[first_rows], units)
    inside = vid >= 0
    hits = np.zeros((len(classes), len(units), len(thresholds)))
    count = np.zeros((len(classes), len(units)))
    np.add.at(count, (cls[inside], vid[inside]), 1.0)
    for k, t in enumerate(thresholds):
        np.add.at(hits[:, :, k], (cls[inside], vid[inside]), (best[inside] >= t).astype(float))
    return CorLocCounts(thresholds, tuple(classes), units, hits, count)



# ------------------------------------------------------------------------------------------ tubes

def match_tubes(gt_tubes, det_tubes, thresholds, classes=None, videos=None, unknown_videos: str = "fp") -> MatchTable:
    """Match detected tubes once as :func:`evaluators.video_ap.video_ap` (ACT) does.

    ``videos`` (default: the ground-truth tubes' videos, sorted) are the resampling units; detected
    tubes in other videos follow ``unknown_videos`` (default "fp", what ACT does: false positives in
    every resample).

    Examples
    --------
    >>> import numpy as np
    >>> t = lambda v, s: Tube(v, "x", np.arange(3), np.tile([0, 0, 9, 9.0], (3, 1)), s)
    >>> m = match_tubes([t("a", np.nan), t("b", np.nan)], [t("a", 0.9), t("c", 0.8)], [0.5])
    >>> m.videos, m.det_unit.tolist(), m.is_tp.tolist()
    (('a', 'b'), [0, -1], [[True, False]])
    """
    if isinstance(gt_tubes, TubeDataset):
        classes = gt_tubes.classes if classes is None else classes
        gt_tubes = gt_tubes.tubes
    gt_tubes, det_tubes = tuple(gt_tubes), tuple(det_tubes)
    thresholds = _thresholds(thresholds)
    units = tuple(videos) if videos is not None else tuple(sorted({t.video for t in gt_tubes}))
    det_video = np.array([t.video for t in det_tubes], dtype=object).astype(str) if det_tubes else np.zeros(0, str)
    keep, warnings = apply_unknown_video_policy(det_video, units, unknown_videos)
    if keep is not None:
        det_tubes = tuple(t for t, k in zip(det_tubes, keep.tolist()) if k)
    scores = np.array([t.score for t in det_tubes], dtype=np.float64)
    if classes is None:
        classes = tuple(sorted({t.label for t in gt_tubes} | {t.label for t in det_tubes}))
    classes = tuple(classes)
    names = sorted({t.video for t in gt_tubes} | {t.video for t in det_tubes})
    nv = max(len(names), 1)
    g_key = _codes([t.label for t in gt_tubes], classes) * nv + _codes([t.video for t in gt_tubes], names)
    d_key = _codes([t.label for t in det_tubes], classes) * nv + _codes([t.video for t in det_tubes], names)
    if (g_key < 0).any() or (d_key < 0).any():
        raise InputError(None, "classes", "tubes use class names outside the evaluated classes")
    g_order = np.argsort(g_key, kind="stable")
    gt_sorted = tuple(gt_tubes[i] for i in g_order)

    def pair_iou(det_rows, gt_rows):
        return stiou_pairs(det_tubes, gt_sorted, det_rows, gt_rows)

    with np.errstate(divide="ignore", invalid="ignore"):
        flags = greedy_match_groups(d_key, scores, g_key[g_order], pair_iou, thresholds, tie="first")
    d_cls = d_key // nv
    order = np.lexsort((np.arange(len(det_tubes)), -scores, d_cls))
    gt_count = np.zeros((len(classes), len(units)), np.int64)
    g_unit = _unit_of([t.video for t in gt_tubes], units)
    inside = g_unit >= 0
    np.add.at(gt_count, ((g_key // nv)[inside], g_unit[inside]), 1)
    d_unit = _unit_of([det_tubes[i].video for i in order], units)
    return MatchTable("act", "trapezoid_f32", thresholds, classes, units, d_cls[order], d_unit, flags[:, order],
                      np.zeros((len(thresholds), len(order)), bool), gt_count, tuple(warnings))


# ------------------------------------------------------------------------------------------ resampling

def video_weights(num_videos: int, num_resamples: int, seed: int | None = 0) -> np.ndarray:
    """(B, U) int64 multiplicities: each row draws ``num_videos`` videos uniformly with replacement.

    Examples
    --------
    >>> w = video_weights(5, 3, seed=1)
    >>> w.shape, w.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    """
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, num_videos, size=(num_resamples, num_videos))
    flat = draws + (np.arange(num_resamples) * num_videos)[:, None]
    return np.bincount(flat.ravel(), minlength=num_resamples * num_videos).reshape(num_resamples, num_videos)


def full_sample_ap(m: MatchTable) -> np.ndarray:
    """(C, K) AP on the evaluated set with the protocol's exact AP function (NaN: no ground truth).

    Examples
    --------
    >>> m = MatchTable("voc", "all_point", np.array([0.5]), ("x",), ("a",), np.array([0, 0]), np.array([0, 0]),
    ...                np.array([[False, True]]), np.zeros((1, 2), bool), np.array([[1]]))
    >>> full_sample_ap(m).tolist()
    [[0.5]]
    """
    ap_fn = _EXACT_AP[m.ap_rule]
    num_gt = m.gt_count.sum(axis=1)
    bounds = np.searchsorted(m.det_cls, np.arange(len(m.classes) + 1))
    out = np.full((len(m.classes), len(m.thresholds)), np.nan)
    for c in np.flatnonzero(num_gt > 0):
        a, b = bounds[c], bounds[c + 1]
        for k in range(len(m.thresholds)):
            out[c, k] = ap_fn(m.is_tp[k, a:b][~m.ignored[k, a:b]], int(num_gt[c]))
    return out


def _restart(cum: np.ndarray, seg_start: np.ndarray, seg_of: np.ndarray) -> np.ndarray:
    """Cumulative sums ``cum`` (B, T) restarted at each segment: minus the value before its start."""
    before = np.concatenate([np.zeros((cum.shape[0], 1), cum.dtype), cum], axis=1)[:, seg_start]  # (B, S)
    return cum - before[:, seg_of]


def _segment_sums(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """(B, S) sums of ``values`` (B, T) over the column ranges ``bounds[s]:bounds[s+1]`` (empty: 0)."""
    cs = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1)], axis=1)
    return cs[:, bounds[1:]] - cs[:, bounds[:-1]]


def _harmonic(n: int) -> np.ndarray:
    """H[0..n]: H[i] = 1 + 1/2 + ... + 1/i."""
    return np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, n + 1))])


def _tp_ap(rule: str, tp_incl, n_incl, w, cls, tp_bounds, num_gt) -> np.ndarray:
    """(B, C) AP from the true positives alone: ``w`` (B, T) their multiplicities, ``tp_incl`` /
    ``n_incl`` the weighted true positives / ranked detections of their class up to and including
    their last copy, ``cls`` (T,) their class.

    Every copy of a detection is ranked where the detection is. Only true-positive copies change
    recall; the precision of false positives never enters an AP except through these counts:
    all-point interpolation takes the best precision at or after each true positive, and within a
    run of true-positive copies precision rises, so it is reached at a true positive.
    """
    n_tp = len(cls)
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "all_point":
            prec = tp_incl / np.maximum(n_incl, np.finfo(np.float64).eps)
            shift = 2.0 * (cls.max(initial=0) - cls)  # later classes first when reversed: resets the max
            prec += shift
            interp = np.maximum.accumulate(prec[:, ::-1], axis=1)[:, ::-1]
            interp *= w
            sums = _segment_sums(interp, tp_bounds)
            # remove the shift: sum over a class of w * shift = shift_c * (its weighted true positives)
            last = np.maximum(tp_bounds[1:] - 1, 0)
            has = tp_bounds[1:] > tp_bounds[:-1]
            class_shift = 2.0 * (cls.max(initial=0) - np.arange(len(tp_bounds) - 1))
            tp_total = np.where(has, tp_incl[:, last] if n_tp else 0.0, 0.0)
            ap = (sums - class_shift * tp_total) / num_gt
        else:
            a, b = tp_incl - w, n_incl - w  # counts before the first copy
            # sum_{j=1..w} (a + j) / (b + j) = w - (b - a)(H[b + w] - H[b]); the exact form for w == 1
            H = _harmonic(int(n_incl.max(initial=0)) + 1)
            bi, wi = b.astype(np.int64), w.astype(np.int64)
            s = np.where(wi == 1, (a + 1) / (b + 1), w - (b - a) * (H[bi + wi] - H[bi]))
            s[wi == 0] = 0.0
            if rule == "non_interpolated":
                ap = _segment_sums(s, tp_bounds) / num_gt
            else:  # trapezoids from (recall 0, precision 1): per copy (p_j + p_{j-1}) / 2 / G
                p0 = np.where(b > 0, a / np.where(b > 0, b, 1), 1.0)
                pw = tp_incl / np.maximum(n_incl, 1)
                ap = _segment_sums(np.where(wi > 0, 2 * s - pw + p0, 0.0), tp_bounds) / (2 * num_gt)
    return np.where(num_gt > 0, ap, np.nan)


def resampled_ap(m: MatchTable, weights: np.ndarray, progress=None) -> np.ndarray:
    """(B, C, K) AP for each resample's video multiplicities ``weights`` (B, U); NaN where a class has
    no ground truth in the resample.

    The multiplicity of a detection is its video's (1 for videos outside the evaluated set); its
    copies are ranked where it is. All weights 1 gives :func:`full_sample_ap` (in float64: ACT's
    float32 sums differ by ~1e-7). ``progress(n)`` is called after each chunk of ``n`` resamples.
    Per chunk, one cumulative count over all detections; the rest runs on true positives only.

    Examples
    --------
    >>> m = MatchTable("t", "non_interpolated", np.array([0.5]), ("x",), ("a", "b"), np.array([0, 0]),
    ...                np.array([0, 1]), np.array([[False, True]]), np.zeros((1, 2), bool), np.array([[1, 1]]))
    >>> resampled_ap(m, np.array([[1, 1], [0, 2], [2, 0]]))[:, 0, 0].tolist()
    [0.25, 1.0, 0.0]
    """
    if m.ap_rule not in _AP_RULES:
        raise ValueError(f"unknown AP rule {m.ap_rule!r}")
    weights = np.asarray(weights)
    n_res, n_units = weights.shape
    if n_units != len(m.videos):
        raise ValueError(f"weights have {n_units} columns, the match table {len(m.videos)} videos")
    n_cls = len(m.classes)
    bounds = np.searchsorted(m.det_cls, np.arange(n_cls + 1))
    out = np.empty((n_res, n_cls, len(m.thresholds)))
    unit = np.where(m.det_unit >= 0, m.det_unit, n_units)
    # per threshold: true-positive positions, their classes, the ignored positions before each
    per_k = []
    for k in range(len(m.thresholds)):
        tp_pos = np.flatnonzero(m.is_tp[k])
        cls = m.det_cls[tp_pos]
        tp_bounds = np.searchsorted(cls, np.arange(n_cls + 1))
        ign = np.flatnonzero(m.ignored[k])
        ign_to = np.searchsorted(ign, tp_pos, side="right")  # ignored rows ranked before (or at) each TP
        ign_from = np.searchsorted(ign, bounds[:-1], side="left")[cls]  # ... before its class starts
        per_k.append((tp_pos, cls, tp_bounds, ign, ign_to, ign_from))
    step = max(1, _CHUNK_ELEMENTS // max(len(unit), 1))
    for lo in range(0, n_res, step):
        wv = weights[lo:lo + step].astype(np.float32)
        num_gt = wv.astype(np.float64) @ m.gt_count.T.astype(np.float64)  # (b, C)
        wd = np.concatenate([wv, np.ones((len(wv), 1), np.float32)], axis=1)[:, unit]  # (b, N)
        ranked = np.cumsum(wd, axis=1)  # exact in float32 below 2**24 detections
        ranked = np.concatenate([np.zeros((len(wv), 1), np.float32), ranked], axis=1)
        for k, (tp_pos, cls, tp_bounds, ign, ign_to, ign_from) in enumerate(per_k):
            w = wd[:, tp_pos]
            n_incl = ranked[:, tp_pos + 1] - ranked[:, bounds[:-1][cls]]  # exact integers in float32
            n_incl = n_incl.astype(np.float64)
            if len(ign):
                ics = np.concatenate([np.zeros((len(wv), 1)), np.cumsum(wd[:, ign], axis=1, dtype=np.float64)], axis=1)
                n_incl -= ics[:, ign_to] - ics[:, ign_from]
            tp_incl = _restart(np.cumsum(w, axis=1, dtype=np.float64), tp_bounds[:-1], cls)
            out[lo:lo + step, :, k] = _tp_ap(m.ap_rule, tp_incl, n_incl, w.astype(np.float64), cls, tp_bounds,
                                             num_gt)
        if progress is not None:
            progress(len(wv))
    return out


def resampled_corloc(c: CorLocCounts, weights: np.ndarray) -> np.ndarray:
    """(B, C, K) CorLoc per resample: weighted localized units over weighted units (NaN: no unit).

    Examples
    --------
    >>> c = CorLocCounts(np.array([0.5]), ("x",), ("a", "b"), np.array([[[1.0], [0.0]]]), np.array([[1.0, 1.0]]))
    >>> resampled_corloc(c, np.array([[1, 1], [2, 0]]))[:, 0, 0].tolist()
    [0.5, 1.0]
    """
    weights = np.asarray(weights, dtype=np.float64)
    units = weights @ c.units.T  # (B, C)
    hits = np.einsum("bu,cuk->bck", weights, c.hits)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(units[:, :, None] > 0, hits / units[:, :, None], np.nan)


def class_mean(values: np.ndarray) -> np.ndarray:
    """Mean over the class axis (-2) of the classes present (not NaN), as mAP and mean CorLoc do.

    Examples
    --------
    >>> class_mean(np.array([[[0.5], [np.nan], [1.0]]])).tolist()
    [[0.75]]
    """
    present = ~np.isnan(values)
    n = present.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.where(present, values, 0.0).sum(axis=-2) / n, np.nan)


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the resample axis (0): the (1-level)/2 and (1+level)/2 quantiles
    (numpy's linear interpolation), NaN resamples left out.

    Examples
    --------
    >>> lo, hi = percentile_interval(np.arange(101.0)[:, None])
    >>> np.round(lo, 9).tolist(), np.round(hi, 9).tolist()
    ([2.5], [97.5])
    """
    samples = np.asarray(samples, dtype=np.float64)
    q = [(1 - level) / 2, (1 + level) / 2]
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        lo, hi = np.nanquantile(samples, q, axis=0)
    return lo, hi


def paired_p_value(delta_samples: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p-value of a paired difference: ``min(1, 2 min(P(D <= 0), P(D >= 0)))``
    over the resamples (axis 0; NaN resamples left out).

    Examples
    --------
    >>> paired_p_value(np.zeros((10, 1))).tolist(), paired_p_value(np.arange(1.0, 11.0)[:, None]).tolist()
    ([1.0], [0.0])
    """
    d = np.asarray(delta_samples, dtype=np.float64)
    valid = ~np.isnan(d)
    n = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        le = ((d <= 0) & valid).sum(axis=0) / n
        ge = ((d >= 0) & valid).sum(axis=0) / n
        return np.where(n > 0, np.minimum(1.0, 2 * np.minimum(le, ge)), np.nan)


__all__ = ["SUPPORTED", "MatchTable", "CorLocCounts", "match_temporal", "temporal_corloc_counts", "match_frames",
           "frame_corloc_counts", "match_tubes", "video_weights", "full_sample_ap", "resampled_ap",
           "resampled_corloc", "class_mean", "percentile_interval", "paired_p_value"]
