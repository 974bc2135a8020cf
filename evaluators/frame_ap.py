"""Frame-AP on per-frame boxes (UCF101-24 style) under three official conventions: voc, act, coco;
and frame CorLoc.

All three AP conventions share one greedy matcher (:mod:`evaluators.matching`): detections of a
class, in score order, each take the best-IoU still-unmatched ground-truth box of their class in
their frame if that IoU >= t. They differ in IoU arithmetic, tie rule, per-image truncation and AP
integration (see ``docs/protocols/spatial.md``). Ground truth and detections are integer-encoded
once (class, video, frame -> one int64 key) and grouped once; :func:`frame_ap` and
:func:`frame_corloc` called on the same two objects share that work.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from annotations.errors import InputError
from annotations.types import FrameBoxes
from evaluators.ap import AP_FUNCTIONS, ap_coco101_exact, ap_trapezoid_float32, precision_recall  # noqa: F401
from evaluators.box_checks import check_frames, check_inside_frame, check_inverted
from evaluators.box_iou import iou_pairs
from evaluators.matching import GroupPairs, greedy_match_groups, greedy_match_pairs, group_pairs, score_order  # noqa: F401
from evaluators.results import APResult, CorLocResult
from evaluators.unknown_videos import UNKNOWN_VIDEO_MODES, apply_unknown_video_policy


@dataclass(frozen=True)
class FrameProtocol:
    """What distinguishes the frame-AP conventions."""

    name: str
    iou_convention: str  # see evaluators.box_iou
    tie: str  # among equal best IoUs: "first" (np.argmax, ACT/VOC) or "last" (COCOeval's >= scan)
    max_dets_per_image: int | None  # COCOeval maxDets (per image and category), None = no limit
    ap: str  # a key of evaluators.ap.AP_FUNCTIONS
    rank_by_image: bool  # equal scores ordered by image (COCO accumulate) rather than input order


PROTOCOLS = {
    "voc": FrameProtocol("voc", "continuous", "first", None, "all_point", False),
    "act": FrameProtocol("act", "plus_one", "first", None, "trapezoid_f32", False),
    "coco": FrameProtocol("coco", "coco", "last", 100, "coco101", True),
}


# ---------------------------------------------------------------------------------------------- input

def _encode(boxes: FrameBoxes, column: str) -> tuple[np.ndarray, list]:
    """:func:`_factorize` of ``boxes.<column>``, reusing the codes a reader attached (``_factorized``)."""
    values = getattr(boxes, column)
    known = getattr(boxes, "_factorized", {}).get(column)
    if known is not None and len(known[0]) == len(values):
        return known
    return _factorize(values)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list]:
    """(int64 code of each value, distinct values in first-seen order); one dict lookup per run of equal values.

    When pandas is already loaded (the readers use it) its hash table does the work; evaluators never
    import pandas themselves.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    pd = sys.modules.get("pandas")
    if pd is not None and n > 1000:
        codes, uniques = pd.factorize(values)
        return codes.astype(np.int64, copy=False), [str(u) for u in uniques]
    heads = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    head_values = values[heads].tolist()
    names = list(dict.fromkeys(head_values))
    lookup = {v: i for i, v in enumerate(names)}
    head_codes = np.fromiter(map(lookup.__getitem__, head_values), np.int64, len(heads))
    if len(heads) == n:
        return head_codes, names
    return np.repeat(head_codes, np.diff(np.r_[heads, n])), names


def check_thresholds(iou_thresholds, name: str = "iou_thresholds") -> np.ndarray:
    """(K,) float64 thresholds, each in [0, 1]; InputError naming ``name`` otherwise.

    Examples
    --------
    >>> check_thresholds([0.5, 0.75]).tolist()
    [0.5, 0.75]
    """
    try:
        thresholds = np.asarray(iou_thresholds, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(None, name, f"expected numbers in [0, 1], got {iou_thresholds!r}") from None
    if len(thresholds) == 0 or not np.all((thresholds >= 0) & (thresholds <= 1)):
        raise InputError(None, name, f"thresholds must be in [0, 1], got {thresholds.tolist()}")
    return thresholds


def _check_choice(value, allowed, name: str) -> None:
    if value not in allowed:
        raise InputError(None, name, f"unknown value {value!r} (choose from {', '.join(map(str, allowed))})")


def resolve_classes(gt: FrameBoxes, detections: FrameBoxes, classes, _labels=None) -> tuple[str, ...]:
    """The evaluated class list: ``classes`` if given (every label must be in it), else all labels sorted.

    Examples
    --------
    >>> import numpy as np
    >>> gt = FrameBoxes(["v"], [0], ["b"], [[0, 0, 1, 1]])
    >>> resolve_classes(gt, FrameBoxes(["v"], [0], ["a"], [[0, 0, 1, 1]], [0.5]), None)
    ('a', 'b')
    """
    gt_labels, det_labels = _labels if _labels is not None else (_factorize(gt.label)[1], _factorize(detections.label)[1])
    labels = {"ground truth": set(gt_labels), "detections": set(det_labels)}
    if classes is None:
        return tuple(sorted(labels["ground truth"] | labels["detections"]))
    classes = tuple(classes)
    known = set(classes)
    for (what, found), boxes in zip(labels.items(), (gt, detections)):
        unknown = sorted(found - known)
        if unknown:
            raise InputError(boxes.source or None, None, f"{what} use unknown class name(s) {unknown[:5]} "
                             f"(not among the {len(classes)} evaluated classes)")
    return classes


@dataclass(frozen=True)
class FrameProblem:
    """Ground truth and detections as integer-keyed arrays, grouped by (class, video, frame)."""

    classes: tuple[str, ...]
    gt_cls: np.ndarray  # (Ng,) class code, GT rows reordered stably by key
    gt_key: np.ndarray  # (Ng,) group key, sorted ascending
    gt_boxes: np.ndarray  # (Ng, 4)
    det_cls: np.ndarray  # (Nd,)
    det_vid: np.ndarray  # (Nd,) video code, codes in sorted-name order (= COCO image order)
    det_frame: np.ndarray
    det_key: np.ndarray
    det_score: np.ndarray
    det_boxes: np.ndarray
    det_index: np.ndarray  # row of each kept detection in the caller's FrameBoxes
    num_gt_frames: int = 0  # distinct (video, frame) with ground truth


def _recode(codes: np.ndarray, found: list, names_sorted: list) -> np.ndarray:
    """Codes relative to ``found`` turned into positions in ``names_sorted`` (which holds every name)."""
    lookup = {n: i for i, n in enumerate(names_sorted)}
    remap = np.array([lookup[n] for n in found], dtype=np.int64)
    return remap[codes] if len(codes) else np.zeros(0, np.int64)


def build_problem(gt: FrameBoxes, detections: FrameBoxes, classes: tuple[str, ...], _encoded=None) -> FrameProblem:
    """Integer-encode classes, videos and frames and sort ground truth by (class, video, frame).

    Examples
    --------
    >>> gt = FrameBoxes(["v", "v"], [3, 1], ["a", "a"], [[0, 0, 1, 1]] * 2)
    >>> build_problem(gt, FrameBoxes(["v"], [1], ["a"], [[0, 0, 1, 1]], [0.5]), ("a",)).gt_key.tolist()
    [1, 3]
    """
    if _encoded is None:
        _encoded = tuple(_factorize(a) for a in (gt.video, gt.label, detections.video, detections.label))
    (g_vc, g_vn), (g_lc, g_ln), (d_vc, d_vn), (d_lc, d_ln) = _encoded
    names = sorted(set(gt.videos) | set(g_vn) | set(d_vn))
    g_vid, d_vid = _recode(g_vc, g_vn, names), _recode(d_vc, d_vn, names)
    n_frames = int(max(gt.frame_idx.max(initial=-1), detections.frame_idx.max(initial=-1))) + 1
    n_videos = max(len(names), 1)

    def key(cls, vid, frame):
        return (cls * n_videos + vid) * n_frames + frame

    g_cls = _recode(g_lc, g_ln, list(classes))
    g_key = key(g_cls, g_vid, gt.frame_idx)
    order = np.argsort(g_key, kind="stable")
    d_cls = _recode(d_lc, d_ln, list(classes))
    vf = np.sort(g_vid * n_frames + gt.frame_idx)
    num_frames = int(np.count_nonzero(vf[1:] != vf[:-1])) + 1 if len(vf) else 0
    return FrameProblem(classes, g_cls[order], g_key[order], gt.boxes_xyxy[order],
                        d_cls, d_vid, detections.frame_idx, key(d_cls, d_vid, detections.frame_idx),
                        detections.score, detections.boxes_xyxy, np.arange(len(detections)), num_frames)


def truncate_per_image(prob: FrameProblem, max_dets: int) -> FrameProblem:
    """Keep the ``max_dets`` best-scoring detections of each (image, class), as COCOeval's maxDets does.

    Examples
    --------
    >>> gt = FrameBoxes(["v"], [0], ["a"], [[0, 0, 1, 1]])
    >>> prob = build_problem(gt, FrameBoxes(["v"] * 3, [0] * 3, ["a"] * 3, [[0, 0, 1, 1]] * 3, [1, 3, 2]), ("a",))
    >>> truncate_per_image(prob, 2).det_score.tolist()
    [3.0, 2.0]
    """
    n = len(prob.det_key)
    order = score_order(prob.det_key, prob.det_score)
    k = prob.det_key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    if np.all(rank < max_dets):
        return prob
    keep = np.sort(order[rank < max_dets])
    return FrameProblem(prob.classes, prob.gt_cls, prob.gt_key, prob.gt_boxes, prob.det_cls[keep],
                        prob.det_vid[keep], prob.det_frame[keep], prob.det_key[keep], prob.det_score[keep],
                        prob.det_boxes[keep], prob.det_index[keep], prob.num_gt_frames)


@dataclass
class _Prepared:
    """Checked, encoded and grouped input shared by frame_ap and frame_corloc."""

    prob: FrameProblem
    warnings: tuple[str, ...]
    counts: dict
    pairs: dict  # GroupPairs by detection set: "all", or "max100" after COCO's per-image cut


#: small LRU cache of (key, (gt, detections, video_info), prepared), newest last; the inputs are held so that
#: their ids stay unique. It lets frame_ap (any protocol) and frame_corloc on the same inputs share the
#: checks, encoding and grouping, for a few methods evaluated side by side.
_CACHE: list = []
_CACHE_SIZE = 6


def _prepare(gt: FrameBoxes, detections: FrameBoxes, classes, unknown_videos: str,
             video_info: Mapping | None) -> _Prepared:
    """Validate, apply the unknown-video policy, run the sanity checks and integer-encode (cached)."""
    key = (id(gt), id(detections), None if classes is None else tuple(classes), unknown_videos, id(video_info))
    for i, entry in enumerate(_CACHE):
        if entry[0] == key:
            _CACHE.append(_CACHE.pop(i))
            return entry[-1]
    _check_choice(unknown_videos, UNKNOWN_VIDEO_MODES, "unknown_videos")
    held = (gt, detections, video_info)
    if detections.score is None:
        raise InputError(detections.source or None, None, "detections have no score column")
    if not np.all(np.isfinite(detections.score)):
        i = int(np.flatnonzero(~np.isfinite(detections.score))[0])
        raise InputError(detections.source or None, f"row {i}", "score is NaN or infinite")
    g_v, g_l, d_v, d_l = (_encode(b, c) for b in (gt, detections) for c in ("video", "label"))
    classes = resolve_classes(gt, detections, classes, (g_l[1], d_l[1]))
    warnings: list[str] = []
    det_vcodes, det_vnames = d_v
    lines = getattr(detections, "_lines", None)  # the reader's line numbers, for messages
    if video_info is not None:  # frame ranges and frame sizes of the detections' videos
        check_frames(det_vcodes, det_vnames, detections.frame_idx, video_info, "detection", detections.source or None,
                     lines)
    width = height = None
    if video_info is not None and len(detections):
        width = np.array([getattr(video_info.get(n), "width", None) or np.nan for n in det_vnames])[det_vcodes]
        height = np.array([getattr(video_info.get(n), "height", None) or np.nan for n in det_vnames])[det_vcodes]
    check_inverted(gt.boxes_xyxy, gt.video, gt.frame_idx, "ground-truth", gt.source or None)
    check_inverted(detections.boxes_xyxy, detections.video, detections.frame_idx, "detection",
                   detections.source or None, width, height, lines)
    if video_info is not None:
        warnings += check_inside_frame(det_vcodes, det_vnames, detections.boxes_xyxy, video_info, "detection",
                                       detections.source or None)
    known = set(gt.videos)
    unknown_names = [n for n in det_vnames if n not in known]
    if unknown_names:
        is_unknown = np.isin(det_vcodes, [i for i, n in enumerate(det_vnames) if n not in known])
        keep_unknown, notes = apply_unknown_video_policy(detections.video[is_unknown], tuple(gt.videos),
                                                         unknown_videos, detections.source or None)
        warnings += notes
        if keep_unknown is not None:
            keep = np.ones(len(detections), dtype=bool)
            keep[np.flatnonzero(is_unknown)[~keep_unknown]] = False
            detections = detections.select(keep)
            d_v, d_l = (d_v[0][keep], d_v[1]), (d_l[0][keep], d_l[1])
    prob = build_problem(gt, detections, classes, (g_v, g_l, d_v, d_l))
    counts = {"num_videos": len(gt.videos), "num_gt": int(len(gt)), "num_frames": int(prob.num_gt_frames),
              "num_detections": int(len(detections))}
    prepared = _Prepared(prob, tuple(warnings), counts, {})
    _CACHE.append((key, held, prepared))
    del _CACHE[:-_CACHE_SIZE]
    return prepared


def _pairs_of(prep: _Prepared, prob: FrameProblem, tag: str) -> GroupPairs:
    if tag not in prep.pairs:
        prep.pairs[tag] = group_pairs(prob.det_key, prob.det_score, prob.gt_key)
    return prep.pairs[tag]


# ---------------------------------------------------------------------------------------------- matching

def greedy_match(prob: FrameProblem, thresholds: np.ndarray, protocol: FrameProtocol,
                 pairs: GroupPairs | None = None) -> np.ndarray:
    """(K, Nd) bool: true positives of each detection of ``prob`` at each threshold under ``protocol``.

    Examples
    --------
    >>> gt = FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]])
    >>> prob = build_problem(gt, FrameBoxes(["v"] * 2, [0] * 2, ["a"] * 2, [[0, 0, 10, 10]] * 2, [1, 2]), ("a",))
    >>> greedy_match(prob, [0.5], PROTOCOLS["voc"]).tolist()  # the higher score takes the box
    [[False, True]]
    """
    if pairs is None:
        pairs = group_pairs(prob.det_key, prob.det_score, prob.gt_key)
    if len(pairs.paired) == 0:
        return np.zeros((len(thresholds), len(prob.det_key)), dtype=bool)
    pair_iou = iou_pairs(prob.det_boxes[pairs.pair_det], prob.gt_boxes[pairs.pair_gt], protocol.iou_convention)
    return greedy_match_pairs(pairs, pair_iou, len(prob.det_key), thresholds, protocol.tie,
                              cap_threshold=protocol.name == "coco")


def rank_order(prob: FrameProblem, protocol: FrameProtocol) -> np.ndarray:
    """Detections sorted by class, then score desc; ties by image (COCO) then input order.

    Examples
    --------
    >>> gt = FrameBoxes(["v"], [0], ["a"], [[0, 0, 1, 1]])
    >>> dets = FrameBoxes(["w", "v"], [0, 0], ["a", "a"], [[0, 0, 1, 1]] * 2, [0.5, 0.5])
    >>> prob = build_problem(gt, dets, ("a",))
    >>> rank_order(prob, PROTOCOLS["voc"]).tolist(), rank_order(prob, PROTOCOLS["coco"]).tolist()
    ([0, 1], [1, 0])
    """
    if protocol.rank_by_image:
        return np.lexsort((prob.det_index, prob.det_frame, prob.det_vid, -prob.det_score, prob.det_cls))
    return score_order(prob.det_cls, prob.det_score)


# ---------------------------------------------------------------------------------------------- API

def frame_ap(gt: FrameBoxes, detections: FrameBoxes, iou_thresholds=(0.05, 0.1, 0.2, 0.3), protocol: str = "voc",
             classes=None, unknown_videos: str = "error", return_curves: bool = False,
             video_info: Mapping | None = None) -> APResult:
    """Frame-AP per class and IoU threshold under ``protocol`` "voc", "act" or "coco".

    Detections in frames without ground truth of their class are false positives; a class with
    ground truth but no detections has AP 0; a class without ground truth has AP NaN (not in the mean).

    Parameters
    ----------
    gt : FrameBoxes
        Ground-truth boxes (``score`` None); ``gt.videos`` is the evaluated video set.
    detections : FrameBoxes
        Detected boxes with a finite ``score`` each (any real value: only the ranking matters).
    iou_thresholds : sequence of float, shape (K,)
        IoU thresholds in [0, 1].
    protocol : {"voc", "act", "coco"}
        ``voc``: continuous IoU, all-point AP; ``act``: ACT's +1-pixel IoU and float32 trapezoid AP;
        ``coco``: pycocotools' COCOeval rules (100 detections per image and class, 101-point AP).
    classes : sequence of str, optional
        Evaluated classes (default: every label present, sorted).
    unknown_videos : {"error", "fp", "drop"}
        Detections in videos outside ``gt.videos`` (see :mod:`evaluators.unknown_videos`).
    return_curves : bool
        Also return the PR curves (``APResult.curves[k][c] = (recall, precision)``).
    video_info : mapping of str to VideoInfo, optional
        Frame counts and sizes (e.g. ``TubeDataset.videos``): detections with frames outside
        ``[0, numf)`` are an error (the message says whether they look 1-based), boxes outside the
        frame a warning (an error when more than half are).

    Returns
    -------
    APResult
        ``ap`` (C, K); ``extra["counts"]`` = number of videos, GT boxes, annotated frames and
        evaluated detections.

    Examples
    --------
    >>> gt = FrameBoxes(["v", "v"], [0, 1], ["a", "a"], [[0, 0, 10, 10]] * 2)
    >>> dets = FrameBoxes(["v", "v"], [0, 1], ["a", "a"], [[0, 0, 10, 10], [0, 0, 10, 4]], [2.5, -1.0])
    >>> r = frame_ap(gt, dets, [0.5])
    >>> r.ap.tolist(), r.extra["counts"]["num_frames"]
    ([[0.5]], 2)
    """
    _check_choice(protocol, tuple(PROTOCOLS), "protocol")
    spec = PROTOCOLS[protocol]
    thresholds = check_thresholds(iou_thresholds)
    prep = _prepare(gt, detections, classes, unknown_videos, video_info)
    prob = prep.prob
    classes = prob.classes
    tag = "all"
    if spec.max_dets_per_image is not None:
        truncated = truncate_per_image(prob, spec.max_dets_per_image)
        if truncated is not prob:
            prob, tag = truncated, f"max{spec.max_dets_per_image}"
    is_tp = greedy_match(prob, thresholds, spec, _pairs_of(prep, prob, tag))
    order = rank_order(prob, spec)
    ranked_cls = prob.det_cls[order]
    bounds = np.searchsorted(ranked_cls, np.arange(len(classes) + 1))
    num_gt = np.bincount(prob.gt_cls, minlength=len(classes)).astype(np.int64)
    num_det = np.diff(bounds).astype(np.int64)
    ap_fn = AP_FUNCTIONS[spec.ap]
    ap = np.full((len(classes), len(thresholds)), np.nan)
    curves = [[None] * len(classes) for _ in thresholds] if return_curves else None
    ranked_tp = is_tp[:, order]
    for c in range(len(classes)):
        for k in range(len(thresholds)):
            tp_c = ranked_tp[k, bounds[c]:bounds[c + 1]]
            ap[c, k] = ap_fn(tp_c, int(num_gt[c]))
            if return_curves:
                precision, recall = precision_recall(tp_c, int(num_gt[c]))
                curves[k][c] = (recall, precision)
    counts = dict(prep.counts, num_detections=int(num_det.sum()))
    extra = {"iou_convention": spec.iou_convention, "ap_integration": spec.ap, "counts": counts}
    if spec.max_dets_per_image is not None:
        extra["max_dets_per_image"] = spec.max_dets_per_image
    return APResult(f"frame-ap/{protocol}", thresholds, classes, ap, num_gt, num_det, curves, prep.warnings, extra)


def frame_corloc(gt: FrameBoxes, detections: FrameBoxes, iou_thresholds=(0.5,), classes=None,
                 unknown_videos: str = "error", video_info: Mapping | None = None) -> CorLocResult:
    """Per-class and mean spatial CorLoc at each IoU threshold, unit "frame".

    A unit is one (video, frame, class) with ground truth; it is localized at t if the
    highest-scoring detection of that class in that frame (equal scores: the earlier row) has
    continuous IoU >= t with any ground-truth box of the class there. No detection: not localized.
    Mean = mean of per-class CorLoc. Detections in unknown videos cannot touch a unit; "error"
    still refuses them, as frame_ap does.

    Parameters
    ----------
    gt, detections, classes, unknown_videos, video_info
        As :func:`frame_ap` (the checked, encoded input is shared with a ``frame_ap`` call on the
        same two objects).
    iou_thresholds : sequence of float, shape (K,)

    Returns
    -------
    CorLocResult
        ``corloc`` (C, K), ``num_units`` (C,).

    Examples
    --------
    >>> gt = FrameBoxes(["v", "v"], [0, 1], ["a", "a"], [[0, 0, 10, 10]] * 2)
    >>> dets = FrameBoxes(["v", "v"], [0, 1], ["a", "a"], [[0, 0, 10, 10], [50, 50, 60, 60]], [0.9, 0.8])
    >>> frame_corloc(gt, dets, [0.5]).corloc.tolist()
    [[0.5]]
    """
    thresholds = check_thresholds(iou_thresholds)
    prep = _prepare(gt, detections, classes, unknown_videos, video_info)
    prob = prep.prob
    classes = prob.classes
    pairs = _pairs_of(prep, prob, "all")

    unit_keys, unit_start = pairs.ukeys, pairs.gstart
    unit_cls = prob.gt_cls[unit_start] if len(unit_start) else np.zeros(0, np.int64)
    best_iou = np.full(len(unit_keys), -np.inf)
    if len(pairs.paired):
        # the top detection of each unit is the first paired detection of its group (score order)
        first = np.flatnonzero(np.r_[True, pairs.grp[1:] != pairs.grp[:-1]])
        units = pairs.grp[first]
        n = pairs.cnt[first]
        rows = np.repeat(pairs.pstart[first], n) + (np.arange(n.sum()) - np.repeat(np.r_[0, np.cumsum(n)[:-1]], n))
        ious = iou_pairs(prob.det_boxes[pairs.pair_det[rows]], prob.gt_boxes[pairs.pair_gt[rows]], "continuous")
        best_iou[units] = np.maximum.reduceat(ious, np.r_[0, np.cumsum(n)[:-1]])

    num_units = np.bincount(unit_cls, minlength=len(classes)).astype(np.int64)
    corloc = np.full((len(classes), len(thresholds)), np.nan)
    valid = num_units > 0
    for k, t in enumerate(thresholds):
        hits = np.bincount(unit_cls, weights=(best_iou >= t).astype(np.float64), minlength=len(classes))
        corloc[valid, k] = hits[valid] / num_units[valid]
    return CorLocResult("frame", thresholds, classes, corloc, num_units)


__all__ = ["PROTOCOLS", "FrameProtocol", "frame_ap", "frame_corloc", "check_thresholds", "resolve_classes",
           "build_problem"]
