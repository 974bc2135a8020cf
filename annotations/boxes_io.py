"""Per-frame box CSV and tube CSV readers / writers (pandas for speed, strict validation).

Per-frame boxes: ``video,frame,label,score,x1,y1,x2,y2`` (``score`` absent for ground truth),
``frame`` 0-based, pixels continuous. Tubes: ``tube,video,label,score,frame,x1,y1,x2,y2``, one row
per frame of a tube; a tube's rows share video, label and score and cover contiguous frames.
"""
from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from annotations.atomic import atomic_open
from annotations.errors import InputError, require_file
from annotations.types import FrameBoxes, Tube

BOX_COLUMNS = ("video", "frame", "label", "score", "x1", "y1", "x2", "y2")
TUBE_COLUMNS = ("tube", "video", "label", "score", "frame", "x1", "y1", "x2", "y2")
_COORDS = ("x1", "y1", "x2", "y2")


def _line(row: int) -> str:
    """CSV line of 0-based data row ``row`` (line 1 is the header)."""
    return f"line {int(row) + 2}"


def _read_table(p: str, required: tuple, optional: tuple, text_cols: tuple) -> pd.DataFrame:
    """Read a CSV with a header into a DataFrame, turning every parse failure into an InputError."""
    dtypes = {c: str for c in text_cols}
    try:
        df = pd.read_csv(p, dtype=dtypes, engine="c", skipinitialspace=True, skip_blank_lines=False,
                         keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise InputError(p, None, "empty file (expected a header line " + ",".join(required) + ")") from None
    except pd.errors.ParserError as e:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        if m:
            raise InputError(p, f"line {m.group(2)}", f"expected {m.group(1)} fields, found {m.group(3)}") from None
        raise InputError(p, None, f"malformed CSV ({e})") from None
    except UnicodeDecodeError as e:
        raise InputError(p, None, f"not UTF-8 text ({e})") from None
    except ValueError as e:  # dtype conversion problems
        raise InputError(p, None, f"malformed CSV ({e})") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(p, "line 1", f"missing column(s) {', '.join(missing)}; expected header "
                         + ",".join(required))
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():
        df = df[~blank]
    return df


def _text_column(df: pd.DataFrame, col: str, p: str, codes_out: dict | None = None) -> np.ndarray:
    """A stripped, non-empty text column as a numpy unicode array; distinct values are stripped once.

    ``codes_out[col]`` receives (int64 codes, distinct names) for evaluators (see :func:`read_boxes_csv`).
    """
    codes, uniques = pd.factorize(df[col], use_na_sentinel=True)
    stripped = np.array([str(u).strip() for u in uniques], dtype=str) if len(uniques) else np.zeros(0, dtype=str)
    empty = np.flatnonzero(stripped == "") if len(stripped) else np.zeros(0, np.int64)
    bad = (codes < 0) | np.isin(codes, empty)
    if bad.any():
        raise InputError(p, _line(df.index[np.flatnonzero(bad)[0]]), f"empty {col}")
    if codes_out is not None:
        codes_out[col] = (codes.astype(np.int64, copy=False), stripped.tolist())
    return stripped[codes] if len(codes) else np.zeros(0, dtype=str)


def _numeric_column(df: pd.DataFrame, col: str, p: str, integer: bool = False) -> np.ndarray:
    """A float64 (or int64) column; the first unparsable / missing / non-finite cell is reported."""
    values = df[col]
    if not pd.api.types.is_numeric_dtype(values):
        coerced = pd.to_numeric(values, errors="coerce")
        bad = coerced.isna().to_numpy() & values.notna().to_numpy()
        if bad.any():
            i = np.flatnonzero(bad)[0]
            raise InputError(p, _line(df.index[i]), f"{col} is not a number: {str(values.iloc[i])!r}")
        values = coerced
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(arr)
    if bad.any():
        i = np.flatnonzero(bad)[0]
        what = "missing or NaN" if np.isnan(arr[i]) else f"not finite ({arr[i]})"
        raise InputError(p, _line(df.index[i]), f"{col} is {what}")
    if integer:
        frac = arr != np.round(arr)
        if frac.any():
            i = np.flatnonzero(frac)[0]
            raise InputError(p, _line(df.index[i]), f"{col} must be an integer, found {str(df[col].iloc[i])!r}")
        return arr.astype(np.int64)
    return arr


def _xywh_hint(boxes: np.ndarray) -> str:
    """Whether reading the four coordinate columns as ``x, y, w, h`` would give valid boxes on every row."""
    if len(boxes) and np.all(boxes[:, 2:] >= 0):
        return ("; every row would be valid read as x, y, w, h: boxes look like x, y, w, h; write x2 = x + w, "
                "y2 = y + h")
    return "; reading the columns as x, y, w, h would not fit every row either"


def _check_boxes(df: pd.DataFrame, p: str, frame: np.ndarray, boxes: np.ndarray, score, labels, classes,
                 inverted_boxes: str = "error"):
    """Validate frames, box corners and class names; raise on the first bad row.

    Scores may be any finite number (negative, above 1: only their ranking matters, as in the
    official programs); non-finite ones are refused by :func:`_numeric_column`.
    """
    if inverted_boxes not in ("error", "keep"):
        raise InputError(None, "inverted_boxes", f"must be 'error' or 'keep', got {inverted_boxes!r}")
    checks = [(frame < 0, lambda i: f"negative frame {frame[i]} (frames are 0-based)")]
    if inverted_boxes == "error":
        n_bad = int(np.sum((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])))
        of = f"; {n_bad} of {len(boxes)} rows are inverted"
        checks += [
            (boxes[:, 2] < boxes[:, 0], lambda i: f"x2 < x1 ({boxes[i, 2]} < {boxes[i, 0]}){of}{_xywh_hint(boxes)}"),
            (boxes[:, 3] < boxes[:, 1], lambda i: f"y2 < y1 ({boxes[i, 3]} < {boxes[i, 1]}){of}{_xywh_hint(boxes)}"),
        ]
    for bad, message in checks:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(p, _line(df.index[i]), message(i))
    if classes is not None:
        known = set(classes)
        unknown = ~np.isin(labels, np.array(sorted(known), dtype=str))
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            raise InputError(p, _line(df.index[i]), f"unknown class name {str(labels[i])!r}")


def read_boxes_csv(path: str | os.PathLike, classes=None, require_score: bool = True,
                   allow_empty: bool = False, videos=None, inverted_boxes: str = "error") -> FrameBoxes:
    """Read a per-frame box CSV into FrameBoxes (detections if it has ``score``, else ground truth).

    Parsed by pandas' C engine; every bad cell is reported with its line. Scores may be any finite
    number (negative, above 1).

    Parameters
    ----------
    path : str or PathLike
        CSV with header ``video,frame,label[,score],x1,y1,x2,y2``; ``frame`` 0-based, pixels.
    classes : sequence of str, optional
        Rejects unknown class names (with their line).
    require_score : bool
        The ``score`` column must be present.
    allow_empty : bool
        A header-only file gives empty FrameBoxes instead of an error.
    videos : sequence of str, optional
        Sets ``FrameBoxes.videos`` (default: the videos of the rows).
    inverted_boxes : {"error", "keep"}
        A box with x2 < x1 or y2 < y1 is an error (the message says whether the columns look like
        ``x, y, w, h``) unless "keep".

    Returns
    -------
    FrameBoxes

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(p, "w").write("video,frame,label,score,x1,y1,x2,y2\\nv,3,a,-1.5,0,0,10,10\\n")
    >>> b = read_boxes_csv(p)
    >>> b.frame_idx.tolist(), b.score.tolist()
    ([3], [-1.5])
    """
    p = require_file(path, "box CSV")
    required = BOX_COLUMNS if require_score else tuple(c for c in BOX_COLUMNS if c != "score")
    df = _read_table(p, required, ("score",), ("video", "label"))
    if len(df) == 0 and not allow_empty:
        raise InputError(p, None, "no boxes (the file has only a header)")
    codes: dict = {}
    video = _text_column(df, "video", p, codes)
    label = _text_column(df, "label", p, codes)
    frame = _numeric_column(df, "frame", p, integer=True)
    boxes = np.stack([_numeric_column(df, c, p) for c in _COORDS], axis=1) if len(df) else np.zeros((0, 4))
    score = _numeric_column(df, "score", p) if "score" in df.columns else None
    _check_boxes(df, p, frame, boxes, score, label, classes, inverted_boxes)
    out = FrameBoxes(video, frame, label, boxes, score, videos=tuple(videos) if videos is not None else (),
                     source=p)
    # the integer codes the parser already computed, so evaluators need not hash the strings again
    # (FrameBoxes is immutable; ``select`` and the constructor make objects without them)
    object.__setattr__(out, "_factorized", codes)
    object.__setattr__(out, "_lines", df.index.to_numpy() + 2)  # file line of each row, for evaluator messages
    return out


def write_boxes_csv(path: str | os.PathLike, boxes: FrameBoxes) -> None:
    """Write FrameBoxes as ``video,frame,label[,score],x1,y1,x2,y2`` (atomically, full float precision).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> write_boxes_csv(p, FrameBoxes(["v"], [3], ["a"], [[0, 0, 10, 10]], [0.25]))
    >>> read_boxes_csv(p).score.tolist()
    [0.25]
    """
    cols = {"video": boxes.video, "frame": boxes.frame_idx, "label": boxes.label}
    if boxes.score is not None:
        cols["score"] = boxes.score
    for j, c in enumerate(_COORDS):
        cols[c] = boxes.boxes_xyxy[:, j]
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        pd.DataFrame(cols).to_csv(f, index=False, lineterminator="\n")


def read_tubes_csv(path: str | os.PathLike, classes=None, require_score: bool = True,
                   allow_empty: bool = False, inverted_boxes: str = "keep") -> tuple[Tube, ...]:
    """Read a tube CSV into Tubes, in order of each tube id's first row; frames sorted within a tube.

    Boxes with x2 < x1 or y2 < y1 are kept by default: trackers produce them and ACT's video-AP
    evaluates them as they are (``video_ap`` warns); ``inverted_boxes="error"`` rejects them.

    Parameters
    ----------
    path : str or PathLike
        CSV with header ``tube,video,label[,score],frame,x1,y1,x2,y2``, one row per frame of a tube.
    classes, require_score, allow_empty
        As :func:`read_boxes_csv`.
    inverted_boxes : {"keep", "error"}

    Returns
    -------
    tuple of Tube

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("tube,video,label,score,frame,x1,y1,x2,y2\\n7,v,a,2.5,1,0,0,9,9\\n7,v,a,2.5,0,0,0,9,9\\n")
    >>> t = read_tubes_csv(p)[0]
    >>> t.frame_idx.tolist(), t.score
    ([0, 1], 2.5)
    """
    p = require_file(path, "tube CSV")
    required = TUBE_COLUMNS if require_score else tuple(c for c in TUBE_COLUMNS if c != "score")
    df = _read_table(p, required, ("score",), ("tube", "video", "label"))
    if len(df) == 0:
        if allow_empty:
            return ()
        raise InputError(p, None, "no tubes (the file has only a header)")
    tube_id = _text_column(df, "tube", p)
    video = _text_column(df, "video", p)
    label = _text_column(df, "label", p)
    frame = _numeric_column(df, "frame", p, integer=True)
    boxes = np.stack([_numeric_column(df, c, p) for c in _COORDS], axis=1)
    score = _numeric_column(df, "score", p) if "score" in df.columns else None
    _check_boxes(df, p, frame, boxes, score, label, classes, inverted_boxes)

    codes, uniques = pd.factorize(tube_id, sort=False)
    order = np.lexsort((frame, codes))  # by tube (first-appearance order), then frame
    codes_s, frame_s = codes[order], frame[order]
    starts = np.flatnonzero(np.r_[True, codes_s[1:] != codes_s[:-1]])
    ends = np.r_[starts[1:], len(order)]
    same_tube = codes_s[1:] == codes_s[:-1]
    rows = df.index.to_numpy()
    for name, arr in (("video", video), ("label", label)) + ((("score", score),) if score is not None else ()):
        a = arr[order]
        differs = same_tube & (a[1:] != a[:-1])
        if differs.any():
            i = int(np.flatnonzero(differs)[0]) + 1
            raise InputError(p, _line(rows[order[i]]), f"tube {str(tube_id[order[i]])!r} changes {name} "
                             f"({a[i - 1].item()!r} -> {a[i].item()!r}); a tube has one {name}")
    gap = same_tube & (frame_s[1:] != frame_s[:-1] + 1)
    if gap.any():
        i = int(np.flatnonzero(gap)[0]) + 1
        kind = "repeats" if frame_s[i] == frame_s[i - 1] else "skips from"
        raise InputError(p, _line(rows[order[i]]), f"tube {str(tube_id[order[i]])!r} {kind} frame {frame_s[i - 1]}"
                         + ("" if kind == "repeats" else f" to {frame_s[i]}") + "; frames must be contiguous")
    tubes = []
    for s, e in zip(starts, ends):
        j = order[s]
        tubes.append(Tube(str(video[j]), str(label[j]), frame_s[s:e], boxes[order[s:e]],
                          float(score[j]) if score is not None else float("nan")))
    return tuple(tubes)


def write_tubes_csv(path: str | os.PathLike, tubes) -> None:
    """Write Tubes as ``tube,video,label,score,frame,x1,y1,x2,y2`` with tube ids 0..n-1 (atomically).

    The ``score`` column is left out when every tube's score is NaN (ground truth).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_tubes_csv(p, [Tube("v", "a", [4, 5], [[0, 0, 9, 9]] * 2, 0.5)])
    >>> open(p).read().splitlines()[1]
    '0,v,a,0.5,4,0.0,0.0,9.0,9.0'
    """
    tubes = tuple(tubes)
    lengths = np.array([len(t.frame_idx) for t in tubes], dtype=np.int64)
    scores = np.array([t.score for t in tubes], dtype=np.float64)
    cols = {
        "tube": np.repeat(np.arange(len(tubes)), lengths),
        "video": np.repeat(np.array([t.video for t in tubes], dtype=object), lengths),
        "label": np.repeat(np.array([t.label for t in tubes], dtype=object), lengths),
    }
    if len(tubes) == 0 or not np.all(np.isnan(scores)):
        cols["score"] = np.repeat(scores, lengths)
    cols["frame"] = np.concatenate([t.frame_idx for t in tubes]) if tubes else np.zeros(0, np.int64)
    xyxy = np.concatenate([t.boxes_xyxy for t in tubes]) if tubes else np.zeros((0, 4))
    for j, c in enumerate(_COORDS):
        cols[c] = xyxy[:, j]
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        pd.DataFrame(cols).to_csv(f, index=False, lineterminator="\n")


__all__ = ["BOX_COLUMNS", "TUBE_COLUMNS", "read_boxes_csv", "write_boxes_csv", "read_tubes_csv", "write_tubes_csv"]
