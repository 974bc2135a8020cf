"""THUMOS'14 readers and writers: counts of the real files, round trips, and every InputError."""
from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pytest

from annotations.errors import InputError
from annotations.thumos14 import (BUNDLED_CLASS_INDEX, read_class_index, read_class_txt_dir, read_detections_txt,
                                  read_groundtruth_csv, read_video_info_csv, write_class_txt_dir,
                                  write_detections_txt, write_video_info_csv)
from annotations.types import AMBIGUOUS, Segments

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"


# ----------------------------------------------------------------------------- class index


def test_bundled_class_index_is_the_official_one():
    bundled = read_class_index()
    assert len(bundled) == 20
    assert bundled[7] == "BaseballPitch" and bundled[97] == "VolleyballSpiking" and bundled[26] == "Diving"
    assert bundled == read_class_index(THUMOS / "class_index_detection.txt")  # CRLF file
    assert read_class_index(BUNDLED_CLASS_INDEX) == bundled


@pytest.mark.parametrize("text, problem", [
    ("7 BaseballPitch extra\n", "columns"),
    ("seven BaseballPitch\n", "not an integer"),
    ("7 A\n7 B\n", "appears twice"),
    ("7 A\n8 A\n", "appears twice"),
    ("\n\n", "empty"),
])
def test_class_index_errors(tmp_path, text, problem):
    p = tmp_path / "classes.txt"
    p.write_text(text)
    with pytest.raises(InputError, match=problem) as e:
        read_class_index(p)
    assert e.value.path == str(p)


# ----------------------------------------------------------------------------- ground-truth directory


def test_real_test_ground_truth_counts():
    gt = read_class_txt_dir(THUMOS / "groundtruth", "test")
    assert len(gt) == 3457
    assert len(gt.videos) == 213
    assert int((gt.label == AMBIGUOUS).sum()) == 99
    assert len(gt.classes) == 20 and AMBIGUOUS not in gt.classes
    # every CliffDiving instance is also a Diving instance
    key = lambda lab: {(v, s, e) for v, s, e in zip(gt.video[gt.label == lab], gt.t_start_s[gt.label == lab],
                                                      gt.t_end_s[gt.label == lab])}
    assert key("CliffDiving") <= key("Diving")
    first = np.flatnonzero(gt.label == "BaseballPitch")[0]
    assert (gt.video[first], gt.t_start_s[first], gt.t_end_s[first]) == ("video_test_0000324", 49.2, 53.5)
    val = read_class_txt_dir(THUMOS / "groundtruth", "val")
    assert len(val.videos) > 0 and set(val.videos).isdisjoint(gt.videos)


def test_class_txt_dir_round_trip(tmp_path):
    gt = read_class_txt_dir(THUMOS / "groundtruth", "test")
    write_class_txt_dir(tmp_path, gt, "test")
    again = read_class_txt_dir(tmp_path, "test")
    for name in ("video", "t_start_s", "t_end_s", "label"):
        assert np.array_equal(getattr(gt, name), getattr(again, name)), name
    assert again.videos == gt.videos
    original = (THUMOS / "groundtruth" / "BaseballPitch_test.txt").read_text().split()
    assert (tmp_path / "BaseballPitch_test.txt").read_text().split() == original


def _gt_dir(tmp_path, overrides=None, drop=()):
    """A complete per-class directory (empty files) with some contents replaced."""
    for name in list(read_class_index().values()) + [AMBIGUOUS]:
        if name not in drop:
            (tmp_path / f"{name}_test.txt").write_text("")
    for name, text in (overrides or {}).items():
        (tmp_path / f"{name}_test.txt").write_text(text)
    return tmp_path


@pytest.mark.parametrize("text, where, problem", [
    ("video_a 1.0\n", "line 1", "3 columns|found 2"),
    ("video_a 1.0 2.0\nvideo_b 1.0 x\n", "line 2", "not a number"),
    ("video_a 5.0 2.0\n", "line 1", "ends before it starts"),
    ("video_a nan 2.0\n", "line 1", "NaN"),
])
def test_class_txt_dir_line_errors(tmp_path, text, where, problem):
    _gt_dir(tmp_path, {"Diving": text})
    with pytest.raises(InputError, match=problem) as e:
        read_class_txt_dir(tmp_path)
    assert e.value.path.endswith("Diving_test.txt") and e.value.where == where


def test_class_txt_dir_file_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_class_txt_dir(tmp_path / "nope")
    _gt_dir(tmp_path, drop=("Billiards",))
    with pytest.raises(InputError, match="missing") as e:
        read_class_txt_dir(tmp_path)
    assert e.value.path.endswith("Billiards_test.txt")
    _gt_dir(tmp_path, {"Skating": "video_a 1 2\n"})
    with pytest.raises(InputError, match="not in the class index") as e:
        read_class_txt_dir(tmp_path)
    assert e.value.path.endswith("Skating_test.txt")


def test_class_txt_dir_blank_lines_and_empty_ambiguous(tmp_path):
    _gt_dir(tmp_path, {"Diving": "\nv1  1.5 2.5\n\n", "HighJump": "v2 0 1\r\n"})
    gt = read_class_txt_dir(tmp_path)
    assert gt.video.tolist() == ["v1", "v2"]  # class-index order: Diving (26) before HighJump (40)
    assert gt.videos == ("v1", "v2")
    assert dict(zip(gt.video.tolist(), gt.label.tolist())) == {"v1": "Diving", "v2": "HighJump"}


# ----------------------------------------------------------------------------- detections txt


def test_real_detections_txt():
    det = read_detections_txt(SHARED / "reference" / "temporal" / "detections.txt")
    assert len(det) == 4747 and det.score is not None
    assert (det.video[0], det.t_start_s[0], det.t_end_s[0], det.label[0], det.score[0]) == (
        "video_test_0000324", 53.21, 58.51, "BaseballPitch", 0.460826)
    assert len(np.unique(det.score)) == len(det)


def test_detections_txt_round_trip_and_mp4_suffix(tmp_path):
    p = tmp_path / "det.txt"
    p.write_text("video_test_1.mp4 1.5 2.25 7 0.5\n\nvideo_test_2\t0 10\t97\t1e-3\n")
    det = read_detections_txt(p)
    assert det.video.tolist() == ["video_test_1", "video_test_2"]
    assert det.label.tolist() == ["BaseballPitch", "VolleyballSpiking"]
    assert det.score.tolist() == [0.5, 0.001]
    out = tmp_path / "out.txt"
    write_detections_txt(out, det)
    again = read_detections_txt(out)
    for name in ("video", "t_start_s", "t_end_s", "label", "score"):
        assert np.array_equal(getattr(det, name), getattr(again, name)), name
    assert out.read_text().splitlines()[0] == "video_test_1 1.5 2.25 7 0.5"


@pytest.mark.parametrize("text, where, problem", [
    ("v 1 2 7\n", "line 1", "found 4 columns"),
    ("v 1 2 7 0.5 extra\n", "line 1", "found 6 columns"),
    ("v 1 2 7 0.5\nv a 2 7 0.5\n", "line 2", "t_start is not a number"),
    ("v 1 2 seven 0.5\n", "line 1", "class id is not an integer"),
    ("v 1 2 8 0.5\n", "line 1", "class id 8 is not"),
    ("v 1 2 7 nan\n", "line 1", "score is NaN"),
    ("v 1 2 7 inf\n", "line 1", "infinite"),
])
def test_detections_txt_errors(tmp_path, text, where, problem):
    p = tmp_path / "det.txt"
    p.write_text(text)
    with pytest.raises(InputError, match=problem) as e:
        read_detections_txt(p)
    assert e.value.path == str(p) and e.value.where == where


def test_detections_txt_empty_and_missing(tmp_path):
    p = tmp_path / "det.txt"
    p.write_text("\n  \n")
    with pytest.raises(InputError, match="empty"):
        read_detections_txt(p)
    with pytest.raises(InputError, match="does not exist"):
        read_detections_txt(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="directory"):
        read_detections_txt(tmp_path)


def test_write_detections_rejects_unknown_label(tmp_path):
    det = Segments(["v"], [0.0], [1.0], ["Skating"], [0.5])
    with pytest.raises(InputError, match="no THUMOS'14 class id"):
        write_detections_txt(tmp_path / "x.txt", det)
    assert not (tmp_path / "x.txt").exists()


# ----------------------------------------------------------------------------- CSVs


@pytest.mark.parametrize("name, count", [("test_video_info.csv", 212), ("val_video_info.csv", 200)])
def test_video_info_csv_real_and_byte_identical_rewrite(tmp_path, name, count):
    infos = read_video_info_csv(THUMOS / name)
    assert len(infos) == count
    fps = collections.Counter(i.fps for i in infos.values())
    assert set(fps) <= {30.0, 29.97002997002997, 25.0, 24.0} and fps[30.0] > count / 2
    out = tmp_path / name
    write_video_info_csv(out, infos)
    assert out.read_bytes() == (THUMOS / name).read_bytes()


def test_video_info_values():
    info = read_video_info_csv(THUMOS / "test_video_info.csv")["video_test_0000004"]
    assert (info.fps, info.num_frames) == (30.0, 1012)
    assert info.duration_s == pytest.approx(1012 / 30)


@pytest.mark.parametrize("text, where, problem", [
    ("video,fps\nv,30\n", "line 1", "lacks column"),
    ("video,fps,count\nv,0,10\n", "line 2", "fps must be positive"),
    ("video,fps,count\nv,30,10.5\n", "line 2", "whole number"),
    ("video,fps,count\nv,30,abc\n", "line 2", "not a number"),
    ("video,fps,count\nv,30\n", "line 2", "columns"),
    ("video,fps,count\nv,30,10\nv,30,10\n", "line 3", "twice"),
])
def test_video_info_csv_errors(tmp_path, text, where, problem):
    p = tmp_path / "info.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=problem) as e:
        read_video_info_csv(p)
    assert e.value.where == where


def test_groundtruth_csv_matches_class_txt_dir():
    seg, infos = read_groundtruth_csv(THUMOS / "thumos14_test_groundtruth.csv")
    assert len(seg) == 3457 and len(infos) == 213 and len(seg.videos) == 213
    assert int((seg.label == AMBIGUOUS).sum()) == 99
    txt = read_class_txt_dir(THUMOS / "groundtruth", "test")
    rows = lambda s: collections.Counter(zip(s.video.tolist(), s.t_start_s.tolist(), s.t_end_s.tolist(),
                                             s.label.tolist()))
    assert rows(seg) == rows(txt)
    info = infos["video_test_0000278"]
    assert (info.num_frames, info.fps, info.duration_s) == (6455, 30.0, 215.166667)
    assert collections.Counter(i.fps for i in infos.values())[29.97002997] > 0


@pytest.mark.parametrize("row, problem", [
    ("v,0.0,1.4,0,42,215.1,30.0,6455,20", "out of range"),
    ("v,0.0,1.4,0,42,215.1,30.0,6455,x", "not an integer"),
    ("v,2.0,1.4,0,42,215.1,30.0,6455,3", "ends before"),
])
def test_groundtruth_csv_errors(tmp_path, row, problem):
    p = tmp_path / "gt.csv"
    p.write_text("video-name,t-init,t-end,f-init,f-end,video-duration,frame-rate,video-frames,label-idx\n" + row + "\n")
    with pytest.raises(InputError, match=problem) as e:
        read_groundtruth_csv(p)
    assert e.value.where == "line 2"


def test_groundtruth_csv_inconsistent_video(tmp_path):
    p = tmp_path / "gt.csv"
    p.write_text("video-name,t-init,t-end,f-init,f-end,video-duration,frame-rate,video-frames,label-idx\n"
                 "v,0,1,0,30,10,30,300,-1\nv,2,3,60,90,10,25,300,0\n")
    with pytest.raises(InputError, match="different duration") as e:
        read_groundtruth_csv(p)
    assert e.value.where == "line 3"
