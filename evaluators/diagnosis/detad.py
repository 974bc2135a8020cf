"""DETAD's three analyses of temporal action detections, with DETAD's numbers.

DETAD = Alwassel, Caba Heilbron, Escorcia, Ghanem, *Diagnosing Error in Temporal Action Detectors*,
ECCV 2018 (github.com/HumamAlwassel/DETAD, commit 24f7d95). Re-implemented from its definitions
(no code copied); every convention below is DETAD's and is stated in ``docs/protocols/diagnosis.md``:

- **Matching** (DETAD's ``compute_average_precision_detection``, which is ActivityNet's): per class,
  predictions in descending score (``argsort()[::-1]``), each takes the unmatched ground truth of its
  video with the highest tIoU among those with tIoU >= t (equal tIoUs: the order of
  ``tiou.argsort()[::-1]``).
- **Normalised AP** (``normalize_ap``): precision_N = recall * N / (recall * N + FP) with N the
  average number of instances per class; all-point interpolated AP (VOC 2011).
- **False-positive types** at tIoU t with floor ``min_tiou_thr``: an unmatched prediction is compared
  with the ground truth of *any* class in its video with the largest tIoU (first on ties):
  >= t: double detection (same label) / wrong label; >= floor: localization / confusion; else background.
- **False-positive profile**: per class j, predictions ranked [(k-1) n_j, k n_j) form group kG
  (score-rank bands, not cumulative), pooled over classes.
- **Removing-error gain**: average-mAP_N with the predictions of one type removed, minus the base.
- **False-negative rate** and **sensitivity** by ground-truth characteristic bucket.

``detad_compat=True`` reproduces DETAD as shipped, which types the predictions on a video without
ground truth after the first one against the ground truth of the previously processed video; the
default types them all *background*.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from annotations.errors import InputError
from annotations.types import AMBIGUOUS, Segments

ERROR_TYPES = ("true_positive", "double_detection", "wrong_label", "localization", "confusion", "background")
#: DETAD's own names of the types (its plots and ``fp_error_types_legned``)
DETAD_NAMES = dict(zip(ERROR_TYPES, ("True Positive", "Double Detection Err", "Wrong Label Err",
                                     "Localization Err", "Confusion Err", "Background Err")))
TRUE_POSITIVE, DOUBLE_DETECTION, WRONG_LABEL, LOCALIZATION, CONFUSION, BACKGROUND = range(6)

_INF = float("inf")
#: DETAD's characteristic buckets per dataset: name -> (edges, labels); right-closed, first edge included
CHARACTERISTIC_BINS = {
    "thumos14": {
        "coverage": ((0.0, 0.02, 0.04, 0.06, 0.08, 1.0), ("XS", "S", "M", "L", "XL")),
        "length": ((0.0, 3.0, 6.0, 12.0, 18.0, _INF), ("XS", "S", "M", "L", "XL")),
        "num-instances": ((-1.0, 1.0, 40.0, 80.0, _INF), ("XS", "S", "M", "L")),
    },
    "activitynet": {
        "context-size": (tuple(float(v) for v in range(-1, 7)), ("0", "1", "2", "3", "4", "5", "6")),
        "context-distance": ((-1.0, 0.0, 1.0, 2.0, 3.0), ("Inf", "N", "M", "F")),
        "agreement": (tuple(float(v) for v in np.linspace(0, 1.0, 6)), ("XW", "W", "M", "H", "XH")),
        "coverage": (tuple(float(v) for v in np.linspace(0, 1.0, 6)), ("XS", "S", "M", "L", "XL")),
        "length": ((0.0, 30.0, 60.0, 120.0, 180.0, _INF), ("XS", "S", "M", "L", "XL")),
        "num-instances": ((-1.0, 1.0, 4.0, 8.0, _INF), ("XS", "S", "M", "L")),
    },
}
#: DETAD's tIoU thresholds per dataset (``main()`` of each analysis script)
DEFAULT_TIOU = {"thumos14": (0.5,), "activitynet": tuple(float(t) for t in np.linspace(0.5, 0.95, 10))}
DATASETS = tuple(DEFAULT_TIOU)
#: characteristics computed from the ground truth itself (the others only come from DETAD's file)
COMPUTED_CHARACTERISTICS = ("coverage", "length", "num-instances")


# --------------------------------------------------------------------------- small exact helpers


def segment_tiou(gt_start_s, gt_end_s, det_start_s, det_end_s) -> np.ndarray:
    """tIoU in the floating-point order of DETAD's ``utils.segment_iou`` (broadcasting).

    Parameters
    ----------
    gt_start_s, gt_end_s, det_start_s, det_end_s : array_like of float64, seconds

    Returns
    -------
    ndarray of float64: ``inter / ((gt_len + det_len) - inter)``; NaN where the union is 0.

    >>> float(segment_tiou(0.0, 2.0, 1.0, 3.0))
    0.3333333333333333
    """
    gs, ge, ds, de = (np.asarray(a, dtype=np.float64) for a in (gt_start_s, gt_end_s, det_start_s, det_end_s))
    inter = (np.minimum(de, ge) - np.maximum(ds, gs)).clip(0)
    union = (ge - gs) + (de - ds) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / union


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """All-point interpolated AP (VOC 2011), in the exact arithmetic of DETAD's ``interpolated_prec_rec``.

    Parameters
    ----------
    precision, recall : (n,) float64 arrays in rank order

    >>> interpolated_ap(np.array([1.0, 0.5]), np.array([0.5, 0.5]))
    0.5
    """
    mprec = np.concatenate([[0.0], precision, [0.0]])
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    idx = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx]))


def bucketize(values, edges) -> np.ndarray:
    """Bucket index of each value as ``pandas.cut(values, edges, include_lowest=True)`` (right-closed).

    Parameters
    ----------
    values : (n,) float array (NaN allowed)
    edges : (k + 1,) increasing bucket edges

    Returns
    -------
    (n,) int64 bucket index in [0, k), -1 for NaN or a value outside the edges.

    >>> bucketize([0.0, 0.02, 0.03, 2.0], (0.0, 0.02, 0.04, 1.0)).tolist()
    [0, 0, 1, -1]
    """
    values = np.asarray(values, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    ids = np.searchsorted(edges, values, side="left")
    ids[values == edges[0]] = 1
    bad = np.isnan(values) | (ids == 0) | (ids == len(edges))
    return np.where(bad, -1, ids - 1).astype(np.int64)


def desc_order_numpy(scores: np.ndarray) -> np.ndarray:
    """Descending order as DETAD's ``scores.argsort()[::-1]`` (numpy's default, unstable sort)."""
    return np.argsort(scores)[::-1]


def desc_order_pandas(scores: np.ndarray) -> np.ndarray:
    """Descending order as ``DataFrame.sort_values(by='score', ascending=False)`` (pandas' ``nargsort``)."""
    idx = np.arange(len(scores))[::-1]
    return idx[np.asarray(scores)[::-1].argsort(kind="quicksort")][::-1]


# --------------------------------------------------------------------------- pairs that overlap


def overlap_pairs(gt_vid, gt_start_s, gt_end_s, det_vid, det_start_s, det_end_s):
    """Every (detection, ground truth) pair of the same video whose intersection is > 0.

    Ground truth is sorted by (video, start) once; a detection's candidates are the ground truths
    that start before it ends and after the running maximum of ends passes its start, so the cost
    follows the number of overlaps, not detections x ground truth.

    Parameters
    ----------
    gt_vid, det_vid : (G,), (D,) int video ids
    gt_start_s, gt_end_s, det_start_s, det_end_s : float64 seconds

    Returns
    -------
    det_idx, gt_idx : (P,) int64, ordered by detection then ground-truth index

    >>> d, g = overlap_pairs(np.array([0, 0]), np.array([0., 5.]), np.array([2., 6.]),
    ...                      np.array([0]), np.array([1.]), np.array([5.5]))
    >>> d.tolist(), g.tolist()
    ([0, 0], [0, 1])
    """
    gt_vid = np.asarray(gt_vid, np.int64)
    det_vid = np.asarray(det_vid, np.int64)
    if len(gt_vid) == 0 or len(det_vid) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    times = np.unique(np.concatenate([gt_start_s, gt_end_s, det_start_s, det_end_s]))
    span = np.int64(len(times) + 1)  # exact composite keys: video * span + rank of the time
    order = np.lexsort((gt_start_s, gt_vid))
    gv = gt_vid[order] * span
    key_start = gv + np.searchsorted(times, gt_start_s[order])
    key_end = np.maximum.accumulate(gv + np.searchsorted(times, gt_end_s[order]))
    dv = det_vid * span
    hi = np.searchsorted(key_start, dv + np.searchsorted(times, det_end_s), side="left")
    lo = np.searchsorted(key_end, dv + np.searchsorted(times, det_start_s), side="right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    d = np.repeat(np.arange(len(det_vid), dtype=np.int64), counts)
    pos = np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(total, dtype=np.int64)
    g = order[pos]
    keep = (np.minimum(det_end_s[d], gt_end_s[g]) - np.maximum(det_start_s[d], gt_start_s[g])) > 0
    d, g = d[keep], g[keep]
    o = np.lexsort((g, d))
    return d[o], g[o]


# --------------------------------------------------------------------------- the shared problem


_CODES: list = []  # (array, distinct values, inverse) of the last string columns encoded, by identity


def _codes(values: np.ndarray):
    """``np.unique(values, return_inverse=True)``, remembered for the last few arrays (the same
    detection columns are encoded by several analyses; arrays are never modified in place)."""
    for a, u, i in _CODES:
        if a is values:
            return u, i
    u, i = np.unique(values, return_inverse=True)
    _CODES.insert(0, (values, u, i.reshape(-1)))
    del _CODES[6:]
    return _CODES[0][1], _CODES[0][2]


def _ids(values: np.ndarray, index: dict) -> np.ndarray:
    """Integer id of each string through ``index`` (one dict lookup per distinct value)."""
    if not len(values):
        return np.zeros(0, np.int64)
    uniq, inv = _codes(values)
    return np.array([index[u] for u in uniq.tolist()], np.int64)[inv]


def member(values: np.ndarray, allowed) -> np.ndarray:
    """Mask of ``values`` (str array) found in ``allowed`` (fast for few distinct values)."""
    if not len(values):
        return np.zeros(0, bool)
    uniq, inv = _codes(np.asarray(values, dtype=str))
    allowed = set(allowed)
    return np.array([u in allowed for u in uniq.tolist()], bool)[inv]


class Problem:
    """Ground truth and predictions encoded as integer classes / videos, with their overlapping pairs.

    ``det_*`` arrays are in the caller's order (DETAD's prediction-id order). Built once per
    prediction set and shared by every analysis (and by :mod:`evaluators.diagnosis.weak_temporal`).
    """

    def __init__(self, classes, gt_video, gt_start, gt_end, gt_label, det_video, det_start, det_end, det_label,
                 det_score, video_names=None):
        self.classes = tuple(classes)
        cid = {c: i for i, c in enumerate(self.classes)}
        gt_video, det_video = np.asarray(gt_video, dtype=str), np.asarray(det_video, dtype=str)
        names = list(dict.fromkeys(list(video_names or ()) + (_codes(gt_video)[0].tolist() if len(gt_video) else [])
                                   + (_codes(det_video)[0].tolist() if len(det_video) else [])))
        vid = {v: i for i, v in enumerate(names)}
        self.video_names = np.array(names, dtype=object)
        self.gt_vid = _ids(gt_video, vid)
        self.gt_cls = _ids(np.asarray(gt_label, dtype=str), cid)
        self.gt_start = np.asarray(gt_start, np.float64)
        self.gt_end = np.asarray(gt_end, np.float64)
        self.det_vid = _ids(det_video, vid)
        self.det_cls = _ids(np.asarray(det_label, dtype=str), cid)
        self.det_start = np.asarray(det_start, np.float64)
        self.det_end = np.asarray(det_end, np.float64)
        self.score = np.asarray(det_score, np.float64)
        self.num_gt = np.bincount(self.gt_cls, minlength=len(self.classes))
        self.num_det = len(self.score)
        pd_, pg_ = overlap_pairs(self.gt_vid, self.gt_start, self.gt_end, self.det_vid, self.det_start, self.det_end)
        self._finish(pd_, pg_, segment_tiou(self.gt_start[pg_], self.gt_end[pg_], self.det_start[pd_],
                                            self.det_end[pd_]))

    def _finish(self, pd_, pg_, tiou):
        """Everything derived from the pairs and the prediction order."""
        names = self.video_names
        self.pair_det, self.pair_gt, self.pair_tiou = pd_, pg_, tiou
        self.pair_same = self.gt_cls[pg_] == self.det_cls[pd_]
        # index of each GT inside its (class, video) group, in GT order (DETAD's ``this_gt`` rows)
        key = self.gt_cls * len(names) + self.gt_vid
        o = np.argsort(key, kind="stable")
        first = np.searchsorted(key[o], key[o])
        self.gt_local = np.empty(len(key), np.int64)
        self.gt_local[o] = np.arange(len(key)) - first
        self._group_key_sorted, self._group_order = key[o], o
        self.video_has_gt = np.zeros(len(names), bool)
        self.video_has_gt[self.gt_vid] = True
        # per class: prediction rows in DETAD's rank order (``argsort()[::-1]`` over prediction-id order)
        self.class_rows = [np.flatnonzero(self.det_cls == c) for c in range(len(self.classes))]
        self.class_order = [rows[desc_order_numpy(self.score[rows])] for rows in self.class_rows]
        self.rank = np.zeros(self.num_det, np.int64)
        for rows in self.class_order:
            self.rank[rows] = np.arange(len(rows))
        self._matches: dict[float, np.ndarray] = {}

    def subset(self, rows: np.ndarray) -> "Problem":
        """The same problem with only the predictions ``rows``, in that order (pairs re-indexed, not recomputed)."""
        q = object.__new__(Problem)
        q.classes, q.video_names = self.classes, self.video_names
        q.gt_vid, q.gt_cls, q.gt_start, q.gt_end, q.num_gt = self.gt_vid, self.gt_cls, self.gt_start, self.gt_end, \
            self.num_gt
        q.det_vid, q.det_cls = self.det_vid[rows], self.det_cls[rows]
        q.det_start, q.det_end, q.score = self.det_start[rows], self.det_end[rows], self.score[rows]
        q.num_det = len(rows)
        new = np.full(self.num_det, -1, np.int64)
        new[rows] = np.arange(len(rows))
        nd = new[self.pair_det]
        k = nd >= 0
        o = np.lexsort((self.pair_gt[k], nd[k]))
        q._finish(nd[k][o], self.pair_gt[k][o], self.pair_tiou[k][o])
        return q

    def group_gt(self, c: int, v: int) -> np.ndarray:
        """GT rows of class ``c`` in video ``v``, in GT order."""
        k = c * len(self.video_names) + v
        lo, hi = np.searchsorted(self._group_key_sorted, [k, k + 1])
        return self._group_order[lo:hi]

    def match(self, tiou_thr: float) -> np.ndarray:
        """(D,) matched GT row of each prediction at ``tiou_thr`` (-1: none), DETAD's greedy matching."""
        t = float(tiou_thr)
        if t not in self._matches:
            self._matches[t] = self._match(t)
        return self._matches[t]

    def _match(self, t: float) -> np.ndarray:
        sel = self.pair_same & (self.pair_tiou >= t)
        pd_, pg_, po = self.pair_det[sel], self.pair_gt[sel], self.pair_tiou[sel]
        matched = np.full(self.num_det, -1, np.int64)
        if len(pd_) == 0:
            return matched
        multi = np.bincount(pd_, minlength=self.num_det)[pd_] >= 2
        conflict_gt = np.zeros(len(self.gt_cls), bool)
        conflict_gt[pg_[multi]] = True
        conflict = conflict_gt[pg_]
        # without conflicts, each GT goes to its best-ranked candidate
        sd, sg = pd_[~conflict], pg_[~conflict]
        o = np.lexsort((self.rank[sd], sg))
        first = np.concatenate([[True], sg[o][1:] != sg[o][:-1]]) if len(o) else np.zeros(0, bool)
        matched[sd[o][first]] = sg[o][first]
        if conflict.any():
            cd, cg, co = pd_[conflict], pg_[conflict], po[conflict]
            tie = -self.gt_local[cg]  # numpy's small-array argsort is stable: reversed, the later GT first
            o = np.lexsort((tie, -co, cd))
            tied = (cd[o][1:] == cd[o][:-1]) & (co[o][1:] == co[o][:-1])
            if tied.any():
                for d in np.unique(cd[o][1:][tied]).tolist():
                    rows = self.group_gt(self.det_cls[d], self.det_vid[d])
                    tiou = segment_tiou(self.gt_start[rows], self.gt_end[rows], self.det_start[d], self.det_end[d])
                    position = np.empty(len(rows), np.int64)
                    position[tiou.argsort()[::-1]] = np.arange(len(rows))
                    s = cd == d
                    tie[s] = position[self.gt_local[cg[s]]]
            o = np.lexsort((tie, -co, self.rank[cd], self.det_cls[cd]))
            locked = set()
            last = -1
            for d, g in zip(cd[o].tolist(), cg[o].tolist()):
                if d == last or g in locked:
                    continue
                locked.add(g)
                matched[d] = g
                last = d
        return matched

    def best_any_class(self):
        """Per prediction: GT row of largest tIoU over all classes in its video (first on ties) and that tIoU.

        A prediction overlapping nothing gets the first GT of its video and tIoU 0; -1 where the video has none.
        """
        best = np.full(self.num_det, -1, np.int64)
        first_gt = np.full(len(self.video_names), -1, np.int64)
        rows = np.arange(len(self.gt_vid))[::-1]
        first_gt[self.gt_vid[rows]] = rows  # last write wins: the smallest row per video
        best[:] = first_gt[self.det_vid]
        tiou = np.zeros(self.num_det)
        if len(self.pair_det):
            o = np.lexsort((self.pair_gt, -self.pair_tiou, self.pair_det))
            head = np.concatenate([[True], self.pair_det[o][1:] != self.pair_det[o][:-1]])
            d = self.pair_det[o][head]
            best[d] = self.pair_gt[o][head]
            tiou[d] = self.pair_tiou[o][head]
        return best, tiou


def _classify(tiou, same_label, tiou_thr, min_tiou_thr) -> np.ndarray:
    """DETAD's FP type from the best any-class tIoU and whether that GT has the prediction's label."""
    return np.where(tiou >= tiou_thr, np.where(same_label, DOUBLE_DETECTION, WRONG_LABEL),
                    np.where(tiou >= min_tiou_thr, np.where(same_label, LOCALIZATION, CONFUSION), BACKGROUND))


def fp_error_types(p: Problem, matched: np.ndarray, tiou_thr: float, min_tiou_thr: float = 0.1,
                   detad_compat: bool = False) -> tuple[np.ndarray, list[dict]]:
    """DETAD's type (0..5, see ``ERROR_TYPES``) of every prediction, and the list of predictions on
    videos without ground truth with what DETAD as shipped would type them.

    Parameters
    ----------
    p : Problem
    matched : (D,) int64 matched GT row (-1: false positive), from :meth:`Problem.match`
    tiou_thr, min_tiou_thr : float
    detad_compat : reproduce DETAD's stale ground truth on videos without ground truth
    """
    best, tiou = p.best_any_class()
    same = np.zeros(p.num_det, bool)
    ok = best >= 0
    same[ok] = p.gt_cls[best[ok]] == p.det_cls[ok]
    types = _classify(tiou, same, tiou_thr, min_tiou_thr).astype(np.int64)
    types[~ok] = BACKGROUND
    types[matched >= 0] = TRUE_POSITIVE
    gtless = np.flatnonzero((matched < 0) & ~ok)
    listing = []
    if len(gtless) and detad_compat:
        types[gtless] = _detad_stale_types(p, matched, tiou_thr, min_tiou_thr)[gtless]
    for i in gtless.tolist():
        listing.append({"row": i, "video": str(p.video_names[p.det_vid[i]]), "type": ERROR_TYPES[int(types[i])]})
    return types, listing


def _detad_stale_types(p: Problem, matched, tiou_thr, min_tiou_thr) -> np.ndarray:
    """DETAD's walk over unmatched predictions sorted by video id: on a video without ground truth
    only the first prediction is background, the next ones are typed against the ground truth of the
    last video walked that had some (all background if there is none, where DETAD itself would fail)."""
    out = np.full(p.num_det, BACKGROUND, np.int64)
    unmatched = np.flatnonzero(matched < 0)
    names = p.video_names[p.det_vid[unmatched]]
    seq = unmatched[np.asarray(names, dtype=object).argsort(kind="quicksort")]
    vids = p.det_vid[seq]
    starts = np.flatnonzero(np.concatenate([[True], vids[1:] != vids[:-1]]))
    ends = np.append(starts[1:], len(seq))
    stale = -1
    for a, b in zip(starts.tolist(), ends.tolist()):
        v = int(vids[a])
        if p.video_has_gt[v]:
            stale = v
            continue
        rest = seq[a + 1:b]
        if stale < 0 or not len(rest):
            continue
        rows = np.flatnonzero(p.gt_vid == stale)
        tiou = segment_tiou(p.gt_start[rows][None, :], p.gt_end[rows][None, :], p.det_start[rest][:, None],
                            p.det_end[rest][:, None])
        arg = tiou.argmax(axis=1)
        same = p.gt_cls[rows][arg] == p.det_cls[rest]
        out[rest] = _classify(tiou[np.arange(len(rest)), arg], same, tiou_thr, min_tiou_thr)
    return out


# --------------------------------------------------------------------------- AP_N


def precision_n(tp: np.ndarray, npos: int, n_norm: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative (precision, recall) of ranked TP flags; normalised with ``n_norm`` (DETAD's
    ``average_num_instance_per_class``) or, when None, the plain ``recall*npos/(recall*npos+FP)``."""
    tp = np.asarray(tp, np.float64)
    tp_c = np.cumsum(tp, axis=-1)
    fp_c = np.cumsum(1.0 - tp, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rec = tp_c / npos
        n = npos if n_norm is None else n_norm
        prec = rec * n / (rec * n + fp_c)
    return prec, rec


def ap_detad(tp: np.ndarray, npos: int, n_norm: float | None) -> float:
    """AP(_N) of ranked TP flags exactly as DETAD computes it.

    >>> ap_detad(np.array([1, 0, 1]), 2, None)
    0.8333333333333333
    """
    prec, rec = precision_n(tp, npos, n_norm)
    return interpolated_ap(prec, rec)


def _matched_after_rule(p: Problem, matched: np.ndarray, n_norm: float, min_precision: float) -> np.ndarray:
    """DETAD's ``minimum_normalized_precision_threshold_for_detection``: a TP ranked where
    precision_N <= the threshold becomes a FP and its GT stays unmatched (applied once, not iterated)."""
    if min_precision <= 0:  # precision_N <= 0 only before the first TP: nothing changes
        return matched
    out = matched.copy()
    for c, rows in enumerate(p.class_order):
        if not len(rows):
            continue
        prec, _ = precision_n(matched[rows] >= 0, int(p.num_gt[c]), n_norm)
        out[rows[prec <= min_precision]] = -1
    return out


def _class_ap(p: Problem, matched: np.ndarray, n_norm: float | None, keep: np.ndarray | None = None) -> np.ndarray:
    """(C,) AP(_N) per class from matched flags in DETAD's rank order, ``keep`` = predictions kept."""
    ap = np.zeros(len(p.classes))
    for c, rows in enumerate(p.class_order):
        if keep is not None:
            rows = rows[keep[rows]]
        npos = int(p.num_gt[c])
        ap[c] = ap_detad(matched[rows] >= 0, npos, n_norm) if npos else np.nan
    return ap


# --------------------------------------------------------------------------- characteristics


def gt_characteristics(gt: Segments, durations: dict | None = None, extra: dict | None = None):
    """Per-instance characteristics of ``gt`` (Ambiguous rows excluded by the caller).

    ``length`` = t_end - t_start (s); ``num-instances`` = instances in the video (all classes);
    ``coverage`` = length / video duration (``durations``: {video: seconds}). ``extra`` is DETAD's
    extra-characteristics JSON (``{"database": {video: {"annotations": [...]}}}``): where an
    annotation of the same video and label has the same segment (|delta| < 1e-6 s), its
    non-null fields are used instead (they are DETAD's numbers; its coverage uses its own durations).

    Returns
    -------
    values : dict name -> (G,) float64 (NaN = unknown); notes : list of str

    >>> g = Segments(["a", "a"], [0.0, 10.0], [2.0, 14.0], ["X", "X"])
    >>> v, _ = gt_characteristics(g, durations={"a": 100.0})
    >>> v["coverage"].tolist(), v["num-instances"].tolist()
    ([0.02, 0.04], [2.0, 2.0])
    """
    n = len(gt)
    length = gt.t_end_s - gt.t_start_s
    _, inv, counts = np.unique(gt.video, return_inverse=True, return_counts=True)
    values = {"length": length.astype(np.float64), "num-instances": counts[inv].astype(np.float64)}
    cov = np.full(n, np.nan)
    if durations:
        dur = np.array([float(durations.get(v, np.nan)) for v in gt.video.tolist()])
        with np.errstate(divide="ignore", invalid="ignore"):
            cov = np.where(dur > 0, length / dur, np.nan)
    values["coverage"] = cov
    notes = []
    if not durations and not extra:
        notes.append("coverage unknown: no video durations given (it needs them)")
    if extra:
        database = extra.get("database", extra) if isinstance(extra, dict) else {}
        matched = 0
        names = ("coverage", "length", "num-instances", "context-size", "context-distance", "agreement")
        for name in names:
            values.setdefault(name, np.full(n, np.nan))
        for i, (v, c, s, e) in enumerate(zip(gt.video.tolist(), gt.label.tolist(), gt.t_start_s.tolist(),
                                             gt.t_end_s.tolist())):
            for ann in (database.get(v) or {}).get("annotations", ()):
                seg = ann.get("segment") or (None, None)
                if ann.get("label") == c and abs(float(seg[0]) - s) < 1e-6 and abs(float(seg[1]) - e) < 1e-6:
                    for name in names:
                        if ann.get(name) is not None:
                            values[name][i] = float(ann[name])
                    matched += 1
                    break
        if matched < n:
            notes.append(f"{n - matched} of {n} ground-truth instances are not in the extra-characteristics file "
                         "(same video, label and segment): their characteristics are computed from the ground truth")
        for name in ("context-size", "context-distance", "agreement"):
            if np.isnan(values[name]).all():
                del values[name]
    return values, notes


# --------------------------------------------------------------------------- the analysis


@dataclass
class DetadResult:
    """Everything DETAD reports, JSON-ready in ``metrics``; per-prediction arrays for figures."""

    metrics: dict
    #: (D,) DETAD type of each input prediction at the first tIoU in the FP analysis (-1: cut by the limit)
    fp_type: np.ndarray
    #: (G,) whether each kept GT instance was matched in the FN analysis (first tIoU)
    gt_matched: np.ndarray
    gt_rows: np.ndarray  # rows of the caller's ground truth that were kept
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _prepare(gt: Segments, detections: Segments, unknown_videos: str, characteristics):
    """Drop what DETAD cannot hold (Ambiguous, labels outside the GT classes, unknown videos as asked)."""
    warnings = []
    keep_gt = gt.label != AMBIGUOUS
    if (~keep_gt).any():
        warnings.append(f"{int((~keep_gt).sum())} Ambiguous ground-truth segment(s) ignored (DETAD has no Ambiguous class)")
    classes = tuple(dict.fromkeys(gt.label[keep_gt].tolist()))  # DETAD's activity_index: first appearance
    known = member(detections.video, gt.videos)
    if (~known).any():
        n, names = int((~known).sum()), sorted(set(detections.video[~known].tolist()))
        what = f"{n} prediction(s) in {len(names)} video(s) absent from the ground truth ({', '.join(names[:3])}" \
               f"{', ...' if len(names) > 3 else ''})"
        if unknown_videos == "error":
            raise InputError(detections.source or None, None,
                             f"{what}; set unknown_videos to 'fp' to keep them as false positives (what DETAD "
                             "does) or to 'drop' to remove them")
        if unknown_videos == "drop":
            warnings.append(f"{what} dropped")
        else:
            warnings.append(f"{what} kept as false positives, as DETAD does")
    keep_det = known | (unknown_videos == "fp")
    ours = member(detections.label, classes)
    if (keep_det & ~ours).any():
        warnings.append(f"{int((keep_det & ~ours).sum())} prediction(s) with labels outside the ground-truth classes "
                        "ignored (DETAD stops on them)")
    keep_det &= ours
    return classes, keep_gt, keep_det, warnings


def _limit(p: Problem, limit_factor) -> np.ndarray:
    """DETAD's ``_limit_prediction``: per class (activity-index order) its top ``n_j * limit_factor``
    predictions by score (``nlargest``: descending, ties in input order); returns the rows in new order."""
    out = []
    for c, rows in enumerate(p.class_rows):
        n = int(p.num_gt[c])
        if n == 0 or not len(rows):
            continue
        o = rows[np.argsort(-p.score[rows], kind="stable")]
        out.append(o[:int(n * limit_factor)])
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def make_problem(classes, gt: Segments, gt_rows, det: Segments, det_rows) -> Problem:
    """A :class:`Problem` of the rows ``gt_rows`` of ``gt`` and ``det_rows`` of ``det`` (no Segments copies)."""
    def pick(seg, rows):  # all rows: the columns themselves, so their string codes are computed once
        if len(rows) == len(seg) and (len(rows) == 0 or rows[-1] == len(seg) - 1):
            return seg.video, seg.t_start_s, seg.t_end_s, seg.label
        return seg.video[rows], seg.t_start_s[rows], seg.t_end_s[rows], seg.label[rows]
    score = det.score if len(det_rows) == len(det) else det.score[det_rows]
    return Problem(classes, *pick(gt, gt_rows), *pick(det, det_rows), score, gt.videos)


class _Rows:
    """Column access to selected rows of Segments without building a new Segments."""

    def __init__(self, seg: Segments, rows):
        self.t_start_s, self.t_end_s = seg.t_start_s[rows], seg.t_end_s[rows]
        self.label, self.score = seg.label[rows], seg.score[rows]


def detad_analysis(gt: Segments, detections: Segments, dataset: str = "thumos14", characteristics: dict | None = None,
                   detad_compat: bool = False, tiou_thresholds=None, limit_factor: float | None = 10,
                   min_tiou_thr: float = 0.1, fn_min_precision: float = 0.05, bins: dict | None = None,
                   unknown_videos: str = "error", problem: Problem | None = None) -> DetadResult:
    """DETAD's false-positive, false-negative and sensitivity analyses with its defaults for ``dataset``.

    Parameters
    ----------
    gt : Segments, ground truth (Ambiguous rows are ignored)
    detections : Segments with scores, in DETAD's prediction-id order (the file's order)
    dataset : "thumos14" (tIoU 0.5) or "activitynet" (tIoU 0.5:0.05:0.95); chooses tIoUs and buckets
    characteristics : {name: (len(gt),) float64} per ground-truth row (see :func:`gt_characteristics`);
        default: length and num-instances computed from ``gt``
    detad_compat : type predictions on videos without ground truth as DETAD as shipped does
    tiou_thresholds, bins : override the dataset's
    limit_factor : top-``limit_factor`` G predictions per class in the FP analysis (DETAD: 10)
    min_tiou_thr : localization / confusion floor (DETAD: 0.1)
    fn_min_precision : precision_N floor of the FN analysis (DETAD: 0.05)
    unknown_videos : "error", "fp" (DETAD's behaviour) or "drop"
    problem : a prepared :class:`Problem` of the same inputs to reuse (internal)

    Returns
    -------
    DetadResult

    >>> g = Segments(["v", "v"], [0.0, 10.0], [10.0, 20.0], ["A", "B"])
    >>> d = Segments(["v", "v"], [0.0, 10.0], [10.0, 14.0], ["A", "A"], [0.9, 0.8])
    >>> r = detad_analysis(g, d)
    >>> r.metrics["false_positive_analysis"]["fp_count_all_limited_predictions"]["confusion"]
    1.0
    """
    if dataset not in DATASETS:
        raise InputError(None, "dataset", f"unknown value {dataset!r} (choose from {', '.join(DATASETS)})")
    if unknown_videos not in ("error", "fp", "drop"):
        raise InputError(None, "unknown_videos", f"unknown value {unknown_videos!r} (choose from error, fp, drop)")
    thresholds = tuple(float(t) for t in (DEFAULT_TIOU[dataset] if tiou_thresholds is None else tiou_thresholds))
    bins = dict(CHARACTERISTIC_BINS[dataset] if bins is None else bins)
    classes, keep_gt, keep_det, warnings = _prepare(gt, detections, unknown_videos, characteristics)
    if characteristics is None:
        characteristics, _ = gt_characteristics(gt.select(keep_gt))
        characteristics = {k: v for k, v in characteristics.items() if not np.isnan(v).all()}
        full = {k: np.full(len(gt), np.nan) for k in characteristics}
        for k in characteristics:
            full[k][keep_gt] = characteristics[k]
        characteristics = full
    chars = {k: np.asarray(v, np.float64) for k, v in characteristics.items() if k in bins}
    for k, v in chars.items():
        if len(v) != len(gt):
            raise InputError(None, f"characteristics[{k!r}]", f"has {len(v)} values for {len(gt)} ground-truth rows")
    # DETAD drops instances with coverage > 1 and with t_end <= t_start
    keep_gt = keep_gt & (gt.t_start_s < gt.t_end_s)
    if "coverage" in chars:
        over = keep_gt & (chars["coverage"] > 1.0)
        if over.any():
            warnings.append(f"{int(over.sum())} ground-truth instance(s) with coverage > 1 dropped, as DETAD does")
        keep_gt &= ~over
    gt_rows = np.flatnonzero(keep_gt)
    det_rows = np.flatnonzero(keep_det)
    chars = {k: v[keep_gt] for k, v in chars.items()}
    n_norm = len(gt_rows) / len(classes) if classes else float("nan")

    if problem is not None and (problem.classes != classes or len(problem.gt_cls) != len(gt_rows)
                                or problem.num_det != len(det_rows)):
        problem = None  # not the same inputs after DETAD's filters
    full = problem if problem is not None else make_problem(classes, gt, gt_rows, detections, det_rows)
    det = _Rows(detections, det_rows)
    # ---- FP analysis (limit_factor, minimum precision 0), in DETAD's order after the limit
    lim_rows = _limit(full, limit_factor) if limit_factor else np.arange(len(det_rows))
    lim = full if np.array_equal(lim_rows, np.arange(len(det_rows))) else full.subset(lim_rows)
    if lim is not full and not any(np.any(np.diff(full.score[o]) == 0) for o in full.class_order):
        # without tied scores the matching does not depend on the prediction order: reuse it
        for t in thresholds:
            m = full.match(t)[lim_rows]
            lim._matches[float(t)] = m
    fp_types, gtless = [], []
    ap_base = np.zeros((len(thresholds), len(classes)))
    for k, t in enumerate(thresholds):
        m = lim.match(t)
        ap_base[k] = _class_ap(lim, m, n_norm)
        types, listing = fp_error_types(lim, m, t, min_tiou_thr, detad_compat)
        fp_types.append(types)
        if k == 0:
            gtless = listing
    average_map = float(np.mean(ap_base))
    fp = _fp_report(lim, fp_types, thresholds, n_norm, ap_base, average_map, limit_factor)
    if gtless and not detad_compat:
        stale = _detad_stale_types(lim, lim.match(thresholds[0]), thresholds[0], min_tiou_thr)
        compat_counts = _count_types([ERROR_TYPES[int(stale[i["row"]])] for i in gtless])
        warnings.append(f"{len(gtless)} prediction(s) on videos without ground truth typed background; DETAD as "
                        f"shipped types them {compat_counts} (detad_compat=True reproduces it)")
    for item in gtless:
        r = int(lim_rows[item["row"]])
        item.update(start=float(det.t_start_s[r]), end=float(det.t_end_s[r]), label=str(det.label[r]),
                    score=float(det.score[r]))
        item["row"] = int(det_rows[r])
    fp["predictions_on_videos_without_gt"] = {
        "n": len(gtless), "error_type_counts": _count_types([i["type"] for i in gtless]),
        "list": gtless, "detad_compat": bool(detad_compat)}
    fp_type_rows = np.full(len(detections), -1, np.int64)
    fp_type_rows[det_rows[lim_rows]] = fp_types[0]

    # ---- FN analysis (no limit, minimum precision fn_min_precision) and sensitivity (no limit, 0)
    fn_matched = [_matched_after_rule(full, full.match(t), n_norm, fn_min_precision) for t in thresholds]
    sens_matched = [full.match(t) for t in thresholds]
    ap_full = np.array([_class_ap(full, m, n_norm) for m in sens_matched])
    buckets = {k: bucketize(v, bins[k][0]) for k, v in chars.items()}
    fn = _fn_report(full, fn_matched, buckets, bins, thresholds, n_norm)
    sens = _sensitivity_report(full, sens_matched, buckets, bins, thresholds, n_norm)
    sens["base_average_mAP_N"] = float(np.mean(ap_full))
    gt_matched = np.zeros(len(gt_rows), bool)
    gt_matched[fn_matched[0][fn_matched[0] >= 0]] = True

    metrics = {
        "tool": "DETAD re-implementation (github.com/HumamAlwassel/DETAD 24f7d95 definitions)",
        "dataset": dataset,
        "detad_compat": bool(detad_compat),
        "settings": {"tiou_thresholds": list(thresholds), "limit_factor": limit_factor, "min_tiou_thr": min_tiou_thr,
                     "normalize_ap": True, "fn_minimum_normalized_precision": fn_min_precision},
        "n_predictions": int(len(det_rows)),
        "ground_truth": {
            "n_gt_instances": int(len(gt_rows)), "n_classes": len(classes), "average_num_instance_per_class": n_norm,
            "gt_count_by_bucket": {k: {lab: int((b == i).sum()) for i, lab in enumerate(bins[k][1])}
                                   for k, b in buckets.items()},
            "bins": {k: {"edges": [float(e) if np.isfinite(e) else str(e) for e in bins[k][0]],
                         "labels": list(bins[k][1])} for k in buckets}},
        "false_positive_analysis": fp,
        "false_negative_analysis": fn,
        "sensitivity_analysis": sens,
        "warnings": list(warnings),
    }
    return DetadResult(metrics, fp_type_rows, gt_matched, gt_rows, tuple(warnings))


def _count_types(names) -> dict:
    out = {}
    for n in names:
        out[n] = out.get(n, 0) + 1
    return out


def _fp_report(p: Problem, fp_types, thresholds, n_norm, ap_base, average_map, limit_factor) -> dict:
    """FP profile by score-rank band, totals, and the average-mAP_N gained by removing each type."""
    groups = int(limit_factor) if limit_factor else 10
    band = np.full(p.num_det, -1, np.int64)
    for c in range(len(p.classes)):
        n = int(p.num_gt[c])
        rows = p.class_rows[c]
        if n == 0 or not len(rows):
            continue
        o = rows[desc_order_pandas(p.score[rows])]
        band[o] = np.arange(len(o)) // n
    profile = []
    for k in range(groups):
        sel = band == k
        size = int(sel.sum())
        counts = np.array([np.bincount(t[sel], minlength=6) for t in fp_types], np.float64).mean(axis=0)
        profile.append({"group": f"{k + 1}G", "n_predictions": size,
                        "count": {ERROR_TYPES[i]: float(counts[i]) for i in range(6)},
                        "fraction": {ERROR_TYPES[i]: (float(counts[i] / size) if size else None) for i in range(6)}})
    counts = np.array([np.bincount(t, minlength=6) for t in fp_types], np.float64).mean(axis=0)
    gains, per_class, by_tiou = {}, {}, {}
    for err in range(1, 6):
        ap = np.array([_class_ap(p, p.match(t), n_norm, keep=fp_types[k] != err) for k, t in enumerate(thresholds)])
        gains[ERROR_TYPES[err]] = float(ap.mean() - average_map)
        by_tiou[ERROR_TYPES[err]] = [float(a - b) for a, b in zip(ap.mean(axis=1), ap_base.mean(axis=1))]
        per_class[ERROR_TYPES[err]] = {c: float(v) for c, v in zip(p.classes, ap.mean(axis=0))}
    return {
        "n_predictions_after_limit": int(p.num_det),
        "average_mAP_N": average_map,
        "ap_N_per_class": {c: float(v) for c, v in zip(p.classes, ap_base.mean(axis=0))},
        "fp_profile_by_score_range": profile,
        "fp_fraction_all_limited_predictions": {ERROR_TYPES[i]: (float(counts[i] / p.num_det) if p.num_det else None)
                                                for i in range(6)},
        "fp_count_all_limited_predictions": {ERROR_TYPES[i]: float(counts[i]) for i in range(6)},
        "average_mAP_N_gain_removing_error": gains,
        "mAP_N_gain_removing_error_by_tiou": by_tiou,
        "ap_N_removing_error_per_class": per_class,
    }


def _fn_report(p: Problem, matched_list, buckets, bins, thresholds, n_norm) -> dict:
    """Fraction of the instances of each bucket matched by no prediction (DETAD's arithmetic)."""
    rates = {}
    for name, b in buckets.items():
        valid = b >= 0
        labels = bins[name][1]
        all_counts = np.bincount(b[valid], minlength=len(labels))
        total = int(all_counts.sum())
        acc_rate = np.zeros(len(labels))
        acc_all = np.zeros(len(labels))
        per_t = []
        for m in matched_list:
            hit = np.zeros(len(b), bool)
            hit[m[m >= 0]] = True
            un = np.bincount(b[valid & ~hit], minlength=len(labels))
            frac = all_counts / total if total else np.zeros(len(labels))
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(all_counts > 0, un / (frac * total), 0.0)
            per_t.append(rate)
            acc_rate = acc_rate + rate
            acc_all = acc_all + frac
        t = len(matched_list)
        rates[name] = {lab: {"false_negative_rate": float(acc_rate[i] / t), "gt_fraction": float(acc_all[i] / t),
                             "n_gt": int(all_counts[i]),
                             "false_negative_rate_by_tiou": [float(r[i]) for r in per_t]}
                       for i, lab in enumerate(labels) if all_counts[i] > 0}
    n_matched = int(np.sum(matched_list[0] >= 0))
    return {"n_gt_matched": n_matched, "false_negative_rate": rates}


def _sensitivity_report(p: Problem, matched_list, buckets, bins, thresholds, n_norm) -> dict:
    """Average-mAP_N per bucket: each class keeps its GT of the bucket and drops predictions matched to
    other GT (unmatched ones stay); recall over the bucket's GT, the global N; nanmean over classes."""
    order = [rows[desc_order_pandas(p.score[rows])] for rows in p.class_rows]
    out, by_tiou = {}, {}
    for name, b in buckets.items():
        labels = bins[name][1]
        out[name], by_tiou[name] = {}, {}
        for i, lab in enumerate(labels):
            in_bucket = b == i
            ap = np.full(len(p.classes), np.nan)
            ap_t = np.full((len(matched_list), len(p.classes)), np.nan)
            for c in range(len(p.classes)):
                npos = int(np.sum(in_bucket & (p.gt_cls == c)))
                if npos == 0:
                    continue
                rows = order[c]
                keep = np.ones(len(rows), bool)
                for m in matched_list:
                    mg = m[rows]
                    keep &= (mg < 0) | in_bucket[np.maximum(mg, 0)]
                rows = rows[keep]
                ap_t[:, c] = [ap_detad(m[rows] >= 0, npos, n_norm) for m in matched_list]
                ap[c] = np.mean(ap_t[:, c])
            out[name][lab] = float(np.nanmean(ap)) if np.isfinite(ap).any() else None
            by_tiou[name][lab] = [float(np.nanmean(r)) if np.isfinite(r).any() else None for r in ap_t]
    return {"average_mAP_N_by_bucket": out, "mAP_N_by_bucket_by_tiou": by_tiou}


__all__ = ["ERROR_TYPES", "DETAD_NAMES", "CHARACTERISTIC_BINS", "DEFAULT_TIOU", "DATASETS", "Problem",
           "DetadResult", "detad_analysis", "gt_characteristics", "fp_error_types", "segment_tiou",
           "interpolated_ap", "bucketize", "overlap_pairs", "ap_detad", "precision_n"]
