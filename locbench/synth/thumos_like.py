"""THUMOS'14-like synthetic dataset: untrimmed videos where short class actions occur among background.

Written in the real formats (see ``docs/synth.md``)::

    <out>/videos/validation/video_validation_0000001.mp4   training videos (THUMOS trains on validation)
    <out>/videos/test/video_test_0000001.mp4
    <out>/groundtruth/<Class>_val.txt, <Class>_test.txt, Ambiguous_val.txt, Ambiguous_test.txt
    <out>/val_video_info.csv, test_video_info.csv           video,fps,sample_fps,count,sample_count
    <out>/class_index_detection.txt, classes.txt, synth_manifest.json
    <out>/hard_cases_val.csv, hard_cases_test.csv          one row per instance: its hard-case attributes

An action instance is the class actor (its appearance doing its motion) being on screen: frames
``[f0, f1)``, annotated as ``[f0 / fps, f1 / fps]`` seconds.
"""
from __future__ import annotations

import os
import time

import numpy as np

from annotations.atomic import atomic_write_text
from annotations.thumos14 import write_class_txt_dir, write_video_info_csv
from annotations.types import AMBIGUOUS, Segments, VideoInfo
from locbench.synth.render import (ActorPlan, Background, Scene, class_manifest, distractor_appearance,
                                   make_classes, merge_options, motion_track, parse_range, pick_fraction,
                                   prepare_out_dir, video_rng, write_manifest, write_video)
from locbench.video.layout import thumos_video_name, video_path

KIND_ID = 2
SAMPLE_FPS = 10.0
#: times are drawn on this grid (seconds), then rounded to frames
GRID_S = 0.2
MIN_GAP_S = 1.0
HARD_CASES = ("edge", "second_class", "ambiguous", "distractor", "bias")
SUBSETS = (("train", "validation", "val"), ("test", "test", "test"))  # split, name subset, file suffix

#: Sized for the CPU demo (docs/synth.md): 80 + 20 videos of 14-20 s with 1-2 actions of 2-3.6 s, so actions
#: cover about a quarter of a video (10-50 %) and no single action reaches tIoU 0.3 with the whole video
#: (the uniform-weights baseline); 20 training videos per class keep a small model from memorising backgrounds.
DEFAULTS = dict(seed=0, num_classes=4, train_per_class=20, test_per_class=5, size="160x90", fps="15,20",
                duration_s="14,20", action_s="2,3.6", instances="1,2", actor_size="0.25,0.4", clutter=6, noise=3,
                edge_frac=0.25, second_class_frac=0.2, ambiguous_frac=0.15, distractor_frac=0.3, bias_frac=0.1,
                codec="lossy", overwrite=False)


def _fps_choices(value) -> tuple[float, ...]:
    if isinstance(value, (int, float)):
        values = (float(value),)
    else:
        values = tuple(float(v) for v in str(value).split(",") if v.strip())
    if not values or any(not v > 0 for v in values):
        raise ValueError(f"fps must be positive numbers, got {value!r}")
    return values


def check_options(opts: dict) -> dict:
    """Options with defaults filled in and parsed; ValueError / TypeError for impossible ones."""
    o = merge_options(DEFAULTS, opts)
    o["fps"] = _fps_choices(o["fps"])
    o["duration_s"] = parse_range(o["duration_s"])
    o["action_s"] = parse_range(o["action_s"])
    o["instances"] = parse_range(o["instances"], int)
    o["actor_size"] = parse_range(o["actor_size"])
    if o["codec"] not in ("lossy", "lossless"):
        raise ValueError(f"codec is 'lossy' or 'lossless', got {o['codec']!r}")
    if o["instances"][0] < 1:
        raise ValueError("every video needs at least one action instance")
    if o["action_s"][0] < 2 * GRID_S:
        raise ValueError(f"actions must last at least {2 * GRID_S} s")
    items = max(o["instances"][1], 2 if o["second_class_frac"] > 0 else 1) + (1 if o["ambiguous_frac"] > 0 else 0)
    need = items * o["action_s"][1] + (items - 1) * MIN_GAP_S
    if o["duration_s"][0] < need:
        raise ValueError(f"videos of {o['duration_s'][0]:g} s cannot hold {items} segments (actions and ambiguous) "
                         f"of up to {o['action_s'][1]:g} s with {MIN_GAP_S:g} s gaps: need {need:g} s")
    if not 0 < o["actor_size"][1] <= 0.6:
        raise ValueError("actor size is a fraction of the frame's short side in (0, 0.6]")
    return o


def _grid(rng, lo_s: float, hi_s: float) -> int:
    """A duration in GRID_S units, uniform over the grid points in [lo_s, hi_s]."""
    return int(rng.integers(int(np.ceil(lo_s / GRID_S - 1e-9)), int(np.floor(hi_s / GRID_S + 1e-9)) + 1))


def plan_segments(rng, duration_units: int, lengths: list[int], edge: str | None) -> list[int]:
    """Start (grid units) of each item, in the given order, with >= MIN_GAP_S between items.

    ``edge`` 'start' puts the first item at 0, 'end' ends the last one at the video's end.
    """
    min_gap = int(round(MIN_GAP_S / GRID_S))
    free = duration_units - sum(lengths) - min_gap * (len(lengths) - 1)
    if free < 0:
        raise ValueError("items do not fit")
    # free time split into len+1 gaps, uniformly over compositions (stars and bars)
    cuts = np.sort(rng.integers(0, free + 1, size=len(lengths)))
    gaps = np.diff(np.concatenate([[0], cuts, [free]]))
    if edge == "start":
        gaps[1] += gaps[0]
        gaps[0] = 0
    elif edge == "end":
        gaps[-2] += gaps[-1]
        gaps[-1] = 0
    starts, t = [], 0
    for i, length in enumerate(lengths):
        t += int(gaps[i]) + (min_gap if i else 0)
        starts.append(t)
        t += length
    return starts


def _plan_video(rng, main: int, classes, o: dict, hard: set[str]):
    """Background, actors and ground-truth rows of one untrimmed video."""
    w, h = o["size"]
    side = min(w, h)
    fps = float(o["fps"][int(rng.integers(len(o["fps"])))])
    n_inst = int(rng.integers(o["instances"][0], o["instances"][1] + 1))
    if "second_class" in hard:
        n_inst = max(n_inst, 2)
    labels = [main] * n_inst
    if "second_class" in hard:
        others = [c for c in range(len(classes)) if c != main]
        labels[int(rng.integers(n_inst))] = int(others[int(rng.integers(len(others)))])
    items = [(c, False) for c in labels]  # (class, ambiguous)
    if "ambiguous" in hard:
        items.insert(int(rng.integers(len(items) + 1)), (main, True))
    lengths = [_grid(rng, *o["action_s"]) for _ in items]
    duration_units = _grid(rng, *o["duration_s"])
    edge = None
    if "edge" in hard:
        edge = "start" if rng.random() < 0.5 else "end"
        if items[0 if edge == "start" else -1][1]:  # the edge item must be a real action
            items.reverse()
            lengths.reverse()
    starts = plan_segments(rng, duration_units, lengths, edge)
    num_frames = int(round(duration_units * GRID_S * fps))
    bg = Background(rng, (w, h), num_blobs=o["clutter"], tint=classes[main].appearance.rgb if "bias" in hard else None)
    actors, rows = [], []
    if "distractor" in hard:
        span = int(rng.integers(int(0.3 * num_frames), int(0.7 * num_frames) + 1))
        f0 = int(rng.integers(0, num_frames - span + 1))
        size = rng.uniform(*o["actor_size"]) * side
        track = motion_track("Wander", np.arange(span) / fps, rng, (w, h), size)
        actors.append(ActorPlan(distractor_appearance(rng), size, track, start_frame=f0))
    for (c, ambiguous), s, length in zip(items, starts, lengths):
        f0 = int(round(s * GRID_S * fps))
        f1 = min(int(round((s + length) * GRID_S * fps)), num_frames)
        size = rng.uniform(*o["actor_size"]) * side * (0.7 if ambiguous else 1.0)
        spec = classes[c]
        track = motion_track(spec.motion, np.arange(f1 - f0) / fps, rng, (w, h), size)
        actors.append(ActorPlan(spec.appearance, size, track, start_frame=f0, alpha=0.35 if ambiguous else 1.0))
        rows.append((f0, f1, AMBIGUOUS if ambiguous else spec.name))
    return bg, actors, num_frames, fps, rows, edge


def make_thumos_like(out_dir: str | os.PathLike, **opts) -> dict:
    """Generate the dataset under ``out_dir`` (see module doc); returns paths and a summary.

    Options (defaults in ``DEFAULTS``): seed, num_classes, train_per_class / test_per_class (videos whose
    main class it is), size ("WxH"), fps (one value or a list to draw from per video), duration_s,
    action_s, instances ("MIN,MAX"), actor_size, clutter, noise, edge_frac, second_class_frac,
    ambiguous_frac, distractor_frac, bias_frac, codec ("lossy" mp4v / "lossless" FFV1), overwrite.
    """
    t0 = time.perf_counter()
    o = check_options(opts)
    root = os.fspath(out_dir)
    prepare_out_dir(root, o["overwrite"])
    classes = make_classes(o["num_classes"])
    names = tuple(c.name for c in classes)
    class_index = {i + 1: n for i, n in enumerate(names)}
    w, h = o["size"]
    paths = {"root": root, "videos": os.path.join(root, "videos"), "groundtruth": os.path.join(root, "groundtruth"),
             "classes": os.path.join(root, "classes.txt"),
             "class_index": os.path.join(root, "class_index_detection.txt")}
    per_video = {}
    summary_counts = {"instances": 0, "ambiguous": 0}
    for split_id, (split, subset, suffix) in enumerate(SUBSETS):
        count = o["train_per_class"] if split == "train" else o["test_per_class"]
        order = video_rng(o["seed"], KIND_ID, split_id, 999).permutation(len(classes) * count)
        mains = [int(k) // count for k in order]  # video number -> main class, shuffled
        flags = {case: pick_fraction(len(mains), o[case + "_frac"], video_rng(o["seed"], KIND_ID, split_id, 1000 + k))
                 for k, case in enumerate(HARD_CASES)}
        infos: dict[str, VideoInfo] = {}
        seg = {"video": [], "t0": [], "t1": [], "label": []}
        for n, main in enumerate(mains):
            name = thumos_video_name(subset, n + 1)
            hard = {case for case in HARD_CASES if flags[case][n]}
            rng = video_rng(o["seed"], KIND_ID, split_id, n)
            bg, actors, num_frames, fps, rows, edge = _plan_video(rng, main, classes, o, hard)
            scene = Scene(bg, actors, num_frames, fps, o["noise"], rng)
            write_video(video_path(os.path.join(paths["videos"], subset), name, ".mp4"), scene.frames(), fps, (w, h),
                        o["codec"])
            infos[name] = VideoInfo(name, label=names[main], num_frames=num_frames, fps=fps,
                                    duration_s=num_frames / fps, width=w, height=h)
            for f0, f1, label in rows:
                seg["video"].append(name)
                seg["t0"].append(f0 / fps)
                seg["t1"].append(f1 / fps)
                seg["label"].append(label)
            summary_counts["instances"] += sum(r[2] != AMBIGUOUS for r in rows)
            summary_counts["ambiguous"] += sum(r[2] == AMBIGUOUS for r in rows)
            per_video[name] = {"split": split, "main_class": names[main], "fps": fps, "num_frames": num_frames,
                               "hard_cases": sorted(hard), "edge": edge,
                               "segments_frames": [[f0, f1, label] for f0, f1, label in rows]}
        segments = Segments(seg["video"], seg["t0"], seg["t1"], seg["label"], videos=tuple(infos))
        paths[f"{suffix}_hard_cases"] = write_hard_cases(os.path.join(root, f"hard_cases_{suffix}.csv"), per_video,
                                                         infos, names)
        write_class_txt_dir(paths["groundtruth"], segments, subset=suffix, class_index=class_index)
        paths[f"{suffix}_video_info"] = os.path.join(root, f"{suffix}_video_info.csv")
        write_video_info_csv(paths[f"{suffix}_video_info"], infos, sample_fps=SAMPLE_FPS)
    atomic_write_text(paths["class_index"], "".join(f"{i} {n}\n" for i, n in class_index.items()))
    atomic_write_text(paths["classes"], "".join(n + "\n" for n in names))
    options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in o.items() if k != "overwrite"}
    paths["manifest"] = write_manifest(root, {"kind": "thumos14_like", "options": options,
                                              "classes": class_manifest(classes), "videos": per_video})
    return {
        "kind": "thumos",
        "paths": paths,
        "classes": names,
        "num_train": sum(v["split"] == "train" for v in per_video.values()),
        "num_test": sum(v["split"] == "test" for v in per_video.values()),
        "num_instances": summary_counts["instances"],
        "num_ambiguous": summary_counts["ambiguous"],
        "num_frames": int(sum(v["num_frames"] for v in per_video.values())),
        "duration_s": float(sum(v["num_frames"] / v["fps"] for v in per_video.values())),
        "hard_cases": {case: sum(case in v["hard_cases"] for v in per_video.values()) for case in HARD_CASES},
        "seconds": time.perf_counter() - t0,
    }


#: columns of hard_cases_<subset>.csv (read by ``--slice-by FILE:COLUMN``)
HARD_CASE_COLUMNS = ("video", "t_start_s", "t_end_s", "label", "edge", "second_class", "distractor", "bias",
                     "ambiguous_in_video", "hard_case")


def write_hard_cases(path: str, per_video: dict, infos: dict, names) -> str:
    """One CSV row per action instance (Ambiguous left out) with what the generator knows about it:
    ``edge`` start / end / none (the instance starts at 0 s or ends at the video's end), ``second_class``
    (the instance is of another class than the video's main one), ``distractor`` and ``bias`` (video
    level), ``ambiguous_in_video``, and ``hard_case``: the instance's cases joined by '+', or 'none'.
    Times are written with ``repr`` so they match the ground-truth files to the last bit."""
    lines = [",".join(HARD_CASE_COLUMNS)]
    for name, info in infos.items():
        v = per_video[name]
        fps, n = v["fps"], v["num_frames"]
        video_cases = set(v["hard_cases"])
        for f0, f1, label in v["segments_frames"]:
            if label == AMBIGUOUS:
                continue
            edge = "start" if f0 == 0 else "end" if f1 == n else "none"
            cases = ([f"edge_{edge}"] if edge != "none" else []) + \
                (["second_class"] if label != v["main_class"] else []) + \
                [c for c in ("distractor", "bias") if c in video_cases]
            yes = lambda b: "yes" if b else "no"  # noqa: E731
            lines.append(",".join([name, repr(f0 / fps), repr(f1 / fps), label, edge, yes(label != v["main_class"]),
                                   yes("distractor" in video_cases), yes("bias" in video_cases),
                                   yes("ambiguous" in video_cases), "+".join(cases) or "none"]))
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


generate = make_thumos_like
