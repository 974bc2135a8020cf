"""Parsing helpers shared by the THUMOS'14 and ActivityNet readers: numbers and intervals that fail loudly."""
from __future__ import annotations

import math

import numpy as np

from annotations.errors import InputError
from annotations.types import Segments


def parse_float(token, path, where: str, what: str) -> float:
    """A finite float from a token (str or number), else InputError naming ``what``."""
    if isinstance(token, bool):
        raise InputError(path, where, f"{what} must be a number, got {token!r}")
    try:
        value = float(token)
    except (TypeError, ValueError):
        raise InputError(path, where, f"{what} is not a number: {token!r}") from None
    if math.isnan(value):
        raise InputError(path, where, f"{what} is NaN")
    if math.isinf(value):
        raise InputError(path, where, f"{what} is infinite")
    return value


def parse_times(start, end, path, where: str) -> tuple[float, float]:
    """``(t_start_s, t_end_s)`` as written (start > end allowed: each protocol has its rule), else InputError."""
    return parse_float(start, path, where, "t_start"), parse_float(end, path, where, "t_end")


def parse_interval(start, end, path, where: str) -> tuple[float, float]:
    """``(t_start_s, t_end_s)`` with ``t_end_s >= t_start_s``, else InputError."""
    t_start_s = parse_float(start, path, where, "t_start")
    t_end_s = parse_float(end, path, where, "t_end")
    if t_end_s < t_start_s:
        raise InputError(path, where, f"segment ends before it starts ({t_start_s!r} > {t_end_s!r})")
    return t_start_s, t_end_s


def parse_score(token, path, where: str) -> float:
    """A finite detection score (any sign or size: AP depends only on the ranking), else InputError."""
    return parse_float(token, path, where, "score")


def listed(items, k: int = 5) -> str:
    """The first ``k`` items, comma-separated, with "..." when there are more."""
    items = list(items)
    return ", ".join(str(i) for i in items[:k]) + (", ..." if len(items) > k else "")


def odd_row_notes(t_start_s: np.ndarray, t_end_s: np.ndarray, places: list[str] | None, where_of) -> list[str]:
    """Reader notes on detections with start > end and zero length, naming the first rows.

    ``where_of(idx)`` turns row indices into the places shown (line numbers, JSON keys).
    """
    notes = []
    swapped = np.flatnonzero(t_start_s > t_end_s)
    zero = np.flatnonzero(t_start_s == t_end_s)
    if len(swapped):
        notes.append(f"{len(swapped)} detection(s) with t_start > t_end ({where_of(swapped[:5])}"
                     f"{', ...' if len(swapped) > 5 else ''}): THUMOS'14's TH14evalDet_Updated.m swaps the bounds; "
                     "ActivityNet's eval_detection.py keeps them (tIoU 0: false positives)")
    if len(zero):
        notes.append(f"{len(zero)} zero-length detection(s) ({where_of(zero[:5])}{', ...' if len(zero) > 5 else ''}): "
                     "they can match nothing of positive length under either protocol")
    return notes


def fast_segments(video_codes: np.ndarray, video_names: np.ndarray, t_start_s: np.ndarray, t_end_s: np.ndarray,
                  label_codes: np.ndarray, label_names: np.ndarray, score: np.ndarray | None, videos: tuple,
                  source: str, notes: tuple, integral_scores: bool = False) -> Segments:
    """Segments built from integer codes, keeping the codes for the evaluator.

    ``video`` and ``label`` become object arrays of ``str`` that share one Python string per
    distinct name (8 bytes a row; a fixed-width unicode array costs 4 bytes per character of the
    longest name a row: 3M THUMOS'14 rows would take 420 MB for the two columns). They compare,
    index and ``tolist()`` like unicode arrays, and :meth:`Segments.select` turns them into unicode
    arrays. ``(codes int64 (N,), sorted distinct names)`` are kept as private attributes
    (``_codes_video``, ``_codes_label``) that :mod:`evaluators.temporal` checks before use;
    ``integral_scores`` (every JSON score an integer: ActivityNet's program then sorts an int64
    array) is kept as ``_scores_integral`` for its tie order.
    """
    video_names = np.asarray(video_names, dtype=str)
    label_names = np.asarray(label_names, dtype=str)
    video = video_names.astype(object)[video_codes] if len(video_codes) else np.zeros(0, str)
    label = label_names.astype(object)[label_codes] if len(label_codes) else np.zeros(0, str)
    seg = Segments(video[:0], t_start_s[:0], t_end_s[:0], label[:0], None if score is None else score[:0],
                   videos=videos, source=source, notes=notes)
    for name, value in (("video", video), ("t_start_s", t_start_s), ("t_end_s", t_end_s), ("label", label),
                        ("score", score)):
        object.__setattr__(seg, name, value)
    object.__setattr__(seg, "_codes_video", (video_codes, video_names))
    object.__setattr__(seg, "_codes_label", (label_codes, label_names))
    if integral_scores:
        object.__setattr__(seg, "_scores_integral", True)
    return seg
