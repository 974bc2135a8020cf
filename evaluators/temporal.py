"""Temporal action detection mAP (ActivityNet and THUMOS'14 protocols) and temporal CorLoc.

Conventions are documented in ``docs/protocols/temporal.md``. In short:

- ``activitynet`` = ActivityNet ``Evaluation/eval_detection.py``: each detection, in score order,
  takes the still-unmatched ground truth with the highest tIoU among those with tIoU >= t;
  all-point interpolated AP; Ambiguous ground truth is ignored.
- ``thumos14`` = ``TH14evalDet_Updated.m``: each ground truth, in file order, takes the
  still-unmatched detection with the highest overlap if that overlap is > t; non-interpolated AP;
  unmatched detections that intersect an Ambiguous segment of their video (intersection > 0) are
  removed from the ranking.

Tied scores are ranked as each official program ranks them (``ties="protocol"``, the default) or
in input order (``ties="stable"``); see ``docs/protocols/temporal.md``. Video and class names are
turned into integer codes once (:class:`TemporalProblem`), and one problem object serves every
protocol, tie order and CorLoc.

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
from evaluators.unknown_videos import apply_unknown_video_policy

PROTOCOLS = ("activitynet", "thumos14")
TIE_ORDERS = ("protocol", "stable")
#: the sanity pass: a row "ends past its video" when t_end > duration + this many seconds
DURATION_SLACK_S = 1.0
#: more than this fraction of such rows is an error (fewer: a warning)
DURATION_ERROR_FRACTION = 0.05
UNKNOWN_VIDEO_MODES = ("error", "fp", "drop")
DEFAULT_TIOU_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)
_PAIR_CHUNK = 1 << 21  # candidate (detection, ground truth) pairs materialised at a time
_DET_BLOCK = 1 << 18  # detections searched at a time by _pairs_overlapping


# --------------------------------------------------------------------------- input checks


def _check_segments(seg: Segments, what: str, need_score: bool) -> None:
    """Finite times and scores (any sign or size: AP depends only on the ranking), else InputError."""
    source = seg.source or None
    if need_score and seg.score is None:
        raise InputError(source, None, f"{what} have no scores")
    for name in ("t_start_s", "t_end_s") + (("score",) if need_score else ()):
        bad = np.flatnonzero(~np.isfinite(getattr(seg, name)))
        if len(bad):
            raise InputError(source, f"row {bad[0]}", f"{what}: {name} is not finite ({float(getattr(seg, name)[bad[0]])})")


def _check_thresholds(tiou_thresholds) -> np.ndarray:
    thresholds = np.atleast_1d(np.asarray(tiou_thresholds, dtype=np.float64))
    if thresholds.ndim != 1 or len(thresholds) == 0 or not np.all((thresholds >= 0) & (thresholds <= 1)):
        raise InputError(None, "tiou_thresholds", f"expected one or more values in [0, 1], got {tiou_thresholds!r}")
    return thresholds


def _check_choice(value: str, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        raise InputError(None, name, f"unknown value {value!r} (choose from {', '.join(allowed)})")


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
        _expand_ranges(a, lo[a:b], counts[a:b], det_start, det_end, gt_start, gt_end, overlap_fn, keep_min,
                       strict, (out_d, out_g, out_o))
    return _concat_pairs(out_d, out_g, out_o)


def _expand_ranges(a, lo, n, det_start, det_end, gt_start, gt_end, overlap_fn, keep_min, strict, out) -> None:
    """Append to ``out`` the pairs (detection ``a + i``, ground truths ``lo[i] .. lo[i] + n[i] - 1``)
    whose overlap passes ``keep_min`` (``>`` when ``strict``, else ``>=``)."""
    m = int(n.sum())
    if m == 0:
        return
    d = np.repeat(np.arange(a, a + len(n)), n)
    g = np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(m)
    o = overlap_fn(gt_start[g], gt_end[g], det_start[d], det_end[d])
    keep = o > keep_min if strict else o >= keep_min
    for column, values in zip(out, (d, g, o)):
        column.append(values[keep])


def _concat_pairs(out_d, out_g, out_o):
    """The chunks of candidate pairs as ``(det_idx, gt_idx, overlap)`` arrays (empty ones when none)."""
    if not out_d:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_d), np.concatenate(out_g), np.concatenate(out_o)


def _first_per_group(keys_sorted: np.ndarray) -> np.ndarray:
    """True at the first element of each run of equal keys."""
    return np.concatenate([[True], keys_sorted[1:] != keys_sorted[:-1]]) if len(keys_sorted) else np.zeros(0, bool)


def _argsort_keys_then_position(key: np.ndarray, bound: int) -> np.ndarray:
    """``np.argsort(key * (len(key) + 1) + arange)`` (equal keys in position order) for non-negative
    int keys below ``bound``: a stable sort, which NumPy does by radix when the keys fit 16 bits."""
    if bound <= 1 << 16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    return np.argsort(key.astype(np.int64) * (len(key) + 1) + np.arange(len(key)))


def _stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` of floats, faster: NumPy's default (vectorised) argsort,
    then each run of equal values (NaNs together, as NumPy puts them last) put back in position order."""
    idx = np.argsort(values)
    if len(idx) < 2:
        return idx
    sv = values[idx]
    tie = sv[1:] == sv[:-1]
    if np.isnan(sv[-1]):
        tie |= np.isnan(sv[1:]) & np.isnan(sv[:-1])
    if not tie.any():
        return idx
    in_run = np.zeros(len(idx), bool)
    in_run[1:] |= tie
    in_run[:-1] |= tie
    run = np.cumsum(np.concatenate([[True], ~tie])) - 1  # run number of each sorted place
    sel = np.flatnonzero(in_run)
    idx[sel] = idx[sel][np.lexsort((idx[sel], run[sel]))]
    return idx


def _sort_by(major: np.ndarray, middle: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """``np.lexsort((minor, middle, major))`` (ints, floats, non-negative ints), as one argsort of a
    combined int64 key when it fits (the float becomes its rank among the distinct values)."""
    if len(major) == 0:
        return np.zeros(0, np.int64)
    _, mid = np.unique(middle, return_inverse=True)
    mid = mid.reshape(-1)
    n_maj, n_mid, n_min = int(major.max()) + 1, int(mid.max()) + 1, int(minor.max()) + 1
    if major.min() < 0 or minor.min() < 0 or float(n_maj) * n_mid * n_min >= 2.0 ** 62:
        return np.lexsort((minor, middle, major))
    return np.argsort((major.astype(np.int64) * n_mid + mid) * n_min + minor)


def _pairs_overlapping(det_key, det_start, det_end, gt_key, gt_start, gt_end, overlap_fn, strict):
    """The pairs of :func:`_pairs` whose intervals intersect, found by binary search instead of
    enumerating every ground truth of the group. Needs ``det_start <= det_end`` and ground truth
    sorted by (key, start) with ``gt_start <= gt_end``; returns ``(det_idx, gt_idx, overlap)``."""
    if len(gt_key) == 0 or len(det_key) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    groups, g_first = np.unique(gt_key, return_index=True)
    g_rank = np.cumsum(_first_per_group(gt_key)) - 1  # dense group number of each GT
    max_len = np.maximum.reduceat(gt_end - gt_start, g_first)
    t0 = min(float(gt_start.min()), float(det_start.min()))
    width = max(float(gt_end.max()), float(det_end.max())) - t0 + float(max_len.max()) + 2.0
    eps = 1e-6 * width + 1e-9  # the search only has to find a superset: the exact overlap decides
    composite = g_rank * width + (gt_start - t0)
    group_end = np.append(g_first[1:], len(gt_key))
    out_d, out_g, out_o = [], [], []
    for a in range(0, len(det_key), _DET_BLOCK):  # blocks keep the temporaries small
        b = min(a + _DET_BLOCK, len(det_key))
        r = np.searchsorted(groups, det_key[a:b]).clip(0, len(groups) - 1)
        has = groups[r] == det_key[a:b]
        lo = np.searchsorted(composite, r * width + (det_start[a:b] - t0 - max_len[r] - eps), side="left")
        hi = np.searchsorted(composite, r * width + (det_end[a:b] - t0 + eps), side="right")
        lo, hi = np.maximum(lo, g_first[r]), np.minimum(hi, group_end[r])
        n = np.where(has, np.maximum(hi - lo, 0), 0)
        _expand_ranges(a, lo, n, det_start, det_end, gt_start, gt_end, overlap_fn, 0, strict, (out_d, out_g, out_o))
    return _concat_pairs(out_d, out_g, out_o)


def _match_activitynet(d: np.ndarray, g: np.ndarray, gt_group: np.ndarray, num_det: int) -> np.ndarray:
    """Detections in rank order each take the unlocked candidate they prefer most.

    ``d`` (rank positions) ascending, each detection's pairs in preference order (highest tIoU
    first, ties as the official code breaks them), every pair already at or above the threshold.
    Exact and vectorised over groups in rounds: in each round every detection's first unlocked
    choice is final up to the first detection of its group whose choice was already taken in that
    round (a ground truth belongs to one group); each round locks at least one GT per open group.
    """
    tp = np.zeros(num_det, bool)
    # a GT that no multi-candidate detection touches goes to its first-ranked candidate, and those
    # candidates touch nothing else: resolved at once; only the rest needs rounds
    same = d[1:] == d[:-1]  # d ascending: a detection's pairs are adjacent
    multi = np.zeros(len(d), bool)
    multi[1:] |= same
    multi[:-1] |= same
    conflict_gt = np.zeros(len(gt_group), bool)
    conflict_gt[g[multi]] = True
    conflict = conflict_gt[g]
    first_d = np.full(len(gt_group), num_det)
    np.minimum.at(first_d, g[~conflict], d[~conflict])
    tp[first_d[first_d < num_det]] = True
    d, g = d[conflict], g[conflict]
    locked = np.zeros(len(gt_group), bool)
    num_groups = int(gt_group.max()) + 1 if len(gt_group) else 0
    while len(d):
        free = ~locked[g]
        d, g = d[free], g[free]
        if not len(d):
            break
        first = _first_per_group(d)
        fd, fg = d[first], g[first]
        claim = np.full(len(gt_group), len(fg))
        np.minimum.at(claim, fg, np.arange(len(fg)))
        repeat = claim[fg] != np.arange(len(fg))
        final = np.ones(len(fg), bool)
        if repeat.any():
            # choices compete only inside a (class, video) group: final = before the group's first repeat
            grp = gt_group[fg]
            rep_rank = np.full(num_groups, np.iinfo(np.int64).max)
            np.minimum.at(rep_rank, grp[repeat], fd[repeat])
            final = fd < rep_rank[grp]
        tp[fd[final]] = True
        locked[fg[final]] = True
        done = np.zeros(num_det, bool)
        done[fd[final]] = True
        keep = ~done[d]
        d, g = d[keep], g[keep]
    return tp


def _match_thumos14(g: np.ndarray, d: np.ndarray, gpos: np.ndarray, num_det: int) -> np.ndarray:
    """Ground truths in file order (per group) each take their best free candidate.

    Pairs sorted by (GT position in its group, GT, overlap descending, detection rank); every pair
    above the threshold. The k-th GTs of all groups are resolved together (they never compete).
    Returns a mask over the detection ids used in ``d``.
    """
    taken = np.zeros(num_det, bool)
    bounds = np.searchsorted(gpos, np.arange(int(gpos[-1]) + 2)) if len(gpos) else np.zeros(1, np.int64)
    for a, b in zip(bounds[:-1], bounds[1:]):
        if a == b:
            continue
        gg, dd = g[a:b], d[a:b]
        free = ~taken[dd]
        gg, dd = gg[free], dd[free]
        win = _first_per_group(gg)
        taken[dd[win]] = True
    return taken


# --------------------------------------------------------------------------- shared preparation


def _name_codes(seg: Segments, field: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes int64 (N,), sorted distinct names) of ``seg.<field>``; readers may attach them ready-made."""
    values = getattr(seg, field)
    cached = getattr(seg, f"_codes_{field}", None)
    if cached is not None and len(cached[0]) == len(values):
        codes, names = cached
        probe = np.unique(np.r_[0:min(len(values), 64), max(len(values) - 64, 0):len(values)])
        if len(values) == 0 or np.array_equal(names[codes[probe]], values[probe]):
            return codes, names
    names, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), names


def _lookup(names: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Index of each of ``names`` in the sorted ``table`` (-1 when absent)."""
    if len(table) == 0:
        return np.full(len(names), -1, np.int64)
    pos = np.searchsorted(table, names).clip(0, len(table) - 1)
    return np.where(table[pos] == names, pos, -1).astype(np.int64)


def _rows(idx: np.ndarray, k: int = 5) -> str:
    return ", ".join(str(int(i)) for i in idx[:k]) + (", ..." if len(idx) > k else "")


class TemporalProblem:
    """Ground truth and detections encoded once as integer codes, shared by every metric.

    Build it once and pass it as ``prepared=`` to :func:`temporal_map` (any protocol, any tie order)
    and :func:`temporal_corloc`: the checks, the unknown-video policy, the sanity pass against video
    durations and the candidate (detection, ground truth) pairs are computed once.

    Parameters
    ----------
    gt : Segments
        Ground truth (``Ambiguous`` rows allowed); ``gt.videos`` is the evaluated set.
    detections : Segments
        Detections with finite scores (any sign or size).
    classes : sequence of str, optional
        Evaluated classes (default: the ground-truth classes).
    unknown_videos : {"error", "fp", "drop"}
        See :func:`evaluators.unknown_videos.apply_unknown_video_policy`.
    video_info : dict of str to VideoInfo, optional
        Durations (``duration_s``) and ``fps`` of the videos, for the sanity pass: more than 5 % of
        the detections ending more than 1 s past their video is an error, fewer a warning. An empty
        dict says that no durations are known (a note says so); None skips the pass silently.
    check_durations : {"error", "frames", "warn"} or bool
        "error" (or True): the rule above. "frames": an error only when the times look like frames
        (dividing by the fps fits), else a warning (for durations found next to the ground truth
        rather than given). "warn" (or False): always a warning.

    Examples
    --------
    >>> import numpy as np
    >>> from annotations.types import Segments
    >>> gt = Segments(np.array(["v"]), np.array([0.0]), np.array([10.0]), np.array(["A"]))
    >>> det = Segments(np.array(["v"]), np.array([1.0]), np.array([9.0]), np.array(["A"]), np.array([-2.5]))
    >>> problem = TemporalProblem(gt, det)
    >>> temporal_map(gt, det, [0.5], prepared=problem).mean_ap.tolist()
    [1.0]
    """

    def __init__(self, gt: Segments, detections: Segments, classes=None, unknown_videos: str = "error",
                 video_info=None, check_durations=True):
        _check_choice(unknown_videos, UNKNOWN_VIDEO_MODES, "unknown_videos")
        if check_durations not in (True, False, "error", "frames", "warn"):
            raise InputError(None, "check_durations", f"unknown value {check_durations!r} (choose from error, frames, warn)")
        _check_segments(gt, "ground truth", need_score=False)
        _check_segments(detections, "detections", need_score=True)
        self.gt, self.detections, self.unknown_videos = gt, detections, unknown_videos
        self.classes = classes = _resolve_classes(gt, classes)
        self.notes: list[str] = []
        det = detections

        # ---- names -> integer codes (video codes follow sorted names: MATLAB's unique order)
        det_vcode, det_vnames = _name_codes(det, "video")
        gt_vcode, gt_vnames = _name_codes(gt, "video")
        listed = np.asarray(sorted(set(map(str, gt.videos))), dtype=str)
        self.video_names = names = np.union1d(np.union1d(listed, gt_vnames), det_vnames.astype(str))
        self.num_videos_total = nv = len(names)
        det_vid_all = _lookup(det_vnames.astype(str), names)[det_vcode] if len(det) else np.zeros(0, np.int64)
        gt_vid = _lookup(gt_vnames.astype(str), names)[gt_vcode] if len(gt) else np.zeros(0, np.int64)
        self.evaluated_videos = _lookup(listed, names)
        self.video_first_row = np.full(nv, len(det), np.int64)
        np.minimum.at(self.video_first_row, det_vid_all, np.arange(len(det)))
        self.video_first_rank = np.empty(nv, np.int64)  # videos numbered in order of their first row
        self.video_first_rank[np.argsort(self.video_first_row, kind="stable")] = np.arange(nv)

        # ---- unknown-video policy, on the rows of unknown videos only
        known_video = np.zeros(nv, bool)
        known_video[self.evaluated_videos] = True
        unknown_rows = ~known_video[det_vid_all]
        keep = np.ones(len(det), bool)
        if unknown_rows.any():
            sub_keep, notes = apply_unknown_video_policy(names[det_vid_all[unknown_rows]], list(map(str, gt.videos)),
                                                         unknown_videos, det.source or None)
            self.notes += notes
            if sub_keep is not None:
                keep[unknown_rows] = sub_keep

        # ---- classes
        class_table = np.asarray(classes, dtype=str)
        class_sorter = np.argsort(class_table)
        def class_of(seg, field="label"):
            codes, lnames = _name_codes(seg, field)
            pos = _lookup(lnames.astype(str), class_table[class_sorter])
            cls = np.where(pos >= 0, class_sorter[pos.clip(0)], -1) if len(pos) else pos
            return (cls[codes] if len(codes) else np.zeros(0, np.int64)), lnames, codes
        gt_cls, gt_lnames, gt_lcodes = class_of(gt)
        is_amb = (gt_lnames == AMBIGUOUS)[gt_lcodes] if len(gt) else np.zeros(0, bool)
        det_cls, det_lnames, det_lcodes = class_of(det)
        self.num_ambiguous = int(is_amb.sum())

        # ---- ground truth: evaluated classes, sorted by (class, video), file order inside
        gkeep = np.flatnonzero(gt_cls >= 0)
        gkey = gt_cls[gkeep] * nv + gt_vid[gkeep]
        order = gkeep[np.argsort(gkey, kind="stable")]
        self.gt_key, self.gt_cls = gt_cls[order] * nv + gt_vid[order], gt_cls[order]
        self.gt_start, self.gt_end = gt.t_start_s[order], gt.t_end_s[order]
        self.num_gt = np.bincount(self.gt_cls, minlength=len(classes))
        amb = np.flatnonzero(is_amb)
        amb = amb[np.argsort(gt_vid[amb], kind="stable")]
        self.amb_vid, self.amb_start, self.amb_end = gt_vid[amb], gt.t_start_s[amb], gt.t_end_s[amb]

        # ---- detections: base order = by (class, video), input order inside
        ignored = keep & (det_cls < 0)
        self.num_ignored_label = int(ignored.sum())
        self.ignored_labels = sorted(set(det_lnames[np.unique(det_lcodes[ignored])].tolist())) if ignored.any() else []
        self.num_detections = int(keep.sum())
        rows = np.flatnonzero(keep & (det_cls >= 0))
        bkey = det_cls[rows] * nv + det_vid_all[rows]
        rows = rows[_argsort_keys_then_position(bkey, len(classes) * nv)]  # by (key, row): rows ascend
        self.b_row = rows
        self.b_cls = det_cls[rows]
        self.b_vid = det_vid_all[rows]
        self.b_key = self.b_cls * nv + self.b_vid
        del det_cls, bkey
        self.b_start, self.b_end, self.b_score = det.t_start_s[rows], det.t_end_s[rows], det.score[rows]
        self.class_bounds = np.searchsorted(self.b_cls, np.arange(len(classes) + 1))
        self._rankings: dict = {}
        self._pairs_cache: dict = {}
        self._near_amb = None

        self._odd_rows(det, gt)
        if len(det) == 0:
            self.notes.append("the detection file holds no detection: every AP is 0")
        if video_info is not None:
            self._check_durations(video_info, det, det_vid_all, keep, check_durations)

    # ------------------------------------------------------------------ checks

    def _odd_rows(self, det: Segments, gt: Segments) -> None:
        """Notes on rows with start > end and on zero-length rows (each protocol's rule is in map())."""
        self.swapped_rows = np.flatnonzero(det.t_start_s > det.t_end_s)
        self.zero_rows = np.flatnonzero(det.t_start_s == det.t_end_s)
        self.gt_swapped = int((gt.t_start_s > gt.t_end_s).sum())
        self.gt_zero = int((gt.t_start_s == gt.t_end_s).sum())

    def _check_durations(self, video_info, det, det_vid, keep, check) -> None:
        """The sanity pass: detections ending more than 1 s after their video's duration."""
        if not video_info:
            self.notes.append("no video durations known: segment times were not checked against them")
            return
        duration = np.full(self.num_videos_total, np.nan)
        fps = np.full(self.num_videos_total, np.nan)
        info_names = np.asarray(list(video_info), dtype=str)
        pos = _lookup(info_names, self.video_names)
        for p, info in zip(pos.tolist(), video_info.values()):
            if p >= 0:
                duration[p] = np.nan if info.duration_s is None else info.duration_s
                fps[p] = np.nan if info.fps is None else info.fps
        d = duration[det_vid]
        known = keep & np.isfinite(d)
        n_known = int(known.sum())
        if n_known == 0:
            self.notes.append("no duration known for the detections' videos: segment times were not checked")
            return
        t_end = np.maximum(det.t_start_s, det.t_end_s)
        over = known & (t_end > d + DURATION_SLACK_S)
        n_over = int(over.sum())
        if n_over == 0:
            return
        first = np.flatnonzero(over)
        i = int(first[0])
        what = (f"{n_over} of {n_known} detection(s) ({100 * n_over / n_known:.1f} %) end more than "
                f"{DURATION_SLACK_S:g} s after their video's duration (0-based rows {_rows(first)}; e.g. "
                f"{det.video[i]} ends at {float(t_end[i]):g} s, duration {float(d[i]):g} s)")
        f = fps[det_vid]
        hint = ""
        frames = False
        if n_over > 0.5 * n_known and np.isfinite(f[known]).all():
            inside = (t_end[known] / f[known]) <= d[known] + DURATION_SLACK_S
            if inside.mean() >= 0.95:
                frames = True
                hint = ("; the times look like frames, not seconds: divided by the video's fps, "
                        f"{100 * inside.mean():.1f} % of the rows fit inside their video")
        strict = check in (True, "error") or (check == "frames" and frames)
        if n_over > DURATION_ERROR_FRACTION * n_known and strict:
            raise InputError(det.source or None, None,
                             f"{what}{hint}; convert the times to seconds, check the video names and durations "
                             "(video_info), or pass check_durations='warn' to evaluate anyway")
        self.notes.append(what + hint)

    # ------------------------------------------------------------------ rankings and pairs

    def ranking(self, protocol: str, ties: str) -> tuple[np.ndarray, np.ndarray]:
        """(order, rank_pos): base detections in rank order (class by class), and its inverse.

        ``ties="stable"``: descending score, equal scores in input order.
        ``ties="protocol"``, thumos14: MATLAB's stable ``sort`` of the per-video lists concatenated
        in ``unique`` (sorted) video-name order: equal scores by video name, then input order.
        ``ties="protocol"``, activitynet: ``score.argsort()[::-1]`` (NumPy's default sort, as
        ``eval_detection.py`` calls it) on each class's detections in the order of the results JSON
        (input order with each video's rows brought together at the video's first row: the JSON a
        THUMOS txt file converts to; a no-op for JSON input).
        """
        key = "stable" if ties == "stable" else protocol
        if key in self._rankings:
            return self._rankings[key]
        parts = []
        integral = bool(getattr(self.detections, "_scores_integral", False))
        for c in range(len(self.classes)):
            a, b = int(self.class_bounds[c]), int(self.class_bounds[c + 1])
            if key == "thumos14":  # base order inside a class is already (video name, input row)
                idx = np.arange(a, b)
                idx = idx[_stable_argsort(-self.b_score[a:b])]
            elif key == "stable":
                idx = a + np.argsort(self.b_row[a:b])
                idx = idx[_stable_argsort(-self.b_score[idx])]
            else:
                # the class's rows as eval_detection.py holds them: in the order of the results JSON,
                # whose videos are keys (a video's rows together, videos in order of first appearance)
                # (a video's rows are together and ascending in the base order: order the videos by first row)
                idx = a + _argsort_keys_then_position(self.video_first_rank[self.b_vid[a:b]], len(self.video_first_rank))
                # the same dtype as the official array: int64 when every JSON score was an integer
                scores = np.ascontiguousarray(self.b_score[idx], dtype=np.int64 if integral else np.float64)
                idx = idx[scores.argsort()[::-1]]
            parts.append(idx)
        order = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
        rank_pos = np.empty(len(order), np.int64)
        rank_pos[order] = np.arange(len(order))
        self._rankings[key] = (order, rank_pos)
        return order, rank_pos

    def has_ties(self, order: np.ndarray) -> bool:
        """Whether two detections of one class have equal scores (``order``: any ranking)."""
        s, c = self.b_score[order], self.b_cls[order]
        return bool(np.any((s[1:] == s[:-1]) & (c[1:] == c[:-1])))

    def _same_order(self, protocol: str) -> bool:
        """Whether the protocol's ranking equals the stable one, without building the stable one when
        it is not built yet: the stable order is the only one sorted by (class, score descending,
        input row), rows being unique (NaN scores, placed differently, take the full comparison)."""
        order = self.ranking(protocol, "protocol")[0]
        if "stable" in self._rankings or np.isnan(self.b_score).any():
            return np.array_equal(self.ranking(protocol, "stable")[0], order)
        s, c, r = self.b_score[order], self.b_cls[order], self.b_row[order]
        same_c = c[1:] == c[:-1]
        if np.any(same_c & (s[1:] > s[:-1])):
            return False
        return not np.any(same_c & (s[1:] == s[:-1]) & (r[1:] < r[:-1]))

    def pairs(self, kind: str, keep_min: float = 1.0):
        """Candidate (base detection, ground truth, overlap) pairs, computed once per kind, ordered by
        base detection.

        ``"activitynet"``: ActivityNet tIoU (a zero union gives inf: the official loop takes its NaN
        as a match), pairs with tIoU > 0 or, when ``keep_min`` is 0, every pair of the group;
        ``"thumos14"``: THUMOS'14 overlap > 0 (bounds ordered by min/max as there).
        """
        full = kind == "activitynet" and keep_min <= 0
        key = (kind, full)
        if key in self._pairs_cache:
            return self._pairs_cache[key]
        ordered = not (np.any(self.b_start > self.b_end) or np.any(self.gt_start > self.gt_end))
        if kind == "thumos14" and ordered and not full:
            # no start > end anywhere: the same intersecting pairs as ActivityNet's (less its 0/0 ones)
            pd, pg, po = self.pairs("activitynet")
            o = overlap_thumos14(self.gt_start[pg], self.gt_end[pg], self.b_start[pd], self.b_end[pd])
            keep = o > 0
            self._pairs_cache[key] = out = (pd[keep], pg[keep], o[keep])
            return out
        if kind == "activitynet":
            fn = lambda *a: tiou_activitynet(*a, zero_union=np.inf)  # noqa: E731
            ds, de, gs, ge = self.b_start, self.b_end, self.gt_start, self.gt_end
        else:
            fn = overlap_thumos14
            ds, de = np.minimum(self.b_start, self.b_end), np.maximum(self.b_start, self.b_end)
            gs, ge = np.minimum(self.gt_start, self.gt_end), np.maximum(self.gt_start, self.gt_end)
        if full or np.any(gs > ge):
            out = _pairs(self.b_key, ds, de, self.gt_key, gs, ge, fn, 0.0, strict=not full)
        else:
            # intervals that intersect, by binary search on GTs sorted by (key, start); degenerate
            # detections (start >= end: a zero union can match anywhere) take every GT of their group
            by_start = np.lexsort((gs, self.gt_key))
            normal = ds < de
            nd = np.flatnonzero(normal)
            d1, g1, o1 = _pairs_overlapping(self.b_key[nd], ds[nd], de[nd], self.gt_key[by_start], gs[by_start],
                                            ge[by_start], fn, strict=True)
            d1, g1 = nd[d1], by_start[g1]
            odd = np.flatnonzero(~normal)
            d2, g2, o2 = _pairs(self.b_key[odd], ds[odd], de[odd], self.gt_key, gs, ge, fn, 0.0, strict=True)
            if len(d2):
                d, g, o = np.concatenate([d1, odd[d2]]), np.concatenate([g1, g2]), np.concatenate([o1, o2])
                srt = np.argsort(d, kind="stable")
                out = d[srt], g[srt], o[srt]
            else:
                out = d1, g1, o1
        self._pairs_cache[key] = out
        return out

    def _anet_preference(self, keep_min: float):
        """ActivityNet pairs sorted by (detection, tIoU descending, official tie order)."""
        key = ("anet-pref", keep_min <= 0)
        if key in self._pairs_cache:
            return self._pairs_cache[key]
        pd, pg, po = self.pairs("activitynet", keep_min)
        # only detections with two or more candidates need sorting (pairs are grouped by detection)
        multi = np.flatnonzero(np.bincount(pd, minlength=len(self.b_row))[pd] >= 2)
        md, mg, mo = pd[multi], pg[multi], po[multi]
        tie_rank = -mg  # where NumPy's argsort keeps equal values in place, reversed: last GT first
        srt = _sort_by(md, -mo, tie_rank - tie_rank.min() if len(tie_rank) else tie_rank)
        tied = (md[srt][1:] == md[srt][:-1]) & (mo[srt][1:] == mo[srt][:-1])
        if tied.any():
            md_sorted = md[srt]
            tied_d = np.unique(md_sorted[1:][tied])
            # each tied detection's pairs: a slice of the sorted pairs (no scan of every pair per detection)
            first_at = np.searchsorted(md_sorted, tied_d, side="left").tolist()
            end_at = np.searchsorted(md_sorted, tied_d, side="right").tolist()
            for b, s0, s1 in zip(tied_d.tolist(), first_at, end_at):
                lo, gts = self.official_gt_order(b)
                position = np.empty(len(gts), np.int64)
                position[gts - lo] = np.arange(len(gts))
                sel = srt[s0:s1]
                tie_rank[sel] = position[mg[sel] - lo]
            # (detection, tIoU, tie rank) is unique per pair: one argsort of a combined key = the lexsort
            srt = _sort_by(md, -mo, tie_rank - tie_rank.min())
        pd, pg, po = pd.copy(), pg.copy(), po.copy()
        pd[multi], pg[multi], po[multi] = md[srt], mg[srt], mo[srt]
        out = pd, pg, po
        self._pairs_cache[key] = out
        return out

    def _thumos_order(self):
        """THUMOS'14 pairs sorted by (GT position in its group, GT, overlap descending, detection's
        place in its video's list: score descending, then input row), with the GT positions."""
        if "th-order" not in self._pairs_cache:
            pd, pg, po = self.pairs("thumos14")
            first = np.searchsorted(self.gt_key, self.gt_key, side="left")
            gpos = np.arange(len(self.gt_key)) - first
            # inside a (class, video) group the THUMOS'14 rank order is (score descending, input row)
            _, rank_pos = self.ranking("thumos14", "protocol")
            srt = _sort_by(gpos[pg] * len(self.gt_key) + pg, -po, rank_pos[pd])
            self._pairs_cache["th-order"] = (pd[srt], pg[srt], po[srt], gpos[pg[srt]])
        return self._pairs_cache["th-order"]

    def near_ambiguous(self) -> np.ndarray:
        """(N_base,) bool: detection intersects an Ambiguous segment of its video (THUMOS'14 rule)."""
        if self._near_amb is None:
            self._near_amb = np.zeros(len(self.b_row), bool)
            if len(self.amb_vid):
                # bounds ordered as the official overlap does; zero-length rows intersect nothing
                gs, ge = np.minimum(self.amb_start, self.amb_end), np.maximum(self.amb_start, self.amb_end)
                by_start = np.lexsort((gs, self.amb_vid))
                amb = (self.amb_vid[by_start], gs[by_start], ge[by_start])
                if np.all(self.b_start < self.b_end):
                    ad, _, _ = _pairs_overlapping(self.b_vid, self.b_start, self.b_end, *amb, overlap_thumos14,
                                                  strict=True)
                    self._near_amb[ad] = True
                else:
                    ds, de = np.minimum(self.b_start, self.b_end), np.maximum(self.b_start, self.b_end)
                    normal = np.flatnonzero(ds < de)
                    ad, _, _ = _pairs_overlapping(self.b_vid[normal], ds[normal], de[normal], *amb, overlap_thumos14,
                                                  strict=True)
                    self._near_amb[normal[ad]] = True
        return self._near_amb

    def official_gt_order(self, b: int) -> tuple[int, np.ndarray]:
        """First GT index of base detection ``b``'s group, and the group's GT indices in the order
        ActivityNet's code tries them: ``segment_iou(...).argsort()[::-1]`` (same values, NaN included)."""
        lo, hi = np.searchsorted(self.gt_key, [self.b_key[b], self.b_key[b] + 1])
        tiou = tiou_activitynet(self.gt_start[lo:hi], self.gt_end[lo:hi], self.b_start[b], self.b_end[b],
                                zero_union=np.nan)
        return int(lo), lo + tiou.argsort()[::-1]

    def counts(self) -> dict:
        """What the numbers were computed on (for tables and metrics.json)."""
        return {"num_videos": len(self.evaluated_videos), "num_gt_instances": int(self.num_gt.sum()),
                "num_ambiguous": self.num_ambiguous, "num_detections": self.num_detections}

    # ------------------------------------------------------------------ metrics

    def _ap(self, thresholds: np.ndarray, protocol: str, ties: str, return_curves: bool):
        """(ap (C, K), num_ignored (C, K), curves) under one protocol and tie order."""
        order, rank_pos = self.ranking(protocol, ties)
        n, K = len(order), len(thresholds)
        if n == 0:
            tp = ignored = np.zeros((K, 0), bool)
        elif protocol == "activitynet":
            pd, pg, po = self._anet_preference(float(thresholds.min()))
            # the same pairs, detection blocks moved into rank order (each keeps its preference order)
            # detection blocks into rank order, each keeping its preference order: one unique int key
            starts = np.flatnonzero(_first_per_group(pd))
            offset = np.arange(len(pd)) - np.repeat(starts, np.diff(np.append(starts, len(pd))))
            width = int(offset.max()) + 1 if len(pd) else 1
            idx = np.argsort(rank_pos[pd] * width + offset)
            d, g, o = rank_pos[pd[idx]], pg[idx], po[idx]
            del idx, offset
            gt_group = np.cumsum(_first_per_group(self.gt_key)) - 1
            tp = np.zeros((K, n), bool)
            for k in range(K):
                m = o >= thresholds[k]
                tp[k] = _match_activitynet(d[m], g[m], gt_group, n)
            ignored = None
        else:
            pd, pg, po, gpos = self._thumos_order()
            tp = np.zeros((K, n), bool)
            for k in range(K):
                m = po > thresholds[k]
                tp[k] = _match_thumos14(pg[m], pd[m], gpos[m], n)[order]
            ignored = self.near_ambiguous()[order][None, :] & ~tp
        ap_fn = ap_all_point if protocol == "activitynet" else ap_non_interpolated
        C, K = len(self.classes), len(thresholds)
        ap = np.full((C, K), np.nan)
        curves = [[None] * C for _ in thresholds] if return_curves else None
        num_ignored = np.zeros((C, K), np.int64)
        for c in range(C):
            a, b = self.class_bounds[c], self.class_bounds[c + 1]
            for k in range(K):
                if ignored is None:
                    is_tp = tp[k, a:b]
                else:
                    kept = ~ignored[k, a:b]
                    is_tp = tp[k, a:b][kept]
                    num_ignored[c, k] = (b - a) - int(kept.sum())
                if self.num_gt[c] > 0:
                    ap[c, k] = ap_fn(is_tp, int(self.num_gt[c]))
                if return_curves:
                    precision, recall = precision_recall(is_tp, int(self.num_gt[c]))
                    curves[k][c] = (recall, precision)
        return ap, num_ignored, curves

    def map(self, thresholds, protocol: str = "activitynet", ties: str = "protocol",
            return_curves: bool = False) -> APResult:
        """APResult under ``protocol``; see :func:`temporal_map`."""
        _check_choice(protocol, PROTOCOLS, "protocol")
        _check_choice(ties, TIE_ORDERS, "ties")
        thresholds = _check_thresholds(thresholds)
        warnings = list(self.notes)
        warnings += self._protocol_notes(protocol)
        ap, num_ignored, curves = self._ap(thresholds, protocol, ties, return_curves)
        extra: dict = {"counts": self.counts(), "ties": ties}
        if self.has_ties(self.ranking(protocol, ties)[0]):
            other = "stable" if ties == "protocol" else "protocol"
            if not self._same_order(protocol):
                ap_other, _, _ = self._ap(thresholds, protocol, other, False)
                diff = np.abs(np.nan_to_num(ap_other) - np.nan_to_num(ap))
                valid = self.num_gt > 0
                map_diff = float(np.abs(np.nanmean(ap_other[valid], 0) - np.nanmean(ap[valid], 0)).max()) if valid.any() else 0.0
                extra["tie_order_max_ap_difference"] = float(diff.max()) if diff.size else 0.0
                extra["tie_order_max_map_difference"] = map_diff
                if diff.size and diff.max() > 1e-9:
                    c, k = np.unravel_index(int(np.argmax(diff)), diff.shape)
                    name = {"thumos14": "TH14evalDet_Updated.m's (MATLAB sort)",
                            "activitynet": "eval_detection.py's (NumPy argsort, reversed)"}[protocol]
                    used = name if ties == "protocol" else "input order"
                    alt = "input order" if ties == "protocol" else name
                    warnings.append(f"tied scores: ranked in {used}; in {alt} an AP moves by up to "
                                    f"{diff.max():.6f} ({self.classes[c]} at tIoU {thresholds[k]:g}) and the mAP "
                                    f"by up to {map_diff:.6f}")
        if protocol == "thumos14":
            extra["num_ignored_ambiguous"] = {c: [int(v) for v in row] for c, row in zip(self.classes, num_ignored)}
        return APResult(protocol=protocol, thresholds=thresholds, classes=self.classes, ap=ap, num_gt=self.num_gt,
                        num_det=np.diff(self.class_bounds), curves=curves, warnings=tuple(warnings), extra=extra)

    def _protocol_notes(self, protocol: str) -> list[str]:
        """Warnings that depend on the protocol: Ambiguous, odd rows, ignored labels."""
        out = []
        has_amb = self.num_ambiguous > 0
        if protocol == "thumos14" and not has_amb:
            out.append("ground truth has no Ambiguous segments: the official THUMOS'14 numbers use "
                       "Ambiguous_test.txt (read the class-txt directory, not the JSON)")
        if protocol == "activitynet" and has_amb:
            out.append(self._anet_on_thumos_note())
        if self.num_ignored_label:
            listed = ", ".join(self.ignored_labels[:5]) + (", ..." if len(self.ignored_labels) > 5 else "")
            out.append(f"{self.num_ignored_label} detection(s) with labels outside the evaluated classes ignored ({listed})")
        sw, zr = self.swapped_rows, self.zero_rows
        if len(sw):
            if protocol == "thumos14":
                out.append(f"{len(sw)} detection(s) with t_start > t_end (0-based rows {_rows(sw)}): bounds swapped, as "
                           "TH14evalDet_Updated.m does")
            else:
                out.append(f"{len(sw)} detection(s) with t_start > t_end (0-based rows {_rows(sw)}): kept as they are, as "
                           "eval_detection.py does: their tIoU is 0 with every ground truth (false positives) "
                           "unless the union is exactly 0 (NaN there, a match)")
        if len(zr):
            if protocol == "thumos14":
                out.append(f"{len(zr)} zero-length detection(s) (0-based rows {_rows(zr)}): overlap 0 with everything under "
                           "TH14evalDet_Updated.m (false positives, never removed by Ambiguous)")
            else:
                out.append(f"{len(zr)} zero-length detection(s) (0-based rows {_rows(zr)}): tIoU 0 with ground truth of "
                           "positive length; with a zero-length ground truth of their class and video the union is "
                           "0, which eval_detection.py treats as a match at every threshold (so do we)")
        if self.gt_swapped:
            out.append(f"{self.gt_swapped} ground-truth segment(s) with t_start > t_end: "
                       + ("bounds swapped (TH14evalDet_Updated.m)" if protocol == "thumos14"
                          else "kept as they are (eval_detection.py)"))
        if self.gt_zero:
            out.append(f"{self.gt_zero} zero-length ground-truth segment(s): "
                       + ("no detection can overlap them (TH14evalDet_Updated.m)" if protocol == "thumos14"
                          else "only a zero-length detection matches them (eval_detection.py's 0/0)"))
        return out

    def _anet_on_thumos_note(self) -> str:
        """Item of the notes: what an ActivityNet row computed on ground truth with Ambiguous used."""
        counts = self.counts()
        note = (f"ActivityNet protocol on ground truth with Ambiguous segments (THUMOS'14 class-txt files): computed "
                f"on {counts['num_videos']} videos and {counts['num_gt_instances']} instances; the "
                f"{self.num_ambiguous} Ambiguous segment(s) are ignored")
        videos = set(map(str, self.gt.videos))
        missing = [v for v in ("video_test_0000270", "video_test_0001496", "video_test_0001292") if v in videos]
        if missing:
            per_video = []
            for v in missing:
                n = int(((self.gt.video == v) & (self.gt.label != AMBIGUOUS)).sum())
                per_video.append(f"{v} ({n} instance(s))" if n else f"{v} (Ambiguous only)")
            note += ("; the official ActivityNet-protocol numbers for THUMOS'14 use thumos_gt.json (210 test "
                     f"videos, no Ambiguous), which lacks {', '.join(per_video)}: this row is not the official "
                     "ActivityNet-protocol number (give thumos_gt.json as ground truth for that)")
        return note

    def corloc(self, thresholds) -> CorLocResult:
        """CorLocResult; see :func:`temporal_corloc`."""
        thresholds = _check_thresholds(thresholds)
        pd, pg, po = self.pairs("activitynet")
        fin = np.isfinite(po)  # a zero union (inf here) counts as no overlap for CorLoc
        pd, pg, po = pd[fin], pg[fin], po[fin]
        # best detection per GT: highest score, then earliest input row (= first in the stable ranking)
        if "stable" in self._rankings or np.isnan(self.b_score).any():
            _, rank_pos = self.ranking("activitynet", "stable")
            best = np.full(len(self.gt_key), len(rank_pos))
            np.minimum.at(best, pg, rank_pos[pd])
            win = rank_pos[pd] == best[pg]  # one pair per GT: (GT, detection) pairs are unique
        else:  # the same winner from the pairs alone, without ranking every detection
            score, row = self.b_score[pd], self.b_row[pd]
            top = np.full(len(self.gt_key), -np.inf)
            np.maximum.at(top, pg, score)
            cand = score == top[pg]
            first = np.full(len(self.gt_key), np.iinfo(np.int64).max)
            np.minimum.at(first, pg[cand], row[cand])
            win = cand & (row == first[pg])  # rows are unique: one pair per GT
        tiou_per_gt = np.zeros(len(self.gt_key))
        tiou_per_gt[pg[win]] = po[win]
        localized = tiou_per_gt[None, :] >= thresholds[:, None]  # (K, G)
        corloc = np.full((len(self.classes), len(thresholds)), np.nan)
        for c in np.flatnonzero(self.num_gt):
            corloc[c] = localized[:, self.gt_cls == c].mean(axis=1)
        return CorLocResult(unit="instance", thresholds=thresholds, classes=self.classes, corloc=corloc,
                            num_units=self.num_gt)


def _problem(gt, detections, classes, unknown_videos, video_info, check_durations, prepared) -> TemporalProblem:
    """``prepared`` if it was built on these inputs, else a new TemporalProblem."""
    if prepared is None:
        return TemporalProblem(gt, detections, classes, unknown_videos, video_info, check_durations)
    if prepared.gt is not gt or prepared.detections is not detections:
        raise InputError(None, "prepared", "was built on other ground truth or detections")
    if prepared.unknown_videos != unknown_videos or (classes is not None and
                                                     tuple(dict.fromkeys(map(str, classes))) != prepared.classes):
        raise InputError(None, "prepared", "was built with other classes or unknown_videos")
    return prepared


# --------------------------------------------------------------------------- mAP and CorLoc


def temporal_map(gt: Segments, detections: Segments, tiou_thresholds=DEFAULT_TIOU_THRESHOLDS,
                 protocol: str = "activitynet", classes=None, unknown_videos: str = "error",
                 return_curves: bool = False, ties: str = "protocol", video_info=None,
                 check_durations: bool = True, prepared: TemporalProblem | None = None) -> APResult:
    """Per-class AP and mAP of temporal detections at each tIoU threshold, under an official protocol.

    Parameters
    ----------
    gt, detections : Segments
        Ground truth (seconds; Ambiguous allowed) and detections (finite scores of any sign).
    tiou_thresholds : sequence of float in [0, 1], shape (K,)
    protocol : {"activitynet", "thumos14"}
        ``eval_detection.py`` or ``TH14evalDet_Updated.m`` (``docs/protocols/temporal.md``).
    classes : sequence of str, optional
        Default: the ground-truth classes; the mean is over classes with ground truth.
    unknown_videos : {"error", "fp", "drop"}
        Detections in videos absent from ``gt.videos``.
    return_curves : bool
        Fill ``APResult.curves``.
    ties : {"protocol", "stable"}
        Order of equal scores: the official program's (default) or input order. When they differ,
        the other order is computed too and a warning gives the largest AP difference
        (``APResult.extra["tie_order_max_ap_difference"]``).
    video_info, check_durations :
        The sanity pass against video durations (see :class:`TemporalProblem`).
    prepared : TemporalProblem, optional
        Built once on the same ``gt`` and ``detections`` to share the work between calls.

    Returns
    -------
    APResult
        ``ap`` (C, K), ``warnings``, ``extra["counts"]`` (videos, instances, Ambiguous, detections).

    Examples
    --------
    >>> import numpy as np
    >>> from annotations.types import Segments
    >>> gt = Segments(np.array(["v", "v"]), np.array([0.0, 20.0]), np.array([10.0, 30.0]), np.array(["A", "A"]))
    >>> det = Segments(np.array(["v", "v"]), np.array([1.0, 50.0]), np.array([9.0, 60.0]), np.array(["A", "A"]),
    ...                np.array([0.9, 0.8]))
    >>> temporal_map(gt, det, [0.5], protocol="thumos14").mean_ap.tolist()
    [0.5]
    """
    _check_choice(protocol, PROTOCOLS, "protocol")
    _check_choice(unknown_videos, UNKNOWN_VIDEO_MODES, "unknown_videos")
    _check_choice(ties, TIE_ORDERS, "ties")
    thresholds = _check_thresholds(tiou_thresholds)
    problem = _problem(gt, detections, classes, unknown_videos, video_info, check_durations, prepared)
    return problem.map(thresholds, protocol, ties, return_curves)


def temporal_corloc(gt: Segments, detections: Segments, tiou_thresholds=DEFAULT_TIOU_THRESHOLDS,
                    classes=None, unknown_videos: str = "error", video_info=None, check_durations: bool = True,
                    prepared: TemporalProblem | None = None) -> CorLocResult:
    """Fraction of ground-truth instances whose best-scoring overlapping detection reaches tIoU >= t.

    For each non-Ambiguous instance, the highest-scoring detection of its class in its video among
    those with tIoU > 0 (equal scores: first in input order) decides; tIoU is ActivityNet's formula.
    Class-balanced mean. Detections in unknown videos cannot localise anything ("fp" and "drop" agree).

    Examples
    --------
    >>> import numpy as np
    >>> from annotations.types import Segments
    >>> gt = Segments(np.array(["v"]), np.array([0.0]), np.array([10.0]), np.array(["A"]))
    >>> det = Segments(np.array(["v"]), np.array([0.0]), np.array([4.0]), np.array(["A"]), np.array([1.0]))
    >>> temporal_corloc(gt, det, [0.3, 0.5]).mean_corloc.tolist()
    [1.0, 0.0]
    """
    _check_choice(unknown_videos, UNKNOWN_VIDEO_MODES, "unknown_videos")
    thresholds = _check_thresholds(tiou_thresholds)
    problem = _problem(gt, detections, classes, unknown_videos, video_info, check_durations, prepared)
    return problem.corloc(thresholds)


__all__ = ["PROTOCOLS", "UNKNOWN_VIDEO_MODES", "TIE_ORDERS", "DEFAULT_TIOU_THRESHOLDS", "TemporalProblem",
           "temporal_map", "temporal_corloc"]
