"""Frame-AP speed: native ``frame_ap(protocol="coco")`` vs pycocotools COCOeval on the same input.

Ground truth: the whole UCF101-24 split-1 test set from the real ``pyannot.pkl`` (910 videos,
138,527 annotated frames, 170,580 boxes). Detections (seeded): one jittered box per ground-truth
box (10% with a wrong class), plus 25% stray boxes in random frames, scores rounded to 1e-3 so that
many ties exercise the tie rules. Prints both times, the speed ratio and max |AP difference|, and
the native voc / act times.

    python benchmarks/bench_spatial.py            # whole split 1 (pycocotools takes about a minute)
    python benchmarks/bench_spatial.py --quick    # first 100 test videos
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotations.types import FrameBoxes  # noqa: E402
from annotations.ucf101_24 import FRAME_HEIGHT, FRAME_WIDTH, read_pyannot  # noqa: E402
from evaluators.coco_reference import frame_ap_pycocotools  # noqa: E402
from evaluators.frame_ap import frame_ap  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "ucf101_24"
THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75)


def synthetic_detections(gt: FrameBoxes, classes, seed: int = 0, stray_fraction: float = 0.25) -> FrameBoxes:
    """One jittered box per GT box (some with a wrong class) plus strays, with tied scores."""
    rng = np.random.default_rng(seed)
    n = len(gt)
    b = gt.boxes_xyxy
    wh = np.maximum(b[:, 2:] - b[:, :2], 1.0)
    centre = (b[:, :2] + b[:, 2:]) / 2 + rng.normal(0, 0.15, (n, 2)) * wh
    size = wh * np.exp(rng.normal(0, 0.2, (n, 2)))
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    label = gt.label.astype(object)  # object: a longer class name must not be truncated
    wrong = rng.random(n) < 0.10
    label[wrong] = np.asarray(classes)[rng.integers(0, len(classes), wrong.sum())]
    m = int(stray_fraction * n)
    pick = rng.integers(0, n, m)
    stray_wh = rng.uniform(10, 120, (m, 2))
    stray_xy = rng.uniform(0, 1, (m, 2)) * (np.array([FRAME_WIDTH, FRAME_HEIGHT]) - stray_wh)
    boxes = np.concatenate([boxes, np.concatenate([stray_xy, stray_xy + stray_wh], axis=1)])
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, FRAME_WIDTH)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, FRAME_HEIGHT)
    boxes = np.round(boxes, 2)
    video = np.concatenate([gt.video, gt.video[pick]])
    frame = np.concatenate([gt.frame_idx, gt.frame_idx[pick] + rng.integers(-5, 6, m)])
    frame = np.maximum(frame, 0)
    label = np.concatenate([label, np.asarray(classes)[rng.integers(0, len(classes), m)]])
    score = np.round(np.concatenate([rng.beta(4, 2, n), rng.beta(2, 4, m)]), 3)
    perm = rng.permutation(len(video))
    return FrameBoxes(video[perm], frame[perm], label[perm], boxes[perm], score[perm], source="synthetic")


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="first 100 test videos only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    dataset = read_pyannot(SHARED / "pyannot.pkl", split_file=SHARED / "testlist01.txt")
    videos = dataset.test_videos[:100] if args.quick else dataset.test_videos
    gt = dataset.frame_boxes(videos)
    dets = synthetic_detections(gt, dataset.classes, args.seed)
    frames = len(set(zip(gt.video.tolist(), gt.frame_idx.tolist())))
    print(f"ground truth: {len(videos)} videos, {frames} annotated frames, {len(gt)} boxes; "
          f"detections: {len(dets)} (seed {args.seed}); thresholds {THRESHOLDS}")

    native, t_native = timed(frame_ap, gt, dets, THRESHOLDS, protocol="coco", classes=dataset.classes)
    reference, t_ref = timed(frame_ap_pycocotools, gt, dets, THRESHOLDS, classes=dataset.classes)
    diff = float(np.nanmax(np.abs(native.ap - reference.ap)))
    same_nan = bool(np.array_equal(np.isnan(native.ap), np.isnan(reference.ap)))
    print(f"coco  native frame_ap : {t_native:8.3f} s   mAP {np.round(native.mean_ap, 4).tolist()}")
    print(f"coco  pycocotools     : {t_ref:8.3f} s   mAP {np.round(reference.mean_ap, 4).tolist()}")
    print(f"speed-up {t_ref / t_native:.1f}x   max |AP difference| {diff:.3g}   same NaN classes: {same_nan}")
    for protocol in ("voc", "act"):
        res, t = timed(frame_ap, gt, dets, THRESHOLDS, protocol=protocol, classes=dataset.classes)
        print(f"{protocol:5s} native frame_ap : {t:8.3f} s   mAP {np.round(res.mean_ap, 4).tolist()}")
    return 0 if diff == 0.0 and same_nan else 1


if __name__ == "__main__":
    raise SystemExit(main())
