"""Frame feature extractors: torchvision ResNet-50/101/152 cut after the last conv, and a small CPU net.

Weights are never downloaded: ImageNet weights come only from a local torchvision state-dict file,
read with ``torch.load(weights_only=True)``. Without one the ResNet is randomly initialised (with a
fixed seed, so feature caches stay reproducible) and a :class:`RandomInitWarning` is raised loudly.
Frames are normalised with ImageNet mean/std inside :class:`Backbone`.
"""
from __future__ import annotations

import hashlib
import os
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from annotations.errors import InputError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESNETS = {"resnet50": "resnet50", "resnet101": "resnet101", "resnet152": "resnet152"}


class RandomInitWarning(UserWarning):
    """A ResNet backbone runs without pretrained weights: its features are meaningless for transfer."""


class Backbone(nn.Module):
    """Preprocess frames (resize to ``input_size``^2, ImageNet-normalise) and run a conv trunk.

    Accepts uint8 RGB frames (N, H, W, 3) or float RGB tensors (N, 3, H, W) in [0, 1]; returns the
    last conv map (N, C, h, w). A frozen backbone stays in eval mode (BN statistics fixed) and
    runs without autograd.
    """

    def __init__(self, name: str, trunk: nn.Module, out_channels: int, input_size: int, trainable: bool):
        super().__init__()
        self.name = name
        self.trunk = trunk
        self.out_channels = out_channels
        self.input_size = input_size
        self.trainable = trainable
        self.weights_sha256: str | None = None  # of the weights file, for feature-cache provenance
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        if not trainable:
            self.trunk.requires_grad_(False)
            self.trunk.eval()

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.trainable:
            self.trunk.eval()
        return self

    def preprocess(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 (N, H, W, 3) or float (N, 3, H, W) in [0, 1] -> normalised float (N, 3, S, S)."""
        if frames.dtype == torch.uint8:
            if frames.ndim != 4 or frames.shape[-1] != 3:
                raise ValueError(f"uint8 frames must be (N, H, W, 3) RGB, got {tuple(frames.shape)}")
            x = frames.permute(0, 3, 1, 2).float().div_(255.0)
        else:
            if frames.ndim != 4 or frames.shape[1] != 3:
                raise ValueError(f"float frames must be (N, 3, H, W) RGB in [0, 1], got {tuple(frames.shape)}")
            x = frames.float()
        if x.shape[-2:] != (self.input_size, self.input_size):
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear",
                              align_corners=False, antialias=True)
        return (x - self.mean) / self.std

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x = self.preprocess(frames.to(self.mean.device))
        if self.trainable:
            return self.trunk(x)
        with torch.no_grad():
            return self.trunk(x)


def small_trunk(out_channels: int = 128, widths: tuple[int, ...] = (32, 64, 96)) -> nn.Module:
    """Four stride-2 conv-BN-ReLU stages and one stride-1 stage: stride 16 (128 px -> 8 x 8 map)."""
    layers: list[nn.Module] = []
    prev = 3
    for w in tuple(widths) + (out_channels,):
        layers += [nn.Conv2d(prev, w, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
        prev = w
    layers += [nn.Conv2d(prev, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_state_dict_file(path: str | os.PathLike, what: str = "weights") -> dict:
    """A state dict (str -> tensor) from ``path`` with ``weights_only=True``; InputError otherwise."""
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise InputError(p, None, f"{what} file does not exist" if not os.path.exists(p) else f"{what} path is not a file")
    from locbench.model.checkpoint import safe_torch_load

    sd = safe_torch_load(p, what)
    if not isinstance(sd, dict) or not sd or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in sd.items()):
        raise InputError(p, None, f"{what} is not a state dict (a dict of parameter name -> tensor)")
    return sd


def _resnet_trunk(name: str, weights_path: str | os.PathLike | None, seed: int) -> nn.Module:
    import torchvision

    ctor = getattr(torchvision.models, RESNETS[name])
    if weights_path is None:
        warnings.warn(f"{name} backbone has RANDOM INITIALISATION (seed {seed}): no --backbone-weights given, "
                      "so its features are not ImageNet features and localization numbers mean nothing. "
                      "Pass a torchvision state dict (.pth) with --backbone-weights.", RandomInitWarning, stacklevel=3)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = ctor(weights=None)
    else:
        net = ctor(weights=None)
        sd = load_state_dict_file(weights_path, f"{name} weights")
        try:
            net.load_state_dict(sd, strict=True)
        except RuntimeError as e:
            lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
            raise InputError(os.fspath(weights_path), None,
                             f"state dict does not fit torchvision {name}: {' '.join(lines[1:4])[:400]}") from None
    return nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4)


def make_backbone(name: str, weights_path: str | os.PathLike | None = None, input_size: int | None = None,
                  out_channels: int | None = None, trainable: bool | None = None, seed: int = 0) -> Backbone:
    """Build backbone ``name`` ("small", "resnet50", "resnet101", "resnet152").

    ResNets are frozen by default and output 2048 channels (7 x 7 at 224 px); "small" is trainable,
    outputs ``out_channels`` (default 128) and takes 128 px frames by default.
    """
    if name == "small":
        if weights_path is not None:
            raise InputError(os.fspath(weights_path), None, "the small backbone takes no --backbone-weights "
                                                           "(it is trained end-to-end with the model)")
        oc = out_channels or 128
        return Backbone(name, small_trunk(oc), oc, input_size or 128, True if trainable is None else trainable)
    if name not in RESNETS:
        raise InputError(None, None, f"unknown backbone {name!r}; choose small, {', '.join(RESNETS)}")
    if out_channels not in (None, 2048):
        raise ValueError(f"{name} outputs 2048 channels, not {out_channels}")
    trunk = _resnet_trunk(name, weights_path, seed)
    bb = Backbone(name, trunk, 2048, input_size or 224, False if trainable is None else trainable)
    bb.weights_sha256 = file_sha256(weights_path) if weights_path is not None else None
    return bb


__all__ = ["Backbone", "RandomInitWarning", "make_backbone", "small_trunk", "load_state_dict_file",
           "file_sha256", "IMAGENET_MEAN", "IMAGENET_STD"]
