"""Architecture of the spatio-temporal attention model as one plain, JSON-able dataclass.

The config travels inside every checkpoint, so a checkpoint can rebuild its own network and a
checkpoint from another architecture or class list is refused instead of half-loaded.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields

from annotations.errors import InputError
from locbench.model.registry import backbone_names

#: Backbones known to :mod:`locbench.model.backbones` (the registry, :mod:`locbench.model.registry`).
BACKBONES = backbone_names()

#: How the attended frames are pooled into the ConvLSTM input Y_t (see docs/model.md).
POOLS = ("inv_n", "sum")

#: The head on the backbone features: the paper's attention model, or the plain-backbone baseline
#: (features mean-pooled over frames and pixels, then a linear classifier: Table 1's "ResNet101-ImageNet").
HEADS = ("attention", "meanpool")


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the network. Defaults are the paper's (Table 5)."""

    class_names: tuple[str, ...]
    backbone: str = "resnet50"
    feature_channels: int = 2048  # C of the backbone's last conv map
    input_size: int = 224  # frames are resized to input_size x input_size pixels
    num_frames: int = 25  # n: frames per clip
    num_steps: int = 25  # T: ConvLSTM steps
    spatial_widths: tuple[int, ...] = (1024, 512)  # hidden widths of the 3x3 mask convs
    hidden_channels: int = 512  # ConvLSTM hidden state channels
    attention_dim: int = 256  # d of the additive temporal attention
    pool: str = "inv_n"  # Y_t = (1/n) sum_i w_ti X~_i ("inv_n", the paper) or sum_i w_ti X~_i ("sum")
    spatial_attention: bool = True  # False: mask = 1 everywhere (ablation)
    temporal_attention: bool = True  # False: w_ti = 1/n (ablation)
    dropout: float = 0.0  # before the classifier
    head: str = "attention"  # "meanpool": the plain-backbone baseline (no attention, no ConvLSTM)
    # Initial bias of the last mask conv (None: PyTorch's default init). Negative starts the masks mostly
    # closed: the contrast term pushes every cell away from 0.5, so a mask that starts open tends to stay
    # open (docs/model.md, "The CPU demo configuration"). An initialisation, not part of the architecture.
    mask_bias_init: float | None = None
    # Where the frozen backbone weights came from (feature-cache runs); not part of the architecture.
    backbone_weights_sha256: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        object.__setattr__(self, "spatial_widths", tuple(int(w) for w in self.spatial_widths))
        problems = []
        if len(self.class_names) < 1:
            problems.append("class_names is empty")
        if len(set(self.class_names)) != len(self.class_names):
            problems.append("class_names has duplicates")
        if self.backbone not in BACKBONES:
            problems.append(f"backbone {self.backbone!r} is not one of {', '.join(BACKBONES)}")
        if self.head not in HEADS:
            problems.append(f"head {self.head!r} is not one of {', '.join(HEADS)}")
        if self.pool not in POOLS:
            problems.append(f"pool {self.pool!r} is not one of {', '.join(POOLS)}")
        for name in ("feature_channels", "input_size", "num_frames", "num_steps", "hidden_channels", "attention_dim"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                problems.append(f"{name} must be a positive integer, got {v!r}")
        if any(w < 1 for w in self.spatial_widths):
            problems.append("spatial_widths must be positive")
        if not 0.0 <= float(self.dropout) < 1.0:
            problems.append(f"dropout must be in [0, 1), got {self.dropout!r}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def to_dict(self) -> dict:
        """Plain dict (lists, str, int, float, bool, None) for JSON and ``weights_only`` checkpoints."""
        d = dataclasses.asdict(self)
        d["class_names"] = list(self.class_names)
        d["spatial_widths"] = list(self.spatial_widths)
        return d

    @classmethod
    def from_dict(cls, d: dict, source: str | None = None) -> "ModelConfig":
        """Inverse of :meth:`to_dict`; unknown or missing keys and bad values raise InputError."""
        if not isinstance(d, dict):
            raise InputError(source, "key 'config'", f"expected a dict, found {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InputError(source, "key 'config'", f"unknown model settings {unknown} (written by a newer locbench?)")
        if "class_names" not in d:
            raise InputError(source, "key 'config'", "missing 'class_names'")
        try:
            return cls(**d)
        except (TypeError, ValueError) as e:
            raise InputError(source, "key 'config'", str(e)) from None

    def architecture(self) -> dict:
        """The settings that decide the parameter shapes and the forward pass (not provenance)."""
        d = self.to_dict()
        d.pop("backbone_weights_sha256")
        d.pop("dropout")
        d.pop("mask_bias_init")
        return d

    def replace(self, **changes) -> "ModelConfig":
        return dataclasses.replace(self, **changes)


def small_config(class_names, **overrides) -> ModelConfig:
    """A CPU-sized model on the small backbone: 128 px frames, 8x8 maps, 8 frames, narrow widths."""
    base = dict(backbone="small", feature_channels=128, input_size=128, num_frames=8, num_steps=8,
                spatial_widths=(64, 32), hidden_channels=64, attention_dim=32)
    base.update(overrides)
    return ModelConfig(class_names=tuple(class_names), **base)


__all__ = ["BACKBONES", "POOLS", "HEADS", "ModelConfig", "small_config"]
