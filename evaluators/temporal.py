"""Temporal action detection mAP (ActivityNet and THUMOS'14 protocols) and temporal CorLoc.

Conventions are documented in ``docs/protocols/temporal.md``. In short:

- ``activitynet`` = ActivityNet ``Evaluation/eval_detection.py``: each detection, in score order,
  takes the still-unmatched ground truth with the highest tIoU among those with tIoU >= t;
  all-point interpolated AP; Ambiguous ground truth is ignored.
- ``thumos14`` = ``TH14evalDet_Updated.m``: each ground truth, in file order, takes the
  still-unmatched detection with the highest overlap if that overlap is > t; non-interpolated AP;
  unmatched detections that intersect an Ambiguous segment of their video (intersection > 0) are
  removed from the ranking.

Matching is per (class, video) group. Most groups have no conflicts (every detection has at most
one candidate ground truth at the threshold), and those are resolved with numpy for all groups at
once; only the "conflict" components run a Python loop, over their candidate pairs only.
"""
from __future__ import annotations

import numpy as np

from annotations.errors import InputError
from annotations.types import AMBIGUOUS, Segments
from evaluators.ap import ap_all_point, ap_non_interpolated, precision_recall
from evaluators.results import APResult, CorLocResult
from evaluators.segment_iou import overlap_thumos14, tiou_activitynet

PROTOCOLS = ("activitynet", "thumos14")
UNKNOWN_VIDEO_MODES = ("error", "fp", "drop")
DEFAULT_TIOU_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)
_PAIR_CHUNK = 1 << 21  # candidate (detection, ground truth) pairs materialised at a time


# --------------------------------------------------------------------------- input checks


def _check_segments(seg: Segments, what: str, need_score: bool) -> None:
    source = seg.source or None
    if need_score and seg.score is None:
        raise InputError(source, None, f"{what} have no scores")
    for name in ("t_start_s", "t_end_s") + (("score",) if need_score else ()):
        bad = np.flatnonzero(~np.isfinite(getattr(seg, name)))
        if len(bad):
            raise InputError(source, f"row {bad[0]}", f"{what}: {name} is not finite ({float(getattr(seg, name)[bad[0]])})")
    bad = np.flatnonzero(seg.t_end_s < seg.t_start_s)
    if len(bad):
        i = bad[0]
        raise InputError(source, f"row {i}", f"{what}: segment ends before it starts "
                                             f"({float(seg.t_start_s[i])!r} > {float(seg.t_end_s[i])!r}), {len(bad)} such row(s)")


def _check_thresholds(tiou_thresholds) -> np.ndarray:
    thresholds = np.atleast_1d(np.asarray(tiou_thresholds, dtype=np.float64))
    if thresholds.ndim != 1 or len(thresholds) == 0 or not np.all((thresholds >= 0) & (thresholds <= 1)):
        raise InputError(None, "tiou_thresholds", f"expected one or more values in [0, 1], got {tiou_thresholds!r}")
    return thresholds


def _check_choice(value: str, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        raise InputError(None, name, f"unknown value {value!r} (choose from {', '.join(allowed)})")


def _unknown_videos(gt: Segments, detections: Segments, mode: str) -> tuple[np.ndarray, list[str]]:
    """Mask of detections to keep, and warnings, for detections in videos absent from ``gt.videos``."""
    unknown = ~np.isin(detections.video, np.asarray(gt.videos, dtype=str))
    n = int(unknown.sum())
    if n == 0:
        return np.ones(len(detections), bool), []
    names = list(dict.fromkeys(detections.video[unknown].tolist()))
    listed = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    what = f"{n} detection(s) in {len(names)} video(s) absent from the ground truth ({listed})"
    if mode == "error":
        raise InputError(detections.source or None, None,
                         f"{what}; set unknown_videos to 'fp' (CLI: --unknown-videos fp) to count them as false "
                         "positives as the official tools do, or to 'drop' to remove them")
    if mode == "fp":
        return np.ones(len(detections), bool), [f"{what} counted as false positives"]
    return ~unknown, [f"{what} dropped"]


def _resolve_classes(gt: Segments, classes) -> tuple[str, ...]:
    if classes is None:
        return gt.classes
    classes = tuple(dict.fromkeys(str(c) for c in classes))
    if AMBIGUOUS in classes:
        raise InputError(None, "classes", f"{AMBIGUOUS!r} is not a class")
    return classes


# --------------------------------------------------------------------------- candidate pairs


def _pairs(det_key, det_start, det_end, gt_key_sorted, gt_start, gt_end, overlap_fn, keep_min, strict):
    """Every (detection, ground truth) pair of the same key whose overlap passes ``keep_min``.

    ``gt_key_sorted`` must be ascending. Returns ``(det_idx, gt_idx, overlap)`` ordered by detection
    then ground-truth index; built in chunks so memory stays bounded.
    """
    lo = np.searchsorted(gt_key_sorted, det_key, side="left")
    counts = np.searchsorted(gt_key_sorted, det_key, side="right") - lo
    cum = np.cumsum(counts)
    total = int(cum[-1]) if len(cum) else 0
    out_d, out_g, out_o = [], [], []
    bounds = np.unique(np.concatenate([[0], np.searchsorted(cum, np.arange(_PAIR_CHUNK, total, _PAIR_CHUNK)),
                                       [len(det_key)]]))
    for a, b in zip(bounds[:-1], bounds[1:]):
        n = counts[a:b]
        m = int(n.sum())
        if m == 0:
            continue
        d = np.repeat(np.arange(a, b), n)
        first = np.cumsum(n) - n
        g = np.repeat(lo[a:b] - first, n) + np.arange(m)
        o = overlap_fn(gt_start[g], gt_end[g], det_start[d], det_end[d])
        keep = o > keep_min if strict else o >= keep_min
        out_d.append(d[keep])
        out_g.append(g[keep])
        out_o.append(o[keep])
    if not out_d:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_d), np.concatenate(out_g), np.concatenate(out_o)


def _conflict_edges(pd, pg, num_det, num_gt):
    """Mask of pairs in conflict components: those touching a ground truth that some detection
    with two or more candidates also touches. All other pairs resolve independently per ground truth."""
    multi = np.bincount(pd, minlength=num_det)[pd] >= 2
    conflict_gt = np.zeros(num_gt, bool)
    conflict_gt[pg[multi]] = True
    return conflict_gt[pg]


def _first_per_group(keys_sorted: np.ndarray) -> np.ndarray:
    return np.concatenate([[True], keys_sorted[1:] != keys_sorted[:-1]]) if len(keys_sorted) else np.zeros(0, bool)


def _match_activitynet(pd, pg, po, num_det, num_gt, official_gt_order=None) -> np.ndarray:
    """Detections in rank order each take the unmatched candidate with the highest tIoU.

    Equal tIoUs are broken as the official code does, by ``np.argsort(tiou)[::-1]`` over the
    video's ground truth: ``official_gt_order(det)`` returns that GT order (default: last GT first).
    """
    tp = np.zeros(num_det, bool)
    conflict = _conflict_edges(pd, pg, num_det, num_gt)
    simple_d, simple_g = pd[~conflict], pg[~conflict]
    # without conflicts each GT goes to its first-ranked candidate (pairs are ordered by detection)
    _, first = np.unique(simple_g, return_index=True)
    tp[simple_d[first]] = True
    if conflict.any():
        cd, cg, co = pd[conflict], pg[conflict], po[conflict]
        tie_rank = -cg  # the official's order when its argsort keeps equal values in place
        order = np.lexsort((tie_rank, -co, cd))
        tied = (cd[order][1:] == cd[order][:-1]) & (co[order][1:] == co[order][:-1])
        if tied.any() and official_gt_order is not None:
            for d in np.unique(cd[order][1:][tied]).tolist():
                lo, gts = official_gt_order(d)
                position = np.empty(len(gts), np.int64)
                position[gts - lo] = np.arange(len(gts))
                sel = cd == d
                tie_rank[sel] = position[cg[sel] - lo]
            order = np.lexsort((tie_rank, -co, cd))
        locked = set()
        last = -1
        for d, g in zip(cd[order].tolist(), cg[order].tolist()):
            if d == last or g in locked:
                continue
            locked.add(g)
            tp[d] = True
            last = d
    return tp


def _match_thumos14(pd, pg, po, num_det, num_gt) -> np.ndarray:
    """Ground truths in file order each take the unmatched candidate with the highest overlap (ties: best rank)."""
    tp = np.zeros(num_det, bool)
    conflict = _conflict_edges(pd, pg, num_det, num_gt)
    sd, sg, so = pd[~conflict], pg[~conflict], po[~conflict]
    order = np.lexsort((sd, -so, sg))
    tp[sd[order][_first_per_group(sg[order])]] = True
    if conflict.any():
        cd, cg, co = pd[conflict], pg[conflict], po[conflict]
        order = np.lexsort((cd, -co, cg))
        taken = set()
        last = -1
        for g, d in zip(cg[order].tolist(), cd[order].tolist()):
            if g == last or d in taken:
                continue
            taken.add(d)
            tp[d] = True
            last = g
    return tp


# --------------------------------------------------------------------------- shared preparation


class _Prepared:
    """Detections and ground truth encoded as integer (class, video) groups, detections in rank order."""

    def __init__(self, gt: Segments, det: Segments, classes: tuple[str, ...]):
        class_id = {c: i for i, c in enumerate(classes)}
        videos = list(dict.fromkeys(list(gt.videos) + gt.video.tolist() + det.video.tolist()))
        video_id = {v: i for i, v in enumerate(videos)}
        self.num_videos = nv = len(videos)
        self.num_classes = len(classes)

        gt_cls = np.array([class_id.get(c, -1) for c in gt.label.tolist()], dtype=np.int64)
        gt_vid = np.array([video_id[v] for v in gt.video.tolist()], dtype=np.int64)
        is_amb = gt.label == AMBIGUOUS
        keep = gt_cls >= 0
        order = np.flatnonzero(keep)[np.argsort(gt_cls[keep] * nv + gt_vid[keep], kind="stable")]
        self.gt_key = gt_cls[order] * nv + gt_vid[order]
        self.gt_cls = gt_cls[order]
        self.gt_start, self.gt_end = gt.t_start_s[order], gt.t_end_s[order]
        self.num_gt = np.bincount(self.gt_cls, minlength=len(classes))
        amb = np.flatnonzero(is_amb)
        amb = amb[np.argsort(gt_vid[amb], kind="stable")]
        self.amb_vid, self.amb_start, self.amb_end = gt_vid[amb], gt.t_start_s[amb], gt.t_end_s[amb]

        det_cls = np.array([class_id.get(c, -1) for c in det.label.tolist()], dtype=np.int64)
        det_vid = np.array([video_id[v] for v in det.video.tolist()], dtype=np.int64)
        ours = det_cls >= 0
        self.ignored_labels = sorted(set(det.label[~ours].tolist()))
        self.num_ignored_label = int((~ours).sum())
        idx = np.flatnonzero(ours)
        # rank order: by class, then score descending, equal scores in input order (stable)
        idx = idx[np.lexsort((-det.score[idx], det_cls[idx]))]
        self.det_cls = det_cls[idx]
        self.score = det.score[idx]
        self.det_index = idx  # row in the caller's detections
        # matching order: by (class, video), rank order inside each group
        self.group_pos = np.lexsort((det_vid[idx], self.det_cls))
        g = idx[self.group_pos]
        self.g_key = det_cls[g] * nv + det_vid[g]
        self.g_vid = det_vid[g]
        self.g_start, self.g_end = det.t_start_s[g], det.t_end_s[g]
        self.class_bounds = np.searchsorted(self.det_cls, np.arange(len(classes) + 1))

    def official_gt_order(self, d: int) -> tuple[int, np.ndarray]:
        """First GT index of detection ``d``'s group, and the group's GT indices in the order
        ActivityNet's code tries them: ``segment_iou(...).argsort()[::-1]`` (numpy's default sort)."""
        lo, hi = np.searchsorted(self.gt_key, [self.g_key[d], self.g_key[d] + 1])
        tiou = tiou_activitynet(self.gt_start[lo:hi], self.gt_end[lo:hi], self.g_start[d], self.g_end[d])
        return int(lo), lo + tiou.argsort()[::-1]

    def to_rank_order(self, flags_by_group: np.ndarray) -> np.ndarray:
        out = np.empty_like(flags_by_group)
        out[..., self.group_pos] = flags_by_group
        return out


# --------------------------------------------------------------------------- mAP


def temporal_map(gt: Segments, detections: Segments, tiou_thresholds=DEFAULT_TIOU_THRESHOLDS,
                 protocol: str = "activitynet", classes=None, unknown_videos: str = "error",
                 return_curves: bool = False) -> APResult:
    """Per-class AP and mAP of temporal detections at each tIoU threshold, under an official protocol.

    ``classes`` defaults to the ground-truth classes; the mean is over classes with ground truth.
    ``unknown_videos`` handles detections in videos absent from ``gt.videos``: "error", "fp" or "drop".
    """
    _check_choice(protocol, PROTOCOLS, "protocol")
    _check_choice(unknown_videos, UNKNOWN_VIDEO_MODES, "unknown_videos")
    thresholds = _check_thresholds(tiou_thresholds)
    _check_segments(gt, "ground truth", need_score=False)
    _check_segments(detections, "detections", need_score=True)
    classes = _resolve_classes(gt, classes)
    keep, warnings = _unknown_videos(gt, detections, unknown_videos)
    if not keep.all():
        detections = detections.select(keep)
    has_amb = bool((gt.label == AMBIGUOUS).any())
    if protocol == "thumos14" and not has_amb:
        warnings.append("ground truth has no Ambiguous segments: the official THUMOS'14 numbers use "
                        "Ambiguous_test.txt (read the class-txt directory, not the JSON)")
    if protocol == "activitynet" and has_amb:
        warnings.append(f"{int((gt.label == AMBIGUOUS).sum())} Ambiguous ground-truth segment(s) ignored "
                        "(the ActivityNet protocol has no Ambiguous class)")

    p = _Prepared(gt, detections, classes)
    if p.num_ignored_label:
        listed = ", ".join(p.ignored_labels[:5]) + (", ..." if len(p.ignored_labels) > 5 else "")
        warnings.append(f"{p.num_ignored_label} detection(s) with labels outside the evaluated classes ignored ({listed})")

    num_det_total = len(p.score)
    if protocol == "activitynet":
        pd, pg, po = _pairs(p.g_key, p.g_start, p.g_end, p.gt_key, p.gt_start, p.gt_end, tiou_activitynet,
                            thresholds.min(), strict=False)
        tp_group = np.stack([_match_activitynet(pd[m], pg[m], po[m], num_det_total, len(p.gt_key), p.official_gt_order)
                             for m in (po[None, :] >= thresholds[:, None])])
        ignored = np.zeros((len(thresholds), num_det_total), bool)
    else:
        pd, pg, po = _pairs(p.g_key, p.g_start, p.g_end, p.gt_key, p.gt_start, p.gt_end, overlap_thumos14,
                            thresholds.min(), strict=True)
        tp_group = np.stack([_match_thumos14(pd[m], pg[m], po[m], num_det_total, len(p.gt_key))
                             for m in (po[None, :] > thresholds[:, None])])
        ad, _, _ = _pairs(p.g_vid, p.g_start, p.g_end, p.amb_vid, p.amb_start, p.amb_end, overlap_thumos14,
                          0.0, strict=True)
        near_amb = np.zeros(num_det_total, bool)
        near_amb[ad] = True
        ignored = near_amb[None, :] & ~tp_group
    tp = p.to_rank_order(tp_group)
    ignored = p.to_rank_order(ignored)

    ap_fn = ap_all_point if protocol == "activitynet" else ap_non_interpolated
    ap = np.full((len(classes), len(thresholds)), np.nan)
    curves = [[None] * len(classes) for _ in thresholds] if return_curves else None
    num_ignored = np.zeros((len(classes), len(thresholds)), np.int64)
    for c in range(len(classes)):
        a, b = p.class_bounds[c], p.class_bounds[c + 1]
        for k in range(len(thresholds)):
            kept = ~ignored[k, a:b]
            is_tp = tp[k, a:b][kept]
            num_ignored[c, k] = (b - a) - int(kept.sum())
            if p.num_gt[c] > 0:
                ap[c, k] = ap_fn(is_tp, int(p.num_gt[c]))
            if return_curves:
                precision, recall = precision_recall(is_tp, int(p.num_gt[c]))
                curves[k][c] = (recall, precision)

    extra = {}
    if protocol == "thumos14":
        extra["num_ignored_ambiguous"] = {c: [int(v) for v in row] for c, row in zip(classes, num_ignored)}
    return APResult(protocol=protocol, thresholds=thresholds, classes=classes, ap=ap, num_gt=p.num_gt,
                    num_det=np.diff(p.class_bounds), curves=curves, warnings=tuple(warnings), extra=extra)


# --------------------------------------------------------------------------- CorLoc


def temporal_corloc(gt: Segments, detections: Segments, tiou_thresholds=DEFAULT_TIOU_THRESHOLDS,
                    classes=None, unknown_videos: str = "error") -> CorLocResult:
    """Fraction of ground-truth instances whose best-scoring overlapping detection reaches tIoU >= t.

    For each non-Ambiguous instance, the highest-scoring detection of its class in its video among
    those with tIoU > 0 (equal scores: first in input order) decides; tIoU is ActivityNet's formula.
    Class-balanced mean. Detections in unknown videos cannot localise anything ("fp" and "drop" agree).
    """
    _check_choice(unknown_videos, UNKNOWN_VIDEO_MODES, "unknown_videos")
    thresholds = _check_thresholds(tiou_thresholds)
    _check_segments(gt, "ground truth", need_score=False)
    _check_segments(detections, "detections", need_score=True)
    classes = _resolve_classes(gt, classes)
    keep, _ = _unknown_videos(gt, detections, unknown_videos)
    p = _Prepared(gt, detections.select(keep), classes)
    pd, pg, po = _pairs(p.g_key, p.g_start, p.g_end, p.gt_key, p.gt_start, p.gt_end, tiou_activitynet,
                        0.0, strict=True)
    # best detection per GT: highest score, then earliest input row
    det_row = p.det_index[p.group_pos]
    order = np.lexsort((det_row[pd], -p.score[p.group_pos][pd], pg))
    first = _first_per_group(pg[order])
    best_gt, best_tiou = pg[order][first], po[order][first]
    tiou_per_gt = np.zeros(len(p.gt_key))
    tiou_per_gt[best_gt] = best_tiou
    localized = tiou_per_gt[None, :] >= thresholds[:, None]  # (K, G)
    corloc = np.full((len(classes), len(thresholds)), np.nan)
    for c in np.flatnonzero(p.num_gt):
        corloc[c] = localized[:, p.gt_cls == c].mean(axis=1)
    return CorLocResult(unit="instance", thresholds=thresholds, classes=classes, corloc=corloc, num_units=p.num_gt)


__all__ = ["PROTOCOLS", "UNKNOWN_VIDEO_MODES", "DEFAULT_TIOU_THRESHOLDS", "temporal_map", "temporal_corloc"]
