"""Mask → box and weight → segment conversion, on tiny hand-made cases."""
import numpy as np
import pytest

from locbench.inference.attention import AttentionRecord
from locbench.localization.localize import (boxes_from_attention, chosen_labels, curve_to_segments, masks_to_boxes,
                               normalize_minmax, runs_above, segments_from_attention, upsample_masks)


def test_upsample_uses_half_pixel_centres():
    # 2x2 -> 4x4: output pixel 0 samples source coordinate -0.25 (clamped to 0), pixel 1 samples 0.25
    m = np.array([[[0.0, 1.0], [0.0, 1.0]]], np.float32)
    up = upsample_masks(m, (4, 4))
    np.testing.assert_allclose(up[0, 0], [0.0, 0.25, 0.75, 1.0], atol=1e-6)


def test_masks_to_boxes_tightest_box_in_pixel_edges():
    m = np.zeros((3, 4, 4), np.float32)
    m[0, 1:3, 1:3] = 1.0  # upsampled x2: pixels 2..5 exceed 0.5 (0.75), pixels 1 and 6 do not (0.25)
    m[2, 0, 0] = 0.9  # corner: pixel 0 = 0.9, pixel 1 = 0.675, pixel 2 = 0.225
    boxes, has_box, inside = masks_to_boxes(m, (8, 8), 0.5)
    np.testing.assert_array_equal(has_box, [True, False, True])
    np.testing.assert_array_equal(boxes[0], [2, 2, 6, 6])
    np.testing.assert_array_equal(boxes[2], [0, 0, 2, 2])
    assert 0.5 < inside[0] <= 1.0 and inside[1] == 0.0


def test_threshold_is_strict():
    m = np.full((1, 2, 2), 0.5, np.float32)
    _, has_box, _ = masks_to_boxes(m, (2, 2), 0.5)
    assert not has_box[0]


def test_normalize_minmax_and_constant_curve():
    np.testing.assert_allclose(normalize_minmax([2.0, 4.0, 3.0]), [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(normalize_minmax(np.full(4, 0.25)), np.ones(4))


def test_runs_and_segments_in_seconds():
    curve = np.array([0.0, 0.2, 0.9, 1.0, 0.4, 0.8, 0.1])
    starts, ends = runs_above(curve, 0.5)
    np.testing.assert_array_equal(starts, [2, 5])
    np.testing.assert_array_equal(ends, [4, 6])
    t0, t1, mean = curve_to_segments(curve, np.arange(7) * 0.1, 0.1, 0.5)
    np.testing.assert_allclose(t0, [0.2, 0.5])
    np.testing.assert_allclose(t1, [0.4, 0.6])
    np.testing.assert_allclose(mean, [0.95, 0.8])


def _record(**kw):
    base = dict(video="v", classes=("a", "b", "c"), class_scores=np.array([0.2, 0.7, 0.1]),
                frame_idx=np.array([0, 10, 20, 30]), fps=10.0, frame_size=(8, 8))
    base.update(kw)
    return AttentionRecord(**base)


def test_label_rules():
    rec = _record()
    assert chosen_labels(rec, "top1") == [1]
    assert chosen_labels(rec, "topk", k=2) == [1, 0]
    assert chosen_labels(rec, "gt", gt_labels={"v": ["c"]}) == [2]
    with pytest.raises(ValueError):
        chosen_labels(rec, "gt")


def test_boxes_from_attention_labels_and_scores():
    masks = np.zeros((4, 4, 4), np.float32)
    masks[:, 1:3, 1:3] = 1.0
    masks[3] = 0.0  # no box in the last frame
    dets = boxes_from_attention([_record(masks=masks)], score="cls*mask")
    assert len(dets) == 3 and set(dets.label) == {"b"}
    np.testing.assert_array_equal(dets.frame_idx, [0, 10, 20])
    assert np.all(dets.score <= 0.7) and np.all(dets.score > 0.7 * 0.5)
    cls_only = boxes_from_attention([_record(masks=masks)], score="cls")
    np.testing.assert_allclose(cls_only.score, 0.7)


def test_segments_from_attention_seconds_and_scores():
    importance = np.array([1.0, 3.0, 3.0, 1.0])  # frames 10 and 20 stand out
    segs = segments_from_attention([_record(frame_importance=importance)], score="cls")
    assert len(segs) == 1
    assert segs.t_start_s[0] == pytest.approx(1.0) and segs.t_end_s[0] == pytest.approx(3.0)
    assert segs.label[0] == "b" and segs.score[0] == pytest.approx(0.7)


def test_segment_probability_uses_window_scores():
    importance = np.array([1.0, 3.0, 3.0, 1.0])
    rec = _record(frame_importance=importance, windows=np.array([[0, 1], [2, 3]]),
                  window_class_scores=np.array([[0.1, 0.9, 0.0], [0.5, 0.3, 0.2]]))
    segs = segments_from_attention([rec], score="cls")
    assert segs.score[0] == pytest.approx((0.9 + 0.3) / 2)
