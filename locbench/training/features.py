"""Backbone feature caches: one ``<out>/<video>.npz`` per video, so the head trains without the backbone.

Each file holds ``features`` (K, C, h, w) (float16 by default), the 0-based ``frame_idx`` (K,) and
``time_s`` (K,) = frame_idx / fps of the sampled frames, and the provenance (backbone, sha256 of its
weights, input size) that training copies into the checkpoint. Extraction is resumable: finished
files are skipped, every file is written atomically, unreadable videos are reported and skipped.

With ``augment_copies=N`` a file also holds N augmented copies of the features, ``features_aug_0`` ...
``features_aug_{N-1}`` (each (K, C, h, w), same dtype), computed on frames preprocessed as He et al.
(:func:`locbench.training.augment.he_clip_params`: random scale, crop and flip) with ONE draw per
(video, copy) for all its frames, seeded by (``augment_seed``, the video name, copy) so a rerun gives
the same copies; ``augment_copies`` (N) and ``augment_params`` (N, 5) int64 rows (resize_h, resize_w,
crop_y, crop_x, flip) say what each copy is. ``features`` stays the plain (resize) features. Files
without these keys (older caches) load as N = 0.
"""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import numpy as np

from annotations.atomic import atomic_open
from annotations.errors import InputError

FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class FeatureRecord:
    video: str
    features: np.ndarray  # (K, C, h, w)
    frame_idx: np.ndarray  # (K,) int64, 0-based
    time_s: np.ndarray  # (K,) float64
    fps: float
    num_frames: int  # frames in the source video
    frame_size: tuple[int, int]  # (height, width) of the source frames
    backbone: str
    backbone_weights_sha256: str | None
    input_size: int
    features_aug: np.ndarray | None = None  # (N, K, C, h, w) augmented copies (only when saving)
    augment_copies: int = 0  # N copies in the file
    augment_params: np.ndarray | None = None  # (N, 5) int64: resize_h, resize_w, crop_y, crop_x, flip
    augment_seed: int = 0


@dataclass
class ExtractReport:
    done: list[str] = field(default_factory=list)  # written now
    skipped: list[str] = field(default_factory=list)  # already cached
    failed: list[tuple[str, str]] = field(default_factory=list)  # (video, reason)


def feature_path(out_dir: str | os.PathLike, video: str) -> str:
    """``<out_dir>/<video>.npz``; a UCF101-24 name ``Class/v_x`` becomes a sub-folder."""
    return os.path.join(os.fspath(out_dir), *video.split("/")) + ".npz"


def save_features(path: str | os.PathLike, rec: FeatureRecord, dtype: str = "float16") -> None:
    arrays = {
        "format_version": np.int64(FORMAT_VERSION),
        "video": np.array(rec.video),
        "features": np.asarray(rec.features, dtype=dtype),
        "frame_idx": np.asarray(rec.frame_idx, np.int64),
        "time_s": np.asarray(rec.time_s, np.float64),
        "fps": np.float64(rec.fps),
        "num_frames": np.int64(rec.num_frames),
        "frame_size": np.asarray(rec.frame_size, np.int64),
        "backbone": np.array(rec.backbone),
        "backbone_weights_sha256": np.array(rec.backbone_weights_sha256 or ""),
        "input_size": np.int64(rec.input_size),
    }
    if rec.features_aug is not None and len(rec.features_aug):
        arrays["augment_copies"] = np.int64(len(rec.features_aug))
        arrays["augment_params"] = np.asarray(rec.augment_params, np.int64).reshape(len(rec.features_aug), 5)
        arrays["augment_seed"] = np.int64(rec.augment_seed)
        for c, feats in enumerate(rec.features_aug):  # one key per copy: training reads only the one it draws
            arrays[f"features_aug_{c}"] = np.asarray(feats, dtype=dtype)
    with atomic_open(path, "wb") as f:  # straight into the temporary file: no in-memory copy of the features
        np.savez(f, **arrays)


_KEYS = ("format_version", "video", "features", "frame_idx", "time_s", "fps", "num_frames", "frame_size",
         "backbone", "backbone_weights_sha256", "input_size")


_AUG_PREFIX = "features_aug_"


def load_features(path: str | os.PathLike, copy: int | None = None) -> FeatureRecord:
    """Read one cache file (``allow_pickle=False``); a malformed one is an InputError naming the key.

    ``copy=None`` gives the plain features; ``copy=c`` gives augmented copy c in ``features`` instead
    (InputError if the file has fewer copies). Only the features asked for are read from disk.
    """
    p = os.fspath(path)
    if not os.path.isfile(p):
        raise InputError(p, None, "feature file does not exist (run `locbench extract-features` first)")
    try:
        with np.load(p, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files  # the copies, and the plain features when a copy is asked, stay on disk
                    if not k.startswith(_AUG_PREFIX) and not (copy is not None and k == "features")}
            n_copies = int(data.get("augment_copies", 0))
            if copy is not None:
                if not 0 <= copy < n_copies or f"{_AUG_PREFIX}{copy}" not in z.files:
                    raise InputError(p, f"key '{_AUG_PREFIX}{copy}'",
                                     f"the file has {n_copies} augmented copies (extract with augment_copies=N, "
                                     "`locbench extract-features --augment-copies N`)")
                data["features"] = z[f"{_AUG_PREFIX}{copy}"]
    except InputError:
        raise
    except Exception as e:
        raise InputError(p, None, f"not a readable .npz feature file: {type(e).__name__}: {str(e)[:200]}") from None
    missing = [k for k in _KEYS if k not in data]
    if missing:
        raise InputError(p, f"key '{missing[0]}'", "missing from the feature file")
    if int(data["format_version"]) != FORMAT_VERSION:
        raise InputError(p, "key 'format_version'", f"version {int(data['format_version'])}, expected {FORMAT_VERSION}")
    feats, idx = data["features"], data["frame_idx"]
    if feats.ndim != 4 or idx.ndim != 1 or len(idx) != len(feats) or len(idx) == 0:
        raise InputError(p, "key 'features'", f"expected (K, C, h, w) features with K = len(frame_idx) > 0, "
                                              f"got {feats.shape} and {idx.shape}")
    params = data.get("augment_params")
    if n_copies and (params is None or params.shape != (n_copies, 5)):
        raise InputError(p, "key 'augment_params'", f"expected ({n_copies}, 5) rows, one per augmented copy")
    sha = str(data["backbone_weights_sha256"])
    return FeatureRecord(str(data["video"]), feats, idx.astype(np.int64), data["time_s"].astype(np.float64),
                         float(data["fps"]), int(data["num_frames"]), tuple(int(v) for v in data["frame_size"]),
                         str(data["backbone"]), sha or None, int(data["input_size"]), None, n_copies,
                         None if params is None else params.astype(np.int64), int(data.get("augment_seed", 0)))


def feature_copies(path: str | os.PathLike) -> int:
    """Number of augmented copies in a cache file (0 for plain or older files; reads only that key)."""
    p = os.fspath(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            return int(z["augment_copies"]) if "augment_copies" in z.files else 0
    except Exception as e:
        raise InputError(p, None, f"not a readable .npz feature file: {type(e).__name__}: {str(e)[:200]}") from None


def copy_seed(video: str, copy: int, seed: int = 0) -> list[int]:
    """Seed of augmented copy ``copy`` of ``video``: stable across runs, machines and shardings.

    >>> copy_seed("a/b", 0) == copy_seed("a/b", 0) != copy_seed("a/b", 1)
    True
    """
    h = int.from_bytes(hashlib.sha256(video.encode("utf-8")).digest()[:8], "little")
    return [int(seed), h, int(copy)]


def augment_copy_params(video: str, frame_hw: tuple[int, int], size: int, copies: int, seed: int = 0) -> list[dict]:
    """He et al. parameters (:func:`~locbench.training.augment.he_clip_params`) of each copy: one draw
    per (video, copy), the same for every frame of the video."""
    from locbench.training.augment import he_clip_params

    return [he_clip_params(frame_hw, size, np.random.default_rng(copy_seed(video, c, seed))) for c in range(copies)]


def _params_rows(params: list[dict]) -> np.ndarray:
    """(N, 5) int64 rows resize_h, resize_w, crop_y, crop_x, flip of :func:`augment_copy_params`."""
    return np.array([[*q["resize_hw"], *q["crop_yx"], int(q["flip"])] for q in params], np.int64).reshape(-1, 5)


def uniform_sampler(n: int) -> Callable:
    """Trimmed videos: n frames, the centre of each of n equal segments (as at evaluation time)."""
    from locbench.video.sampling import segment_positions

    return lambda src: segment_positions(src.num_frames, n)


def fps_sampler(sample_fps: float) -> Callable:
    """Untrimmed videos: the frame on screen at each k / sample_fps seconds
    (:func:`locbench.video.resample_indices`, the THUMOS'14 ``sample_count`` rule)."""
    from locbench.video import resample_indices

    return lambda src: resample_indices(src.num_frames, src.fps, sample_fps)


@dataclass(frozen=True, eq=False)
class _VideoMeta:
    name: str
    idx: np.ndarray  # sampled 0-based frame indices
    fps: float
    num_frames: int
    frame_size: tuple[int, int]


def _decode_messages(name: str, path: str, sampler: Callable, batch_size: int) -> Iterator[tuple]:
    """Decode one video's sampled frames in batches: ``("start", name, meta)``, ``("chunk", name,
    uint8 frames)``..., then ``("end", name, None)``, or ``("fail", name, reason)`` if it is unreadable."""
    from locbench.video import iter_readable, skip_failures

    failures: list[tuple[str, str]] = []
    for src in iter_readable([(name, path)], failures):
        with skip_failures(failures, name):
            idx = np.asarray(sampler(src), dtype=np.int64)
            if idx.ndim != 1 or len(idx) == 0:
                raise InputError(src.path, None, "the sampler chose no frame")
            yield "start", name, _VideoMeta(name, idx, float(src.fps or 0.0), int(src.num_frames),
                                            (int(src.height), int(src.width)))
            for start in range(0, len(idx), batch_size):
                yield "chunk", name, np.ascontiguousarray(src.read(idx[start:start + batch_size]))
    yield ("fail", name, failures[0][1]) if failures else ("end", name, None)


def decoded_batches(videos: list[tuple[str, str]], sampler: Callable, batch_size: int,
                    workers: int = 0, queue_batches: int = 8) -> Iterator[tuple]:
    """The messages of :func:`_decode_messages` for every video, decoded by ``workers`` threads.

    OpenCV releases the GIL while it decodes, so threads keep a GPU fed while the main thread runs
    the backbone. With workers, videos interleave (each video's own messages stay in order); at most
    ``queue_batches`` decoded batches wait in memory. ``workers=0`` decodes inline, in input order.
    """
    if workers <= 0:
        for name, path in videos:
            yield from _decode_messages(name, path, sampler, batch_size)
        return
    import queue
    import threading

    todo = iter(list(videos))
    lock, stop = threading.Lock(), threading.Event()
    q: queue.Queue = queue.Queue(maxsize=max(1, queue_batches))

    def put(msg) -> bool:
        while not stop.is_set():
            try:
                q.put(msg, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work():
        try:
            while not stop.is_set():
                with lock:
                    job = next(todo, None)
                if job is None:
                    break
                for msg in _decode_messages(job[0], job[1], sampler, batch_size):
                    if not put(msg):
                        return
        except BaseException as e:  # a bug or bad input: re-raised in the consumer
            put(("raise", None, e))
        finally:
            put(("exit", None, None))

    threads = [threading.Thread(target=work, name=f"decode-{i}", daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    try:
        running = len(threads)
        while running:
            msg = q.get()
            if msg[0] == "exit":
                running -= 1
            elif msg[0] == "raise":
                raise msg[2]
            else:
                yield msg
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)


class _BackgroundWriter:
    """A thread that runs ``submit``-ted writes (one file each) in order; at most ``max_pending`` wait
    (bounded memory). The first failed write is re-raised by a later ``submit`` or on exit. (A second
    writer thread measured no faster on an H200.)"""

    def __init__(self, max_pending: int = 2):
        self.max_pending, self.pending = max_pending, []

    def __enter__(self):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(1, thread_name_prefix="feature-writer")
        return self

    def submit(self, fn, *args) -> None:
        self.pending.append(self.pool.submit(fn, *args))
        while len(self.pending) > self.max_pending or (self.pending and self.pending[0].done()):
            self.pending.pop(0).result()

    def __exit__(self, *exc):
        try:
            for future in self.pending:
                future.result()
        finally:
            self.pool.shutdown(wait=True)


def extract_features(videos: Iterable[tuple[str, str]], backbone, out_dir: str | os.PathLike,
                     sampler: Callable | None = None, batch_size: int = 32, device=None, dtype: str = "float16",
                     overwrite: bool = False, progress: bool = True, decode_workers: int = 0,
                     augment_copies: int = 0, augment_seed: int = 0) -> ExtractReport:
    """Run ``backbone`` on the sampled frames of each (name, path) video and cache the feature maps.

    ``sampler(video_source) -> frame_idx`` picks the frames (default: 25 uniform). Done files are
    skipped unless ``overwrite``; unreadable videos are listed in the report and do not stop the run.
    ``decode_workers`` threads decode ahead of the backbone (see :func:`decoded_batches`); the
    report lists videos in input order whatever the order they finished in.

    ``augment_copies=N`` also stores N He et al.-augmented copies per video (module docstring): the
    backbone runs N + 1 times per frame and the file is N + 1 times larger. A cached file with fewer
    than N copies is recomputed; one with at least N is skipped.
    """
    import torch
    from tqdm import tqdm

    from locbench.training.augment import he_transform

    sampler = sampler or uniform_sampler(25)
    device = torch.device(device) if device is not None else next(backbone.parameters()).device
    backbone = backbone.to(device).eval()
    sha = getattr(backbone, "weights_sha256", None)
    report = ExtractReport()
    todo = []
    if augment_copies < 0:
        raise InputError(None, "augment_copies", f"must be 0 or more, got {augment_copies}")
    size = int(backbone.input_size)
    for name, path in videos:
        fp = feature_path(out_dir, name)
        if os.path.isfile(fp) and not overwrite and (augment_copies == 0 or feature_copies(fp) >= augment_copies):
            report.skipped.append(name)
        else:
            todo.append((name, path))
    order = {name: i for i, (name, _) in enumerate(todo)}
    meta: dict[str, _VideoMeta] = {}
    chunks: dict[str, list[np.ndarray]] = {}
    aug_params: dict[str, list[dict]] = {}
    aug_chunks: dict[str, list[list[np.ndarray]]] = {}
    torch_dtype = getattr(torch, dtype)  # cast on the device: numpy's float32 -> float16 is slow
    bar = tqdm(total=len(todo), desc="features", unit="video", disable=not progress, file=sys.stderr)
    with _BackgroundWriter() as writer:  # files are written while the backbone runs on the next video
        for kind, name, payload in decoded_batches(todo, sampler, batch_size, decode_workers):
            if kind == "start":
                meta[name], chunks[name] = payload, []
                if augment_copies:
                    aug_params[name] = augment_copy_params(name, payload.frame_size, size, augment_copies, augment_seed)
                    aug_chunks[name] = [[] for _ in range(augment_copies)]
            elif kind == "chunk":
                with torch.no_grad():
                    frames = torch.from_numpy(payload).to(device, non_blocking=True)
                    chunks[name].append(backbone(frames).to(torch_dtype).cpu().numpy())
                    for c, params in enumerate(aug_params.get(name, ())):  # the video's one draw for this copy
                        aug = torch.from_numpy(he_transform(payload, size, params)).to(device, non_blocking=True)
                        aug_chunks[name][c].append(backbone(aug).to(torch_dtype).cpu().numpy())
            elif kind == "fail":
                meta.pop(name, None)
                chunks.pop(name, None)
                aug_params.pop(name, None)
                aug_chunks.pop(name, None)
                report.failed.append((name, payload))
                bar.update(1)
            else:  # end
                m, feats = meta.pop(name), np.concatenate(chunks.pop(name))
                aug, params = None, None
                if augment_copies:
                    aug = np.stack([np.concatenate(c) for c in aug_chunks.pop(name)])
                    params = _params_rows(aug_params.pop(name))
                rec = FeatureRecord(name, feats, m.idx, m.idx / m.fps if m.fps > 0 else np.full(len(m.idx), np.nan),
                                    m.fps, m.num_frames, m.frame_size, backbone.name, sha, int(backbone.input_size),
                                    aug, augment_copies, params, augment_seed)
                writer.submit(save_features, feature_path(out_dir, name), rec, dtype)
                report.done.append(name)
                bar.update(1)
    bar.close()
    report.done.sort(key=order.__getitem__)
    report.failed.sort(key=lambda f: order[f[0]])
    return report


def cache_provenance(features_dir: str | os.PathLike, videos) -> dict:
    """Backbone, weights sha256, input size and feature shape of a cache, from its first file of
    ``videos``, and ``missing``: the videos without a file. InputError if none is cached."""
    missing, first = [], None
    for v in videos:
        p = feature_path(features_dir, v)
        if not os.path.isfile(p):
            missing.append(v)
            continue
        if first is None:
            first = load_features(p)
            first_path = p
    if first is None:
        raise InputError(os.fspath(features_dir), None, "no cached features for any training video "
                                                        "(run `locbench extract-features` first)")
    return {"backbone": first.backbone, "backbone_weights_sha256": first.backbone_weights_sha256,
            "input_size": first.input_size, "feature_shape": tuple(first.features.shape[1:]),
            "missing": missing, "source": first_path}


__all__ = ["FeatureRecord", "ExtractReport", "feature_path", "save_features", "load_features", "uniform_sampler",
           "fps_sampler", "extract_features", "cache_provenance", "feature_copies", "copy_seed", "augment_copy_params"]
