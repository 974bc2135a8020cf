"""THUMOS'14 temporal formats: per-class ground-truth txt files, detection txt, video-info CSVs.

All times are seconds (floats). Class ids are the official detection ids (``7 BaseballPitch`` ...
``97 VolleyballSpiking``), bundled in ``annotations/classes/thumos14_detection.txt``.
"""
from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np

from annotations._temporal_parse import (fast_segments, listed, odd_row_notes, parse_float, parse_interval,
                                        parse_score, parse_times)
from annotations.textfiles import read_text
from annotations.atomic import atomic_open
from annotations.errors import InputError, require_dir
from annotations.types import AMBIGUOUS, Segments, VideoInfo

BUNDLED_CLASS_INDEX = Path(__file__).resolve().parent / "classes" / "thumos14_detection.txt"
#: file-name suffix of a subset in the class-txt files (``--subset validation`` reads ``*_val.txt``)
SUBSET_SUFFIX = {"validation": "val"}


def read_class_index(path: str | os.PathLike | None = None) -> dict[int, str]:
    """Official ``class_id -> class name`` of the detection classes (default: the bundled list)."""
    path = BUNDLED_CLASS_INDEX if path is None else path
    index: dict[int, str] = {}
    for line_no, line in enumerate(read_text(path, "class index file").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        where = f"line {line_no}"
        if len(parts) != 2:
            raise InputError(path, where, f"expected 'class_id class_name', found {len(parts)} columns")
        try:
            class_id = int(parts[0])
        except ValueError:
            raise InputError(path, where, f"class id is not an integer: {parts[0]!r}") from None
        if class_id in index:
            raise InputError(path, where, f"class id {class_id} appears twice")
        if parts[1] in index.values():
            raise InputError(path, where, f"class name {parts[1]!r} appears twice")
        if parts[1] == AMBIGUOUS:
            raise InputError(path, where, f"{AMBIGUOUS!r} is not a class")
        index[class_id] = parts[1]
    if not index:
        raise InputError(path, None, "class index is empty")
    return index


def _class_index(class_index) -> dict[int, str]:
    """``class_index`` as a dict: None = bundled list, a path = that file, a mapping = itself."""
    if class_index is None or isinstance(class_index, (str, os.PathLike)):
        return read_class_index(class_index)
    return dict(class_index)


# --------------------------------------------------------------------------- per-class ground truth


def _read_gt_class_file(path: str, label: str, rows: list) -> None:
    for line_no, line in enumerate(read_text(path, "ground-truth file").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        where = f"line {line_no}"
        if len(parts) != 3:
            raise InputError(path, where, f"expected 'video t_start t_end', found {len(parts)} columns")
        t_start_s, t_end_s = parse_interval(parts[1], parts[2], path, where)
        rows.append((parts[0], t_start_s, t_end_s, label))


def read_class_txt_dir(directory: str | os.PathLike, subset: str = "test", class_index=None) -> Segments:
    """Read every ``<Class>_<subset>.txt`` (``Ambiguous_<subset>.txt`` included, label AMBIGUOUS).

    Rows are in class-index order then file order, as ``TH14evalDet_Updated.m`` reads them;
    ``videos`` is every video named in those files, sorted.
    """
    directory = require_dir(directory, "ground-truth directory")
    suffix = f"_{SUBSET_SUFFIX.get(subset, subset)}.txt"
    present = {f[: -len(suffix)] for f in os.listdir(directory) if f.endswith(suffix)}
    if not present:
        inner = os.path.join(directory, "groundtruth")
        hint = f"; did you mean {inner}?" if os.path.isdir(inner) else ""
        others = sorted({f.rsplit("_", 1)[1][:-4] for f in os.listdir(directory) if f.endswith(".txt") and "_" in f})
        found = f" (subsets found: {', '.join(others)})" if others and not hint else ""
        raise InputError(directory, None, f"no <Class>{suffix} ground-truth file here{found}{hint}")
    if class_index is None and os.path.isfile(os.path.join(directory, "detclasslist.txt")):
        class_index = os.path.join(directory, "detclasslist.txt")  # where TH14evalDet_Updated.m reads it
    names = list(_class_index(class_index).values())
    unknown = sorted(present - set(names) - {AMBIGUOUS})
    if unknown:
        hint = ""
        sibling = os.path.join(os.path.dirname(os.path.abspath(directory)), "class_index_detection.txt")
        if class_index is None and os.path.isfile(sibling):
            hint = (f"; a class index sits next to this folder: pass class_index={sibling!r} (and the same "
                    "class_index for THUMOS-format detections, whose class ids it defines)")
        elif class_index is None:
            hint = "; pass class_index= a file of 'class_id class_name' lines for a custom class set"
        raise InputError(os.path.join(directory, unknown[0] + suffix), None,
                         f"class {unknown[0]!r} is not in the class index ({len(names)} classes"
                         f"{', the bundled THUMOS-14 list' if class_index is None else ''}){hint}")
    rows: list = []
    for label in names + [AMBIGUOUS]:
        path = os.path.join(directory, label + suffix)
        if label not in present:
            raise InputError(path, None, "ground-truth file is missing (the official evaluator needs one per "
                                         "class and one for Ambiguous, even if empty)")
        _read_gt_class_file(path, label, rows)
    video, t_start_s, t_end_s, label = zip(*rows) if rows else ((), (), (), ())
    return Segments(np.array(video, dtype=str), np.array(t_start_s, dtype=np.float64),
                    np.array(t_end_s, dtype=np.float64), np.array(label, dtype=str),
                    videos=tuple(sorted(set(video))), source=directory)


def write_class_txt_dir(directory: str | os.PathLike, segments: Segments, subset: str = "test",
                        class_index=None) -> None:
    """Write one ``<Class>_<subset>.txt`` per class of the index, plus ``Ambiguous_<subset>.txt``.

    Lines are ``video  t_start t_end`` (two spaces, as the official files), shortest round-trip floats.
    """
    names = list(_class_index(class_index).values())
    labels = segments.label
    unknown = sorted(set(labels.tolist()) - set(names) - {AMBIGUOUS})
    if unknown:
        raise InputError(os.fspath(directory), None, f"label {unknown[0]!r} is not in the class index")
    os.makedirs(directory, exist_ok=True)
    for label in names + [AMBIGUOUS]:
        idx = np.flatnonzero(labels == label)
        lines = [f"{v}  {s!r} {e!r}\n" for v, s, e in zip(segments.video[idx].tolist(),
                                                           segments.t_start_s[idx].tolist(),
                                                           segments.t_end_s[idx].tolist())]
        with atomic_open(os.path.join(directory, f"{label}_{subset}.txt"), "w", encoding="utf-8", newline="") as f:
            f.writelines(lines)


# --------------------------------------------------------------------------- detections txt


def _strip_mp4(video: str) -> str:
    return video[:-4] if video.endswith(".mp4") else video


def _class_id_problem(token: str, index: dict[int, str]) -> str:
    """The message for a class-id token that is not an integer; names the fix when it is a class name."""
    if token in index.values() or token.lower() in (n.lower() for n in index.values()):
        return (f"the class-id column holds a class name ({token!r}); THUMOS-format detections carry the official "
                "numeric ids (class_index_detection.txt: 7 BaseballPitch ... 97 VolleyballSpiking): write the ids, "
                "write ActivityNet result JSON (which names classes), or pass class_index= a file mapping your ids")
    return f"class id is not an integer: {token!r}"


def _line_numbers(path: str) -> np.ndarray:
    """1-based line number of each non-blank line (row) of a text file."""
    return np.array([n for n, line in enumerate(read_text(path, "detection file").splitlines(), 1) if line.split()],
                    dtype=np.int64)


def _read_detections_fast(path: str, index: dict[int, str]):
    """(video, start, end, class_id, score) arrays via pandas' C parser, or None when anything looks
    off (the line-by-line reader then finds the bad line and names it)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return None
    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, names=["video", "s", "e", "cls", "score"],
                         dtype={"video": object, "s": np.float64, "e": np.float64, "cls": np.int64, "score": np.float64},
                         engine="c", na_filter=False, skip_blank_lines=True, encoding="utf-8-sig", quoting=3,
                         # exact decimal-to-double as Python's float(): the default from pandas 3 on
                         **({} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}))
    except Exception:  # noqa: BLE001 - any parser complaint: let the exact reader explain it
        return None
    if not isinstance(df.index, pd.RangeIndex) or df.shape[1] != 5:
        return None
    s, e, score = (df[c].to_numpy(np.float64) for c in ("s", "e", "score"))
    cls = df["cls"].to_numpy(np.int64)
    if not (np.isfinite(s).all() and np.isfinite(e).all() and np.isfinite(score).all()):
        return None
    ids = np.array(sorted(index), dtype=np.int64)
    if len(cls):
        if cls.min() < 0 or cls.max() > ids.max():
            return None
        known = np.zeros(int(ids.max()) + 1, bool)
        known[ids] = True
        if not known[cls].all():
            return None
    codes, uniques = pd.factorize(df["video"], sort=True)
    del df
    uniques = np.asarray(uniques, dtype=object)
    if any(not u for u in uniques):
        return None
    return codes.astype(np.int64), uniques, s, e, cls, score


def read_detections_txt(path: str | os.PathLike, class_index=None, allow_empty: bool = False) -> Segments:
    """Read ``video t_start t_end class_id score`` lines (whitespace-separated, official class ids).

    Parameters
    ----------
    path : str or PathLike
    class_index : None, path or mapping
        Class ids: None = the bundled official list.
    allow_empty : bool
        An empty file gives empty detections (with a note) instead of an InputError.

    Returns
    -------
    Segments
        Times in seconds as written; scores are any finite numbers. A trailing ``.mp4`` on the video
        name is dropped, as the official evaluator does. Rows with t_start > t_end and zero-length
        rows are kept and named in ``notes`` (each protocol has its own rule for them).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "det.txt")
    >>> _ = open(p, "w").write("video_test_1 1.5 2.5 7 -0.3\\n")
    >>> d = read_detections_txt(p)
    >>> d.video.tolist(), d.label.tolist(), d.score.tolist()
    (['video_test_1'], ['BaseballPitch'], [-0.3])
    """
    path = os.fspath(path)
    index = _class_index(class_index)
    fast = _read_detections_fast(path, index) if os.path.isfile(path) else None
    if fast is None:
        video_codes, video_names, t_start_s, t_end_s, class_ids, score = _read_detections_slow(path, index)
    else:
        video_codes, video_names, t_start_s, t_end_s, class_ids, score = fast
    # ".mp4" dropped as TH14evalDet_Updated.m does; names merged again if that made two equal
    stripped = np.array([_strip_mp4(str(v)) for v in video_names], dtype=str)
    video_names, remap = np.unique(stripped, return_inverse=True)
    video_codes = remap.reshape(-1)[video_codes] if len(video_codes) else video_codes
    label_names = np.array(sorted(index.values()), dtype=str)
    id_to_code = {cid: int(np.searchsorted(label_names, name)) for cid, name in index.items()}
    ids = np.array(sorted(index), dtype=np.int64)
    label_codes = (np.array([id_to_code[int(i)] for i in ids], dtype=np.int64)[np.searchsorted(ids, class_ids)]
                   if len(class_ids) else np.zeros(0, np.int64))
    notes = []
    if len(video_codes) == 0:
        if not allow_empty:
            raise InputError(path, None, "detection file is empty")
        notes.append("the detection file holds no detection: every AP is 0")
    lines = None

    def where_of(idx):
        nonlocal lines
        lines = _line_numbers(path) if lines is None else lines
        return "line(s) " + ", ".join(str(int(lines[i])) for i in idx)

    notes += odd_row_notes(t_start_s, t_end_s, None, where_of)
    return fast_segments(video_codes, video_names, t_start_s, t_end_s, label_codes, label_names, score,
                         _first_seen(video_codes, video_names), path, tuple(notes))


def _first_seen(codes: np.ndarray, names: np.ndarray) -> tuple[str, ...]:
    """Distinct names in order of first appearance."""
    if len(codes) == 0:
        return ()
    first = np.full(len(names), len(codes))
    np.minimum.at(first, codes, np.arange(len(codes)))
    used = np.flatnonzero(first < len(codes))
    return tuple(names[used[np.argsort(first[used])]].tolist())


def _read_detections_slow(path: str, index: dict[int, str]):
    """The line-by-line reader: every problem is an InputError naming its line."""
    video, t_start_s, t_end_s, class_ids, score = [], [], [], [], []
    for line_no, line in enumerate(read_text(path, "detection file").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        where = f"line {line_no}"
        if len(parts) != 5:
            raise InputError(path, where, f"expected 'video t_start t_end class_id score', found {len(parts)} columns")
        s, e = parse_times(parts[1], parts[2], path, where)
        try:
            class_id = int(parts[3])
        except ValueError:
            raise InputError(path, where, _class_id_problem(parts[3], index)) from None
        if class_id not in index:
            raise InputError(path, where, f"class id {class_id} is not a THUMOS'14 detection class "
                                          f"(known ids: {', '.join(map(str, sorted(index)))}); pass class_index= "
                                          "for another class set")
        video.append(parts[0])
        t_start_s.append(s)
        t_end_s.append(e)
        class_ids.append(class_id)
        score.append(parse_score(parts[4], path, where))
    names, codes = np.unique(np.array(video, dtype=str), return_inverse=True) if video else (np.zeros(0, str), np.zeros(0, np.int64))
    return (codes.reshape(-1).astype(np.int64), names.astype(object), np.array(t_start_s, dtype=np.float64),
            np.array(t_end_s, dtype=np.float64), np.array(class_ids, dtype=np.int64), np.array(score, dtype=np.float64))


def write_detections_txt(path: str | os.PathLike, segments: Segments, class_index=None) -> None:
    """Write ``video t_start t_end class_id score`` lines with the official class ids."""
    path = os.fspath(path)
    if segments.score is None:
        raise InputError(path, None, "segments have no scores: these are not detections")
    ids = {name: class_id for class_id, name in _class_index(class_index).items()}
    labels = segments.label.tolist()
    for row, name in enumerate(labels):
        if name not in ids:
            raise InputError(path, f"row {row}", f"label {name!r} has no THUMOS'14 class id")
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.writelines(f"{v} {s!r} {e!r} {ids[c]} {p!r}\n" for v, s, e, c, p in zip(
            segments.video.tolist(), segments.t_start_s.tolist(), segments.t_end_s.tolist(), labels,
            segments.score.tolist()))


# --------------------------------------------------------------------------- CSV files


def _csv_rows(path: str, required: tuple[str, ...]):
    """(line number, row dict) of a CSV with a header that has the ``required`` columns."""
    reader = csv.DictReader(io.StringIO(read_text(path, "CSV file")))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(path, "line 1", f"header lacks column(s) {', '.join(missing)} (found: {', '.join(header) or 'nothing'})")
    for row in reader:
        line_no = reader.line_num
        if None in row or any(row[c] is None for c in required):
            raise InputError(path, f"line {line_no}", f"expected {len(header)} columns")
        yield line_no, row


def _frame_count(token, path, where, what) -> int:
    value = parse_float(token, path, where, what)
    if value < 0 or value != int(value):
        raise InputError(path, where, f"{what} must be a non-negative whole number, got {token!r}")
    return int(value)


def _positive(token, path, where, what) -> float:
    value = parse_float(token, path, where, what)
    if value <= 0:
        raise InputError(path, where, f"{what} must be positive, got {token!r}")
    return value


def read_video_info_csv(path: str | os.PathLike) -> dict[str, VideoInfo]:
    """Read ``test_video_info.csv`` / ``val_video_info.csv`` (``video, fps, sample_fps, count, sample_count``).

    ``duration_s`` is ``count / fps``; ``sample_fps`` / ``sample_count`` are checked but not kept.
    """
    path = os.fspath(path)
    infos: dict[str, VideoInfo] = {}
    for line_no, row in _csv_rows(path, ("video", "fps", "count")):
        where = f"line {line_no}"
        name = row["video"].strip()
        if not name:
            raise InputError(path, where, "empty video name")
        if name in infos:
            raise InputError(path, where, f"video {name!r} appears twice")
        fps = _positive(row["fps"], path, where, "fps")
        count = _frame_count(row["count"], path, where, "count")
        for extra in ("sample_fps", "sample_count"):
            if row.get(extra) not in (None, ""):
                parse_float(row[extra], path, where, extra)
        infos[name] = VideoInfo(name=name, num_frames=count, fps=fps, duration_s=count / fps)
    if not infos:
        raise InputError(path, None, "no video rows")
    return infos


def write_video_info_csv(path: str | os.PathLike, infos, sample_fps: float = 10.0) -> None:
    """Write ``video,fps,sample_fps,count,sample_count``; ``sample_count = floor(count * sample_fps / fps)``.

    ``infos`` is a mapping or an iterable of VideoInfo with ``fps`` and ``num_frames`` set.
    """
    path = os.fspath(path)
    items = list(infos.values()) if isinstance(infos, dict) else list(infos)
    lines = ["video,fps,sample_fps,count,sample_count\n"]
    for row, info in enumerate(items):
        if info.fps is None or info.num_frames is None:
            raise InputError(path, f"row {row}", f"video {info.name!r} lacks fps or num_frames")
        sample_count = math.floor(info.num_frames / info.fps * sample_fps + 1e-9)
        lines.append(f"{info.name},{float(info.fps)!r},{float(sample_fps)!r},{float(info.num_frames)!r},{sample_count}\n")
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.writelines(lines)


GROUNDTRUTH_CSV_COLUMNS = ("video-name", "t-init", "t-end", "f-init", "f-end", "video-duration",
                           "frame-rate", "video-frames", "label-idx")


def read_groundtruth_csv(path: str | os.PathLike, class_index=None) -> tuple[Segments, dict[str, VideoInfo]]:
    """Read ``thumos14_test_groundtruth.csv``: one row per instance with the video's duration, fps, frames.

    ``label-idx`` indexes the class names sorted alphabetically (0-19); -1 is Ambiguous.
    """
    path = os.fspath(path)
    names = sorted(_class_index(class_index).values())
    video, t_start_s, t_end_s, label = [], [], [], []
    infos: dict[str, VideoInfo] = {}
    for line_no, row in _csv_rows(path, GROUNDTRUTH_CSV_COLUMNS):
        where = f"line {line_no}"
        name = row["video-name"].strip()
        if not name:
            raise InputError(path, where, "empty video name")
        s, e = parse_interval(row["t-init"], row["t-end"], path, where)
        try:
            label_idx = int(row["label-idx"])
        except ValueError:
            raise InputError(path, where, f"label-idx is not an integer: {row['label-idx']!r}") from None
        if not -1 <= label_idx < len(names):
            raise InputError(path, where, f"label-idx {label_idx} is out of range (-1 for Ambiguous, 0..{len(names) - 1})")
        info = VideoInfo(name=name, num_frames=_frame_count(row["video-frames"], path, where, "video-frames"),
                         fps=_positive(row["frame-rate"], path, where, "frame-rate"),
                         duration_s=parse_float(row["video-duration"], path, where, "video-duration"))
        if infos.setdefault(name, info) != info:
            raise InputError(path, where, f"video {name!r} has a different duration, frame-rate or frame count "
                                          "than on its earlier rows")
        video.append(name)
        t_start_s.append(s)
        t_end_s.append(e)
        label.append(AMBIGUOUS if label_idx == -1 else names[label_idx])
    if not video:
        raise InputError(path, None, "no ground-truth rows")
    segments = Segments(np.array(video, dtype=str), np.array(t_start_s), np.array(t_end_s),
                        np.array(label, dtype=str), videos=tuple(infos), source=path)
    return segments, infos


__all__ = ["BUNDLED_CLASS_INDEX", "read_class_index", "read_class_txt_dir", "write_class_txt_dir",
           "read_detections_txt", "write_detections_txt", "read_video_info_csv", "write_video_info_csv",
           "read_groundtruth_csv"]
