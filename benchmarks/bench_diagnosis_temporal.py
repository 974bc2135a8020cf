"""Time the temporal diagnosis against the plain evaluation on 100k detections (target: <= 3x).

    python benchmarks/bench_diagnosis_temporal.py [--num-detections 100000] [--repeat 3]

Ground truth: the full THUMOS'14 test set (class-txt files). Detections: the seeded generator of
``bench_temporal.py`` (jittered ground-truth copies and random segments). Plain evaluation =
``temporal_map`` at eval-temporal's default tIoUs (0.1 ... 0.5, ActivityNet protocol). Diagnosis =
DETAD's three analyses (THUMOS'14 defaults) + the weak-supervision types and oracle gains at the same
tIoUs, as ``diagnose-temporal`` computes them (figures and file writing excluded). Best of ``--repeat``,
the two interleaved.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from annotations.thumos14 import read_class_txt_dir, read_groundtruth_csv  # noqa: E402
from bench_temporal import SHARED, best_of, synthetic_detections  # noqa: E402
from evaluators.temporal import temporal_map  # noqa: E402
from locbench.evaluation.diagnosis_temporal import diagnose_method  # noqa: E402

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)
TARGET = 3.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-detections", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    gt = read_class_txt_dir(SHARED / "groundtruth", "test")
    _, infos = read_groundtruth_csv(SHARED / "thumos14_test_groundtruth.csv")
    det = synthetic_detections(gt, {v: i.duration_s for v, i in infos.items()}, args.num_detections, args.seed)
    print(f"ground truth: {len(gt)} segments in {len(gt.videos)} videos; detections: {len(det)}; "
          f"tIoU: {', '.join(f'{t:g}' for t in THRESHOLDS)}")
    # interleaved, best of each: a shared machine's load hits both alike
    plain_s, diag_s = float("inf"), float("inf")
    for _ in range(args.repeat):
        s, ap = best_of(lambda: temporal_map(gt, det, THRESHOLDS, protocol="activitynet"), 1)
        plain_s = min(plain_s, s)
        s, res = best_of(lambda: diagnose_method(gt, det, THRESHOLDS), 1)
        diag_s = min(diag_s, s)
    print(f"plain evaluation (temporal_map, activitynet): {plain_s:.3f} s; mAP@0.5 = {ap.mean_ap[-1]:.4f}")
    weak = res["weak"]
    print(f"diagnosis (DETAD thumos14 + weak types, {len(THRESHOLDS)} tIoUs): {diag_s:.3f} s; "
          f"weak baseline mAP@0.5 = {weak.base_map[-1]:.4f}")
    ratio = diag_s / plain_s
    print(f"ratio diagnosis / plain = {ratio:.2f} (target <= {TARGET:g}): {'OK' if ratio <= TARGET else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
