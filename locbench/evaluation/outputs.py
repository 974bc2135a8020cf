"""What an evaluation writes to ``--out``: ``metrics.json`` (every number, the protocol, thresholds,
input file hashes, tool version) and the tables in every format, each written atomically.

A folder holds one run: :func:`prepare_out_dir` refuses a folder that holds another run's files
unless ``overwrite``, and then removes only the files listed in its manifest
(``locbench-manifest.json``, :data:`MANIFEST`), the files locbench wrote there."""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import sys

from annotations.atomic import atomic_write_text
from annotations.errors import InputError
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


#: the list of files locbench wrote into an output folder (relative paths), so that a later run with
#: ``overwrite`` removes exactly those and nothing of the user's
MANIFEST = "locbench-manifest.json"


def read_manifest(out_dir: str | os.PathLike) -> list[str]:
    """Relative paths listed in ``out_dir``'s manifest ([] when there is none)."""
    path = os.path.join(os.fspath(out_dir), MANIFEST)
    if not os.path.isfile(path):
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return [str(p) for p in data.get("files", [])]
    except (OSError, ValueError, AttributeError):
        raise InputError(path, None, "unreadable manifest; remove the folder or choose another output folder") from None


def _write_manifest(out_dir: str, files: list[str]) -> str:
    path = os.path.join(out_dir, MANIFEST)
    atomic_write_text(path, json.dumps({"tool": "locbench", "version": __version__, "files": sorted(set(files))},
                                       indent=2) + "\n")
    return path


def check_out_dir(out_dir: str | os.PathLike, overwrite: bool = False, keep: tuple[str, ...] = ()) -> None:
    """Raise the error :func:`prepare_out_dir` would raise, and change nothing (checked before a run
    starts, so a refused folder costs no computation and a failed run leaves the old files intact)."""
    prepare_out_dir(out_dir, overwrite, keep, clear=False)


def prepare_out_dir(out_dir: str | os.PathLike, overwrite: bool = False, keep: tuple[str, ...] = (),
                    clear: bool = True) -> None:
    """Make ``out_dir`` ready for one run: refuse a folder holding another run's files unless
    ``overwrite``, which removes the files of the manifest (what locbench wrote there) and only them.

    ``keep``: top-level entries this run manages itself (e.g. the ``attention`` folder of a checkpoint
    run, which ``predict`` resumes or redoes). Files locbench did not write are never removed: a
    folder holding them is refused even with ``overwrite``.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> prepare_out_dir(d)              # an empty folder is fine
    >>> _ = write_outputs(d, {"task": "x"}, {})
    >>> prepare_out_dir(d)
    Traceback (most recent call last):
    ...
    annotations.errors.InputError: ...: holds the files of another run (2 files, e.g. locbench-manifest.json); pass overwrite=True to replace them, or choose another folder
    >>> prepare_out_dir(d, overwrite=True); sorted(os.listdir(d))
    []
    """
    p = os.fspath(out_dir)
    if not os.path.exists(p):
        return
    if not os.path.isdir(p):
        raise InputError(p, None, "exists and is not a folder; choose another output folder")
    present = sorted(e for e in os.listdir(p) if e not in keep)
    if not present:
        return
    ours = set(read_manifest(p)) | {MANIFEST}
    foreign = [e for e in present if e not in ours and not any(f.startswith(e + "/") for f in ours)]
    if foreign:
        raise InputError(p, None, f"holds {len(foreign)} file(s) locbench did not write (e.g. {foreign[0]}); "
                                  "choose an empty or new output folder")
    if not overwrite:
        raise InputError(p, None, f"holds the files of another run ({len(present)} files, e.g. {present[0]}); "
                                  "pass overwrite=True to replace them, or choose another folder")
    if not clear:
        return
    for rel in sorted(ours):
        full = os.path.join(p, rel)
        if rel.split("/")[0] not in keep and os.path.isfile(full):
            os.remove(full)
    for rel in sorted({os.path.dirname(r) for r in ours if "/" in r}, key=len, reverse=True):
        try:
            os.rmdir(os.path.join(p, rel))
        except OSError:
            pass


def write_outputs(out_dir: str | os.PathLike, metrics: dict, tables: dict[str, Table],
                  extra_files: tuple[str, ...] = ()) -> list[str]:
    """Write ``metrics.json`` and each table as ``<name>.{md,csv,json,tex}``, then the manifest
    listing them (and ``extra_files``, relative paths this run also wrote there); return the paths."""
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
    rel = [os.path.relpath(w, out_dir).replace(os.sep, "/") for w in written] + list(extra_files)
    written.append(_write_manifest(os.fspath(out_dir), rel + list(read_manifest(out_dir))))
    return written
