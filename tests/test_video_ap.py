"""Video-AP with ACT's definitions: ST-IoU and AP by hand, and parity with the reference numbers."""
import json
from pathlib import Path

import numpy as np
import pytest

from annotations.boxes_io import read_tubes_csv
from annotations.types import Tube
from annotations.ucf101_24 import read_pyannot, read_split_list
from evaluators.video_ap import spatiotemporal_iou, stiou_pairs, video_ap

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def tube(video, label, first, last, box, score=float("nan")):
    n = last - first + 1
    return Tube(video, label, np.arange(first, last + 1), np.tile(np.asarray(box, float), (n, 1)), score)


def test_spatiotemporal_iou_by_hand():
    gt = tube("v", "c", 0, 9, [0, 0, 9, 9])
    # same box, frames 5..14: temporal IoU = |5..9| / |0..14| = 5 / 15; spatial IoU 1
    assert spatiotemporal_iou(gt, tube("v", "c", 5, 14, [0, 0, 9, 9])) == pytest.approx(1 / 3)
    # half box [0,0,4,9]: +1 areas 5*10 = 50 and 10*10 = 100, overlap 5*10 = 50 -> 50 / 100 = 0.5; x 1/3
    half = tube("v", "c", 5, 14, [0, 0, 4, 9])
    assert spatiotemporal_iou(gt, half) == pytest.approx(1 / 6)
    assert spatiotemporal_iou(half, gt) == pytest.approx(1 / 6)
    # inclusive frame indices: tubes 0..9 and 9..18 share one frame of 19
    assert spatiotemporal_iou(gt, tube("v", "c", 9, 18, [0, 0, 9, 9])) == pytest.approx(1 / 19)
    assert spatiotemporal_iou(gt, tube("v", "c", 10, 18, [0, 0, 9, 9])) == 0.0
    # the vectorised pair version agrees
    dets = (tube("v", "c", 5, 14, [0, 0, 9, 9]), half)
    got = stiou_pairs(dets, (gt,), np.array([0, 1]), np.array([0, 0]))
    assert got.tolist() == pytest.approx([1 / 3, 1 / 6])


def test_video_ap_by_hand():
    gts = (tube("v", "c", 0, 9, [0, 0, 9, 9]), tube("v", "c", 20, 29, [50, 50, 59, 59]))
    dets = (
        tube("v", "c", 5, 14, [0, 0, 9, 9], 0.95),      # ST-IoU 1/3 with the first GT tube
        tube("v", "c", 0, 9, [0, 0, 9, 9], 0.9),        # the first GT tube exactly
        tube("v", "c", 20, 29, [50, 50, 59, 59], 0.7),  # the second GT tube exactly
        tube("w", "c", 0, 9, [0, 0, 9, 9], 0.6),        # a video without GT: FP
    )
    r = video_ap(gts, dets, [0.3, 0.5])
    # t = 0.3: greedy in score order: the 0.95 tube takes GT 1 (1/3 >= 0.3), the 0.9 tube finds only
    # GT 2 (ST-IoU 0): TP FP TP FP -> precision 1, 1/2, 2/3, 1/2; recall 1/2, 1/2, 1, 1
    #   trapezoids from (0, 1): 1/2 * (1 + 1)/2 + 0 + 1/2 * (1/2 + 2/3)/2 + 0 = 1/2 + 7/24 = 19/24
    assert r.ap[0, 0] == pytest.approx(19 / 24, rel=1e-6)
    # t = 0.5: FP TP TP FP -> precision 0, 1/2, 2/3, 1/2; recall 0, 1/2, 1, 1
    #   0 + 1/2 * (0 + 1/2)/2 + 1/2 * (1/2 + 2/3)/2 + 0 = 1/8 + 7/24 = 5/12
    assert r.ap[0, 1] == pytest.approx(5 / 12, rel=1e-6)
    assert r.num_gt.tolist() == [2] and r.num_det.tolist() == [4] and r.warnings == ()


def test_classes_without_ground_truth_and_with_no_detections():
    gts = (tube("v", "a", 0, 4, [0, 0, 9, 9]), tube("v", "b", 0, 4, [0, 0, 9, 9]))
    dets = (tube("v", "a", 0, 4, [0, 0, 9, 9], 0.5), tube("v", "z", 0, 4, [0, 0, 9, 9], 0.4))
    r = video_ap(gts, dets, [0.5])
    assert r.classes == ("a", "b", "z")
    assert r.ap[0, 0] == 1.0 and r.ap[1, 0] == 0.0 and np.isnan(r.ap[2, 0])
    assert r.mean_ap[0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="not among"):
        video_ap(gts, dets, [0.5], classes=("a", "b"))


def test_inverted_boxes_are_evaluated_and_reported():
    gts = (tube("v", "c", 0, 4, [0, 0, 9, 9]),)
    bad = Tube("v", "c", np.arange(0, 5), [[0, 0, 9, 9]] * 4 + [[9, 0, 0, 9]], 0.5)
    r = video_ap(gts, (bad,), [0.5])
    assert "1 detected boxes in 1 tube(s)" in r.warnings[0]
    # ACT arithmetic on the inverted frame: overlap max(0, min(10, 1) - 9) = 0 -> IoU 0; mean (4 * 1 + 0) / 5
    assert spatiotemporal_iou(gts[0], bad) == pytest.approx(0.8)
    assert r.ap[0, 0] == 1.0


def test_non_contiguous_tubes_are_refused():
    gts = (tube("v", "c", 0, 4, [0, 0, 9, 9]),)
    gappy = Tube("v", "c", [0, 2], [[0, 0, 9, 9]] * 2, 0.5)
    with pytest.raises(ValueError, match="contiguous"):
        video_ap(gts, (gappy,), [0.5])


def test_parity_with_act_reference():
    expected = json.loads((SHARED / "reference" / "video" / "expected.json").read_text())
    dataset = read_pyannot(SHARED / "data" / "ucf101_24" / "pyannot.pkl")
    videos = read_split_list(SHARED / "reference" / "video" / "videos.txt")
    dets = read_tubes_csv(SHARED / "reference" / "video" / "tubes.csv")
    r = video_ap(dataset.tubes_of(videos), dets, expected["iou_thresholds"], classes=dataset.classes)
    assert [c for c, n in zip(r.classes, r.num_gt) if n > 0] == expected["classes_with_ground_truth"]
    for c in expected["classes_with_ground_truth"]:
        np.testing.assert_allclose(r.ap[r.classes.index(c)], expected["AP"][c], atol=1e-6, rtol=0)
    np.testing.assert_allclose(r.mean_ap, expected["mAP"], atol=1e-6, rtol=0)
    assert "290 detected boxes" in r.warnings[0]  # the reference tubes contain inverted boxes
