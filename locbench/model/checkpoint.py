"""Checkpoints of the attention model: config + weights (+ training state), safe to load.

A checkpoint is a dict of tensors and plain containers only, so it loads with
``torch.load(weights_only=True)``; a file holding any other pickled object is refused. It carries
the :class:`~locbench.model.config.ModelConfig` (architecture, widths, class names), so loading
refuses a checkpoint of another architecture or class list with an :class:`InputError`.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import torch

from annotations.atomic import atomic_open
from annotations.errors import InputError
from locbench.model.backbones import RandomInitWarning
from locbench.model.config import ModelConfig
from locbench.model.weights import file_sha256, safe_torch_load  # noqa: F401  (safe_torch_load: re-exported)

FORMAT = "locbench-attention"
VERSION = 1


@dataclass
class Checkpoint:
    """A loaded checkpoint. ``backbone`` is None for a frozen ResNet whose weights were not embedded."""

    config: ModelConfig
    head: dict
    backbone: dict | None
    train_state: dict | None
    metrics: dict | None
    path: str
    data: dict | None = None  # what it was trained on: {"kind": "trimmed" | "untrimmed", ...}; None = not recorded
    #: which videos trained and validated it and how it was chosen: {"split": {...}, "best_selected_on": ...,
    #: "preprocess": ...}; None = not recorded (older checkpoints)
    selection: dict | None = None


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return getattr(model, "module", model)  # DistributedDataParallel


def save_checkpoint(path: str | os.PathLike, model: torch.nn.Module, train_state: dict | None = None,
                    metrics: dict | None = None, include_backbone: bool | None = None, data: dict | None = None,
                    selection: dict | None = None) -> None:
    """Write ``model`` (a VideoAttentionModel, possibly DDP-wrapped) atomically to ``path``.

    The backbone is embedded when it is trainable (small) or ``include_backbone`` is true; a frozen
    ResNet is otherwise identified by ``config.backbone_weights_sha256`` only. ``data`` (plain values)
    records what the model was trained on, e.g. ``{"kind": "untrimmed"}``, for ``predict``.
    """
    model = _unwrap(model)
    obj = {"format": FORMAT, "version": VERSION, "config": model.config.to_dict(),
           "head": {k: v.detach().cpu() for k, v in model.head.state_dict().items()}}
    bb = getattr(model, "backbone", None)
    if bb is not None and (include_backbone or (include_backbone is None and bb.trainable)):
        obj["backbone"] = {k: v.detach().cpu() for k, v in bb.trunk.state_dict().items()}
    if train_state is not None:
        obj["train_state"] = train_state
    if metrics is not None:
        obj["metrics"] = metrics
    if data is not None:
        obj["data"] = dict(data)
    if selection is not None:
        obj["selection"] = dict(selection)
    with atomic_open(path, "wb") as f:
        torch.save(obj, f)


def _tensor_dict(obj, path: str, key: str) -> dict:
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        raise InputError(path, f"key '{key}'", "expected a state dict (parameter name -> tensor)")
    return obj


def load_checkpoint(path: str | os.PathLike, expect_classes=None, expect_config: ModelConfig | None = None) -> Checkpoint:
    """Read a checkpoint with ``weights_only=True``.

    ``expect_classes`` (class names in order) and ``expect_config`` (same architecture) make a
    mismatching checkpoint an InputError naming what differs.
    """
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise InputError(p, None, "checkpoint does not exist" if not os.path.exists(p) else "checkpoint is not a file")
    obj = safe_torch_load(p, "checkpoint")
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise InputError(p, "key 'format'", f"not a locbench attention-model checkpoint (expected format {FORMAT!r})")
    if obj.get("version") != VERSION:
        raise InputError(p, "key 'version'", f"checkpoint version {obj.get('version')!r}, this locbench reads {VERSION}")
    config = ModelConfig.from_dict(obj.get("config"), p)
    head = _tensor_dict(obj.get("head"), p, "head")
    backbone = _tensor_dict(obj["backbone"], p, "backbone") if "backbone" in obj else None
    data = obj.get("data")
    if data is not None and not isinstance(data, dict):
        raise InputError(p, "key 'data'", f"expected a dict, found {type(data).__name__}")
    selection = obj.get("selection")
    if selection is not None and not isinstance(selection, dict):
        raise InputError(p, "key 'selection'", f"expected a dict, found {type(selection).__name__}")
    ckpt = Checkpoint(config, head, backbone, obj.get("train_state"), obj.get("metrics"), p, data, selection)
    if expect_classes is not None:
        check_classes(ckpt, expect_classes)
    if expect_config is not None:
        check_architecture(ckpt, expect_config)
    return ckpt


def check_classes(ckpt: Checkpoint, expect_classes) -> None:
    """InputError unless the checkpoint was trained on exactly ``expect_classes`` in this order."""
    want = tuple(str(c) for c in expect_classes)
    have = ckpt.config.class_names
    if have == want:
        return
    if len(have) != len(want):
        raise InputError(ckpt.path, "key 'config.class_names'", f"checkpoint has {len(have)} classes, expected {len(want)}")
    i = next(i for i, (a, b) in enumerate(zip(have, want)) if a != b)
    raise InputError(ckpt.path, "key 'config.class_names'",
                     f"class {i} is {have[i]!r} in the checkpoint but {want[i]!r} in the class list")


def check_architecture(ckpt: Checkpoint, expect: ModelConfig) -> None:
    """InputError listing every architecture setting in which the checkpoint differs from ``expect``."""
    have, want = ckpt.config.architecture(), expect.architecture()
    diff = [f"{k}: checkpoint {have[k]!r} vs {want[k]!r}" for k in want if have.get(k) != want[k] and k != "class_names"]
    if diff:
        raise InputError(ckpt.path, "key 'config'", "checkpoint is another architecture: " + "; ".join(diff))
    check_classes(ckpt, expect.class_names)


def _load_into(module: torch.nn.Module, sd: dict, path: str, key: str) -> None:
    try:
        module.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        raise InputError(path, f"key '{key}'", f"weights do not fit the configured network: {' '.join(lines[1:4])[:400]}") from None


def model_from_checkpoint(ckpt: Checkpoint, backbone_weights=None, with_backbone: bool = True):
    """Rebuild the :class:`~locbench.model.net.VideoAttentionModel` of ``ckpt`` (eval mode, CPU).

    A frozen ResNet not embedded in the checkpoint comes from ``backbone_weights``, whose sha256
    must match the one recorded at training time.
    """
    from locbench.model.net import build_model

    cfg = ckpt.config
    if not with_backbone:
        model = build_model(cfg, with_backbone=False)
    elif ckpt.backbone is not None:
        if backbone_weights is not None:
            warnings.warn("the checkpoint embeds its backbone; --backbone-weights is ignored", stacklevel=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RandomInitWarning)
            model = build_model(cfg)
        _load_into(model.backbone.trunk, ckpt.backbone, ckpt.path, "backbone")
    elif cfg.backbone == "small":
        raise InputError(ckpt.path, "key 'backbone'", "the small backbone's weights are missing from the checkpoint")
    else:
        recorded = cfg.backbone_weights_sha256
        if backbone_weights is None and recorded is not None:
            raise InputError(ckpt.path, None, f"this checkpoint runs on an ImageNet {cfg.backbone} that is not embedded: "
                                              "pass its weights file with --backbone-weights")
        if backbone_weights is not None:
            got = file_sha256(backbone_weights) if os.path.isfile(backbone_weights) else None
            if got is not None and got != recorded:
                what = "a randomly initialised backbone" if recorded is None else f"weights with sha256 {recorded[:12]}…"
                raise InputError(os.fspath(backbone_weights), None,
                                 f"these backbone weights (sha256 {got[:12]}…) are not the ones the model was trained on ({what})")
        model = build_model(cfg, backbone_weights)
    _load_into(model.head, ckpt.head, ckpt.path, "head")
    return model.eval()


__all__ = ["safe_torch_load", "Checkpoint", "save_checkpoint", "load_checkpoint", "check_classes", "check_architecture",
           "model_from_checkpoint", "FORMAT", "VERSION"]
