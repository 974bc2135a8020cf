"""Summary statistics over repeated runs (training seeds, official splits): one definition for every
table that prints ``mean ± std`` (``aggregate``, ``ablate``, ``eval-classification --splits``)."""
from __future__ import annotations

import numpy as np


def mean_std(values, axis: int | None = None):
    """Mean and sample standard deviation (ddof=1) over runs; the std is NaN for a single run.

    Args:
        values: per-run numbers, any shape (float; None is not allowed, use NaN).
        axis: None -> one (mean, std) pair of Python floats over all values; an int -> two float64
            arrays, reduced over that axis (runs along it, e.g. ``(R, K)`` runs x thresholds, axis 0).

    Both are rounded to 12 decimals, so a value printed from a mean is the same on every platform.

    >>> mean_std([0.5, 0.6, 0.7])
    (0.6, 0.1)
    >>> m, s = mean_std([[0.4, 0.1], [0.6, 0.3]], axis=0)
    >>> m.tolist(), s.round(6).tolist()
    ([0.5, 0.2], [0.141421, 0.141421])
    >>> mean_std([0.5])
    (0.5, nan)
    """
    v = np.asarray(values, dtype=np.float64)
    if axis is None:
        if v.size == 0:
            return float("nan"), float("nan")
        std = float(v.std(ddof=1)) if v.size > 1 else float("nan")
        return round(float(v.mean()), 12), round(std, 12)
    n = v.shape[axis]
    mean = v.mean(axis=axis) if n else np.full(np.delete(v.shape, axis), np.nan)
    std = v.std(axis=axis, ddof=1) if n > 1 else np.full(mean.shape, np.nan)
    return np.round(mean, 12), np.round(std, 12)


__all__ = ["mean_std"]
