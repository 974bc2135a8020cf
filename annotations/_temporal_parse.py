"""Parsing helpers shared by the THUMOS'14 and ActivityNet readers: numbers and intervals that fail loudly."""
from __future__ import annotations

import math

from annotations.errors import InputError


def parse_float(token, path, where: str, what: str) -> float:
    """A finite float from a token (str or number), else InputError naming ``what``."""
    if isinstance(token, bool):
        raise InputError(path, where, f"{what} must be a number, got {token!r}")
    try:
        value = float(token)
    except (TypeError, ValueError):
        raise InputError(path, where, f"{what} is not a number: {token!r}") from None
    if math.isnan(value):
        raise InputError(path, where, f"{what} is NaN")
    if math.isinf(value):
        raise InputError(path, where, f"{what} is infinite")
    return value


def parse_interval(start, end, path, where: str) -> tuple[float, float]:
    """``(t_start_s, t_end_s)`` with ``t_end_s >= t_start_s``, else InputError."""
    t_start_s = parse_float(start, path, where, "t_start")
    t_end_s = parse_float(end, path, where, "t_end")
    if t_end_s < t_start_s:
        raise InputError(path, where, f"segment ends before it starts ({t_start_s!r} > {t_end_s!r})")
    return t_start_s, t_end_s


def parse_score(token, path, where: str) -> float:
    """A finite detection score (any sign or size: AP depends only on the ranking), else InputError."""
    return parse_float(token, path, where, "score")
