"""Synthetic trimmed recognition sets in the HMDB51, UCF101 and Moments in Time layouts.

A class is a small textured actor of one shape, colour and motion (``render.make_classes``). It is
on screen for only part of the clip, and the background carries a *misleading* colour cue: in the
training videos it is tinted with the clip's class colour in a fraction ``bias_frac`` of the clips
(another class's colour otherwise), in the test videos always with another class's colour. A
model that averages every pixel of every frame (the plain mean-pool baseline) is pulled towards the
background; one that looks at the actor, where and when it is, is not (bias_frac 0.5 by default:
at 0.65 every CPU-sized model mostly followed the background, below chance; see docs/recognition.md). Layouts (``docs/recognition.md``)::

    hmdb51/videos/<class>/<source>_<class>_f_cm_np1_fr_goo_<k>.avi + testTrainMulti_7030_splits/<class>_test_split{1,2,3}.txt
    ucf101/UCF-101/<Class>/v_<Class>_gXX_cXX.avi + ucfTrainTestlist/{classInd,trainlist0k,testlist0k}.txt
    moments/{training,validation}/<category>/<file>.mp4 + trainingSet.csv, validationSet.csv, moments_categories.txt

Same seed and options give identical files.
"""
from __future__ import annotations

import os
import time

import numpy as np

from annotations.recognition import write_hmdb51_splits, write_moments, write_ucf101_lists
from locbench.synth.render import (ActorPlan, Background, Scene, class_manifest, make_classes, merge_options,
                                   motion_track, parse_range, prepare_out_dir, video_rng, write_manifest,
                                   write_video)

KINDS = ("hmdb51", "ucf101", "moments")
KIND_IDS = {"hmdb51": 11, "ucf101": 12, "moments": 13}
DEFAULTS = dict(seed=0, num_classes=4, train_per_class=32, test_per_class=12, size="64x48", frames="12,16",
                fps=25.0, actor_size="0.4,0.5", present_frac="0.45,0.7", bias_frac=0.5, clutter=3, noise=2,
                codec="lossy", overwrite=False)


def class_name(kind: str, spec_name: str) -> str:
    """``DiskOrbit`` as each dataset spells classes: HMDB51 ``disk_orbit``, UCF101 ``DiskOrbit``, MiT ``disk+orbit``."""
    words, cur = [], ""
    for ch in spec_name:
        if ch.isupper() and cur:
            words.append(cur)
            cur = ""
        cur += ch.lower()
    words.append(cur)
    return {"hmdb51": "_".join(words), "ucf101": spec_name, "moments": "+".join(words)}[kind]


def check_options(opts: dict) -> dict:
    """Options with defaults filled in and parsed; ValueError / TypeError for impossible ones."""
    o = merge_options(DEFAULTS, opts)
    o["frames"] = parse_range(o["frames"], int)
    o["actor_size"] = parse_range(o["actor_size"])
    o["present_frac"] = parse_range(o["present_frac"])
    if o["frames"][0] < 4:
        raise ValueError("clips need at least 4 frames")
    if not 0 < o["present_frac"][1] <= 1:
        raise ValueError("present_frac is a fraction of the clip in (0, 1]")
    if not 0 <= o["bias_frac"] <= 1:
        raise ValueError("bias_frac must be in [0, 1]")
    if o["train_per_class"] < 3 or o["test_per_class"] < 1:
        raise ValueError("need at least 3 training and 1 test clip per class")
    return o


def _render_clip(path: str, rng, spec, tint_rgb, o) -> int:
    """Write one clip: background tinted ``tint_rgb``, the class actor on screen for part of it."""
    w, h = o["size"]
    n = int(rng.integers(o["frames"][0], o["frames"][1] + 1))
    on = max(2, int(round(rng.uniform(*o["present_frac"]) * n)))
    start = int(rng.integers(0, n - on + 1))
    size = rng.uniform(*o["actor_size"]) * min(w, h)
    track = motion_track(spec.motion, np.arange(on) / o["fps"], rng, (w, h), size)
    bg = Background(rng, (w, h), num_blobs=o["clutter"], tint=tint_rgb, tint_strength=0.6)
    scene = Scene(bg, [ActorPlan(spec.appearance, size, track, start_frame=start)], n, o["fps"], o["noise"], rng)
    write_video(path, scene.frames(), o["fps"], (w, h), o["codec"])
    return n


def make_recognition(out_dir: str | os.PathLike, kind: str, **opts) -> dict:
    """Generate a ``kind`` set (hmdb51, ucf101, moments) under ``out_dir``; returns paths and a summary."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    t0 = time.perf_counter()
    o = check_options(opts)
    root = os.fspath(out_dir)
    prepare_out_dir(root, o["overwrite"])
    specs = make_classes(o["num_classes"])
    names = [class_name(kind, s.name) for s in specs]
    per_class = o["train_per_class"] + o["test_per_class"]
    kid = KIND_IDS[kind]
    videos, frames_total, biased = {}, 0, 0
    for ci, spec in enumerate(specs):
        for i in range(per_class):
            rng = video_rng(o["seed"], kid, ci, i)
            side = "test" if i % per_class >= o["train_per_class"] else "train"
            if kind == "hmdb51":
                source, k = f"src{ci:02d}{i // 2:03d}", i % 2  # two clips per source video
                rel = f"videos/{names[ci]}/{source}_{names[ci]}_f_cm_np1_fr_goo_{k}.avi"
            elif kind == "ucf101":
                group = 1 + (i * 25) // per_class
                rel = f"UCF-101/{names[ci]}/v_{names[ci]}_g{group:02d}_c{i + 1:02d}.avi"
            else:
                rel = f"{'training' if side == 'train' else 'validation'}/{names[ci]}/clip{ci:02d}{i:04d}.mp4"
            is_test = _is_test(kind, i, per_class, o["test_per_class"])
            own = not is_test and rng.random() < o["bias_frac"]
            tint_class = ci if own else int((ci + 1 + rng.integers(0, len(specs) - 1)) % len(specs))
            biased += own
            frames_total += _render_clip(os.path.join(root, *rel.split("/")), rng, spec,
                                         specs[tint_class].appearance.rgb, o)
            videos[rel] = {"class": names[ci], "background_class": names[tint_class], "index": i}
    paths = {"root": root}
    if kind == "hmdb51":
        paths.update(_hmdb_splits(root, names, per_class, o))
    elif kind == "ucf101":
        paths.update(_ucf_lists(root, names, videos))
    else:
        train = [r.split("/", 1)[1] for r in videos if r.startswith("training/")]
        test = [r.split("/", 1)[1] for r in videos if r.startswith("validation/")]
        write_moments(root, names, train, test)
        paths.update(categories=os.path.join(root, "moments_categories.txt"))
    options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in o.items() if k != "overwrite"}
    paths["manifest"] = write_manifest(root, {"kind": f"{kind}_like", "options": options,
                                              "classes": class_manifest(specs), "class_names": names, "videos": videos})
    return {"kind": kind, "paths": paths, "classes": tuple(names), "num_videos": len(videos),
            "num_frames": frames_total, "own_background": biased, "seconds": time.perf_counter() - t0}


def _is_test(kind: str, i: int, per_class: int, test_per_class: int) -> bool:
    """Whether clip ``i`` of a class is a test clip of split 1 (the one whose backgrounds mislead)."""
    if kind == "ucf101":
        return 1 + (i * 25) // per_class <= 7  # split 1 tests groups 1-7
    if kind == "hmdb51":
        return (i // 2) % 3 == 0  # every third source video (both its clips) is a split-1 test video
    return i >= per_class - test_per_class


def _hmdb_splits(root, names, per_class, o) -> dict:
    """Three splits: the test sources rotate (source s is test in split 1 + s % 3); the last source is tag 0."""
    written = []
    sources = (per_class + 1) // 2
    for split in (1, 2, 3):
        rows = {}
        for ci, cls in enumerate(names):
            lines = []
            for i in range(per_class):
                s = i // 2
                tag = 2 if s % 3 == split - 1 else 1
                if s == sources - 1 and sources > 3 and split != 1:
                    tag = 0  # unused in splits 2 and 3, as HMDB51's 0 tags
                lines.append((f"src{ci:02d}{s:03d}_{cls}_f_cm_np1_fr_goo_{i % 2}", tag))
            rows[cls] = lines
        written += write_hmdb51_splits(root, rows, split)
    return {"splits": os.path.join(root, "testTrainMulti_7030_splits"), "videos": os.path.join(root, "videos")}


def _ucf_lists(root, names, videos) -> dict:
    """Splits as UCF101's: split k tests groups 7(k-1)+1 .. 7k."""
    train, test = {1: [], 2: [], 3: []}, {1: [], 2: [], 3: []}
    for rel in videos:
        clip = rel.split("/", 1)[1][: -len(".avi")]
        g = int(clip.split("_g")[1][:2])
        for k in (1, 2, 3):
            (test if 7 * (k - 1) < g <= 7 * k else train)[k].append(clip)
    write_ucf101_lists(root, names, train, test)
    return {"lists": os.path.join(root, "ucfTrainTestlist"), "videos": os.path.join(root, "UCF-101")}


def format_summary(s: dict) -> str:
    """Two lines about one generated set (from :func:`make_recognition`'s result) for the synth command."""
    return (f"{s['kind']}-like: {s['num_videos']} clips, {len(s['classes'])} classes, {s['num_frames']} frames, "
            f"{s['own_background']} training clips on their own class's background, in {s['seconds']:.1f} s\n"
            f"  root: {s['paths']['root']}")


__all__ = ["KINDS", "DEFAULTS", "make_recognition", "check_options", "class_name", "format_summary"]
