"""Which source frames a model sees, and what time each one stands for (see ``docs/video.md``).

Convention everywhere: frame ``k`` (0-based) covers ``[k / fps, (k + 1) / fps)`` and its time is the
start, ``k / fps`` (the presentation timestamp of a constant-rate video). ``frame_at_time`` is its
inverse: the frame on screen at time ``t`` is ``floor(t * fps)``.
"""
from __future__ import annotations

import math

import numpy as np

#: relative slack so that e.g. 1012 * 10 / 30 or 9 * 1.5 land on the integer they mean
_EPS = 1e-9


def frame_times_s(frame_idx, fps: float) -> np.ndarray:
    """Start time in seconds of each 0-based frame: ``frame_idx / fps``."""
    return np.asarray(frame_idx, dtype=np.float64) / float(fps)


def frame_at_time(t_s, fps: float) -> np.ndarray:
    """0-based frame on screen at time ``t_s``: ``floor(t_s * fps)`` (inverse of :func:`frame_times_s`)."""
    x = np.asarray(t_s, dtype=np.float64) * float(fps)
    return np.floor(x + _EPS * np.maximum(1.0, np.abs(x))).astype(np.int64)


def sample_count(num_frames: int, fps: float, sample_fps: float) -> int:
    """Frames in a video resampled to ``sample_fps``: ``floor(num_frames * sample_fps / fps)``.

    Same rule as the ``sample_count`` column of THUMOS'14 ``*_video_info.csv``.
    """
    x = num_frames * float(sample_fps) / float(fps)
    return max(0, math.floor(x + _EPS * max(1.0, abs(x))))


def resample_indices(num_frames: int, fps: float, sample_fps: float) -> np.ndarray:
    """Source frame of each sampled frame ``j``: the frame on screen at ``j / sample_fps``.

    ``floor(j * fps / sample_fps)`` for ``j < sample_count``; frames repeat when ``sample_fps > fps``.
    """
    if fps <= 0 or sample_fps <= 0:
        raise ValueError(f"fps and sample_fps must be positive, got {fps} and {sample_fps}")
    n = sample_count(num_frames, fps, sample_fps)
    idx = frame_at_time(np.arange(n, dtype=np.float64) / float(sample_fps), fps)
    return np.minimum(idx, max(num_frames - 1, 0))


def window_starts(total: int, window: int, stride: int | None = None) -> np.ndarray:
    """Start positions of windows of ``window`` items over ``total`` items.

    Starts are ``0, stride, 2*stride, ...`` while a window fits; when the items are not all covered,
    one last window is shifted to end exactly at ``total``. ``total < window`` gives one start, 0
    (that window is padded by the caller). ``total == 0`` gives none.
    """
    if window <= 0:
        raise ValueError(f"window must be positive, got {window}")
    stride = window if stride is None else int(stride)
    if stride <= 0:
        raise ValueError(f"stride must be positive, got {stride}")
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    if total <= window:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, total - window + 1, stride, dtype=np.int64)
    if starts[-1] + window < total:
        starts = np.append(starts, total - window)
    return starts


def sliding_windows(num_frames: int, fps: float, sample_fps: float = 10.0, window: int = 16,
                    stride: int | None = None) -> list[np.ndarray]:
    """Windows of ``window`` sampled frames over an untrimmed video, as arrays of source frame indices.

    The video is resampled to ``sample_fps`` (:func:`resample_indices`), then cut with
    :func:`window_starts` (stride in sampled frames, default ``window``: no overlap except the last
    window, which is shifted back to end at the last sampled frame). A video shorter than one window
    gives one window padded by repeating its last sampled frame.
    """
    sampled = resample_indices(num_frames, fps, sample_fps)
    out = []
    for s in window_starts(len(sampled), window, stride).tolist():
        w = sampled[s: s + window]
        if len(w) < window:
            w = np.concatenate([w, np.full(window - len(w), w[-1], dtype=np.int64)])
        out.append(w)
    return out


def sample_clip(num_frames: int, n: int) -> np.ndarray:
    """``n`` frames evenly spread over a trimmed video: the centre frame of each of ``n`` equal parts.

    ``floor((i + 0.5) * num_frames / n)``; frames repeat when the video has fewer than ``n`` frames.
    """
    if num_frames <= 0:
        raise ValueError(f"a clip needs at least one frame, got num_frames={num_frames}")
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    return np.floor((np.arange(n, dtype=np.float64) + 0.5) * num_frames / n).astype(np.int64)


def segment_positions(num_frames: int, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """n frame indices from [0, num_frames): without ``rng`` the centre frame of each of n equal parts
    (:func:`sample_clip`, as at test time); with ``rng`` a uniformly random frame of each part
    (training jitter, TSN-style). Short videos repeat frames.

    >>> segment_positions(10, 5).tolist()
    [1, 3, 5, 7, 9]
    """
    if rng is None:
        return sample_clip(num_frames, n)
    if num_frames < 1:
        raise ValueError(f"a clip needs at least one frame, got num_frames={num_frames}")
    edges = np.arange(n + 1, dtype=np.float64) * num_frames / n
    pos = edges[:-1] + rng.random(n) * (edges[1:] - edges[:-1])
    return np.clip(np.floor(pos).astype(np.int64), 0, num_frames - 1)


__all__ = ["frame_times_s", "frame_at_time", "sample_count", "resample_indices", "window_starts",
           "sliding_windows", "sample_clip", "segment_positions"]
