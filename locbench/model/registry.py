"""The backbone registry: one entry per frame feature extractor, read by config, checkpoint, train and the CLI.

Adding a backbone is one :class:`BackboneSpec` here (and its factory in
:mod:`locbench.model.backbones`) plus one test. Torch-free, so ``locbench --help`` and the configs
import it cheaply.

>>> BACKBONES["resnet101"].channels, BACKBONES["resnet101"].stride, BACKBONES["resnet101"].input_size
(2048, 32, 224)
>>> backbone_names()
('small', 'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152')
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BackboneSpec:
    """What the rest of locbench needs to know about a backbone without building it."""

    name: str
    factory: str  # "small" or the torchvision constructor name
    channels: int  # C of the last conv map (small: the default; configurable)
    stride: int  # input pixels per feature-map cell
    input_size: int  # default square frame side in pixels
    trainable: bool  # trained with the head by default (small) or frozen (ImageNet ResNets)
    pretrained: bool  # takes --backbone-weights (a torchvision state dict)
    note: str = ""


_SPECS = (
    BackboneSpec("small", "small", 128, 16, 128, True, False, "five conv-BN-ReLU stages, for CPU demos and tests"),
    BackboneSpec("resnet18", "resnet18", 512, 32, 224, False, True, "tiny ResNet for CPU Table-6-style runs"),
    BackboneSpec("resnet34", "resnet34", 512, 32, 224, False, True),
    BackboneSpec("resnet50", "resnet50", 2048, 32, 224, False, True, "Tables 2, 6 (paper defaults, Table 5)"),
    BackboneSpec("resnet101", "resnet101", 2048, 32, 224, False, True, "Table 1 (53.07 / 87.11), Table 6"),
    BackboneSpec("resnet152", "resnet152", 2048, 32, 224, False, True, "Table 6"),
)

#: name -> spec, in the order the CLI lists them
BACKBONES: dict[str, BackboneSpec] = {s.name: s for s in _SPECS}


def backbone_names() -> tuple[str, ...]:
    """Every registered backbone name (the CLI's --backbone choices)."""
    return tuple(BACKBONES)


def backbone_spec(name: str) -> BackboneSpec:
    """The spec of ``name``; ValueError naming the choices for an unknown one."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose {', '.join(BACKBONES)}")
    return BACKBONES[name]


__all__ = ["BackboneSpec", "BACKBONES", "backbone_names", "backbone_spec"]
