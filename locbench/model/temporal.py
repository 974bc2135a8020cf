"""Temporal attention: additive (Bahdanau) frame weights w_ti that depend on the ConvLSTM state.

e_ti = v^T tanh(Phi_H(H_{t-1}) + Phi_X(X~_i)), w_t = softmax_i(e_t). Phi_H and Phi_X are
global average pooling followed by a linear map to d dimensions. If they produced scalars the
H term would be the same for every frame i and cancel in the softmax (docs/model.md).
"""
from __future__ import annotations

import torch
from torch import nn


class TemporalAttention(nn.Module):
    """Scores the n masked frames against the previous hidden state. ``enabled=False``: w = 1/n."""

    def __init__(self, feature_channels: int, hidden_channels: int, attention_dim: int = 256, enabled: bool = True):
        super().__init__()
        self.enabled = enabled
        if enabled:
            self.phi_x = nn.Linear(feature_channels, attention_dim)
            self.phi_h = nn.Linear(hidden_channels, attention_dim, bias=False)
            self.v = nn.Linear(attention_dim, 1, bias=False)

    def project_frames(self, x: torch.Tensor) -> torch.Tensor | None:
        """Phi_X of every frame once per clip: ``x`` (B, n, C, h, w) -> (B, n, d)."""
        if not self.enabled:
            return None
        return self.phi_x(x.mean(dim=(3, 4)))

    def forward(self, frames_proj: torch.Tensor | None, h_prev: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Weights (B, n) summing to 1 over frames, from Phi_X(X~) (B, n, d) and H_{t-1} (B, hidden, h, w)."""
        if not self.enabled:
            return h_prev.new_full((h_prev.shape[0], num_frames), 1.0 / num_frames)
        energy = self.v(torch.tanh(frames_proj + self.phi_h(h_prev.mean(dim=(2, 3))).unsqueeze(1))).squeeze(-1)
        return torch.softmax(energy, dim=1)
