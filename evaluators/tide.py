"""TIDE's error analysis (Bolya et al., ECCV 2020; ``tidecv`` 1.0.1) on per-frame boxes, frames as images.

Every (video, frame) is one image, as in ``shared/reference/diagnosis/spatial/README.md``. The
definitions follow ``tidecv/quantify.py`` (read, not copied; see ``docs/protocols/diagnosis.md, section Spatial``):

- per image, the ``max_dets`` best-scoring detections (all classes together, stable on input order)
  are kept; IoU is pycocotools' ``bbIou`` (``evaluators.box_iou`` convention ``"coco"``);
- matching: detections of an image in score order each take the same-class ground truth of largest
  IoU not yet taken (first on ties) if that IoU >= ``pos_threshold``;
- each unmatched detection gets the first type that applies: image without ground truth -> Bkg;
  max same-class IoU (taken or not) in [bg, pos] -> Loc; max other-class IoU >= pos -> Cls; max
  IoU with a taken same-class box >= pos -> Dupe; max IoU with any box <= bg -> Bkg; else Both;
- an unmatched ground-truth box that no Cls/Loc error points at is Miss;
- dAP of a main error = mAP with that error fixed by an oracle - base mAP, clamped at 0; FalsePos /
  FalseNeg are the special errors (not clamped). AP is TIDE's 101-point interpolation (recall points
  ``i / 100``), mAP the mean over classes with any ground truth or any scored detection.

The matcher is vectorised over images: candidate (detection, box) pairs of each image are built in
one pass and the greedy is resolved in rounds (the r-th competing detection of every
(image, class) at once).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from annotations.errors import InputError
from annotations.types import FrameBoxes
from evaluators.box_iou import iou_pairs
from evaluators.unknown_videos import apply_unknown_video_policy

MAIN_ERRORS = ("Cls", "Loc", "Both", "Dupe", "Bkg", "Miss")
SPECIAL_ERRORS = ("FalsePos", "FalseNeg")
#: detection types; code = index, -1 = not scored (beyond max_dets, or on a frame outside its video)
DET_TYPES = ("TP", "Cls", "Loc", "Both", "Dupe", "Bkg")
#: ground-truth types; code = index
GT_TYPES = ("TP", "Miss", "Fixable")
_RECALL_POINTS = np.arange(101) / 100.0  # TIDE's x / 100, not np.linspace (they differ in the last bit)


# ---------------------------------------------------------------------------------------------- helpers

def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for each (s, n), vectorised."""
    lengths = np.asarray(lengths, np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    seg = np.r_[0, np.cumsum(lengths)[:-1]]
    return np.repeat(np.asarray(starts, np.int64) - seg, lengths) + np.arange(total)


def _first_argmax(values: np.ndarray, seg_starts: np.ndarray, seg_len: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per non-empty segment: (max value, flat position of its first occurrence), as ``np.argmax`` per row."""
    seg_max = np.maximum.reduceat(values, seg_starts)
    pos = np.arange(len(values))
    is_max = values == np.repeat(seg_max, seg_len)
    pick = np.minimum.reduceat(np.where(is_max, pos, len(values)), seg_starts)
    return seg_max, pick


def tide_ap(is_tp: np.ndarray, num_gt: int) -> float:
    """TIDE's AP (``APDataObject.get_ap``) of detections already in rank order, in AP points (0-100).

    Parameters
    ----------
    is_tp : np.ndarray, shape (N,), bool
        True positive flag of each detection, best score first.
    num_gt : int
        Number of positives; 0 gives 0.0 (TIDE's value, not NaN).

    Returns
    -------
    float
        Mean over recall points ``0, 0.01, ..., 1`` of the interpolated precision (max precision at
        any rank whose recall is >= the point), times 100.

    Examples
    --------
    >>> round(tide_ap(np.array([True, False, True]), 2), 5)  # (51 * 1 + 50 * 2/3) / 101 * 100
    83.49835
    """
    if num_gt <= 0:
        return 0.0
    is_tp = np.asarray(is_tp, bool)
    y = np.zeros(len(_RECALL_POINTS))
    if len(is_tp):
        ntp = np.cumsum(is_tp).astype(np.float64)
        nfp = np.cumsum(~is_tp).astype(np.float64)
        precision = np.maximum.accumulate((ntp / (ntp + nfp))[::-1])[::-1]
        recall = ntp / num_gt
        idx = np.searchsorted(recall, _RECALL_POINTS, side="left")
        ok = idx < len(precision)
        y[ok] = precision[idx[ok]]
    return float(np.cumsum(y)[-1]) / len(y) * 100  # sequential sum, as Python's sum()


def _ap_by_class(ranked_cls: np.ndarray, ranked_tp: np.ndarray, num_gt: np.ndarray) -> np.ndarray:
    """:func:`tide_ap` of every class at once (rows sorted by class, rank order inside), bit-identical.

    The per-class running max of precision from the end uses integer keys (rank of the precision
    value + a class offset), and the first rank reaching each recall point is the k-th true positive
    of the class with k the least integer such that ``k / num_gt >= point`` (the same float test)."""
    n_cls = len(num_gt)
    num_gt = np.asarray(num_gt, np.int64)
    bounds = np.searchsorted(ranked_cls, np.arange(n_cls + 1))
    start, length = bounds[:-1], np.diff(bounds)
    ap = np.full(n_cls, np.nan)
    ap[(num_gt > 0) | (length > 0)] = 0.0
    if len(ranked_cls) == 0:
        return ap
    tp = np.asarray(ranked_tp, bool)
    ctp, cfp = np.cumsum(tp), np.cumsum(~tp)
    before_tp, before_fp = np.r_[0, ctp][start], np.r_[0, cfp][start]
    seg = np.asarray(ranked_cls, np.int64)
    ntp, nfp = ctp - before_tp[seg], cfp - before_fp[seg]
    precision = ntp / (ntp + nfp)
    uniq, inv = np.unique(precision, return_inverse=True)
    offset = (n_cls - seg) * len(uniq)
    key = inv.reshape(-1) + offset
    smooth = uniq[np.maximum.accumulate(key[::-1])[::-1] - offset]
    live = np.flatnonzero(num_gt > 0)
    g = num_gt[live][:, None]
    x = _RECALL_POINTS[None, :]
    k = np.ceil(x * g).astype(np.int64)
    k = np.where((k - 1 >= 0) & ((k - 1) / g >= x), k - 1, np.where(k / g >= x, k, k + 1))
    n_tp = (np.r_[0, ctp][bounds[1:]] - before_tp)[live][:, None]
    tp_pos = np.flatnonzero(tp)
    ok = (k <= n_tp) & (length[live][:, None] > 0)
    idx = np.where(k == 0, start[live][:, None], tp_pos[np.clip(before_tp[live][:, None] + k - 1, 0,
                                                                 max(len(tp_pos) - 1, 0))] if len(tp_pos) else 0)
    y = np.where(ok, smooth[np.clip(idx, 0, len(smooth) - 1)], 0.0)
    ap[live] = np.cumsum(y, axis=1)[:, -1] / len(_RECALL_POINTS) * 100  # sequential sum, as Python's sum()
    return ap


def tide_map(det_cls: np.ndarray, score: np.ndarray, is_tp: np.ndarray, num_gt: np.ndarray,
             tie_keys: tuple = (), order: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """mAP (points) and per-class AP over the data points given, TIDE's way.

    Parameters
    ----------
    det_cls : np.ndarray, shape (N,), int
        Class code of each scored detection (0 ... C-1).
    score : np.ndarray, shape (N,), float
    is_tp : np.ndarray, shape (N,), bool
    num_gt : np.ndarray, shape (C,), int
        Positives per class.
    tie_keys : tuple of np.ndarray
        Keys that order equal scores, most significant first (TIDE: insertion order).
    order : np.ndarray, optional
        The ranking when already known (indices sorted by class, score desc, ties): no sort is done.

    Returns
    -------
    mAP : float
        Mean AP over classes with positives or detections (NaN when there are none).
    ap : np.ndarray, shape (C,)
        AP per class in points; NaN for classes left out of the mean.

    Examples
    --------
    >>> m, ap = tide_map(np.array([0, 0, 1]), np.array([0.9, 0.8, 0.7]), np.array([True, False, False]),
    ...                  np.array([1, 0]))
    >>> m, ap.tolist()
    (50.0, [100.0, 0.0])
    """
    det_cls = np.asarray(det_cls, np.int64)
    if order is None:
        order = np.lexsort(tuple(reversed(tuple(tie_keys))) + (-np.asarray(score, np.float64), det_cls))
    ap = _ap_by_class(det_cls[order], np.asarray(is_tp, bool)[order], num_gt)
    present = ~np.isnan(ap)
    if not present.any():
        return float("nan"), ap
    return float(np.cumsum(ap[present])[-1]) / int(present.sum()), ap


# ---------------------------------------------------------------------------------------------- matching

def _codes(values: np.ndarray, lookup: dict) -> np.ndarray:
    """``lookup[v]`` for each string of ``values``; runs of equal neighbours are looked up once."""
    n = len(values)
    if n == 0:
        return np.zeros(0, np.int64)
    values = np.asarray(values)
    heads = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    head_codes = np.array([lookup.get(v, -1) for v in values[heads].tolist()], np.int64)
    return np.repeat(head_codes, np.diff(np.r_[heads, n]))


def _distinct(values: np.ndarray) -> list:
    """Distinct strings of ``values`` in first-seen order (cheap when equal values come in runs)."""
    if len(values) == 0:
        return []
    values = np.asarray(values)
    heads = values[np.flatnonzero(np.r_[True, values[1:] != values[:-1]])].tolist()
    return list(dict.fromkeys(heads))


@dataclass(frozen=True, eq=False)
class Encoded:
    """Ground truth and detections as integer arrays (image = video index * frames + frame), rows as given."""

    classes: tuple[str, ...]
    g_img: np.ndarray
    g_cls: np.ndarray
    g_boxes: np.ndarray
    d_img: np.ndarray
    d_cls: np.ndarray
    d_score: np.ndarray
    d_boxes: np.ndarray
    scored: np.ndarray        # (Nd,) bool: in a known image and within max_dets
    warnings: tuple[str, ...] = ()


def encode(gt: FrameBoxes, dets: FrameBoxes, classes=None, num_frames: dict | None = None,
           unknown_videos: str = "error", max_dets: int | None = 100) -> Encoded:
    """Check and integer-encode the input of :func:`match_frames` (see there for the parameters)."""
    if dets.score is None:
        raise InputError(dets.source or None, None, "detections have no score column")
    if not np.all(np.isfinite(dets.score)):
        raise InputError(dets.source or None, f"row {int(np.flatnonzero(~np.isfinite(dets.score))[0])}",
                         "score is NaN or infinite")
    g_labels, d_labels = _distinct(gt.label), _distinct(dets.label)
    if classes is None:
        classes = tuple(sorted(set(g_labels) | set(d_labels)))
    classes = tuple(classes)
    for labels, boxes, what in ((g_labels, gt, "ground truth"), (d_labels, dets, "detections")):
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise InputError(boxes.source or None, None, f"{what} use class name(s) {unknown[:5]} outside the "
                                                        f"{len(classes)} evaluated classes")
    warnings: list[str] = []
    gt_videos = list(gt.videos) or _distinct(gt.video)
    lookup = {v: i for i, v in enumerate(gt_videos)}
    nd = len(dets)
    scored = np.ones(nd, bool)
    d_vid = _codes(dets.video, lookup)
    if np.any(d_vid < 0):
        unknown = d_vid < 0
        keep, notes = apply_unknown_video_policy(dets.video[unknown], gt_videos, unknown_videos, dets.source or None)
        warnings += notes
        if keep is not None:
            scored[unknown] = keep
        extra = {v: len(gt_videos) + i for i, v in enumerate(_distinct(dets.video[unknown]))}
        d_vid[unknown] = _codes(dets.video[unknown], extra)
        lookup.update(extra)
    g_vid = _codes(gt.video, lookup)
    if num_frames is not None and nd:
        names = list(lookup)
        limit = np.array([int(num_frames.get(v, np.iinfo(np.int64).max)) for v in names], np.int64)
        outside = scored & ((dets.frame_idx < 0) | (dets.frame_idx >= limit[d_vid]))
        if outside.any():
            warnings.append(f"{int(outside.sum())} detection(s) on frames outside their video's frame range "
                            "not scored (TIDE sees only the images of the ground truth)")
            scored &= ~outside
    n_frames = int(max(gt.frame_idx.max(initial=-1), dets.frame_idx.max(initial=-1))) + 1
    cls_lookup = {c: i for i, c in enumerate(classes)}
    enc = Encoded(classes, g_vid * n_frames + gt.frame_idx, _codes(gt.label, cls_lookup), gt.boxes_xyxy,
                  d_vid * n_frames + dets.frame_idx, _codes(dets.label, cls_lookup),
                  np.asarray(dets.score, np.float64), dets.boxes_xyxy, scored, tuple(warnings))
    if max_dets is not None:
        enc = cap_per_image(enc, max_dets)
    return enc


def cap_per_image(enc: Encoded, max_dets: int) -> Encoded:
    """Keep the ``max_dets`` best-scoring detections of each image, all classes together (TIDE)."""
    rows = np.flatnonzero(enc.scored)
    rows = rows[np.lexsort((rows, -enc.d_score[rows], enc.d_img[rows]))]
    if not len(rows):
        return enc
    img = enc.d_img[rows]
    starts = np.flatnonzero(np.r_[True, img[1:] != img[:-1]])
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    if not np.any(rank >= max_dets):
        return enc
    scored = enc.scored.copy()
    scored[rows[rank >= max_dets]] = False
    note = (f"{int(np.sum(rank >= max_dets))} detection(s) beyond the {max_dets} best of their frame not scored "
            "(TIDE's max_dets)")
    return Encoded(enc.classes, enc.g_img, enc.g_cls, enc.g_boxes, enc.d_img, enc.d_cls, enc.d_score, enc.d_boxes,
                   scored, enc.warnings + (note,))


@dataclass(frozen=True, eq=False)
class FrameMatch:
    """Detections matched to ground truth per image; every array is in the caller's row order.

    ``scored`` marks detections that take part (inside a known frame, within ``max_dets``).
    ``det_rank`` orders scored detections as TIDE pushes them (image order, then score, then input
    order). Pairs hold every (scored detection, ground-truth box of its image), grouped by detection.
    """

    classes: tuple[str, ...]
    gt_cls: np.ndarray        # (Ng,) class code
    gt_image: np.ndarray      # (Ng,) image code (video index * frames + frame)
    det_cls: np.ndarray       # (Nd,)
    det_image: np.ndarray     # (Nd,)
    scored: np.ndarray        # (Nd,) bool
    det_rank: np.ndarray      # (Nd,) int, position in push order (-1 when not scored)
    det_match: np.ndarray     # (Nd,) gt row matched, -1
    gt_match: np.ndarray      # (Ng,) det row matched, -1
    pair_det: np.ndarray      # (P,) det row
    pair_gt: np.ndarray       # (P,) gt row
    pair_iou: np.ndarray      # (P,) IoU
    det_pair_start: np.ndarray  # (Nd,) first pair of each detection
    det_pair_len: np.ndarray    # (Nd,) number of pairs (boxes in its image; 0 if not scored)
    warnings: tuple[str, ...] = ()
    encoded: Encoded | None = None


def match_encoded(enc: Encoded, pos_threshold: float, pairs: FrameMatch | None = None,
                  iou_convention: str = "coco") -> FrameMatch:
    """TIDE's greedy on encoded input; ``pairs`` (a FrameMatch of the same input at another
    threshold) reuses its (detection, box) pairs and IoU."""
    if not 0 < float(pos_threshold) <= 1:
        raise ValueError(f"pos_threshold must be in (0, 1], got {pos_threshold}")
    nd, ng = len(enc.d_img), len(enc.g_img)
    if pairs is None:
        rows = np.flatnonzero(enc.scored)
        rows = rows[np.lexsort((rows, -enc.d_score[rows], enc.d_img[rows]))]  # push order
        det_rank = np.full(nd, -1, np.int64)
        det_rank[rows] = np.arange(len(rows))
        g_order = np.argsort(enc.g_img, kind="stable")  # annotation order inside an image
        u_img, g_start = np.unique(enc.g_img[g_order], return_index=True)
        g_count = np.diff(np.r_[g_start, ng])
        pos = np.searchsorted(u_img, enc.d_img[rows])
        has = pos < len(u_img)
        has[has] = u_img[pos[has]] == enc.d_img[rows][has]
        cnt = np.zeros(len(rows), np.int64)
        cnt[has] = g_count[pos[has]]
        start_g = np.zeros(len(rows), np.int64)
        start_g[has] = g_start[pos[has]]
        pair_det = np.repeat(rows, cnt)
        pair_gt = g_order[_ranges(start_g, cnt)]
        pair_iou = iou_pairs(enc.d_boxes[pair_det], enc.g_boxes[pair_gt], iou_convention) if len(pair_det) \
            else np.zeros(0)
        det_pair_start = np.zeros(nd, np.int64)
        det_pair_len = np.zeros(nd, np.int64)
        det_pair_start[rows] = np.r_[0, np.cumsum(cnt)[:-1]] if len(rows) else np.zeros(0, np.int64)
        det_pair_len[rows] = cnt
    else:
        det_rank, pair_det, pair_gt, pair_iou = pairs.det_rank, pairs.pair_det, pairs.pair_gt, pairs.pair_iou
        det_pair_start, det_pair_len = pairs.det_pair_start, pairs.det_pair_len

    # greedy, in rounds over the detections that can match (IoU >= t with a same-class box)
    same = enc.d_cls[pair_det] == enc.g_cls[pair_gt]
    cand_val = np.where(same, pair_iou, 0.0)
    det_match = np.full(nd, -1, np.int64)
    gt_match = np.full(ng, -1, np.int64)
    live = np.flatnonzero(det_pair_len > 0)
    if len(live):
        live = live[np.argsort(det_rank[live], kind="stable")]  # push order
        can = np.logical_or.reduceat(cand_val >= pos_threshold, det_pair_start[live])
        el = live[can]
        grp = enc.d_img[el] * len(enc.classes) + enc.d_cls[el]
        o = np.argsort(grp, kind="stable")
        el, grp = el[o], grp[o]
        heads = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]]) if len(el) else np.zeros(0, np.int64)
        rnd = np.arange(len(el)) - np.repeat(heads, np.diff(np.r_[heads, len(el)]))
        used = np.zeros(ng, bool)
        for r in range(int(rnd.max(initial=-1)) + 1):
            e = el[rnd == r]
            flat = _ranges(det_pair_start[e], det_pair_len[e])
            vals = np.where(used[pair_gt[flat]], 0.0, cand_val[flat])
            best, pick = _first_argmax(vals, np.r_[0, np.cumsum(det_pair_len[e])[:-1]], det_pair_len[e])
            ok = best >= pos_threshold
            g = pair_gt[flat[pick[ok]]]
            used[g] = True
            det_match[e[ok]] = g
            gt_match[g] = e[ok]
    return FrameMatch(enc.classes, enc.g_cls, enc.g_img, enc.d_cls, enc.d_img, enc.scored, det_rank, det_match,
                      gt_match, pair_det, pair_gt, pair_iou, det_pair_start, det_pair_len, enc.warnings, enc)


def match_frames(gt: FrameBoxes, dets: FrameBoxes, pos_threshold: float = 0.5, max_dets: int | None = 100,
                 num_frames: dict | None = None, classes=None, unknown_videos: str = "error",
                 iou_convention: str = "coco") -> FrameMatch:
    """TIDE's per-image greedy matching of box detections to ground truth, frames as images.

    Parameters
    ----------
    gt, dets : FrameBoxes
        Ground truth and detections (``dets.score`` required); boxes ``[x1, y1, x2, y2]`` pixels.
    pos_threshold : float
        A detection matches a free same-class box when IoU >= this.
    max_dets : int or None
        Detections kept per image (all classes together), TIDE's 100; None keeps all.
    num_frames : dict, optional
        ``{video: frame count}``: detections on frames outside ``0 ... count-1`` are not scored (TIDE
        only sees the images of the ground-truth file), with a warning. None: every frame counts.
    classes : sequence of str, optional
        Class list (codes = positions); default the sorted union of labels.
    unknown_videos : {"error", "fp", "drop"}
        Detections in videos outside ``gt.videos`` (see ``evaluators.unknown_videos``).
    iou_convention : str
        ``evaluators.box_iou`` convention; ``"coco"`` is TIDE's.

    Returns
    -------
    FrameMatch

    Examples
    --------
    >>> import numpy as np
    >>> g = FrameBoxes(np.array(["v"]), np.array([0]), np.array(["a"]), np.array([[0., 0, 10, 10]]), videos=("v",))
    >>> d = FrameBoxes(np.array(["v", "v"]), np.array([0, 0]), np.array(["a", "a"]),
    ...                np.array([[0., 0, 10, 10], [0, 0, 10, 9]]), np.array([0.5, 0.9]), videos=("v",))
    >>> match_frames(g, d).det_match.tolist()
    [-1, 0]
    """
    enc = encode(gt, dets, classes, num_frames, unknown_videos, max_dets)
    return match_encoded(enc, pos_threshold, iou_convention=iou_convention)



@dataclass(frozen=True, eq=False)
class TideResult:
    """TIDE's numbers for one positive threshold, in AP points (0-100), plus the per-box types.

    ``det_type[i]`` is the code in :data:`DET_TYPES` of detection row i (-1: not scored) and
    ``det_target[i]`` the ground-truth row its Cls / Loc / Dupe error (or its match) refers to.
    ``gt_type[j]`` is the code in :data:`GT_TYPES` of box j (Fixable: unmatched, but a Cls / Loc error
    points at it, so TIDE does not count it as Miss).
    """

    pos_threshold: float
    background_threshold: float
    classes: tuple[str, ...]
    mAP: float
    ap: np.ndarray                  # (C,) base AP per class, NaN for classes outside the mean
    main_dAP: dict
    special_dAP: dict
    error_counts: dict
    det_type: np.ndarray
    det_target: np.ndarray
    det_fixable: np.ndarray         # (Nd,) bool: the Cls / Loc error an oracle turns into a true positive
    gt_type: np.ndarray
    match: FrameMatch
    warnings: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"pos_threshold": self.pos_threshold, "background_threshold": self.background_threshold,
                "mAP": self.mAP, "main_errors_dAP": dict(self.main_dAP),
                "special_errors_dAP": dict(self.special_dAP), "error_counts": dict(self.error_counts),
                "ap_per_class": {c: float(a) for c, a in zip(self.classes, self.ap) if not np.isnan(a)},
                "warnings": list(self.warnings)}


def classify_detections(m: FrameMatch, pos_threshold: float, background_threshold: float):
    """TIDE's error type of every detection and box: (det_type, det_target, det_fixable, gt_type)."""
    nd, ng = len(m.det_cls), len(m.gt_cls)
    det_type = np.full(nd, -1, np.int8)
    det_target = np.full(nd, -1, np.int64)
    det_type[m.scored] = DET_TYPES.index("Bkg")  # default for images without ground truth
    tp = m.det_match >= 0
    det_type[tp] = 0
    det_target[tp] = m.det_match[tp]
    fp = np.flatnonzero(m.scored & ~tp & (m.det_pair_len > 0))
    if len(fp):
        flat = _ranges(m.det_pair_start[fp], m.det_pair_len[fp])
        seg, ln = np.r_[0, np.cumsum(m.det_pair_len[fp])[:-1]], m.det_pair_len[fp]
        pd, pg, iou = m.pair_det[flat], m.pair_gt[flat], m.pair_iou[flat]
        same = m.det_cls[pd] == m.gt_cls[pg]
        used = m.gt_match[pg] >= 0
        v_cls, i_cls = _first_argmax(iou * same, seg, ln)
        v_non, i_non = _first_argmax(iou * ~same, seg, ln)
        v_dup, i_dup = _first_argmax(iou * used * same, seg, ln)
        v_any = np.maximum.reduceat(iou, seg)
        t = np.full(len(fp), DET_TYPES.index("Both"), np.int8)
        target = np.full(len(fp), -1, np.int64)
        rules = ((background_threshold <= v_cls) & (v_cls <= pos_threshold), "Loc", i_cls)
        undecided = np.ones(len(fp), bool)
        for cond, name, idx in (rules, (v_non >= pos_threshold, "Cls", i_non),
                                (v_dup >= pos_threshold, "Dupe", i_dup), (v_any <= background_threshold, "Bkg", None)):
            hit = undecided & cond
            t[hit] = DET_TYPES.index(name)
            if idx is not None:
                target[hit] = pg[idx[hit]]
            undecided &= ~hit
        det_type[fp], det_target[fp] = t, target
    # the oracle fixes only the best-scoring Cls / Loc error of each free box (first in push order on ties)
    fixable = np.zeros(nd, bool)
    cl = np.flatnonzero(np.isin(det_type, (1, 2)) & (det_target >= 0))
    cl = cl[m.gt_match[det_target[cl]] < 0]
    if len(cl):
        o = np.lexsort((m.det_rank[cl], det_target[cl]))
        cl = cl[o]
        first = np.r_[True, det_target[cl][1:] != det_target[cl][:-1]]
        fixable[cl[first]] = True
    gt_type = np.zeros(ng, np.int8)
    free = m.gt_match < 0
    usable = np.zeros(ng, bool)
    usable[det_target[cl]] = True
    gt_type[free] = GT_TYPES.index("Miss")
    gt_type[free & usable] = GT_TYPES.index("Fixable")
    return det_type, det_target, fixable, gt_type


def tide(gt: FrameBoxes, dets: FrameBoxes, pos_threshold: float = 0.5, background_threshold: float = 0.1,
         max_dets: int | None = 100, num_frames: dict | None = None, classes=None,
         unknown_videos: str = "error", match: FrameMatch | None = None) -> TideResult:
    """TIDE's base mAP, main-error and special-error dAP on frame boxes (frames as images).

    Parameters
    ----------
    gt, dets : FrameBoxes
        Ground-truth boxes and scored detections, ``[x1, y1, x2, y2]`` pixels, 0-based frames.
    pos_threshold : float
        IoU for a true positive (TIDE's default 0.5).
    background_threshold : float
        IoU at or below which a detection is background (TIDE's default 0.1).
    max_dets, num_frames, classes, unknown_videos
        As in :func:`match_frames`.
    match : FrameMatch, optional
        The matching of this input at ``pos_threshold`` when already computed (then the input
        arguments above are not read again).

    Returns
    -------
    TideResult
        mAP and dAP in AP points (0-100), error counts, per-detection and per-box types.

    Examples
    --------
    >>> import numpy as np
    >>> g = FrameBoxes(np.array(["v", "v"]), np.array([0, 1]), np.array(["a", "a"]),
    ...                np.array([[0., 0, 10, 10], [0, 0, 10, 10]]), videos=("v",))
    >>> d = FrameBoxes(np.array(["v", "v"]), np.array([0, 1]), np.array(["a", "a"]),
    ...                np.array([[0., 0, 10, 10], [0, 0, 10, 4]]), np.array([0.9, 0.8]), videos=("v",))
    >>> r = tide(g, d)
    >>> round(r.mAP, 4), r.error_counts["Loc"], round(r.main_dAP["Loc"], 4)
    (50.495, 1, 49.505)
    """
    m = match if match is not None else match_frames(gt, dets, pos_threshold, max_dets, num_frames, classes,
                                                     unknown_videos)
    det_type, det_target, fixable, gt_type = classify_detections(m, pos_threshold, background_threshold)
    n_cls = len(m.classes)
    num_gt = np.bincount(m.gt_cls, minlength=n_cls).astype(np.int64)
    s = np.flatnonzero(m.scored)
    cls, score, tp, rank = m.det_cls[s], m.encoded.d_score[s], det_type[s] == 0, m.det_rank[s]
    base_map, base_ap = tide_map(cls, score, tp, num_gt, (rank,))
    err_first = (tp.astype(np.int8), rank)  # in a fixed run, errors are pushed before true positives
    # one ranking for every fix that keeps classes and scores: removing rows keeps the others' order
    order_fixed = np.lexsort((rank, err_first[0], -score, cls))

    def fixed_map(keep, new_cls, new_tp, gt_minus=None):
        ng_c = num_gt if gt_minus is None else num_gt - np.bincount(gt_minus, minlength=n_cls)
        if new_cls is cls:
            o = order_fixed[keep[order_fixed]]
            return tide_map(cls, score, new_tp, ng_c, order=o)[0]
        return tide_map(new_cls[keep], score[keep], new_tp[keep], ng_c, (err_first[0][keep], err_first[1][keep]))[0]

    all_kept = np.ones(len(s), bool)
    t_s = det_type[s]
    main = {}
    for name in ("Cls", "Loc"):
        code = DET_TYPES.index(name)
        is_t = t_s == code
        keep = ~is_t | fixable[s]
        new_cls = cls
        if name == "Cls":
            new_cls = cls.copy()
            hit = is_t & fixable[s]
            new_cls[hit] = m.gt_cls[det_target[s][hit]]
        main[name] = fixed_map(keep, new_cls, tp | (is_t & fixable[s]))
    for name in ("Both", "Dupe", "Bkg"):
        main[name] = fixed_map(t_s != DET_TYPES.index(name), cls, tp)
    main["Miss"] = fixed_map(all_kept, cls, tp, m.gt_cls[gt_type == GT_TYPES.index("Miss")])
    main_dap = {k: max(main[k] - base_map, 0.0) for k in MAIN_ERRORS}
    # FalsePos: true positives score 1, false positives 0 (order inside each group does not change AP)
    fp_fixed = tide_map(cls, tp.astype(np.float64), tp, num_gt,
                        order=order_fixed[np.argsort(cls[order_fixed] * 2 + ~tp[order_fixed], kind="stable")])[0]
    fn_fixed = fixed_map(all_kept, cls, tp, m.gt_cls[gt_type != 0])
    special = {"FalsePos": fp_fixed - base_map, "FalseNeg": fn_fixed - base_map}
    counts = {k: int(np.sum(det_type == DET_TYPES.index(k))) for k in MAIN_ERRORS[:-1]}
    counts["Miss"] = int(np.sum(gt_type == GT_TYPES.index("Miss")))
    return TideResult(float(pos_threshold), float(background_threshold), m.classes, base_map, base_ap, main_dap,
                      special, counts, det_type, det_target, fixable, gt_type, m, m.warnings)


__all__ = ["MAIN_ERRORS", "SPECIAL_ERRORS", "DET_TYPES", "GT_TYPES", "Encoded", "FrameMatch", "TideResult", "tide",
           "tide_ap", "tide_map", "encode", "match_encoded", "match_frames", "classify_detections"]
