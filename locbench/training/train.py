"""Training of the attention model from class labels only (never boxes or segments).

Two data modes: end-to-end on video frames (the small backbone trained with the head, or a ResNet
frozen or fine-tuned with ``finetune_backbone``), or on a feature cache of a frozen ResNet
(``features=``). Kinds of data: trimmed clips with one class per video (UCF101-24 layout, or the
HMDB51 / UCF101 / Moments in Time layouts of :mod:`annotations.recognition`), or untrimmed videos
with video-level, possibly multiple, labels (THUMOS'14 layout; soft cross-entropy targets). Runs
alone or under ``torchrun`` (DDP; only rank 0 writes). Each epoch appends to ``metrics.jsonl`` and
writes ``last.pt`` (and ``best.pt`` when the validation accuracy improves; without validation every
epoch, so ``best.pt`` is the last epoch), all atomically; ``resume=True`` continues exactly from
``last.pt``.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import sys
import time
import warnings
from dataclasses import dataclass, field

import torch

from annotations.atomic import atomic_write_text
from annotations.errors import InputError
from locbench.training import distributed as D
from locbench.model.checkpoint import _load_into, load_checkpoint, save_checkpoint
from locbench.model.config import ModelConfig
from locbench.model.losses import LossWeights, attention_losses

LOSS_TERMS = ("ce", "tv", "contrast", "unimodal", "total")


@dataclass
class TrainConfig:
    """Every setting of a run; written to ``<out>/config.json``."""

    data: str
    classes: str | None = None  # class list; None for HMDB51 / UCF101 / Moments in Time roots (their own)
    out: str = "run"
    backbone: str | None = None  # default: small, or the cache's ResNet with ``features``
    backbone_weights: str | None = None
    features: str | None = None  # feature cache dir: train the head on a frozen backbone's features
    train_list: str | None = None
    val_list: str | None = None  # explicit validation list (never the test list by default)
    holdout: float = 0.0  # fraction of the training groups held out for validation (0: no validation)
    official_split: int = 1  # HMDB51 / UCF101 split 1, 2 or 3
    # untrimmed (THUMOS'14 layout): on when the ground-truth folder has *_val.txt files or a subset is given
    train_subset: str | None = None  # default "val" (THUMOS'14 trains on its validation videos)
    val_subset: str | None = None  # default none (no validation); "test" validates on the test subset, said so
    groundtruth: str | None = None  # folder of <Class>_<subset>.txt; default <data>/groundtruth
    clip_sampling: str = "tsn"  # "tsn": n frames over the whole video; "window": one contiguous window
    clip_seconds: float | None = None  # window length (default n / sample_fps)
    sample_fps: float = 10.0  # frame rate of the window's candidate frames
    epochs: int = 30
    batch_size: int = 8
    lr: float = 1e-3
    weight_decay: float = 0.0
    grad_clip: float = 0.0  # max gradient norm; 0 = off
    lambda_tv: float = 1e-5
    lambda_contrast: float = 1e-4
    lambda_unimodal: float = 1.0
    spatial_attention: bool = True
    temporal_attention: bool = True
    num_frames: int | None = None  # default: 25 (ResNet), 8 (small)
    num_steps: int | None = None  # default: = num_frames
    hidden_channels: int | None = None  # default: 512 (ResNet), 64 (small)
    spatial_widths: tuple[int, ...] | None = None  # default: (1024, 512) (ResNet), (64, 32) (small)
    attention_dim: int | None = None  # default: 256 (ResNet), 32 (small)
    feature_channels: int | None = None  # small backbone only; default 128
    input_size: int | None = None  # default: 224 (ResNet), 128 (small)
    pool: str = "inv_n"
    head: str = "attention"  # "meanpool": the plain-backbone baseline (mean-pooled features + linear classifier)
    dropout: float = 0.0
    mask_bias_init: float | None = None  # initial bias of the last mask conv (None: PyTorch default)
    finetune_backbone: bool = False  # train a ResNet backbone end to end with the head (the paper)
    backbone_lr: float | None = None  # its learning rate (default lr / 10)
    bn_mode: str = "frozen"  # fine-tuning: "frozen" keeps BN statistics, "train" updates them
    train_stages: tuple[str, ...] | None = None  # fine-tuning: which of layer1..layer4 train (default all)
    augment: bool = False  # He et al.: scale augmentation, random crop, flip (one draw per clip); centre crop at test;
    # with ``features``: each epoch one of the video's augmented copies (extract_features(augment_copies=N))
    seed: int = 0
    resume: bool = False
    device: str = "auto"
    amp: bool = False  # bfloat16 autocast on CUDA
    workers: int = 0
    progress: bool = True


@dataclass
class TrainResult:
    model: torch.nn.Module  # unwrapped VideoAttentionModel (head only in feature mode)
    history: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    out: str = ""


def model_config(cfg: TrainConfig, class_names, feature_channels: int | None = None,
                 backbone_sha256: str | None = None, input_size: int | None = None) -> ModelConfig:
    """The ModelConfig a TrainConfig asks for (paper defaults for ResNets, CPU sizes for small)."""
    from locbench.model.registry import backbone_spec

    small = cfg.backbone == "small"
    try:
        spec = backbone_spec(cfg.backbone)
    except ValueError as e:
        raise InputError(None, "arguments", str(e)) from None
    if not small and feature_channels is None and cfg.feature_channels not in (None, spec.channels):
        raise InputError(None, "arguments", f"{cfg.backbone} outputs {spec.channels} channels: feature_channels "
                                            f"({cfg.feature_channels}) is for the small backbone")
    n = cfg.num_frames or (8 if small else 25)
    d = dict(
        class_names=tuple(class_names), backbone=cfg.backbone,
        feature_channels=feature_channels or cfg.feature_channels or spec.channels,
        input_size=input_size or cfg.input_size or spec.input_size,
        num_frames=n, num_steps=cfg.num_steps or n,
        spatial_widths=tuple(cfg.spatial_widths or ((64, 32) if small else (1024, 512))),
        hidden_channels=cfg.hidden_channels or (64 if small else 512),
        attention_dim=cfg.attention_dim or (32 if small else 256),
        pool=cfg.pool, head=cfg.head, spatial_attention=cfg.spatial_attention, temporal_attention=cfg.temporal_attention,
        dropout=cfg.dropout, mask_bias_init=cfg.mask_bias_init, backbone_weights_sha256=backbone_sha256,
    )
    try:
        return ModelConfig(**d)
    except ValueError as e:
        raise InputError(None, "arguments", str(e)) from None


def cosine_lr(base_lr: float, epoch: int, epochs: int) -> float:
    """Learning rate of 0-based ``epoch``: base_lr * (1 + cos(pi * epoch / epochs)) / 2, no warm-up.

    A pure function of (epoch, epochs), so a resumed run gets exactly the rates of an uninterrupted one.
    """
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * epoch / max(epochs, 1)))


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(tuple(tuple(x) if isinstance(x, list) else x for x in state["python"]))
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _log(msg: str, dist: D.DistInfo) -> None:
    if dist.is_main:
        print(msg, file=sys.stderr, flush=True)


def _run_dir_check(cfg: TrainConfig) -> str | None:
    last = os.path.join(cfg.out, "last.pt")
    if cfg.resume:
        if not os.path.isfile(last):
            raise InputError(last, None, "--resume: no last.pt in the run directory")
        return last
    if os.path.exists(last):
        raise InputError(cfg.out, None, "the run directory already holds last.pt: pass --resume to continue it, "
                                        "or choose another --out")
    return None


def data_kind(cfg: TrainConfig) -> str:
    """``untrimmed`` when a subset is given or the root has a THUMOS'14-style ground-truth folder,
    ``recognition`` for an HMDB51 / UCF101 / Moments in Time root, else ``trimmed``."""
    from locbench.training.splits import is_untrimmed_layout

    from annotations.recognition import detect_format

    if cfg.train_subset or cfg.val_subset:
        return "untrimmed"
    if detect_format(cfg.data) is not None:
        return "recognition"
    if cfg.groundtruth is not None and not os.path.isdir(cfg.groundtruth):
        raise InputError(cfg.groundtruth, None, "ground-truth directory does not exist")
    return "untrimmed" if is_untrimmed_layout(cfg.data, cfg.groundtruth) else "trimmed"


def _build_data(cfg: TrainConfig, classes, kind: str = "trimmed"):
    """(train items, validation items, feature provenance, split info, classes): never the test list by default."""
    from locbench.training.splits import recognition_training_split, resolve_untrimmed_split, training_split

    if kind == "recognition":
        classes, train_items, val_items, info = recognition_training_split(
            cfg.data, cfg.official_split, classes, cfg.val_list, cfg.holdout, cfg.seed)
    elif kind == "untrimmed":
        val_subset = cfg.val_subset or "none"
        if cfg.holdout and val_subset != "none":
            raise InputError(None, "arguments", "give a validation subset or a hold-out fraction, not both")
        train_items, val_items = resolve_untrimmed_split(
            cfg.data, classes, cfg.train_subset or "val", None if val_subset == "none" else val_subset,
            cfg.groundtruth, cfg.train_list, cfg.val_list)
        info = {"train_subset": cfg.train_subset or "val", "validation": "none" if val_subset == "none" else "subset",
                "val_subset": None if val_subset == "none" else val_subset,
                "val_is_test_list": val_subset == "test"}
        if cfg.holdout:
            from locbench.training.splits import holdout_by_group

            train_items, val_items, held = holdout_by_group(train_items, cfg.holdout, cfg.seed,
                                                            {v.name: v.name for v in train_items})
            info.update(validation="holdout", holdout=float(cfg.holdout), holdout_groups=held)
    else:
        train_items, val_items, info = training_split(cfg.data, classes, cfg.train_list, cfg.val_list, cfg.holdout,
                                                      cfg.seed)
    prov = None
    if cfg.features:
        from locbench.training.features import cache_provenance, feature_path

        prov = cache_provenance(cfg.features, [v.name for v in train_items])
        if cfg.backbone is not None and prov["backbone"] != cfg.backbone:
            raise InputError(prov["source"], "key 'backbone'", f"features come from {prov['backbone']}, "
                                                               f"but --backbone is {cfg.backbone}")
        val_missing = [v.name for v in val_items if not os.path.isfile(feature_path(cfg.features, v.name))]
        missing = prov["missing"] + val_missing
        if missing:
            warnings.warn(f"{len(missing)} videos have no cached features and are skipped "
                          f"(first: {missing[0]!r})", stacklevel=2)
        skip = set(missing)
        train_items = [v for v in train_items if v.name not in skip]
        val_items = [v for v in val_items if v.name not in skip]
    if not train_items:  # an empty list would train nothing and still save a checkpoint, exit 0
        where = "the cached features" if cfg.features else "the training list"
        raise InputError(cfg.features or cfg.data, None, f"no training video left ({where} gave none); check the "
                                                         "split or list files and that the videos are on disk")
    return train_items, val_items, prov, info, tuple(classes)


def _make_loaders(cfg, mcfg, train_items, val_items, prov, dist, kind: str = "trimmed"):
    from torch.utils.data import DataLoader, DistributedSampler, Subset

    from locbench.training.datasets import ClipSampling, FeatureClipDataset, VideoClipDataset

    sampling = ClipSampling(cfg.clip_sampling, cfg.clip_seconds, cfg.sample_fps)
    soft = mcfg.num_classes if kind == "untrimmed" else None  # multi-label videos: soft targets

    def dataset(items, train):
        if cfg.features:
            return FeatureClipDataset(items, cfg.features, mcfg.num_frames, train, cfg.seed, expect=prov,
                                      sampling=sampling, num_classes=soft, augment=cfg.augment)
        return VideoClipDataset(items, mcfg.num_frames, mcfg.input_size, train, cfg.seed, sampling, soft,
                                augment=cfg.augment)

    train_ds = dataset(train_items, True)
    sampler = DistributedSampler(train_ds, num_replicas=dist.world_size, rank=dist.rank, shuffle=True,
                                 seed=cfg.seed, drop_last=False)
    pin = dist.device.type == "cuda"
    train_dl = DataLoader(train_ds, batch_size=cfg.batch_size, sampler=sampler, num_workers=cfg.workers,
                          pin_memory=pin, persistent_workers=False)
    val_dl = None
    if val_items:
        val_ds = dataset(val_items, False)
        mine = D.shard(range(len(val_ds)), dist.rank, dist.world_size)  # no padding: exact accuracy
        val_dl = DataLoader(Subset(val_ds, mine), batch_size=cfg.batch_size, shuffle=False,
                            num_workers=cfg.workers, pin_memory=pin)
    return train_ds, sampler, train_dl, val_dl


def _autocast(cfg, dist):
    if cfg.amp and dist.device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    import contextlib
    return contextlib.nullcontext()


def _targets(y, device) -> torch.Tensor:
    """Class indices (B,) int64, or soft targets (B, C) float32 of multi-label videos."""
    y = torch.as_tensor(y)
    return (y.float() if y.is_floating_point() else y.long()).to(device, non_blocking=True)


def top1_hits(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Clips whose top-1 class is their class (or, with soft targets, any of their classes)."""
    pred = logits.argmax(1)
    if y.ndim == 2:
        return (y.gather(1, pred[:, None]).squeeze(1) > 0).sum()
    return (pred == y).sum()


def _train_epoch(model, loader, optimizer, cfg, weights, spatial, dist, epoch) -> dict:
    from tqdm import tqdm

    model.train()
    sums = torch.zeros(len(LOSS_TERMS) + 2, dtype=torch.float64)  # terms..., correct, clips
    bar = tqdm(loader, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch", leave=False, file=sys.stderr,
               disable=not (cfg.progress and dist.is_main))
    for x, y, _ in bar:
        x = x.to(dist.device, non_blocking=True)
        y = _targets(y, dist.device)
        with _autocast(cfg, dist):
            out = model(x)
        losses = attention_losses(out, y, weights, spatial=spatial)
        if not torch.isfinite(losses["total"].detach()):
            raise FloatingPointError(f"epoch {epoch + 1}: loss is {losses['total'].item()}; lower --lr")
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        b = len(y)
        with torch.no_grad():
            terms = torch.stack([losses[k].detach().float() for k in LOSS_TERMS]).double().cpu()
            sums[:len(LOSS_TERMS)] += terms * b
            sums[-2] += top1_hits(out.logits.detach(), y).item()
            sums[-1] += b
        bar.set_postfix(loss=f"{terms[-1].item():.3f}")
    return _finish(sums, "train")


def _finish(sums: torch.Tensor, prefix: str) -> dict:
    sums = D.all_reduce_sum(sums)
    n = max(float(sums[-1]), 1.0)
    keys = LOSS_TERMS if prefix == "train" else ("ce",)
    d = {f"{prefix}_{k}": float(sums[i]) / n for i, k in enumerate(keys)}
    d[f"{prefix}_accuracy"] = float(sums[-2]) / n
    d[f"{prefix}_clips"] = int(sums[-1])
    return d


@torch.no_grad()
def evaluate(model, loader, cfg, dist) -> dict:
    """Validation cross-entropy and top-1 accuracy over this rank's shard, summed over ranks."""
    from locbench.model.losses import cross_entropy

    model.eval()
    sums = torch.zeros(3, dtype=torch.float64)
    for x, y, _ in loader:
        x = x.to(dist.device, non_blocking=True)
        y = _targets(y, dist.device)
        with _autocast(cfg, dist):
            out = model(x)
        sums[0] += float(cross_entropy(out.logits, y, reduction="none").sum())
        sums[1] += float(top1_hits(out.logits, y))
        sums[2] += len(y)
    return _finish(sums, "val")


def _write_jsonl(path: str, history: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(h, sort_keys=True) + "\n" for h in history))


def _is_better(metrics: dict, best: float | None, has_val: bool) -> tuple[bool, float]:
    """Higher validation accuracy (ties keep the earlier); without validation every epoch is the best so
    far, so best.pt is the last epoch: nothing is selected on data the model trained on or is tested on."""
    if not has_val:
        return True, float(metrics["epoch"])
    score = metrics["val_accuracy"]
    return (best is None or score > best), score


def _validation_line(info: dict, n: int) -> str:
    """One sentence saying which videos validate (and so choose best.pt)."""
    v = info.get("validation")
    if v == "list":
        extra = " -- this is the TEST list: best.pt is chosen on test data" if info.get("val_is_test_list") else ""
        return f"validation: {n} videos of {info['val_list']}{extra}"
    if v == "holdout":
        return (f"validation: {n} videos of {len(info['holdout_groups'])} groups held out of the training list "
                f"({100 * info['holdout']:.0f}% of its groups, never splitting a group); best.pt = best validation epoch")
    if v == "subset":
        extra = " -- the TEST subset: best.pt is chosen on test data" if info.get("val_is_test_list") else ""
        return f"validation: the {info['val_subset']} subset ({n} videos){extra}"
    return ("no validation (no validation list or hold-out given): best.pt is the last epoch; "
            "--holdout 0.2 holds out a fifth of the training groups")


def _feature_copies(cfg: TrainConfig, train_items) -> list[int]:
    """Augmented copies per training video's cache file; InputError naming the fix if one has none."""
    from locbench.training.features import feature_copies, feature_path

    counts = [feature_copies(feature_path(cfg.features, v.name)) for v in train_items]
    without = [v.name for v, n in zip(train_items, counts) if n < 1]
    if without or not counts:
        first = without[0] if without else None
        raise InputError(cfg.features, None, f"augment=True on features needs augmented copies, but "
                                             f"{len(without)} of {len(counts)} training videos have none "
                                             f"(first: {first!r}): run `locbench extract-features "
                                             f"--augment-copies N` (extract_features(augment_copies=N)) on the cache")
    return counts


def train(cfg: TrainConfig) -> TrainResult:
    """Run (or resume) training as configured; returns the trained model and the epoch history."""
    dist = D.init_distributed(cfg.device)
    try:
        return _train(cfg, dist)
    finally:
        D.cleanup(dist)


def _train(cfg: TrainConfig, dist: D.DistInfo) -> TrainResult:
    from locbench.training.splits import read_class_list
    from locbench.model.net import build_model

    kind = data_kind(cfg)
    if cfg.classes is None and kind != "recognition":
        raise InputError(None, "arguments", "a class list is needed (classes=...) unless the root is an HMDB51, "
                                            "UCF101 or Moments in Time dataset")
    classes = read_class_list(cfg.classes) if cfg.classes else None
    resume_path = _run_dir_check(cfg)
    if not 0.0 <= cfg.holdout < 1.0:
        raise InputError(None, "holdout", f"must be in [0, 1), got {cfg.holdout}")
    if cfg.features and cfg.finetune_backbone:
        raise InputError(None, "arguments", "fine-tuning the backbone needs video frames, not a feature cache")
    if cfg.finetune_backbone and (cfg.backbone or "small") == "small":
        raise InputError(None, "arguments", "finetune_backbone is for ResNet backbones (small always trains)")
    for name in ("epochs", "batch_size"):
        if getattr(cfg, name) < 1:
            raise InputError(None, "arguments", f"--{name.replace('_', '-')} must be at least 1")
    if cfg.features and cfg.backbone == "small":
        raise InputError(None, "arguments", "--features trains on a frozen ResNet's cache: give --backbone resnet50/101/152")
    if cfg.features and cfg.backbone_weights:
        raise InputError(None, "arguments", "--backbone-weights is for end-to-end runs; with --features the cache "
                                            "records which weights made it")
    from locbench.training.datasets import ClipSampling

    ClipSampling(cfg.clip_sampling, cfg.clip_seconds, cfg.sample_fps)  # InputError for bad settings, before any work
    train_items, val_items, prov, split_info, classes = _build_data(cfg, classes, kind)
    copies = _feature_copies(cfg, train_items) if cfg.features and cfg.augment else None
    data_info = {"kind": "trimmed" if kind == "recognition" else kind, "clip_sampling": cfg.clip_sampling,
                 "clip_seconds": cfg.clip_seconds, "sample_fps": float(cfg.sample_fps)}
    selection = {"split": split_info, "preprocess": "he" if cfg.augment else "resize",
                 "best_selected_on": "validation accuracy" if val_items else "last epoch (no validation)",
                 "finetune_backbone": bool(cfg.finetune_backbone)}
    if copies is not None:
        selection["preprocess"] = "he-feature-copies"
        selection["feature_copies"] = {
            "min_copies": min(copies), "max_copies": max(copies),
            "draw": "one augmented copy per training video per epoch, from (seed, epoch, index); "
                    "validation on the plain (resize) features"}
        _log(f"training on augmented feature copies ({min(copies)}-{max(copies)} per video); "
             "validating on the plain features", dist)
    if split_info.get("val_is_test_list"):
        warnings.warn("validating on the TEST list/subset (asked for explicitly): best.pt is chosen on test data; "
                      "report last.pt or hold out part of the training list instead", stacklevel=2)
    cfg = dataclasses.replace(cfg, backbone=cfg.backbone or (prov["backbone"] if prov else "small"))

    torch.manual_seed(cfg.seed)  # same initial weights on every rank (DDP also broadcasts rank 0's)
    random.seed(cfg.seed)
    if prov is not None:
        mcfg = model_config(cfg, classes, feature_channels=prov["feature_shape"][0],
                            backbone_sha256=prov["backbone_weights_sha256"], input_size=prov["input_size"])
        model = build_model(mcfg, with_backbone=False)
    else:
        mcfg = model_config(cfg, classes)
        model = build_model(mcfg, cfg.backbone_weights, seed=cfg.seed,
                            finetune=dict(bn_mode=cfg.bn_mode, train_stages=cfg.train_stages)
                            if cfg.finetune_backbone else None)
        for note in model.backbone.notes:
            _log(note, dist)
        if model.backbone.weights_sha256:
            mcfg = mcfg.replace(backbone_weights_sha256=model.backbone.weights_sha256)
            model.config = mcfg
            model.head.config = mcfg
    model.to(dist.device)
    head_params = [p for p in model.head.parameters() if p.requires_grad]
    groups = [{"params": head_params, "lr": cfg.lr, "scale": 1.0}]
    if model.backbone is not None:
        bb_params = [p for p in model.backbone.parameters() if p.requires_grad]
        if bb_params:
            if cfg.finetune_backbone:
                bb_lr = cfg.backbone_lr if cfg.backbone_lr is not None else cfg.lr / 10
                groups.append({"params": bb_params, "lr": bb_lr, "scale": bb_lr / cfg.lr})
            else:  # the small backbone trains with the head, in one group (as before: same Adam state layout)
                groups[0]["params"] = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
    weights = LossWeights(cfg.lambda_tv, cfg.lambda_contrast, cfg.lambda_unimodal)

    start_epoch, best, best_epoch, history = 0, None, None, []
    if resume_path:
        ckpt = load_checkpoint(resume_path, expect_config=mcfg)
        st = ckpt.train_state
        if not isinstance(st, dict) or not {"epoch", "optimizer", "rng"} <= set(st):
            raise InputError(resume_path, "key 'train_state'", "no training state to resume from (a best.pt or export?)")
        if ckpt.data is not None and ckpt.data.get("kind", data_info["kind"]) != data_info["kind"]:
            raise InputError(resume_path, "key 'data.kind'", f"the run was trained on {ckpt.data.get('kind')} videos, "
                                                             f"but --data {cfg.data} is {kind}")
        _load_into(model.head, {k: v.to(dist.device) for k, v in ckpt.head.items()}, resume_path, "head")
        if ckpt.backbone is not None and model.backbone is not None:
            _load_into(model.backbone.trunk, ckpt.backbone, resume_path, "backbone")
        optimizer.load_state_dict(st["optimizer"])
        start_epoch, best, best_epoch = int(st["epoch"]), st.get("best"), st.get("best_epoch")
        history = [dict(h) for h in st.get("history", [])]
        rngs = st["rng"]
        if len(rngs) == dist.world_size:
            _set_rng_state(rngs[dist.rank])
        else:
            warnings.warn(f"resuming with {dist.world_size} processes, saved with {len(rngs)}: the random "
                          "stream differs from an uninterrupted run", stacklevel=2)
            torch.manual_seed(cfg.seed + 1000 * start_epoch + dist.rank)
        _log(f"resumed from {resume_path} at epoch {start_epoch}", dist)
    else:
        torch.manual_seed(cfg.seed + dist.rank)  # per-rank dropout streams

    ddp = model
    if dist.is_distributed:
        from torch.nn.parallel import DistributedDataParallel

        ddp = DistributedDataParallel(model, device_ids=[dist.device.index] if dist.device.type == "cuda" else None)
    train_ds, sampler, train_dl, val_dl = _make_loaders(cfg, mcfg, train_items, val_items, prov, dist, kind)

    if dist.is_main:
        os.makedirs(cfg.out, exist_ok=True)
        run_info = {"train": dataclasses.asdict(cfg), "model": mcfg.to_dict(), "world_size": dist.world_size,
                    "train_videos": len(train_items), "val_videos": len(val_items), "data": data_info,
                    "selection": selection}
        atomic_write_text(os.path.join(cfg.out, "config.json"), json.dumps(run_info, indent=2, sort_keys=True) + "\n")
    multi = sum(len(v.all_labels) > 1 for v in train_items)
    _log(_validation_line(split_info, len(val_items)), dist)
    _log(f"training {len(train_items)} {kind} videos ({multi} multi-label, clips: {cfg.clip_sampling}), "
         f"validating {len(val_items)}, {len(classes)} classes, "
         f"{'features of ' + mcfg.backbone if prov else mcfg.backbone + ' backbone end-to-end'}, "
         f"device {dist.device}, {dist.world_size} process(es)", dist)

    if start_epoch >= cfg.epochs:
        _log(f"nothing to do: the run already has {start_epoch} of --epochs {cfg.epochs} epochs", dist)
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.time()
        sampler.set_epoch(epoch)
        train_ds.set_epoch(epoch)
        lr = cosine_lr(cfg.lr, epoch, cfg.epochs)
        for group in optimizer.param_groups:
            group["lr"] = lr * group.get("scale", 1.0)
        metrics = {"epoch": epoch + 1, "lr": lr}
        metrics.update(_train_epoch(ddp, train_dl, optimizer, cfg, weights,
                                    mcfg.spatial_attention and mcfg.head == "attention", dist, epoch))
        D.broadcast_buffers(model)  # every rank evaluates (and rank 0 saves) rank 0's BN statistics
        if val_dl is not None:
            metrics.update(evaluate(model, val_dl, cfg, dist))  # unwrapped: shards may differ in batch count
        metrics["time_s"] = round(time.time() - t0, 3)
        history.append(metrics)
        improved, score = _is_better(metrics, best, val_dl is not None)
        if improved:
            best, best_epoch = score, epoch + 1
        rngs = [_rng_state()]
        if dist.is_distributed:
            rngs = [None] * dist.world_size
            torch.distributed.all_gather_object(rngs, _rng_state())
        if dist.is_main:
            state = {"epoch": epoch + 1, "optimizer": optimizer.state_dict(),
                     "scheduler": {"name": "cosine", "lr": cfg.lr, "epochs": cfg.epochs},
                     "rng": rngs, "best": best, "best_epoch": best_epoch, "history": history}
            save_checkpoint(os.path.join(cfg.out, "last.pt"), model, train_state=state, metrics=metrics, data=data_info,
                            include_backbone=True if cfg.finetune_backbone else None, selection=selection)
            if improved:
                save_checkpoint(os.path.join(cfg.out, "best.pt"), model, metrics=metrics, data=data_info,
                                include_backbone=True if cfg.finetune_backbone else None, selection=selection)
            _write_jsonl(os.path.join(cfg.out, "metrics.jsonl"), history)
        D.barrier()
        _log(_epoch_line(metrics), dist)
    return TrainResult(model, history, best_epoch, cfg.out)


def _epoch_line(m: dict) -> str:
    parts = [f"epoch {m['epoch']}", f"loss {m['train_total']:.4f}", f"ce {m['train_ce']:.4f}",
             f"tv {m['train_tv']:.4g}", f"contrast {m['train_contrast']:.4g}", f"unimodal {m['train_unimodal']:.4g}",
             f"train acc {m['train_accuracy']:.3f}"]
    if "val_accuracy" in m:
        parts += [f"val ce {m['val_ce']:.4f}", f"val acc {m['val_accuracy']:.3f}"]
    parts.append(f"{m['time_s']:.1f}s")
    return "  ".join(parts)


__all__ = ["TrainConfig", "TrainResult", "model_config", "cosine_lr", "train", "evaluate", "data_kind", "top1_hits"]
