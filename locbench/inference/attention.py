"""The attention file: where and when a model looked in one video (see ``docs/formats.md``).

One ``<out>/<video name>.npz`` per video (slashes in UCF101-24 names become sub-folders). Any model
can write one: only ``video``, ``classes``, ``class_scores``, ``frame_idx``, ``fps``, ``frame_size``
and at least one of ``masks`` / ``frame_importance`` are required. Loaded with
``allow_pickle=False``, so a file from a stranger can never run code.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np

from annotations.atomic import atomic_write_bytes
from annotations.errors import InputError

FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class AttentionRecord:
    video: str
    classes: tuple[str, ...]  # (C,)
    class_scores: np.ndarray  # (C,) video-level class probabilities
    frame_idx: np.ndarray  # (F,) int64, 0-based source frame index of each sampled frame, increasing
    fps: float  # source frame rate
    frame_size: tuple[int, int]  # (height, width) of the source frames, pixels
    masks: np.ndarray | None = None  # (F, h, w) spatial masks in [0, 1]
    frame_importance: np.ndarray | None = None  # (F,) temporal importance; 1 = uniform attention
    windows: np.ndarray | None = None  # (W, n) rows of frame_idx that each clip/window saw
    temporal_weights: np.ndarray | None = None  # (W, T, n) softmax weights of each LSTM step
    window_class_scores: np.ndarray | None = None  # (W, C)
    model: str = ""

    @property
    def time_s(self) -> np.ndarray:
        """Start time of each sampled frame: frame k covers [k/fps, (k+1)/fps)."""
        return self.frame_idx / float(self.fps)

    @property
    def num_frames(self) -> int:
        return len(self.frame_idx)


_REQUIRED = ("video", "classes", "class_scores", "frame_idx", "fps", "frame_size")
_OPTIONAL = ("masks", "frame_importance", "windows", "temporal_weights", "window_class_scores", "model")


def attention_path(out_dir: str | os.PathLike, video: str) -> str:
    return os.path.join(os.fspath(out_dir), *video.split("/")) + ".npz"


def save_attention(path: str | os.PathLike, rec: AttentionRecord) -> None:
    """Write one record atomically (uncompressed npz; masks stored as float16)."""
    arrays = {
        "format_version": np.int64(FORMAT_VERSION),
        "video": np.array(rec.video),
        "classes": np.array(rec.classes, dtype=str),
        "class_scores": np.asarray(rec.class_scores, np.float32),
        "frame_idx": np.asarray(rec.frame_idx, np.int64),
        "time_s": rec.time_s.astype(np.float64),
        "fps": np.float64(rec.fps),
        "frame_size": np.asarray(rec.frame_size, np.int64),
        "model": np.array(rec.model),
    }
    if rec.masks is not None:
        arrays["masks"] = np.asarray(rec.masks, np.float16)
    for name in ("frame_importance", "windows", "temporal_weights", "window_class_scores"):
        value = getattr(rec, name)
        if value is not None:
            arrays[name] = np.asarray(value, np.int64 if name == "windows" else np.float32)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def load_attention(path: str | os.PathLike) -> AttentionRecord:
    """Read and validate one attention file; any problem is an InputError naming the key."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise InputError(path, None, "attention file does not exist") from None
    except (ValueError, OSError, EOFError) as e:
        raise InputError(path, None, f"not a readable .npz attention file ({e})") from None
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise InputError(path, f"key {missing[0]!r}", "required key is missing")
    if "masks" not in data and "frame_importance" not in data:
        raise InputError(path, None, "needs 'masks' or 'frame_importance' (or both)")

    def bad(key, problem):
        return InputError(path, f"key {key!r}", problem)

    classes = tuple(str(c) for c in np.atleast_1d(data["classes"]))
    scores = np.asarray(data["class_scores"], np.float64).reshape(-1)
    if len(scores) != len(classes):
        raise bad("class_scores", f"has {len(scores)} values for {len(classes)} classes")
    if not np.all(np.isfinite(scores)):
        raise bad("class_scores", "contains NaN or infinite values")
    frame_idx = np.asarray(data["frame_idx"]).reshape(-1)
    if frame_idx.dtype.kind not in "iu":
        raise bad("frame_idx", f"must be integers, found {frame_idx.dtype}")
    frame_idx = frame_idx.astype(np.int64)
    if len(frame_idx) == 0:
        raise bad("frame_idx", "is empty")
    if frame_idx.min() < 0 or np.any(np.diff(frame_idx) <= 0):
        raise bad("frame_idx", "must be non-negative and strictly increasing")
    fps = float(data["fps"])
    if not np.isfinite(fps) or fps <= 0:
        raise bad("fps", f"must be positive, found {fps}")
    size = np.asarray(data["frame_size"]).reshape(-1)
    if len(size) != 2 or np.any(size <= 0):
        raise bad("frame_size", "must be [height, width] in pixels")
    n = len(frame_idx)
    masks = data.get("masks")
    if masks is not None:
        masks = np.asarray(masks, np.float32)
        if masks.ndim != 3 or masks.shape[0] != n:
            raise bad("masks", f"shape {masks.shape} should be ({n}, h, w)")
        if masks.shape[1] < 1 or masks.shape[2] < 1:
            raise bad("masks", f"shape {masks.shape} has an empty spatial grid")
        if not np.all(np.isfinite(masks)):
            raise bad("masks", "contains NaN or infinite values")
    importance = data.get("frame_importance")
    if importance is not None:
        importance = np.asarray(importance, np.float64).reshape(-1)
        if len(importance) != n:
            raise bad("frame_importance", f"has {len(importance)} values for {n} frames")
        if not np.all(np.isfinite(importance)):
            raise bad("frame_importance", "contains NaN or infinite values")
    windows = data.get("windows")
    if windows is not None:
        windows = np.asarray(windows).astype(np.int64)
        if windows.ndim != 2 or windows.min(initial=0) < 0 or windows.max(initial=0) >= n:
            raise bad("windows", f"must be (W, n) row indices into frame_idx (0..{n - 1})")
    weights = data.get("temporal_weights")
    if weights is not None:
        weights = np.asarray(weights, np.float32)
        if windows is None or weights.ndim != 3 or weights.shape[0] != windows.shape[0] \
                or weights.shape[2] != windows.shape[1]:
            raise bad("temporal_weights", f"shape {weights.shape} should be (W, T, n) matching 'windows'")
    window_scores = data.get("window_class_scores")
    if window_scores is not None:
        window_scores = np.asarray(window_scores, np.float64)
        if window_scores.ndim != 2 or window_scores.shape[1] != len(classes):
            raise bad("window_class_scores", f"shape {window_scores.shape} should be (W, {len(classes)})")
    return AttentionRecord(
        video=str(data["video"]), classes=classes, class_scores=scores, frame_idx=frame_idx, fps=fps,
        frame_size=(int(size[0]), int(size[1])), masks=masks, frame_importance=importance,
        windows=windows, temporal_weights=weights, window_class_scores=window_scores,
        model=str(data.get("model", "")),
    )


def find_attention_files(directory: str | os.PathLike) -> list[str]:
    """Every ``*.npz`` below ``directory``, sorted."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise InputError(directory, None, "attention directory does not exist")
    found = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".npz") and not f.startswith(".")]
    return found


def load_attention_dir(directory: str | os.PathLike) -> list[AttentionRecord]:
    files = find_attention_files(directory)
    if not files:
        raise InputError(directory, None, "no .npz attention files found")
    return [load_attention(f) for f in files]
