"""Parity with the numbers the official evaluators print on the real THUMOS'14 test set.

``expected.json`` holds ActivityNet ``eval_detection.py`` (against ``thumos_gt.json``, 210 videos)
and ``TH14evalDet_Updated.m`` (against ``groundtruth/*_test.txt``, 213 videos with Ambiguous).
Both detection files (JSON and THUMOS txt) hold the same segments and must give the same numbers.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotations.activitynet import read_gt_json, read_results_json
from annotations.errors import InputError
from annotations.temporal_io import load_temporal_detections, load_temporal_gt
from annotations.thumos14 import read_class_txt_dir, read_detections_txt, read_groundtruth_csv
from evaluators.temporal import temporal_map

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
REF = SHARED / "reference" / "temporal"


@pytest.fixture(scope="module")
def expected():
    return json.loads((REF / "expected.json").read_text())


@pytest.fixture(scope="module")
def detections():
    return {"json": read_results_json(REF / "detections.json"), "txt": read_detections_txt(REF / "detections.txt")}


@pytest.fixture(scope="module")
def ground_truth():
    return {"activitynet": read_gt_json(THUMOS / "thumos_gt.json", "test"),
            "thumos14": read_class_txt_dir(THUMOS / "groundtruth", "test")}


def test_both_detection_files_hold_the_same_segments(detections):
    a, b = detections["json"], detections["txt"]
    assert len(a) == len(b) == 4747
    key = lambda s: sorted(zip(s.video.tolist(), s.t_start_s.tolist(), s.t_end_s.tolist(), s.label.tolist(),
                               s.score.tolist()))
    assert key(a) == key(b)


def _check(result, expected_protocol):
    assert result.thresholds.tolist() == expected_protocol["tiou_thresholds"]
    assert set(result.classes) == set(expected_protocol["AP"])
    for cls, values in expected_protocol["AP"].items():
        np.testing.assert_allclose(result.ap[result.classes.index(cls)], values, rtol=0, atol=1e-6, err_msg=cls)
    np.testing.assert_allclose(result.mean_ap, expected_protocol["mAP"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("det_format", ["json", "txt"])
@pytest.mark.parametrize("protocol", ["activitynet", "thumos14"])
def test_parity_with_official_numbers(protocol, det_format, expected, detections, ground_truth):
    exp = expected[protocol]
    result = temporal_map(ground_truth[protocol], detections[det_format], exp["tiou_thresholds"],
                          protocol=protocol, unknown_videos="fp")
    _check(result, exp)
    # the official tools count detections in videos absent from the ground truth as false positives
    assert len(result.warnings) == 1 and "counted as false positives" in result.warnings[0]


def test_parity_through_auto_format_loaders(expected):
    exp = expected["activitynet"]
    gt = load_temporal_gt(THUMOS / "thumos_gt.json")
    result = temporal_map(gt, load_temporal_detections(REF / "detections.txt"), exp["tiou_thresholds"],
                          unknown_videos="fp")
    _check(result, exp)
    exp = expected["thumos14"]
    result = temporal_map(load_temporal_gt(THUMOS / "groundtruth"), load_temporal_detections(REF / "detections.json"),
                          exp["tiou_thresholds"], protocol="thumos14", unknown_videos="fp")
    _check(result, exp)


def test_thumos14_parity_from_groundtruth_csv(expected, detections):
    """The per-instance CSV carries the same 3,457 rows (Ambiguous = label-idx -1) in a usable order."""
    exp = expected["thumos14"]
    gt, _ = read_groundtruth_csv(THUMOS / "thumos14_test_groundtruth.csv")
    _check(temporal_map(gt, detections["txt"], exp["tiou_thresholds"], protocol="thumos14", unknown_videos="fp"), exp)


def test_conventions_are_discriminated_by_the_reference(expected, detections, ground_truth):
    """The reference numbers are sensitive to each convention: a wrong one misses them by > 1e-6."""
    exp = expected["thumos14"]
    gt = ground_truth["thumos14"]
    det = detections["txt"]
    thresholds = np.array(exp["tiou_thresholds"])
    misses = {
        ">= instead of >": temporal_map(gt, det, np.nextafter(thresholds, 0), protocol="thumos14", unknown_videos="fp"),
        "no Ambiguous": temporal_map(gt.select(gt.label != "Ambiguous"), det, thresholds, protocol="thumos14",
                                     unknown_videos="fp"),
        "unknown videos dropped": temporal_map(gt, det, thresholds, protocol="thumos14", unknown_videos="drop"),
        "ActivityNet matching": temporal_map(gt, det, thresholds, protocol="activitynet", unknown_videos="fp"),
    }
    for name, result in misses.items():
        assert np.abs(result.mean_ap - exp["mAP"]).max() > 1e-6, name
    exp = expected["activitynet"]
    result = temporal_map(ground_truth["activitynet"], det, np.nextafter(exp["tiou_thresholds"], 1),
                          unknown_videos="fp")
    assert np.abs(result.mean_ap - exp["mAP"]).max() > 1e-6


def test_default_refuses_unknown_videos(detections, ground_truth):
    with pytest.raises(InputError) as e:
        temporal_map(ground_truth["activitynet"], detections["json"])
    assert e.value.path.endswith("detections.json")
    assert "58 detection(s) in 3 video(s)" in str(e.value)
    assert "video_test_9999999" in str(e.value)
