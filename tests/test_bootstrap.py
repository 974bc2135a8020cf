"""evaluators/bootstrap.py: match once, weighted AP per resample.

Three kinds of checks:
- parity: the full-sample AP / CorLoc equal the evaluators' on the shared reference files (1e-9);
- replication: the AP of a resample (integer video weights) equals the evaluator run on the
  resampled data set written out explicitly (each drawn video copied under a new name);
- hand-made cases whose intervals and p-values are reasoned out in the comments.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotations.activitynet import read_gt_json, read_results_json
from annotations.boxes_io import read_boxes_csv, read_tubes_csv
from annotations.errors import InputError
from annotations.textfiles import read_split_list
from annotations.thumos14 import read_class_txt_dir
from annotations.types import FrameBoxes, Segments, Tube
from annotations.ucf101_24 import read_pyannot
from evaluators import bootstrap as bs
from evaluators.frame_ap import frame_ap, frame_corloc
from evaluators.temporal import temporal_corloc, temporal_map
from evaluators.video_ap import video_ap

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
TIOUS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


@pytest.fixture(scope="module")
def temporal():
    dets = read_results_json(SHARED / "reference" / "temporal" / "detections.json")
    return {"activitynet": read_gt_json(THUMOS / "thumos_gt.json", "test"),
            "thumos14": read_class_txt_dir(THUMOS / "groundtruth", "test")}, dets


@pytest.fixture(scope="module")
def ucf():
    return read_pyannot(SHARED / "data" / "ucf101_24" / "pyannot.pkl")


@pytest.fixture(scope="module")
def spatial(ucf):
    ref = SHARED / "reference" / "spatial"
    videos = read_split_list(ref / "videos.txt")
    return ucf.frame_boxes(videos), read_boxes_csv(ref / "detections.csv", classes=ucf.classes)


@pytest.fixture(scope="module")
def tubes(ucf):
    ref = SHARED / "reference" / "video"
    videos = read_split_list(ref / "videos.txt")
    return ucf.tubes_of(videos), read_tubes_csv(ref / "tubes.csv"), videos


# ------------------------------------------------------------------------------------------ replication helpers

def _copies(video: np.ndarray, weight_of: dict):
    """Row index of every copy (copies of a row adjacent) and the copy's new video name."""
    w = np.array([weight_of.get(v, 1) for v in video.tolist()], dtype=np.int64)
    rows = np.repeat(np.arange(len(video)), w)
    j = np.arange(len(rows)) - np.repeat(np.cumsum(w) - w, w)
    names = np.array([f"{video[r]}#{k}" if video[r] in weight_of else video[r] for r, k in zip(rows, j)], dtype=object)
    return rows, names.astype(str)


def _replicate_segments(seg: Segments, weight_of: dict, videos) -> Segments:
    rows, names = _copies(seg.video, weight_of)
    return Segments(names, seg.t_start_s[rows], seg.t_end_s[rows], seg.label[rows],
                    None if seg.score is None else seg.score[rows], videos=videos)


def _replicate_boxes(fb: FrameBoxes, weight_of: dict, videos) -> FrameBoxes:
    rows, names = _copies(fb.video, weight_of)
    return FrameBoxes(names, fb.frame_idx[rows], fb.label[rows], fb.boxes_xyxy[rows],
                      None if fb.score is None else fb.score[rows], videos=videos)


def _replicate_tubes(tubes, weight_of: dict):
    return tuple(Tube(f"{t.video}#{k}", t.label, t.frame_idx, t.boxes_xyxy, t.score)
                 for t in tubes for k in range(weight_of.get(t.video, 0)))


def _resample(units, seed):
    w = bs.video_weights(len(units), 1, seed)[0]
    weight_of = dict(zip(units, w.tolist()))
    videos = tuple(f"{v}#{k}" for v, n in zip(units, w.tolist()) for k in range(n))
    return w, weight_of, videos


# ------------------------------------------------------------------------------------------ parity

@pytest.mark.parametrize("protocol", ["activitynet", "thumos14"])
def test_temporal_full_sample_equals_temporal_map(temporal, protocol):
    gts, dets = temporal
    gt = gts[protocol]
    ref = temporal_map(gt, dets, TIOUS, protocol=protocol, unknown_videos="fp")
    m = bs.match_temporal(gt, dets, TIOUS, protocol, unknown_videos="fp")
    assert m.classes == ref.classes and len(m.videos) == len(gt.videos)
    np.testing.assert_allclose(bs.full_sample_ap(m), ref.ap, atol=1e-9, rtol=0)
    ones = bs.resampled_ap(m, np.ones((1, len(m.videos))))[0]
    np.testing.assert_allclose(ones, ref.ap, atol=1e-9, rtol=0)
    np.testing.assert_allclose(bs.class_mean(ones[None])[0], ref.mean_ap, atol=1e-9, rtol=0)
    assert (m.det_unit == -1).sum() > 0  # the reference file has one video outside the ground truth
    c = bs.temporal_corloc_counts(gt, dets, TIOUS, unknown_videos="fp")
    ref_c = temporal_corloc(gt, dets, TIOUS, unknown_videos="fp")
    np.testing.assert_allclose(bs.resampled_corloc(c, np.ones((1, len(c.videos))))[0], ref_c.corloc, atol=1e-9)


@pytest.mark.parametrize("protocol,tol", [("voc", 1e-9), ("act", 1e-6)])  # act: ACT sums in float32
def test_frame_full_sample_equals_frame_ap(spatial, ucf, protocol, tol):
    gt, dets = spatial
    th = (0.05, 0.1, 0.2, 0.3, 0.5)
    ref = frame_ap(gt, dets, th, protocol=protocol, classes=ucf.classes)
    m = bs.match_frames(gt, dets, th, protocol, classes=ucf.classes)
    np.testing.assert_allclose(bs.full_sample_ap(m), ref.ap, atol=1e-9, rtol=0)
    np.testing.assert_allclose(bs.resampled_ap(m, np.ones((1, len(m.videos))))[0], ref.ap, atol=tol, rtol=0)
    c = bs.frame_corloc_counts(gt, dets, th, classes=ucf.classes)
    ref_c = frame_corloc(gt, dets, th, classes=ucf.classes)
    np.testing.assert_allclose(bs.resampled_corloc(c, np.ones((1, len(c.videos))))[0], ref_c.corloc, atol=1e-9)


def test_video_full_sample_equals_video_ap(tubes, ucf):
    gt, dets, videos = tubes
    th = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75)
    ref = video_ap(gt, dets, th, classes=ucf.classes)
    m = bs.match_tubes(gt, dets, th, classes=ucf.classes, videos=videos)
    np.testing.assert_allclose(bs.full_sample_ap(m), ref.ap, atol=1e-9, rtol=0)
    np.testing.assert_allclose(bs.resampled_ap(m, np.ones((1, len(m.videos))))[0], ref.ap, atol=1e-6, rtol=0)


def test_coco_is_refused_with_a_message(spatial, ucf):
    gt, dets = spatial
    with pytest.raises(InputError, match="voc and act"):
        bs.match_frames(gt, dets, (0.5,), "coco", classes=ucf.classes)


# ------------------------------------------------------------------------------------------ replication

@pytest.mark.parametrize("protocol", ["activitynet", "thumos14"])
@pytest.mark.parametrize("seed", [1, 2])
def test_temporal_resample_equals_evaluating_the_copied_videos(temporal, protocol, seed):
    gts, dets = temporal
    gt = gts[protocol]
    known = dets.select(np.isin(dets.video, np.asarray(gt.videos)))
    m = bs.match_temporal(gt, known, TIOUS, protocol)
    w, weight_of, videos = _resample(m.videos, seed)
    assert w.max() >= 2 and (w == 0).any()
    expected = temporal_map(_replicate_segments(gt, weight_of, videos), _replicate_segments(known, weight_of, videos),
                            TIOUS, protocol=protocol, classes=m.classes)
    np.testing.assert_allclose(bs.resampled_ap(m, w[None])[0], expected.ap, atol=1e-9, rtol=0)
    c = bs.temporal_corloc_counts(gt, known, TIOUS)
    expected_c = temporal_corloc(_replicate_segments(gt, weight_of, videos),
                                 _replicate_segments(known, weight_of, videos), TIOUS, classes=m.classes)
    np.testing.assert_allclose(bs.resampled_corloc(c, w[None])[0], expected_c.corloc, atol=1e-9)


@pytest.mark.parametrize("protocol,tol", [("voc", 1e-9), ("act", 1e-6)])
def test_frame_resample_equals_evaluating_the_copied_videos(spatial, ucf, protocol, tol):
    gt, dets = spatial
    th = (0.1, 0.3, 0.5)
    m = bs.match_frames(gt, dets, th, protocol, classes=ucf.classes)
    w, weight_of, videos = _resample(m.videos, 3)
    expected = frame_ap(_replicate_boxes(gt, weight_of, videos), _replicate_boxes(dets, weight_of, videos), th,
                        protocol=protocol, classes=ucf.classes)
    np.testing.assert_allclose(bs.resampled_ap(m, w[None])[0], expected.ap, atol=tol, rtol=0)


def test_video_resample_equals_evaluating_the_copied_videos(tubes, ucf):
    gt, dets, videos = tubes
    th = (0.2, 0.5)
    m = bs.match_tubes(gt, dets, th, classes=ucf.classes, videos=videos)
    w, weight_of, _ = _resample(m.videos, 4)
    expected = video_ap(_replicate_tubes(gt, weight_of), _replicate_tubes(dets, weight_of), th, classes=ucf.classes)
    np.testing.assert_allclose(bs.resampled_ap(m, w[None])[0], expected.ap, atol=1e-6, rtol=0)


# ------------------------------------------------------------------------------------------ hand-made cases

def _seg(videos, starts, ends, labels, scores=None, units=None):
    return Segments(np.array(videos), np.array(starts, float), np.array(ends, float), np.array(labels),
                    None if scores is None else np.array(scores, float), videos=tuple(units or ()))


def test_one_video_gives_a_degenerate_interval():
    # with a single video every resample draws it once: every resample is the evaluated set
    gt = _seg(["a", "a"], [0, 10], [5, 15], ["x", "x"], units=["a"])
    det = _seg(["a", "a", "a"], [0, 20, 10], [5, 25, 14], ["x", "x", "x"], [0.9, 0.8, 0.7])
    m = bs.match_temporal(gt, det, [0.5], "activitynet")
    w = bs.video_weights(1, 200, seed=0)
    assert np.all(w == 1)
    samples = bs.class_mean(bs.resampled_ap(m, w))
    lo, hi = bs.percentile_interval(samples)
    point = bs.class_mean(bs.full_sample_ap(m)[None])[0]
    # ranks: TP (1/1), FP, TP (2/3): AP = 0.5 * 1 + 0.5 * 2/3
    assert point[0] == pytest.approx(0.5 + 1 / 3)
    assert lo[0] == pytest.approx(point[0]) and hi[0] == pytest.approx(point[0])


def test_identical_methods_give_zero_difference_and_p_one():
    gt = _seg(["a", "b", "c"], [0, 0, 0], [5, 5, 5], ["x", "x", "y"], units=["a", "b", "c"])
    det = _seg(["a", "b", "c"], [0, 3, 0], [5, 9, 4], ["x", "x", "y"], [0.9, 0.8, 0.7])
    m = bs.match_temporal(gt, det, [0.3, 0.5], "thumos14")
    w = bs.video_weights(3, 500, seed=1)
    a = bs.class_mean(bs.resampled_ap(m, w))
    b = bs.class_mean(bs.resampled_ap(bs.match_temporal(gt, det, [0.3, 0.5], "thumos14"), w))
    delta = b - a
    assert np.all(delta[~np.isnan(delta)] == 0)
    lo, hi = bs.percentile_interval(delta)
    assert lo.tolist() == [0.0, 0.0] and hi.tolist() == [0.0, 0.0]
    assert bs.paired_p_value(delta).tolist() == [1.0, 1.0]


def test_two_videos_by_hand():
    # video a: its instance found (score 0.9); video b: its instance missed, a false positive (0.8).
    # Resamples {a,a} (prob 1/4): AP 1; {b,b} (1/4): AP 0; {a,b} (1/2): AP 0.5 (TP then FP, 2 instances).
    gt = _seg(["a", "b"], [0, 0], [10, 10], ["x", "x"], units=["a", "b"])
    det = _seg(["a", "b"], [0, 50], [10, 60], ["x", "x"], [0.9, 0.8])
    m = bs.match_temporal(gt, det, [0.5], "activitynet")
    w = bs.video_weights(2, 4000, seed=7)
    ap = bs.resampled_ap(m, w)[:, 0, 0]
    np.testing.assert_allclose(ap, np.select([w[:, 0] == 2, w[:, 1] == 2], [1.0, 0.0], 0.5))
    assert abs(np.mean(ap == 1.0) - 0.25) < 0.03 and abs(np.mean(ap == 0.5) - 0.5) < 0.03
    lo, hi = bs.percentile_interval(ap[:, None])
    assert lo.tolist() == [0.0] and hi.tolist() == [1.0]
    # a second method also finds b's instance (score 0.85): equal to the first on {a,a} only, better
    # otherwise, so P(delta <= 0) = 1/4 and p = 2 * 1/4 = 0.5
    det2 = _seg(["a", "b", "b"], [0, 50, 0], [10, 60, 10], ["x", "x", "x"], [0.9, 0.8, 0.85])
    ap2 = bs.resampled_ap(bs.match_temporal(gt, det2, [0.5], "activitynet"), w)[:, 0, 0]
    delta = ap2 - ap
    assert np.all(delta[w[:, 0] == 2] == 0) and np.all(delta[w[:, 0] < 2] > 0)
    assert abs(bs.paired_p_value(delta[:, None])[0] - 0.5) < 0.06


@pytest.mark.parametrize("mode,expected", [("fp", 2 / 3), ("drop", 1.0)])
def test_unknown_video_detections_count_once_in_every_resample(mode, expected):
    # video a drawn twice: two copies of its true positive (score 0.5). With 'fp' the unknown video's
    # detection (0.9) ranks first once: precisions 1/2, 2/3 -> interpolated 2/3 at both recall steps.
    gt = _seg(["a"], [0], [10], ["x"], units=["a"])
    det = _seg(["a", "z"], [0, 0], [10, 10], ["x", "x"], [0.5, 0.9])
    m = bs.match_temporal(gt, det, [0.5], "activitynet", unknown_videos=mode)
    assert bs.resampled_ap(m, np.array([[2]]))[0, 0, 0] == pytest.approx(expected)
    with pytest.raises(InputError, match="unknown_videos='fp'"):
        bs.match_temporal(gt, det, [0.5], "activitynet")


def test_non_interpolated_copies_by_hand():
    # THUMOS'14 AP with detections FP (0.9, video b) then TP (0.8, video a); a drawn twice, b once:
    # ranking FP, TP, TP over 2 instances: (1/2 + 2/3) / 2
    gt = _seg(["a", "b"], [0, 100], [10, 110], ["x", "x"], units=["a", "b"])
    det = _seg(["b", "a"], [0, 0], [10, 10], ["x", "x"], [0.9, 0.8])
    m = bs.match_temporal(gt, det, [0.5], "thumos14")
    got = bs.resampled_ap(m, np.array([[2, 1]]))[0, 0, 0]
    assert got == pytest.approx((1 / 2 + 2 / 3) / 3)  # G = 2 (a) + 1 (b) = 3 instances
    # trapezoids (ACT) for the same ranking: points (0,1) (0,0) (1/3,1/2) (2/3,2/3)
    m_act = bs.MatchTable("act", "trapezoid_f32", m.thresholds, m.classes, m.videos, m.det_cls, m.det_unit,
                          m.is_tp, m.ignored, m.gt_count)
    trap = (1 / 3) * (0 + 1 / 2) / 2 + (1 / 3) * (1 / 2 + 2 / 3) / 2
    assert bs.resampled_ap(m_act, np.array([[2, 1]]))[0, 0, 0] == pytest.approx(trap)


def test_class_missing_from_a_resample_leaves_the_mean():
    gt = _seg(["a", "b"], [0, 0], [10, 10], ["x", "y"], units=["a", "b"])
    det = _seg(["a"], [0], [10], ["x"], [0.9])
    m = bs.match_temporal(gt, det, [0.5], "activitynet")
    ap = bs.resampled_ap(m, np.array([[2, 0], [1, 1]]))
    assert np.isnan(ap[0, 1, 0]) and bs.class_mean(ap)[:, 0].tolist() == [1.0, 0.5]


def test_weights_are_seeded_and_sum_to_the_number_of_videos():
    a, b = bs.video_weights(7, 50, seed=3), bs.video_weights(7, 50, seed=3)
    assert np.array_equal(a, b) and np.all(a.sum(axis=1) == 7)
    assert not np.array_equal(a, bs.video_weights(7, 50, seed=4))
