"""What an evaluation writes to ``--out``: ``metrics.json`` (every number, the protocol, thresholds,
input file hashes, tool version) and the tables in every format, each written atomically."""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import sys

from annotations.atomic import atomic_write_text
from locbench import __version__
from locbench.evaluation.tables import EXTENSIONS, FORMATS, Table, render


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, or of a directory's files (sorted relative paths and contents)."""
    h = hashlib.sha256()
    p = os.fspath(path)
    if os.path.isdir(p):
        for root, dirs, files in os.walk(p):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                h.update(os.path.relpath(full, p).encode())
                h.update(b"\0")
                _update_from_file(h, full)
    else:
        _update_from_file(h, p)
    return h.hexdigest()


def _update_from_file(h, path: str) -> None:
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)


def _json_safe(obj):
    if isinstance(obj, float):
        return None if math.isnan(obj) else obj
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "tolist"):
        return _json_safe(obj.tolist())
    return obj


def provenance(inputs: dict[str, str | os.PathLike | None], argv: list[str] | None = None) -> dict:
    """Tool version, command line and SHA-256 of every input, for metrics.json."""
    return {
        "tool": "locbench",
        "version": __version__,
        "python": platform.python_version(),
        "created_utc": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "command": list(sys.argv if argv is None else argv),
        "inputs": {k: {"path": os.path.abspath(os.fspath(v)), "sha256": file_sha256(v)}
                   for k, v in inputs.items() if v is not None},
    }


def write_outputs(out_dir: str | os.PathLike, metrics: dict, tables: dict[str, Table]) -> list[str]:
    """Write ``metrics.json`` and each table as ``<name>.{md,csv,json,tex}``; return the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    written = []
    path = os.path.join(out_dir, "metrics.json")
    atomic_write_text(path, json.dumps(_json_safe(metrics), indent=2, allow_nan=False) + "\n")
    written.append(path)
    for name, table in tables.items():
        for fmt in FORMATS:
            path = os.path.join(out_dir, f"{name}.{EXTENSIONS[fmt]}")
            atomic_write_text(path, render(table, fmt))
            written.append(path)
    return written
