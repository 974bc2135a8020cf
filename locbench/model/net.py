"""The spatio-temporal attention network of "Where and When to Look?" (paper Table 5).

:class:`AttentionHead` runs on backbone feature maps (B, n, C, h, w): spatial masks, masked features,
T ConvLSTM steps each fed by temporally attended frames, classifier on the mean hidden state.
:class:`VideoAttentionModel` puts a :class:`~locbench.model.backbones.Backbone` in front of it.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from locbench.model.config import ModelConfig
from locbench.model.convlstm import ConvLSTMCell
from locbench.model.spatial import SpatialAttention
from locbench.model.temporal import TemporalAttention


class AttentionOutput(NamedTuple):
    """What the model saw and decided, per clip of n frames."""

    logits: torch.Tensor  # (B, num_classes)
    masks: torch.Tensor  # (B, n, h, w) spatial attention in (0, 1); 1 when spatial attention is off
    temporal_weights: torch.Tensor  # (B, T, n) w_ti, each row sums to 1
    frame_importance: torch.Tensor  # (B, n) mean over t of w_ti: what temporal localization thresholds


def _state_init(in_channels: int, hidden: int) -> nn.Sequential:
    """Two conv3x3 + BN layers computing H0 or C0 from the mean masked feature map."""
    return nn.Sequential(
        nn.Conv2d(in_channels, hidden, 3, padding=1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(inplace=True),
        nn.Conv2d(hidden, hidden, 3, padding=1, bias=False), nn.BatchNorm2d(hidden),
    )


class AttentionHead(nn.Module):
    """Spatial attention -> masked features -> temporal attention + ConvLSTM (T steps) -> classifier."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        c, hid = config.feature_channels, config.hidden_channels
        self.spatial = SpatialAttention(c, config.spatial_widths, enabled=config.spatial_attention,
                                        bias_init=config.mask_bias_init)
        self.temporal = TemporalAttention(c, hid, config.attention_dim, enabled=config.temporal_attention)
        self.init_h = _state_init(c, hid)
        self.init_c = _state_init(c, hid)
        self.cell = ConvLSTMCell(c, hid, 3)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(hid, config.num_classes)

    def forward(self, features: torch.Tensor, pool_frames: int | None = None) -> AttentionOutput:
        """``features`` (B, n, C, h, w) -> :class:`AttentionOutput`.

        ``pool_frames``: the n of the ``inv_n`` factor 1/n (default: the frames given). Prediction on
        windows longer than the training clips passes the training n, so Y_t keeps its training scale.
        """
        if features.ndim != 5:
            raise ValueError(f"features must be (B, n, C, h, w), got {tuple(features.shape)}")
        b, n, c, h, w = features.shape
        masks = self.spatial(features.reshape(b * n, c, h, w)).view(b, n, h, w)
        masked = features * masks.unsqueeze(2)  # X~_i = M_i (.) X_i
        mean_masked = masked.mean(dim=1)
        hidden = torch.tanh(self.init_h(mean_masked))
        cell = self.init_c(mean_masked)
        frames_proj = self.temporal.project_frames(masked)
        scale = 1.0 / (pool_frames or n) if self.config.pool == "inv_n" else 1.0
        hidden_sum = torch.zeros_like(hidden)
        weights = []
        for _ in range(self.config.num_steps):
            w_t = self.temporal(frames_proj, hidden, n)  # uses H_{t-1}
            y_t = torch.einsum("bn,bnchw->bchw", w_t, masked) * scale
            hidden, cell = self.cell(y_t, (hidden, cell))
            hidden_sum = hidden_sum + hidden
            weights.append(w_t)
        temporal_weights = torch.stack(weights, dim=1)
        pooled = (hidden_sum / self.config.num_steps).mean(dim=(2, 3))
        logits = self.classifier(self.dropout(pooled))
        return AttentionOutput(logits, masks, temporal_weights, temporal_weights.mean(dim=1))


class MeanPoolHead(nn.Module):
    """The plain-backbone baseline: features averaged over frames and pixels, then one linear layer.

    Returns an :class:`AttentionOutput` with masks of 1 and uniform temporal weights (what "no
    attention" means), so training, prediction and the attention file treat it like any model.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.feature_channels, config.num_classes)

    def forward(self, features: torch.Tensor, pool_frames: int | None = None) -> AttentionOutput:
        if features.ndim != 5:
            raise ValueError(f"features must be (B, n, C, h, w), got {tuple(features.shape)}")
        b, n, _, h, w = features.shape
        logits = self.classifier(self.dropout(features.mean(dim=(1, 3, 4))))
        weights = features.new_full((b, 1, n), 1.0 / n)
        return AttentionOutput(logits, features.new_ones((b, n, h, w)), weights, weights[:, 0])


class VideoAttentionModel(nn.Module):
    """Backbone + :class:`AttentionHead`: clips of frames in, :class:`AttentionOutput` out.

    ``clips``: uint8 (B, n, H, W, 3) RGB, or float (B, n, 3, H, W) in [0, 1]. With ``backbone=None``
    the model takes feature maps (B, n, C, h, w) instead (feature-cache training).
    """

    def __init__(self, config: ModelConfig, backbone: nn.Module | None):
        super().__init__()
        self.config = config
        self.backbone = backbone
        self.head = MeanPoolHead(config) if config.head == "meanpool" else AttentionHead(config)

    def features(self, clips: torch.Tensor) -> torch.Tensor:
        """Backbone feature maps (B, n, C, h, w) of clips."""
        b, n = clips.shape[:2]
        feats = self.backbone(clips.reshape(b * n, *clips.shape[2:]))
        return feats.view(b, n, *feats.shape[1:])

    def forward(self, clips: torch.Tensor) -> AttentionOutput:
        return self.head(clips if self.backbone is None else self.features(clips))


def build_model(config: ModelConfig, backbone_weights=None, with_backbone: bool = True, seed: int = 0,
                finetune: dict | None = None) -> VideoAttentionModel:
    """A fresh model of ``config``; ResNet weights only from the local file ``backbone_weights``.

    ``finetune`` (``{"bn_mode": ..., "train_stages": ...}``) makes a ResNet backbone trainable
    (see :func:`locbench.model.backbones.make_backbone`); None keeps it frozen.
    """
    backbone = None
    if with_backbone:
        from locbench.model.backbones import make_backbone

        extra = dict(trainable=True, **finetune) if finetune is not None else {}
        backbone = make_backbone(config.backbone, backbone_weights, input_size=config.input_size,
                                 out_channels=config.feature_channels if config.backbone == "small" else None,
                                 seed=seed, **extra)
    return VideoAttentionModel(config, backbone)


__all__ = ["AttentionOutput", "AttentionHead", "MeanPoolHead", "VideoAttentionModel", "build_model"]
