"""TIDE parity on the shared reference and hand-made cases for TIDE's and the weak-supervision types."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from annotations.types import FrameBoxes
from evaluators.tide import DET_TYPES, GT_TYPES, tide, tide_ap
from evaluators.weak_spatial import FP_TYPES, GT_TYPES as WEAK_GT, WeakThresholds, weak_spatial

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")
REF = os.path.join(SHARED, "reference", "diagnosis", "spatial", "tide.json")
# recall points 0 .. 0.5 are 51 of TIDE's 101: the AP of "half the boxes found at precision 1"
HALF = 51 / 101 * 100


def boxes(rows, scores=None, videos=("v",)):
    """FrameBoxes from (frame, label, x1, y1, x2, y2) tuples, all in video "v"."""
    rows = list(rows)
    return FrameBoxes(np.array(["v"] * len(rows)), np.array([r[0] for r in rows], np.int64),
                      np.array([r[1] for r in rows]), np.array([r[2:] for r in rows], np.float64).reshape(-1, 4),
                      None if scores is None else np.asarray(scores, np.float64), videos=videos)


SQ = (0, 0, 10, 10)


# ---------------------------------------------------------------------------------------------- reference

@pytest.fixture(scope="module")
def reference():
    if not os.path.exists(REF):
        pytest.skip("shared/reference/diagnosis/spatial is not present")
    from annotations.spatial_io import load_box_detections, load_spatial_gt
    ds = load_spatial_gt(os.path.join(SHARED, "data", "ucf101_24", "pyannot_with_class_names.pkl"))
    with open(os.path.join(SHARED, "reference", "spatial", "videos.txt")) as f:
        videos = [line.strip() for line in f if line.strip()]
    gt = ds.frame_boxes(videos)
    dets = load_box_detections(os.path.join(SHARED, "reference", "spatial", "detections.csv"), gt=ds)
    with open(REF) as f:
        ref = json.load(f)
    return ds, gt, dets, {v: ds.videos[v].num_frames for v in videos}, ref


@pytest.mark.parametrize("pos", [0.5, 0.3])
def test_tide_reference(reference, pos):
    # tide.json holds tidecv 1.0.1's numbers at full float precision; the README prints 10 decimals
    ds, gt, dets, nf, ref = reference
    run = ref["runs"][f"pos{pos}"]
    r = tide(gt, dets, pos, 0.1, num_frames=nf, classes=ds.classes)
    assert r.mAP == pytest.approx(run["mAP"], abs=1e-10)
    for k, v in run["main_errors_dAP"].items():
        assert r.main_dAP[k] == pytest.approx(v, abs=1e-10), k
    for k, v in run["special_errors_dAP"].items():
        assert r.special_dAP[k] == pytest.approx(v, abs=1e-10), k
    assert r.error_counts == run["error_counts"]
    assert int(np.sum(~np.isnan(r.ap))) == run["n_classes_in_mAP"]
    for name, ap in run["ap_per_class"].items():
        assert r.ap[ds.classes.index(name)] == pytest.approx(ap, abs=1e-10), name
    assert r.warnings == ()


# ---------------------------------------------------------------------------------------------- TIDE by hand

def test_tide_ap_by_hand():
    # ranks TP, FP, TP with 2 positives: precision 1 up to recall 0.5, then 2/3 -> (51 + 50 * 2/3) / 101
    assert tide_ap(np.array([True, False, True]), 2) == pytest.approx((51 + 50 * 2 / 3) / 101 * 100, abs=1e-12)
    assert tide_ap(np.array([], bool), 3) == 0.0
    assert tide_ap(np.array([False]), 0) == 0.0  # TIDE: no positives -> 0, not NaN


def test_all_class_ap_is_bit_identical_to_per_class_ap():
    from evaluators.tide import _ap_by_class
    rng = np.random.default_rng(1)
    for _ in range(500):
        n_cls, n = int(rng.integers(1, 5)), int(rng.integers(0, 40))
        cls = np.sort(rng.integers(0, n_cls, n))
        tp = rng.random(n) < rng.random()
        num_gt = np.array([int(np.sum(tp[cls == c])) + int(rng.integers(0, 4)) for c in range(n_cls)])
        num_gt[rng.random(n_cls) < 0.2] = 0
        got = _ap_by_class(cls, tp, num_gt)
        for c in range(n_cls):
            if num_gt[c] > 0 or np.any(cls == c):
                assert got[c] == tide_ap(tp[cls == c], int(num_gt[c]))
            else:
                assert np.isnan(got[c])


def test_loc_error_and_its_fix():
    gt = boxes([(0, "a", *SQ), (1, "a", *SQ)])
    dets = boxes([(0, "a", *SQ), (1, "a", 0, 0, 10, 4)], [0.9, 0.8])  # IoU 0.4 in [0.1, 0.5]
    r = tide(gt, dets)
    assert [DET_TYPES[t] for t in r.det_type] == ["TP", "Loc"]
    assert r.det_target.tolist() == [0, 1] and r.det_fixable.tolist() == [False, True]
    assert [GT_TYPES[t] for t in r.gt_type] == ["TP", "Fixable"]  # pointed at by a Loc error: not Miss
    assert r.mAP == pytest.approx(HALF)
    assert r.main_dAP["Loc"] == pytest.approx(100 - HALF)  # the Loc box becomes a TP: recall 1 at precision 1
    assert r.error_counts == {"Cls": 0, "Loc": 1, "Both": 0, "Dupe": 0, "Bkg": 0, "Miss": 0}
    assert r.special_dAP["FalseNeg"] == pytest.approx(100 - HALF)  # 1 positive left, found first
    assert r.special_dAP["FalsePos"] == pytest.approx(0.0)  # the FP is already below the TP


def test_loc_boundaries():
    gt = boxes([(0, "a", *SQ), (1, "a", *SQ), (2, "a", *SQ)])
    # IoU exactly 0.5 -> TP (>=); exactly 0.1 -> Loc (bg <= IoU); 0.09 -> Bkg (<= bg)
    dets = boxes([(0, "a", 0, 0, 10, 5), (1, "a", 0, 0, 10, 1), (2, "a", 0, 0, 9, 1)], [0.9, 0.8, 0.7])
    r = tide(gt, dets)
    assert [DET_TYPES[t] for t in r.det_type] == ["TP", "Loc", "Bkg"]
    assert [GT_TYPES[t] for t in r.gt_type] == ["TP", "Fixable", "Miss"]


def test_cls_error_changes_the_class_set():
    gt = boxes([(0, "a", *SQ), (1, "a", *SQ)])
    dets = boxes([(0, "a", *SQ), (1, "b", *SQ)], [0.9, 0.8])
    r = tide(gt, dets)
    assert [DET_TYPES[t] for t in r.det_type] == ["TP", "Cls"]
    # a: half found (HALF); b: one FP and no positive -> 0, still in the mean
    assert r.mAP == pytest.approx(HALF / 2)
    # fixed: the b box becomes a TP of a (AP 100) and b is empty, so it leaves the mean
    assert r.main_dAP["Cls"] == pytest.approx(100 - HALF / 2)
    assert r.main_dAP["Loc"] == 0.0


def test_duplicate_both_background_miss():
    gt = boxes([(0, "a", *SQ), (1, "a", *SQ), (2, "a", *SQ), (3, "a", *SQ)])
    dets = boxes([(0, "a", *SQ),                      # TP
                  (0, "a", 0, 0, 10, 9),              # IoU 0.9 with a taken box -> Dupe
                  (1, "b", 0, 0, 10, 3),              # other class, IoU 0.3: not Loc/Cls/Dupe, > bg -> Both
                  (2, "a", 50, 50, 60, 60),           # IoU 0 -> Bkg
                  (5, "a", *SQ),                      # frame without ground truth -> Bkg
                  (1, "a", *SQ)],                     # TP, low score
                 [0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    r = tide(gt, dets)
    assert [DET_TYPES[t] for t in r.det_type] == ["TP", "Dupe", "Both", "Bkg", "Bkg", "TP"]
    assert [GT_TYPES[t] for t in r.gt_type] == ["TP", "TP", "Miss", "Miss"]
    assert r.error_counts == {"Cls": 0, "Loc": 0, "Both": 1, "Dupe": 1, "Bkg": 2, "Miss": 2}
    # class a ranks TP, FP(dupe), FP(bkg), FP(bkg), TP over 4 positives; b: one FP, no positive (AP 0)
    a = tide_ap(np.array([1, 0, 0, 0, 1], bool), 4)
    assert r.mAP == pytest.approx(a / 2)
    assert r.main_dAP["Dupe"] == pytest.approx(tide_ap(np.array([1, 0, 0, 1], bool), 4) / 2 - a / 2)
    assert r.main_dAP["Bkg"] == pytest.approx(tide_ap(np.array([1, 0, 1], bool), 4) / 2 - a / 2)
    assert r.main_dAP["Both"] == pytest.approx(a - a / 2)  # b leaves the mean
    assert r.main_dAP["Miss"] == pytest.approx(tide_ap(np.array([1, 0, 0, 0, 1], bool), 2) / 2 - a / 2)


def test_only_the_best_loc_error_of_a_box_is_fixed():
    gt = boxes([(0, "a", *SQ)])
    dets = boxes([(0, "a", 0, 0, 10, 3), (0, "a", 0, 0, 10, 4)], [0.5, 0.6])
    r = tide(gt, dets)
    assert r.det_fixable.tolist() == [False, True]  # the higher score; the other is dropped by the fix
    assert r.main_dAP["Loc"] == pytest.approx(100.0)


def test_max_dets_warns():
    gt = boxes([(0, "a", *SQ)])
    dets = boxes([(0, "a", *SQ), (0, "a", 20, 20, 30, 30), (0, "a", 40, 40, 50, 50)], [0.9, 0.8, 0.7])
    r = tide(gt, dets, max_dets=2)
    assert r.det_type.tolist()[2] == -1 and "max_dets" in r.warnings[0]


# ---------------------------------------------------------------------------------------------- weak types

def weak_types(gt, dets, t=0.5, **kw):
    r = weak_spatial(gt, dets, t, **kw)
    return [FP_TYPES[c] if c >= 0 else "TP" for c in r.det_type], [WEAK_GT[c] if c >= 0 else "TP" for c in r.gt_type], r


BIG = (0, 0, 100, 100)


@pytest.mark.parametrize("box, expected", [
    ((10, 10, 30, 30), "part"),          # IoD 1: inside the actor
    ((0, 0, 100, 300), "context"),       # IoG 1, IoU 1/3: the actor and much more
    ((200, 200, 220, 220), "other"),     # IoU 0: another actor or object
    ((50, 50, 150, 150), "loose"),       # overlaps, neither inside nor around
])
def test_weak_fp_types_one_box(box, expected):
    gt = boxes([(0, "a", *BIG)])
    fp_types, gt_types, r = weak_types(gt, boxes([(0, "a", *box)], [0.9]))
    assert fp_types == [expected]
    assert gt_types == [expected]  # the missed actor gets the same reason
    assert r.det_target.tolist() == ([-1] if expected == "other" else [0])


def test_weak_merged_duplicate_wrong_label_background_no_box():
    gt = boxes([(0, "a", 0, 0, 10, 10), (0, "a", 20, 0, 30, 10),   # two actors in frame 0
                (1, "a", *BIG), (2, "a", *BIG), (3, "a", *BIG)])
    dets = boxes([(0, "a", 0, 0, 30, 10),          # covers both (IoG 1 each), IoU 1/3 -> merged
                  (1, "a", *BIG), (1, "a", 0, 0, 100, 95),  # TP, then a duplicate (IoU 0.95 with a taken box)
                  (2, "b", *BIG),                  # right box, wrong label
                  (5, "a", *BIG)],                 # no actor in frame 5 -> background
                 [0.9, 0.8, 0.7, 0.6, 0.5])
    fp_types, gt_types, r = weak_types(gt, dets)
    assert fp_types == ["merged", "TP", "duplicate", "wrong_label", "background"]
    assert gt_types == ["merged", "merged", "TP", "wrong_label", "no_box"]  # frame 3: no box at all
    assert r.counts["merged"] == 1 and r.extra["missed_by_type"]["no_box"] == 1
    # fixing the merge splits it into two exact boxes: frame 0 fully found, at the top of the ranking
    assert r.fixed_mAP["merged"] > r.base_mAP and r.gain["merged"] == pytest.approx(r.fixed_mAP["merged"] - r.base_mAP)


def test_types_do_not_depend_on_row_order():
    # the merging box comes second in the file but first by score (pairs are stored in score order)
    gt = boxes([(0, "a", 0, 0, 10, 10), (0, "a", 20, 0, 30, 10)])
    dets = boxes([(0, "a", *SQ), (0, "a", 0, 0, 30, 10)], [0.5, 0.9])
    assert weak_types(gt, dets)[:2] == (["TP", "merged"], ["TP", "merged"])
    flipped = boxes([(0, "a", 0, 0, 30, 10), (0, "a", *SQ)], [0.9, 0.5])
    assert weak_types(gt, flipped)[:2] == (["merged", "TP"], ["TP", "merged"])
    low_first = boxes([(0, "a", 0, 0, 30, 10), (0, "a", *SQ)], [0.5, 0.9])  # file order != score order
    assert weak_types(gt, low_first)[:2] == (["merged", "TP"], ["TP", "merged"])


def test_merged_true_positive_hides_a_second_actor():
    # one box over two actors: IoU 100/120 with the first (a TP), covers the small second (IoG 1)
    gt = boxes([(0, "a", 0, 0, 10, 10), (0, "a", 10, 0, 12, 10)])
    fp_types, gt_types, r = weak_types(gt, boxes([(0, "a", 0, 0, 12, 10)], [0.9]))
    assert fp_types == ["TP"] and gt_types == ["TP", "merged"]
    assert r.base_mAP == pytest.approx(HALF)
    assert r.fixed_mAP["merged"] == pytest.approx(100.0)  # split into both boxes: both found


@pytest.mark.parametrize("inside, expected", [(0.9, "part"), (0.95, "loose")])
def test_boundary_part_loose(inside, expected):
    # IoD exactly 0.9 (inclusive): 90 of the 100 px^2 box lie inside the actor
    gt = boxes([(0, "a", 0, 0, 100, 100)])
    dets = boxes([(0, "a", 91, 0, 101, 10)], [0.9])
    assert weak_types(gt, dets, thresholds=WeakThresholds(inside=inside))[0] == [expected]


@pytest.mark.parametrize("cover, expected", [(0.9, "context"), (0.95, "loose")])
def test_boundary_context_loose(cover, expected):
    # IoG exactly 0.9: the detection covers 90 % of the actor and much more (IoU < 0.5)
    gt = boxes([(0, "a", 0, 0, 10, 10)])
    dets = boxes([(0, "a", 1, 0, 100, 100)], [0.9])
    assert weak_types(gt, dets, thresholds=WeakThresholds(cover=cover))[0] == [expected]


def test_boundary_merged_context():
    # covers one actor fully and the second at IoG 0.9 -> merged; at 0.8 of the second -> context
    gt = boxes([(0, "a", 0, 0, 10, 10), (0, "a", 50, 0, 60, 10)])
    assert weak_types(gt, boxes([(0, "a", 0, 0, 59, 10)], [0.9]))[0] == ["merged"]
    assert weak_types(gt, boxes([(0, "a", 0, 0, 58, 10)], [0.9]))[0] == ["context"]


def test_boundary_part_before_context_and_other_loose():
    # a box both inside one actor and covering a second, small one: part is tested first
    gt = boxes([(0, "a", 0, 0, 100, 100), (0, "a", 10, 10, 12, 12)])
    assert weak_types(gt, boxes([(0, "a", 5, 5, 20, 20)], [0.9]))[0] == ["part"]
    # touching edge (IoU 0) -> other; one pixel of overlap -> loose (other_iou = 0, <=)
    gt = boxes([(0, "a", 0, 0, 10, 10)])
    assert weak_types(gt, boxes([(0, "a", 10, 0, 20, 10)], [0.9]))[0] == ["other"]
    assert weak_types(gt, boxes([(0, "a", 9, 0, 20, 10)], [0.9]))[0] == ["loose"]


def test_boundary_wrong_label_duplicate_at_t():
    gt = boxes([(0, "a", 0, 0, 10, 10)])
    # other class at IoU exactly 0.5 -> wrong_label; at 0.4 -> part (inside the actor)
    assert weak_types(gt, boxes([(0, "b", 0, 0, 10, 5)], [0.9]))[0] == ["wrong_label"]
    assert weak_types(gt, boxes([(0, "b", 0, 0, 10, 4)], [0.9]))[0] == ["part"]
    # same class after the box is taken: IoU 0.5 -> duplicate, 0.4 -> part
    d = boxes([(0, "a", *SQ), (0, "a", 0, 0, 10, 5)], [0.9, 0.8])
    assert weak_types(gt, d)[0] == ["TP", "duplicate"]
    d = boxes([(0, "a", *SQ), (0, "a", 0, 0, 10, 4)], [0.9, 0.8])
    assert weak_types(gt, d)[0] == ["TP", "part"]


def test_unseen_frames_and_fixes_from_one_baseline():
    gt = boxes([(0, "a", *BIG), (1, "a", *BIG), (2, "a", *BIG)])
    dets = boxes([(0, "a", *BIG), (1, "a", 10, 10, 30, 30)], [0.9, 0.8])
    fp_types, gt_types, r = weak_types(gt, dets, seen_frames={"v": [0, 1]})
    assert fp_types == ["TP", "part"] and gt_types == ["TP", "part", "unseen"]
    # baseline: ranks TP, FP over 3 positives; every fix starts from it
    base = tide_ap(np.array([1, 0], bool), 3)
    assert r.base_mAP == pytest.approx(base)
    assert r.fixed_mAP["part"] == pytest.approx(tide_ap(np.array([1, 1], bool), 3))
    assert r.fixed_mAP["unseen"] == pytest.approx(tide_ap(np.array([1, 0], bool), 2))
    assert r.gain["no_box"] == 0.0 and r.gain["other"] == 0.0
