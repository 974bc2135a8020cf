"""Torch datasets of training clips (video frames or cached features) and how their frames are chosen.

Per-item randomness comes from (seed, epoch, index), so clips do not depend on workers, ranks or
resumes. Split discovery (which videos, which labels) is in :mod:`locbench.training.splits`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotations.errors import InputError
from locbench.training.augment import HE_SCALE, HE_TEST_SCALE, he_clip_params, he_transform  # noqa: F401
from locbench.training.splits import ClipReadError, LabelledVideo
from locbench.video.sampling import segment_positions

CLIP_SAMPLINGS = ("tsn", "window")


@dataclass(frozen=True)
class ClipSampling:
    """How a clip's n frames are chosen: ``tsn`` spreads them over the whole video (one per equal
    part); ``window`` takes them from one contiguous window of ``clip_seconds`` (default n /
    ``sample_fps``) of the video resampled at ``sample_fps``. Random while training, centred otherwise."""

    mode: str = "tsn"
    clip_seconds: float | None = None
    sample_fps: float = 10.0

    def __post_init__(self):
        if self.mode not in CLIP_SAMPLINGS:
            raise InputError(None, "--clip-sampling", f"unknown clip sampling {self.mode!r}; choose tsn or window")
        if not self.sample_fps > 0:
            raise InputError(None, "--sample-fps", f"must be positive, got {self.sample_fps}")
        if self.clip_seconds is not None and not self.clip_seconds > 0:
            raise InputError(None, "--clip-seconds", f"must be positive, got {self.clip_seconds}")

    def seconds(self, n: int) -> float:
        """Window length in seconds for n frames: ``clip_seconds``, or n / ``sample_fps`` when unset."""
        return float(self.clip_seconds) if self.clip_seconds is not None else n / float(self.sample_fps)


def window_positions(times_s: np.ndarray, n: int, clip_s: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """n indices into candidate frames at increasing ``times_s``, from one window of ``clip_s`` seconds.

    The window ``[t0, t0 + clip_s)`` starts uniformly at random (``rng``) or is centred (no ``rng``)
    within ``[times_s[0], times_s[-1]]``; the whole range when it is shorter. Inside it, n frames as
    :func:`segment_positions` (random per part with ``rng``, centres without).
    """
    times_s = np.asarray(times_s, np.float64)
    if len(times_s) < 1:
        raise ValueError("no candidate frame")
    first, last = float(times_s[0]), float(times_s[-1])
    slack = last - first - clip_s
    if slack < 0:
        lo, hi = 0, len(times_s)
    else:
        t0 = first + (rng.random() * slack if rng is not None else slack / 2)
        lo = int(np.searchsorted(times_s, t0 - 1e-9, "left"))
        hi = max(int(np.searchsorted(times_s, t0 + clip_s - 1e-9, "left")), lo + 1)
    return lo + segment_positions(hi - lo, n, rng)


def clip_positions(num_frames: int, fps: float, n: int, sampling: ClipSampling,
                   rng: np.random.Generator | None = None) -> np.ndarray:
    """Source frames of one clip of a video of ``num_frames`` at ``fps`` (see :class:`ClipSampling`)."""
    if sampling.mode == "tsn":
        return segment_positions(num_frames, n, rng)
    from locbench.video import resample_indices

    cand = resample_indices(num_frames, fps, sampling.sample_fps)
    if len(cand) == 0:
        cand = np.zeros(1, np.int64)  # shorter than one sampling step: its first frame
    return cand[window_positions(cand / float(fps), n, sampling.seconds(n), rng)]


def soft_target(labels: tuple[int, ...], num_classes: int) -> np.ndarray:
    """Probability vector spread uniformly over a video's classes (cross-entropy target)."""
    t = np.zeros(num_classes, np.float32)
    t[list(labels)] = 1.0 / len(labels)
    return t


class _EpochDataset:
    """Per-item randomness from (seed, epoch, index): independent of workers, ranks and resumes.

    With ``num_classes`` the target of an item is :func:`soft_target` of its classes (untrimmed,
    possibly multi-label videos), else its class index.
    """

    def __init__(self, items, num_frames: int, train: bool, seed: int, sampling: ClipSampling | None = None,
                 num_classes: int | None = None):
        self.items = list(items)
        self.num_frames = num_frames
        self.train = train
        self.seed = seed
        self.epoch = 0
        self.sampling = sampling or ClipSampling()
        self.num_classes = num_classes

    def target(self, item: LabelledVideo):
        if self.num_classes is None:
            return item.label
        import torch

        return torch.from_numpy(soft_target(item.all_labels, self.num_classes))
    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _rng(self, index: int) -> np.random.Generator | None:
        return np.random.default_rng([self.seed, self.epoch, index]) if self.train else None

    def __len__(self) -> int:
        return len(self.items)


class VideoClipDataset(_EpochDataset):
    """Clips of ``num_frames`` uint8 RGB frames: (n, S, S, 3), label, index.

    Frames are resized to ``input_size``^2 (aspect ratio lost), or with ``augment`` preprocessed as He
    et al. (:func:`he_clip_params`: random scale, crop and flip, one draw per clip, while training;
    centre crop otherwise). ImageNet normalisation happens in the backbone.
    """

    def __init__(self, items, num_frames: int, input_size: int, train: bool = True, seed: int = 0,
                 sampling: ClipSampling | None = None, num_classes: int | None = None, augment: bool = False):
        super().__init__(items, num_frames, train, seed, sampling, num_classes)
        self.input_size = input_size
        self.augment = augment

    def _aug_rng(self, index: int) -> np.random.Generator | None:
        """Its own stream, so augmentation leaves the frame choice of (seed, epoch, index) unchanged."""
        return np.random.default_rng([self.seed, self.epoch, index, 1]) if self.train else None

    def __getitem__(self, index: int):
        import cv2
        import torch

        from locbench.video import open_video

        item = self.items[index]
        try:
            with open_video(item.path, name=item.name) as src:
                pick = clip_positions(src.num_frames, src.fps, self.num_frames, self.sampling, self._rng(index))
                frames = src.read(pick)
        except (InputError, OSError, cv2.error) as e:
            raise ClipReadError(f"cannot read training video {item.name}: {e}") from None
        s = self.input_size
        if self.augment:
            frames = he_transform(frames, s, he_clip_params(frames.shape[1:3], s, self._aug_rng(index)))
        elif frames.shape[1:3] != (s, s):
            frames = np.stack([cv2.resize(f, (s, s), interpolation=cv2.INTER_AREA) for f in frames])
        return torch.from_numpy(np.ascontiguousarray(frames)), self.target(item), index


class FeatureClipDataset(_EpochDataset):
    """Clips of ``num_frames`` cached feature maps (n, C, h, w) float32, label, index.

    With ``augment`` (training only) each item reads one of its video's augmented copies
    (``extract_features(augment_copies=N)``), drawn uniformly from its own stream of (seed, epoch,
    index), so the frame choice is the same as without ``augment``; validation reads the plain features.
    """

    def __init__(self, items, features_dir: str, num_frames: int, train: bool = True, seed: int = 0,
                 expect: dict | None = None, sampling: ClipSampling | None = None, num_classes: int | None = None,
                 augment: bool = False):
        super().__init__(items, num_frames, train, seed, sampling, num_classes)
        self.features_dir = features_dir
        self.expect = expect  # cache_provenance(): every file must come from the same backbone
        self.augment = augment

    def copy_index(self, index: int) -> int | None:
        """The augmented copy item ``index`` reads this epoch (None: the plain features)."""
        if not (self.augment and self.train):
            return None
        from locbench.training.features import feature_copies, feature_path

        path = feature_path(self.features_dir, self.items[index].name)
        n = feature_copies(path)
        if n < 1:
            raise InputError(path, "key 'augment_copies'", "no augmented copies in this feature file: run "
                                                           "`locbench extract-features --augment-copies N` "
                                                           "(extract_features(augment_copies=N))")
        return int(np.random.default_rng([self.seed, self.epoch, index, 1]).integers(n))

    def __getitem__(self, index: int):
        import torch

        from locbench.training.features import feature_path, load_features

        item = self.items[index]
        path = feature_path(self.features_dir, item.name)
        rec = load_features(path, copy=self.copy_index(index))
        if self.expect is not None:
            got = (rec.backbone, rec.backbone_weights_sha256, rec.input_size, tuple(rec.features.shape[1:]))
            want = tuple(self.expect[k] for k in ("backbone", "backbone_weights_sha256", "input_size", "feature_shape"))
            if got != want:
                raise InputError(path, None, f"features from another backbone than {self.expect['source']}: "
                                             f"(backbone, sha256, input size, shape) {got} vs {want}")
        rng = self._rng(index)
        if self.sampling.mode == "tsn":
            pick = segment_positions(len(rec.frame_idx), self.num_frames, rng)
        else:  # a window in seconds over the cached frames
            pick = window_positions(rec.frame_idx / rec.fps, self.num_frames, self.sampling.seconds(self.num_frames), rng)
        return torch.from_numpy(rec.features[pick].astype(np.float32)), self.target(item), index



__all__ = ["segment_positions", "he_clip_params", "he_transform", "HE_SCALE", "HE_TEST_SCALE", "VideoClipDataset", "FeatureClipDataset", "CLIP_SAMPLINGS", "ClipSampling",
           "window_positions", "clip_positions", "soft_target"]
