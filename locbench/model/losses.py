"""Training losses of the attention model: cross-entropy plus three attention regularisers.

Each regulariser is a *sum* over one clip's elements (frames x pixels, or steps x frames), then
averaged over the clips of the batch (``reduction="mean"``) or returned per clip (``"none"``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class LossWeights:
    """lambda of each regulariser (paper defaults); 0 switches one off (ablations)."""

    tv: float = 1e-5
    contrast: float = 1e-4
    unimodal: float = 1.0


def _reduce(per_clip: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return per_clip
    if reduction == "mean":
        return per_clip.mean()
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """-log softmax(logits)[label] per clip; ``logits`` (B, C), ``labels`` (B,) int64."""
    return _reduce(F.cross_entropy(logits.float(), labels, reduction="none"), reduction)


def total_variation(masks: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """L1 total variation sum_i sum_{y,x} |M[y+1,x]-M[y,x]| + |M[y,x+1]-M[y,x]| of masks (B, n, h, w)."""
    m = masks.float()
    dy = (m[:, :, 1:, :] - m[:, :, :-1, :]).abs().sum(dim=(1, 2, 3))
    dx = (m[:, :, :, 1:] - m[:, :, :, :-1]).abs().sum(dim=(1, 2, 3))
    return _reduce(dy + dx, reduction)


def contrast(masks: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """sum(-1/2 M.B + 1/2 M.(1-B)) with B = 1{M > 0.5} (no gradient through B): pushes M to 0 or 1."""
    m = masks.float()
    b = (m > 0.5).to(m.dtype).detach()
    return _reduce((-0.5 * m * b + 0.5 * m * (1.0 - b)).sum(dim=(1, 2, 3)), reduction)


def unimodality(weights: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """sum_{t,i} max(0, w[t,i-1] w[t,i+1] - w[t,i]^2) over interior frames i of weights (B, T, n).

    Zero exactly when every w_t is log-concave in i (w[i-1] w[i+1] <= w[i]^2 at every interior frame).
    That is stricter than "a single bump": [0.1, 0.1, 0.8] has one peak but is penalised
    (0.1 * 0.8 - 0.1^2 = 0.07), because it rises faster than geometrically.

    >>> round(float(unimodality(torch.tensor([[[0.1, 0.1, 0.8]]]))), 4)
    0.07
    """
    w = weights.float()
    if w.shape[-1] < 3:
        return _reduce(w.new_zeros(w.shape[0]), reduction)
    excess = w[..., :-2] * w[..., 2:] - w[..., 1:-1] ** 2
    return _reduce(F.relu(excess).sum(dim=(1, 2)), reduction)


def attention_losses(out, labels: torch.Tensor, weights: LossWeights = LossWeights(),
                     spatial: bool = True) -> dict[str, torch.Tensor]:
    """Every term (unweighted, batch mean) and ``total`` = ce + sum(lambda * term).

    ``out`` is an :class:`~locbench.model.net.AttentionOutput`. With ``spatial=False`` (mask fixed to 1)
    the mask terms are constants and reported as 0. A term whose lambda is 0 is still reported.
    """
    ce = cross_entropy(out.logits, labels)
    zero = ce.new_zeros(())
    tv = total_variation(out.masks) if spatial else zero
    con = contrast(out.masks) if spatial else zero
    uni = unimodality(out.temporal_weights)
    total = ce
    for lam, term in ((weights.tv, tv), (weights.contrast, con), (weights.unimodal, uni)):
        if lam:
            total = total + lam * term
    return {"ce": ce, "tv": tv, "contrast": con, "unimodal": uni, "total": total}


__all__ = ["LossWeights", "cross_entropy", "total_variation", "contrast", "unimodality", "attention_losses"]
