"""Frame-AP on per-frame boxes (UCF101-24 style) under three official conventions: voc, act, coco.

All three share one greedy matcher: detections of a class, in score order, each take the
best-IoU still-unmatched ground-truth box of their class in their frame if that IoU >= t. They
differ in IoU arithmetic, tie rule, per-image truncation and AP integration (see
``docs/protocols/spatial.md``). The matcher is vectorised: boxes are grouped by integer
(class, video, frame) keys, every candidate IoU is computed in one pass, and the greedy is resolved
in "rounds" (the k-th eligible detection of every frame at once), so only frames where several
detections compete for several boxes take more than one round. Frame CorLoc (``frame_corloc``)
shares the grouping code.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotations.errors import InputError
from annotations.types import FrameBoxes
from evaluators.ap import ap_all_point, precision_recall
from evaluators.box_iou import iou_pairs
from evaluators.results import APResult, CorLocResult

UNKNOWN_VIDEO_MODES = ("error", "fp", "drop")


@dataclass(frozen=True)
class FrameProtocol:
    """What distinguishes the frame-AP conventions."""

    name: str
    iou_convention: str  # see evaluators.box_iou
    tie: str  # among equal best IoUs: "first" (np.argmax, ACT/VOC) or "last" (COCOeval's >= scan)
    max_dets_per_image: int | None  # COCOeval maxDets (per image and category), None = no limit
    ap: str  # "all_point", "trapezoid_f32" or "coco101"
    rank_by_image: bool  # equal scores ordered by image (COCO accumulate) rather than input order


PROTOCOLS = {
    "voc": FrameProtocol("voc", "continuous", "first", None, "all_point", False),
    "act": FrameProtocol("act", "plus_one", "first", None, "trapezoid_f32", False),
    "coco": FrameProtocol("coco", "coco", "last", 100, "coco101", True),
}


# ---------------------------------------------------------------------------------------------- AP

def ap_trapezoid_float32(is_tp: np.ndarray, num_gt: int) -> float:
    """ACT's ``pr_to_ap`` exactly: PR stored as float32 from (recall 0, precision 1), trapezoids summed in float32."""
    if num_gt <= 0:
        return float("nan")
    precision, recall = precision_recall(is_tp, num_gt)
    pr = np.empty((len(precision) + 1, 2), dtype=np.float32)
    pr[0] = (1.0, 0.0)
    pr[1:, 0] = precision
    pr[1:, 1] = recall
    return float(np.sum((pr[1:, 1] - pr[:-1, 1]) * (pr[1:, 0] + pr[:-1, 0]) * np.float32(0.5)))


_REC_THRS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1)


def ap_coco101_exact(is_tp: np.ndarray, num_gt: int) -> float:
    """COCOeval.accumulate's 101-point AP with its exact float operations (``tp + fp + spacing(1)``)."""
    if num_gt <= 0:
        return float("nan")
    is_tp = np.asarray(is_tp, dtype=bool)
    tp = np.cumsum(is_tp).astype(float)
    fp = np.cumsum(~is_tp).astype(float)
    q = np.zeros(len(_REC_THRS))
    if len(tp):
        rc = tp / num_gt
        pr = tp / (fp + tp + np.spacing(1))
        pr = np.maximum.accumulate(pr[::-1])[::-1]
        inds = np.searchsorted(rc, _REC_THRS, side="left")
        valid = inds < len(pr)
        q[valid] = pr[inds[valid]]
    return float(np.mean(q))


AP_BY_NAME = {"all_point": ap_all_point, "trapezoid_f32": ap_trapezoid_float32, "coco101": ap_coco101_exact}


# ---------------------------------------------------------------------------------------------- input

def _codes(values: np.ndarray, names: list[str]) -> np.ndarray:
    """Index of each string of ``values`` in ``names`` (which must contain them all), vectorised.

    Runs of equal consecutive values are looked up once, then a binary search over the sorted names.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    heads = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    names_arr = np.asarray(names, dtype=str)
    perm = np.argsort(names_arr, kind="stable")
    head_codes = perm[np.searchsorted(names_arr[perm], values[heads])]
    return np.repeat(head_codes.astype(np.int64), np.diff(np.r_[heads, n]))


def _distinct(values: np.ndarray) -> set:
    """Set of the strings in ``values`` (cheap when equal values come in runs)."""
    if len(values) == 0:
        return set()
    return set(values[np.flatnonzero(np.r_[True, values[1:] != values[:-1]])].tolist())


def _check_inverted(boxes: FrameBoxes, what: str) -> None:
    b = boxes.boxes_xyxy
    bad = (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1]) | ~np.all(np.isfinite(b), axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(boxes.source or None, f"row {i}",
                         f"{what} box {b[i].tolist()} of {boxes.video[i]} frame {boxes.frame_idx[i]} is "
                         f"inverted or not finite (need x2 >= x1, y2 >= y1)")


def resolve_classes(gt: FrameBoxes, detections: FrameBoxes, classes) -> tuple[str, ...]:
    """The evaluated class list: ``classes`` if given (every label must be in it), else all labels sorted."""
    if classes is None:
        return tuple(sorted(set(gt.label.tolist()) | set(detections.label.tolist())))
    classes = tuple(classes)
    known = set(classes)
    for boxes, what in ((gt, "ground truth"), (detections, "detections")):
        unknown = sorted(set(boxes.label.tolist()) - known)
        if unknown:
            raise InputError(boxes.source or None, None, f"{what} use unknown class name(s) {unknown[:5]} "
                             f"(not among the {len(classes)} evaluated classes)")
    return classes


def filter_unknown_videos(gt: FrameBoxes, detections: FrameBoxes, mode: str) -> tuple[FrameBoxes, tuple[str, ...]]:
    """Apply ``unknown_videos`` to detections in videos outside ``gt.videos``: error, keep as FP, or drop."""
    if mode not in UNKNOWN_VIDEO_MODES:
        raise ValueError(f"unknown_videos must be one of {UNKNOWN_VIDEO_MODES}, got {mode!r}")
    if len(detections) == 0:
        return detections, ()
    outside = np.array(sorted(_distinct(detections.video) - set(gt.videos)), dtype=str)
    if len(outside) == 0:
        return detections, ()
    mask = np.isin(detections.video, outside)
    n, m = int(mask.sum()), len(outside)
    names = ", ".join(outside[:3].tolist()) + (", ..." if m > 3 else "")
    if mode == "error":
        raise InputError(detections.source or None, None,
                         f"{n} detections in {m} video(s) absent from the ground truth ({names}); "
                         f"pass unknown_videos='fp' to count them as false positives or 'drop' to ignore them")
    if mode == "fp":
        return detections, (f"{n} detections in {m} video(s) absent from the ground truth ({names}) "
                            f"counted as false positives",)
    return detections.select(~mask), (f"{n} detections in {m} video(s) absent from the ground truth ({names}) dropped",)


@dataclass(frozen=True)
class FrameProblem:
    """Ground truth and detections as integer-keyed arrays, grouped by (class, video, frame)."""

    classes: tuple[str, ...]
    gt_cls: np.ndarray
    gt_key: np.ndarray  # (Ng,) group key, sorted ascending (GT rows reordered stably)
    gt_boxes: np.ndarray
    det_cls: np.ndarray
    det_vid: np.ndarray  # video code, codes in sorted-name order (= COCO image order)
    det_frame: np.ndarray
    det_key: np.ndarray
    det_score: np.ndarray
    det_boxes: np.ndarray
    det_index: np.ndarray  # row of each kept detection in the caller's FrameBoxes


def build_problem(gt: FrameBoxes, detections: FrameBoxes, classes: tuple[str, ...]) -> FrameProblem:
    """Integer-encode classes, videos and frames and sort ground truth by (class, video, frame)."""
    names = sorted(set(gt.videos) | _distinct(gt.video) | _distinct(detections.video))
    n_frames = int(max(gt.frame_idx.max(initial=-1), detections.frame_idx.max(initial=-1))) + 1
    n_videos = max(len(names), 1)

    def key(cls, vid, frame):
        return (cls * n_videos + vid) * n_frames + frame

    g_cls, g_vid = _codes(gt.label, classes), _codes(gt.video, names)
    g_key = key(g_cls, g_vid, gt.frame_idx)
    order = np.argsort(g_key, kind="stable")
    d_cls, d_vid = _codes(detections.label, classes), _codes(detections.video, names)
    return FrameProblem(classes, g_cls[order], g_key[order], gt.boxes_xyxy[order],
                        d_cls, d_vid, detections.frame_idx, key(d_cls, d_vid, detections.frame_idx),
                        detections.score, detections.boxes_xyxy, np.arange(len(detections)))


def truncate_per_image(prob: FrameProblem, max_dets: int) -> FrameProblem:
    """Keep the ``max_dets`` best-scoring detections of each (image, class), as COCOeval's maxDets does."""
    n = len(prob.det_key)
    order = np.lexsort((np.arange(n), -prob.det_score, prob.det_key))
    k = prob.det_key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    if np.all(rank < max_dets):
        return prob
    keep = np.sort(order[rank < max_dets])
    return FrameProblem(prob.classes, prob.gt_cls, prob.gt_key, prob.gt_boxes, prob.det_cls[keep],
                        prob.det_vid[keep], prob.det_frame[keep], prob.det_key[keep], prob.det_score[keep],
                        prob.det_boxes[keep], prob.det_index[keep])


# ---------------------------------------------------------------------------------------------- matching

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


def greedy_match_groups(det_key: np.ndarray, det_score: np.ndarray, gt_key: np.ndarray, pair_iou_fn,
                        thresholds: np.ndarray, tie: str = "first", cap_threshold: bool = False) -> np.ndarray:
    """(K, Nd) bool: greedy matching of detections to ground truth within groups of equal key.

    ``gt_key`` must be sorted. In each group, detections in score order (ties: input order) take
    the best still-unmatched ground truth if its IoU >= t (``min(t, 1 - 1e-10)`` with
    ``cap_threshold``, as COCOeval). ``pair_iou_fn(det_rows, gt_rows)`` gives the IoU of aligned pairs.

    Only "eligible" detections (IoU >= t with some ground truth of the group) can match; the others
    are FPs and leave the state unchanged, so they are skipped. Round r resolves the r-th eligible
    detection of every still-open group at once; one round settles every single-box group.
    """
    nd = len(det_key)
    is_tp = np.zeros((len(thresholds), nd), dtype=bool)
    if nd == 0 or len(gt_key) == 0:
        return is_tp
    ukeys, gstart = np.unique(gt_key, return_index=True)
    gcount = np.diff(np.r_[gstart, len(gt_key)])
    order = np.lexsort((np.arange(nd), -det_score, det_key))  # group, score desc, input order
    pos = np.searchsorted(ukeys, det_key[order])
    has = pos < len(ukeys)
    has[has] = ukeys[pos[has]] == det_key[order][has]
    paired = order[has]  # detection rows with ground truth in their group
    if len(paired) == 0:
        return is_tp
    grp = pos[has]
    cnt = gcount[grp]
    pstart = np.r_[0, np.cumsum(cnt)[:-1]]
    pair_gt = np.repeat(gstart[grp], cnt) + (np.arange(cnt.sum()) - np.repeat(pstart, cnt))
    pair_iou = np.asarray(pair_iou_fn(np.repeat(paired, cnt), pair_gt), dtype=np.float64)

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
        remaining = gcount[cgrp[run_start]].copy()
        ptr = run_start.copy()
        active = np.arange(len(run_start))
        gt_used = np.zeros(len(gt_key), dtype=bool)
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


def greedy_match(prob: FrameProblem, thresholds: np.ndarray, protocol: FrameProtocol) -> np.ndarray:
    """(K, Nd) bool: true positives of each detection of ``prob`` at each threshold under ``protocol``."""
    def pair_iou(det_rows, gt_rows):
        return iou_pairs(prob.det_boxes[det_rows], prob.gt_boxes[gt_rows], protocol.iou_convention)

    return greedy_match_groups(prob.det_key, prob.det_score, prob.gt_key, pair_iou, thresholds,
                               protocol.tie, cap_threshold=protocol.name == "coco")


def rank_order(prob: FrameProblem, protocol: FrameProtocol) -> np.ndarray:
    """Detections sorted by class, then score desc; ties by image (COCO) then input order."""
    n = len(prob.det_key)
    if protocol.rank_by_image:
        return np.lexsort((prob.det_index, prob.det_frame, prob.det_vid, -prob.det_score, prob.det_cls))
    return np.lexsort((np.arange(n), -prob.det_score, prob.det_cls))


# ---------------------------------------------------------------------------------------------- API

def frame_ap(gt: FrameBoxes, detections: FrameBoxes, iou_thresholds=(0.05, 0.1, 0.2, 0.3), protocol: str = "voc",
             classes=None, unknown_videos: str = "error", return_curves: bool = False) -> APResult:
    """Frame-AP per class and IoU threshold under ``protocol`` "voc", "act" or "coco".

    Detections in frames without ground truth of their class are false positives; a class with
    ground truth but no detections has AP 0; a class without ground truth has AP NaN (not in the mean).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {tuple(PROTOCOLS)}, got {protocol!r}")
    spec = PROTOCOLS[protocol]
    thresholds = np.asarray(iou_thresholds, dtype=np.float64).reshape(-1)
    if len(thresholds) == 0 or not np.all((thresholds >= 0) & (thresholds <= 1)):
        raise ValueError(f"IoU thresholds must be in [0, 1], got {thresholds.tolist()}")
    if detections.score is None:
        raise InputError(detections.source or None, None, "detections have no score column")
    if not np.all(np.isfinite(detections.score)):
        i = int(np.flatnonzero(~np.isfinite(detections.score))[0])
        raise InputError(detections.source or None, f"row {i}", "score is NaN or infinite")
    _check_inverted(gt, "ground-truth")
    _check_inverted(detections, "detection")
    classes = resolve_classes(gt, detections, classes)
    detections, warnings = filter_unknown_videos(gt, detections, unknown_videos)

    prob = build_problem(gt, detections, classes)
    if spec.max_dets_per_image is not None:
        prob = truncate_per_image(prob, spec.max_dets_per_image)
    is_tp = greedy_match(prob, thresholds, spec)
    order = rank_order(prob, spec)
    ranked_cls = prob.det_cls[order]
    bounds = np.searchsorted(ranked_cls, np.arange(len(classes) + 1))
    num_gt = np.bincount(prob.gt_cls, minlength=len(classes)).astype(np.int64)
    num_det = np.diff(bounds).astype(np.int64)
    ap_fn = AP_BY_NAME[spec.ap]
    ap = np.full((len(classes), len(thresholds)), np.nan)
    curves = [[None] * len(classes) for _ in thresholds] if return_curves else None
    for c in range(len(classes)):
        rows = order[bounds[c]:bounds[c + 1]]
        for k in range(len(thresholds)):
            tp_c = is_tp[k, rows]
            ap[c, k] = ap_fn(tp_c, int(num_gt[c]))
            if return_curves:
                precision, recall = precision_recall(tp_c, int(num_gt[c]))
                curves[k][c] = (recall, precision)
    extra = {"iou_convention": spec.iou_convention, "ap_integration": spec.ap}
    if spec.max_dets_per_image is not None:
        extra["max_dets_per_image"] = spec.max_dets_per_image
    return APResult(f"frame-ap/{protocol}", thresholds, classes, ap, num_gt, num_det, curves, warnings, extra)


def frame_corloc(gt: FrameBoxes, detections: FrameBoxes, iou_thresholds=(0.5,), classes=None,
                 unknown_videos: str = "error") -> CorLocResult:
    """Per-class and mean spatial CorLoc at each IoU threshold, unit "frame".

    A unit is one (video, frame, class) with ground truth; it is localized at t if the
    highest-scoring detection of that class in that frame (equal scores: the earlier row) has
    continuous IoU >= t with any ground-truth box of the class there. No detection: not localized.
    Mean = mean of per-class CorLoc. Detections in unknown videos cannot touch a unit; "error"
    still refuses them, as frame_ap does.
    """
    thresholds = np.asarray(iou_thresholds, dtype=np.float64).reshape(-1)
    if len(thresholds) == 0 or not np.all((thresholds >= 0) & (thresholds <= 1)):
        raise ValueError(f"IoU thresholds must be in [0, 1], got {thresholds.tolist()}")
    if detections.score is None:
        raise InputError(detections.source or None, None, "detections have no score column")
    _check_inverted(gt, "ground-truth")
    _check_inverted(detections, "detection")
    classes = resolve_classes(gt, detections, classes)
    detections, _ = filter_unknown_videos(gt, detections, unknown_videos)
    prob = build_problem(gt, detections, classes)

    unit_keys, unit_start = np.unique(prob.gt_key, return_index=True)
    unit_cls = prob.gt_cls[unit_start]
    unit_len = np.diff(np.r_[unit_start, len(prob.gt_key)])
    # top detection of every (class, video, frame): first of each key run in (key, -score, row) order
    nd = len(prob.det_key)
    order = np.lexsort((np.arange(nd), -prob.det_score, prob.det_key))
    dk = prob.det_key[order]
    heads = order[np.flatnonzero(np.r_[True, dk[1:] != dk[:-1]])] if nd else np.zeros(0, np.int64)
    head_keys = prob.det_key[heads]
    pos = np.searchsorted(head_keys, unit_keys)
    has_det = pos < len(head_keys)
    has_det[has_det] = head_keys[pos[has_det]] == unit_keys[has_det]

    best_iou = np.full(len(unit_keys), -np.inf)
    if has_det.any():
        units = np.flatnonzero(has_det)
        top = heads[pos[units]]
        rows = np.repeat(unit_start[units], unit_len[units]) + (
            np.arange(unit_len[units].sum()) - np.repeat(np.r_[0, np.cumsum(unit_len[units])[:-1]], unit_len[units]))
        ious = iou_pairs(np.repeat(prob.det_boxes[top], unit_len[units], axis=0), prob.gt_boxes[rows], "continuous")
        best_iou[units] = np.maximum.reduceat(ious, np.r_[0, np.cumsum(unit_len[units])[:-1]])

    num_units = np.bincount(unit_cls, minlength=len(classes)).astype(np.int64)
    corloc = np.full((len(classes), len(thresholds)), np.nan)
    for k, t in enumerate(thresholds):
        hits = np.bincount(unit_cls, weights=(best_iou >= t).astype(np.float64), minlength=len(classes))
        valid = num_units > 0
        corloc[valid, k] = hits[valid] / num_units[valid]
    return CorLocResult("frame", thresholds, classes, corloc, num_units)


__all__ = ["PROTOCOLS", "FrameProtocol", "frame_ap", "frame_corloc", "greedy_match_groups", "ap_trapezoid_float32",
           "ap_coco101_exact", "resolve_classes", "filter_unknown_videos", "build_problem"]
