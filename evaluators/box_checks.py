"""Sanity checks of per-frame boxes against what is known of their videos (frame count, frame size).

Run by :func:`evaluators.frame_ap.frame_ap`, :func:`~evaluators.frame_ap.frame_corloc` and
:func:`evaluators.video_ap.video_ap` before any number is computed, so that the common mistakes end
in an error that names the fix, or in a warning that reaches ``APResult.warnings``:

=====================================  ===============================================================
mistake                                decision
=====================================  ===============================================================
frame outside ``[0, numf)``            error on any row; says whether every row fits ``frame - 1``
box outside the frame by more than     warning; error when more than half of the boxes are; the
1 px                                   message gives the size the boxes would fit (resolution hint)
``x2 < x1`` or ``y2 < y1``             error on any row; says whether reading the columns as
                                       ``x, y, w, h`` would fit
=====================================  ===============================================================

Videos whose :class:`~annotations.types.VideoInfo` lacks a field are not checked for it.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from annotations.errors import InputError

#: boxes may exceed the frame by this many pixels before they count as outside (rounding, +1 px ends)
OUTSIDE_TOLERANCE_PX = 1.0


def _per_row(video_codes: np.ndarray, names: list, video_info: Mapping | None, field: str) -> np.ndarray:
    """Value of ``VideoInfo.<field>`` for each row (NaN where unknown)."""
    table = np.full(len(names), np.nan)
    if video_info:
        for i, name in enumerate(names):
            info = video_info.get(name)
            value = getattr(info, field, None) if info is not None else None
            if value is not None:
                table[i] = float(value)
    return table[video_codes] if len(video_codes) else np.zeros(0)


def _where(i: int, lines) -> str:
    """``line N`` of the file when the reader gave line numbers, else ``row i`` (0-based)."""
    return f"line {int(lines[i])}" if lines is not None and len(lines) > i else f"row {i}"


def check_inverted(boxes_xyxy: np.ndarray, video: np.ndarray, frame_idx: np.ndarray, what: str,
                   source: str | None = None, width=None, height=None, lines=None) -> None:
    """Raise InputError if any box has ``x2 < x1`` or ``y2 < y1`` or a non-finite corner.

    Parameters
    ----------
    boxes_xyxy : float array, shape (N, 4)
        ``[x1, y1, x2, y2]`` in pixels.
    video, frame_idx : arrays, shape (N,)
        For the message.
    what : str
        "detection" or "ground-truth".
    source : str, optional
        The file, for the message.
    width, height : float arrays, shape (N,), optional
        Frame size of each row (NaN unknown), to tell whether ``x, y, w, h`` fits inside the frame.
    lines : int array, shape (N,), optional
        Line of each row in ``source``, for the message (default: ``row i``).

    Examples
    --------
    >>> import numpy as np
    >>> try:
    ...     check_inverted(np.array([[10., 10., 5., 8.]]), np.array(["v"]), np.array([0]), "detection")
    ... except ValueError as e:
    ...     print("x, y, w, h" in str(e))
    True
    """
    b = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    finite = np.all(np.isfinite(b), axis=1)
    inverted = (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])
    bad = inverted | ~finite
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    if not finite[i]:
        raise InputError(source, _where(i, lines), f"{what} box {b[i].tolist()} of {video[i]} frame {frame_idx[i]} "
                         "is not finite")
    fits = bool(np.all(b[finite, 2:] >= 0))
    if fits and width is not None and height is not None:
        w, h = np.asarray(width)[finite], np.asarray(height)[finite]
        bf = b[finite]
        with np.errstate(invalid="ignore"):
            over = (bf[:, 0] + bf[:, 2] > w + OUTSIDE_TOLERANCE_PX) | (bf[:, 1] + bf[:, 3] > h + OUTSIDE_TOLERANCE_PX)
        fits = not bool(np.any(over))
    hint = ("; every row would fit if the columns were x, y, w, h: boxes look like x, y, w, h; convert them "
            "to x1 = x, y1 = y, x2 = x + w, y2 = y + h" if fits else
            "; reading the columns as x, y, w, h would not fit every row either")
    raise InputError(source, _where(i, lines),
                     f"{what} box {b[i].tolist()} of {video[i]} frame {frame_idx[i]} is inverted (need x2 >= x1 "
                     f"and y2 >= y1; {int(inverted.sum())} of {len(b)} rows have x2 < x1 or y2 < y1){hint}")


def check_frames(video_codes: np.ndarray, names: list, frame_idx: np.ndarray, video_info: Mapping | None,
                 what: str = "detection", source: str | None = None, lines=None) -> None:
    """Raise InputError if any row's frame is outside ``[0, numf)`` of its video.

    Parameters
    ----------
    video_codes : int array, shape (N,)
        Index of each row's video in ``names``.
    names : list of str
        Video names.
    frame_idx : int array, shape (N,)
        0-based frame indices.
    video_info : mapping of str to VideoInfo, optional
        ``num_frames`` of each video (videos without it are not checked).
    lines : int array, shape (N,), optional
        Line of each row in ``source``, for the message.

    Examples
    --------
    >>> import numpy as np
    >>> from annotations.types import VideoInfo
    >>> info = {"v": VideoInfo("v", num_frames=10)}
    >>> try:
    ...     check_frames(np.array([0, 0]), ["v"], np.array([1, 10]), info)
    ... except ValueError as e:
    ...     print("1-based" in str(e))
    True
    """
    numf = _per_row(video_codes, names, video_info, "num_frames")
    known = ~np.isnan(numf)
    if not known.any():
        return
    f = np.asarray(frame_idx, dtype=np.int64)
    bad = known & ((f < 0) | (f >= numf))
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    shifted_ok = bool(np.all(((f - 1 >= 0) & (f - 1 < numf))[known]))
    hint = ("; every row fits frame - 1: frame indices look 1-based; subtract 1 from every frame (frames are "
            "0-based here, as in pyannot.pkl)" if shifted_ok else
            "; they do not all fit frame - 1 either, so it is not a 1-based offset: check that the frames "
            "belong to these videos")
    raise InputError(source, _where(i, lines),
                     f"{int(bad.sum())} of {int(known.sum())} {what} rows have a frame outside [0, numf) of their "
                     f"video (first: {names[int(video_codes[i])]} frame {int(f[i])}, a video of "
                     f"{int(numf[i])} frames){hint}")


def check_inside_frame(video_codes: np.ndarray, names: list, boxes_xyxy: np.ndarray, video_info: Mapping | None,
                       what: str = "detection", source: str | None = None) -> list[str]:
    """Warn about boxes outside their frame by more than 1 px; raise when more than half are.

    Parameters
    ----------
    video_codes : int array, shape (N,)
        Index of each row's video in ``names``.
    names : list of str
    boxes_xyxy : float array, shape (N, 4)
        Pixels.
    video_info : mapping of str to VideoInfo, optional
        ``width`` / ``height`` of each video (videos without them are not checked).

    Returns
    -------
    list of str
        A warning sentence when some (at most half) of the boxes are outside, else empty.

    Examples
    --------
    >>> import numpy as np
    >>> from annotations.types import VideoInfo
    >>> info = {"v": VideoInfo("v", width=320, height=240)}
    >>> b = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [300, 0, 330, 10.]])
    >>> check_inside_frame(np.array([0, 0, 0]), ["v"], b, info)[0][:35]
    '1 of 3 detection boxes extend more '
    """
    w = _per_row(video_codes, names, video_info, "width")
    h = _per_row(video_codes, names, video_info, "height")
    known = ~np.isnan(w) & ~np.isnan(h)
    if not known.any():
        return []
    b = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    tol = OUTSIDE_TOLERANCE_PX
    outside = known & ((b[:, 0] < -tol) | (b[:, 1] < -tol) | (b[:, 2] > w + tol) | (b[:, 3] > h + tol))
    n_out, n = int(outside.sum()), int(known.sum())
    if n_out == 0:
        return []
    sizes = sorted({(int(a), int(c)) for a, c in zip(w[known][:1000], h[known][:1000])})
    size = " or ".join(f"{a}x{c}" for a, c in sizes[:3])
    i = int(np.flatnonzero(outside)[0])
    span = f"the boxes reach x = {b[known, 2].max():g}, y = {b[known, 3].max():g}"
    text = (f"{n_out} of {n} {what} boxes extend more than {tol:g} px outside their {size} frame "
            f"(first: {names[int(video_codes[i])]} box {b[i].tolist()}; {span})")
    if 2 * n_out > n:
        raise InputError(source, None, text + "; are they in another resolution? Frames here are " + size
                         + " (UCF101-24 frames are 320x240): scale the boxes to the frame size")
    return [text + "; they are evaluated as given"]


__all__ = ["OUTSIDE_TOLERANCE_PX", "check_inverted", "check_frames", "check_inside_frame"]
