"""Time the video bootstrap (evaluators/bootstrap.py): match once, then 1,000 resamples.

    python benchmarks/bench_bootstrap.py [--resamples 1000] [--case thumos14|ucf101-24|both]

1. THUMOS'14, full test ground truth (213 videos, Ambiguous included), 5,000 seeded synthetic
   detections (jittered ground-truth copies and random segments), 5 tIoUs (0.1 ... 0.5), protocol
   thumos14: mAP and CorLoc of every resample. Target: under 5 s.
2. UCF101-24 split 1 test frame-AP (910 videos, ~170k ground-truth boxes): one jittered box per
   ground-truth box (170,580 detections, 10 % with a wrong label), VOC protocol at the paper's IoUs
   0.05 / 0.1 / 0.2 / 0.3: mAP and CorLoc of every resample. Target: under 60 s.

Times include the one matching (reading excluded). Prints measured (wall and CPU time), target and ratio (< 1 is good).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from annotations.textfiles import read_split_list  # noqa: E402
from annotations.thumos14 import read_class_txt_dir, read_groundtruth_csv  # noqa: E402
from annotations.types import FrameBoxes  # noqa: E402
from annotations.ucf101_24 import read_pyannot  # noqa: E402
from evaluators import bootstrap as bs  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


def _report(name: str, seconds: tuple[float, float], target: float) -> None:
    wall, cpu = seconds
    print(f"{name}: measured {wall:.2f} s wall ({cpu:.2f} s CPU), target {target:.0f} s, ratio {wall / target:.2f} "
          f"(CPU {cpu / target:.2f}; wall counts other processes on a shared machine)")


def thumos14(resamples: int) -> float:
    from bench_temporal import synthetic_detections
    gt = read_class_txt_dir(SHARED / "thumos14" / "groundtruth", "test")
    _, infos = read_groundtruth_csv(SHARED / "thumos14" / "thumos14_test_groundtruth.csv")
    dets = synthetic_detections(gt, {v: i.duration_s for v, i in infos.items()}, 5000, seed=0)
    tious = (0.1, 0.2, 0.3, 0.4, 0.5)
    t0, c0 = time.perf_counter(), time.process_time()
    m = bs.match_temporal(gt, dets, tious, "thumos14")
    c = bs.temporal_corloc_counts(gt, dets, tious)
    w = bs.video_weights(len(m.videos), resamples, seed=0)
    ap = bs.class_mean(bs.resampled_ap(m, w))
    cl = bs.class_mean(bs.resampled_corloc(c, w))
    elapsed = time.perf_counter() - t0, time.process_time() - c0
    lo, hi = bs.percentile_interval(ap)
    print(f"THUMOS'14: {len(m.videos)} videos, {len(dets)} detections, {len(tious)} tIoUs, {resamples} resamples; "
          f"mAP@0.5 95% interval [{100 * lo[-1]:.1f}, {100 * hi[-1]:.1f}], CorLoc@0.5 mean {100 * np.nanmean(cl[:, -1]):.1f}")
    return elapsed


def ucf101_24(resamples: int) -> float:
    ds = read_pyannot(SHARED / "ucf101_24" / "pyannot.pkl")
    videos = read_split_list(SHARED / "ucf101_24" / "testlist01.txt")
    gt = ds.frame_boxes(videos)
    rng = np.random.default_rng(0)
    n = len(gt)
    boxes = gt.boxes_xyxy + rng.normal(0, 8.0, (n, 4))
    boxes = np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
    label = np.where(rng.random(n) < 0.9, gt.label, rng.choice(np.array(ds.classes), n))
    dets = FrameBoxes(gt.video, gt.frame_idx, label, boxes, rng.random(n))
    ious = (0.05, 0.1, 0.2, 0.3)
    t0, c0 = time.perf_counter(), time.process_time()
    m = bs.match_frames(gt, dets, ious, "voc", classes=ds.classes)
    c = bs.frame_corloc_counts(gt, dets, ious, classes=ds.classes)
    w = bs.video_weights(len(m.videos), resamples, seed=0)
    ap = bs.class_mean(bs.resampled_ap(m, w))
    bs.class_mean(bs.resampled_corloc(c, w))
    elapsed = time.perf_counter() - t0, time.process_time() - c0
    lo, hi = bs.percentile_interval(ap)
    print(f"UCF101-24 split 1: {len(m.videos)} videos, {len(dets)} detections, {len(ious)} IoUs, {resamples} "
          f"resamples; frame-mAP@0.3 95% interval [{100 * lo[-1]:.1f}, {100 * hi[-1]:.1f}]")
    return elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resamples", type=int, default=1000)
    p.add_argument("--case", choices=("thumos14", "ucf101-24", "both"), default="both")
    a = p.parse_args()
    if a.case in ("thumos14", "both"):
        _report("THUMOS'14 bootstrap (match + resamples)", thumos14(a.resamples), 5.0 * a.resamples / 1000)
    if a.case in ("ucf101-24", "both"):
        _report("UCF101-24 frame-AP bootstrap (match + resamples)", ucf101_24(a.resamples), 60.0 * a.resamples / 1000)


if __name__ == "__main__":
    main()
