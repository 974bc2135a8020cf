"""Video-AP on tubes with the ACT detector's definitions (``ACT.py`` videoAP / ``ACT_utils.py`` iou3dt).

ST-IoU = temporal IoU over inclusive frame indices x the mean per-frame IoU (+1-pixel areas) over
the frames both tubes cover. Each detected tube, in score order, takes the argmax-ST-IoU remaining
ground-truth tube of its class in its video if ST-IoU >= t. AP is ACT's float32 trapezoid under the
raw PR curve from (recall 0, precision 1). No NMS. Boxes are used as given, inverted ones included,
exactly as ACT computes them (a warning says how many there are).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from annotations.errors import InputError
from annotations.types import Tube, TubeDataset
from evaluators.ap import ap_trapezoid_float32
from evaluators.box_checks import check_frames, check_inside_frame
from evaluators.box_iou import iou_pairs
from evaluators.frame_ap import check_thresholds
from evaluators.matching import greedy_match_groups
from evaluators.results import APResult
from evaluators.unknown_videos import UNKNOWN_VIDEO_MODES, apply_unknown_video_policy


def spatiotemporal_iou(tube_a: Tube, tube_b: Tube) -> float:
    """ACT's ``iou3dt``: temporal IoU (inclusive frames) x mean +1-pixel IoU over the common frames.

    Parameters
    ----------
    tube_a, tube_b : Tube
        Tubes with contiguous, sorted 0-based frames; boxes ``[x1, y1, x2, y2]`` in pixels.

    Returns
    -------
    float
        Spatio-temporal IoU (0 when the tubes share no frame).

    Examples
    --------
    >>> import numpy as np
    >>> a = Tube("v", "c", np.arange(0, 10), [[0, 0, 9, 9]] * 10)
    >>> b = Tube("v", "c", np.arange(5, 15), [[0, 0, 9, 9]] * 10)
    >>> round(spatiotemporal_iou(a, b), 4)  # 5 common frames of 15, same box
    0.3333
    """
    fa, fb = tube_a.frame_idx, tube_b.frame_idx
    tmin, tmax = max(fa[0], fb[0]), min(fa[-1], fb[-1])
    if tmax < tmin:
        return 0.0
    t_inter = int(tmax - tmin + 1)
    t_union = int(max(fa[-1], fb[-1]) - min(fa[0], fb[0]) + 1)
    a = tube_a.boxes_xyxy[(fa >= tmin) & (fa <= tmax)]
    b = tube_b.boxes_xyxy[(fb >= tmin) & (fb <= tmax)]
    if len(a) != t_inter or len(b) != t_inter:
        raise InputError(None, None, "spatiotemporal_iou needs tubes with contiguous, sorted frames")
    return float(np.mean(iou_pairs(a, b, "plus_one")) * (t_inter / t_union))


def _check_tubes(tubes, what: str) -> None:
    """InputError on the first tube without frames or with gaps / unsorted frames."""
    for i, t in enumerate(tubes):
        f = t.frame_idx
        if len(f) == 0 or np.any(np.diff(f) != 1):
            raise InputError(None, f"{what} tube {i}", f"tube of {t.video} ({t.label}) must have contiguous sorted frames")


def _stack(tubes):
    """Concatenated boxes, per-tube offsets, first and last frames."""
    lengths = np.array([len(t.frame_idx) for t in tubes], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64)
    boxes = np.concatenate([t.boxes_xyxy for t in tubes]) if tubes else np.zeros((0, 4))
    start = np.array([t.frame_idx[0] for t in tubes], dtype=np.int64)
    end = np.array([t.frame_idx[-1] for t in tubes], dtype=np.int64)
    return boxes, offsets, start, end


def stiou_pairs(det_tubes, gt_tubes, det_rows: np.ndarray, gt_rows: np.ndarray) -> np.ndarray:
    """ST-IoU of aligned pairs ``det_tubes[det_rows[i]]`` / ``gt_tubes[gt_rows[i]]``, all frames in one pass.

    Parameters
    ----------
    det_tubes, gt_tubes : sequence of Tube
    det_rows, gt_rows : int arrays, shape (P,)

    Returns
    -------
    float64 array, shape (P,)

    Examples
    --------
    >>> import numpy as np
    >>> g = Tube("v", "c", np.arange(0, 10), [[0, 0, 9, 9]] * 10)
    >>> d = Tube("v", "c", np.arange(0, 10), [[0, 0, 4, 9]] * 10, 0.5)
    >>> stiou_pairs([d], [g], np.array([0]), np.array([0])).tolist()  # +1 px areas 50 / 100
    [0.5]
    """
    d_boxes, d_off, d_start, d_end = _stack(det_tubes)
    g_boxes, g_off, g_start, g_end = _stack(gt_tubes)
    ds, de, gs, ge = d_start[det_rows], d_end[det_rows], g_start[gt_rows], g_end[gt_rows]
    tmin, tmax = np.maximum(ds, gs), np.minimum(de, ge)
    n = np.maximum(tmax - tmin + 1, 0)
    out = np.zeros(len(det_rows))
    hit = np.flatnonzero(n > 0)
    if len(hit) == 0:
        return out
    nh = n[hit]
    seg = np.r_[0, np.cumsum(nh)[:-1]]
    step = np.arange(nh.sum()) - np.repeat(seg, nh)
    di = np.repeat(d_off[det_rows[hit]] + (tmin[hit] - ds[hit]), nh) + step
    gi = np.repeat(g_off[gt_rows[hit]] + (tmin[hit] - gs[hit]), nh) + step
    per_frame = iou_pairs(g_boxes[gi], d_boxes[di], "plus_one")
    mean = np.add.reduceat(per_frame, seg) / nh
    t_union = np.maximum(de[hit], ge[hit]) - np.minimum(ds[hit], gs[hit]) + 1
    out[hit] = mean * (nh / t_union)
    return out


def video_ap(gt_tubes, det_tubes, iou_thresholds=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75), classes=None,
             unknown_videos: str | None = None, videos=None, video_info: Mapping | None = None) -> APResult:
    """Video-AP per class and ST-IoU threshold (ACT).

    Detected tubes of classes without ground truth, or of evaluated videos without ground truth of
    their class, are false positives.

    Parameters
    ----------
    gt_tubes : sequence of Tube, or TubeDataset
        Ground-truth tubes; a TubeDataset gives all its tubes, its class list, its videos (the
        evaluated video set) and their frame counts and sizes.
    det_tubes : sequence of Tube
        Detected tubes, each with a finite ``score`` (any real value: only the ranking matters).
    iou_thresholds : sequence of float, shape (K,)
        ST-IoU thresholds in [0, 1].
    classes : sequence of str, optional
        Evaluated classes (default: the dataset's, else every label present, sorted).
    unknown_videos : {"error", "fp", "drop"}, optional
        Detected tubes in videos outside the evaluated set (see :mod:`evaluators.unknown_videos`).
        Default: "error" when the video set is known (a TubeDataset or ``videos``); with a plain
        sequence of tubes and no ``videos`` such tubes are false positives, as in ACT.
    videos : sequence of str, optional
        The evaluated video set (default: the TubeDataset's videos, else the ground-truth tubes' videos).
    video_info : mapping of str to VideoInfo, optional
        Frame counts and sizes (default: the TubeDataset's): detected frames outside ``[0, numf)``
        are an error, boxes outside the frame a warning (an error when more than half are).

    Returns
    -------
    APResult
        ``ap`` (C, K); ``extra["counts"]`` = number of videos, GT tubes and detected tubes.

    Examples
    --------
    >>> import numpy as np
    >>> gt = [Tube("v", "c", np.arange(0, 10), [[0, 0, 9, 9]] * 10)]
    >>> dets = [Tube("v", "c", np.arange(0, 10), [[0, 0, 9, 9]] * 10, -0.5),
    ...         Tube("v", "c", np.arange(20, 30), [[0, 0, 9, 9]] * 10, 3.0)]
    >>> video_ap(gt, dets, [0.5]).ap.tolist()  # FP then TP: trapezoids (0,1)-(0,0)-(1,1/2)
    [[0.25]]
    """
    if isinstance(gt_tubes, TubeDataset):
        classes = gt_tubes.classes if classes is None else classes
        videos = tuple(gt_tubes.videos) if videos is None else videos
        video_info = gt_tubes.videos if video_info is None else video_info
        gt_tubes = gt_tubes.tubes
    gt_tubes, det_tubes = tuple(gt_tubes), tuple(det_tubes)
    _check_tubes(gt_tubes, "ground-truth")
    _check_tubes(det_tubes, "detected")
    thresholds = check_thresholds(iou_thresholds)
    if unknown_videos is not None and unknown_videos not in UNKNOWN_VIDEO_MODES:
        raise InputError(None, "unknown_videos", f"unknown value {unknown_videos!r} "
                         f"(choose from {', '.join(UNKNOWN_VIDEO_MODES)})")
    scores = np.array([t.score for t in det_tubes], dtype=np.float64)
    if not np.all(np.isfinite(scores)):
        i = int(np.flatnonzero(~np.isfinite(scores))[0])
        raise InputError(None, f"detected tube {i}", f"score is NaN or infinite ({scores[i]!r})")
    labels = sorted({t.label for t in gt_tubes} | {t.label for t in det_tubes})
    if classes is None:
        classes = tuple(labels)
    else:
        classes = tuple(classes)
        unknown = sorted(set(labels) - set(classes))
        if unknown:
            raise InputError(None, None, f"tubes use class name(s) {unknown[:5]} not among the {len(classes)} classes")

    warnings: list[str] = []
    if unknown_videos is None and videos is not None:
        unknown_videos = "error"
    if unknown_videos is not None:
        eval_videos = tuple(videos) if videos is not None else tuple(dict.fromkeys(t.video for t in gt_tubes))
        keep, notes = apply_unknown_video_policy(np.array([t.video for t in det_tubes], dtype=str), eval_videos,
                                                 unknown_videos)
        warnings += notes
        if keep is not None:
            det_tubes = tuple(t for t, k in zip(det_tubes, keep) if k)
            scores = scores[keep]
    if video_info is not None and det_tubes:
        names = list(dict.fromkeys(t.video for t in det_tubes))
        code = {n: i for i, n in enumerate(names)}
        lengths = [len(t.frame_idx) for t in det_tubes]
        row_video = np.repeat(np.array([code[t.video] for t in det_tubes], dtype=np.int64), lengths)
        check_frames(row_video, names, np.concatenate([t.frame_idx for t in det_tubes]), video_info, "detected tube")
        warnings += check_inside_frame(row_video, names, np.concatenate([t.boxes_xyxy for t in det_tubes]),
                                       video_info, "detected tube")

    cls_code = {c: i for i, c in enumerate(classes)}
    all_videos = sorted({t.video for t in gt_tubes} | {t.video for t in det_tubes})
    vid_code = {v: i for i, v in enumerate(all_videos)}

    def keys(tubes):
        return np.array([cls_code[t.label] * len(all_videos) + vid_code[t.video] for t in tubes], dtype=np.int64)

    g_key, d_key = keys(gt_tubes), keys(det_tubes)
    g_order = np.argsort(g_key, kind="stable")  # keeps the ground-truth order within a (class, video)
    gt_sorted = tuple(gt_tubes[i] for i in g_order)
    g_key = g_key[g_order]

    def pair_iou(det_rows, gt_rows):
        return stiou_pairs(det_tubes, gt_sorted, det_rows, gt_rows)

    with np.errstate(divide="ignore", invalid="ignore"):
        is_tp = greedy_match_groups(d_key, scores, g_key, pair_iou, thresholds, tie="first")

    d_cls = d_key // max(len(all_videos), 1)
    order = np.lexsort((np.arange(len(det_tubes)), -scores, d_cls))
    bounds = np.searchsorted(d_cls[order], np.arange(len(classes) + 1))
    num_gt = np.bincount(g_key // max(len(all_videos), 1), minlength=len(classes)).astype(np.int64)
    ap = np.full((len(classes), len(thresholds)), np.nan)
    for c in range(len(classes)):
        rows = order[bounds[c]:bounds[c + 1]]
        for k in range(len(thresholds)):
            ap[c, k] = ap_trapezoid_float32(is_tp[k, rows], int(num_gt[c]))

    if det_tubes:
        boxes = np.concatenate([t.boxes_xyxy for t in det_tubes])
        inverted = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
        if inverted.any():
            n_tubes = sum(bool(np.any((t.boxes_xyxy[:, 2] < t.boxes_xyxy[:, 0]) | (t.boxes_xyxy[:, 3] < t.boxes_xyxy[:, 1])))
                          for t in det_tubes)
            warnings.insert(0, f"{int(inverted.sum())} detected boxes in {n_tubes} tube(s) have x2 < x1 or y2 < y1; "
                            f"evaluated with ACT's raw +1-pixel arithmetic, as the official code does")
    n_videos = len(videos) if videos is not None else len({t.video for t in gt_tubes})
    counts = {"num_videos": int(n_videos), "num_gt": len(gt_tubes), "num_detections": len(det_tubes)}
    return APResult("video-ap/act", thresholds, classes, ap, num_gt, np.diff(bounds).astype(np.int64),
                    warnings=tuple(warnings), extra={"iou": "spatio-temporal (ACT iou3dt)",
                                                     "ap_integration": "trapezoid_f32", "counts": counts})


__all__ = ["spatiotemporal_iou", "stiou_pairs", "video_ap"]
