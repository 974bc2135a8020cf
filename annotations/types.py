"""Small typed in-memory structures shared by every reader, writer and evaluator.

Everything is column-oriented numpy arrays (one row per segment / box), so evaluators can stay
vectorised. Units are in the names: ``t_start_s`` is seconds, ``frame_idx`` is a 0-based frame
index, ``boxes_xyxy`` is ``[x1, y1, x2, y2]`` in pixels (continuous coordinates, no +1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: THUMOS'14 label of segments that are neither positive nor negative for any class.
AMBIGUOUS = "Ambiguous"


def _str_array(values) -> np.ndarray:
    """``values`` as a numpy unicode array (returned as is when it already is one: readers build them)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "U" and values.ndim == 1:
        return values
    return np.asarray(values, dtype=object).astype(str) if len(values) else np.zeros(0, dtype=str)


def _summary(table, what: str, extra: str = "") -> str:
    """One-line description shared by Segments and FrameBoxes."""
    kind = "ground truth" if table.score is None else "detections"
    n_videos = len(table.videos)
    n_classes = len(set(table.label.tolist())) if len(table) else 0
    text = f"{type(table).__name__}({kind}, {len(table)} {what}, {n_videos} videos, {n_classes} labels{extra}"
    if table.source:
        text += f", from {table.source}"
    if table.notes:
        text += f", {len(table.notes)} note(s)"
    return text + ")"


def _finish_columns(table, columns: tuple[str, ...]) -> None:
    """Shared end of Segments / FrameBoxes construction: float scores, equal column lengths, and
    ``videos`` defaulting to the videos of the rows in first-seen order."""
    if table.score is not None:
        object.__setattr__(table, "score", np.asarray(table.score, dtype=np.float64).reshape(-1))
    n = len(table.video)
    for name in columns + (("score",) if table.score is not None else ()):
        if len(getattr(table, name)) != n:
            raise ValueError(f"{type(table).__name__}.{name} has {len(getattr(table, name))} rows, video has {n}")
    videos = tuple(table.videos) if table.videos else tuple(dict.fromkeys(table.video.tolist()))
    object.__setattr__(table, "videos", videos)


@dataclass(frozen=True, eq=False)
class Segments:
    """Temporal segments: ground truth when ``score`` is None, detections otherwise.

    ``videos`` lists every video of the set, including videos without any row: for ground truth
    it is the evaluated set (a detection in a video outside it is reported, not silently dropped).
    """

    video: np.ndarray  # (N,) str
    t_start_s: np.ndarray  # (N,) float64
    t_end_s: np.ndarray  # (N,) float64
    label: np.ndarray  # (N,) str class name; AMBIGUOUS allowed in ground truth
    score: np.ndarray | None = None  # (N,) float64, detections only
    videos: tuple[str, ...] = ()
    source: str = ""  # file it was read from, for messages
    #: what the reader changed or noticed (e.g. "3 rows with start > end swapped, as TH14evalDet does");
    #: the evaluation path prints them, shows them under the table and writes them to metrics.json
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "video", _str_array(self.video))
        object.__setattr__(self, "label", _str_array(self.label))
        object.__setattr__(self, "t_start_s", np.asarray(self.t_start_s, dtype=np.float64).reshape(-1))
        object.__setattr__(self, "t_end_s", np.asarray(self.t_end_s, dtype=np.float64).reshape(-1))
        _finish_columns(self, ("t_start_s", "t_end_s", "label"))

    def __len__(self) -> int:
        return len(self.video)

    @property
    def classes(self) -> tuple[str, ...]:
        """Sorted class names present (AMBIGUOUS excluded).

        >>> Segments(["v", "v"], [0, 1], [1, 2], ["b", AMBIGUOUS]).classes
        ('b',)
        """
        return tuple(sorted(set(self.label.tolist()) - {AMBIGUOUS}))

    def __repr__(self) -> str:
        """One line: ground truth or detections, rows, videos, labels, source.

        >>> Segments(["v"], [1.0], [2.5], ["a"], [0.9])
        Segments(detections, 1 segments, 1 videos, 1 labels)
        """
        return _summary(self, "segments")

    def to_dataframe(self):
        """``pandas.DataFrame`` with columns ``video, t_start_s, t_end_s, label[, score]``, one row per segment.

        >>> Segments(["v"], [1.0], [2.5], ["a"]).to_dataframe().values.tolist()
        [['v', 1.0, 2.5, 'a']]
        """
        import pandas as pd

        cols = {"video": self.video, "t_start_s": self.t_start_s, "t_end_s": self.t_end_s, "label": self.label}
        if self.score is not None:
            cols["score"] = self.score
        return pd.DataFrame(cols)

    def select(self, mask: np.ndarray) -> "Segments":
        """Rows where ``mask`` is true (the ``videos`` set is kept).

        >>> s = Segments(["v", "w"], [0, 1], [1, 2], ["a", "a"])
        >>> len(s.select(np.array([False, True]))), s.select(np.array([False, True])).videos
        (1, ('v', 'w'))
        """
        return Segments(self.video[mask], self.t_start_s[mask], self.t_end_s[mask], self.label[mask],
                        None if self.score is None else self.score[mask], self.videos, self.source, self.notes)


@dataclass(frozen=True, eq=False)
class FrameBoxes:
    """Per-frame boxes: ground truth when ``score`` is None, detections otherwise.

    ``frame_idx`` is 0-based, as in ``pyannot.pkl``. ``videos`` lists every video of the set.
    """

    video: np.ndarray  # (N,) str
    frame_idx: np.ndarray  # (N,) int64, 0-based
    label: np.ndarray  # (N,) str
    boxes_xyxy: np.ndarray  # (N, 4) float64 pixels
    score: np.ndarray | None = None  # (N,) float64
    videos: tuple[str, ...] = ()
    source: str = ""
    notes: tuple[str, ...] = ()  # as Segments.notes

    def __post_init__(self):
        object.__setattr__(self, "video", _str_array(self.video))
        object.__setattr__(self, "label", _str_array(self.label))
        object.__setattr__(self, "frame_idx", np.asarray(self.frame_idx, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "boxes_xyxy", np.asarray(self.boxes_xyxy, dtype=np.float64).reshape(-1, 4))
        _finish_columns(self, ("frame_idx", "label", "boxes_xyxy"))

    def __len__(self) -> int:
        return len(self.video)

    @property
    def classes(self) -> tuple[str, ...]:
        """Sorted class names present.

        >>> FrameBoxes(["v", "v"], [0, 0], ["b", "a"], [[0, 0, 1, 1]] * 2).classes
        ('a', 'b')
        """
        return tuple(sorted(set(self.label.tolist())))

    def __repr__(self) -> str:
        """One line: ground truth or detections, rows, videos, labels, source.

        >>> FrameBoxes(["v", "v"], [0, 1], ["a", "a"], [[0, 0, 10, 10]] * 2)
        FrameBoxes(ground truth, 2 boxes, 1 videos, 1 labels)
        """
        return _summary(self, "boxes")

    def to_dataframe(self):
        """``pandas.DataFrame`` with columns ``video, frame_idx, label[, score], x1, y1, x2, y2``, one row per box.

        >>> FrameBoxes(["v"], [3], ["a"], [[0, 0, 10, 5]], [0.5]).to_dataframe().values.tolist()
        [['v', 3, 'a', 0.5, 0.0, 0.0, 10.0, 5.0]]
        """
        import pandas as pd

        cols = {"video": self.video, "frame_idx": self.frame_idx, "label": self.label}
        if self.score is not None:
            cols["score"] = self.score
        for j, c in enumerate(("x1", "y1", "x2", "y2")):
            cols[c] = self.boxes_xyxy[:, j]
        return pd.DataFrame(cols)

    def select(self, mask: np.ndarray) -> "FrameBoxes":
        """Rows where ``mask`` is true (the ``videos`` set is kept).

        >>> FrameBoxes(["v", "w"], [0, 0], ["a", "a"], [[0, 0, 1, 1]] * 2).select(np.array([True, False])).video.tolist()
        ['v']
        """
        return FrameBoxes(self.video[mask], self.frame_idx[mask], self.label[mask], self.boxes_xyxy[mask],
                          None if self.score is None else self.score[mask], self.videos, self.source, self.notes)


@dataclass(frozen=True, eq=False)
class Tube:
    """One actor track: contiguous 0-based frames ``frame_idx`` with one box each."""

    video: str
    label: str
    frame_idx: np.ndarray  # (L,) int64, contiguous, 0-based
    boxes_xyxy: np.ndarray  # (L, 4) float64
    score: float = float("nan")  # detections only

    def __post_init__(self):
        object.__setattr__(self, "frame_idx", np.asarray(self.frame_idx, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "boxes_xyxy", np.asarray(self.boxes_xyxy, dtype=np.float64).reshape(-1, 4))
        if len(self.frame_idx) != len(self.boxes_xyxy):
            raise ValueError("Tube.frame_idx and Tube.boxes_xyxy differ in length")

    @property
    def start_frame(self) -> int:
        """First frame (0-based).

        >>> Tube("v", "a", [3, 4], [[0, 0, 1, 1]] * 2).start_frame
        3
        """
        return int(self.frame_idx[0])

    @property
    def end_frame(self) -> int:
        """Last frame, inclusive.

        >>> Tube("v", "a", [3, 4], [[0, 0, 1, 1]] * 2).end_frame
        4
        """
        return int(self.frame_idx[-1])


@dataclass(frozen=True)
class VideoInfo:
    """What a dataset knows about one video."""

    name: str
    label: str | None = None  # video-level class, for trimmed datasets
    num_frames: int | None = None
    fps: float | None = None
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, eq=False)
class TubeDataset:
    """A spatio-temporal dataset such as UCF101-24: videos, their tubes, class list and splits."""

    classes: tuple[str, ...]
    videos: dict[str, VideoInfo]
    tubes: tuple[Tube, ...]
    train_videos: tuple[str, ...] = ()
    test_videos: tuple[str, ...] = ()
    source: str = ""
    notes: tuple[str, ...] = ()  # as Segments.notes (e.g. where the class names came from)

    def tubes_of(self, videos) -> tuple[Tube, ...]:
        """The tubes of ``videos``, in dataset order.

        >>> ds = TubeDataset(("a",), {}, (Tube("v", "a", [0], [[0, 0, 1, 1]]), Tube("w", "a", [0], [[0, 0, 1, 1]])))
        >>> [t.video for t in ds.tubes_of(["w"])]
        ['w']
        """
        keep = set(videos)
        return tuple(t for t in self.tubes if t.video in keep)

    def frame_boxes(self, videos=None) -> FrameBoxes:
        """Ground-truth boxes of ``videos`` (default: all) flattened to one row per box.

        >>> ds = TubeDataset(("a",), {"v": VideoInfo("v")}, (Tube("v", "a", [3, 4], [[0, 0, 1, 1]] * 2),))
        >>> ds.frame_boxes().frame_idx.tolist()
        [3, 4]
        """
        names = tuple(self.videos) if videos is None else tuple(videos)
        tubes = self.tubes_of(names)
        if not tubes:
            return FrameBoxes(np.zeros(0, str), np.zeros(0, np.int64), np.zeros(0, str), np.zeros((0, 4)),
                              videos=names, source=self.source)
        lengths = [len(t.frame_idx) for t in tubes]
        return FrameBoxes(
            # str() per tube, then repeat: the same '<U' array as converting every repeated row (10x faster)
            video=np.repeat(np.array([t.video for t in tubes], dtype=object).astype(str), lengths),
            frame_idx=np.concatenate([t.frame_idx for t in tubes]),
            label=np.repeat(np.array([t.label for t in tubes], dtype=object).astype(str), lengths),
            boxes_xyxy=np.concatenate([t.boxes_xyxy for t in tubes]),
            videos=names,
            source=self.source,
        )


@dataclass(frozen=True, eq=False)
class ClassScores:
    """Video-level class scores of a model, for classification accuracy beside localization."""

    videos: tuple[str, ...]
    classes: tuple[str, ...]
    scores: np.ndarray  # (V, C) float64
    source: str = ""

    def top1(self) -> dict[str, str]:
        """The highest-scoring class of each video.

        >>> ClassScores(("v",), ("a", "b"), np.array([[0.2, 0.7]])).top1()
        {'v': 'b'}
        """
        idx = np.argmax(self.scores, axis=1)
        return {v: self.classes[i] for v, i in zip(self.videos, idx)}


__all__ = ["AMBIGUOUS", "Segments", "FrameBoxes", "Tube", "VideoInfo", "TubeDataset", "ClassScores"]
