"""Spatial attention (paper Table 5): a per-frame mask M_i in (0, 1)^(h x w) from three 3x3 convs."""
from __future__ import annotations

import torch
from torch import nn


class SpatialAttention(nn.Module):
    """conv3x3 C->w1, BN, ReLU, ..., conv3x3 ->1, sigmoid; padding 1 keeps the h x w grid.

    With ``enabled=False`` (ablation "no spatial attention") it has no parameters and the mask is 1.
    """

    def __init__(self, in_channels: int, widths: tuple[int, ...] = (1024, 512), enabled: bool = True,
                 bias_init: float | None = None):
        super().__init__()
        self.enabled = enabled
        if not enabled:
            self.body = None
            return
        layers: list[nn.Module] = []
        prev = in_channels
        for w in widths:
            layers += [nn.Conv2d(prev, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            prev = w
        last = nn.Conv2d(prev, 1, 3, padding=1)
        if bias_init is not None:  # sigmoid(bias_init) is the initial mask level
            nn.init.constant_(last.bias, float(bias_init))
        layers.append(last)
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (N, C, h, w) features -> mask (N, h, w) in (0, 1)."""
        if self.body is None:
            return x.new_ones(x.shape[0], x.shape[2], x.shape[3])
        return torch.sigmoid(self.body(x)).squeeze(1)
