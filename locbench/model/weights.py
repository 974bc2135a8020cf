"""Weights I/O shared by checkpoints and backbones: safe ``torch.load``, state-dict files, file hashes.

Its own module so that :mod:`locbench.model.checkpoint` and :mod:`locbench.model.backbones` both
import it and neither imports the other.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re

import torch

from annotations.errors import InputError


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _first_line(msg: str) -> str:
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    for ln in lines:
        if "WeightsUnpickler error" in ln or "failed" in ln.lower():
            return ln[:200]
    return (lines[0] if lines else "")[:200]


def safe_torch_load(path: str, what: str):
    """``torch.load(weights_only=True)`` on CPU; any failure is an InputError saying why.

    A file that pickles code or classes (anything beyond tensors and plain containers) is refused,
    never executed.
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        msg = str(e)
        m = re.search(r"Unsupported global: GLOBAL (\S+)", msg)
        if m or "global" in msg.lower():
            name = m.group(1) if m else "a non-tensor object"
            raise InputError(path, None, f"refusing to load {what}: it holds a pickled object ({name}), not only "
                                         "tensors and plain containers; loading it could run code") from None
        raise InputError(path, None, f"cannot read {what}: not a torch file ({_first_line(msg)})") from None
    except Exception as e:  # corrupt or truncated zip, not a torch file at all
        raise InputError(path, None, f"cannot read {what}: {type(e).__name__}: {_first_line(str(e))}") from None


def load_state_dict_file(path: str | os.PathLike, what: str = "weights") -> dict:
    """A state dict (str -> tensor) from ``path`` with ``weights_only=True``; InputError otherwise."""
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise InputError(p, None, f"{what} file does not exist" if not os.path.exists(p) else f"{what} path is not a file")
    sd = safe_torch_load(p, what)
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]  # a training script's {"state_dict": ...} wrapper
    if not isinstance(sd, dict) or not sd or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in sd.items()):
        raise InputError(p, None, f"{what} is not a state dict (a dict of parameter name -> tensor)")
    return sd


__all__ = ["file_sha256", "safe_torch_load", "load_state_dict_file"]
