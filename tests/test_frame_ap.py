"""Frame-AP (voc / act / coco), box IoU and frame CorLoc on hand-made cases, plus randomized
agreement of the vectorised matcher with a plain loop (voc, act) and with pycocotools (coco)."""
import numpy as np
import pytest

from annotations.errors import InputError
from annotations.types import FrameBoxes
from evaluators.box_iou import iou_matrix, iou_pairs
from evaluators.coco_reference import frame_ap_pycocotools
from evaluators.frame_ap import frame_ap
from evaluators.spatial_corloc import frame_corloc

A = [0, 0, 10, 10]
B = [10, 0, 20, 10]


def boxes(rows, scored=True, videos=(), source=""):
    """rows: (video, frame, label, box[, score])."""
    rows = list(rows)
    return FrameBoxes([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                      np.array([r[3] for r in rows], dtype=float).reshape(-1, 4),
                      np.array([r[4] for r in rows], dtype=float) if scored else None, videos, source)


# ------------------------------------------------------------------------------------------- IoU

def test_iou_conventions_by_hand():
    # continuous: intersection 5 x 10 = 50, union 100 + 100 - 50 = 150
    assert iou_pairs([A], [[5, 0, 15, 10]])[0] == pytest.approx(1 / 3)
    assert iou_pairs([A], [[5, 0, 15, 10]], "coco")[0] == pytest.approx(1 / 3)
    # +1 pixel: areas 11 x 11 = 121, intersection (min(11, 16) - 5) x 11 = 66 -> 66 / (242 - 66)
    assert iou_pairs([A], [[5, 0, 15, 10]], "plus_one")[0] == pytest.approx(66 / 176)
    # touching boxes: 0 continuous, but the +1 convention sees a 1-pixel-wide overlap: 11 / (242 - 11)
    assert iou_pairs([A], [B])[0] == 0.0
    assert iou_pairs([A], [B], "plus_one")[0] == pytest.approx(11 / 231)
    # degenerate boxes never give NaN in the continuous / coco conventions
    assert iou_pairs([[3, 3, 3, 3]], [[3, 3, 3, 3]])[0] == 0.0
    assert iou_pairs([[3, 3, 3, 3]], [[3, 3, 3, 3]], "coco")[0] == 0.0
    m = iou_matrix([A, B], [A, [5, 0, 15, 10], B])
    assert m.shape == (2, 3) and m[0, 0] == 1.0 and m[1, 2] == 1.0 and m[0, 2] == 0.0
    with pytest.raises(ValueError):
        iou_pairs([A], [A], "nope")


# ------------------------------------------------------------------------------------------- hand cases

def test_tie_rules_differ_between_protocols():
    # det1 has IoU 1/3 with both A and B; det2 is exactly A.
    # voc / act take the FIRST best box (A) for det1, so det2 finds only B (IoU 0): [TP, FP].
    # coco takes the LAST best box (B) for det1, so det2 gets A: [TP, TP].
    gt = boxes([("v", 0, "c", A), ("v", 0, "c", B)], scored=False)
    dets = boxes([("v", 0, "c", [5, 0, 15, 10], 0.9), ("v", 0, "c", A, 0.8)])
    voc = frame_ap(gt, dets, [0.3], "voc")
    act = frame_ap(gt, dets, [0.3], "act")
    coco = frame_ap(gt, dets, [0.3], "coco")
    # voc all-point: precision [1, 1/2] at recall [1/2, 1/2] -> 1/2 * 1 = 0.5
    assert voc.ap[0, 0] == pytest.approx(0.5)
    # act trapezoid from (0, 1): (1/2 - 0) * (1 + 1) / 2 + 0 = 0.5
    assert act.ap[0, 0] == pytest.approx(0.5)
    # coco: recall reaches 1 with precision 1 -> all 101 points are 1
    assert coco.ap[0, 0] == pytest.approx(1.0)
    assert frame_ap_pycocotools(gt, dets, [0.3]).ap[0, 0] == coco.ap[0, 0]


def test_voc_hand_case_with_fp_outside_gt_frames():
    # class c: 2 GT boxes in two frames. Ranked detections:
    # 0.9 frame 0 IoU 1 (TP), 0.8 frame 5 (no GT there: FP), 0.7 frame 1 IoU 0.5 (TP at t=0.5, FP at 0.6)
    gt = boxes([("v", 0, "c", A), ("v", 1, "c", A)], scored=False)
    dets = boxes([("v", 1, "c", [0, 0, 10, 5], 0.7), ("v", 0, "c", A, 0.9), ("v", 5, "c", A, 0.8)])
    r = frame_ap(gt, dets, [0.5, 0.6], "voc", return_curves=True)
    # t = 0.5: TP FP TP -> precision 1, 1/2, 2/3; recall 1/2, 1/2, 1
    #   all-point: monotone precision 1, 2/3, 2/3 -> 1/2 * 1 + 1/2 * 2/3 = 5/6
    assert r.ap[0, 0] == pytest.approx(5 / 6)
    # t = 0.6 (IoU 0.5 < 0.6): TP FP FP -> 1/2 * 1 = 0.5
    assert r.ap[0, 1] == pytest.approx(0.5)
    recall, precision = r.curves[0][0]
    assert recall.tolist() == pytest.approx([0.5, 0.5, 1.0]) and precision.tolist() == pytest.approx([1, 0.5, 2 / 3])
    assert r.num_gt.tolist() == [2] and r.num_det.tolist() == [3]
    # act: trapezoids (0,1)->(1/2,1): 1/2; (1/2,1)->(1/2,1/2): 0; (1/2,1/2)->(1,2/3): 1/2 * (1/2 + 2/3) / 2 = 7/24
    assert frame_ap(gt, dets, [0.5], "act").ap[0, 0] == pytest.approx(0.5 + 7 / 24)


def test_iou_equal_to_threshold_matches():
    gt = boxes([("v", 0, "c", A)], scored=False)
    dets = boxes([("v", 0, "c", [0, 0, 10, 5], 0.5)])  # continuous IoU exactly 50 / 100
    for protocol in ("voc", "coco"):
        # (COCOeval divides by tp + fp + spacing(1), so its "1" is 1 - 1e-16)
        assert frame_ap(gt, dets, [0.5], protocol).ap[0, 0] == pytest.approx(1.0, abs=1e-15)


def test_classes_without_detections_or_ground_truth():
    gt = boxes([("v", 0, "a", A), ("v", 0, "b", B)], scored=False)
    dets = boxes([("v", 0, "a", A, 0.9), ("v", 0, "z", A, 0.8)])
    for protocol in ("voc", "act", "coco"):
        r = frame_ap(gt, dets, [0.5], protocol)
        assert r.classes == ("a", "b", "z")
        assert r.ap[:, 0].tolist()[:2] == pytest.approx([1.0, 0.0], abs=1e-15)  # b: GT, no detection: AP 0
        assert np.isnan(r.ap[2, 0]) and r.num_gt.tolist() == [1, 1, 0]  # z: no GT -> NaN, not in the mean
        assert r.mean_ap[0] == pytest.approx(0.5)
    with pytest.raises(InputError, match="unknown class name"):
        frame_ap(gt, dets, [0.5], classes=("a", "b"))


def test_equal_scores_keep_input_order_voc_but_image_order_coco():
    # same score: an FP in video "b/v" listed first, then the TP in video "a/v"
    dets = boxes([("b/v", 0, "c", A, 0.5), ("a/v", 0, "c", A, 0.5)])
    gt = boxes([("a/v", 0, "c", A)], scored=False, videos=("a/v", "b/v"))
    # voc keeps input order: FP, TP -> precision 0, 1/2 at recall 0, 1 -> AP 1/2
    assert frame_ap(gt, dets, [0.5], "voc").ap[0, 0] == pytest.approx(0.5)
    # COCOeval orders equal scores by image id (our images: by video name, frame): TP first -> AP 1
    assert frame_ap(gt, dets, [0.5], "coco").ap[0, 0] == pytest.approx(1.0, abs=1e-15)
    assert frame_ap_pycocotools(gt, dets, [0.5]).ap[0, 0] == pytest.approx(1.0, abs=1e-15)
    swapped = dets.select(np.array([1, 0]))
    assert frame_ap(gt, swapped, [0.5], "voc").ap[0, 0] == 1.0


def test_coco_keeps_100_detections_per_image_and_class():
    gt = boxes([("v", 0, "c", A)], scored=False)
    # 101 detections in one frame; the only correct one has the lowest score
    rows = [("v", 0, "c", [50, 50, 60, 60], 1.0 - i / 1000) for i in range(100)] + [("v", 0, "c", A, 0.001)]
    dets = boxes(rows)
    coco = frame_ap(gt, dets, [0.5], "coco")
    assert coco.num_det.tolist() == [100] and coco.ap[0, 0] == 0.0  # the TP was cut off
    ref = frame_ap_pycocotools(gt, dets, [0.5])
    assert ref.num_det.tolist() == [100] and ref.ap[0, 0] == 0.0
    voc = frame_ap(gt, dets, [0.5], "voc")  # no truncation: found at rank 101
    assert voc.num_det.tolist() == [101] and voc.ap[0, 0] == pytest.approx(1 / 101)


def test_unknown_videos_modes():
    gt = boxes([("v", 0, "c", A)], scored=False)
    dets = boxes([("w", 0, "c", A, 0.9), ("v", 0, "c", A, 0.8)], source="dets.csv")
    with pytest.raises(InputError, match=r"dets\.csv: 1 detection\(s\) in 1 video\(s\) absent from the ground truth \(w\)"):
        frame_ap(gt, dets, [0.5])
    fp = frame_ap(gt, dets, [0.5], unknown_videos="fp")
    assert fp.ap[0, 0] == pytest.approx(0.5) and "counted as false positives" in fp.warnings[0]
    drop = frame_ap(gt, dets, [0.5], unknown_videos="drop")
    assert drop.ap[0, 0] == 1.0 and drop.num_det.tolist() == [1] and "dropped" in drop.warnings[0]


def test_bad_detections_are_input_errors():
    gt = boxes([("v", 0, "c", A)], scored=False)
    with pytest.raises(InputError, match=r"d\.csv: row 0: detection box .* inverted"):
        frame_ap(gt, boxes([("v", 0, "c", [5, 0, 1, 10], 0.5)], source="d.csv"), [0.5])
    with pytest.raises(InputError, match="NaN"):
        frame_ap(gt, boxes([("v", 0, "c", A, np.nan)]), [0.5])
    with pytest.raises(InputError, match="no score"):
        frame_ap(gt, gt, [0.5])
    with pytest.raises(ValueError):
        frame_ap(gt, boxes([("v", 0, "c", A, 0.5)]), [0.5], protocol="nope")


def test_empty_detections():
    gt = boxes([("v", 0, "c", A)], scored=False)
    empty = boxes([], videos=())
    for protocol in ("voc", "act", "coco"):
        r = frame_ap(gt, empty, [0.5], protocol)
        assert r.ap.tolist() == [[0.0]] and r.num_det.tolist() == [0]


# ------------------------------------------------------------------------------------------- randomized

def _loop_frame_ap(gt, dets, t, protocol):
    """Plain-loop statement of the voc / act rules: for each class, detections in stable score order
    take the argmax-IoU remaining box of their class in their frame (first max) if IoU >= t."""
    conv = "continuous" if protocol == "voc" else "plus_one"
    from evaluators.ap import ap_all_point
    from evaluators.frame_ap import ap_trapezoid_float32
    ap_fn = ap_all_point if protocol == "voc" else ap_trapezoid_float32
    out = {}
    for c in sorted(set(gt.label) | set(dets.label)):
        remaining = {}
        for v, f, l, b in zip(gt.video, gt.frame_idx, gt.label, gt.boxes_xyxy):
            if l == c:
                remaining.setdefault((v, f), []).append(b)
        n_gt = sum(len(x) for x in remaining.values())
        idx = [i for i in range(len(dets)) if dets.label[i] == c]
        idx = sorted(idx, key=lambda i: -dets.score[i])  # Python's sort is stable
        tp = []
        for i in idx:
            cand = remaining.get((dets.video[i], dets.frame_idx[i]), [])
            ok = False
            if cand:
                ious = iou_pairs(np.array(cand), np.repeat(dets.boxes_xyxy[i:i + 1], len(cand), 0), conv)
                j = int(np.argmax(ious))
                if ious[j] >= t:
                    ok = True
                    del cand[j]
            tp.append(ok)
        out[c] = ap_fn(np.array(tp, dtype=bool), n_gt)
    return out


def _random_problem(seed, n_frames=30, crowded=True):
    rng = np.random.default_rng(seed)
    classes = ["a", "b", "c"]
    gt_rows, det_rows = [], []
    for f in range(n_frames):
        video = "v1" if f % 2 else "v0"
        for _ in range(rng.integers(0, 4 if crowded else 2)):
            c = classes[rng.integers(0, 3)]
            xy = rng.integers(0, 80, 2).astype(float)
            wh = rng.integers(5, 40, 2).astype(float)
            box = np.r_[xy, xy + wh]
            gt_rows.append((video, f, c, box))
            for _ in range(rng.integers(0, 4)):  # jittered copies, sometimes the wrong class
                jit = box + rng.integers(-6, 7, 4)
                jit[2:] = np.maximum(jit[2:], jit[:2])
                det_rows.append((video, f, c if rng.random() < 0.8 else classes[rng.integers(0, 3)], jit,
                                 float(rng.integers(0, 20)) / 20))  # coarse scores: many ties
        for _ in range(rng.integers(0, 2)):  # strays
            xy = rng.integers(0, 80, 2).astype(float)
            det_rows.append((video, f, classes[rng.integers(0, 3)], np.r_[xy, xy + 10], float(rng.integers(0, 20)) / 20))
    perm = rng.permutation(len(det_rows))
    return boxes(gt_rows, scored=False), boxes([det_rows[i] for i in perm])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("protocol", ["voc", "act"])
def test_vectorised_matches_plain_loop(seed, protocol):
    gt, dets = _random_problem(seed)
    thresholds = [0.05, 0.3, 0.5, 0.7]
    r = frame_ap(gt, dets, thresholds, protocol)
    for k, t in enumerate(thresholds):
        expected = _loop_frame_ap(gt, dets, t, protocol)
        for c, ap in expected.items():
            assert r.ap[r.classes.index(c), k] == ap, (c, t)


@pytest.mark.parametrize("seed", range(4))
def test_native_coco_equals_pycocotools_on_random_crowded_frames(seed):
    gt, dets = _random_problem(100 + seed)
    thresholds = [0.05, 0.3, 0.5, 0.7, 0.9]
    native = frame_ap(gt, dets, thresholds, "coco")
    ref = frame_ap_pycocotools(gt, dets, thresholds)
    assert np.array_equal(native.ap, ref.ap, equal_nan=True)
    assert native.num_det.tolist() == ref.num_det.tolist()


# ------------------------------------------------------------------------------------------- CorLoc

def test_frame_corloc_by_hand():
    gt = boxes([("v", 0, "a", A), ("v", 0, "a", B), ("v", 1, "a", A), ("v", 2, "a", A), ("v", 0, "b", A)], scored=False)
    dets = boxes([
        ("v", 0, "a", B, 0.9),              # frame 0: top box hits the second GT box -> localized
        ("v", 0, "a", [50, 50, 60, 60], 0.1),
        ("v", 1, "a", [50, 50, 60, 60], 0.9),  # frame 1: top box misses; the correct one is second -> not
        ("v", 1, "a", A, 0.8),
        ("v", 0, "b", [0, 0, 10, 5], 0.7),  # class b: IoU 0.5 exactly
        ("v", 0, "c", A, 0.99),             # no GT of class c: no unit
    ])                                      # frame 2 of class a has no detection -> not localized
    r = frame_corloc(gt, dets, [0.5, 0.6])
    assert r.unit == "frame" and r.classes == ("a", "b", "c")
    assert r.num_units.tolist() == [3, 1, 0]
    assert r.corloc[0].tolist() == pytest.approx([1 / 3, 1 / 3])
    assert r.corloc[1].tolist() == [1.0, 0.0]
    assert np.isnan(r.corloc[2]).all()
    assert r.mean_corloc.tolist() == pytest.approx([(1 / 3 + 1) / 2, (1 / 3 + 0) / 2])  # class-balanced


def test_frame_corloc_unknown_videos():
    gt = boxes([("v", 0, "a", A)], scored=False)
    dets = boxes([("w", 0, "a", A, 0.9), ("v", 0, "a", A, 0.5)], source="d.csv")
    with pytest.raises(InputError, match=r"d\.csv: 1 detection\(s\) in 1 video"):
        frame_corloc(gt, dets, [0.5])
    for mode in ("fp", "drop"):  # a detection in another video never touches a unit
        assert frame_corloc(gt, dets, [0.5], unknown_videos=mode).corloc[0, 0] == 1.0


def test_frame_corloc_ties_take_the_first_row():
    gt = boxes([("v", 0, "a", A)], scored=False)
    hit_first = boxes([("v", 0, "a", A, 0.5), ("v", 0, "a", B, 0.5)])
    assert frame_corloc(gt, hit_first, [0.5]).corloc[0, 0] == 1.0
    assert frame_corloc(gt, hit_first.select(np.array([1, 0])), [0.5]).corloc[0, 0] == 0.0
