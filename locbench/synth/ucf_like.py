"""UCF101-24-like synthetic dataset: short trimmed clips, one action class each, per-frame actor boxes.

Written in the real formats (see ``docs/synth.md``)::

    <out>/videos/<Class>/v_<Class>_gXX_cXX.avi    test: groups 01-07, train: groups 08-25 (as split 1)
    <out>/pyannot.pkl                             {video: {label, numf, annotations: [{label, sf, ef, boxes xywh}]}}
    <out>/pyannot_with_class_names.pkl            {db, trainvideos, classes}
    <out>/trainlist01.txt, testlist01.txt, classes.txt, synth_manifest.json
    <out>/hard_cases.csv                          video,split,label,distractor,exit,bias,multi_actor,hard_case
                                                  (0/1 per hard case; hard_case = the cases joined by '+' in that order, or 'none';
                                                  for ``--slice-by hard_cases.csv:hard_case``)
"""
from __future__ import annotations

import os
import time

import numpy as np

from annotations.atomic import atomic_write_text
from annotations.types import Tube, TubeDataset, VideoInfo
from annotations.ucf101_24 import write_pyannot, write_split_list
from locbench.synth.render import (ActorPlan, Background, Scene, class_manifest, distractor_appearance,
                                   exit_offsets, make_classes, merge_options, motion_track, parse_range,
                                   pick_fraction, prepare_out_dir, video_rng, write_manifest, write_video)
from locbench.video.layout import ucf_video_name, video_path

KIND_ID = 1  # seed key of this dataset kind
TEST_GROUPS = range(1, 8)
TRAIN_GROUPS = range(8, 26)
HARD_CASES = ("distractor", "exit", "bias", "multi_actor")

DEFAULTS = dict(seed=0, num_classes=4, train_per_class=12, test_per_class=6, size="160x120", frames="16,32",
                fps=25.0, actor_size="0.35,0.48", clutter=6, noise=3, distractor_frac=0.25, exit_frac=0.15,
                bias_frac=0.15, multi_actor_frac=0.1, codec="lossy", overwrite=False)


def clip_names(label: str, split: str, count: int) -> list[str]:
    """UCF101-style names: clip i goes to group ``groups[i % G]``, clip number ``i // G + 1``."""
    groups = list(TEST_GROUPS if split == "test" else TRAIN_GROUPS)
    return [ucf_video_name(label, groups[i % len(groups)], i // len(groups) + 1) for i in range(count)]


def _plan_clip(rng, spec, classes, opts, hard: set[str]):
    """Background and actors of one clip; returns (scene parts, number of frames, indices of labelled actors)."""
    w, h = opts["size"]
    side = min(w, h)
    num_frames = int(rng.integers(opts["frames"][0], opts["frames"][1] + 1))
    t_s = np.arange(num_frames) / opts["fps"]
    bg = Background(rng, (w, h), num_blobs=opts["clutter"],
                    tint=spec.appearance.rgb if "bias" in hard else None)
    actors = []
    for _ in range(2 if "multi_actor" in hard else 1):
        size = rng.uniform(*opts["actor_size"]) * side
        track = motion_track(spec.motion, t_s, rng, (w, h), size)
        actors.append(ActorPlan(spec.appearance, size, track))
    if "exit" in hard:
        a = actors[0]
        start = int(rng.integers(int(0.3 * num_frames), int(0.5 * num_frames) + 1))
        off = exit_offsets(num_frames, start, (w, h), a.size_px, rng)
        a.track = type(a.track)(a.track.centre_xy + off, a.track.angle, a.track.scale)
        a.leaves = True
    labelled = list(range(len(actors)))
    if "distractor" in hard:
        size = rng.uniform(*opts["actor_size"]) * side
        track = motion_track("Wander", t_s, rng, (w, h), size)
        actors.insert(0, ActorPlan(distractor_appearance(rng), size, track))  # drawn first: behind the actors
        labelled = [i + 1 for i in labelled]
    return bg, actors, num_frames, labelled


def _tubes(name: str, label: str, boxes: np.ndarray) -> list[Tube]:
    """One tube per labelled actor over the frames where it has a box (contiguous by construction)."""
    frames = np.flatnonzero(~np.isnan(boxes[:, 0]))
    if not len(frames):
        return []
    if np.any(np.diff(frames) != 1):
        raise AssertionError(f"{name}: actor boxes are not contiguous")
    return [Tube(name, label, frames, boxes[frames])]


def check_options(opts: dict) -> dict:
    """Options with defaults filled in and parsed; ValueError / TypeError for impossible ones."""
    o = merge_options(DEFAULTS, opts)
    o["frames"] = parse_range(o["frames"], int)
    o["actor_size"] = parse_range(o["actor_size"])
    if o["codec"] not in ("lossy", "lossless"):
        raise ValueError(f"codec is 'lossy' or 'lossless', got {o['codec']!r}")
    if o["frames"][0] < 2:
        raise ValueError("clips need at least 2 frames")
    if not 0 < o["actor_size"][1] <= 0.6:
        raise ValueError("actor size is a fraction of the frame's short side in (0, 0.6]")
    return o


def hard_cases_csv(per_video: dict) -> str:
    """One row per video: its split, label, a 0/1 column per hard case and their '+'-joined name."""
    lines = ["video,split,label," + ",".join(HARD_CASES) + ",hard_case"]
    for name, v in per_video.items():
        flags = [str(int(case in v["hard_cases"])) for case in HARD_CASES]
        lines.append(f"{name},{v['split']},{v['label']}," + ",".join(flags) + "," + ("+".join(c for c in HARD_CASES if c in v["hard_cases"]) or "none"))
    return "\n".join(lines) + "\n"


def make_ucf_like(out_dir: str | os.PathLike, **opts) -> dict:
    """Generate the dataset under ``out_dir`` (see module doc); returns paths and a summary.

    Options (defaults in ``DEFAULTS``): seed, num_classes, train_per_class, test_per_class, size ("WxH"),
    frames ("MIN,MAX" per clip), fps, actor_size ("MIN,MAX" fraction of the short side), clutter (blobs),
    noise (pixel std), distractor_frac, exit_frac, bias_frac, multi_actor_frac, codec, overwrite.
    """
    t0 = time.perf_counter()
    o = check_options(opts)
    root = os.fspath(out_dir)
    prepare_out_dir(root, o["overwrite"])
    classes = make_classes(o["num_classes"])
    w, h = o["size"]
    videos_dir = os.path.join(root, "videos")
    infos: dict[str, VideoInfo] = {}
    tubes: list[Tube] = []
    split_videos = {"train": [], "test": []}
    per_video = {}
    for split_id, (split, count) in enumerate((("train", o["train_per_class"]), ("test", o["test_per_class"]))):
        entries = [(ci, i) for ci in range(len(classes)) for i in range(count)]
        flags = {case: pick_fraction(len(entries), o[case + "_frac"], video_rng(o["seed"], KIND_ID, split_id, 1000 + k))
                 for k, case in enumerate(HARD_CASES)}
        names_of = [clip_names(c.name, split, count) for c in classes]
        for n, (ci, i) in enumerate(entries):
            spec = classes[ci]
            name = names_of[ci][i]
            hard = {case for case in HARD_CASES if flags[case][n]}
            rng = video_rng(o["seed"], KIND_ID, split_id, ci, i)
            bg, actors, num_frames, labelled = _plan_clip(rng, spec, classes, o, hard)
            scene = Scene(bg, actors, num_frames, o["fps"], o["noise"], rng)
            write_video(video_path(videos_dir, name, ".avi"), scene.frames(), o["fps"], (w, h), o["codec"])
            video_tubes = [t for a in labelled for t in _tubes(name, spec.name, scene.boxes[a])]
            tubes.extend(video_tubes)
            infos[name] = VideoInfo(name, label=spec.name, num_frames=num_frames, fps=o["fps"], width=w, height=h)
            split_videos[split].append(name)
            per_video[name] = {"split": split, "label": spec.name, "num_frames": num_frames,
                               "hard_cases": sorted(hard), "num_tubes": len(video_tubes)}
    names = tuple(c.name for c in classes)
    dataset = TubeDataset(names, infos, tuple(tubes), tuple(split_videos["train"]), tuple(split_videos["test"]))
    paths = {
        "root": root,
        "videos": videos_dir,
        "pyannot": os.path.join(root, "pyannot.pkl"),
        "pyannot_with_class_names": os.path.join(root, "pyannot_with_class_names.pkl"),
        "trainlist": os.path.join(root, "trainlist01.txt"),
        "testlist": os.path.join(root, "testlist01.txt"),
        "classes": os.path.join(root, "classes.txt"),
    }
    write_pyannot(paths["pyannot"], dataset)
    write_pyannot(paths["pyannot_with_class_names"], dataset, with_class_names=True)
    write_split_list(paths["trainlist"], dataset.train_videos)
    write_split_list(paths["testlist"], dataset.test_videos)
    atomic_write_text(paths["classes"], "".join(n + "\n" for n in names))
    paths["hard_cases"] = os.path.join(root, "hard_cases.csv")
    atomic_write_text(paths["hard_cases"], hard_cases_csv(per_video))
    hard_counts = {case: sum(case in v["hard_cases"] for v in per_video.values()) for case in HARD_CASES}
    options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in o.items() if k != "overwrite"}
    paths["manifest"] = write_manifest(root, {"kind": "ucf101_24_like", "options": options,
                                              "classes": class_manifest(classes), "videos": per_video})
    return {
        "kind": "ucf",
        "paths": paths,
        "classes": names,
        "num_train": len(dataset.train_videos),
        "num_test": len(dataset.test_videos),
        "num_tubes": len(tubes),
        "num_boxes": int(sum(len(t.frame_idx) for t in tubes)),
        "num_frames": int(sum(v["num_frames"] for v in per_video.values())),
        "hard_cases": hard_counts,
        "seconds": time.perf_counter() - t0,
    }


generate = make_ucf_like
