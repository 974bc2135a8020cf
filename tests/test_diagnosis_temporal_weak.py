"""Weak-supervision temporal error types: one hand-made case per type, one per boundary between two
types (values derived by hand in the comments), and the oracle fixes' mAP gains."""
from __future__ import annotations

import numpy as np
import pytest

from evaluators.diagnosis.detad import Problem
from evaluators.diagnosis.weak_temporal import ALL_TYPES, FP_TYPES, classify, slice_ap, weak_analysis


def problem(gt, dets, classes=("A", "B")):
    """gt: [(t0, t1, label)] in video v; dets: [(t0, t1, label, score)]."""
    return Problem(classes, ["v"] * len(gt), [g[0] for g in gt], [g[1] for g in gt], [g[2] for g in gt],
                   ["v"] * len(dets), [d[0] for d in dets], [d[1] for d in dets], [d[2] for d in dets],
                   [d[3] for d in dets], ("v",))


def types(gt, dets, t=0.5):
    w = classify(problem(gt, dets), t)
    return ["tp" if x < 0 else FP_TYPES[x] for x in w.fp_type]


def missed(gt, dets, t=0.5):
    w = classify(problem(gt, dets), t)
    return [None if x < 0 else ALL_TYPES[x] for x in w.missed_type]


G = (10.0, 20.0, "A")  # the instance of most cases: 10 s long


def test_true_positive_and_duplicate():
    assert types([G], [(10, 20, "A", 0.9), (10, 19, "A", 0.8)]) == ["tp", "duplicate"]  # tIoU 0.9, taken


def test_duplicate_before_wrong_label():
    gt = [G, (10.0, 20.0, "B")]
    assert types(gt, [(10, 20, "A", 0.9), (10, 19, "A", 0.8)]) == ["tp", "duplicate"]
    assert types([(10.0, 20.0, "B")], [(10, 19, "A", 0.8)]) == ["wrong_label"]


def test_merging_and_its_boundary_with_over_extension():
    gt = [G, (25.0, 35.0, "A")]
    assert types(gt, [(10, 35, "A", 0.9)]) == ["merging"]
    # covers G fully and 5/10 = 0.5 of the second instance: merging (SPAN 0.5, >=)
    assert types(gt, [(8, 30, "A", 0.9)]) == ["merging"]
    # 4.9/10 of the second: over-extension of G (tIoU 10/21.9 = 0.457 < 0.5)
    assert types(gt, [(8, 29.9, "A", 0.9)]) == ["over_extension"]


def test_fragmentation_and_its_boundary_with_under_coverage():
    # two pieces of 4.5 s (tIoU 0.45 each), hull [10, 20] reaches 1.0
    assert types([G], [(10, 14.5, "A", 0.8), (15.5, 20, "A", 0.7)]) == ["fragmentation"] * 2
    # hull [10, 14.5] only reaches 0.45: each piece is under-coverage
    assert types([G], [(10, 12, "A", 0.8), (13, 14.5, "A", 0.7)]) == ["under_coverage"] * 2
    # one piece alone is never fragmentation
    assert types([G], [(10, 14.5, "A", 0.8)]) == ["under_coverage"]
    # the instance is found: the pieces are under-coverage, not fragmentation
    assert types([G], [(10, 20, "A", 0.9), (10, 14.5, "A", 0.8), (15.5, 20, "A", 0.7)]) == \
        ["tp", "under_coverage", "under_coverage"]


def test_under_coverage_and_its_boundary_with_boundary_offset():
    assert types([G], [(9.5, 14.5, "A", 0.9)]) == ["under_coverage"]   # 4.5 of 5 s inside: 0.9 (INSIDE, >=)
    assert types([G], [(9.4, 14.4, "A", 0.9)]) == ["boundary_offset"]  # 4.4 of 5 s: 0.88


def test_over_extension_and_its_boundary_with_boundary_offset():
    # at t = 0.7: [11, 27] covers 9/10 of G (COVERS 0.9), tIoU 9/17 = 0.53
    assert types([G], [(11, 27, "A", 0.9)], t=0.7) == ["over_extension"]
    # [11.1, 27] covers 0.89 and lies 8.9/15.9 = 0.56 on G: boundary offset
    assert types([G], [(11.1, 27, "A", 0.9)], t=0.7) == ["boundary_offset"]


def test_boundary_offset_and_its_boundary_with_context():
    assert types([G], [(15, 25, "A", 0.9)]) == ["boundary_offset"]  # half of it on G (MOSTLY 0.5, >=)
    w = classify(problem([G], [(15.1, 25.1, "A", 0.9), (4, 10.5, "A", 0.8)]), 0.5)
    assert [FP_TYPES[x] for x in w.fp_type] == ["context", "context"]  # 4.9 / 10 and 0.5 / 6.5 on G
    assert w.side.tolist() == [1, -1]  # aftermath, run-up


def test_context_and_its_boundary_with_background():
    assert types([G], [(25, 30, "A", 0.9)]) == ["context"]      # gap 5 s
    assert types([G], [(30, 35, "A", 0.9)]) == ["context"]      # gap 10 s = REACH x 10 s (<=)
    assert types([G], [(30.1, 35, "A", 0.9)]) == ["background"]  # gap 10.1 s
    assert types([G], [(0, 5, "A", 0.9)]) == ["context"]        # run-up


def test_context_before_confusion_and_confusion_boundary_with_background():
    b = (25.0, 30.0, "B")
    assert types([G, b], [(25, 27, "A", 0.9)]) == ["context"]  # same-class instance within reach first
    assert types([(100.0, 110.0, "A"), b], [(25, 27, "A", 0.9)]) == ["confusion"]  # tIoU 0.4 with B
    assert types([(10.0, 20.0, "B")], [(10, 11, "A", 0.9)]) == ["confusion"]  # tIoU 0.1 (FLOOR, >=)
    assert types([(10.0, 20.0, "B")], [(10, 10.9, "A", 0.9)]) == ["background"]  # tIoU 0.09


def test_missed_instance_types():
    assert missed([G], []) == ["not_detected"]
    assert missed([G], [(10, 12, "A", 0.9)]) == ["under_coverage"]
    assert missed([G, (25.0, 35.0, "A")], [(10, 35, "A", 0.9)]) == ["merging", "merging"]
    assert missed([G], [(10, 20, "B", 0.9)]) == ["wrong_label"]
    assert missed([G], [(10, 11, "B", 0.9)]) == ["confusion"]
    # the highest-scoring false positive on the instance decides
    assert missed([G], [(25, 30, "A", 0.9), (10, 12, "A", 0.5)]) == ["context"]
    assert missed([G], [(25, 30, "A", 0.4), (10, 12, "A", 0.5)]) == ["under_coverage"]
    assert missed([G], [(10, 20, "A", 0.9)]) == [None]


def test_every_false_positive_and_missed_instance_has_exactly_one_type():
    rng = np.random.default_rng(0)
    n_gt, n_det = 60, 400
    gs = rng.uniform(0, 200, n_gt)
    gt = [(s, s + rng.uniform(1, 15), rng.choice(["A", "B"])) for s in gs]
    ds = rng.uniform(0, 200, n_det)
    dets = [(s, s + rng.uniform(0.5, 20), rng.choice(["A", "B"]), rng.random()) for s in ds]
    p = problem(gt, dets)
    for t in (0.1, 0.3, 0.5, 0.7):
        w = classify(p, t)
        assert np.array_equal(w.fp_type < 0, w.matched >= 0)
        assert np.all(w.fp_type < len(FP_TYPES))
        found = np.zeros(n_gt, bool)
        found[w.matched[w.matched >= 0]] = True
        assert np.array_equal(w.missed_type < 0, found)
        assert np.all(w.missed_type < len(ALL_TYPES))


# --------------------------------------------------------------------------- oracle fixes


def dmap(gt, dets, t=0.5):
    r = weak_analysis(problem(gt, dets), (t,))
    return float(r.base_map[0]), {k: round(float(v[0]), 12) for k, v in r.dmap().items()}


def test_fix_replaces_under_coverage_by_its_free_instance():
    # ranks: background FP (0.9), under-coverage (0.8); npos 1 (class A; B has no GT and is left out)
    base, gains = dmap([G], [(50, 60, "A", 0.9), (10, 12, "A", 0.8)])
    assert base == 0.0
    assert gains["under_coverage"] == 0.5   # TP at rank 2: precision 1/2 at recall 1
    assert gains["background"] == 0.0       # no TP left either way
    assert gains["not_detected"] == 0.0     # the instance is under-covered, not undetected


def test_fix_removes_a_weak_prediction_whose_instance_is_taken():
    base, gains = dmap([G], [(10, 12, "A", 0.9), (10, 20, "A", 0.8)])
    assert base == 0.5 and gains["under_coverage"] == 0.5  # removed: the TP moves to rank 1


def test_fix_splits_a_merging_prediction_and_joins_fragments():
    base, gains = dmap([G, (25.0, 35.0, "A")], [(10, 35, "A", 0.9)])
    assert base == 0.0 and gains["merging"] == 1.0
    base, gains = dmap([G], [(10, 14.5, "A", 0.9), (15.5, 20, "A", 0.8)])
    assert base == 0.0 and gains["fragmentation"] == 1.0


def test_fix_relabels_a_wrong_label_and_all_gains_share_one_baseline():
    gt = [(0.0, 10.0, "A"), (10.0, 20.0, "B")]
    base, gains = dmap(gt, [(10, 20, "A", 0.9), (0, 10, "A", 0.8)])
    assert base == 0.25                 # A: FP then TP -> 0.5; B: nothing -> 0
    assert gains["wrong_label"] == 0.75  # A: 1.0, B: 1.0
    assert gains["not_detected"] == 0.0  # B is found with the wrong label, not undetected


def test_slice_ap_keeps_unmatched_and_drops_other_slices_matches():
    p = problem([G, (30.0, 40.0, "A")], [(30, 40, "A", 0.9), (50, 60, "A", 0.8), (10, 20, "A", 0.7)])
    m = p.match(0.5)
    # slice {G}: the match of the other instance is dropped; ranks FP, TP -> 0.5
    assert slice_ap(p, m, np.array([True, False]))[0] == pytest.approx(0.5)
    assert np.isnan(slice_ap(p, m, np.array([True, False]))[1])  # class B has no instance
