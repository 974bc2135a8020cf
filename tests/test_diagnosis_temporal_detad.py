"""DETAD parity: the numbers of ``shared/reference/diagnosis/temporal/detad.json`` (DETAD run on the shared
reference detections), and hand-made cases for each DETAD error type."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotations.errors import InputError
from annotations.temporal_io import load_temporal_detections, load_temporal_gt
from annotations.thumos14 import read_groundtruth_csv
from annotations.types import Segments
from evaluators.diagnosis.detad import DETAD_NAMES, bucketize, detad_analysis, gt_characteristics

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REF = SHARED / "reference" / "diagnosis" / "temporal"
#: detad.json keeps full float64 precision; our arithmetic follows DETAD's operation order
TOL = 1e-12


@pytest.fixture(scope="module")
def inputs():
    gt = load_temporal_gt(SHARED / "data" / "thumos14" / "thumos_gt.json", subset="test")
    det = load_temporal_detections(SHARED / "reference" / "temporal" / "detections.json")
    extra = json.loads((REF / "thumos14_test_extra_characteristics.json").read_text())
    ref = json.loads((REF / "detad.json").read_text())["results"]["reference"]
    chars, notes = gt_characteristics(gt, extra=extra)
    assert notes == []  # every instance found in DETAD's file
    return gt, det, chars, ref


@pytest.fixture(scope="module")
def results(inputs):
    gt, det, chars, _ = inputs
    return {compat: detad_analysis(gt, det, characteristics=chars, unknown_videos="fp", detad_compat=compat)
            for compat in (True, False)}


def _check_fp(ours: dict, ref: dict):
    for a, b in zip(ours["fp_profile_by_score_range"], ref["fp_profile_by_score_range"], strict=True):
        assert a["group"] == b["group"] and a["n_predictions"] == b["n_predictions"]
        for name, value in a["fraction"].items():
            expected = b["fraction"][DETAD_NAMES[name]]
            if expected is None:
                assert value is None
            else:
                assert value == pytest.approx(expected, abs=TOL), (a["group"], name)
    for name, value in ours["average_mAP_N_gain_removing_error"].items():
        assert value == pytest.approx(ref["average_mAP_N_gain_removing_error"][DETAD_NAMES[name]], abs=TOL), name
    for name, value in ours["fp_fraction_all_limited_predictions"].items():
        assert value == pytest.approx(ref["fp_fraction_all_limited_predictions"][DETAD_NAMES[name]], abs=TOL), name


def test_detad_as_shipped_false_positive_analysis(inputs, results):
    _, _, _, ref = inputs
    fp = results[True].metrics["false_positive_analysis"]
    assert fp["average_mAP_N"] == pytest.approx(ref["false_positive_analysis"]["average_mAP_N"], abs=TOL)
    assert fp["n_predictions_after_limit"] == ref["false_positive_analysis"]["n_predictions_after_limit"] == 4747
    for c, v in ref["false_positive_analysis"]["ap_N_per_class"].items():
        assert fp["ap_N_per_class"][c] == pytest.approx(v, abs=TOL), c
    for err, per_class in ref["false_positive_analysis"]["ap_N_removing_error_per_class"].items():
        name = {v: k for k, v in DETAD_NAMES.items()}[err]
        for c, v in per_class.items():
            assert fp["ap_N_removing_error_per_class"][name][c] == pytest.approx(v, abs=TOL), (err, c)
    _check_fp(fp, ref["false_positive_analysis"])
    counts = {DETAD_NAMES[k]: v for k, v in fp["fp_count_all_limited_predictions"].items()}
    assert counts == ref["false_positive_analysis"]["fp_count_all_limited_predictions"]


def test_detad_compat_types_each_prediction_on_gtless_videos_as_detad(inputs, results):
    _, _, _, ref = inputs
    ours = results[True].metrics["false_positive_analysis"]["predictions_on_videos_without_gt"]
    expected = ref["false_positive_analysis"]["predictions_on_videos_without_gt"]
    assert ours["n"] == expected["n"] == 58
    mine = sorted((i["video"], i["start"], i["end"], i["label"], i["score"], DETAD_NAMES[i["type"]]) for i in ours["list"])
    assert mine == sorted(tuple(x) for x in expected["list"])
    assert {DETAD_NAMES[k]: v for k, v in ours["error_type_counts"].items()} == expected["error_type_counts"]


def test_default_fixes_gtless_videos_as_the_reference_variant(inputs, results):
    _, _, _, ref = inputs
    fixed = results[False]
    variant = ref["false_positive_analysis_variant_gtless_video_fix"]
    _check_fp(fixed.metrics["false_positive_analysis"], variant)
    gtless = fixed.metrics["false_positive_analysis"]["predictions_on_videos_without_gt"]
    assert gtless["error_type_counts"] == {"background": 58}
    # the default says how DETAD as shipped would have typed them
    assert any("DETAD as shipped types them" in w and "'confusion': 18" in w for w in fixed.warnings)
    # the two modes differ exactly where DETAD's bug acts
    diff = fixed.metrics["false_positive_analysis"]["average_mAP_N_gain_removing_error"]["confusion"] - \
        results[True].metrics["false_positive_analysis"]["average_mAP_N_gain_removing_error"]["confusion"]
    assert diff != 0


@pytest.mark.parametrize("compat", [True, False])
def test_false_negative_and_sensitivity_by_bucket(inputs, results, compat):
    _, _, _, ref = inputs
    m = results[compat].metrics
    fn, sens = m["false_negative_analysis"], m["sensitivity_analysis"]
    assert fn["n_gt_matched"] == ref["false_negative_analysis"]["n_gt_matched"] == 1782
    assert sens["base_average_mAP_N"] == pytest.approx(ref["sensitivity_analysis"]["base_average_mAP_N"], abs=TOL)
    for char, buckets in ref["false_negative_analysis"]["false_negative_rate"].items():
        assert set(fn["false_negative_rate"][char]) == set(buckets)
        for b, v in buckets.items():
            ours = fn["false_negative_rate"][char][b]
            assert ours["false_negative_rate"] == pytest.approx(v["false_negative_rate"], abs=TOL), (char, b)
            assert ours["gt_fraction"] == pytest.approx(v["gt_fraction"], abs=TOL), (char, b)
    for char, buckets in ref["sensitivity_analysis"]["average_mAP_N_by_bucket"].items():
        for b, v in buckets.items():
            assert sens["average_mAP_N_by_bucket"][char][b] == pytest.approx(v, abs=TOL), (char, b)
    assert m["ground_truth"]["gt_count_by_bucket"] == ref["ground_truth"]["gt_count_by_bucket"]
    assert m["ground_truth"]["average_num_instance_per_class"] == ref["ground_truth"]["average_num_instance_per_class"]


def test_characteristics_computed_from_our_ground_truth(inputs):
    """length and num-instances equal DETAD's file; coverage differs only by DETAD's own durations."""
    gt, _, chars, _ = inputs
    ours, notes = gt_characteristics(gt)
    np.testing.assert_allclose(ours["length"], chars["length"], atol=1e-9)
    np.testing.assert_array_equal(ours["num-instances"], chars["num-instances"])
    assert np.isnan(ours["coverage"]).all() and notes
    _, infos = read_groundtruth_csv(SHARED / "data" / "thumos14" / "thumos14_test_groundtruth.csv")
    ours, _ = gt_characteristics(gt, durations={v: i.duration_s for v, i in infos.items()})
    np.testing.assert_allclose(ours["coverage"], chars["coverage"], rtol=1e-2)  # DETAD durations ~0.11 s longer


def test_unknown_videos_error_names_the_parameter(inputs):
    gt, det, chars, _ = inputs
    with pytest.raises(InputError, match="unknown_videos"):
        detad_analysis(gt, det, characteristics=chars)


def test_bucketize_is_right_closed_with_the_lowest_edge_included():
    assert bucketize([0.0, 3.0, 3.0001, 18.0, 1e9, -1.0, np.nan], (0, 3, 6, 12, 18, np.inf)).tolist() == \
        [0, 0, 1, 3, 4, -1, -1]


# --------------------------------------------------------------------------- hand-made DETAD types


def _types(dets, gt_rows, **kw):
    gt = Segments([r[0] for r in gt_rows], [r[1] for r in gt_rows], [r[2] for r in gt_rows], [r[3] for r in gt_rows],
                  videos=tuple(dict.fromkeys([r[0] for r in gt_rows] + kw.pop("extra_videos", []))))
    d = Segments([r[0] for r in dets], [r[1] for r in dets], [r[2] for r in dets], [r[3] for r in dets],
                 [r[4] for r in dets])
    r = detad_analysis(gt, d, limit_factor=None, **kw)
    return [("tp", "double_detection", "wrong_label", "localization", "confusion", "background")[t] for t in r.fp_type]


def test_each_detad_type_by_hand():
    gt = [("v", 0.0, 10.0, "A"), ("v", 20.0, 30.0, "B"), ("w", 0.0, 10.0, "A")]
    dets = [
        ("v", 0.0, 10.0, "A", 0.9),    # TP
        ("v", 0.0, 9.0, "A", 0.8),     # tIoU 0.9 with the taken A: double detection
        ("v", 20.0, 29.0, "A", 0.7),   # tIoU 0.9 with B: wrong label
        ("v", 0.0, 3.0, "A", 0.6),     # tIoU 0.3 with A: localization
        ("v", 20.0, 23.0, "A", 0.5),   # tIoU 0.3 with B: confusion
        ("v", 40.0, 50.0, "A", 0.4),   # nothing: background
        ("v", 9.5, 20.5, "A", 0.3),    # tIoU 0.5/11=0.045 < 0.1 floor: background
        ("w", 0.0, 5.0, "A", 0.2),     # tIoU exactly 0.5 with the free A of w: TP (>=)
    ]
    assert _types(dets, gt) == ["tp", "double_detection", "wrong_label", "localization", "confusion",
                                "background", "background", "tp"]


def test_floor_boundary_and_best_gt_of_any_class():
    gt = [("v", 0.0, 10.0, "A"), ("v", 0.0, 10.0, "B")]
    # tIoU 0.1 exactly with both (1 s of 10): >= floor; the first GT in order (A) decides the label
    assert _types([("v", 0.0, 1.0, "B", 0.5)], gt) == ["confusion"]
    assert _types([("v", 0.0, 1.0, "A", 0.5)], gt) == ["localization"]


def test_gtless_video_default_and_compat_by_hand():
    gt = [("a", 0.0, 10.0, "A")]
    dets = [("a", 0.0, 10.0, "A", 0.9), ("a", 50.0, 60.0, "A", 0.8),
            ("b", 0.0, 1.0, "A", 0.7), ("b", 0.0, 3.0, "A", 0.6)]  # b has no GT; walked after a
    assert _types(dets, gt, extra_videos=["b"]) == ["tp", "background", "background", "background"]
    # DETAD as shipped: the second prediction of b is compared with a's ground truth (tIoU 0.3 -> localization)
    assert _types(dets, gt, extra_videos=["b"], detad_compat=True) == ["tp", "background", "background",
                                                                        "localization"]


def test_activitynet_defaults_average_over_ten_tious():
    gt = Segments(["v", "v", "w"], [0.0, 40.0, 0.0], [30.0, 100.0, 50.0], ["A", "A", "B"])
    det = Segments(["v", "v", "w"], [0.0, 40.0, 0.0], [27.0, 100.0, 20.0], ["A", "A", "A"], [0.9, 0.8, 0.7])
    r = detad_analysis(gt, det, dataset="activitynet", limit_factor=None)
    m = r.metrics
    assert m["settings"]["tiou_thresholds"] == pytest.approx(list(np.linspace(0.5, 0.95, 10)))
    # [0, 27] vs [0, 30]: tIoU 0.9 -> TP at 5 of the 10 thresholds (0.5..0.9), localization above
    counts = m["false_positive_analysis"]["fp_count_all_limited_predictions"]
    assert counts["true_positive"] == pytest.approx((10 + 9) / 10)  # the exact one at 10, the 0.9 one at 9
    # class B has no prediction: its instance is missed at every tIoU; sensitivity gives it AP 0, not a crash
    # lengths 30 s (XS: [0, 30]), 60 s and 50 s (S: (30, 60])
    fn = m["false_negative_analysis"]["false_negative_rate"]["length"]
    assert fn["S"]["false_negative_rate"] == pytest.approx(0.5)   # A's 60 s found, B's 50 s missed
    assert fn["XS"]["false_negative_rate"] == pytest.approx(0.1)  # found at 9 of the 10 tIoUs
    sens = m["sensitivity_analysis"]["average_mAP_N_by_bucket"]["length"]
    assert sens["S"] == pytest.approx(0.5)  # A: TP then a FP elsewhere -> AP_N 1; B: no prediction -> 0
    assert sens["M"] is None                # no instance in (60, 120]
    fp = m["false_positive_analysis"]
    for t, v in fp["mAP_N_gain_removing_error_by_tiou"].items():  # DETAD's numbers are the means of these
        assert np.mean(v) == pytest.approx(fp["average_mAP_N_gain_removing_error"][t], abs=1e-12)
    assert fn["XS"]["false_negative_rate_by_tiou"] == [0.0] * 9 + [1.0]
