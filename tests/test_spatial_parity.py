"""Frame-AP parity with the reference numbers (voc, act, coco native and pycocotools) to 1e-6.

Ground truth: every box of ``pyannot.pkl`` in the 120 videos of ``reference/spatial/videos.txt``
(boxes ``x, y, x + w, y + h``, frames ``sf .. ef - 1``); detections: ``detections.csv``.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from annotations.boxes_io import read_boxes_csv
from annotations.spatial_io import load_spatial_gt_boxes
from annotations.ucf101_24 import read_pyannot, read_split_list
from evaluators.coco_reference import frame_ap_pycocotools
from evaluators.frame_ap import frame_ap

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REF = SHARED / "reference" / "spatial"


@pytest.fixture(scope="module")
def problem():
    dataset = read_pyannot(SHARED / "data" / "ucf101_24" / "pyannot.pkl")
    videos = read_split_list(REF / "videos.txt")
    gt = dataset.frame_boxes(videos)
    dets = read_boxes_csv(REF / "detections.csv", classes=dataset.classes)
    expected = json.loads((REF / "expected.json").read_text())
    return dataset.classes, gt, dets, expected


def _check(result, expected, section):
    ref = expected[section]
    assert [c for c, n in zip(result.classes, result.num_gt) if n > 0] == expected["classes_with_ground_truth"]
    for c in expected["classes_with_ground_truth"]:
        np.testing.assert_allclose(result.ap[result.classes.index(c)], ref["AP"][c], atol=1e-6, rtol=0, err_msg=c)
    np.testing.assert_allclose(result.mean_ap, ref["mAP"], atol=1e-6, rtol=0)


@pytest.mark.parametrize("protocol", ["voc", "act", "coco"])
def test_native_frame_ap_parity(problem, protocol):
    classes, gt, dets, expected = problem
    result = frame_ap(gt, dets, expected["iou_thresholds"], protocol=protocol, classes=classes)
    _check(result, expected, protocol)
    assert result.num_det.sum() == len(dets) == 19168 and result.warnings == ()


@pytest.mark.slow
def test_pycocotools_reference_parity(problem):
    classes, gt, dets, expected = problem
    reference = frame_ap_pycocotools(gt, dets, expected["iou_thresholds"], classes=classes)
    _check(reference, expected, "coco")
    native = frame_ap(gt, dets, expected["iou_thresholds"], protocol="coco", classes=classes)
    assert np.array_equal(native.ap, reference.ap, equal_nan=True)  # bit-identical, not just close


def test_mat_ground_truth_gives_the_same_numbers(problem):
    classes, gt, dets, expected = problem
    gt_mat = load_spatial_gt_boxes(SHARED / "data" / "ucf101_24" / "finalAnnots.mat", split=REF / "videos.txt")
    assert len(gt_mat) == len(gt) == 20369
    _check(frame_ap(gt_mat, dets, expected["iou_thresholds"], protocol="act", classes=classes), expected, "act")
