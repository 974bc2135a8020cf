"""The spatial errors of weak supervision, on frame boxes, counted and costed in TIDE's manner.

Attention-derived boxes fail in ways TIDE's types do not name: the box finds the discriminative
part of the actor (``part``), the actor with much of the scene (``context``), several actors at once
(``merged``), another person or object (``other``), or nothing at all (``no_box``). Every false
positive and every missed box at IoU threshold ``t`` gets exactly one type, tested in the order of
:data:`FP_TYPES` / :data:`GT_TYPES` with the thresholds of :class:`WeakThresholds`; each type's cost
is the mAP gained when an oracle fixes it (the fix is written down in :data:`FIXES`), every gain from
the same baseline (TIDE's matching and 101-point AP at ``t``, :mod:`evaluators.tide`). Definitions,
order and boundaries: ``docs/protocols/diagnosis.md, section Spatial``.

Geometry is continuous (no +1): ``IoD`` = intersection / detection area, ``IoG`` = intersection /
box area (0 when the area is 0). "The frame's boxes" are the ground-truth boxes of every class in
the detection's frame; "the frame's detections" are the scored detections of every class there.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from annotations.types import FrameBoxes
from evaluators.tide import Encoded, _codes, _first_argmax, _ranges, match_encoded, match_frames, tide_map

#: false-positive types, in test order (first that applies)
FP_TYPES = ("duplicate", "wrong_label", "merged", "part", "context", "other", "loose", "background")
#: missed-box types, in test order (first that applies)
GT_TYPES = ("unseen", "no_box", "wrong_label", "merged", "part", "context", "other", "loose")
#: every type once, in the order tables and figures show them
ALL_TYPES = ("duplicate", "wrong_label", "merged", "part", "context", "other", "loose", "background",
             "no_box", "unseen")
#: the oracle fix of each type (all applied to the baseline detections, one type at a time)
FIXES = {
    "duplicate": "the duplicate detection is removed",
    "wrong_label": "the detection takes the label of the other-class box it overlaps (IoU >= t, largest)",
    "merged": "every detection that covers two or more boxes (false positive or not) is split into one detection "
              "per box it covers (box = that box, same label and score)",
    "part": "the box is replaced by the box it lies inside (largest IoD, then first)",
    "context": "the box is replaced by the box it covers (largest IoG, then first)",
    "other": "the detection is removed",
    "loose": "the box is replaced by the box of largest IoU with it (first on ties)",
    "background": "the detection is removed",
    "no_box": "the missed box is removed from the positives (TIDE's Miss fix)",
    "unseen": "the missed box is removed from the positives",
}


@dataclass(frozen=True)
class WeakThresholds:
    """Thresholds that separate the types (all inclusive: ``>=`` for the first three, ``<=`` for ``other_iou``).

    >>> WeakThresholds().inside
    0.9
    """

    inside: float = 0.9      # IoD >= inside: the detection lies inside the box (part)
    cover: float = 0.9       # IoG >= cover: the detection covers the box (context; merged with >= 2 boxes)
    other_iou: float = 0.0   # IoU <= other_iou with every box of the frame: another actor or object


@dataclass(frozen=True, eq=False)
class WeakResult:
    """Weak-supervision types and oracle gains at one IoU threshold (AP points, 0-100)."""

    iou_threshold: float
    thresholds: WeakThresholds
    base_mAP: float
    gain: dict                 # type -> mAP gained by its fix (clamped at 0, as TIDE's main errors)
    fixed_mAP: dict            # type -> mAP with that type fixed (unclamped)
    counts: dict               # type -> number of detections (FP types) or boxes (GT types)
    det_type: np.ndarray       # (Nd,) index into FP_TYPES, -1 for true positives / unscored rows
    det_target: np.ndarray     # (Nd,) ground-truth row the type refers to, -1
    gt_type: np.ndarray        # (Ng,) index into GT_TYPES, -1 for matched boxes
    det_tp: np.ndarray         # (Nd,) bool, baseline true positives
    warnings: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"iou_threshold": self.iou_threshold, "thresholds": self.thresholds.__dict__,
                "base_mAP": self.base_mAP, "gain": dict(self.gain), "fixed_mAP": dict(self.fixed_mAP),
                "counts": dict(self.counts),
                "missed_by_type": dict(self.extra.get("missed_by_type", {})), "fixes": dict(FIXES), "warnings": list(self.warnings)}


def _inter(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Continuous intersection area of aligned [x1, y1, x2, y2] pairs."""
    w = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    h = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    return np.maximum(w, 0.0) * np.maximum(h, 0.0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0."""
    out = np.zeros(len(num))
    np.divide(num, den, out=out, where=den > 0)
    return out


def _area(b: np.ndarray) -> np.ndarray:
    return np.maximum(b[:, 2] - b[:, 0], 0.0) * np.maximum(b[:, 3] - b[:, 1], 0.0)


def classify_weak(gt: FrameBoxes, dets: FrameBoxes, match, iou_threshold: float,
                  thresholds: WeakThresholds = WeakThresholds(), seen_frames: dict | None = None):
    """The weak-supervision type of every false positive and missed box of a :class:`FrameMatch`.

    Returns ``(det_type, det_target, det_cover_rows, gt_type)``: codes into :data:`FP_TYPES` (-1 for
    true positives and unscored rows), the box each type refers to, for every scored detection that
    covers two or more boxes the ground-truth rows it covers (dict det row -> array), and codes into :data:`GT_TYPES` (-1 matched).
    ``seen_frames`` (``{video: frame indices}``, the frames the model saw): a missed box on a frame
    outside it is ``unseen``; None: every frame was seen.
    """
    th = thresholds
    t = float(iou_threshold)
    nd, ng = len(dets), len(gt)
    pd, pg, iou = match.pair_det, match.pair_gt, match.pair_iou
    d_boxes, g_boxes = match.encoded.d_boxes, match.encoded.g_boxes
    inter = _inter(d_boxes[pd], g_boxes[pg]) if len(pd) else np.zeros(0)
    iod = _ratio(inter, _area(d_boxes[pd])) if len(pd) else np.zeros(0)
    iog = _ratio(inter, _area(g_boxes[pg])) if len(pd) else np.zeros(0)
    same = match.det_cls[pd] == match.gt_cls[pg]
    used = match.gt_match[pg] >= 0
    covers = iog >= th.cover

    tp = match.det_match >= 0
    det_type = np.full(nd, -1, np.int8)
    det_target = np.full(nd, -1, np.int64)
    fp = match.scored & ~tp
    det_type[fp & (match.det_pair_len == 0)] = FP_TYPES.index("background")
    rows = np.flatnonzero(fp & (match.det_pair_len > 0))
    n_cover_det = np.zeros(nd, np.int64)
    live = np.flatnonzero(match.det_pair_len > 0)
    live = live[np.argsort(match.det_pair_start[live], kind="stable")]  # segments in pair order tile the pairs
    if len(live):
        n_cover_det[live] = np.add.reduceat(covers.astype(np.int64), match.det_pair_start[live])
    cover_rows = {}
    if len(rows):
        flat = _ranges(match.det_pair_start[rows], match.det_pair_len[rows])
        seg, ln = np.r_[0, np.cumsum(match.det_pair_len[rows])[:-1]], match.det_pair_len[rows]
        f_iou, f_iod, f_iog = iou[flat], iod[flat], iog[flat]
        v_dup = np.maximum.reduceat(f_iou * (same & used)[flat], seg)
        v_wl, i_wl = _first_argmax(f_iou * ~same[flat], seg, ln)
        v_in, i_in = _first_argmax(f_iod, seg, ln)
        v_cov, i_cov = _first_argmax(f_iog, seg, ln)
        v_any, i_any = _first_argmax(f_iou, seg, ln)
        n_cov = n_cover_det[rows]
        tests = (("duplicate", v_dup >= t, i_any), ("wrong_label", v_wl >= t, i_wl), ("merged", n_cov >= 2, i_cov),
                 ("part", v_in >= th.inside, i_in), ("context", v_cov >= th.cover, i_cov),
                 ("other", v_any <= th.other_iou, None), ("loose", np.ones(len(rows), bool), i_any))
        undecided = np.ones(len(rows), bool)
        kind = np.full(len(rows), -1, np.int8)
        target = np.full(len(rows), -1, np.int64)
        for name, cond, idx in tests:
            hit = undecided & cond
            kind[hit] = FP_TYPES.index(name)
            if idx is not None:
                target[hit] = pg[flat[idx[hit]]]
            undecided &= ~hit
        det_type[rows], det_target[rows] = kind, target

    # every scored box that covers two or more boxes (a merged false positive, or a true positive
    # that matched one actor and hides the others): the boxes it covers, for the merged fix
    for r in np.flatnonzero(match.scored & (n_cover_det >= 2)).tolist():  # one small array each (few)
        s = match.det_pair_start[r]
        sel = np.arange(s, s + match.det_pair_len[r])
        cover_rows[r] = pg[sel[covers[sel]]]

    # missed boxes: the frame's scored detections, grouped by box
    gt_type = np.full(ng, -1, np.int8)
    missed = match.gt_match < 0
    if seen_frames is not None:
        lookup = {v: i for i, v in enumerate(seen_frames)}
        big = np.int64(1) << 32
        key = _codes(gt.video, lookup) * big + gt.frame_idx
        wanted = [i * big + np.asarray(f, np.int64) for i, f in enumerate(seen_frames.values())]
        seen = (key >= 0) & np.isin(key, np.concatenate(wanted) if wanted else np.zeros(0, np.int64))
        gt_type[missed & ~seen] = GT_TYPES.index("unseen")
        missed &= seen
    order = np.lexsort((np.arange(len(pg)), pg))
    gp = pg[order]
    has = np.zeros(ng, bool)
    has[gp] = True
    gt_type[missed & ~has] = GT_TYPES.index("no_box")
    rows_g = np.flatnonzero(missed & has)
    if len(rows_g):
        seg_start = np.searchsorted(gp, rows_g)
        seg_len = np.searchsorted(gp, rows_g, side="right") - seg_start
        flat = order[_ranges(seg_start, seg_len)]
        seg = np.r_[0, np.cumsum(seg_len)[:-1]]
        d = pd[flat]
        wl = np.maximum.reduceat((iou[flat] >= t) & ~same[flat], seg)
        mg = np.maximum.reduceat(covers[flat] & (n_cover_det[d] >= 2), seg)
        pt = np.maximum.reduceat(iod[flat] >= th.inside, seg)
        cx = np.maximum.reduceat(covers[flat], seg)
        ot = np.maximum.reduceat(iou[flat], seg) <= th.other_iou
        kind = np.full(len(rows_g), GT_TYPES.index("loose"), np.int8)
        undecided = np.ones(len(rows_g), bool)
        for name, cond in (("wrong_label", wl), ("merged", mg), ("part", pt), ("context", cx), ("other", ot)):
            hit = undecided & cond
            kind[hit] = GT_TYPES.index(name)
            undecided &= ~hit
        gt_type[rows_g] = kind
    return det_type, det_target, cover_rows, gt_type


def weak_spatial(gt: FrameBoxes, dets: FrameBoxes, iou_threshold: float = 0.5,
                 thresholds: WeakThresholds = WeakThresholds(), seen_frames: dict | None = None,
                 max_dets: int | None = 100, num_frames: dict | None = None, classes=None,
                 unknown_videos: str = "error", match=None) -> WeakResult:
    """Count the weak-supervision error types and the mAP each costs, from one baseline.

    Parameters
    ----------
    gt, dets : FrameBoxes
        Ground truth and scored detections, ``[x1, y1, x2, y2]`` pixels, 0-based frames.
    iou_threshold : float
        IoU of a true positive (TIDE's matching, ``>=``).
    thresholds : WeakThresholds
        What separates part, context, merged and other.
    seen_frames : dict, optional
        ``{video: frame indices the model saw}``; missed boxes elsewhere are ``unseen``.
    max_dets, num_frames, classes, unknown_videos
        As in :func:`evaluators.tide.match_frames`.
    match : FrameMatch, optional
        The matching of this input at ``iou_threshold`` when already computed.

    Returns
    -------
    WeakResult

    Examples
    --------
    >>> import numpy as np
    >>> g = FrameBoxes(np.array(["v", "v"]), np.array([0, 1]), np.array(["a", "a"]),
    ...                np.array([[0., 0, 10, 10], [0, 0, 10, 10]]), videos=("v",))
    >>> d = FrameBoxes(np.array(["v", "v"]), np.array([0, 1]), np.array(["a", "a"]),
    ...                np.array([[0., 0, 10, 10], [2, 2, 6, 6]]), np.array([0.9, 0.8]), videos=("v",))
    >>> r = weak_spatial(g, d)
    >>> r.counts["part"], round(r.base_mAP, 3), round(r.gain["part"], 3)
    (1, 50.495, 49.505)
    """
    t = float(iou_threshold)
    m = match if match is not None else match_frames(gt, dets, t, max_dets, num_frames, classes, unknown_videos)
    det_type, det_target, cover_rows, gt_type = classify_weak(gt, dets, m, t, thresholds, seen_frames)
    n_cls = len(m.classes)
    num_gt = np.bincount(m.gt_cls, minlength=n_cls).astype(np.int64)
    tp = m.det_match >= 0
    s = np.flatnonzero(m.scored)
    # every fix keeps classes and scores except wrong_label: the baseline ranking serves them all
    order = s[np.lexsort((m.det_rank[s], -m.encoded.d_score[s], m.det_cls[s]))]
    base, _ = tide_map(m.det_cls, m.encoded.d_score, tp, num_gt, order=order)
    fixed = {name: _fixed_map(name, m, tp, det_type, det_target, cover_rows, gt_type, num_gt, t, order)
             for name in ALL_TYPES}
    counts = {}
    for name in ALL_TYPES:
        n = 0
        if name in FP_TYPES:
            n += int(np.sum(det_type == FP_TYPES.index(name)))
        if name in GT_TYPES and name not in FP_TYPES:
            n += int(np.sum(gt_type == GT_TYPES.index(name)))
        counts[name] = n
    counts_missed = {name: int(np.sum(gt_type == GT_TYPES.index(name))) for name in GT_TYPES}
    gain = {k: max(v - base, 0.0) if not np.isnan(v) else float("nan") for k, v in fixed.items()}
    return WeakResult(t, thresholds, base, gain, fixed, counts, det_type, det_target, gt_type, tp,
                      m.warnings, {"missed_by_type": counts_missed})


def _fixed_map(name, m, tp, det_type, det_target, cover_rows, gt_type, num_gt, t, order) -> float:
    """mAP after the oracle fix of type ``name`` (the baseline unchanged outside the frames it touches).

    ``order``: the baseline ranking (scored rows by class, score desc, push order)."""
    enc = m.encoded
    n_cls = len(m.classes)
    code = FP_TYPES.index(name) if name in FP_TYPES else -2
    hit = np.flatnonzero(det_type == code)
    if name == "merged":  # split every box that covers several, true positive or not
        hit = np.array(sorted(cover_rows), np.int64)
    cls, score = m.det_cls, enc.d_score
    if name in ("no_box", "unseen"):
        ng_c = num_gt - np.bincount(m.gt_cls[gt_type == GT_TYPES.index(name)], minlength=n_cls)
        return tide_map(cls, score, tp, ng_c, order=order)[0]
    if name in ("duplicate", "other", "background") or len(hit) == 0:
        gone = np.zeros(len(cls), bool)
        gone[hit] = True  # removed (duplicate, other, background); nothing when there is no case
        return tide_map(cls, score, tp, num_gt, order=order[~gone[order]])[0]
    # geometry / label fixes: rematch only the frames that hold a fixed detection
    frames = np.unique(m.det_image[hit])
    rows = np.flatnonzero(np.isin(m.det_image, frames) & m.scored)
    g_in = np.isin(m.gt_image, frames)
    boxes, sub_cls = enc.d_boxes[rows].copy(), cls[rows].copy()
    img, sub_score = enc.d_img[rows], score[rows]
    pos = np.searchsorted(rows, hit)
    count = np.ones(len(rows), np.int64)
    if name == "wrong_label":
        sub_cls[pos] = enc.g_cls[det_target[hit]]
    elif name in ("part", "context", "loose"):
        boxes[pos] = enc.g_boxes[det_target[hit]]
    elif name == "merged":  # each merged box becomes one copy per box it covers, in its place
        count[pos] = [len(cover_rows[r]) for r in hit.tolist()]
        boxes = np.repeat(boxes, count, axis=0)
        boxes[np.repeat(np.isin(np.arange(len(rows)), pos), count)] = enc.g_boxes[
            np.concatenate([cover_rows[r] for r in hit.tolist()])]
        sub_cls, img, sub_score = np.repeat(sub_cls, count), np.repeat(img, count), np.repeat(sub_score, count)
    # sub-problem rows stay in the baseline's order, so its push order (ties) is the baseline's
    sub = Encoded(m.classes, enc.g_img[g_in], enc.g_cls[g_in], enc.g_boxes[g_in], img, sub_cls, sub_score, boxes,
                  np.ones(len(img), bool))
    sub_tp = match_encoded(sub, t).det_match >= 0
    if name == "wrong_label":
        new_tp = tp.copy()
        new_tp[rows] = sub_tp
        new_cls = cls.copy()
        new_cls[rows] = sub_cls
        s = np.flatnonzero(m.scored)
        return tide_map(new_cls[s], score[s], new_tp[s], num_gt, (m.det_rank[s],))[0]
    # classes and scores unchanged: the baseline ranking with each row repeated `count` times
    full_count = np.ones(len(cls), np.int64)
    full_count[rows] = count
    first_copy = np.cumsum(full_count) - full_count  # position of each row's first copy in the expanded arrays
    new_tp = np.repeat(tp, full_count)
    new_tp[np.repeat(first_copy[rows], count) + _ranges(np.zeros(len(rows), np.int64), count)] = sub_tp
    ranked = np.repeat(first_copy[order], full_count[order]) + _ranges(np.zeros(len(order), np.int64),
                                                                       full_count[order])
    return tide_map(np.repeat(cls, full_count), np.repeat(score, full_count), new_tp, num_gt, order=ranked)[0]


__all__ = ["FP_TYPES", "GT_TYPES", "ALL_TYPES", "FIXES", "WeakThresholds", "WeakResult", "classify_weak",
           "weak_spatial"]
