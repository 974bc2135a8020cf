"""The temporal error types of weakly supervised localization, and what fixing each one is worth.

Attention-based localizers rarely fail like fully supervised detectors: they find the most
discriminative part of an action (under-coverage), spill over its run-up (context), cut one action
into pieces (fragmentation) or join two (merging). This module gives every false positive and every
missed instance exactly one type, tested in this order (``docs/protocols/diagnosis.md``), at tIoU t,
with the prediction d, its class's instances g in its video, ``inter = |d ∩ g|``:

====================  =====================================================================================
``duplicate``         a same-class instance has tIoU(d, g) >= t (it was taken by a higher-scoring prediction)
``wrong_label``       an instance of another class has tIoU >= t
``merging``           d covers at least ``SPAN`` (0.5) of each of two or more same-class instances
``fragmentation``     d is one of >= 2 false positives lying mostly (``inter / |d| >= MOSTLY``, 0.5) on the
                      same *missed* instance h, and the hull of those fragments reaches tIoU >= t with h
``under_coverage``    d lies inside its host instance h: ``inter / |d| >= INSIDE`` (0.9), tIoU < t
``over_extension``    d covers h: ``inter / |h| >= COVERS`` (0.9), tIoU < t
``boundary_offset``   d lies mostly on h (``inter / |d| >= MOSTLY``) but neither inside nor covering: both ends off
``context``           d lies mostly off h (``inter / |d| < MOSTLY``) within ``REACH`` (1.0) x |h| of it:
                      on the run-up (d's centre before h's) or the aftermath
``confusion``         an instance of another class has tIoU >= ``FLOOR`` (0.1)
``background``        anything else
====================  =====================================================================================

The host h of d is the same-class instance of its video with the largest intersection (first in
ground-truth order on ties); when d overlaps none, the nearest one (smallest gap; the earlier one on ties).

A missed instance takes the type of the highest-scoring false positive of its class that targets it
(its host, or one of the instances a merging prediction spans); otherwise ``wrong_label`` /
``confusion`` when a prediction of another class reaches tIoU t / FLOOR with it; otherwise
``not_detected``.

**Oracle fixes** (TIDE's manner: from one baseline, one type at a time, no re-matching; a fixed
prediction becomes a true positive only if its instance is free, i.e. unmatched at the baseline and
not claimed by a higher-scoring fix of the same type, else it is removed):

- duplicate, confusion, background: the prediction is removed;
- wrong_label: relabelled to the instance's class (true positive of that class);
- merging: split into one prediction per spanned instance, each with the prediction's score;
- fragmentation: the fragments become one prediction (their hull) with the best fragment's score;
- under_coverage, over_extension, boundary_offset, context: replaced by the host instance;
- not_detected: the instance is removed from the positives (TIDE's "missed").

AP is ActivityNet's (greedy matching in score order, all-point interpolation) on the same matching
as :class:`evaluators.diagnosis.detad.Problem`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evaluators.ap import ap_all_point
from evaluators.diagnosis.detad import Problem

FP_TYPES = ("duplicate", "wrong_label", "merging", "fragmentation", "under_coverage", "over_extension",
            "boundary_offset", "context", "confusion", "background")
MISSED_TYPES = ("merging", "fragmentation", "under_coverage", "over_extension", "boundary_offset", "context",
                "wrong_label", "confusion", "not_detected")
#: every type in the table, in test order (FP types, then the missed-only one)
ALL_TYPES = FP_TYPES + ("not_detected",)
(DUPLICATE, WRONG_LABEL, MERGING, FRAGMENTATION, UNDER_COVERAGE, OVER_EXTENSION, BOUNDARY_OFFSET, CONTEXT,
 CONFUSION, BACKGROUND) = range(len(FP_TYPES))
NOT_DETECTED = len(FP_TYPES)
TRUE_POSITIVE = -1

INSIDE = 0.9   # inter / |d| >= INSIDE: the prediction lies inside the instance
COVERS = 0.9   # inter / |g| >= COVERS: the prediction covers the instance
MOSTLY = 0.5   # inter / |d| >= MOSTLY: the prediction lies mostly on the instance
SPAN = 0.5     # inter / |g| >= SPAN for two or more instances: merging
REACH = 1.0    # context: gap <= REACH * |g|
FLOOR = 0.1    # confusion: tIoU with another class's instance >= FLOOR
THRESHOLDS = dict(INSIDE=INSIDE, COVERS=COVERS, MOSTLY=MOSTLY, SPAN=SPAN, REACH=REACH, FLOOR=FLOOR)


def _first_per(keys_sorted: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal keys."""
    return np.concatenate([[True], keys_sorted[1:] != keys_sorted[:-1]]) if len(keys_sorted) else np.zeros(0, bool)


@dataclass
class _Geometry:
    """Threshold-free relations of every prediction with the instances of its video."""

    max_same: np.ndarray      # (D,) best tIoU with a same-class instance
    other_gt: np.ndarray      # (D,) other-class instance of best tIoU (-1: none overlapping)
    max_other: np.ndarray     # (D,) its tIoU
    host: np.ndarray          # (D,) host instance (-1: no same-class instance in the video)
    inter: np.ndarray         # (D,) |d ∩ host| (s)
    gap: np.ndarray           # (D,) gap to the host (s), 0 when overlapping
    span_det: np.ndarray      # (S,) pairs (prediction, instance) with inter / |g| >= SPAN, same class
    span_gt: np.ndarray
    n_span: np.ndarray        # (D,) how many instances each prediction spans
    best_same: np.ndarray     # (D,) same-class instance of best tIoU (-1: none overlapping)
    gt_other_tiou: np.ndarray  # (G,) best tIoU of another class's prediction with each instance
    gt_other_det: np.ndarray   # (G,) that prediction (highest score on ties; -1: none)


def _geometry(p: Problem) -> _Geometry:
    n = p.num_det
    d, g, tiou, same = p.pair_det, p.pair_gt, p.pair_tiou, p.pair_same
    inter = np.minimum(p.det_end[d], p.gt_end[g]) - np.maximum(p.det_start[d], p.gt_start[g])
    max_same = np.zeros(n)
    np.maximum.at(max_same, d[same], tiou[same])
    other_gt = np.full(n, -1, np.int64)
    max_other = np.zeros(n)
    o = np.flatnonzero(~same)
    if len(o):
        o = o[np.lexsort((g[o], -tiou[o], d[o]))]
        h = _first_per(d[o])
        other_gt[d[o][h]] = g[o][h]
        max_other[d[o][h]] = tiou[o][h]
    host = np.full(n, -1, np.int64)
    host_inter = np.zeros(n)
    s = np.flatnonzero(same)
    if len(s):
        s = s[np.lexsort((g[s], -inter[s], d[s]))]
        h = _first_per(d[s])
        host[d[s][h]] = g[s][h]
        host_inter[d[s][h]] = inter[s][h]
    gap = np.zeros(n)
    lone = np.flatnonzero(host < 0)
    if len(lone):
        nh, ng = _nearest(p, lone)
        host[lone], gap[lone] = nh, ng
    gt_len = (p.gt_end - p.gt_start)[g[same]]
    with np.errstate(divide="ignore", invalid="ignore"):
        spans = inter[same] >= SPAN * gt_len
    span_det, span_gt = d[same][spans], g[same][spans]
    return _Geometry(max_same, other_gt, max_other, host, host_inter, gap, span_det, span_gt,
                     np.bincount(span_det, minlength=n), _best_same(p, n), *_other_on_gt(p))


def _other_on_gt(p: Problem):
    """Per instance: the best tIoU of a prediction of another class, and that prediction."""
    G = len(p.gt_cls)
    tiou, det = np.zeros(G), np.full(G, -1, np.int64)
    o = np.flatnonzero(~p.pair_same)
    if len(o):
        g, d = p.pair_gt[o], p.pair_det[o]
        k = np.lexsort((p.rank[d], -p.score[d], -p.pair_tiou[o], g))
        f = _first_per(g[k])
        tiou[g[k][f]], det[g[k][f]] = p.pair_tiou[o][k][f], d[k][f]
    return tiou, det


def _nearest(p: Problem, rows: np.ndarray):
    """Nearest same-class instance in the video of each prediction in ``rows`` (overlapping none) and the gap."""
    nv = len(p.video_names)
    times = np.unique(np.concatenate([p.gt_start, p.gt_end, p.det_start[rows], p.det_end[rows]]))
    span = np.int64(len(times) + 1)
    gkey = (p.gt_cls * nv + p.gt_vid) * span
    dkey = (p.det_cls[rows] * nv + p.det_vid[rows]) * span
    # previous: last instance (by end) with end <= d.start
    by_end = np.lexsort((np.arange(len(gkey)), p.gt_end, gkey))
    kend = gkey[by_end] + np.searchsorted(times, p.gt_end[by_end])
    i = np.searchsorted(kend, dkey + np.searchsorted(times, p.det_start[rows]), side="right") - 1
    prev = np.where((i >= 0) & (kend[np.maximum(i, 0)] // span == dkey // span), by_end[np.maximum(i, 0)], -1)
    # next: first instance (by start) with start >= d.end
    by_start = np.lexsort((np.arange(len(gkey)), p.gt_start, gkey))
    kstart = gkey[by_start] + np.searchsorted(times, p.gt_start[by_start])
    j = np.searchsorted(kstart, dkey + np.searchsorted(times, p.det_end[rows]), side="left")
    jj = np.minimum(j, len(kstart) - 1)
    nxt = np.where((j < len(kstart)) & (kstart[jj] // span == dkey // span), by_start[jj], -1) \
        if len(kstart) else np.full(len(rows), -1)
    gap_prev = np.where(prev >= 0, p.det_start[rows] - p.gt_end[np.maximum(prev, 0)], np.inf)
    gap_next = np.where(nxt >= 0, p.gt_start[np.maximum(nxt, 0)] - p.det_end[rows], np.inf)
    use_next = gap_next < gap_prev
    host = np.where(use_next, nxt, prev)
    gap = np.where(use_next, gap_next, gap_prev)
    return host, np.where(host >= 0, gap, np.inf)


@dataclass
class WeakTypes:
    """Types at one tIoU threshold."""

    tiou: float
    matched: np.ndarray        # (D,) matched instance (-1: false positive)
    fp_type: np.ndarray        # (D,) index into FP_TYPES, TRUE_POSITIVE (-1) for true positives
    target: np.ndarray         # (D,) the instance the type refers to (-1: none)
    missed_type: np.ndarray    # (G,) index into ALL_TYPES for missed instances, -1 for found ones
    missed_by: np.ndarray      # (G,) the prediction that decided the missed type (-1: none)
    side: np.ndarray           # (D,) for context: -1 run-up, +1 aftermath, 0 otherwise


def classify(p: Problem, tiou_thr: float, geometry: _Geometry | None = None) -> WeakTypes:
    """Type every false positive and missed instance at ``tiou_thr`` (see the module docstring).

    Parameters
    ----------
    p : Problem (ground truth without Ambiguous, predictions with scores)
    tiou_thr : float in (0, 1]

    Returns
    -------
    WeakTypes

    >>> g = ["v"], [0.0], [10.0], ["A"]
    >>> p = Problem(("A",), *g, ["v"], [2.0], [5.0], ["A"], [0.9])
    >>> FP_TYPES[classify(p, 0.5).fp_type[0]], ALL_TYPES[classify(p, 0.5).missed_type[0]]
    ('under_coverage', 'under_coverage')
    """
    geo = _geometry(p) if geometry is None else geometry
    t = float(tiou_thr)
    n = p.num_det
    matched = p.match(t)
    fp = matched < 0
    gt_found = np.zeros(len(p.gt_cls), bool)
    gt_found[matched[matched >= 0]] = True
    det_len = p.det_end - p.det_start
    gt_len = p.gt_end - p.gt_start
    host = geo.host
    h = np.maximum(host, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ind = np.where(det_len > 0, geo.inter / det_len, 0.0)
        cov = np.where((host >= 0) & (gt_len[h] > 0), geo.inter / gt_len[h], 0.0)
    types = np.full(n, TRUE_POSITIVE, np.int64)
    target = np.full(n, -1, np.int64)
    open_ = fp.copy()

    def assign(mask, code, tgt):
        nonlocal open_
        m = open_ & mask
        types[m] = code
        target[m] = tgt[m] if isinstance(tgt, np.ndarray) else tgt
        open_ = open_ & ~m

    assign(geo.max_same >= t, DUPLICATE, geo.best_same)
    assign(geo.max_other >= t, WRONG_LABEL, geo.other_gt)
    assign(geo.n_span >= 2, MERGING, -1)
    # fragmentation: >= 2 open FPs mostly on the same missed host, whose hull reaches t
    cand = np.flatnonzero(open_ & (host >= 0) & (geo.inter > 0) & (ind >= MOSTLY) & ~gt_found[h])
    if len(cand):
        o = cand[np.argsort(host[cand], kind="stable")]
        hk = host[o]
        first = np.flatnonzero(_first_per(hk))
        cnt = np.diff(np.append(first, len(o)))
        hs = np.minimum.reduceat(p.det_start[o], first)
        he = np.maximum.reduceat(p.det_end[o], first)
        hg = hk[first]
        inter = (np.minimum(he, p.gt_end[hg]) - np.maximum(hs, p.gt_start[hg])).clip(0)
        union = (p.gt_end[hg] - p.gt_start[hg]) + (he - hs) - inter
        ok = (cnt >= 2) & (inter / np.where(union > 0, union, 1.0) >= t)
        frag = np.zeros(n, bool)
        frag[o[np.repeat(ok, cnt)]] = True
        assign(frag, FRAGMENTATION, host)
    has_overlap = (host >= 0) & (geo.inter > 0)
    assign(has_overlap & (ind >= INSIDE), UNDER_COVERAGE, host)
    assign(has_overlap & (cov >= COVERS), OVER_EXTENSION, host)
    assign(has_overlap & (ind >= MOSTLY), BOUNDARY_OFFSET, host)
    assign((host >= 0) & (geo.gap <= REACH * gt_len[h]), CONTEXT, host)
    assign(geo.max_other >= FLOOR, CONFUSION, geo.other_gt)
    assign(np.ones(n, bool), BACKGROUND, -1)
    centre_d = (p.det_start + p.det_end) / 2
    centre_g = (p.gt_start[h] + p.gt_end[h]) / 2
    side = np.where(types == CONTEXT, np.where(centre_d < centre_g, -1, 1), 0)
    missed_type, missed_by = _missed(p, geo, types, target, gt_found, t)
    return WeakTypes(t, matched, types, target, missed_type, missed_by, side)


def _best_same(p: Problem, n: int) -> np.ndarray:
    """Same-class instance of largest tIoU per prediction (first on ties), -1 when none overlaps."""
    out = np.full(n, -1, np.int64)
    s = np.flatnonzero(p.pair_same)
    if len(s):
        s = s[np.lexsort((p.pair_gt[s], -p.pair_tiou[s], p.pair_det[s]))]
        f = _first_per(p.pair_det[s])
        out[p.pair_det[s][f]] = p.pair_gt[s][f]
    return out


def _targets(geo: _Geometry, types, target):
    """(prediction, instance) pairs each weak-type false positive targets (merging: every spanned instance)."""
    weak = (types >= MERGING) & (types <= CONTEXT) & (types != MERGING)
    d1 = np.flatnonzero(weak)
    g1 = target[d1]
    m = types[geo.span_det] == MERGING
    return np.concatenate([d1, geo.span_det[m]]), np.concatenate([g1, geo.span_gt[m]])


def _missed(p: Problem, geo: _Geometry, types, target, gt_found, t):
    """Type of each missed instance: the type of its highest-scoring targeting FP, else wrong label /
    confusion from another class's prediction, else not detected."""
    G = len(p.gt_cls)
    out = np.full(G, -1, np.int64)
    by = np.full(G, -1, np.int64)
    missed = ~gt_found
    out[missed] = NOT_DETECTED
    # another class's prediction on the instance
    for code, thr in ((CONFUSION, FLOOR), (WRONG_LABEL, t)):
        m = missed & (geo.gt_other_tiou >= thr)
        out[m], by[m] = code, geo.gt_other_det[m]
    d, g = _targets(geo, types, target)
    keep = (g >= 0) & missed[np.maximum(g, 0)]
    d, g = d[keep], g[keep]
    if len(d):
        o = np.lexsort((p.rank[d], -p.score[d], g))
        f = _first_per(g[o])
        out[g[o][f]], by[g[o][f]] = types[d[o][f]], d[o][f]
    return out, by


# --------------------------------------------------------------------------- oracle fixes


def _claims(det, gt, p: Problem, free: np.ndarray):
    """TIDE's claim rule: each instance goes to its highest-scoring claimant if it is free; returns a mask of winning claims."""
    win = np.zeros(len(det), bool)
    if not len(det):
        return win
    o = np.lexsort((p.rank[det], -p.score[det], gt))
    f = _first_per(gt[o])
    win[o[f]] = free[gt[o][f]]
    return win


def _class_aps(p: Problem, tp: np.ndarray, keep: np.ndarray, npos: np.ndarray, classes, extra=None) -> dict:
    """AP of each class in ``classes`` with predictions ``keep``, flags ``tp``, and ``extra`` true positives
    ({class: [(score, rank_after)]}) inserted by score."""
    out = {}
    for c in classes:
        rows = p.class_order[c]
        rows = rows[keep[rows]]
        flags = tp[rows]
        add = (extra or {}).get(c)
        if add:
            sc = np.array([a[0] for a in add])
            key = np.array([a[1] for a in add], np.float64)
            all_s = np.concatenate([p.score[rows], sc])
            all_k = np.concatenate([p.rank[rows].astype(np.float64), key])
            all_f = np.concatenate([flags, np.ones(len(add), bool)])
            o = np.lexsort((all_k, -all_s))
            flags = all_f[o]
        out[c] = ap_all_point(flags, int(npos[c])) if npos[c] > 0 else np.nan
    return out


@dataclass
class WeakResult:
    """Types and oracle gains at every threshold."""

    thresholds: tuple[float, ...]
    classes: tuple[str, ...]
    types: list[WeakTypes]
    base_ap: np.ndarray            # (K, C) ActivityNet AP per class
    fixed_map: dict                # type -> (K,) mAP after fixing that type
    fp_counts: dict                # type -> (K,) number of FPs of that type
    missed_counts: dict            # type -> (K,) number of missed instances of that type
    offset_k: int                  # index of the threshold the boundary errors use (the one nearest 0.5)
    start_error_s: np.ndarray      # (D,) d.start - host.start for predictions overlapping their host (NaN otherwise)
    end_error_s: np.ndarray        # (D,) d.end - host.end
    offset_host: np.ndarray        # (D,) the instance the errors refer to (-1: none)
    notes: list = field(default_factory=list)

    @property
    def base_map(self) -> np.ndarray:
        valid = ~np.all(np.isnan(self.base_ap), axis=0)
        return np.nanmean(self.base_ap[:, valid], axis=1) if valid.any() else np.full(len(self.thresholds), np.nan)

    def dmap(self) -> dict:
        """type -> (K,) mAP gained by fixing that type alone (same baseline for every type)."""
        return {k: v - self.base_map for k, v in self.fixed_map.items()}


def weak_analysis(p: Problem, tiou_thresholds=(0.1, 0.2, 0.3, 0.4, 0.5)) -> WeakResult:
    """Weak-supervision error types and oracle mAP gains at each tIoU threshold.

    Parameters
    ----------
    p : Problem of the ground truth (no Ambiguous) and the predictions
    tiou_thresholds : iterable of float

    Returns
    -------
    WeakResult

    >>> p = Problem(("A",), ["v", "v"], [0.0, 20.0], [10.0, 30.0], ["A", "A"],
    ...             ["v", "v"], [0.0, 2.0], [10.0, 5.0], ["A", "A"], [0.9, 0.8])
    >>> r = weak_analysis(p, (0.5,))
    >>> float(r.base_map[0]), float(r.dmap()["under_coverage"][0]), float(r.dmap()["not_detected"][0])
    (0.5, 0.0, 0.5)
    """
    geo = _geometry(p)
    thresholds = tuple(float(t) for t in tiou_thresholds)
    C = len(p.classes)
    npos = p.num_gt.astype(np.int64)
    base_ap = np.full((len(thresholds), C), np.nan)
    fixed = {k: np.zeros(len(thresholds)) for k in ALL_TYPES}
    fp_counts = {k: np.zeros(len(thresholds), np.int64) for k in FP_TYPES}
    missed_counts = {k: np.zeros(len(thresholds), np.int64) for k in MISSED_TYPES}
    all_types = []
    for k, t in enumerate(thresholds):
        wt = classify(p, t, geo)
        all_types.append(wt)
        tp = wt.matched >= 0
        keep = np.ones(p.num_det, bool)
        base = _class_aps(p, tp, keep, npos, range(C))
        base_ap[k] = [base[c] for c in range(C)]
        free = np.ones(len(p.gt_cls), bool)
        free[wt.matched[tp]] = False
        for code, name in enumerate(FP_TYPES):
            fp_counts[name][k] = int(np.sum(wt.fp_type == code))
        for code, name in enumerate(ALL_TYPES):
            if name in missed_counts:
                missed_counts[name][k] = int(np.sum(wt.missed_type == code))
        for code, name in enumerate(ALL_TYPES):
            ap = dict(base)
            touched = set()
            k_tp, k_keep, extra, k_npos = tp.copy(), keep.copy(), {}, npos
            rows = np.flatnonzero(wt.fp_type == code)
            if code in (DUPLICATE, CONFUSION, BACKGROUND):
                k_keep[rows] = False
                touched = set(p.det_cls[rows].tolist())
            elif code in (UNDER_COVERAGE, OVER_EXTENSION, BOUNDARY_OFFSET, CONTEXT):
                win = _claims(rows, wt.target[rows], p, free)
                k_tp[rows[win]] = True
                k_keep[rows[~win]] = False
                touched = set(p.det_cls[rows].tolist())
            elif code == FRAGMENTATION:
                win = _claims(rows, wt.target[rows], p, free)  # one per host: the best fragment
                k_tp[rows[win]] = True
                k_keep[rows[~win]] = False
                touched = set(p.det_cls[rows].tolist())
            elif code == WRONG_LABEL:
                win = _claims(rows, wt.target[rows], p, free)
                k_keep[rows] = False
                for r in rows[win].tolist():
                    c2 = int(p.gt_cls[wt.target[r]])
                    extra.setdefault(c2, []).append((float(p.score[r]), np.inf))
                touched = set(p.det_cls[rows].tolist()) | set(extra)
            elif code == MERGING:
                m = np.isin(geo.span_det, rows)
                sd, sg = geo.span_det[m], geo.span_gt[m]
                win = _claims(sd, sg, p, free)
                wins_per_det = np.bincount(sd[win], minlength=p.num_det)
                k_tp[rows[wins_per_det[rows] > 0]] = True
                k_keep[rows[wins_per_det[rows] == 0]] = False
                for r in rows[wins_per_det[rows] > 1].tolist():
                    c = int(p.det_cls[r])
                    extra.setdefault(c, []).extend([(float(p.score[r]), p.rank[r] + 0.5)] * int(wins_per_det[r] - 1))
                touched = set(p.det_cls[rows].tolist())
            elif code == NOT_DETECTED:
                lost = np.bincount(p.gt_cls[wt.missed_type == NOT_DETECTED], minlength=C)
                k_npos = npos - lost
                touched = set(np.flatnonzero(lost).tolist())
            if touched:
                ap.update(_class_aps(p, k_tp, k_keep, k_npos, sorted(touched), extra))
            vals = np.array([ap[c] for c in range(C)])
            vals = vals[(npos > 0) & ~np.isnan(vals)]  # a class whose every instance was removed has no AP
            fixed[name][k] = float(np.mean(vals)) if len(vals) else np.nan
    # boundary errors against the host (true positives: the matched instance) at the threshold nearest 0.5
    ko = int(np.argmin(np.abs(np.asarray(thresholds) - 0.5)))
    wt0 = all_types[ko]
    ref = np.where(wt0.matched >= 0, wt0.matched, np.where(geo.inter > 0, geo.host, -1))
    r = np.maximum(ref, 0)
    start_err = np.where(ref >= 0, p.det_start - p.gt_start[r], np.nan)
    end_err = np.where(ref >= 0, p.det_end - p.gt_end[r], np.nan)
    return WeakResult(thresholds, p.classes, all_types, base_ap, fixed, fp_counts, missed_counts, ko,
                      start_err, end_err, ref)


def slice_ap(p: Problem, matched: np.ndarray, gt_in_slice: np.ndarray) -> np.ndarray:
    """(C,) ActivityNet AP per class restricted to the instances in a slice (DETAD's sensitivity rule):
    predictions matched to instances outside the slice are dropped, unmatched ones kept; NaN where a
    class has no instance in the slice.

    >>> p = Problem(("A",), ["v", "v"], [0.0, 20.0], [10.0, 30.0], ["A", "A"],
    ...             ["v", "v"], [0.0, 20.0], [10.0, 30.0], ["A", "A"], [0.9, 0.8])
    >>> slice_ap(p, p.match(0.5), np.array([False, True])).tolist()
    [1.0]
    """
    gt_in_slice = np.asarray(gt_in_slice, bool)
    keep = (matched < 0) | gt_in_slice[np.maximum(matched, 0)]
    npos = np.bincount(p.gt_cls[gt_in_slice], minlength=len(p.classes))
    aps = _class_aps(p, matched >= 0, keep, npos, range(len(p.classes)))
    return np.array([aps[c] for c in range(len(p.classes))])


__all__ = ["FP_TYPES", "MISSED_TYPES", "ALL_TYPES", "THRESHOLDS", "WeakTypes", "WeakResult", "classify",
           "weak_analysis", "slice_ap"]
