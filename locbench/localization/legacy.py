"""``meng2019-code`` from attention files (spatial) or a checkpoint (temporal): the steps that need
OpenCV or the model; the figures themselves are in ``evaluators/legacy_meng2019.py``.

See ``docs/protocols/meng2019.md`` for every convention and every difference from the paper's text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import cv2
import numpy as np

from annotations.types import AMBIGUOUS, Segments, TubeDataset
from evaluators import legacy_meng2019 as L
from locbench.inference.attention import AttentionRecord

#: the authors write the gray masks with ``cv2.imwrite(.jpg)`` (OpenCV's default JPEG quality, 95)
#: and read them back with ``cv2.imread(path, 0)`` before thresholding
JPEG_QUALITY = 95
#: frames per video the authors' model saw (``num_segments``; their script asserts 20 per video)
LEGACY_FRAMES = 20


def legacy_gray_masks(masks: np.ndarray, size_wh: tuple[int, int] = L.LEGACY_SIZE_WH,
                      jpeg_quality: int | None = JPEG_QUALITY) -> np.ndarray:
    """Masks → the authors' gray images: per frame ``cam - min``, ``/ max``, ``np.uint8(255 * x)``
    (truncation), ``cv2.resize`` to ``size_wh`` (bilinear, OpenCV's uint8 fixed-point path), then a
    JPEG write/read at ``jpeg_quality`` (None skips it).

    Parameters
    ----------
    masks : ndarray, shape (N, h, w) or (h, w), float
    size_wh : (int, int)
        (width, height) in pixels, as ``cv2.resize`` takes it.

    Returns
    -------
    ndarray, uint8, shape (N, H, W) (or (H, W)). A constant mask divides 0 by 0 in the authors'
    code; ``np.uint8(nan)`` is 0 on the usual platforms, so a constant mask is all 0 here (no box).

    Examples
    --------
    >>> m = np.zeros((7, 7), np.float32); m[2:5, 2:5] = 1.0
    >>> g = legacy_gray_masks(m, (14, 14), jpeg_quality=None)
    >>> g.shape, g.dtype.name, int(g.max()), int(g[0, 0])
    ((14, 14), 'uint8', 255, 0)
    """
    masks = np.asarray(masks, np.float32)
    single = masks.ndim == 2
    if single:
        masks = masks[None]
    width, height = size_wh
    out = np.empty((len(masks), height, width), np.uint8)
    for i, m in enumerate(masks):  # 20 frames per video: one OpenCV call each, as the authors do
        cam = m - np.min(m)
        peak = np.max(cam)
        cam_img = cam / peak if peak > 0 else np.zeros_like(cam)
        img = cv2.resize(np.uint8(255 * cam_img), (width, height))
        if jpeg_quality is not None:
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
            img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
        out[i] = img
    return out[0] if single else out


def model_frames(rec: AttentionRecord) -> np.ndarray:
    """Rows of ``rec`` the model's clip(s) saw (``windows``), or every row when the file has none:
    the authors' masks exist only for the frames the model saw.

    >>> rec = AttentionRecord("v", ("a",), np.array([1.0]), np.arange(5), 25.0, (8, 8),
    ...                       masks=np.zeros((5, 2, 2)), windows=np.array([[1, 3]]))
    >>> model_frames(rec).tolist()
    [1, 3]
    """
    if rec.windows is None:
        return np.arange(rec.num_frames)
    return np.unique(rec.windows)


@dataclass
class LegacySpatial:
    thresholds: tuple[float, ...]
    figure: np.ndarray                 # (T,) fraction of evaluated frames with IoU >= t
    iou: np.ndarray                    # (K,) per evaluated frame
    video: np.ndarray                  # (K,)
    frame_idx: np.ndarray              # (K,) 0-based
    gt_boxes: np.ndarray               # (K, 4) int, authors' ground truth
    pred_boxes: np.ndarray             # (K, 4) int, largest-contour boxes
    num_videos: int = 0
    fix_sign: bool = False
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"protocol": "meng2019-code", "task": "spatial", "fix_legacy_iou": self.fix_sign,
                "thresholds": list(self.thresholds), "figure": [float(v) for v in self.figure],
                "evaluated_frames": int(len(self.iou)), "videos": self.num_videos, "notes": list(self.notes)}


def legacy_spatial(records: Sequence[AttentionRecord], dataset: TubeDataset, videos: Sequence[str] | None = None,
                   thresholds: Sequence[float] = L.SPATIAL_THRESHOLDS, fix_sign: bool = False,
                   jpeg_quality: int | None = JPEG_QUALITY) -> LegacySpatial:
    """The authors' spatial figure for attention files against a tube dataset.

    Evaluated frames: the frames the model saw (:func:`model_frames`) that carry a box of the video's
    *first* tube. Each mask becomes a gray image (:func:`legacy_gray_masks`) at the frame's size,
    then the largest-contour box; IoU by ``legacy_iou`` (sign error unless ``fix_sign``).

    Examples
    --------
    >>> from annotations.types import Tube, VideoInfo
    >>> m = np.zeros((2, 4, 4), np.float32); m[:, 1:3, 1:3] = 1.0
    >>> rec = AttentionRecord("v", ("a",), np.array([1.0]), np.array([0, 1]), 25.0, (240, 320), masks=m)
    >>> tube = Tube("v", "a", np.array([0, 1]), np.array([[80.0, 60, 240, 180]] * 2))
    >>> ds = TubeDataset(("a",), {"v": VideoInfo("v", "a", 2)}, (tube,))
    >>> res = legacy_spatial([rec], ds, jpeg_quality=None)
    >>> res.figure.tolist(), len(res.iou)
    ([1.0, 1.0, 1.0, 1.0], 2)
    """
    wanted = None if videos is None else set(videos)
    first_tube = {}
    for t in dataset.tubes:
        if (wanted is None or t.video in wanted) and t.video not in first_tube:
            first_tube[t.video] = t
    cols = {k: [] for k in ("video", "frame", "gt", "pred")}
    notes = []
    counts, sizes, used = [], set(), 0
    for rec in records:
        tube = first_tube.get(rec.video)
        if rec.masks is None or tube is None:
            continue
        rows = model_frames(rec)
        counts.append(len(rows))
        on_tube = np.isin(rec.frame_idx[rows], tube.frame_idx)
        rows = rows[on_tube]
        if not len(rows):
            continue
        used += 1
        height, width = rec.frame_size
        sizes.add((width, height))
        gray = legacy_gray_masks(rec.masks[rows], (width, height), jpeg_quality)
        pos = np.searchsorted(tube.frame_idx, rec.frame_idx[rows])
        cols["video"].append(np.full(len(rows), rec.video, dtype=object))
        cols["frame"].append(rec.frame_idx[rows])
        cols["gt"].append(L.legacy_gt_box(tube.boxes_xyxy[pos]))
        cols["pred"].append(L.largest_contour_boxes(gray))
    if cols["video"]:
        gt, pred = np.concatenate(cols["gt"]), np.concatenate(cols["pred"])
        video, frame = np.concatenate(cols["video"]).astype(str), np.concatenate(cols["frame"])
    else:
        gt = pred = np.zeros((0, 4), np.int64)
        video, frame = np.zeros(0, str), np.zeros(0, np.int64)
        notes.append("no evaluated frame: no model frame lies on a first ground-truth tube")
    figure, iou = L.legacy_spatial_figure(gt, pred, thresholds, fix_sign)
    if counts and set(counts) != {LEGACY_FRAMES}:
        held = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
        notes.append(f"the authors' model saw {LEGACY_FRAMES} frames per video; these files hold {held} model "
                     "frames per video, all used")
    if sizes - {L.LEGACY_SIZE_WH}:
        notes.append("the authors resize masks to 320x240 and compare with unscaled ground truth; frames here are "
                     + ", ".join(f"{w}x{h}" for w, h in sorted(sizes))
                     + ", so masks are resized to each frame's own size instead")
    if not fix_sign and len(iou):
        bogus = int(np.sum(L.legacy_iou(gt, pred, False) != L.legacy_iou(gt, pred, True)))
        if bogus:
            notes.append(f"the sign error gave a non-zero IoU to {bogus} of {len(iou)} frames whose boxes do not "
                         "overlap (fix_legacy_iou removes it)")
    return LegacySpatial(tuple(float(t) for t in thresholds), figure, iou, video, frame, gt, pred, used,
                         fix_sign, notes)


# ------------------------------------------------------------------------------------------ temporal


def single_label_instances(gt: Segments) -> Segments:
    """Instances of videos whose ground truth holds one class (Ambiguous ignored): our stand-in for
    the authors' list of test videos without secondary actions (``test_set_meta.mat``).

    >>> gt = Segments(["x", "y", "y"], [0.0, 0.0, 5.0], [1.0, 1.0, 6.0], ["a", "a", "b"])
    >>> single_label_instances(gt).video.tolist()
    ['x']
    """
    keep_rows = gt.label != AMBIGUOUS
    classes_of: dict[str, set] = {}
    for v, c in zip(gt.video[keep_rows].tolist(), gt.label[keep_rows].tolist()):
        classes_of.setdefault(v, set()).add(c)
    single = {v for v, cs in classes_of.items() if len(cs) == 1}
    return gt.select(keep_rows & np.isin(gt.video, list(single)))


def legacy_temporal_unavailable_reason() -> str:
    """Why the temporal figure cannot come from attention files of whole videos."""
    return ("the meng2019-code temporal figure needs the model run on a 50-frame window built around each "
            "ground-truth instance (one softmax per window, thresholded at 0.023); attention files hold one "
            "softmax over whole-video windows, whose weights are not on that scale, so the figure is not "
            "computed from them: run the model on those windows instead (legacy_temporal_from_checkpoint)")


@dataclass
class LegacyTemporal:
    thresholds: tuple[float, ...]
    figure: np.ndarray          # (T,)
    recall: np.ndarray          # (N,) per instance
    correct: np.ndarray         # (N,) bool
    video: np.ndarray           # (N,)
    label: np.ndarray           # (N,)
    weights: np.ndarray | None = None   # (N, 50) the window weights the figure was computed from
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"protocol": "meng2019-code", "task": "temporal", "thresholds": list(self.thresholds),
                "figure": [float(v) for v in self.figure], "instances": int(len(self.recall)),
                "classification_correct": int(np.sum(self.correct)), "notes": list(self.notes)}


def legacy_temporal_from_weights(instances: Segments, weights: np.ndarray, predicted: Sequence[str],
                                 num_frames_10fps: Mapping[str, int],
                                 thresholds: Sequence[float] = L.TEMPORAL_THRESHOLDS,
                                 weight_threshold: float = L.WEIGHT_THRESHOLD) -> LegacyTemporal:
    """The temporal figure from per-instance window weights (N, 50), as the model gave them on the
    windows of :func:`evaluators.legacy_meng2019.legacy_window`, and the predicted class of each window.

    >>> inst = Segments(["v"], [1.0], [2.0], ["a"])
    >>> w = np.zeros((1, 50)); w[0, 9:20] = 1 / 11   # window frames 10..20 hold the instance
    >>> legacy_temporal_from_weights(inst, w, ["a"], {"v": 100}, (0.5, 0.99)).figure.tolist()
    [1.0, 1.0]
    """
    frames, annotated = [], []
    for v, t0, t1 in zip(instances.video.tolist(), instances.t_start_s.tolist(), instances.t_end_s.tolist()):
        w_frames, a_frames = L.legacy_window(t0, t1, int(num_frames_10fps[v]))
        frames.append(w_frames)
        annotated.append(a_frames)
    frames_arr = np.array(frames, np.int64).reshape(len(instances), -1)
    recall = L.legacy_temporal_recall(frames_arr, weights, annotated, weight_threshold)
    correct = np.asarray(predicted).astype(str) == instances.label.astype(str)
    return LegacyTemporal(tuple(float(t) for t in thresholds), L.legacy_temporal_figure(recall, correct, thresholds),
                          recall, correct, instances.video, instances.label, np.asarray(weights, np.float64))


def legacy_temporal_from_checkpoint(checkpoint, videos_root, gt: Segments, device: str = "auto",
                                    thresholds: Sequence[float] = L.TEMPORAL_THRESHOLDS,
                                    weight_threshold: float = L.WEIGHT_THRESHOLD, backbone_weights=None,
                                    progress: bool = True) -> LegacyTemporal:
    """Run the model on the authors' 50-frame window of every single-label instance and compute the
    temporal figure.

    Window frame ``k`` (1-based, 10 fps) is the source frame on screen at ``(k - 1) / 10`` s (our 10 fps
    sampling, ``locbench.video.resample_indices``; numbers past the end are clamped to the last one).
    The weight of a position is the model's temporal softmax averaged over LSTM steps (it sums to 1
    over the window, like the authors' single softmax); the predicted class is the window's argmax.
    """
    import sys

    import torch
    from tqdm import tqdm

    from locbench.inference.predict import _Runner
    from locbench.model.checkpoint import load_checkpoint, model_from_checkpoint
    from locbench.training.distributed import resolve_device
    from locbench.video import find_videos, iter_readable, resample_indices, skip_failures

    instances = single_label_instances(gt)
    model = model_from_checkpoint(load_checkpoint(checkpoint), backbone_weights)
    runner = _Runner(model, resolve_device(device), 1)
    classes = model.config.class_names
    have = dict(find_videos(videos_root))
    todo = [(v, have[v]) for v in dict.fromkeys(instances.video.tolist()) if v in have]
    failed: list = []
    weights = np.full((len(instances), L.WINDOW), np.nan)
    predicted = np.full(len(instances), "", dtype=object)
    num10: dict[str, int] = {}
    for src in tqdm(iter_readable(todo, failed), total=len(todo), desc="meng2019-code windows", unit="video",
                    file=sys.stderr, disable=not progress):
        with skip_failures(failed, src.name):
            sampled = resample_indices(src.num_frames, src.fps, 10.0)
            num10[src.name] = len(sampled)
            for i in np.flatnonzero(instances.video == src.name):
                frames, _ = L.legacy_window(instances.t_start_s[i], instances.t_end_s[i], len(sampled))
                source = sampled[np.clip(frames - 1, 0, len(sampled) - 1)]
                with torch.inference_mode():
                    feats = runner.features(src, source)
                    out = runner.head(feats[None], pool_frames=runner.n)
                weights[i] = out.temporal_weights.float().mean(dim=1)[0].cpu().numpy()
                predicted[i] = classes[int(out.logits.float().argmax(dim=1)[0])]
    done = np.isin(instances.video, list(num10))
    result = legacy_temporal_from_weights(instances.select(done), weights[done], predicted[done].tolist(), num10,
                                          thresholds, weight_threshold)
    notes = [f"{len(instances)} instances of {len(set(instances.video.tolist()))} single-class videos "
             f"(of {int(np.sum(gt.label != AMBIGUOUS))} instances in the ground truth)"]
    missing = len(instances) - int(done.sum())
    if missing:
        # the authors divide by every instance: an instance whose video is missing counts as a miss
        result.figure = result.figure * done.sum() / len(instances)
        notes.append(f"{missing} instances in videos not found or unreadable under {videos_root} count as misses")
    result.notes = notes + [f"{v}: {why}" for v, why in failed[:5]]
    return result


def _nearest(time_s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index of the sample of ``time_s`` (increasing) nearest to each ``t`` (ties: the earlier)."""
    right = np.clip(np.searchsorted(time_s, t), 0, len(time_s) - 1)
    left = np.clip(right - 1, 0, len(time_s) - 1)
    return np.where(np.abs(time_s[left] - t) <= np.abs(time_s[right] - t), left, right)


def legacy_temporal_approximate(records: Sequence[AttentionRecord], gt: Segments,
                                thresholds: Sequence[float] = L.TEMPORAL_THRESHOLDS,
                                weight_threshold: float = L.WEIGHT_THRESHOLD) -> LegacyTemporal:
    """An **approximation** of the temporal figure from attention files of whole videos (asked for
    explicitly; never the authors' figure).

    For each single-class instance, the authors' 50 window frames (1-based, 10 fps, frame ``k`` at
    ``(k - 1) / 10`` s) take the ``frame_importance`` of the record's sampled frame nearest in time,
    renormalised to sum to 1 over the window (a softmax over the window would); the class is the
    video's top-1. The model never saw these windows as such, so the figure differs from one computed
    with the model run on them (:func:`legacy_temporal_from_checkpoint`).

    >>> rec = AttentionRecord("v", ("a",), np.array([1.0]), np.arange(100), 10.0, (8, 8),
    ...                       frame_importance=np.r_[np.zeros(9), np.ones(11), np.zeros(80)])
    >>> legacy_temporal_approximate([rec], Segments(["v"], [1.0], [2.0], ["a"]), (0.5,)).figure.tolist()
    [1.0]
    """
    instances = single_label_instances(gt)
    by_video = {r.video: r for r in records if r.frame_importance is not None}
    done = np.isin(instances.video, list(by_video))
    weights = np.zeros((len(instances), L.WINDOW))
    predicted = np.full(len(instances), "", dtype=object)
    num10: dict[str, int] = {}
    for i in np.flatnonzero(done):
        rec = by_video[instances.video[i]]
        num10[rec.video] = int(np.floor(rec.time_s[-1] * 10)) + 1
        frames, _ = L.legacy_window(instances.t_start_s[i], instances.t_end_s[i], num10[rec.video])
        pos = _nearest(rec.time_s, (frames - 1) / 10.0)
        imp = np.clip(np.asarray(rec.frame_importance, np.float64)[pos], 0, None)
        weights[i] = imp / imp.sum() if imp.sum() > 0 else 1.0 / L.WINDOW
        predicted[i] = rec.classes[int(np.argmax(rec.class_scores))]
    result = legacy_temporal_from_weights(instances.select(done), weights[done], predicted[done].tolist(), num10,
                                          thresholds, weight_threshold)
    result.notes = ["APPROXIMATION, not the authors' figure: whole-video attention renormalised over each "
                    "instance's 50-frame window (docs/protocols/meng2019.md)",
                    f"{int(done.sum())} of {len(instances)} single-class instances have attention files"]
    if not done.all():
        result.figure = result.figure * done.sum() / max(len(instances), 1)
    return result
