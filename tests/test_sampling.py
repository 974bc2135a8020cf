"""Frame sampling and frame/time bookkeeping (locbench.video.sampling)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from locbench.video.sampling import (frame_at_time, frame_times_s, resample_indices, sample_clip, sample_count,
                                     sliding_windows, window_starts)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"


# ------------------------------------------------------------------------------------- times


def test_frame_times_are_frame_starts():
    np.testing.assert_array_equal(frame_times_s([0, 1, 30, 45], 30.0), [0.0, 1 / 30, 1.0, 1.5])
    assert frame_times_s(np.array([3]), 25.0).dtype == np.float64


@pytest.mark.parametrize("fps", [30.0, 25.0, 24.0, 15.0, 30000 / 1001])
def test_frame_at_time_inverts_frame_times(fps):
    k = np.arange(0, 20000, 7)
    np.testing.assert_array_equal(frame_at_time(frame_times_s(k, fps), fps), k)
    # any time inside [k/fps, (k+1)/fps) maps to k
    np.testing.assert_array_equal(frame_at_time((k + 0.999) / fps, fps), k)


def test_frame_at_time_hand_cases():
    np.testing.assert_array_equal(frame_at_time([0.0, 0.099, 0.1, 1.0, 2.05], 10.0), [0, 0, 1, 10, 20])


# ------------------------------------------------------------------------------- resampling


def test_sample_count_rule():
    assert sample_count(1012, 30.0, 10.0) == 337  # floor(337.33)
    assert sample_count(1011, 30.0, 10.0) == 337  # exact: no off-by-one from float error
    assert sample_count(9, 15.0, 10.0) == 6
    assert sample_count(0, 30.0, 10.0) == 0
    assert sample_count(7, 5.0, 10.0) == 14


@pytest.mark.parametrize("name", ["test_video_info.csv", "val_video_info.csv"])
def test_sample_count_matches_thumos_video_info(name):
    """Parity: the official CSVs' sample_count column for every video (30, 29.97, 25 and 24 fps)."""
    with open(THUMOS / name, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 200
    got = [sample_count(int(float(r["count"])), float(r["fps"]), float(r["sample_fps"])) for r in rows]
    want = [int(r["sample_count"]) for r in rows]
    assert got == want
    assert {round(float(r["fps"]), 2) for r in rows} >= {30.0, 29.97, 25.0}


def test_resample_indices_hand_cases():
    np.testing.assert_array_equal(resample_indices(20, 15.0, 10.0), [0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18])
    np.testing.assert_array_equal(resample_indices(10, 30.0, 10.0), [0, 3, 6])
    np.testing.assert_array_equal(resample_indices(3, 5.0, 10.0), [0, 0, 1, 1, 2, 2])  # slower video: repeats
    assert len(resample_indices(2, 30.0, 10.0)) == 0


@pytest.mark.parametrize("fps", [30.0, 30000 / 1001, 25.0, 24.0, 15.0, 10.0, 7.5])
def test_resampled_frame_is_the_one_on_screen(fps):
    n = 3001
    idx = resample_indices(n, fps, 10.0)
    j = np.arange(len(idx))
    assert len(idx) == sample_count(n, fps, 10.0)
    assert idx.min() >= 0 and idx.max() < n
    assert np.all(np.diff(idx) >= 0)
    t = j / 10.0
    # frame idx covers [idx/fps, (idx+1)/fps) which contains the sample time
    assert np.all(frame_times_s(idx, fps) <= t + 1e-9)
    assert np.all(t < frame_times_s(idx + 1, fps) + 1e-9)


def test_resample_rejects_bad_rates():
    with pytest.raises(ValueError):
        resample_indices(10, 0.0, 10.0)
    with pytest.raises(ValueError):
        resample_indices(10, 30.0, -1.0)


# ---------------------------------------------------------------------------------- windows


def test_window_starts_hand_cases():
    np.testing.assert_array_equal(window_starts(16, 4), [0, 4, 8, 12])
    np.testing.assert_array_equal(window_starts(10, 4), [0, 4, 6])  # last one shifted back to end at 10
    np.testing.assert_array_equal(window_starts(10, 4, 2), [0, 2, 4, 6])
    np.testing.assert_array_equal(window_starts(11, 4, 3), [0, 3, 6, 7])
    np.testing.assert_array_equal(window_starts(3, 4), [0])
    np.testing.assert_array_equal(window_starts(4, 4), [0])
    assert len(window_starts(0, 4)) == 0
    with pytest.raises(ValueError):
        window_starts(10, 0)
    with pytest.raises(ValueError):
        window_starts(10, 4, 0)


@pytest.mark.parametrize("total,window,stride", [(1, 16, None), (16, 16, None), (17, 16, None), (100, 16, None),
                                                 (100, 16, 8), (100, 16, 5), (33, 8, 16)])
def test_windows_cover_every_item_and_end_at_the_last(total, window, stride):
    starts = window_starts(total, window, stride)
    covered = np.zeros(total, dtype=bool)
    for s in starts:
        covered[s: s + window] = True
    if stride is None or stride <= window:
        assert covered.all()
    assert min(starts[-1] + window, total) == total
    assert np.all(np.diff(starts) > 0)


def test_sliding_windows_are_source_indices():
    wins = sliding_windows(20, 15.0, 10.0, window=4)
    sampled = resample_indices(20, 15.0, 10.0)  # 13 sampled frames
    assert [w.tolist() for w in wins] == [[0, 1, 3, 4], [6, 7, 9, 10], [12, 13, 15, 16], [13, 15, 16, 18]]
    assert set(np.concatenate(wins).tolist()) == set(sampled.tolist())


def test_sliding_windows_short_video_is_padded_with_its_last_frame():
    wins = sliding_windows(5, 30.0, 10.0, window=4)  # one sampled frame (floor(5/3) = 1)
    assert len(wins) == 1
    np.testing.assert_array_equal(wins[0], [0, 0, 0, 0])
    wins = sliding_windows(7, 10.0, 10.0, window=4, stride=2)
    assert [w.tolist() for w in wins] == [[0, 1, 2, 3], [2, 3, 4, 5], [3, 4, 5, 6]]
    assert sliding_windows(2, 30.0, 10.0, window=4) == []


def test_sliding_windows_shapes_on_a_long_video():
    wins = sliding_windows(14482, 30.0, 10.0, window=16, stride=8)
    assert all(w.shape == (16,) and w.dtype == np.int64 for w in wins)
    assert wins[-1][-1] == resample_indices(14482, 30.0, 10.0)[-1]


# ------------------------------------------------------------------------------------ clips


def test_sample_clip_hand_cases():
    np.testing.assert_array_equal(sample_clip(10, 4), [1, 3, 6, 8])
    np.testing.assert_array_equal(sample_clip(8, 8), np.arange(8))
    np.testing.assert_array_equal(sample_clip(3, 5), [0, 0, 1, 2, 2])  # short video: frames repeat
    np.testing.assert_array_equal(sample_clip(1, 3), [0, 0, 0])
    np.testing.assert_array_equal(sample_clip(100, 1), [50])


@pytest.mark.parametrize("num_frames,n", [(1, 16), (15, 16), (16, 16), (17, 16), (301, 16), (1000, 7)])
def test_sample_clip_is_sorted_in_range_and_spread(num_frames, n):
    idx = sample_clip(num_frames, n)
    assert idx.shape == (n,) and idx.dtype == np.int64
    assert idx.min() >= 0 and idx.max() < num_frames
    assert np.all(np.diff(idx) >= 0)
    seg = num_frames / n
    # each sample lies in its own segment [i*seg, (i+1)*seg)
    assert np.all(idx >= np.floor(np.arange(n) * seg)) and np.all(idx < np.arange(1, n + 1) * seg)


def test_sample_clip_rejects_nonsense():
    with pytest.raises(ValueError):
        sample_clip(0, 4)
    with pytest.raises(ValueError):
        sample_clip(10, 0)
