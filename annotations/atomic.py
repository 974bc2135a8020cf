"""Atomic file output: write to a temporary file in the same directory, fsync, then rename.

A crash or Ctrl-C mid-write never leaves a truncated output, and never clobbers the previous one.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import IO, Iterator

_FILE_MODE: int | None = None


def default_file_mode() -> int:
    """``0o666`` less the process umask: the mode ``open()`` would give a new file.

    ``tempfile.mkstemp`` creates files with mode 0600 whatever the umask; outputs renamed from such a
    temporary file must be given this mode, or every checkpoint / table / video is private to its writer.
    The umask is read from ``/proc/self/status`` where possible (``os.umask`` must set it to read it,
    which races with threads creating files), once per process.
    """
    global _FILE_MODE
    if _FILE_MODE is None:
        umask = None
        try:
            with open("/proc/self/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Umask:"):
                        umask = int(line.split()[1], 8)
                        break
        except OSError:
            pass
        if umask is None:
            umask = os.umask(0o022)
            os.umask(umask)
        _FILE_MODE = 0o666 & ~umask
    return _FILE_MODE


def make_temp_sibling(path: str, suffix: str = ".tmp") -> tuple[int, str]:
    """A temporary file next to ``path`` (same filesystem, so ``os.replace`` is atomic), with the umask's mode."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=suffix, dir=directory)
    os.fchmod(fd, default_file_mode())
    return fd, tmp


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; rename it over ``path`` only on success."""
    if not any(m in mode for m in "wx"):
        raise ValueError("atomic_open is for writing")
    path = os.fspath(path)
    fd, tmp = make_temp_sibling(path)
    try:
        with os.fdopen(fd, mode.replace("x", "w"), **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as f:
        f.write(data)
