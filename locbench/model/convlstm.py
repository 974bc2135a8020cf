"""Convolutional LSTM cell (Shi et al., 2015) with 3x3 convolutional gates."""
from __future__ import annotations

import torch
from torch import nn


class ConvLSTMCell(nn.Module):
    """One step: gates i, f, o, g = conv3x3([x, h]); c' = f*c + i*tanh(g); h' = o*tanh(c').

    Peephole terms (W_c . c) of Shi et al. are omitted: their weights have one value per map
    location, which would tie the model to one feature-map size (see docs/model.md).
    """

    def __init__(self, in_channels: int, hidden_channels: int, kernel_size: int = 3):
        super().__init__()
        self.hidden_channels = hidden_channels
        self.gates = nn.Conv2d(in_channels + hidden_channels, 4 * hidden_channels, kernel_size,
                               padding=kernel_size // 2)
        with torch.no_grad():  # forget-gate bias 1: remember by default at the start of training
            self.gates.bias.zero_()
            self.gates.bias[hidden_channels:2 * hidden_channels].fill_(1.0)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` (B, C, h, w), ``state`` = (h, c) each (B, hidden, h, w) -> new (h, c)."""
        h, c = state
        i, f, o, g = torch.chunk(self.gates(torch.cat([x, h], dim=1)), 4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c
