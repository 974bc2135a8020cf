"""Spatial diagnosis speed: TIDE + weak-supervision types (IoU 0.5 and 0.3) vs the plain evaluation.

Ground truth: the whole UCF101-24 split-1 test set from the real ``pyannot.pkl`` (910 videos,
170,580 boxes). Detections (seeded, ``bench_spatial.synthetic_detections``) subsampled to the
reference density (``shared/reference/spatial``: 19,168 boxes on 120 videos, ~160 per video).
Plain evaluation = what ``eval-spatial`` computes: voc frame-AP at the paper's IoUs and CorLoc.
Diagnosis = ``locbench.evaluation.diagnosis_spatial.diagnose`` (no figures). Target: ratio <= 3.

    python benchmarks/bench_diagnosis_spatial.py            # whole split 1
    python benchmarks/bench_diagnosis_spatial.py --quick    # first 100 test videos
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from annotations.ucf101_24 import read_pyannot  # noqa: E402
from bench_spatial import synthetic_detections  # noqa: E402
from evaluators.frame_ap import frame_ap, frame_corloc  # noqa: E402
from locbench.evaluation.diagnosis_spatial import diagnose  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "ucf101_24"
REFERENCE_PER_VIDEO = 19168 / 120
TARGET_RATIO = 3.0


def best_of(k, fn):
    times = []
    for _ in range(k):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 100 test videos only")
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    dataset = read_pyannot(SHARED / "pyannot.pkl", split_file=SHARED / "testlist01.txt")
    videos = dataset.test_videos[:100] if args.quick else dataset.test_videos
    gt = dataset.frame_boxes(videos)
    dets = synthetic_detections(gt, dataset.classes, args.seed)
    n = int(round(REFERENCE_PER_VIDEO * len(videos)))
    keep = np.sort(np.random.default_rng(args.seed).choice(len(dets), size=min(n, len(dets)), replace=False))
    dets = dets.select(keep)
    num_frames = {v: dataset.videos[v].num_frames for v in videos}
    print(f"ground truth: {len(videos)} videos, {len(gt)} boxes; detections: {len(dets)} (seed {args.seed})")

    def plain():
        frame_ap(gt, dets, (0.05, 0.1, 0.2, 0.3), protocol="voc")
        return frame_corloc(gt, dets, (0.05, 0.1, 0.2, 0.3))

    _, t_plain = best_of(args.repeat, plain)
    res, t_diag = best_of(args.repeat, lambda: diagnose(gt, dets, num_frames, dataset.classes))
    t, w = res[0.5]
    print(f"TIDE@0.5: mAP {t.mAP:.2f}, Loc dAP {t.main_dAP['Loc']:.2f}; weak@0.5: loose gain {w.gain['loose']:.2f}")
    ratio = t_diag / t_plain
    print(f"plain evaluation (voc frame-AP + CorLoc, 4 IoUs): {t_plain:.2f} s")
    print(f"diagnosis (TIDE + weak types at IoU 0.5 and 0.3): {t_diag:.2f} s")
    print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO:g}): {'OK' if ratio <= TARGET_RATIO else 'ABOVE TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
