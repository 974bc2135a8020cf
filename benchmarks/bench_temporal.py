"""Time the temporal evaluator as a user runs it: a whole process reading a THUMOS txt file of 1M and
3M detections and computing both protocols and CorLoc at 9 tIoUs, on 2 cores; peak memory too.

    python benchmarks/bench_temporal.py [--sizes 1000000,3000000] [--cores 2]
                                        [--reference-anet /path/to/ActivityNet/Evaluation/eval_detection.py]

Detections are seeded: jittered copies of ground-truth segments (right and wrong class) plus random
segments anywhere in the test videos, written once to a temporary THUMOS txt file (not timed). Each
size runs in a fresh ``python`` subprocess pinned to ``--cores`` CPUs (``os.sched_setaffinity``):
import, read the ground truth and the detections, one ``TemporalProblem``, ``temporal_map`` under
``thumos14`` and ``activitynet`` and ``temporal_corloc`` at tIoU 0.1 ... 0.9. The wall time of the
subprocess (and its CPU time, which a busy machine inflates less) and its peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` reported by
the child) are printed next to their targets (issue 8: 1M < 3 s; 3M < 10 s and < 1 GB).

With ``--reference-anet`` (your own checkout of ActivityNet's official ``eval_detection.py``; its
``utils.py`` must sit beside it), the official ``compute_average_precision_detection`` is timed on
100k in-memory detections (``--official-size``) against ``temporal_map`` on the same input, the
ratio printed and the per-class APs compared (the official program on 1M detections takes hours).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotations.thumos14 import read_class_index, read_class_txt_dir, read_groundtruth_csv  # noqa: E402
from annotations.types import AMBIGUOUS, Segments  # noqa: E402
from evaluators.temporal import temporal_map  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "thumos14"
THRESHOLDS = np.round(np.linspace(0.1, 0.9, 9), 2)
#: (seconds, bytes) targets of issue 8, per number of detections
TARGETS = {1_000_000: (3.0, None), 3_000_000: (10.0, 1 << 30)}

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from annotations.temporal_io import load_temporal_detections, load_temporal_gt, load_temporal_video_info
from evaluators.temporal import TemporalProblem, temporal_corloc, temporal_map
gt_dir, det_path = sys.argv[1], sys.argv[2]
tious = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
gt = load_temporal_gt(gt_dir)
t1 = time.perf_counter()
det = load_temporal_detections(det_path)
t2 = time.perf_counter()
problem = TemporalProblem(gt, det, unknown_videos="fp", video_info=load_temporal_video_info(gt_dir),
                          check_durations="warn")
out = {}
for protocol in ("thumos14", "activitynet"):
    out[protocol] = temporal_map(gt, det, tious, protocol=protocol, unknown_videos="fp", prepared=problem).mean_ap.tolist()
out["corloc"] = temporal_corloc(gt, det, tious, unknown_videos="fp", prepared=problem).mean_corloc.tolist()
t3 = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
out.update(read_s=t2 - t1, evaluate_s=t3 - t2, in_process_s=t3 - t0, cpu_s=usage.ru_utime + usage.ru_stime,
           maxrss_kib=usage.ru_maxrss)
print(json.dumps(out))
"""


def synthetic_detections(gt: Segments, duration_s: dict[str, float], num: int, seed: int = 0) -> Segments:
    """About 60% jittered GT copies (90% right class), 40% random segments; scores uniform."""
    rng = np.random.default_rng(seed)
    real = np.flatnonzero(gt.label != AMBIGUOUS)
    classes = np.array(gt.classes)
    n_near = int(num * 0.6)
    pick = rng.choice(real, n_near)
    length = gt.t_end_s[pick] - gt.t_start_s[pick]
    new_len = length * np.exp(rng.normal(0, 0.4, n_near))
    centre = np.maximum((gt.t_start_s[pick] + gt.t_end_s[pick]) / 2 + rng.normal(0, 0.3, n_near) * length,
                        new_len / 2)
    label = np.where(rng.random(n_near) < 0.9, gt.label[pick], rng.choice(classes, n_near))
    videos = np.array(gt.videos)
    n_rand = num - n_near
    rvid = rng.choice(videos, n_rand)
    dur = np.array([duration_s[v] for v in rvid])
    rlen = rng.uniform(0.5, 20.0, n_rand)
    rstart = rng.uniform(0, 1, n_rand) * np.maximum(dur - rlen, 0)
    t_start_s = np.concatenate([np.maximum(centre - new_len / 2, 0), rstart])
    t_end_s = np.concatenate([centre + new_len / 2, rstart + rlen])
    return Segments(np.concatenate([gt.video[pick], rvid]), np.round(t_start_s, 2), np.round(t_end_s, 2),
                    np.concatenate([label, rng.choice(classes, n_rand)]), rng.random(num),
                    source="synthetic")


def write_txt(path: Path, det: Segments) -> None:
    """THUMOS txt (official class ids) via pandas, quickly; not part of the timing."""
    import pandas as pd

    ids = {name: cid for cid, name in read_class_index().items()}
    names, inverse = np.unique(det.label, return_inverse=True)
    class_id = np.array([ids[n] for n in names])[inverse]
    pd.DataFrame({"v": det.video, "s": det.t_start_s, "e": det.t_end_s, "c": class_id, "p": det.score}).to_csv(
        path, sep=" ", header=False, index=False)


def run_child(det_path: Path, cores: int) -> tuple[float, dict]:
    """Wall seconds of a fresh interpreter evaluating ``det_path``, and what it reports."""
    def pin():
        if hasattr(os, "sched_setaffinity"):
            available = sorted(os.sched_getaffinity(0))
            os.sched_setaffinity(0, available[:cores])

    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS=str(cores), OPENBLAS_NUM_THREADS=str(cores))
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, str(SHARED / "groundtruth"), str(det_path)], env=env,
                          cwd=REPO, preexec_fn=pin, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, json.loads(done.stdout.strip().splitlines()[-1])


def official_anet(path: str, gt: Segments, det: Segments, classes: tuple[str, ...]):
    """Per-class AP from the official ``compute_average_precision_detection`` (single process)."""
    import pandas as pd

    folder = str(Path(path).resolve().parent)
    sys.path.insert(0, folder)
    if not hasattr(np, "float"):  # the official code uses the alias removed in numpy 1.24
        np.float = float
    spec = importlib.util.spec_from_file_location("official_eval_detection", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    keep = gt.label != AMBIGUOUS
    g = gt.select(keep)
    ap = np.zeros((len(classes), len(THRESHOLDS)))
    t0 = time.perf_counter()
    for c, name in enumerate(classes):
        gm, dm = g.label == name, det.label == name
        gdf = pd.DataFrame({"video-id": g.video[gm], "t-start": g.t_start_s[gm], "t-end": g.t_end_s[gm]})
        ddf = pd.DataFrame({"video-id": det.video[dm], "t-start": det.t_start_s[dm], "t-end": det.t_end_s[dm],
                            "score": det.score[dm]})
        ap[c] = module.compute_average_precision_detection(gdf, ddf, THRESHOLDS)
    return time.perf_counter() - t0, ap


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,3000000", help="numbers of detections (default 1M and 3M)")
    parser.add_argument("--cores", type=int, default=2, help="CPUs the evaluating process may use (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference-anet", metavar="PATH", help="official ActivityNet eval_detection.py")
    parser.add_argument("--official-size", type=int, default=100_000,
                        help="detections for the comparison with the official program (default 100000)")
    args = parser.parse_args(argv)

    gt = read_class_txt_dir(SHARED / "groundtruth", "test")
    _, infos = read_groundtruth_csv(SHARED / "thumos14_test_groundtruth.csv")
    durations = {v: i.duration_s for v, i in infos.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"ground truth: {len(gt)} segments in {len(gt.videos)} videos; tIoU {', '.join(f'{t:g}' for t in THRESHOLDS)}; "
          f"{args.cores} cores; load average {load:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"det_{size}.txt"
            write_txt(path, synthetic_detections(gt, durations, size, args.seed))
            wall, out = run_child(path, args.cores)
            peak = out["maxrss_kib"] * 1024
            target_s, target_b = TARGETS.get(size, (None, None))
            line = (f"{size:,} detections, both protocols + CorLoc, whole process: {wall:.2f} s wall, "
                    f"{out['cpu_s']:.2f} s CPU (read {out['read_s']:.2f} s, evaluate {out['evaluate_s']:.2f} s wall)")
            if target_s:
                line += f"; target < {target_s:g} s, ratio {wall / target_s:.2f} ({'met' if wall < target_s else 'MISSED'})"
            line += f"; peak memory {peak / 2**20:.0f} MiB"
            if target_b:
                line += (f"; target < {target_b / 2**30:g} GiB, ratio {peak / target_b:.2f} "
                         f"({'met' if peak < target_b else 'MISSED'})")
            print(line, flush=True)
            print(f"  mAP@0.5 thumos14 {out['thumos14'][4]:.4f}, activitynet {out['activitynet'][4]:.4f}", flush=True)

    if args.reference_anet:
        det = synthetic_detections(gt, durations, args.official_size, args.seed)
        ours_s = time.perf_counter()
        ours = temporal_map(gt, det, THRESHOLDS, protocol="activitynet")
        ours_s = time.perf_counter() - ours_s
        official_s, official_ap = official_anet(args.reference_anet, gt, det, ours.classes)
        diff = float(np.abs(official_ap - ours.ap).max())
        print(f"official compute_average_precision_detection on {args.official_size:,} detections (sequential, no "
              f"joblib): {official_s:.3f} s; locbench {ours_s:.3f} s; ratio official/ours = {official_s / ours_s:.1f}x; "
              f"max |AP difference| = {diff:.2e} ({'agree' if diff <= 1e-9 else 'DISAGREE'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
