"""Run a trained checkpoint on videos and write one attention file per video (``docs/formats.md``).

Trimmed videos (UCF101-24): one clip of n frames (``sample_clip``, the centre of each of n equal
parts); the per-frame mask network also runs on every other frame (``mask_frames="all"``), so
frame-AP can use every annotated frame. Untrimmed videos (THUMOS'14): frames resampled at
``sample_fps``, cut into windows (the whole video in one window up to 512 sampled frames, else
windows of 256 with stride 128), the model run per window, per-frame importance stitched over
windows. Resumable, rank-sharded under ``torchrun``, and a bad video never stops the run.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from annotations.atomic import atomic_write_text
from annotations.errors import InputError

#: untrimmed videos with at most this many sampled frames run as one window
MAX_SINGLE_WINDOW = 512
#: longer videos: windows of this many sampled frames ...
LONG_WINDOW = 256
#: ... starting every LONG_STRIDE sampled frames (half overlap)
LONG_STRIDE = 128
MASK_FRAMES = ("all", "clip")
RUN_INFO = "predict_info.json"


@dataclass
class PredictReport:
    """What a predict run did: videos written now, skipped as already done, and failed (name, reason)."""

    out_dir: str
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: counts, and the names of the failed videos."""
        line = (f"predict: {len(self.done)} done, {len(self.skipped)} skipped as already done, "
                f"{len(self.failed)} failed")
        if self.failed:
            line += " (" + ", ".join(name for name, _ in self.failed) + ")"
        return line + f"; attention files in {self.out_dir} ({self.seconds:.1f} s)"


def model_name(config) -> str:
    """A readable name for tables, e.g. ``where-when (small, n=8)``; T and ablations when they differ."""
    parts = [config.backbone, f"n={config.num_frames}"]
    if config.num_steps != config.num_frames:
        parts.append(f"T={config.num_steps}")
    if not config.spatial_attention:
        parts.append("no spatial attention")
    if not config.temporal_attention:
        parts.append("no temporal attention")
    return f"where-when ({', '.join(parts)})"


def window_layout(num_sampled: int, window: int | None = None, stride: int | None = None) -> np.ndarray:
    """Windows over ``num_sampled`` sampled frames, as (W, L) positions into the sampled sequence.

    Default: one window of the whole video when ``num_sampled <= MAX_SINGLE_WINDOW``, else windows
    of ``LONG_WINDOW`` every ``LONG_STRIDE``. A given ``window`` defaults to ``stride = window // 2``.
    Window starts follow :func:`locbench.video.window_starts` (the last window is shifted back to
    end at the last frame); a video shorter than a window is padded by repeating its last frame.
    """
    from locbench.video import window_starts

    if num_sampled < 1:
        return np.zeros((0, 0), np.int64)
    if window is None:
        if num_sampled <= MAX_SINGLE_WINDOW:
            window, stride = num_sampled, num_sampled
        else:
            window, stride = LONG_WINDOW, stride or LONG_STRIDE
    stride = stride or max(window // 2, 1)
    starts = window_starts(num_sampled, window, stride)
    pos = starts[:, None] + np.arange(window)[None, :]
    return np.minimum(pos, num_sampled - 1)


def stitch_frame_values(rows: np.ndarray, values: np.ndarray, num_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``values`` (W, L, ...) over every occurrence of each row of ``rows`` (W, L); and the
    occurrence counts (num_rows,). Rows never seen get 0 and count 0."""
    rows = np.asarray(rows, np.int64).reshape(-1)
    values = np.asarray(values, np.float64).reshape((len(rows),) + np.shape(values)[2:])
    sums = np.zeros((num_rows,) + values.shape[1:])
    np.add.at(sums, rows, values)
    counts = np.bincount(rows, minlength=num_rows).astype(np.float64)
    shape = (num_rows,) + (1,) * (values.ndim - 1)
    return sums / np.maximum(counts, 1).reshape(shape), counts


def window_importance(temporal_weights: np.ndarray) -> np.ndarray:
    """Per-position importance of each window, ``L * mean_t w_ti`` (W, L): 1 = uniform attention."""
    w = np.asarray(temporal_weights, np.float64)
    return w.shape[-1] * w.mean(axis=1)


def fill_nearest(frame_idx: np.ndarray, known: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Give each row of ``frame_idx`` without a value (``known`` False) the value of the nearest known
    row by frame index (ties: the earlier one)."""
    frame_idx = np.asarray(frame_idx, np.int64)
    k = np.flatnonzero(known)
    kf = frame_idx[k]
    right = np.clip(np.searchsorted(kf, frame_idx, "left"), 0, len(k) - 1)
    left = np.clip(right - 1, 0, len(k) - 1)
    use_left = np.abs(frame_idx - kf[left]) <= np.abs(kf[right] - frame_idx)
    nearest = np.where(use_left, k[left], k[right])
    out = np.asarray(values, np.float64).copy()
    out[~known] = out[nearest[~known]]
    return out


# ------------------------------------------------------------------------------------------ model


class _Runner:
    """The model on its device, with the backbone and head called separately (features are reused)."""

    def __init__(self, model, device, batch_size: int):
        import torch

        self.torch = torch
        self.model = model.to(device).eval()
        self.device = device
        self.n = model.config.num_frames
        self.frame_batch = max(1, batch_size) * self.n  # frames per backbone forward
        self.batch_size = max(1, batch_size)

    def features(self, src, frame_idx: np.ndarray):
        """Backbone maps (K, C, h, w) of the given source frames, read and run in chunks."""
        torch = self.torch
        out = []
        for s in range(0, len(frame_idx), self.frame_batch):
            frames = torch.from_numpy(np.ascontiguousarray(src.read(frame_idx[s: s + self.frame_batch])))
            out.append(self.model.backbone(frames.to(self.device)).float())
        return torch.cat(out) if out else None

    def masks(self, feats):
        return self.model.head.spatial(feats)

    def head(self, clips, pool_frames: int | None = None):
        return self.model.head(clips, pool_frames=pool_frames)


def _check_frames(src) -> None:
    if src.num_frames < 1:
        raise InputError(src.path, None, "the video has no frame")


def predict_trimmed(runner: _Runner, src, mask_frames: str = "all", name: str = ""):
    """One clip of n frames (``sample_clip``); masks on every frame (``all``) or the clip's frames."""
    from locbench.inference.attention import AttentionRecord
    from locbench.video import sample_clip

    torch = runner.torch
    _check_frames(src)
    n = runner.n
    clip = sample_clip(src.num_frames, n)
    frame_idx = np.arange(src.num_frames, dtype=np.int64) if mask_frames == "all" else np.unique(clip)
    clip_rows = np.searchsorted(frame_idx, clip)
    wanted = set(clip_rows.tolist())
    masks, clip_feats = None, {}
    with torch.inference_mode():
        for s in range(0, len(frame_idx), runner.frame_batch):
            rows = np.arange(s, min(s + runner.frame_batch, len(frame_idx)))
            feats = runner.features(src, frame_idx[rows])
            m = runner.masks(feats).float().cpu().numpy()
            if masks is None:
                masks = np.empty((len(frame_idx),) + m.shape[1:], np.float32)
            masks[rows] = m
            for j, r in enumerate(rows.tolist()):
                if r in wanted:
                    clip_feats[r] = feats[j]
        out = runner.head(torch.stack([clip_feats[r] for r in clip_rows.tolist()])[None])
        probs = torch.softmax(out.logits.float(), dim=1).cpu().numpy()
        weights = out.temporal_weights.float().cpu().numpy()
    importance, counts = stitch_frame_values(clip_rows[None], window_importance(weights), len(frame_idx))
    if mask_frames == "all":
        importance = fill_nearest(frame_idx, counts > 0, importance)
    return AttentionRecord(
        video=src.name, classes=runner.model.config.class_names, class_scores=probs[0], frame_idx=frame_idx,
        fps=float(src.fps), frame_size=(int(src.height), int(src.width)), masks=masks,
        frame_importance=importance.astype(np.float32), windows=clip_rows[None].astype(np.int64),
        temporal_weights=weights, window_class_scores=probs, model=name)


def predict_untrimmed(runner: _Runner, src, sample_fps: float = 10.0, window: int | None = None,
                      stride: int | None = None, name: str = ""):
    """Frames at ``sample_fps``, windows (:func:`window_layout`), the model per window, stitched."""
    from locbench.inference.attention import AttentionRecord
    from locbench.video import resample_indices

    torch = runner.torch
    _check_frames(src)
    sampled = resample_indices(src.num_frames, src.fps, sample_fps)
    if len(sampled) == 0:
        raise InputError(src.path, None, f"{src.num_frames} frames at {src.fps:g} fps give no frame at "
                                         f"{sample_fps:g} fps")
    frame_idx, sampled_rows = np.unique(sampled, return_inverse=True)  # repeats when sample_fps > fps
    win_rows = sampled_rows.reshape(-1)[window_layout(len(sampled), window, stride)]  # (W, L)
    length = win_rows.shape[1]
    per_batch = max(1, runner.batch_size * runner.n // length)  # windows per head forward: same frame budget
    cache: dict[int, object] = {}
    probs, weights = [], []
    mask_sum = mask_count = None
    with torch.inference_mode():
        for g in range(0, len(win_rows), per_batch):
            group = win_rows[g: g + per_batch]
            need = np.unique(group)
            missing = np.array([r for r in need.tolist() if r not in cache], np.int64)
            if len(missing):
                feats = runner.features(src, frame_idx[missing])
                cache.update(zip(missing.tolist(), feats))
            x = torch.stack([torch.stack([cache[r] for r in w]) for w in group.tolist()])
            out = runner.head(x, pool_frames=runner.n)
            probs.append(torch.softmax(out.logits.float(), dim=1).cpu().numpy())
            weights.append(out.temporal_weights.float().cpu().numpy())
            m = out.masks.float().cpu().numpy()  # per frame: the same in every window; stored as the mean
            if mask_sum is None:
                mask_sum, mask_count = np.zeros((len(frame_idx),) + m.shape[2:]), np.zeros(len(frame_idx))
            np.add.at(mask_sum, group.reshape(-1), m.reshape((-1,) + m.shape[2:]))
            np.add.at(mask_count, group.reshape(-1), 1)
            if g + per_batch < len(win_rows):  # drop features no later window uses
                keep_from = int(win_rows[g + per_batch:].min())
                for r in [r for r in cache if r < keep_from]:
                    del cache[r]
    probs, weights = np.concatenate(probs), np.concatenate(weights)
    importance, _ = stitch_frame_values(win_rows, window_importance(weights), len(frame_idx))
    mask_mean = (mask_sum / np.maximum(mask_count, 1)[:, None, None]).astype(np.float32)
    return AttentionRecord(
        video=src.name, classes=runner.model.config.class_names, class_scores=probs.mean(axis=0),
        frame_idx=frame_idx.astype(np.int64), fps=float(src.fps), frame_size=(int(src.height), int(src.width)),
        masks=mask_mean, frame_importance=importance.astype(np.float32), windows=win_rows.astype(np.int64),
        temporal_weights=weights, window_class_scores=probs, model=name)


# ------------------------------------------------------------------------------------------ driver


def checkpoint_kind(ckpt) -> str | None:
    """``trimmed`` / ``untrimmed`` as recorded by ``locbench train``; None for older checkpoints."""
    kind = (ckpt.data or {}).get("kind")
    return kind if kind in ("trimmed", "untrimmed") else None


def _done(path: str) -> bool:
    from locbench.inference.attention import load_attention

    if not os.path.isfile(path):
        return False
    try:
        load_attention(path)
    except InputError:
        return False
    return True


def _check_run_info(out_dir: str, info: dict, overwrite: bool) -> str | None:
    """Rank 0: refuse to mix attention files of another checkpoint or settings in one directory."""
    path = os.path.join(out_dir, RUN_INFO)
    if os.path.isfile(path) and not overwrite:
        try:
            with open(path, encoding="utf-8") as f:
                old = json.load(f)
        except (OSError, ValueError) as e:
            return f"{path}: unreadable ({e}); delete it or pass --overwrite"
        diff = [k for k in info if k != "checkpoint" and old.get(k) != info[k]]
        if diff:
            return (f"{out_dir} holds attention files of another checkpoint or other settings ({', '.join(diff)} "
                    f"differ, see {RUN_INFO}): choose another output directory or pass --overwrite")
    os.makedirs(out_dir, exist_ok=True)
    atomic_write_text(path, json.dumps(info, indent=2, sort_keys=True) + "\n")
    return None


def _gather(obj, dist):
    import torch.distributed as tdist

    if not dist.is_distributed:
        return [obj]
    box = [None] * dist.world_size
    tdist.all_gather_object(box, obj)
    return box


def predict_videos(checkpoint, videos_root, out_dir, device="auto", batch_size=8, untrimmed=None,
                   backbone_weights=None, sample_fps=10.0, window=None, stride=None, mask_frames="all",
                   overwrite=False, progress=True, names=None) -> PredictReport:
    """Run ``checkpoint`` on every video under ``videos_root`` (or the ``names`` among them) and write
    ``attention_path(out_dir, video)`` for each.

    ``untrimmed=None`` takes the kind of data the checkpoint was trained on. Videos whose file exists
    and loads are skipped unless ``overwrite``; unreadable videos are reported in the result, never
    raised. Under ``torchrun`` each rank takes every world-th video; the report is merged over ranks.
    """
    from tqdm import tqdm

    from locbench.training import distributed as D
    from locbench.inference.attention import attention_path, save_attention
    from locbench.model.checkpoint import load_checkpoint, model_from_checkpoint
    from locbench.model.weights import file_sha256
    from locbench.video import find_videos, iter_readable, skip_failures

    t0 = time.time()
    if batch_size < 1:
        raise InputError(None, "--batch-size", f"must be at least 1, got {batch_size}")
    if not sample_fps > 0:
        raise InputError(None, "--sample-fps", f"must be positive, got {sample_fps}")
    for flag, v in (("--window", window), ("--stride", stride)):
        if v is not None and v < 1:
            raise InputError(None, flag, f"must be at least 1, got {v}")
    if mask_frames not in MASK_FRAMES:
        raise InputError(None, "mask_frames", f"{mask_frames!r} is not one of {', '.join(MASK_FRAMES)}")
    out_dir = os.fspath(out_dir)
    ckpt = load_checkpoint(checkpoint)
    if untrimmed is None:
        kind = checkpoint_kind(ckpt)
        if kind is None:
            raise InputError(ckpt.path, "key 'data'", "the checkpoint does not record whether it was trained on "
                                                      "trimmed or untrimmed videos: pass --trimmed or --untrimmed")
        untrimmed = kind == "untrimmed"
    model = model_from_checkpoint(ckpt, backbone_weights)
    videos = find_videos(videos_root)
    failed: list[tuple[str, str]] = []
    if names is not None:
        have = dict(videos)
        failed += [(v, f"not found under {os.fspath(videos_root)}") for v in names if v not in have]
        videos = [(v, have[v]) for v in dict.fromkeys(names) if v in have]
    name = model_name(ckpt.config)
    info = {"checkpoint": os.path.abspath(ckpt.path), "checkpoint_sha256": file_sha256(ckpt.path), "model": name,
            "untrimmed": bool(untrimmed), "backbone_weights_sha256": ckpt.config.backbone_weights_sha256,
            "sample_fps": float(sample_fps) if untrimmed else None, "window": window if untrimmed else None,
            "stride": stride if untrimmed else None, "mask_frames": None if untrimmed else mask_frames}

    dist = D.init_distributed(device)
    try:
        problem = _check_run_info(out_dir, info, overwrite) if dist.is_main else None
        problem = D.broadcast_object(problem)
        if problem:
            raise InputError(None, "--out", problem)
        D.barrier()
        report = PredictReport(out_dir, failed=failed if dist.is_main else [])
        todo = []
        for v, path in D.shard(videos, dist.rank, dist.world_size, strided=True):
            if not overwrite and _done(attention_path(out_dir, v)):
                report.skipped.append(v)
            else:
                todo.append((v, path))
        runner = _Runner(model, dist.device, batch_size)
        bar = tqdm(total=len(todo), desc="predict", unit="video", file=sys.stderr,
                   disable=not (progress and dist.is_main))
        failed_before = len(report.failed)
        for src in iter_readable(todo, report.failed):
            with skip_failures(report.failed, src.name):
                if untrimmed:
                    rec = predict_untrimmed(runner, src, sample_fps, window, stride, name)
                else:
                    rec = predict_trimmed(runner, src, mask_frames, name)
                save_attention(attention_path(out_dir, src.name), rec)
                report.done.append(src.name)
            bar.update(len(report.done) + len(report.failed) - failed_before - bar.n)  # opening failures too
        bar.update(len(todo) - bar.n)
        bar.close()
        parts = _gather((report.done, report.skipped, report.failed), dist)
        D.barrier()
    finally:
        D.cleanup(dist)
    merged = PredictReport(out_dir, seconds=time.time() - t0)
    for done, skipped, fails in parts:
        merged.done += done
        merged.skipped += skipped
        merged.failed += [tuple(f) for f in fails]
    for lst in (merged.done, merged.skipped):
        lst.sort()
    merged.failed.sort()
    if progress and dist.is_main:
        print(merged.summary(), file=sys.stderr)
    return merged


__all__ = ["PredictReport", "predict_videos", "predict_trimmed", "predict_untrimmed", "model_name", "window_layout",
           "stitch_frame_values", "window_importance", "fill_nearest", "checkpoint_kind", "MAX_SINGLE_WINDOW",
           "LONG_WINDOW", "LONG_STRIDE"]
