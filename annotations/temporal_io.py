"""One entry point for temporal ground truth and detections, whatever the format.

Formats are told apart by the file itself: a directory of ``<Class>_<subset>.txt`` (THUMOS'14
ground truth), JSON with ``database`` (ActivityNet ground truth), JSON with ``results``
(ActivityNet detections), ``thumos14_test_groundtruth.csv`` (THUMOS'14 ground truth with video
info), or 5-column text (THUMOS'14 detections).
"""
from __future__ import annotations

import os

from annotations import activitynet, thumos14
from annotations.textfiles import read_text
from annotations.errors import InputError
from annotations.types import Segments, VideoInfo

GT_FORMATS = ("auto", "thumos14", "thumos14-csv", "activitynet")
DETECTION_FORMATS = ("auto", "thumos14", "activitynet")
#: alternative spellings accepted for ``fmt`` (the CLI's choices)
FORMAT_ALIASES = {"thumos-txt": "thumos14", "thumos14-txt": "thumos14", "thumos-csv": "thumos14-csv",
                  "activitynet-json": "activitynet"}


def _looks_like_json(path: str) -> bool:
    if path.lower().endswith(".json"):
        return True
    with open(path, "rb") as f:
        head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _check_fmt(fmt: str, allowed: tuple[str, ...], path: str) -> str:
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt not in allowed:
        raise InputError(path, None, f"unknown format {fmt!r} (choose from {', '.join(allowed)})")
    return fmt


def load_temporal_gt(path: str | os.PathLike, fmt: str = "auto", subset: str = "test", class_index=None) -> Segments:
    """Ground truth from a THUMOS'14 class-txt directory, an ActivityNet JSON or the THUMOS'14 CSV.

    ``class_index`` (THUMOS'14 only): None = bundled list, a path, or a ``{id: name}`` mapping.
    """
    path = os.fspath(path)
    fmt = _check_fmt(fmt, GT_FORMATS, path)
    if not os.path.exists(path):
        raise InputError(path, None, "ground truth does not exist")
    if fmt == "auto":
        if os.path.isdir(path):
            fmt = "thumos14"
        elif _looks_like_json(path):
            data = activitynet.load_json(path, "ground-truth file")
            return activitynet.gt_from_json_data(data, path, subset)
        elif read_text(path).lstrip().startswith("video-name,"):
            fmt = "thumos14-csv"
        else:
            raise InputError(path, None, "cannot tell the ground-truth format: expected a directory of "
                                         "<Class>_<subset>.txt files, an ActivityNet JSON with 'database', "
                                         "or thumos14_test_groundtruth.csv")
    if fmt == "thumos14":
        return thumos14.read_class_txt_dir(path, subset, class_index)
    if fmt == "thumos14-csv":
        return thumos14.read_groundtruth_csv(path, class_index)[0]
    return activitynet.read_gt_json(path, subset)


def load_temporal_detections(path: str | os.PathLike, fmt: str = "auto", class_index=None,
                             classes=None, allow_empty: bool = True) -> Segments:
    """Detections from an ActivityNet results JSON or a THUMOS'14 ``video t_start t_end class_id score`` file.

    ``class_index`` (THUMOS'14 txt only): None = bundled list, a path, or a ``{id: name}`` mapping.
    ``classes`` (JSON only): the allowed labels; another label is an error naming its key.
    ``allow_empty``: a file without detections is valid (every AP is 0, a note says why).
    """
    path = os.fspath(path)
    fmt = _check_fmt(fmt, DETECTION_FORMATS, path)
    if not os.path.exists(path):
        raise InputError(path, None, "detection file does not exist")
    if os.path.isdir(path):
        raise InputError(path, None, "expected a detection file, found a directory (ground truth?)")
    if fmt == "auto":
        fmt = "activitynet" if _looks_like_json(path) else "thumos14"
    if fmt == "activitynet":
        return activitynet.read_results_json(path, classes, allow_empty=allow_empty)
    return thumos14.read_detections_txt(path, class_index, allow_empty=allow_empty)


#: video-info files looked for next to the ground truth, per subset
VIDEO_INFO_FILES = {"test": ("test_video_info.csv", "thumos14_test_groundtruth.csv"),
                    "validation": ("val_video_info.csv",), "val": ("val_video_info.csv",)}


def _read_info_file(path: str) -> dict[str, VideoInfo]:
    if read_text(path, "video-info file").lstrip().startswith("video-name,"):
        return thumos14.read_groundtruth_csv(path)[1]
    return thumos14.read_video_info_csv(path)


def load_temporal_video_info(gt_path: str | os.PathLike, subset: str = "test",
                             video_info: str | os.PathLike | None = None) -> dict[str, VideoInfo]:
    """Durations and fps of the ground truth's videos, for the evaluator's sanity pass.

    Parameters
    ----------
    gt_path : str or PathLike
        The ground truth (a ``groundtruth/`` folder or an ActivityNet JSON).
    subset : str
        ``test`` looks for ``test_video_info.csv`` and ``thumos14_test_groundtruth.csv``,
        ``validation`` for ``val_video_info.csv``, in the ground truth's folder and the one above.
    video_info : str or PathLike, optional
        An explicit ``video,fps,sample_fps,count,sample_count`` CSV or ``thumos14_test_groundtruth.csv``.

    Returns
    -------
    dict of str to VideoInfo
        Empty when nothing is known (the evaluator then notes that times were not checked). An
        ActivityNet JSON's per-video ``duration`` is used when no file is found (no fps there).

    Examples
    --------
    >>> import os, tempfile
    >>> root = tempfile.mkdtemp(); os.mkdir(os.path.join(root, "groundtruth"))
    >>> _ = open(os.path.join(root, "test_video_info.csv"), "w").write(
    ...     "video,fps,sample_fps,count,sample_count\\nv1,30.0,10.0,300.0,100\\n")
    >>> load_temporal_video_info(os.path.join(root, "groundtruth"))["v1"].duration_s
    10.0
    """
    if video_info is not None:
        return _read_info_file(os.fspath(video_info))
    gt_path = os.path.abspath(os.fspath(gt_path))
    folder = gt_path if os.path.isdir(gt_path) else os.path.dirname(gt_path)
    infos: dict[str, VideoInfo] = {}
    for where in (folder, os.path.dirname(folder)):
        for name in VIDEO_INFO_FILES.get(subset, ()):
            path = os.path.join(where, name)
            if os.path.isfile(path):
                for video, info in _read_info_file(path).items():
                    infos.setdefault(video, info)
    if not infos and os.path.isfile(gt_path) and _looks_like_json(gt_path):
        data = activitynet.load_json(gt_path, "ground-truth file")
        database = data.get("database") if isinstance(data, dict) else None
        for video, entry in (database or {}).items():
            if isinstance(entry, dict) and entry.get("subset") == subset and entry.get("duration") is not None:
                try:
                    duration = float(entry["duration"])
                except (TypeError, ValueError):
                    continue
                infos[video] = VideoInfo(name=video, duration_s=duration)
    return infos


__all__ = ["GT_FORMATS", "DETECTION_FORMATS", "FORMAT_ALIASES", "load_temporal_gt", "load_temporal_detections",
           "load_temporal_video_info"]
