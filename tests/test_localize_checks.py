"""Localization input checks (issue 7) and the segment rules of later WSTAL work (issue 9 §2), on
hand-made masks and curves."""
import warnings

import numpy as np
import pytest

from annotations.errors import InputError
from locbench.inference.attention import AttentionRecord
from locbench.localization.localize import (boxes_from_attention, masks_to_boxes, normalize_masks,
                                            outer_inner_scores, segments_from_attention, temporal_nms,
                                            weights_to_segments)


def _rec(**kw):
    base = dict(video="v", classes=("a", "b"), class_scores=np.array([0.2, 0.8]), frame_idx=np.arange(4),
                fps=10.0, frame_size=(8, 8))
    base.update(kw)
    return AttentionRecord(**base)


# ------------------------------------------------------------------------------------------ masks

def test_uint8_masks_are_an_error_that_names_the_fix():
    m = np.zeros((2, 4, 4), np.float32)
    m[:, 1:3, 1:3] = 255.0
    with pytest.raises(InputError) as e:
        masks_to_boxes(m, (8, 8))
    assert "mask_normalize='minmax'" in str(e.value) and "'sigmoid'" in str(e.value)
    with pytest.raises(InputError, match="video 'v'"):
        boxes_from_attention([_rec(masks=np.repeat(m, 2, axis=0))])


def test_values_within_tolerance_are_accepted():
    m = np.full((1, 2, 2), 1.0009, np.float32)
    m[0, 0, 0] = -0.0009
    masks_to_boxes(m, (2, 2))  # no error
    with pytest.raises(InputError):
        masks_to_boxes(m + 0.001, (2, 2))


def test_minmax_and_sigmoid_normalisations():
    m = np.array([[[0.0, 255.0], [51.0, 0.0]]])
    np.testing.assert_allclose(normalize_masks(m, "minmax"), [[[0.0, 1.0], [0.2, 0.0]]], atol=1e-7)
    np.testing.assert_allclose(normalize_masks(np.array([[[0.0, np.log(3.0)]]]), "sigmoid"), [[[0.5, 0.75]]],
                               atol=1e-7)
    # a constant frame becomes all ones (like a constant temporal curve), frame by frame
    np.testing.assert_array_equal(normalize_masks(np.array([[[4.0, 4.0]], [[0.0, 2.0]]]), "minmax"),
                                  [[[1.0, 1.0]], [[0.0, 1.0]]])
    # through the localizer: a 0..255 mask gives the same box as its /255 version
    m8 = np.zeros((4, 4), np.float32)
    m8[1:3, 1:3] = 255.0
    assert masks_to_boxes(m8, (8, 8), mask_normalize="minmax")[0].tolist() == \
        masks_to_boxes(m8 / 255.0, (8, 8))[0].tolist()


def test_swapped_frame_hw_is_an_error():
    m = np.zeros((1, 6, 8), np.float32)  # landscape mask, h = 6, w = 8
    masks_to_boxes(m, (60, 80))
    with pytest.raises(InputError, match="frame_hw looks swapped"):
        masks_to_boxes(m, (80, 60))
    masks_to_boxes(np.zeros((1, 7, 7)), (80, 60))  # a square mask fits any frame


def test_single_2d_mask():
    m = np.zeros((4, 4))
    m[1:3, 1:3] = 1.0
    boxes, has_box, inside = masks_to_boxes(m, (8, 8))
    assert boxes.shape == (4,) and boxes.tolist() == [2.0, 2.0, 6.0, 6.0]
    assert bool(has_box) and 0.5 < float(inside) <= 1.0


def test_empty_fraction_always_noted_and_warned_above_ten_percent():
    m = np.zeros((10, 4, 4), np.float32)
    m[:, 1:3, 1:3] = 1.0
    m[0] = 0.0  # 1 of 10 frames without a box: 10 %, not more -> a note but no warning
    rec = _rec(frame_idx=np.arange(10), masks=m)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dets = boxes_from_attention([rec])
    assert dets.notes == ("threshold 0.5 gave no box on 1 of 10 sampled frames (10.0 %)",)
    with pytest.warns(UserWarning, match=r"no box on 10 of 10 sampled frames \(100.0 %\)"):
        dets = boxes_from_attention([rec], threshold=5.0)
    assert dets.notes[0].startswith("warning:") and len(dets) == 0


def test_no_segment_fraction_in_notes():
    flat_low = _rec(frame_importance=np.array([1.0, 2.0, 3.0, 4.0]))
    with pytest.warns(UserWarning, match=r"no segment on 1 of 1 videos"):
        segs = segments_from_attention([flat_low], threshold=1.0)
    assert len(segs) == 0 and "100.0 %" in segs.notes[0]


# ------------------------------------------------------------------------------------------ segment rules

T = np.arange(8) * 0.1  # 10 fps


def test_paper_rule_on_a_one_dimensional_curve():
    # min-max: [0, .25, 1, 1, .25, 0, .75, 0]; > 0.5: runs 2..3 and 6 -> [0.2, 0.4) and [0.6, 0.7)
    t0, t1, s = weights_to_segments(np.array([0, 1, 4, 4, 1, 0, 3, 0.0]), T)
    np.testing.assert_allclose(t0, [0.2, 0.6])
    np.testing.assert_allclose(t1, [0.4, 0.7])
    np.testing.assert_allclose(s, [1.0, 0.75])


def test_multi_threshold_nms():
    # curve [0, .25, 1, 1, .25, 0, .75, 0] at thresholds 0.2 and 0.8:
    #   0.2 -> runs 1..4 ([0.1, 0.5), mean .625) and 6 ([0.6, 0.7), .75); 0.8 -> run 2..3 ([0.2, 0.4), 1.0)
    # NMS at 0.4: best 2..3 (1.0) kept; 1..4 has tIoU 0.2 / 0.4 = 0.5 >= 0.4 -> suppressed; 6 kept
    t0, t1, s = weights_to_segments(np.array([0, 1, 4, 4, 1, 0, 3, 0.0]), T, segment_rule="multi-threshold-nms",
                                    thresholds=(0.2, 0.8), nms_tiou=0.4)
    np.testing.assert_allclose(t0, [0.2, 0.6])
    np.testing.assert_allclose(s, [1.0, 0.75])
    # with a looser NMS (tIoU 0.6) the wide run survives too, in score order
    t0, _, s = weights_to_segments(np.array([0, 1, 4, 4, 1, 0, 3, 0.0]), T, segment_rule="multi-threshold-nms",
                                   thresholds=(0.2, 0.8), nms_tiou=0.6)
    np.testing.assert_allclose(s, [1.0, 0.75, 0.625])


def test_temporal_nms_ties_keep_input_order():
    keep = temporal_nms(np.array([0.0, 0.0, 2.0]), np.array([1.0, 1.0, 3.0]), np.array([0.5, 0.5, 0.5]), 0.7)
    assert keep.tolist() == [0, 2]


def test_outer_inner_contrast():
    # run 2..3 (L = 2, inflation 0.25 -> 0.5 frame): outer = frames floor(2 - 0.5) = 1 and
    # floor(3 + 0.5) = 3 -> right margin empty; outer mean = curve[1] = 0.25; inner 1.0 -> 0.75
    curve = np.array([0, 0.25, 1, 1, 0.25, 0, 0.75, 0])
    np.testing.assert_allclose(outer_inner_scores(curve, np.array([2]), np.array([4])), [0.75])
    # inflation 1.0: outer = 0..1 and 4..5 -> mean(0, .25, .25, 0) = 0.125 -> 0.875
    np.testing.assert_allclose(outer_inner_scores(curve, np.array([2]), np.array([4]), 1.0), [0.875])
    # a run covering the whole curve has no outer region: outer counts 0
    np.testing.assert_allclose(outer_inner_scores(np.ones(4), np.array([0]), np.array([4]), 0.5), [1.0])


def test_outer_inner_rule_scores_segments():
    rec = _rec(frame_idx=np.arange(8), frame_importance=np.array([0, 1, 4, 4, 1, 0, 3, 0.0]))
    segs = segments_from_attention([rec], segment_rule="outer-inner", inflation=1.0, gamma=0.2)
    # run 2..3: 0.875 + 0.2 * 0.8; run 6 (L = 1): outer = 5 and 7 -> 0; inner .75 -> .75 + .16
    np.testing.assert_allclose(segs.score, [0.875 + 0.16, 0.75 + 0.16])


def test_weights_to_segments_stack_and_flat_curve():
    out = weights_to_segments(np.stack([np.ones(8), np.array([0, 1, 4, 4, 1, 0, 3, 0.0])]), T)
    assert len(out) == 2
    # a flat curve is all ones after min-max: one segment over the whole sampled video
    np.testing.assert_allclose(out[0][0], [0.0])
    np.testing.assert_allclose(out[0][1], [0.8])


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="segment_rule"):
        weights_to_segments(np.ones(3), np.arange(3) * 0.1, segment_rule="nms")
