"""Plain-text inputs shared by every reader: whole files, numbered lines, split lists and class lists.

Each failure is an InputError naming the file and the line.
"""
from __future__ import annotations

import os

from annotations.errors import InputError, require_file

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".webm", ".mov", ".m4v", ".mpg", ".mpeg")


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """The whole file as text (UTF-8, BOM tolerated), or an InputError naming the file."""
    p = require_file(path, what)
    try:
        with open(p, encoding="utf-8-sig") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise InputError(p, None, f"not a UTF-8 text file ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise InputError(p, None, f"cannot read: {e.strerror or e}") from None


def numbered_lines(path: str | os.PathLike, what: str = "file") -> list[tuple[int, list[str]]]:
    """Non-blank lines split on whitespace, each with its 1-based line number."""
    return [(n, line.split()) for n, line in enumerate(read_text(path, what).splitlines(), start=1) if line.split()]


def strip_video_ext(name: str) -> str:
    """``Class/v_x.avi`` → ``Class/v_x``; names without a video extension are kept."""
    root, ext = os.path.splitext(name)
    return root if ext.lower() in VIDEO_EXTENSIONS else name


def _unique(items: list[tuple[int, str]], path: str, kind: str) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    for n, name in items:
        if name in seen:
            raise InputError(path, f"line {n}", f"{kind} {name!r} already listed on line {seen[name]}")
        seen[name] = n
    return tuple(seen)


def read_split_list(path: str | os.PathLike) -> tuple[str, ...]:
    """Video names of a split list: UCF101-24 lines (``Class/v_x``, as ``testlist01.txt``) or UCF101
    lines (``Class/v_x.avi 12``): the first token, without a video extension. Duplicates are errors."""
    p = os.fspath(path)
    items = []
    for n, parts in numbered_lines(p, "split list"):
        if len(parts) > 2 or (len(parts) == 2 and not parts[1].lstrip("-").isdigit()):
            raise InputError(p, f"line {n}", f"expected '<video>' or '<video> <label id>', found {' '.join(parts)!r}")
        items.append((n, strip_video_ext(parts[0].replace("\\", "/"))))
    return _unique(items, p, "video")


def read_class_list(path: str | os.PathLike) -> tuple[str, ...]:
    """Class names in label order: one per line, or ``<id> <name>`` lines (THUMOS class index)."""
    p = os.fspath(path)
    items = []
    for n, parts in numbered_lines(p, "class list"):
        if len(parts) == 2 and parts[0].isdigit():
            parts = parts[1:]
        if len(parts) != 1:
            raise InputError(p, f"line {n}", f"expected a class name or '<id> <name>', found {' '.join(parts)!r}")
        items.append((n, parts[0]))
    if not items:
        raise InputError(p, None, "class list is empty")
    return _unique(items, p, "class")
