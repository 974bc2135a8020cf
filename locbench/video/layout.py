"""Find the videos under a dataset root and name them like the annotation files do.

Names (see ``docs/video.md``): UCF101-24 ``<Class>/v_<Class>_gXX_cXX`` (the keys of ``pyannot.pkl``),
THUMOS'14 ``video_test_0000004`` / ``video_validation_0000051`` (the first column of the
per-class txt files), anything else its path relative to the root without extension.
"""
from __future__ import annotations

import os
import re

from annotations.errors import InputError, require_dir
from locbench.video.reader import VIDEO_EXTENSIONS, is_frame_folder

UCF_NAME = re.compile(r"^v_([A-Za-z0-9]+)_g(\d+)_c(\d+)$")
THUMOS_NAME = re.compile(r"^video_(test|validation)_(\d+)$")
#: sub-folder of a UCF101-24 root that holds the frame folders in the common distribution
RGB_IMAGES = "rgb-images"
MAX_DEPTH = 4


def ucf_video_name(label: str, group: int, clip: int) -> str:
    """``Basketball/v_Basketball_g01_c01``: the UCF101 name of clip ``clip`` of group ``group``."""
    return f"{label}/v_{label}_g{group:02d}_c{clip:02d}"


def thumos_video_name(subset: str, number: int) -> str:
    """``video_test_0000004`` (subset ``test``) or ``video_validation_0000051`` (subset ``validation``)."""
    if subset not in ("test", "validation"):
        raise ValueError(f"THUMOS'14 subset is 'test' or 'validation', not {subset!r}")
    return f"video_{subset}_{number:07d}"


def video_name(rel_path: str) -> str:
    """Dataset name of a video at ``rel_path`` (relative to the root, '/'-separated, extension removed
    for files): known dataset patterns win over the folder structure."""
    parts = rel_path.split("/")
    stem = parts[-1]
    m = UCF_NAME.match(stem)
    if m:
        return f"{m.group(1)}/{stem}"
    if THUMOS_NAME.match(stem):
        return stem
    return "/".join(parts)


def find_videos(root: str | os.PathLike, max_depth: int = MAX_DEPTH) -> list[tuple[str, str]]:
    """``(name, path)`` of every video file and frame folder under ``root``, sorted by name.

    A root holding ``rgb-images/`` is read from there. Hidden entries are skipped; a frame folder is
    not searched further. Two videos with one name (``a.avi`` and ``a.mp4``) raise InputError.
    """
    root = require_dir(root, "video root")
    if os.path.isdir(os.path.join(root, RGB_IMAGES)):
        root = os.path.join(root, RGB_IMAGES)
    found: dict[str, str] = {}

    def add(rel: str, path: str) -> None:
        name = video_name(rel)
        if name in found:
            raise InputError(root, f"video {name!r}", f"two videos with this name: {found[name]} and {path}")
        found[name] = path

    def walk(folder: str, rel: str, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            raise InputError(folder, None, f"cannot list directory ({e.strerror or e})") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_file():
                stem, ext = os.path.splitext(entry.name)
                if ext.lower() in VIDEO_EXTENSIONS:
                    add(child_rel[: len(child_rel) - len(ext)], entry.path)
            elif entry.is_dir():
                if is_frame_folder(entry.path):
                    add(child_rel, entry.path)
                elif depth < max_depth:
                    walk(entry.path, child_rel, depth + 1)

    walk(root, "", 1)
    return sorted(found.items())


def video_path(root: str | os.PathLike, name: str, ext: str = ".avi") -> str:
    """Where a video called ``name`` lives under ``root`` (``<root>/<Class>/v_... .avi``)."""
    return os.path.join(os.fspath(root), *name.split("/")) + ext


__all__ = ["find_videos", "video_name", "video_path", "ucf_video_name", "thumos_video_name", "UCF_NAME",
           "THUMOS_NAME", "RGB_IMAGES"]
