"""Read frames of a video file (OpenCV) or of a folder of numbered images, by 0-based frame index.

Every source has ``.name``, ``.path``, ``.fps``, ``.num_frames``, ``.width``, ``.height`` and
``.read(frame_idx) -> (N, H, W, 3) uint8 RGB``. Bad input raises :class:`InputError` naming the
file and the frame. See ``docs/video.md`` for the frame/time conventions.
"""
from __future__ import annotations

import contextlib
import math
import os
import re
from typing import Iterable, Iterator

import numpy as np

from annotations.errors import InputError
from annotations.textfiles import VIDEO_EXTENSIONS  # one list for readers and layouts

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
#: fps of a frame folder without a ``fps.txt`` sidecar and without an ``fps=`` argument (UCF101 is 25 fps)
DEFAULT_FOLDER_FPS = 25.0
FPS_SIDECAR = "fps.txt"
#: the reader decodes forward (grab) instead of seeking when the next wanted frame is this close
MAX_GRAB = 100

# <optional non-digit prefix><digits>.<image ext>: 00001.jpg, image_00001.jpg, frame000001.jpg, img_00001.png
_FRAME_FILE = re.compile(r"^(\D*)(\d+)\.(jpe?g|png|bmp)$", re.IGNORECASE)


def _check_indices(frame_idx, num_frames: int, path: str) -> np.ndarray:
    idx = np.asarray(frame_idx)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise InputError(path, "frame_idx", f"expected a 1-D array of integer frame indices, got {idx.dtype} {idx.shape}")
    idx = idx.astype(np.int64)
    bad = np.flatnonzero((idx < 0) | (idx >= num_frames))
    if bad.size:
        raise InputError(path, f"frame {int(idx[bad[0]])}", f"frame index outside 0..{num_frames - 1}")
    return idx


class VideoSource:
    """Common interface of the backends; use :func:`open_video` to get one."""

    name: str
    path: str
    fps: float
    num_frames: int
    width: int
    height: int
    #: frame count the container announced (may exceed num_frames after verify)
    announced_frames: int

    def read(self, frame_idx) -> np.ndarray:
        """Frames ``frame_idx`` (any order, repeats allowed) as (N, H, W, 3) uint8 RGB."""
        idx = _check_indices(frame_idx, self.num_frames, self.path)
        out = np.empty((len(idx), self.height, self.width, 3), dtype=np.uint8)
        if not len(idx):
            return out
        unique, inverse = np.unique(idx, return_inverse=True)
        frames = self._read_sorted(unique)
        out[:] = frames[inverse]
        return out

    def _read_sorted(self, unique_idx: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.fps

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name={self.name!r}, {self.num_frames} frames, {self.fps:g} fps, "
                f"{self.width}x{self.height})")


# ----------------------------------------------------------------------------------------- OpenCV


class OpenCVVideo(VideoSource):
    """A video file decoded by OpenCV (FFmpeg backend).

    Frames are fetched in increasing order: the decoder grabs forward when the next wanted frame is
    at most ``max_grab`` frames ahead, and seeks otherwise (``seek=False`` never seeks: it re-opens
    and decodes from the start instead, for files whose seeking is not frame-accurate).
    """

    def __init__(self, path: str, name: str | None = None, fps: float | None = None, verify: bool = False,
                 max_grab: int = MAX_GRAB, seek: bool = True):
        import cv2

        self._cv2 = cv2
        self.path = os.fspath(path)
        self.name = name if name is not None else os.path.splitext(os.path.basename(self.path))[0]
        self.max_grab = int(max_grab)
        self.seek = bool(seek)
        if not os.path.isfile(self.path):
            raise InputError(self.path, None, "video file does not exist")
        self._cap = None
        self._open()
        cap = self._cap
        container_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = float(fps) if fps is not None else container_fps
        if not (math.isfinite(self.fps) and self.fps > 0):
            self.close()
            raise InputError(self.path, None, f"the container reports fps {container_fps!r}; pass fps= explicitly")
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        announced = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.announced_frames = int(announced) if math.isfinite(announced) and announced > 0 else 0
        self.num_frames = self.announced_frames
        if verify or self.num_frames <= 0 or self.width <= 0 or self.height <= 0:
            self.num_frames = self._count_decodable()
        if self.num_frames <= 0:
            self.close()
            raise InputError(self.path, "frame 0", "no decodable frame (empty, truncated or unsupported video)")

    @property
    def truncated(self) -> bool:
        """True when fewer frames decode than the container announced (only known after verify)."""
        return 0 < self.num_frames < self.announced_frames

    def _open(self) -> None:
        if self._cap is not None:
            self._cap.release()
        cap = self._cv2.VideoCapture(self.path, self._cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise InputError(self.path, None, "OpenCV cannot open this video (not a video, or unsupported codec)")
        self._cap = cap
        self._pos = 0  # index of the frame the next grab() decodes

    def _count_decodable(self) -> int:
        """Decode every frame (without colour conversion) to count them; rewinds afterwards."""
        self._open()
        n = 0
        while self._cap.grab():
            n += 1
            if self.width <= 0 or self.height <= 0:
                ok, frame = self._cap.retrieve()
                if ok:
                    self.height, self.width = frame.shape[:2]
        self._open()
        return n

    def _read_sorted(self, unique_idx: np.ndarray) -> np.ndarray:
        cv2 = self._cv2
        if self._cap is None:
            self._open()
        out = np.empty((len(unique_idx), self.height, self.width, 3), dtype=np.uint8)
        for i, target in enumerate(unique_idx.tolist()):
            gap = target - self._pos
            if gap < 0 or gap > self.max_grab:
                if self.seek:
                    self._cap.set(cv2.CAP_PROP_POS_FRAMES, target)
                    self._pos = target
                elif gap < 0:
                    self._open()
            while self._pos < target:
                if not self._cap.grab():
                    self._truncated_at(self._pos)
                self._pos += 1
            ok = self._cap.grab()
            ok, frame = self._cap.retrieve() if ok else (False, None)
            if not ok or frame is None:
                self._truncated_at(target)
            self._pos += 1
            if frame.shape[:2] != (self.height, self.width):
                raise InputError(self.path, f"frame {target}",
                                 f"decoded size {frame.shape[1]}x{frame.shape[0]} differs from the announced "
                                 f"{self.width}x{self.height}")
            cv2.cvtColor(frame, cv2.COLOR_BGR2RGB, dst=out[i])
        return out

    def _truncated_at(self, frame: int):
        raise InputError(self.path, f"frame {frame}",
                         f"cannot decode frame {frame} of the {self.num_frames} announced: the video is truncated "
                         "or corrupt (open it with verify=True to use only the frames that decode)")

    def close(self) -> None:
        if getattr(self, "_cap", None) is not None:
            self._cap.release()
            self._cap = None


# ---------------------------------------------------------------------------------------- folders


def frame_folder_files(folder: str) -> tuple[list[str], int]:
    """Sorted numbered image files of a frame folder and the number of the first one (0 or 1).

    Raises InputError when the folder holds no numbered image, mixes naming patterns, or skips a number.
    """
    try:
        names = os.listdir(folder)
    except OSError as e:
        raise InputError(folder, None, f"cannot list frame folder ({e.strerror or e})") from None
    numbered: dict[int, str] = {}
    patterns = set()
    for fname in names:
        m = _FRAME_FILE.match(fname)
        if not m or fname.startswith("."):
            continue
        patterns.add((m.group(1), m.group(3).lower()))
        number = int(m.group(2))
        if number in numbered:
            raise InputError(os.path.join(folder, fname), None,
                             f"frame number {number} also used by {numbered[number]!r}")
        numbered[number] = fname
    if not numbered:
        raise InputError(folder, None, "no numbered image files (expected 00001.jpg, image_00001.jpg, ...)")
    if len(patterns) > 1:
        raise InputError(folder, None, f"mixed frame file patterns {sorted(patterns)}")
    numbers = np.array(sorted(numbered), dtype=np.int64)
    first = int(numbers[0])
    if first not in (0, 1):
        raise InputError(folder, None, f"frame numbering starts at {first}; expected 1 (or 0)")
    missing = np.flatnonzero(numbers != np.arange(first, first + len(numbers)))
    if missing.size:
        expected = first + int(missing[0])
        raise InputError(folder, f"frame {expected - first}",
                         f"frame file number {expected} is missing (numbering must be contiguous)")
    return [os.path.join(folder, numbered[n]) for n in numbers.tolist()], first


def _read_fps_sidecar(folder: str) -> float | None:
    path = os.path.join(folder, FPS_SIDECAR)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
        fps = float(text)
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(path, "line 1", "expected one positive number (frames per second)") from None
    if not (math.isfinite(fps) and fps > 0):
        raise InputError(path, "line 1", f"fps must be positive, got {text!r}")
    return fps


def is_frame_folder(path: str) -> bool:
    """True when ``path`` is a directory holding at least one numbered image file."""
    try:
        with os.scandir(path) as it:
            return any(e.is_file() and not e.name.startswith(".") and _FRAME_FILE.match(e.name) for e in it)
    except OSError:
        return False


class FrameFolderVideo(VideoSource):
    """A folder of numbered images: file number ``k + 1`` is frame ``k`` (or ``k`` when numbering starts at 0).

    fps: the ``fps=`` argument, else a ``fps.txt`` sidecar in the folder, else 25 (UCF101's rate).
    """

    def __init__(self, path: str, name: str | None = None, fps: float | None = None):
        import cv2

        self._cv2 = cv2
        self.path = os.fspath(path).rstrip("/\\") or os.fspath(path)
        self.name = name if name is not None else os.path.basename(self.path)
        self.files, self.first_file_number = frame_folder_files(self.path)
        if fps is None:
            fps = _read_fps_sidecar(self.path)
        self.fps = float(fps) if fps is not None else DEFAULT_FOLDER_FPS
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise InputError(self.path, None, f"fps must be positive, got {self.fps!r}")
        self.num_frames = self.announced_frames = len(self.files)
        first = self._imread(0)
        self.height, self.width = first.shape[:2]

    def _imread(self, k: int) -> np.ndarray:
        cv2 = self._cv2
        path = self.files[k]
        frame = cv2.imread(path, cv2.IMREAD_COLOR)
        if frame is None:
            raise InputError(path, f"frame {k}", "cannot decode image (truncated or not an image)")
        return frame

    def _read_sorted(self, unique_idx: np.ndarray) -> np.ndarray:
        out = np.empty((len(unique_idx), self.height, self.width, 3), dtype=np.uint8)
        for i, k in enumerate(unique_idx.tolist()):
            frame = self._imread(k)
            if frame.shape[:2] != (self.height, self.width):
                raise InputError(self.files[k], f"frame {k}",
                                 f"image is {frame.shape[1]}x{frame.shape[0]}, frame 0 is {self.width}x{self.height}")
            self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2RGB, dst=out[i])
        return out


# ------------------------------------------------------------------------------------------ entry


def open_video(path: str | os.PathLike, name: str | None = None, fps: float | None = None,
               verify: bool = False, **kwargs) -> VideoSource:
    """Open a video file (``.mp4``, ``.avi``, ...) or a frame folder.

    ``fps`` overrides the container / sidecar rate. ``verify=True`` decodes a video file once to count
    its frames, so a truncated file reports the frames that really decode (``.truncated``).
    """
    p = os.fspath(path)
    if os.path.isdir(p):
        return FrameFolderVideo(p, name=name, fps=fps)
    if not os.path.exists(p):
        raise InputError(p, None, "video does not exist")
    if not p.lower().endswith(VIDEO_EXTENSIONS):
        raise InputError(p, None, f"not a video file (expected one of {', '.join(VIDEO_EXTENSIONS)}) "
                                  "or a folder of numbered frames")
    return OpenCVVideo(p, name=name, fps=fps, verify=verify, **kwargs)


def count_frames(path: str | os.PathLike) -> int:
    """Frames that really decode in a video file (slow: decodes them all)."""
    with open_video(path, verify=True) as v:
        return v.num_frames


# ------------------------------------------------------------------------------- long-run safety

#: exceptions that mean "this video is bad", not "the program is broken"
VIDEO_ERRORS: tuple[type[BaseException], ...] = (InputError, OSError)


def _video_errors() -> tuple[type[BaseException], ...]:
    import cv2

    return VIDEO_ERRORS + (cv2.error,)


def iter_readable(videos: Iterable[tuple[str, str]], failures: list[tuple[str, str]],
                  notes: list[tuple[str, str]] | None = None, *, fps: float | None = None,
                  verify: bool = False) -> Iterator[VideoSource]:
    """Open each ``(name, path)``; yield the ones that open and record ``(name, reason)`` for the others.

    With ``verify=True`` truncated files are yielded with their decodable frame count and noted in
    ``notes``. Each source is closed when the consumer asks for the next one. Wrap the work on each
    source in :func:`skip_failures` so a frame that fails to decode mid-way skips only that video.
    """
    errors = _video_errors()
    for name, path in videos:
        try:
            src = open_video(path, name=name, fps=fps, verify=verify)
        except errors as e:
            failures.append((name, str(e)))
            continue
        if notes is not None and getattr(src, "truncated", False):
            notes.append((name, f"{src.path}: only {src.num_frames} of the {src.announced_frames} announced "
                                f"frames decode; using {src.num_frames}"))
        try:
            yield src
        finally:
            src.close()


@contextlib.contextmanager
def skip_failures(failures: list[tuple[str, str]], name: str):
    """Context manager: a bad-video error inside the block is recorded as ``(name, reason)`` and swallowed."""
    try:
        yield
    except _video_errors() as e:
        failures.append((name, str(e)))


__all__ = ["VideoSource", "OpenCVVideo", "FrameFolderVideo", "open_video", "count_frames", "iter_readable",
           "skip_failures", "frame_folder_files", "is_frame_folder", "VIDEO_EXTENSIONS", "IMAGE_EXTENSIONS",
           "DEFAULT_FOLDER_FPS", "FPS_SIDECAR"]
