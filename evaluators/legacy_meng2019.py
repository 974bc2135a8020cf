"""``meng2019-code``: the figures the authors' released code computes (a legacy, non-AP protocol).

Read from LiliMeng/spatial_temporal_att_ucf101_24 at 56becb4 (``generate_heatmap.py``,
``spatial_annotation/generate_pred_bboxes_ucf101_24_annotation.py``, ``generate_gt_bbox_*.py``,
``generate_iou_ucf101_24.py``) and LiliMeng/spatial_temporal_att_thumos14 at 68ed71e
(``eval_temporal_attention/evaluate_temporal_attention.py``,
``thumos14_list/get_lstm_50_img_sequence.py``). Every convention and every difference from the
paper's text is in ``docs/protocols/meng2019.md``.

Spatial: a uint8 gray mask (made by ``locbench.localization.legacy``, which needs OpenCV's resize)
is thresholded at > 200; the box is the bounding rectangle of the largest external contour (8-connected
components; ties go to the contour OpenCV lists first, i.e. the component found last in raster
order); the IoU uses +1 areas and clamps only a negative *product* of the overlaps (the sign error);
the figure is the fraction of evaluated frames with IoU >= t.
Temporal: per ground-truth instance, the window positions whose softmax weight is > 0.023 are
selected; the "IoU" is |selected ∩ annotated| / |annotated| (a recall, duplicates counted as the
code counts them); an instance counts when its predicted class is right and that value is > t.

Pure numpy + scipy (``scipy.ndimage.label``); no OpenCV, no torch.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage

#: gray level the authors threshold at (``cv2.threshold(gray, 200, 255, THRESH_BINARY)``: on when > 200)
GRAY_THRESHOLD = 200
#: the authors' frame size: masks are resized to it, ground truth is used as is
LEGACY_SIZE_WH = (320, 240)
#: temporal: raw softmax weight above which a window position is "selected"
WEIGHT_THRESHOLD = 0.023
WINDOW = 50
#: ``num_frames`` the authors called ``load_frames`` with: at most 30 annotated frames per instance
ANNOTATED_FRAMES = 30
SPATIAL_THRESHOLDS = (0.05, 0.1, 0.2, 0.3)
TEMPORAL_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)


def largest_contour_boxes(gray: np.ndarray, threshold: int = GRAY_THRESHOLD) -> np.ndarray:
    """Bounding rectangle of the largest external contour of ``gray > threshold``, per frame.

    Parameters
    ----------
    gray : ndarray, shape (N, H, W) or (H, W), uint8 (any real dtype is compared as is)
    threshold : int
        A pixel is on when strictly greater (``cv2.THRESH_BINARY``).

    Returns
    -------
    ndarray, int64, shape (N, 4) (or (4,)): ``[x, y, x + w, y + h]`` as the authors write it, where
    ``(x, y, w, h)`` is ``cv2.boundingRect`` of the contour with the largest ``w * h`` (strictly
    larger replaces, so among equal areas the first contour OpenCV lists wins: the 8-connected
    component whose first pixel comes last in raster order). ``[0, 0, 0, 0]`` when no pixel is on.

    Examples
    --------
    >>> g = np.zeros((6, 8), np.uint8); g[1:3, 1:3] = 255; g[3:6, 4:8] = 201
    >>> largest_contour_boxes(g).tolist()
    [4, 3, 8, 6]
    >>> largest_contour_boxes(np.full((4, 4), 200, np.uint8)).tolist()
    [0, 0, 0, 0]
    """
    gray = np.asarray(gray)
    single = gray.ndim == 2
    if single:
        gray = gray[None]
    on = gray > threshold
    structure = np.zeros((3, 3, 3), bool)
    structure[1] = True  # 8-connected within a frame, never across frames
    labels, count = ndimage.label(on, structure=structure)
    out = np.zeros((len(gray), 4), np.int64)
    if count:
        objs = ndimage.find_objects(labels)
        frame = np.array([o[0].start for o in objs], np.int64)
        y0 = np.array([o[1].start for o in objs], np.int64)
        y1 = np.array([o[1].stop for o in objs], np.int64)
        x0 = np.array([o[2].start for o in objs], np.int64)
        x1 = np.array([o[2].stop for o in objs], np.int64)
        area = (x1 - x0) * (y1 - y0)
        order = np.lexsort((np.arange(count), area, frame))  # per frame: largest area, then last label
        last = order[np.r_[frame[order][1:] != frame[order][:-1], True]]
        out[frame[last]] = np.stack([x0[last], y0[last], x1[last], y1[last]], axis=1)
    return out[0] if single else out


def legacy_iou(gt_xyxy: np.ndarray, pred_xyxy: np.ndarray, fix_sign: bool = False) -> np.ndarray:
    """The authors' ``generate_IOU``, vectorised: +1 areas and intersection
    ``(xB - xA + 1) * (yB - yA + 1)`` set to 0 only when that *product* is negative.

    Two boxes disjoint on both axes give a negative × negative = positive "intersection" (the sign
    error); ``fix_sign=True`` clamps each overlap at 0 first, the usual +1-pixel IoU.

    Parameters
    ----------
    gt_xyxy, pred_xyxy : ndarray, shape (N, 4) or (4,), pixels (integers in the authors' code)

    Returns
    -------
    ndarray, float64, shape (N,) (or 0-d)

    Examples
    --------
    >>> gt, far = np.array([0, 0, 10, 10]), np.array([20, 20, 30, 30])
    >>> round(float(legacy_iou(gt, far)), 4), float(legacy_iou(gt, far, fix_sign=True))
    (0.5031, 0.0)
    """
    g = np.asarray(gt_xyxy, np.float64)
    p = np.asarray(pred_xyxy, np.float64)
    iw = np.minimum(g[..., 2], p[..., 2]) - np.maximum(g[..., 0], p[..., 0]) + 1
    ih = np.minimum(g[..., 3], p[..., 3]) - np.maximum(g[..., 1], p[..., 1]) + 1
    if fix_sign:
        inter = np.maximum(iw, 0) * np.maximum(ih, 0)
    else:
        inter = iw * ih
        inter = np.where(inter < 0, 0.0, inter)
    area_g = (g[..., 2] - g[..., 0] + 1) * (g[..., 3] - g[..., 1] + 1)
    area_p = (p[..., 2] - p[..., 0] + 1) * (p[..., 3] - p[..., 1] + 1)
    return inter / (area_g + area_p - inter)


def legacy_gt_box(gt_xyxy: np.ndarray) -> np.ndarray:
    """Ground truth as the authors build it: ``int(x), int(y), int(x) + int(w), int(y) + int(h)``
    from ``[x, y, w, h]`` (truncation toward zero), given our ``[x, y, x + w, y + h]``.

    >>> legacy_gt_box(np.array([[10.7, 5.2, 30.9, 25.0]])).tolist()  # w = 20.2 -> 20, h = 19.8 -> 19
    [[10, 5, 30, 24]]
    """
    b = np.asarray(gt_xyxy, np.float64)
    x, y = np.trunc(b[..., 0]), np.trunc(b[..., 1])
    w, h = np.trunc(b[..., 2] - b[..., 0]), np.trunc(b[..., 3] - b[..., 1])
    return np.stack([x, y, x + w, y + h], axis=-1).astype(np.int64)


def fraction_at_least(values: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Fraction of ``values`` >= each threshold (the spatial figure): (T,) float64; NaN when empty.

    >>> fraction_at_least(np.array([0.3, 0.1, 0.5, 0.0]), (0.1, 0.3)).tolist()
    [0.75, 0.5]
    """
    v = np.asarray(values, np.float64).reshape(-1)
    if len(v) == 0:
        return np.full(len(thresholds), np.nan)
    return np.array([np.mean(v >= t) for t in thresholds], np.float64)


def legacy_spatial_figure(gt_xyxy: np.ndarray, pred_xyxy: np.ndarray, thresholds: Sequence[float] = SPATIAL_THRESHOLDS,
                          fix_sign: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The spatial figure over evaluated frames: (fraction with IoU >= t for each t, per-frame IoU).

    No labels, no scores, no ranking: one predicted box per evaluated frame, compared with that
    frame's box of the video's first tube.

    >>> fig, iou = legacy_spatial_figure(np.array([[0, 0, 9, 9], [0, 0, 9, 9]]),
    ...                                  np.array([[0, 0, 9, 9], [15, 15, 24, 24]]), (0.1, 0.5))
    >>> fig.tolist(), iou.round(4).tolist()   # the disjoint pair scores 25 / 175 by the sign error
    ([1.0, 0.5], [1.0, 0.1429])
    """
    iou = legacy_iou(np.asarray(gt_xyxy).reshape(-1, 4), np.asarray(pred_xyxy).reshape(-1, 4), fix_sign)
    return fraction_at_least(iou, thresholds), iou


# ------------------------------------------------------------------------------------------ temporal


def legacy_window(t_start_s: float, t_end_s: float, num_frames: int, num_annotated: int = ANNOTATED_FRAMES,
                  window: int = WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """The authors' 50-frame window around one instance, and its "annotated" frames.

    Frames are 1-based numbers of the video's 10 fps frames (``%05d.jpg``): ``start = int(t_start_s
    * 10)``, ``end = int(t_end_s * 10)``. The annotated list is ``range(start, end + 1, interval)``
    (``interval = int((end - start) / num_annotated)``, or 1 when 0) cut to ``num_annotated`` when
    the instance is longer; the window adds context before and after at the same interval (centred
    for short instances), is cut to ``window`` frames, and is padded at the end with frames clamped
    to ``num_frames`` (so it can repeat a frame). This is ``get_lstm_50_img_sequence.load_frames``.

    Returns
    -------
    window_frames : ndarray, int64, shape (window,)
    annotated_frames : ndarray, int64, shape (A,)

    Examples
    --------
    >>> w, a = legacy_window(1.0, 2.0, 100)
    >>> a.tolist() == list(range(10, 21)), w[:3].tolist(), len(w)
    (True, [1, 2, 3], 50)
    """
    start, end = int(float(t_start_s) * 10), int(float(t_end_s) * 10)
    total = end - start
    interval = int(total / num_annotated)
    annotated = list(range(start, end + 1, interval)) if interval != 0 else list(range(start, end + 1))
    if total > num_annotated:
        annotated = annotated[:num_annotated]
    if total <= num_annotated:
        final_start = int(start - int(0.5 * (window - total)))
        final_end = int(end + 1 + int(0.5 * (window - total)))
        final_start = max(final_start, 1)
        frames = list(range(final_start, start)) + annotated + list(range(end + 1, final_end))
    else:
        final_start = start - 10 * interval
        final_end = end + 10 * interval
        final_start = max(final_start, 1)
        before = list(range(final_start, start, interval))
        after = list(range(end + 1, final_end + 1, interval))
        if final_end > num_frames:
            final_end = end + 10
            after = list(range(end + 1, num_frames)) if final_end > num_frames else list(range(end + 1, final_end + 10))
        frames = before + annotated + after
    if len(frames) < window:
        pad = [min(f, num_frames) for f in range(final_end + 1, final_end + 1 + window - len(frames))]
        frames = frames + pad
    else:
        frames = frames[:window]
    return np.array(frames, np.int64), np.array(annotated, np.int64)


def legacy_temporal_recall(window_frames: np.ndarray, weights: np.ndarray, annotated_frames: Sequence[np.ndarray],
                           weight_threshold: float = WEIGHT_THRESHOLD) -> np.ndarray:
    """Per instance: (number of window positions with weight > threshold whose frame is annotated)
    / (number of annotated frames) — the authors' "IoU" (a recall; a frame repeated in the window
    counts each time, so it can exceed 1).

    Parameters
    ----------
    window_frames : ndarray, int, shape (N, L)
        Frame number at each window position.
    weights : ndarray, float, shape (N, L)
        Softmax weights over each window (they sum to 1 per row).
    annotated_frames : sequence of N int arrays

    Examples
    --------
    >>> legacy_temporal_recall(np.array([[1, 2, 3, 4]]), np.array([[0.1, 0.023, 0.5, 0.377]]), [np.array([2, 3])]).tolist()
    [0.5]
    """
    window_frames = np.asarray(window_frames, np.int64)
    selected = np.asarray(weights, np.float64) > weight_threshold
    out = np.zeros(len(window_frames))
    for i, annotated in enumerate(annotated_frames):  # one small window per instance
        annotated = np.asarray(annotated, np.int64)
        hits = np.isin(window_frames[i], annotated) & selected[i]
        out[i] = hits.sum() / len(annotated) if len(annotated) else 0.0
    return out


def legacy_temporal_figure(recall: np.ndarray, correct: np.ndarray,
                           thresholds: Sequence[float] = TEMPORAL_THRESHOLDS) -> np.ndarray:
    """Fraction of all instances whose predicted class is right and whose recall is > t (strict).

    >>> legacy_temporal_figure(np.array([0.5, 0.9, 0.9]), np.array([True, True, False]), (0.5,)).tolist()
    [0.3333333333333333]
    """
    recall = np.asarray(recall, np.float64)
    correct = np.asarray(correct, bool)
    if len(recall) == 0:
        return np.full(len(thresholds), np.nan)
    return np.array([np.mean(correct & (recall > t)) for t in thresholds], np.float64)
