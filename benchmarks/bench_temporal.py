"""Time the temporal evaluator on 100k synthetic detections over the full THUMOS'14 test ground truth.

    python benchmarks/bench_temporal.py [--num-detections 100000] [--repeat 3]
                                        [--reference-anet /path/to/ActivityNet/Evaluation/eval_detection.py]

Detections are seeded: jittered copies of ground-truth segments (right and wrong class) plus
random segments anywhere in the test videos. Both protocols are timed at 9 tIoUs (0.1 ... 0.9),
reading excluded. With ``--reference-anet`` (your own checkout of ActivityNet's official
``eval_detection.py``; its ``utils.py`` must sit beside it), the official
``compute_average_precision_detection`` is timed on the same input and the per-class APs compared.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from annotations.thumos14 import read_class_txt_dir, read_groundtruth_csv  # noqa: E402
from annotations.types import AMBIGUOUS, Segments  # noqa: E402
from evaluators.temporal import temporal_map  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "thumos14"
THRESHOLDS = np.round(np.linspace(0.1, 0.9, 9), 2)


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


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


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
    parser.add_argument("--num-detections", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference-anet", metavar="PATH", help="official ActivityNet eval_detection.py")
    args = parser.parse_args(argv)

    gt = read_class_txt_dir(SHARED / "groundtruth", "test")
    _, infos = read_groundtruth_csv(SHARED / "thumos14_test_groundtruth.csv")
    det = synthetic_detections(gt, {v: i.duration_s for v, i in infos.items()}, args.num_detections, args.seed)
    print(f"ground truth: {len(gt)} segments in {len(gt.videos)} videos; detections: {len(det)}; "
          f"tIoU thresholds: {', '.join(f'{t:g}' for t in THRESHOLDS)}")
    results = {}
    for protocol in ("activitynet", "thumos14"):
        seconds, results[protocol] = best_of(lambda: temporal_map(gt, det, THRESHOLDS, protocol=protocol), args.repeat)
        print(f"locbench temporal_map protocol={protocol}: {seconds:.3f} s (best of {args.repeat}); "
              f"mAP@0.5 = {results[protocol].mean_ap[4]:.4f}")

    if args.reference_anet:
        ours = results["activitynet"]
        official_s, official_ap = official_anet(args.reference_anet, gt, det, ours.classes)
        ours_s, _ = best_of(lambda: temporal_map(gt, det, THRESHOLDS, protocol="activitynet"), 1)
        diff = float(np.abs(official_ap - ours.ap).max())
        print(f"official compute_average_precision_detection (sequential, no joblib): {official_s:.3f} s; "
              f"ratio official/ours = {official_s / ours_s:.1f}x; max |AP difference| = {diff:.2e} "
              f"({'agree' if diff <= 1e-9 else 'DISAGREE'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
