"""Temporal mAP / CorLoc: hand-computed cases for every convention, and the vectorised matcher
against a literal one-detection-at-a-time transcription of each protocol on random data."""
from __future__ import annotations

import numpy as np
import pytest

from annotations.errors import InputError
from annotations.types import AMBIGUOUS, Segments
from evaluators.ap import ap_all_point, ap_non_interpolated
from evaluators.segment_iou import overlap_thumos14, tiou_activitynet, tiou_matrix
from evaluators.temporal import temporal_corloc, temporal_map


def seg(rows, videos=(), source="mem"):
    """Segments from (video, start, end, label[, score]) tuples."""
    rows = list(rows)
    has_score = bool(rows) and len(rows[0]) == 5
    cols = list(zip(*rows)) if rows else [(), (), (), ()]
    return Segments(np.array(cols[0], dtype=str), np.array(cols[1], float), np.array(cols[2], float),
                    np.array(cols[3], dtype=str), np.array(cols[4], float) if has_score else None,
                    videos=tuple(videos), source=source)


def ap_of(result, cls, k=0):
    return result.ap[result.classes.index(cls), k]


# ----------------------------------------------------------------------------- tIoU


def test_tiou_formulas_agree_on_overlaps_and_differ_on_degenerate_cases():
    m = tiou_matrix([0.0, 5.0], [10.0, 15.0], [5.0, 10.0, 20.0], [10.0, 20.0, 20.0])
    np.testing.assert_allclose(m, [[0.5, 0.0, 0.0], [0.5, 5 / 15, 0.0]])
    # touching segments do not overlap in either formula
    assert tiou_activitynet(0, 1, 1, 2) == 0 and overlap_thumos14(0, 1, 1, 2) == 0
    # two identical zero-length segments: union 0 -> 0 (ActivityNet's code would give NaN)
    assert tiou_activitynet(3, 3, 3, 3) == 0 and overlap_thumos14(3, 3, 3, 3) == 0
    # a zero-length detection inside a GT overlaps nothing
    assert tiou_activitynet(0, 10, 5, 5) == 0 and overlap_thumos14(0, 10, 5, 5) == 0
    np.testing.assert_allclose(tiou_matrix([0.0], [10.0], [2.0], [12.0], formula="thumos14"), [[8 / 12]])


# ----------------------------------------------------------------------------- thresholds: >= vs >


def test_boundary_tiou_counts_under_activitynet_not_under_thumos14():
    gt = seg([("v", 0, 2, "A")])
    det = seg([("v", 1, 2, "A", 0.9)])  # tIoU exactly 0.5
    anet = temporal_map(gt, det, [0.5], protocol="activitynet")
    th = temporal_map(gt, det, [0.5], protocol="thumos14")
    assert ap_of(anet, "A") == 1.0
    assert ap_of(th, "A") == 0.0
    assert temporal_map(gt, det, [0.49], protocol="thumos14").ap[0, 0] == 1.0


def test_all_point_vs_non_interpolated_ap():
    gt = seg([("v", 0, 10, "A"), ("v", 20, 30, "A")])
    det = seg([("v", 40, 50, "A", 0.9), ("v", 0, 10, "A", 0.8), ("v", 20, 30, "A", 0.7)])
    # ranks: FP, TP, TP -> precisions at TPs 1/2, 2/3
    assert temporal_map(gt, det, [0.5], protocol="thumos14").ap[0, 0] == pytest.approx((1 / 2 + 2 / 3) / 2)
    # all-point: precision made monotone -> 2/3 over the whole recall range
    assert temporal_map(gt, det, [0.5], protocol="activitynet").ap[0, 0] == pytest.approx(2 / 3)


# ----------------------------------------------------------------------------- ties


def test_equal_scores_keep_input_order():
    """ties="stable" (the default before the official tie orders became the default)."""
    gt = seg([("v", 0, 10, "A")])
    tp_first = seg([("v", 0, 10, "A", 0.5), ("v", 30, 40, "A", 0.5)])
    fp_first = seg([("v", 30, 40, "A", 0.5), ("v", 0, 10, "A", 0.5)])
    for protocol in ("activitynet", "thumos14"):
        assert temporal_map(gt, tp_first, [0.5], protocol=protocol, ties="stable").ap[0, 0] == 1.0
        assert temporal_map(gt, fp_first, [0.5], protocol=protocol, ties="stable").ap[0, 0] == 0.5


def test_duplicate_detections_only_first_ranked_matches():
    gt = seg([("v", 0, 10, "A")])
    det = seg([("v", 0, 10, "A", 0.9), ("v", 0, 10, "A", 0.9), ("v", 0, 10, "A", 0.8)])
    for protocol in ("activitynet", "thumos14"):
        res = temporal_map(gt, det, [0.5], protocol=protocol, return_curves=True)
        recall, precision = res.curves[0][0]
        np.testing.assert_allclose(recall, [1, 1, 1])
        np.testing.assert_allclose(precision, [1, 1 / 2, 1 / 3])


def test_activitynet_equal_tiou_tie_follows_official_argsort():
    # det1 has tIoU 1/3 with both GTs; the official tries GTs in np.argsort(tiou)[::-1] order
    gt = seg([("v", 0, 10, "A"), ("v", 10, 20, "A")])
    det = seg([("v", 5, 15, "A", 0.9), ("v", 10, 20, "A", 0.8), ("v", 0, 10, "A", 0.7)])
    tiou = tiou_activitynet(np.array([0.0, 10.0]), np.array([10.0, 20.0]), 5.0, 15.0)
    assert tiou[0] == tiou[1]
    first_tried = int(np.argsort(tiou)[::-1][0])
    res = temporal_map(gt, det, [0.3], protocol="activitynet", return_curves=True)
    recall, _ = res.curves[0][0]
    # det1 locks first_tried; the det that exactly covers that GT becomes a FP, the other a TP
    if first_tried == 1:
        np.testing.assert_allclose(recall, [0.5, 0.5, 1.0])
    else:
        np.testing.assert_allclose(recall, [0.5, 1.0, 1.0])


def test_thumos14_equal_overlap_tie_goes_to_better_ranked_detection():
    gt = seg([("v", 0, 10, "A")])
    det = seg([("v", 30, 40, "A", 0.9), ("v", 0, 6, "A", 0.5), ("v", 4, 10, "A", 0.8)])
    res = temporal_map(gt, det, [0.5], protocol="thumos14", return_curves=True)
    recall, _ = res.curves[0][0]
    np.testing.assert_allclose(recall, [0, 1, 1])  # score 0.8 (rank 2) wins the tie, not 0.5


# ----------------------------------------------------------------------------- matching order


def test_activitynet_detection_greedy_vs_thumos14_gt_greedy():
    gt = seg([("v", 0, 10, "A")])
    det = seg([("v", 0, 6, "A", 0.9), ("v", 0, 10, "A", 0.8)])  # tIoU 0.6 then 1.0
    # ActivityNet: the best-scoring detection above threshold takes the GT
    assert temporal_map(gt, det, [0.5], protocol="activitynet").ap[0, 0] == 1.0
    # THUMOS'14: the GT takes its best-overlapping detection, the higher-scored one is a FP
    assert temporal_map(gt, det, [0.5], protocol="thumos14").ap[0, 0] == 0.5


def test_activitynet_takes_highest_tiou_unmatched_gt():
    gt = seg([("v", 0, 10, "A"), ("v", 8, 18, "A")])
    det = seg([("v", 7, 17, "A", 0.9), ("v", 0, 9, "A", 0.8)])
    # det1: tIoU 9/11 with the 2nd GT, 3/17 with the 1st -> takes the 2nd; det2 then takes the 1st
    assert temporal_map(gt, det, [0.5], protocol="activitynet").ap[0, 0] == 1.0
    # if a better GT is already locked, a detection falls back to the next one above threshold
    gt2 = seg([("v", 0, 10, "A"), ("v", 1, 11, "A")])
    det2 = seg([("v", 0, 10, "A", 0.9), ("v", 0, 10, "A", 0.8)])
    assert temporal_map(gt2, det2, [0.5], protocol="activitynet").ap[0, 0] == 1.0


def test_thumos14_gt_order_decides_conflicts():
    # one detection overlaps two GTs; the first GT in file order takes it, whatever the overlap
    gt = seg([("v", 0, 10, "A"), ("v", 5, 15, "A")])
    det = seg([("v", 4, 14, "A", 0.9)])  # overlap 6/14 with GT1, 9/11 with GT2
    res = temporal_map(gt, det, [0.4], protocol="thumos14", return_curves=True)
    assert res.curves[0][0][0][-1] == 0.5  # one TP of two GTs
    # and at 0.5, GT1 cannot take it (6/14 < 0.5) so GT2 does
    res = temporal_map(gt, det, [0.5], protocol="thumos14", return_curves=True)
    assert res.curves[0][0][0][-1] == 0.5
    # two detections: GT1 takes its best (det A), GT2 then takes det B
    det2 = seg([("v", 4, 14, "A", 0.9), ("v", 0, 9, "A", 0.8)])
    assert temporal_map(gt, det2, [0.4], protocol="thumos14").ap[0, 0] == 1.0


# ----------------------------------------------------------------------------- Ambiguous


def test_thumos14_ignores_unmatched_detections_overlapping_ambiguous():
    gt = seg([("v", 0, 10, "A"), ("v", 50, 60, AMBIGUOUS)])
    det = seg([
        ("v", 52, 58, "A", 0.95),  # inside Ambiguous: ignored
        ("v", 0, 10, "A", 0.9),    # TP
        ("v", 60, 70, "A", 0.85),  # touches Ambiguous only at 60: not ignored (intersection must be > 0)
        ("v", 59.5, 70, "A", 0.8),  # overlaps Ambiguous by 0.5 s: ignored
    ])
    res = temporal_map(gt, det, [0.5], protocol="thumos14", return_curves=True)
    recall, precision = res.curves[0][0]
    np.testing.assert_allclose(recall, [1, 1])
    np.testing.assert_allclose(precision, [1, 0.5])
    assert res.extra["num_ignored_ambiguous"] == {"A": [2]}
    assert res.num_det.tolist() == [4]
    # ActivityNet ignores Ambiguous rows entirely: all four detections are ranked
    anet = temporal_map(gt, det, [0.5], protocol="activitynet", return_curves=True)
    np.testing.assert_allclose(anet.curves[0][0][1], [0, 1 / 2, 1 / 3, 1 / 4])
    assert any("Ambiguous" in w for w in anet.warnings)
    assert anet.classes == ("A",)


def test_thumos14_matched_detection_overlapping_ambiguous_stays_tp():
    gt = seg([("v", 0, 10, "A"), ("v", 5, 15, AMBIGUOUS)])
    det = seg([("v", 0, 10, "A", 0.9)])
    res = temporal_map(gt, det, [0.5, 0.95], protocol="thumos14")
    assert res.ap[0].tolist() == [1.0, 1.0]
    # at a threshold it cannot reach it is unmatched, overlaps Ambiguous and is ignored
    det2 = seg([("v", 0, 6, "A", 0.9)])
    res = temporal_map(gt, det2, [0.5, 0.7], protocol="thumos14")
    assert res.ap[0].tolist() == [1.0, 0.0]
    assert res.extra["num_ignored_ambiguous"]["A"] == [0, 1]


def test_thumos14_warns_without_ambiguous():
    gt = seg([("v", 0, 10, "A")])
    det = seg([("v", 0, 10, "A", 0.9)])
    assert any("Ambiguous" in w for w in temporal_map(gt, det, protocol="thumos14").warnings)


# ----------------------------------------------------------------------------- unknown videos, classes


def _unknown_case():
    gt = seg([("v1", 0, 10, "A")], videos=("v1", "v2"))
    det = seg([("ghost", 0, 10, "A", 0.99), ("v1", 0, 10, "A", 0.9), ("v2", 0, 10, "A", 0.5)], source="dets.json")
    return gt, det


def test_unknown_videos_error_names_file_count_and_videos():
    gt, det = _unknown_case()
    with pytest.raises(InputError) as e:
        temporal_map(gt, det)
    msg = str(e.value)
    assert e.value.path == "dets.json" and "1 detection(s) in 1 video(s)" in msg and "ghost" in msg


@pytest.mark.parametrize("protocol", ["activitynet", "thumos14"])
def test_unknown_videos_fp_and_drop(protocol):
    gt, det = _unknown_case()
    fp = temporal_map(gt, det, [0.5], protocol=protocol, unknown_videos="fp", return_curves=True)
    np.testing.assert_allclose(fp.curves[0][0][1], [0, 1 / 2, 1 / 3])  # ghost first, counted FP
    assert any("counted as false positives" in w and "ghost" in w for w in fp.warnings)
    drop = temporal_map(gt, det, [0.5], protocol=protocol, unknown_videos="drop", return_curves=True)
    np.testing.assert_allclose(drop.curves[0][0][1], [1, 1 / 2])
    assert any("dropped" in w for w in drop.warnings)
    assert drop.num_det.tolist() == [2] and fp.num_det.tolist() == [3]
    # v2 is a known video without GT: its detection is an ordinary FP in every mode
    assert drop.ap[0, 0] == 1.0


def test_classes_default_to_gt_classes_and_empty_classes():
    gt = seg([("v", 0, 10, "A"), ("v", 20, 30, "B")])
    det = seg([("v", 0, 10, "A", 0.9), ("v", 0, 10, "C", 0.8)])
    res = temporal_map(gt, det, [0.5])
    assert res.classes == ("A", "B")
    assert ap_of(res, "A") == 1.0 and ap_of(res, "B") == 0.0  # B has GT but no detection
    assert res.mean_ap[0] == 0.5
    assert any("outside the evaluated classes" in w and "C" in w for w in res.warnings)
    # a requested class without GT gets NaN and stays out of the mean
    res = temporal_map(gt, det, [0.5], classes=["A", "B", "C"])
    assert np.isnan(ap_of(res, "C")) and res.num_gt.tolist() == [1, 1, 0] and res.mean_ap[0] == 0.5
    with pytest.raises(InputError):
        temporal_map(gt, det, classes=[AMBIGUOUS])


def test_detection_in_video_without_gt_of_its_class_is_fp():
    gt = seg([("v1", 0, 10, "A"), ("v2", 0, 10, "B")])
    det = seg([("v2", 0, 10, "A", 0.9), ("v1", 0, 10, "A", 0.8)])
    for protocol in ("activitynet", "thumos14"):
        assert ap_of(temporal_map(gt, det, [0.5], protocol=protocol), "A") == 0.5


def test_bad_inputs_raise_input_error():
    gt = seg([("v", 0, 10, "A")])
    with pytest.raises(InputError, match="NaN|not finite"):
        temporal_map(gt, seg([("v", 0, 10, "A", float("nan"))]))
    with pytest.raises(InputError, match="no scores"):
        temporal_map(gt, gt)
    with pytest.raises(InputError, match="protocol"):
        temporal_map(gt, seg([("v", 0, 1, "A", 0.5)]), protocol="voc")
    with pytest.raises(InputError, match="unknown_videos"):
        temporal_map(gt, seg([("v", 0, 1, "A", 0.5)]), unknown_videos="ignore")
    with pytest.raises(InputError, match="tiou_thresholds"):
        temporal_map(gt, seg([("v", 0, 1, "A", 0.5)]), tiou_thresholds=[1.5])


def test_result_shapes_and_dict():
    gt = seg([("v", 0, 10, "A"), ("v", 20, 30, "B")])
    det = seg([("v", 0, 10, "A", 0.9)])
    res = temporal_map(gt, det, (0.1, 0.5, 0.9), return_curves=True)
    assert res.ap.shape == (2, 3) and len(res.curves) == 3 and len(res.curves[0]) == 2
    d = res.to_dict()
    assert d["protocol"] == "activitynet" and d["num_gt"] == {"A": 1, "B": 1} and len(d["mAP"]) == 3


# ----------------------------------------------------------------------------- CorLoc


def test_corloc_uses_best_scoring_overlapping_detection():
    gt = seg([("v", 0, 10, "A"), ("v", 100, 110, "B"), ("v", 200, 210, "B"), ("v", 50, 60, AMBIGUOUS)])
    det = seg([
        ("v", 300, 310, "A", 0.99),  # does not overlap: not considered
        ("v", 0, 4, "A", 0.9),       # best overlapping: tIoU 0.4
        ("v", 0, 10, "A", 0.5),      # perfect but lower score
        ("v", 100, 110, "B", 0.3),   # perfect
        ("v", 200, 210, "A", 0.9),   # wrong class for the last B
    ])
    res = temporal_corloc(gt, det, [0.3, 0.5])
    assert res.unit == "instance" and res.classes == ("A", "B")
    np.testing.assert_allclose(res.corloc, [[1.0, 0.0], [0.5, 0.5]])
    assert res.num_units.tolist() == [1, 2]
    np.testing.assert_allclose(res.mean_corloc, [0.75, 0.25])


def test_corloc_equal_scores_first_in_input_order():
    gt = seg([("v", 0, 10, "A")])
    good_first = seg([("v", 0, 10, "A", 0.5), ("v", 0, 2, "A", 0.5)])
    bad_first = seg([("v", 0, 2, "A", 0.5), ("v", 0, 10, "A", 0.5)])
    assert temporal_corloc(gt, good_first, [0.5]).corloc[0, 0] == 1.0
    assert temporal_corloc(gt, bad_first, [0.5]).corloc[0, 0] == 0.0


def test_corloc_unknown_videos():
    gt, det = _unknown_case()
    with pytest.raises(InputError, match="ghost"):
        temporal_corloc(gt, det)
    assert temporal_corloc(gt, det, [0.5], unknown_videos="fp").corloc[0, 0] == 1.0


# ----------------------------------------------------------------------------- literal transcriptions


def reference_activitynet(gt: Segments, det: Segments, thresholds, classes):
    """One detection at a time, as ``compute_average_precision_detection`` loops (stable score order)."""
    ap = np.zeros((len(classes), len(thresholds)))
    for c, name in enumerate(classes):
        g = np.flatnonzero(gt.label == name)
        d = np.flatnonzero(det.label == name)
        d = d[np.argsort(-det.score[d], kind="stable")]
        for k, t in enumerate(thresholds):
            locked = set()
            is_tp = []
            for i in d:
                cand = g[gt.video[g] == det.video[i]]
                tiou = np.array([tiou_activitynet(gt.t_start_s[j], gt.t_end_s[j], det.t_start_s[i], det.t_end_s[i])
                                 for j in cand])
                hit = False
                for j in np.argsort(tiou)[::-1]:
                    if tiou[j] < t:
                        break
                    if cand[j] in locked:
                        continue
                    locked.add(cand[j])
                    hit = True
                    break
                is_tp.append(hit)
            ap[c, k] = ap_all_point(np.array(is_tp, bool), len(g))
    return ap


def reference_thumos14(gt: Segments, det: Segments, thresholds, classes):
    """Per video, ground truths in file order each take their best free detection (> t); then
    unmatched detections overlapping Ambiguous are dropped; non-interpolated AP."""
    ap = np.zeros((len(classes), len(thresholds)))
    for c, name in enumerate(classes):
        g_all = np.flatnonzero(gt.label == name)
        for k, t in enumerate(thresholds):
            kept_scores, kept_tp, order_keys = [], [], []
            for v in dict.fromkeys(det.video[det.label == name].tolist()):
                d = np.flatnonzero((det.label == name) & (det.video == v))
                d = d[np.argsort(-det.score[d], kind="stable")]
                g = g_all[gt.video[g_all] == v]
                amb = np.flatnonzero((gt.label == AMBIGUOUS) & (gt.video == v))
                free = np.ones(len(d), bool)
                for j in g:
                    ov = np.array([overlap_thumos14(gt.t_start_s[j], gt.t_end_s[j], det.t_start_s[i], det.t_end_s[i])
                                   for i in d])
                    ov[~free] = -1
                    if len(ov) and ov.max() > t:
                        free[int(np.argmax(ov))] = False
                for pos, i in enumerate(d):
                    near_amb = any(overlap_thumos14(gt.t_start_s[a], gt.t_end_s[a], det.t_start_s[i],
                                                    det.t_end_s[i]) > 0 for a in amb)
                    if free[pos] and near_amb:
                        continue
                    kept_scores.append(det.score[i])
                    kept_tp.append(not free[pos])
                    order_keys.append(i)
            # global ranking: score descending, equal scores in input order
            order = np.lexsort((np.array(order_keys, float), -np.array(kept_scores, float)))
            ap[c, k] = ap_non_interpolated(np.array(kept_tp, bool)[order] if len(order) else np.zeros(0, bool),
                                           len(g_all))
    return ap


def random_case(seed: int):
    """Crowded videos: overlapping GTs, detections on a 0.5 s grid (equal tIoUs) and tied scores."""
    rng = np.random.default_rng(seed)
    videos = [f"v{i}" for i in range(4)]
    classes = ["A", "B", "C"]
    rows = []
    for _ in range(40):
        s = rng.integers(0, 80) * 1.0
        rows.append((rng.choice(videos), s, s + rng.integers(2, 15), rng.choice(classes)))
    for _ in range(5):
        s = rng.integers(0, 80) * 1.0
        rows.append((rng.choice(videos), s, s + rng.integers(1, 10), AMBIGUOUS))
    dets = []
    for _ in range(250):
        if rng.random() < 0.7:
            v, s, e, c = rows[rng.integers(0, 40)]
            s, e = s + rng.integers(-6, 7) * 0.5, e + rng.integers(-6, 7) * 0.5
            s, e = min(s, e), max(s, e)
            c = c if rng.random() < 0.8 else rng.choice(classes)
        else:
            v, c = rng.choice(videos), rng.choice(classes)
            s = rng.integers(0, 180) * 0.5
            e = s + rng.integers(1, 30) * 0.5
        dets.append((v, s, e, c, rng.integers(0, 40) / 40))
    return seg(rows), seg(dets)


@pytest.mark.parametrize("seed", range(8))
def test_vectorised_matches_literal_transcription(seed):
    gt, det = random_case(seed)
    thresholds = [0.1, 0.3, 0.5, 0.7, 0.9]
    res = temporal_map(gt, det, thresholds, protocol="activitynet", ties="stable")
    np.testing.assert_allclose(res.ap, reference_activitynet(gt, det, thresholds, res.classes), atol=1e-12)
    res = temporal_map(gt, det, thresholds, protocol="thumos14", ties="stable")
    np.testing.assert_allclose(res.ap, reference_thumos14(gt, det, thresholds, res.classes), atol=1e-12)


def crowded_case(seed: int):
    """One video, one class, 30 abutting GTs of equal length: detections tie between many GTs."""
    rng = np.random.default_rng(seed)
    gt = seg([("v", 4.0 * i, 4.0 * i + 4.0, "A") for i in range(30)])
    dets = []
    for _ in range(300):
        s = rng.integers(0, 240) * 0.5
        dets.append(("v", s, s + rng.integers(1, 16) * 0.5, "A", float(rng.random())))
    return gt, seg(dets)


@pytest.mark.parametrize("seed", range(3))
def test_crowded_ties_match_literal_transcription(seed):
    """Equal tIoUs among many GTs: ActivityNet's GT order comes from numpy's (unstable) argsort."""
    gt, det = crowded_case(seed)
    thresholds = [0.1, 0.2, 0.3, 0.5]
    res = temporal_map(gt, det, thresholds, protocol="activitynet")
    np.testing.assert_allclose(res.ap, reference_activitynet(gt, det, thresholds, res.classes), atol=1e-12)
    res = temporal_map(gt, det, thresholds, protocol="thumos14")
    np.testing.assert_allclose(res.ap, reference_thumos14(gt, det, thresholds, res.classes), atol=1e-12)


def test_random_cases_exercise_conflicts_and_ties():
    """Guard for the test above: the random cases do contain multi-candidate detections and tIoU ties."""
    gt, det = random_case(0)
    real = gt.select(gt.label != AMBIGUOUS)
    multi = ties = 0
    for i in range(len(det)):
        g = (real.video == det.video[i]) & (real.label == det.label[i])
        tiou = tiou_activitynet(real.t_start_s[g], real.t_end_s[g], det.t_start_s[i], det.t_end_s[i])
        multi += int((tiou >= 0.3).sum() >= 2)
        pos = tiou[tiou > 0]
        ties += int(len(pos) != len(np.unique(pos)))
    assert multi >= 5 and ties >= 1
