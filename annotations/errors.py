"""The one error type that every reader raises for bad input.

The CLI turns it into a single line ``path: where: problem`` and exit status 2, so a reader must
always say which file, where in it (line number, JSON key, row) and what is wrong.
"""
from __future__ import annotations

import os


class InputError(ValueError):
    """Bad user input: a missing file, a malformed line, an impossible value."""

    def __init__(self, path: str | os.PathLike | None, where: str | None, problem: str):
        self.path = None if path is None else os.fspath(path)
        self.where = where
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.path, self.where) if p]
        return ": ".join(parts + [self.problem])


def require_file(path: str | os.PathLike, what: str = "file") -> str:
    """Return ``path`` as str, or raise InputError if it is not an existing regular file."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise InputError(p, None, f"{what} does not exist")
    if os.path.isdir(p):
        raise InputError(p, None, f"expected a {what}, found a directory")
    return p


def require_dir(path: str | os.PathLike, what: str = "directory") -> str:
    """Return ``path`` as str, or raise InputError if it is not an existing directory."""
    p = os.fspath(path)
    if not os.path.isdir(p):
        raise InputError(p, None, f"{what} does not exist" if not os.path.exists(p) else f"expected a {what}, found a file")
    return p
