"""meng2019-code: the authors' released evaluation, on hand-made masks, boxes and curves whose legacy
values are derived by hand in the comments."""
import cv2
import numpy as np
import pytest

from annotations.types import Segments, Tube, TubeDataset, VideoInfo
from evaluators import legacy_meng2019 as L
from locbench.inference.attention import AttentionRecord
from locbench.localization.legacy import (legacy_gray_masks, legacy_spatial, legacy_temporal_from_weights,
                                          single_label_instances)


# ------------------------------------------------------------------------------------------ spatial IoU

def test_disjoint_boxes_get_a_positive_legacy_intersection():
    # overlaps: x: min(10, 30) - max(0, 20) + 1 = -9, y: -9; product 81 > 0 is kept (the sign error)
    # areas (10 + 1)^2 = 121 each: IoU = 81 / (121 + 121 - 81) = 81 / 161
    gt, pred = np.array([0, 0, 10, 10]), np.array([20, 20, 30, 30])
    assert L.legacy_iou(gt, pred) == pytest.approx(81 / 161)
    assert L.legacy_iou(gt, pred, fix_sign=True) == 0.0


def test_disjoint_on_one_axis_only_is_clamped():
    # x overlap -9, y overlap 11: product -99 < 0 -> 0 in both variants
    assert L.legacy_iou(np.array([0, 0, 10, 10]), np.array([20, 0, 30, 10])) == 0.0


def test_plus_one_areas_and_touching_boxes():
    # identical boxes: 1.0; boxes sharing no pixel but adjacent: x overlap 10 - 11 + 1 = 0 -> 0
    b = np.array([[0, 0, 9, 9]])
    assert L.legacy_iou(b, b)[0] == 1.0
    assert L.legacy_iou(b, np.array([[10, 0, 19, 9]]))[0] == 0.0
    # half box: inter 10 x 5 = 50, union 100 + 50 - 50 = 100 -> exactly 0.5, counted at t = 0.5 (>=)
    iou = L.legacy_iou(b, np.array([[0, 0, 9, 4]]))
    assert iou[0] == 0.5
    np.testing.assert_array_equal(L.fraction_at_least(iou, (0.5, 0.5000001)), [1.0, 0.0])


def test_no_box_is_the_one_pixel_box_at_the_origin():
    # [0, 0, 0, 0] has area 1; against gt [0, 0, 9, 9]: inter 1 x 1 = 1, union 100 -> 0.01
    assert L.legacy_iou(np.array([0, 0, 9, 9]), np.zeros(4)) == pytest.approx(0.01)


# ------------------------------------------------------------------------------------------ contours

def test_gray_threshold_is_strict_at_200():
    g = np.zeros((5, 5), np.uint8)
    g[1, 1] = 200
    assert L.largest_contour_boxes(g).tolist() == [0, 0, 0, 0]
    g[1, 1] = 201
    assert L.largest_contour_boxes(g).tolist() == [1, 1, 2, 2]


def test_two_blobs_take_the_larger_bounding_rectangle():
    g = np.zeros((10, 12), np.uint8)
    g[1:3, 1:3] = 255          # 2 x 2 = 4
    g[5:9, 6:9] = 255          # 3 wide x 4 high = 12: this one
    assert L.largest_contour_boxes(g).tolist() == [6, 5, 9, 9]
    # a diagonal pixel joins a blob (8-connectivity): rectangle grows to x 6..9, y 5..9 -> [6, 5, 10, 10]
    g[9, 9] = 255
    assert L.largest_contour_boxes(g).tolist() == [6, 5, 10, 10]


def test_equal_blobs_tie_goes_to_the_one_found_last_in_raster_order():
    g = np.zeros((10, 10), np.uint8)
    g[1:3, 1:3] = 255
    g[6:8, 5:7] = 255
    assert L.largest_contour_boxes(g).tolist() == [5, 6, 7, 8]


def test_contour_boxes_match_opencv_on_random_masks():
    rng = np.random.default_rng(0)
    grays = (rng.random((300, 12, 15)) < rng.uniform(0.05, 0.5, (300, 1, 1))).astype(np.uint8) * 255
    ours = L.largest_contour_boxes(grays)
    for g, box in zip(grays, ours):
        contours, _ = cv2.findContours(g, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        size, best = 0, (0, 0, 0, 0)
        for c in contours:  # the authors' loop
            x, y, w, h = cv2.boundingRect(c)
            if w * h > size:
                best, size = (x, y, x + w, y + h), w * h
        assert tuple(box) == best


def test_gray_masks_two_blobs_and_flat_mask():
    m = np.zeros((2, 7, 7), np.float32)
    m[0, 1:4, 1:4] = 0.9   # big blob: cells 1..3
    m[0, 5, 5] = 0.9       # small blob: cell 5
    m[1] = 0.3             # flat: 0 / 0 in the authors' code -> all 0 -> no box
    gray = legacy_gray_masks(m, (70, 70), jpeg_quality=None)
    assert gray[0].max() == 255 and gray[1].max() == 0
    boxes = L.largest_contour_boxes(gray)
    # 10 px per cell, cell c centred at pixel 10 c + 4.5 (half-pixel centres). Left ramp between cell 0
    # (4.5, value 0) and cell 1 (14.5, 255): 255 (x - 4.5) / 10 > 200 for x > 12.34 -> x1 = 13; right
    # ramp between cell 3 (34.5) and cell 4 (44.5): x < 36.66 -> last pixel 36, x2 = 37. The small
    # blob (cell 5) gives 57..61 x 57..61, smaller.
    assert boxes[0].tolist() == [13, 13, 37, 37]
    assert boxes[1].tolist() == [0, 0, 0, 0]


def test_jpeg_roundtrip_keeps_a_saturated_blob():
    m = np.zeros((7, 7), np.float32)
    m[2:5, 2:5] = 1.0
    with_jpeg = L.largest_contour_boxes(legacy_gray_masks(m))
    without = L.largest_contour_boxes(legacy_gray_masks(m, jpeg_quality=None))
    np.testing.assert_allclose(with_jpeg, without, atol=2)


def test_legacy_gt_box_truncates_like_int():
    # [x, y, w, h] = [3.9, 4.0, 10.5, 20.0] -> int: 3, 4, 10, 20 -> [3, 4, 13, 24]
    assert L.legacy_gt_box(np.array([3.9, 4.0, 14.4, 24.0])).tolist() == [3, 4, 13, 24]


def _dataset():
    tubes = (Tube("v", "a", np.arange(0, 4), np.array([[0.0, 0, 160, 120]] * 4)),
             Tube("v", "a", np.arange(4, 8), np.array([[160.0, 120, 320, 240]] * 4)))
    return TubeDataset(("a",), {"v": VideoInfo("v", "a", 8)}, tubes)


def test_legacy_spatial_uses_first_tube_and_model_frames_only():
    masks = np.zeros((8, 4, 4), np.float32)
    masks[:, :2, :2] = 1.0  # top-left quarter: exactly the first tube's box
    rec = AttentionRecord("v", ("a",), np.array([1.0]), np.arange(8), 25.0, (240, 320), masks=masks,
                          windows=np.array([[1, 3, 5]]))
    res = legacy_spatial([rec], _dataset(), jpeg_quality=None, thresholds=(0.5,))
    # model frames 1, 3, 5; frame 5 lies on the second tube only -> not evaluated
    assert res.frame_idx.tolist() == [1, 3]
    assert res.gt_boxes.tolist() == [[0, 0, 160, 120]] * 2
    assert res.figure.tolist() == [1.0]
    assert any("20 frames" in n for n in res.notes)


def test_legacy_spatial_notes_the_sign_error():
    masks = np.zeros((1, 4, 4), np.float32)
    masks[0, 3, 3] = 1.0  # bottom-right: disjoint on both axes from the first tube
    rec = AttentionRecord("v", ("a",), np.array([1.0]), np.array([0]), 25.0, (240, 320), masks=masks)
    raw = legacy_spatial([rec], _dataset(), jpeg_quality=None)
    fixed = legacy_spatial([rec], _dataset(), jpeg_quality=None, fix_sign=True)
    assert raw.iou[0] > 0 and fixed.iou[0] == 0
    assert any("sign error" in n for n in raw.notes)


# ------------------------------------------------------------------------------------------ temporal

def test_window_of_a_long_instance():
    # 10 s .. 20 s: frames 100..200 (total 100 > 30), interval int(100 / 30) = 3, annotated 100, 103, ..., 187
    # (30 frames); context 70, 73, ..., 97 before and 201, 204, ..., 228 after: 10 + 30 + 10 = 50
    w, a = L.legacy_window(10.0, 20.0, 1000)
    assert a.tolist() == list(range(100, 188, 3))
    assert w.tolist() == list(range(70, 100, 3)) + list(range(100, 188, 3)) + list(range(201, 229, 3))


def test_window_of_a_short_instance_is_padded_with_clamped_frames():
    # 0.5 s .. 1.0 s: frames 5..10 (total 5), context int(0.5 * 45) = 22: start max(5 - 22, 1) = 1,
    # end 11 + 22 = 33: 1..4 + 5..10 + 11..32 = 32 frames, then 18 more from 34 on, clamped to 40
    w, a = L.legacy_window(0.5, 1.0, 40)
    assert a.tolist() == list(range(5, 11))
    assert w.tolist() == list(range(1, 33)) + [34, 35, 36, 37, 38, 39] + [40] * 12


def test_flat_curve_selects_nothing():
    # a flat softmax over 50 frames is 0.02 < 0.023 everywhere: no frame selected, recall 0
    frames = np.arange(1, 51)[None]
    recall = L.legacy_temporal_recall(frames, np.full((1, 50), 1 / 50), [np.arange(10, 20)])
    assert recall.tolist() == [0.0]


def test_weight_and_recall_exactly_at_the_thresholds():
    frames = np.arange(1, 5)[None]
    # weight exactly 0.023 is not selected (strict >): frames 2 (0.023) out, 3 (0.5) in -> recall 1 / 2
    recall = L.legacy_temporal_recall(frames, np.array([[0.1, 0.023, 0.5, 0.377]]), [np.array([2, 3])])
    assert recall.tolist() == [0.5]
    # recall exactly t is not counted (strict >); a wrong class never counts
    assert L.legacy_temporal_figure(recall, np.array([True]), (0.5, 0.49)).tolist() == [0.0, 1.0]
    assert L.legacy_temporal_figure(recall, np.array([False]), (0.49,)).tolist() == [0.0]


def test_temporal_figure_from_weights_over_all_instances():
    inst = Segments(["v", "v"], [1.0, 5.0], [2.0, 6.0], ["a", "a"])
    w = np.zeros((2, 50))
    w[:, 9:20] = 1 / 11          # both windows: positions 9..19 are frames 10..20 / 50..60, the instance
    res = legacy_temporal_from_weights(inst, w, ["a", "b"], {"v": 200}, (0.5,))
    # first: class right, recall 11 / 11; second: class wrong -> 1 of 2 instances
    assert res.figure.tolist() == [0.5]


def test_single_label_instances_drop_videos_with_two_classes():
    gt = Segments(["x", "x", "y", "y", "y"], [0, 5, 0, 3, 6], [1, 6, 1, 4, 7], ["a", "a", "a", "b", "Ambiguous"])
    assert single_label_instances(gt).video.tolist() == ["x", "x"]


@pytest.mark.slow
def test_temporal_figure_from_a_checkpoint(tmp_path):
    """A tiny model on tiny THUMOS-like videos: one 50-position softmax per single-class instance."""
    from annotations.temporal_io import load_temporal_gt
    from locbench.localization.legacy import legacy_temporal_from_checkpoint
    from locbench.synth.thumos_like import make_thumos_like
    from locbench.training.train import TrainConfig, train

    data = tmp_path / "data"
    make_thumos_like(data, num_classes=2, train_per_class=1, test_per_class=1, size="48x32", duration_s="6,8",
                     action_s="0.6,1.2", instances="1,2")
    train(TrainConfig(data=str(data), classes=str(data / "classes.txt"), out=str(tmp_path / "run"), num_frames=4,
                      input_size=32, feature_channels=8, hidden_channels=6, spatial_widths=(6,), attention_dim=4,
                      batch_size=4, progress=False, device="cpu", epochs=1))
    gt = load_temporal_gt(str(data / "groundtruth"), subset="test", class_index=str(data / "class_index_detection.txt"))
    res = legacy_temporal_from_checkpoint(tmp_path / "run" / "best.pt", data / "videos", gt, device="cpu",
                                          thresholds=(0.0, 0.5), progress=False)
    assert len(res.recall) == len(single_label_instances(gt)) > 0
    assert not any("misses" in n for n in res.notes)  # every video found and read
    assert res.weights.shape == (len(res.recall), 50)
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0, atol=1e-5)
    # figure = fraction of instances that are right-class with recall > t, recomputed from the parts
    assert res.figure[1] == pytest.approx(np.mean(res.correct & (res.recall > 0.5)))
    # the same through eval-temporal: attention files for the main table, the checkpoint for meng2019-code
    import json

    from locbench.cli import main
    from locbench.inference.predict import predict_videos

    predict_videos(tmp_path / "run" / "best.pt", data / "videos" / "test", tmp_path / "att", device="cpu",
                   progress=False)
    code = main(["eval-temporal", "--gt", str(data / "groundtruth"), "--class-index",
                 str(data / "class_index_detection.txt"), "--attention", str(tmp_path / "att"), "--legacy",
                 "--legacy-checkpoint", str(tmp_path / "run" / "best.pt"), "--videos", str(data / "videos" / "test"),
                 "--tiou", "0.5", "--device", "cpu", "--out", str(tmp_path / "eval")])
    assert code == 0
    legacy = json.loads((tmp_path / "eval" / "metrics.json").read_text())["analyses"]["legacy"]["meng2019-code"]
    assert legacy["instances"] == len(res.recall)
    assert legacy["figure"] == [pytest.approx(res.figure[1])]
