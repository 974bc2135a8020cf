"""Frame feature extractors: torchvision ResNets cut after the last conv, and a small CPU net.

The names, channels, strides and default input sizes live in :mod:`locbench.model.registry`.

Weights are never downloaded: ImageNet weights come only from a local torchvision state-dict file,
read with ``torch.load(weights_only=True)``. Without one the ResNet is randomly initialised (with a
fixed seed, so feature caches stay reproducible) and a :class:`RandomInitWarning` is raised loudly.
Frames are normalised with ImageNet mean/std inside :class:`Backbone`.
"""
from __future__ import annotations

import os
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from annotations.errors import InputError
from locbench.model.registry import BACKBONES, backbone_spec
from locbench.model.weights import file_sha256, load_state_dict_file

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: the torchvision ResNets of the registry (name -> constructor)
RESNETS = {n: s.factory for n, s in BACKBONES.items() if s.factory.startswith("resnet")}


class RandomInitWarning(UserWarning):
    """A ResNet backbone runs without pretrained weights: its features are meaningless for transfer."""


class Backbone(nn.Module):
    """Preprocess frames (resize to ``input_size``^2, ImageNet-normalise) and run a conv trunk.

    Accepts uint8 RGB frames (N, H, W, 3) or float RGB tensors (N, 3, H, W) in [0, 1]; returns the
    last conv map (N, C, h, w). A frozen backbone stays in eval mode (BN statistics fixed) and
    runs without autograd.
    """

    def __init__(self, name: str, trunk: nn.Module, out_channels: int, input_size: int, trainable: bool,
                 bn_mode: str = "train"):
        super().__init__()
        self.name = name
        self.trunk = trunk
        self.out_channels = out_channels
        self.input_size = input_size
        self.trainable = trainable
        self.weights_sha256: str | None = None  # of the weights file, for feature-cache provenance
        self.notes: tuple[str, ...] = ()  # what loading the weights did (e.g. fc ignored)
        self.bn_mode = bn_mode  # fine-tuning: "train" updates BN statistics, "frozen" keeps them
        self.frozen_modules: tuple[nn.Module, ...] = ()  # trunk stages that do not train (train_stages)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        if not trainable:
            self.trunk.requires_grad_(False)
            self.trunk.eval()

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.trainable:
            self.trunk.eval()
        elif mode:
            for m in self.frozen_modules:
                m.eval()
            if self.bn_mode == "frozen":
                for m in self.trunk.modules():
                    if isinstance(m, nn.modules.batchnorm._BatchNorm):
                        m.eval()
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


class BackboneWeightsNote(UserWarning):
    """Something about a backbone weights file that the user should know (e.g. its ``fc`` was ignored)."""


def split_fc(sd: dict, path: str, name: str) -> tuple[dict, str | None]:
    """The trunk tensors of a torchvision state dict and a note when its ``fc`` classifier was dropped.

    The classifier is not part of the feature trunk, so an ``fc`` of any class count (ImageNet's
    1000, or a ResNet fine-tuned on HMDB51's 51) is ignored; a file with only one of ``fc.weight`` /
    ``fc.bias`` is broken and refused.
    """
    fc = {k: v for k, v in sd.items() if k.startswith("fc.")}
    if not fc:
        return sd, None
    if set(fc) != {"fc.weight", "fc.bias"}:
        raise InputError(path, None, f"state dict does not fit torchvision {name}: its classifier has "
                                     f"{sorted(fc)} (expected fc.weight and fc.bias, or neither)")
    k = int(fc["fc.weight"].shape[0])
    trunk = {key: v for key, v in sd.items() if not key.startswith("fc.")}
    return trunk, f"{path}: ignoring fc.weight / fc.bias ({k} classes): the classifier is not part of the backbone"


def _resnet_trunk(name: str, weights_path: str | os.PathLike | None, seed: int) -> tuple[nn.Module, list[str]]:
    import torchvision

    ctor = getattr(torchvision.models, backbone_spec(name).factory)
    notes: list[str] = []
    if weights_path is None:
        warnings.warn(f"{name} backbone has RANDOM INITIALISATION (seed {seed}): no --backbone-weights given, "
                      "so its features are not ImageNet features and localization numbers mean nothing. "
                      "Pass a torchvision state dict (.pth) with --backbone-weights.", RandomInitWarning, stacklevel=3)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = ctor(weights=None)
    else:
        net = ctor(weights=None)
        p = os.fspath(weights_path)
        sd, note = split_fc(load_state_dict_file(p, f"{name} weights"), p, name)
        trunk_sd = {k: v for k, v in net.state_dict().items() if not k.startswith("fc.")}
        missing = sorted(set(trunk_sd) - set(sd))
        unexpected = sorted(set(sd) - set(trunk_sd))
        if missing or unexpected:
            what = (f"missing {missing[:3]}" if missing else "") + ("; " if missing and unexpected else "") + \
                   (f"unexpected {unexpected[:3]}" if unexpected else "")
            raise InputError(p, None, f"state dict does not fit torchvision {name}: {what}")
        try:
            net.load_state_dict(sd, strict=False)
        except RuntimeError as e:
            lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
            raise InputError(p, None, f"state dict does not fit torchvision {name}: {' '.join(lines[1:4])[:400]}") from None
        if note:
            notes.append(note)
            warnings.warn(note, BackboneWeightsNote, stacklevel=3)
    stages = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4)
    return stages, notes


#: index in the ResNet trunk's Sequential of each trainable stage (for ``train_stages``)
RESNET_STAGES = {"layer1": 4, "layer2": 5, "layer3": 6, "layer4": 7}


def set_trainable_stages(bb: "Backbone", stages: tuple[str, ...] | None) -> None:
    """Fine-tune only ``stages`` of a ResNet trunk (e.g. ("layer3", "layer4")); None = all of it.

    Parameters outside those stages get ``requires_grad=False``. BN layers of frozen stages stay in
    eval mode (see :meth:`Backbone.train`).
    """
    if stages is None:
        bb.frozen_modules = ()
        return
    bad = [s for s in stages if s not in RESNET_STAGES]
    if bad:
        raise InputError(None, "train_stages", f"unknown stage {bad[0]!r}; choose from {', '.join(RESNET_STAGES)}")
    keep = {RESNET_STAGES[s] for s in stages}
    frozen = []
    for i, m in enumerate(bb.trunk):
        if i not in keep:
            m.requires_grad_(False)
            frozen.append(m)
    bb.frozen_modules = tuple(frozen)


def make_backbone(name: str, weights_path: str | os.PathLike | None = None, input_size: int | None = None,
                  out_channels: int | None = None, trainable: bool | None = None, seed: int = 0,
                  bn_mode: str = "frozen", train_stages: tuple[str, ...] | None = None) -> Backbone:
    """Build backbone ``name`` (any name of :data:`locbench.model.registry.BACKBONES`).

    ResNets are frozen by default (``trainable=True`` fine-tunes them: ``train_stages`` chooses which
    of layer1..layer4 train, ``bn_mode`` "frozen" keeps BN statistics fixed, "train" updates them);
    "small" is trainable, outputs ``out_channels`` (default 128) and takes 128 px frames by default.
    Weight files are torchvision state dicts; their ``fc`` tensors are ignored with a
    :class:`BackboneWeightsNote` (recorded in ``Backbone.notes``).
    """
    try:
        spec = backbone_spec(name)
    except ValueError as e:
        raise InputError(None, None, str(e)) from None
    if bn_mode not in ("frozen", "train"):
        raise InputError(None, "bn_mode", f"is 'frozen' or 'train', got {bn_mode!r}")
    if spec.factory == "small":
        if weights_path is not None:
            raise InputError(os.fspath(weights_path), None, "the small backbone takes no --backbone-weights "
                                                           "(it is trained end-to-end with the model)")
        oc = out_channels or spec.channels
        return Backbone(name, small_trunk(oc), oc, input_size or spec.input_size,
                        spec.trainable if trainable is None else trainable)
    if out_channels not in (None, spec.channels):
        raise ValueError(f"{name} outputs {spec.channels} channels, not {out_channels}")
    trunk, notes = _resnet_trunk(name, weights_path, seed)
    bb = Backbone(name, trunk, spec.channels, input_size or spec.input_size,
                  spec.trainable if trainable is None else trainable, bn_mode=bn_mode)
    bb.notes = tuple(notes)
    if bb.trainable:
        set_trainable_stages(bb, train_stages)
    bb.weights_sha256 = file_sha256(weights_path) if weights_path is not None else None
    return bb


__all__ = ["Backbone", "RandomInitWarning", "BackboneWeightsNote", "make_backbone", "small_trunk",
           "load_state_dict_file", "file_sha256", "split_fc", "set_trainable_stages", "RESNET_STAGES",
           "IMAGENET_MEAN", "IMAGENET_STD"]
