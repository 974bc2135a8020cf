"""One policy for detections in videos that the evaluated ground truth does not hold.

Every evaluator (temporal mAP, frame-AP, video-AP, CorLoc, diagnosis, bootstrap) calls
:func:`apply_unknown_video_policy` on the *distinct* detection video names, so the rule and its
messages are written once:

- a **near-miss** name (same video up to a file extension, a class folder, or letter case) is always
  an error, whatever the policy, because counting it as a false positive would silently zero the
  table (a ``.mp4`` suffix on every THUMOS'14 name turns every detection into a false positive);
- otherwise ``"error"`` stops with the count and the first names, ``"fp"`` keeps the detections
  (they can only be false positives, as in the official programs) and ``"drop"`` removes them.

Messages name the Python parameter (``unknown_videos='fp'``); the CLI rewrites such phrases into
its flags (``--unknown-videos fp``).
"""
from __future__ import annotations

import os
from typing import Iterable, Sequence

import numpy as np

from annotations.errors import InputError

UNKNOWN_VIDEO_MODES = ("error", "fp", "drop")

#: extensions stripped when looking for near-miss names (kept here so evaluators import no reader)
_VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".webm", ".mov", ".m4v", ".mpg", ".mpeg", ".npz")


def normalize_video_name(name: str) -> str:
    """The comparison key of near-miss detection: basename, no video extension, lower case.

    >>> normalize_video_name("Basketball/v_Basketball_g01_c01.AVI")
    'v_basketball_g01_c01'
    """
    base = os.path.basename(str(name).replace("\\", "/").rstrip("/"))
    root, ext = os.path.splitext(base)
    if ext.lower() in _VIDEO_EXTENSIONS:
        base = root
    return base.lower()


def near_misses(unknown_names: Iterable[str], gt_names: Sequence[str]) -> dict[str, str]:
    """Unknown detection video names that equal a ground-truth name up to extension, folder or case.

    Returns ``{unknown_name: ground_truth_name}`` for each near miss (a key whose normalized form is
    shared by several ground-truth names maps to the first of them).

    >>> near_misses(["video_test_0000004.mp4", "video_x"], ["video_test_0000004"])
    {'video_test_0000004.mp4': 'video_test_0000004'}
    """
    index: dict[str, str] = {}
    for g in gt_names:
        index.setdefault(normalize_video_name(g), str(g))
    out = {}
    for name in unknown_names:
        hit = index.get(normalize_video_name(name))
        if hit is not None and hit != name:
            out[str(name)] = hit
    return out


def _listed(names: Sequence[str], k: int = 3) -> str:
    return ", ".join(names[:k]) + (", ..." if len(names) > k else "")


def apply_unknown_video_policy(det_video: np.ndarray, gt_videos: Sequence[str], mode: str,
                               source: str | None = None) -> tuple[np.ndarray | None, list[str]]:
    """Decide what happens to detections whose video is not in ``gt_videos``.

    Parameters
    ----------
    det_video : np.ndarray, shape (N,), str or object
        Video name of each detection.
    gt_videos : sequence of str
        The evaluated ground-truth videos (after the split).
    mode : {"error", "fp", "drop"}
    source : str, optional
        File the detections came from, for the error message.

    Returns
    -------
    keep : np.ndarray of bool, shape (N,), or None
        ``None`` when every detection is kept (no unknown video, or ``mode="fp"``).
    notes : list of str
        One sentence for the table's notes and ``metrics.json`` (empty when nothing is unknown).

    Raises
    ------
    InputError
        On any near-miss name, and on unknown videos with ``mode="error"``.

    Examples
    --------
    >>> import numpy as np
    >>> keep, notes = apply_unknown_video_policy(np.array(["a", "b", "z"]), ["a", "b"], "drop")
    >>> keep.tolist(), notes
    ([True, True, False], ['1 detection(s) in 1 video(s) absent from the ground truth (z) dropped'])
    """
    if mode not in UNKNOWN_VIDEO_MODES:
        raise InputError(None, "unknown_videos", f"unknown value {mode!r} (choose from {', '.join(UNKNOWN_VIDEO_MODES)})")
    det_video = np.asarray(det_video)
    if det_video.size == 0:
        return None, []
    names, inverse = np.unique(det_video.astype(str), return_inverse=True)
    known = np.isin(names, np.asarray(list(gt_videos), dtype=str))
    if known.all():
        return None, []
    unknown_names = names[~known].tolist()
    unknown_rows = ~known[inverse]
    n, m = int(unknown_rows.sum()), len(unknown_names)
    misses = near_misses(unknown_names, gt_videos)
    if misses:
        pairs = list(misses.items())
        example = "; ".join(f"{a!r} looks like {b!r}" for a, b in pairs[:3])
        raise InputError(source, None,
                         f"{len(misses)} of {m} detection video name(s) absent from the ground truth are near "
                         f"misses of ground-truth names ({example}{'; ...' if len(pairs) > 3 else ''}); fix the "
                         "names (file extension, class folder or letter case) so that they match the ground "
                         "truth exactly: counting them as false positives would report a wrong mAP")
    what = f"{n} detection(s) in {m} video(s) absent from the ground truth ({_listed(unknown_names)})"
    if mode == "error":
        raise InputError(source, None,
                         f"{what}; set unknown_videos='fp' to count them as false positives as the official "
                         "tools do, or unknown_videos='drop' to remove them")
    if mode == "fp":
        return None, [f"{what} counted as false positives"]
    return ~unknown_rows, [f"{what} dropped"]
