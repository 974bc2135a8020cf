"""Attention → boxes and segments, as the paper localizes (see ``docs/localization.md``).

Spatial: upsample each frame's mask to the frame size (bilinear, half-pixel centres), keep pixels
strictly above the threshold (0.5), take the tightest box; a frame with no such pixel has no box.
Temporal: scale per-frame importance to [0, 1] over the video (min-max), keep sampled frames
strictly above the threshold, and turn each run of kept frames into one segment in seconds
(``segment_rule="paper"``); ``"multi-threshold-nms"`` and ``"outer-inner"`` are the segment
generation of later weakly supervised temporal localization work (BaS-Net, AutoLoc).

Input checks: masks must lie in [0, 1] unless ``mask_normalize`` says how to map them there; a mask
whose orientation contradicts the frame's (a swapped ``frame_hw``) is an error; the fraction of
frames / videos that a threshold leaves without any box / segment is always written to ``notes``.
"""
from __future__ import annotations

import warnings
from typing import Callable, Iterable, Mapping, Sequence

import cv2
import numpy as np

from annotations.errors import InputError
from annotations.types import FrameBoxes, Segments
from locbench.inference.attention import AttentionRecord
from locbench.localization import LocalizationWarning

LABEL_RULES = ("top1", "topk", "gt")
SPATIAL_SCORES = ("cls*mask", "cls", "mask")
TEMPORAL_SCORES = ("cls*attn", "cls", "attn")
MASK_NORMALIZE = ("none", "minmax", "sigmoid")
SEGMENT_RULES = ("paper", "multi-threshold-nms", "outer-inner")
#: tolerance of the [0, 1] check on masks (float16 storage and interpolation overshoot stay inside)
MASK_RANGE_TOL = 1e-3
#: a threshold leaving more than this fraction of frames / videos empty is a warning
EMPTY_WARN_FRACTION = 0.10
#: multi-threshold-nms defaults: thresholds on the min-max curve, and the NMS tIoU
MULTI_THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(1, 10))
NMS_TIOU = 0.7
#: outer-inner defaults (BaS-Net's released code): inflation ratio and the weight of P(label)
OIC_INFLATION = 0.25
OIC_GAMMA = 0.2
_CV_MAX_CHANNELS = 512



def upsample_masks(masks: np.ndarray, frame_hw: tuple[int, int]) -> np.ndarray:
    """(N, h, w) float masks → (N, H, W) float32 by bilinear interpolation with half-pixel centres
    (OpenCV ``INTER_LINEAR`` = PyTorch ``align_corners=False``); ``frame_hw`` = (H, W) pixels.

    >>> upsample_masks(np.array([[[0.0, 1.0]]]), (1, 4)).tolist()
    [[[0.0, 0.25, 0.75, 1.0]]]
    """
    masks = np.asarray(masks, np.float32)
    height, width = frame_hw
    if masks.shape[1:] == (height, width):
        return masks.copy()
    out = np.empty((len(masks), height, width), np.float32)
    for start in range(0, len(masks), _CV_MAX_CHANNELS):  # cv2 resizes up to 512 channels at once
        chunk = np.ascontiguousarray(masks[start:start + _CV_MAX_CHANNELS].transpose(1, 2, 0))
        resized = cv2.resize(chunk, (width, height), interpolation=cv2.INTER_LINEAR)
        out[start:start + _CV_MAX_CHANNELS] = resized.reshape(height, width, -1).transpose(2, 0, 1)
    return out


def normalize_masks(masks: np.ndarray, mode: str = "none", where: str = "masks") -> np.ndarray:
    """Map masks to [0, 1]: check (``"none"``), per-frame min-max (``"minmax"``) or ``"sigmoid"``.

    Parameters
    ----------
    masks : ndarray, shape (N, h, w) or (h, w), any real dtype
        Spatial attention of N frames (or one frame).
    mode : {"none", "minmax", "sigmoid"}
        ``"none"`` requires every value in [0, 1] (within 1e-3) and returns the masks unchanged;
        ``"minmax"`` scales each frame to [0, 1] by its own minimum and maximum (a constant frame
        becomes all ones, like a constant temporal curve); ``"sigmoid"`` applies 1 / (1 + e^-x),
        for raw logits / CAMs.
    where : str
        Name of the input in error messages.

    Returns
    -------
    ndarray, float32, same shape as ``masks``, values in [0, 1] (up to the tolerance for ``"none"``).

    Raises
    ------
    InputError
        With ``mode="none"`` when any value lies outside [-1e-3, 1 + 1e-3] (uint8 0-255 masks, raw
        CAMs), naming ``mask_normalize='minmax'|'sigmoid'``.

    Examples
    --------
    >>> normalize_masks(np.array([[0.0, 127.5], [255.0, 0.0]]), "minmax").tolist()
    [[0.0, 0.5], [1.0, 0.0]]
    >>> normalize_masks(np.array([[0.0]]), "sigmoid").tolist()
    [[0.5]]
    """
    masks = np.asarray(masks, np.float32)
    if mode not in MASK_NORMALIZE:
        raise ValueError(f"unknown mask_normalize {mode!r}; choose one of {', '.join(MASK_NORMALIZE)}")
    if mode == "sigmoid":
        return (1.0 / (1.0 + np.exp(-masks.astype(np.float64)))).astype(np.float32)
    if mode == "minmax":
        flat = masks.reshape((-1,) + masks.shape[-2:]).astype(np.float64)
        lo = flat.min(axis=(1, 2), keepdims=True)
        span = flat.max(axis=(1, 2), keepdims=True) - lo
        out = np.where(span > 1e-12, (flat - lo) / np.where(span > 1e-12, span, 1.0), 1.0)
        return out.reshape(masks.shape).astype(np.float32)
    if masks.size:
        lo, hi = float(masks.min()), float(masks.max())
        if lo < -MASK_RANGE_TOL or hi > 1.0 + MASK_RANGE_TOL:
            raise InputError(None, where, f"mask values span [{lo:.4g}, {hi:.4g}], outside [0, 1], so a threshold "
                                          "would not mean a probability; say how to map them with "
                                          "mask_normalize='minmax' (per-frame min-max: uint8 masks, CAMs), "
                                          "'sigmoid' (logits) or 'none' (masks already in [0, 1])")
    return masks


def check_mask_aspect(mask_hw: tuple[int, int], frame_hw: tuple[int, int], where: str = "masks") -> None:
    """Error when a mask's orientation contradicts the frame's (landscape vs portrait by more than
    20 %): the sign of a swapped ``frame_hw`` (or of masks stored as (w, h)).

    Square masks (e.g. 7 x 7 from a square-resized input) fit any frame.

    Examples
    --------
    >>> check_mask_aspect((6, 8), (240, 320))      # both landscape: fine
    >>> check_mask_aspect((7, 7), (320, 240))      # square mask: fine
    >>> check_mask_aspect((6, 8), (320, 240))      # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    annotations.errors.InputError: masks: ... frame_hw ...
    """
    h, w = (int(v) for v in mask_hw)
    height, width = (int(v) for v in frame_hw)
    mask_aspect, frame_aspect = w / h, width / height
    opposite = (mask_aspect - 1.0) * (frame_aspect - 1.0) < 0
    if opposite and max(mask_aspect, frame_aspect) / min(mask_aspect, frame_aspect) > 1.2:
        raise InputError(None, where, f"mask of {h}x{w} (h x w) is {'landscape' if w > h else 'portrait'} but the "
                                      f"frame of frame_hw=({height}, {width}) is "
                                      f"{'landscape' if width > height else 'portrait'}: frame_hw looks swapped "
                                      f"(it is (height, width)), or the masks are stored as (w, h)")


def masks_to_boxes(masks: np.ndarray, frame_hw: tuple[int, int], threshold: float = 0.5,
                   mask_normalize: str = "none") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tightest box around upsampled mask pixels > threshold, per frame (the paper's rule).

    Parameters
    ----------
    masks : ndarray, shape (N, h, w) or (h, w), float
        Spatial attention of N sampled frames (or of one frame), values in [0, 1] unless
        ``mask_normalize`` maps them there.
    frame_hw : (int, int)
        (height, width) of the source frames, pixels. The masks are upsampled bilinearly to it.
    threshold : float
        A pixel is on when its upsampled value is strictly greater.
    mask_normalize : {"none", "minmax", "sigmoid"}
        See :func:`normalize_masks`.

    Returns
    -------
    boxes_xyxy : ndarray, float64, shape (N, 4) (or (4,) for one mask)
        Pixel-edge coordinates: a box of the single pixel (x, y) is ``[x, y, x+1, y+1]`` (like
        ground truth ``x+w``); all zeros where there is no box.
    has_box : ndarray, bool, shape (N,) (or a 0-d array)
    inside : ndarray, float64, shape (N,) (or 0-d)
        Mean upsampled mask value inside each box, a per-frame confidence (0 without a box).

    Examples
    --------
    >>> m = np.zeros((4, 4)); m[1:3, 1:3] = 1.0
    >>> boxes, has_box, inside = masks_to_boxes(m, (8, 8))
    >>> boxes.tolist(), bool(has_box)
    ([2.0, 2.0, 6.0, 6.0], True)
    >>> masks_to_boxes(np.stack([m, 0 * m]), (8, 8))[1].tolist()
    [True, False]
    """
    masks = np.asarray(masks)
    single = masks.ndim == 2
    if single:
        masks = masks[None]
    if masks.ndim != 3:
        raise ValueError(f"masks must be (N, h, w) or (h, w), got shape {masks.shape}")
    if len(masks):
        check_mask_aspect(masks.shape[1:], frame_hw)
    up = upsample_masks(normalize_masks(masks, mask_normalize), frame_hw)
    on = up > threshold
    cols, rows = on.any(axis=1), on.any(axis=2)  # (N, W), (N, H)
    has_box = cols.any(axis=1)
    width, height = cols.shape[1], rows.shape[1]
    x1 = np.argmax(cols, axis=1)
    x2 = width - np.argmax(cols[:, ::-1], axis=1)
    y1 = np.argmax(rows, axis=1)
    y2 = height - np.argmax(rows[:, ::-1], axis=1)
    boxes = np.stack([x1, y1, x2, y2], axis=1).astype(np.float64)
    boxes[~has_box] = 0.0
    # mean mask inside each box via a summed-area table, so no per-frame loop
    sat = np.pad(up.cumsum(axis=1).cumsum(axis=2), ((0, 0), (1, 0), (1, 0)))
    n = np.arange(len(up))
    total = sat[n, y2, x2] - sat[n, y1, x2] - sat[n, y2, x1] + sat[n, y1, x1]
    area = np.maximum((x2 - x1) * (y2 - y1), 1)
    inside = np.where(has_box, total / area, 0.0)
    if single:
        return boxes[0], has_box[0], inside[0]
    return boxes, has_box, inside


def _empty_note(kind: tuple[str, str], threshold, empty: int, total: int, fix: str) -> tuple[str, bool]:
    """The always-recorded sentence on how many frames / videos a threshold left empty, and whether
    it is a warning (more than 10 %)."""
    frac = empty / total if total else 0.0
    warn = frac > EMPTY_WARN_FRACTION
    text = (f"{'warning: ' if warn else ''}threshold {threshold} gave no {kind[0]} on {empty} of {total} "
            f"{kind[1]} ({100 * frac:.1f} %)")
    if warn:
        text += f"; {fix}"
    return text, warn


def normalize_minmax(values: np.ndarray) -> np.ndarray:
    """(F,) values → float64 (F,) in [0, 1]; a constant curve (e.g. uniform attention) becomes all ones.

    >>> normalize_minmax([2.0, 4.0, 3.0]).tolist(), normalize_minmax([5.0, 5.0]).tolist()
    ([0.0, 1.0, 0.5], [1.0, 1.0])
    """
    values = np.asarray(values, np.float64)
    lo, hi = values.min(initial=np.inf), values.max(initial=-np.inf)
    if len(values) == 0 or hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.ones_like(values)
    return (values - lo) / (hi - lo)


def runs_above(curve: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) int64 positions of each maximal run where curve > threshold.

    >>> [a.tolist() for a in runs_above(np.array([0.0, 0.6, 0.7, 0.5, 0.9]), 0.5)]
    [[1, 4], [3, 5]]
    """
    on = np.concatenate([[False], np.asarray(curve) > threshold, [False]]).astype(np.int8)
    edges = np.diff(on)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def sampling_step_s(time_s: np.ndarray, fps: float) -> float:
    """Seconds one sampled frame stands for: the median spacing of ``time_s`` (1/fps for one frame).

    >>> sampling_step_s(np.array([0.0, 0.1, 0.2]), 30.0), sampling_step_s(np.array([1.0]), 25.0)
    (0.1, 0.04)
    """
    return float(np.median(np.diff(time_s))) if len(time_s) > 1 else 1.0 / fps


def run_means(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (F,) or (F, C) over each run [start, end), via a cumulative sum: (S,) or (S, C).

    >>> run_means(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 2]), np.array([2, 4])).tolist()
    [1.5, 3.5]
    """
    values = np.asarray(values, np.float64)
    csum = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values, axis=0)])
    length = np.maximum(ends - starts, 1).reshape((-1,) + (1,) * (values.ndim - 1))
    return (csum[ends] - csum[starts]) / length


def curve_to_segments(curve01: np.ndarray, time_s: np.ndarray, step_s: float, threshold: float = 0.5
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments ``[t_start_s, t_end_s)`` of runs above threshold, with the mean curve value of each.

    A run of sampled frames i..j becomes ``[time_s[i], time_s[j] + step_s)``: each sampled frame
    stands for ``step_s`` seconds from its own time.

    Examples
    --------
    >>> t0, t1, mean = curve_to_segments(np.array([0.0, 0.9, 1.0, 0.2]), np.arange(4) * 0.1, 0.1)
    >>> t0.tolist(), t1.tolist(), mean.tolist()
    ([0.1], [0.30000000000000004], [0.95])
    """
    starts, ends = runs_above(curve01, threshold)
    return time_s[starts], time_s[ends - 1] + step_s, run_means(curve01, starts, ends)


def multi_threshold_runs(curve01: np.ndarray, thresholds: Sequence[float] = MULTI_THRESHOLDS
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Runs [start, end) (two int64 arrays) above each of several thresholds, pooled, duplicates
    removed (the proposals of multi-threshold segment generation, before NMS), ordered by (start, end).

    >>> [a.tolist() for a in multi_threshold_runs(np.array([0.0, 0.3, 0.9, 0.3, 0.0]), (0.2, 0.5))]
    [[1, 2], [4, 3]]
    """
    pairs = [np.stack(runs_above(curve01, t), axis=1) for t in thresholds]
    pairs = np.unique(np.concatenate(pairs + [np.zeros((0, 2), np.int64)]).astype(np.int64), axis=0)
    return pairs[:, 0], pairs[:, 1]


def outer_inner_scores(curve01: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                       inflation: float = OIC_INFLATION) -> np.ndarray:
    """Outer-inner contrast of each run [start, end): inner mean minus the mean over the inflated
    margins (AutoLoc's OIC, as BaS-Net's code computes it).

    With L = end - start, the outer margins are frames ``max(0, floor(start - inflation*L)) ..
    start-1`` and ``end .. min(F-1, floor(end - 1 + inflation*L))``; an empty outer region counts 0.

    Examples
    --------
    >>> outer_inner_scores(np.array([0.0, 0.2, 1.0, 1.0, 0.2, 0.0, 0.0, 0.0]), np.array([2]), np.array([4]))
    array([0.8])
    """
    curve = np.asarray(curve01, np.float64)
    starts, ends = np.asarray(starts, np.int64), np.asarray(ends, np.int64)
    n = len(curve)
    csum = np.concatenate([[0.0], np.cumsum(curve)])
    inflate = inflation * (ends - starts)
    outer_s = np.maximum(0, np.floor(starts - inflate).astype(np.int64))
    outer_e = np.minimum(n - 1, np.floor(ends - 1 + inflate).astype(np.int64)) + 1  # exclusive
    outer_e = np.maximum(outer_e, ends)
    outer_sum = csum[starts] - csum[outer_s] + csum[outer_e] - csum[ends]
    count = (starts - outer_s) + (outer_e - ends)
    outer = np.where(count > 0, outer_sum / np.maximum(count, 1), 0.0)
    return run_means(curve, starts, ends) - outer


def temporal_nms(t_start_s: np.ndarray, t_end_s: np.ndarray, score: np.ndarray, tiou: float = NMS_TIOU) -> np.ndarray:
    """Greedy NMS over segments of one class: indices kept, best score first (ties: input order);
    a segment is suppressed when its tIoU with a kept one is >= ``tiou``.

    Examples
    --------
    >>> temporal_nms(np.array([0.0, 0.1, 5.0]), np.array([1.0, 1.0, 6.0]), np.array([0.5, 0.9, 0.1]), 0.7).tolist()
    [1, 2]
    """
    t0, t1 = np.asarray(t_start_s, np.float64), np.asarray(t_end_s, np.float64)
    order = np.argsort(-np.asarray(score, np.float64), kind="stable")
    keep = []
    alive = np.ones(len(order), bool)
    for pos, i in enumerate(order):  # greedy by nature; proposals per video and class are few
        if not alive[pos]:
            continue
        keep.append(int(i))
        rest = order[pos + 1:]
        inter = np.clip(np.minimum(t1[i], t1[rest]) - np.maximum(t0[i], t0[rest]), 0, None)
        union = (t1[i] - t0[i]) + (t1[rest] - t0[rest]) - inter
        alive[pos + 1:] &= ~(inter / np.where(union > 0, union, 1.0) >= tiou)
    return np.array(keep, np.int64)


def segment_runs(curve01: np.ndarray, threshold: float = 0.5, segment_rule: str = "paper",
                 thresholds: Sequence[float] = MULTI_THRESHOLDS) -> tuple[np.ndarray, np.ndarray]:
    """Index runs [start, end) (int64) a segment rule proposes on a [0, 1] curve (before scoring / NMS).

    >>> [a.tolist() for a in segment_runs(np.array([0.0, 0.3, 0.9, 0.3, 0.0]), 0.5)]
    [[2], [3]]
    """
    if segment_rule not in SEGMENT_RULES:
        raise ValueError(f"unknown segment_rule {segment_rule!r}; choose one of {', '.join(SEGMENT_RULES)}")
    if segment_rule == "multi-threshold-nms":
        return multi_threshold_runs(curve01, thresholds)
    return runs_above(curve01, threshold)


def weights_to_segments(weights: np.ndarray, time_s: np.ndarray, step_s: float | None = None,
                        threshold: float = 0.5, segment_rule: str = "paper",
                        thresholds: Sequence[float] = MULTI_THRESHOLDS, nms_tiou: float = NMS_TIOU,
                        inflation: float = OIC_INFLATION):
    """Temporal weights of one video (or a stack of videos) -> segments in seconds.

    Parameters
    ----------
    weights : ndarray, shape (F,) or (V, F), float
        Per-sampled-frame importance (any scale: it is min-max normalised over each video).
    time_s : ndarray, shape (F,), float, seconds
        Start time of each sampled frame.
    step_s : float, seconds, optional
        Duration one sampled frame stands for (default: the median spacing of ``time_s``; 0.1 s, one
        step at 10 fps, when the curve has a single frame).
    threshold : float
        Strict threshold on the normalised curve (``"paper"`` and ``"outer-inner"``).
    segment_rule : {"paper", "multi-threshold-nms", "outer-inner"}
        ``"paper"``: runs above ``threshold``, scored by their mean normalised weight.
        ``"multi-threshold-nms"``: runs above every value of ``thresholds``, scored by their mean,
        then greedy NMS at tIoU ``nms_tiou``. ``"outer-inner"``: runs above ``threshold``, scored by
        the outer-inner contrast (:func:`outer_inner_scores`, inflation ``inflation``).

    Returns
    -------
    (t_start_s, t_end_s, score), three float64 arrays of shape (S,), for a 1-D input;
    a list of such tuples for a (V, F) stack.

    Examples
    --------
    >>> t = np.arange(6) * 0.1
    >>> t0, t1, s = weights_to_segments(np.array([0, 1, 3, 3, 1, 0.0]), t, segment_rule="paper")
    >>> np.round(t0, 3).tolist(), np.round(t1, 3).tolist(), np.round(s, 6).tolist()
    ([0.2], [0.4], [1.0])
    >>> len(weights_to_segments(np.ones((2, 6)), t))
    2
    """
    weights = np.asarray(weights, np.float64)
    time_s = np.asarray(time_s, np.float64)
    if weights.ndim == 2:
        return [weights_to_segments(w, time_s, step_s, threshold, segment_rule, thresholds, nms_tiou, inflation)
                for w in weights]
    if weights.ndim != 1 or len(weights) != len(time_s):
        raise ValueError(f"weights must be (F,) or (V, F) with F = len(time_s) = {len(time_s)}, got {weights.shape}")
    step = sampling_step_s(time_s, 10.0) if step_s is None else float(step_s)
    curve = normalize_minmax(weights)
    starts, ends = segment_runs(curve, threshold, segment_rule, thresholds)
    t0, t1 = time_s[starts], time_s[ends - 1] + step
    if segment_rule == "outer-inner":
        return t0, t1, outer_inner_scores(curve, starts, ends, inflation)
    score = run_means(curve, starts, ends)
    if segment_rule == "multi-threshold-nms":
        keep = temporal_nms(t0, t1, score, nms_tiou)
        return t0[keep], t1[keep], score[keep]
    return t0, t1, score


def window_frame_probability(rec: AttentionRecord) -> np.ndarray:
    """(F, C) class probability seen by each sampled frame: the mean over windows containing it
    (the video-level scores when the file has no per-window scores).

    >>> from locbench.inference.attention import AttentionRecord
    >>> rec = AttentionRecord("v", ("a",), np.array([0.5]), np.arange(3), 10.0, (8, 8),
    ...                       frame_importance=np.ones(3), windows=np.array([[0, 1], [1, 2]]),
    ...                       window_class_scores=np.array([[0.2], [0.6]]))
    >>> window_frame_probability(rec)[:, 0].round(6).tolist()
    [0.2, 0.4, 0.6]
    """
    if rec.window_class_scores is None or rec.windows is None:
        return np.broadcast_to(rec.class_scores, (rec.num_frames, len(rec.classes)))
    sums = np.zeros((rec.num_frames, len(rec.classes)))
    counts = np.zeros(rec.num_frames)
    for w, rows in enumerate(rec.windows):
        sums[rows] += rec.window_class_scores[w]
        counts[rows] += 1
    counts[counts == 0] = 1
    return sums / counts[:, None]


def chosen_labels(rec: AttentionRecord, rule: str = "top1", k: int = 1,
                  gt_labels: Mapping[str, Sequence[str]] | None = None) -> list[int]:
    """Class indices a video's boxes/segments are labelled with: classifier top-1, top-k, or the
    ground-truth classes ("ground-truth-known" localization).

    >>> from locbench.inference.attention import AttentionRecord
    >>> rec = AttentionRecord("v", ("a", "b", "c"), np.array([0.2, 0.7, 0.1]), np.arange(2), 10.0, (8, 8),
    ...                       frame_importance=np.ones(2))
    >>> chosen_labels(rec), chosen_labels(rec, "topk", k=2), chosen_labels(rec, "gt", gt_labels={"v": ["c"]})
    ([1], [1, 0], [2])
    """
    if rule == "top1":
        return [int(np.argmax(rec.class_scores))]
    if rule == "topk":
        return [int(i) for i in np.argsort(-rec.class_scores, kind="stable")[:k]]
    if rule == "gt":
        if gt_labels is None:
            raise ValueError("labels='gt' needs the ground-truth labels of each video")
        names = gt_labels.get(rec.video, ())
        index = {c: i for i, c in enumerate(rec.classes)}
        return [index[c] for c in names if c in index]
    raise ValueError(f"unknown label rule {rule!r}; choose one of {', '.join(LABEL_RULES)}")


def boxes_from_attention(records: Iterable[AttentionRecord], threshold: float = 0.5, labels: str = "top1",
                         k: int = 1, score: str = "cls*mask",
                         gt_labels: Mapping[str, Sequence[str]] | None = None,
                         box_fn: Callable[[AttentionRecord], tuple] | None = None,
                         mask_normalize: str = "none") -> FrameBoxes:
    """One box per sampled frame (and chosen label) from the masks of every record.

    Parameters
    ----------
    records : iterable of AttentionRecord
        ``masks`` (F, h, w) of each video; records without masks give no box.
    threshold : float
        Strict mask threshold (see :func:`masks_to_boxes`).
    labels, k, gt_labels
        Label rule (:func:`chosen_labels`).
    score : {"cls*mask", "cls", "mask"}
        ``cls*mask`` (default) = P(label) × mean mask inside the box, so boxes of confident videos
        rank first and, within a video, the frames where attention is sharper; ``cls`` = P(label);
        ``mask`` = mean mask inside the box.
    box_fn : callable, optional
        ``box_fn(rec) -> (boxes_xyxy, has_box, confidence)`` replaces the masks (baselines use it).
    mask_normalize : {"none", "minmax", "sigmoid"}
        How masks are mapped to [0, 1] (:func:`normalize_masks`); ``"none"`` requires [0, 1].

    Returns
    -------
    FrameBoxes
        0-based ``frame_idx``, ``boxes_xyxy`` in pixels of each record's ``frame_size``; ``notes``
        always says on how many sampled frames the threshold gave no box (a warning above 10 %).

    Examples
    --------
    >>> from locbench.inference.attention import AttentionRecord
    >>> m = np.zeros((2, 4, 4), np.float32); m[0, 1:3, 1:3] = 1.0
    >>> rec = AttentionRecord("v", ("a", "b"), np.array([0.3, 0.7]), np.array([0, 5]), 25.0, (8, 8), masks=m)
    >>> dets = boxes_from_attention([rec])
    >>> dets.boxes_xyxy.tolist(), dets.label.tolist(), dets.notes
    ([[2.0, 2.0, 6.0, 6.0]], ['b'], ('warning: threshold 0.5 gave no box on 1 of 2 sampled frames (50.0 %); lower threshold, or check mask_normalize',))
    """
    if score not in SPATIAL_SCORES:
        raise ValueError(f"unknown spatial score {score!r}; choose one of {', '.join(SPATIAL_SCORES)}")
    cols: dict[str, list] = {"video": [], "frame": [], "label": [], "box": [], "score": []}
    videos = []
    frames_total = frames_empty = 0
    for rec in records:
        videos.append(rec.video)
        if box_fn is not None:
            boxes, has_box, inside = box_fn(rec)
        elif rec.masks is not None:
            try:
                boxes, has_box, inside = masks_to_boxes(rec.masks, rec.frame_size, threshold, mask_normalize)
            except InputError as e:
                raise InputError(e.path, f"video {rec.video!r}: {e.where}", e.problem) from None
            frames_total += len(has_box)
            frames_empty += int(np.sum(~has_box))
        else:
            continue
        keep = np.flatnonzero(has_box)
        for c in chosen_labels(rec, labels, k, gt_labels):
            p = float(rec.class_scores[c])
            s = {"cls*mask": p * inside[keep], "cls": np.full(len(keep), p), "mask": inside[keep]}[score]
            cols["video"].append(np.full(len(keep), rec.video, dtype=object))
            cols["frame"].append(rec.frame_idx[keep])
            cols["label"].append(np.full(len(keep), rec.classes[c], dtype=object))
            cols["box"].append(boxes[keep])
            cols["score"].append(s)
    notes = ()
    if box_fn is None and frames_total:
        text, warn = _empty_note(("box", "sampled frames"), threshold, frames_empty, frames_total,
                                "lower threshold, or check mask_normalize")
        if warn:
            warnings.warn(text, LocalizationWarning, stacklevel=2)
        notes = (text,)
    if not cols["video"]:
        return FrameBoxes([], [], [], np.zeros((0, 4)), np.zeros(0), videos=tuple(videos), notes=notes)
    return FrameBoxes(np.concatenate(cols["video"]), np.concatenate(cols["frame"]), np.concatenate(cols["label"]),
                      np.concatenate(cols["box"]), np.concatenate(cols["score"]), videos=tuple(videos), notes=notes)


def segments_from_attention(records: Iterable[AttentionRecord], threshold: float = 0.5, labels: str = "top1",
                            k: int = 1, score: str = "cls*attn",
                            gt_labels: Mapping[str, Sequence[str]] | None = None,
                            segment_rule: str = "paper", thresholds: Sequence[float] = MULTI_THRESHOLDS,
                            nms_tiou: float = NMS_TIOU, inflation: float = OIC_INFLATION,
                            gamma: float = OIC_GAMMA) -> Segments:
    """Segments from each record's per-frame importance (min-max scaled over the video).

    Parameters
    ----------
    records : iterable of AttentionRecord
        ``frame_importance`` (F,) of each video; records without it give no segment.
    threshold : float
        Strict threshold on the min-max normalised curve (rules ``paper`` and ``outer-inner``).
    labels, k, gt_labels
        Label rule (:func:`chosen_labels`).
    score : {"cls*attn", "cls", "attn"}
        ``cls*attn`` (default) = P(label) over the segment's windows × mean normalised importance
        inside it; ``cls`` = that probability alone; ``attn`` = the mean importance alone. Under
        ``segment_rule="outer-inner"`` the score is always the outer-inner contrast
        + ``gamma`` × P(label) (BaS-Net's proposal score).
    segment_rule : {"paper", "multi-threshold-nms", "outer-inner"}
        See :func:`weights_to_segments` and ``docs/localization.md``; the NMS of
        ``multi-threshold-nms`` runs per video and label on the final scores.

    Returns
    -------
    Segments
        ``t_start_s`` / ``t_end_s`` in seconds; ``notes`` always says how many videos got no segment
        (a warning above 10 %).

    Examples
    --------
    >>> from locbench.inference.attention import AttentionRecord
    >>> rec = AttentionRecord("v", ("a", "b"), np.array([0.3, 0.7]), np.arange(4) * 10, 10.0, (8, 8),
    ...                       frame_importance=np.array([1.0, 3.0, 3.0, 1.0]))
    >>> segs = segments_from_attention([rec], score="cls")
    >>> segs.t_start_s.tolist(), segs.t_end_s.tolist(), segs.score.round(6).tolist()
    ([1.0], [3.0], [0.7])
    """
    if score not in TEMPORAL_SCORES:
        raise ValueError(f"unknown temporal score {score!r}; choose one of {', '.join(TEMPORAL_SCORES)}")
    if segment_rule not in SEGMENT_RULES:
        raise ValueError(f"unknown segment_rule {segment_rule!r}; choose one of {', '.join(SEGMENT_RULES)}")
    cols: dict[str, list] = {"video": [], "start": [], "end": [], "label": [], "score": []}
    videos = []
    videos_total = videos_empty = 0
    for rec in records:
        videos.append(rec.video)
        if rec.frame_importance is None:
            continue
        curve = normalize_minmax(rec.frame_importance)
        time_s = rec.time_s
        starts, ends = segment_runs(curve, threshold, segment_rule, thresholds)
        videos_total += 1
        videos_empty += int(len(starts) == 0)
        t0, t1 = time_s[starts], time_s[ends - 1] + sampling_step_s(time_s, rec.fps)
        mean_attn = run_means(curve, starts, ends)
        seg_prob = run_means(window_frame_probability(rec), starts, ends)  # (S, C)
        oic = outer_inner_scores(curve, starts, ends, inflation) if segment_rule == "outer-inner" else None
        for c in chosen_labels(rec, labels, k, gt_labels):
            p = seg_prob[:, c]
            if oic is not None:
                s = oic + gamma * p
            else:
                s = {"cls*attn": p * mean_attn, "cls": p, "attn": mean_attn}[score]
            keep = temporal_nms(t0, t1, s, nms_tiou) if segment_rule == "multi-threshold-nms" else slice(None)
            cols["video"].append(np.full(len(t0[keep]), rec.video, dtype=object))
            cols["start"].append(t0[keep])
            cols["end"].append(t1[keep])
            cols["label"].append(np.full(len(t0[keep]), rec.classes[c], dtype=object))
            cols["score"].append(s[keep])
    notes = ()
    if videos_total:
        level = "the lowest threshold" if segment_rule == "multi-threshold-nms" else "threshold"
        text, warn = _empty_note(("segment", "videos"), min(thresholds) if segment_rule == "multi-threshold-nms"
                                else threshold, videos_empty, videos_total, f"lower {level}")
        if warn:
            warnings.warn(text, LocalizationWarning, stacklevel=2)
        notes = (text,)
    if not cols["video"]:
        return Segments([], [], [], [], np.zeros(0), videos=tuple(videos), notes=notes)
    return Segments(np.concatenate(cols["video"]), np.concatenate(cols["start"]), np.concatenate(cols["end"]),
                    np.concatenate(cols["label"]), np.concatenate(cols["score"]), videos=tuple(videos), notes=notes)
