"""ActivityNet-style JSON readers/writers and the format-detecting loaders of ``temporal_io``."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from annotations.activitynet import read_gt_json, read_results_json, write_gt_json, write_results_json
from annotations.errors import InputError
from annotations.temporal_io import load_temporal_detections, load_temporal_gt
from annotations.types import AMBIGUOUS, Segments

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
REF = SHARED / "reference" / "temporal"


def write_json(path, data):
    path.write_text(json.dumps(data))
    return path


# ----------------------------------------------------------------------------- ground truth


def test_real_gt_json_test_subset():
    gt = read_gt_json(THUMOS / "thumos_gt.json", "test")
    assert len(gt.videos) == 210 and len(gt) == 3311
    assert AMBIGUOUS not in set(gt.label.tolist()) and len(gt.classes) == 20
    assert {"video_test_0000270", "video_test_0001496", "video_test_0001292"}.isdisjoint(gt.videos)
    # string bounds are parsed: the first annotation of the file is HighJump 18.6-24.8
    assert (gt.video[0], gt.t_start_s[0], gt.t_end_s[0], gt.label[0]) == ("video_test_0000896", 18.6, 24.8, "HighJump")
    train = read_gt_json(THUMOS / "thumos_gt.json", "train")
    assert len(train.videos) == 200


def test_gt_json_keeps_videos_without_annotations_and_round_trips(tmp_path):
    p = write_json(tmp_path / "gt.json", {"database": {
        "a": {"subset": "test", "annotations": [{"segment": ["1.5", 3], "label": "X"}]},
        "b": {"subset": "test", "annotations": []},
        "c": {"subset": "validation", "annotations": [{"segment": [0, 1], "label": "Y"}]},
    }})
    gt = read_gt_json(p)
    assert gt.videos == ("a", "b") and len(gt) == 1 and gt.t_start_s.tolist() == [1.5]
    out = tmp_path / "out.json"
    write_gt_json(out, gt, "test")
    again = read_gt_json(out)
    assert again.videos == ("a", "b")
    for name in ("video", "t_start_s", "t_end_s", "label"):
        assert np.array_equal(getattr(gt, name), getattr(again, name))


@pytest.mark.parametrize("data, where, problem", [
    ({"videos": {}}, "key 'database'", "missing"),
    ({"results": {}}, "key 'database'", "results file"),
    ({"database": []}, "key 'database'", "expected an object"),
    ({"database": {"a": {"annotations": []}}}, "key 'database.a.subset'", "missing"),
    ({"database": {"a": {"subset": "train", "annotations": []}}}, "key 'database'", "no video has subset 'test'"),
    ({"database": {"a": {"subset": "test", "annotations": {}}}}, "key 'database.a.annotations'", "a list"),
    ({"database": {"a": {"subset": "test", "annotations": [{"label": "X"}]}}},
     "key 'database.a.annotations[0].segment'", "missing"),
    ({"database": {"a": {"subset": "test", "annotations": [{"segment": [1], "label": "X"}]}}},
     "key 'database.a.annotations[0].segment'", "2 bounds"),
    ({"database": {"a": {"subset": "test", "annotations": [{"segment": ["one", 2], "label": "X"}]}}},
     "key 'database.a.annotations[0].segment'", "not a number"),
    ({"database": {"a": {"subset": "test", "annotations": [{"segment": [3, 2], "label": "X"}]}}},
     "key 'database.a.annotations[0].segment'", "ends before"),
    ({"database": {"a": {"subset": "test", "annotations": [{"segment": [1, 2], "label": 5}]}}},
     "key 'database.a.annotations[0].label'", "class name"),
])
def test_gt_json_errors(tmp_path, data, where, problem):
    p = write_json(tmp_path / "gt.json", data)
    with pytest.raises(InputError, match=problem) as e:
        read_gt_json(p)
    assert e.value.path == str(p) and e.value.where == where


def test_gt_json_unknown_class_and_syntax_error(tmp_path):
    p = write_json(tmp_path / "gt.json", {"database": {"a": {"subset": "test", "annotations": [
        {"segment": [1, 2], "label": "Skating"}]}}})
    with pytest.raises(InputError, match="unknown class 'Skating'"):
        read_gt_json(p, classes={"Diving"})
    bad = tmp_path / "bad.json"
    bad.write_text('{"database": {\n  "a": }')
    with pytest.raises(InputError, match="invalid JSON") as e:
        read_gt_json(bad)
    assert e.value.where.startswith("line 2")
    with pytest.raises(InputError, match="does not exist"):
        read_gt_json(tmp_path / "missing.json")


# ----------------------------------------------------------------------------- results


def test_real_results_json():
    det = read_results_json(REF / "detections.json")
    assert len(det) == 4747 and len(det.videos) == 213
    assert (det.video[0], det.t_start_s[0], det.t_end_s[0], det.label[0], det.score[0]) == (
        "video_test_0000324", 53.21, 58.51, "BaseballPitch", 0.460826)


def test_results_json_round_trip(tmp_path):
    det = Segments(["a", "b", "a"], [0.1, 2.0, 5.0], [1.0, 3.5, 6.0], ["X", "Y", "X"], [0.9, 0.3, 0.25])
    out = tmp_path / "res.json"
    write_results_json(out, det)
    data = json.loads(out.read_text())
    assert set(data) == {"version", "external_data", "results"}
    assert data["results"]["a"][1] == {"label": "X", "score": 0.25, "segment": [5.0, 6.0]}
    again = read_results_json(out)
    key = lambda s: sorted(zip(s.video.tolist(), s.t_start_s.tolist(), s.t_end_s.tolist(), s.label.tolist(),
                               s.score.tolist()))
    assert key(again) == key(det)


def _det(**fields):
    entry = {"label": "X", "score": 0.5, "segment": [1, 2]}
    entry.update(fields)
    return {"results": {"a": [entry]}}


@pytest.mark.parametrize("data, where, problem", [
    ({"database": {}}, "key 'results'", "ground-truth file"),
    ({"results": []}, "key 'results'", "expected an object"),
    ({"results": {"a": {}}}, "key 'results.a'", "a list"),
    ({"results": {}}, "key 'results'", "empty"),
    ({"results": {"a": []}}, "key 'results'", "empty"),
    ({"results": {"a": [{"label": "X", "segment": [1, 2]}]}}, "key 'results.a[0].score'", "missing"),
    (_det(score=float("nan")), "key 'results.a[0].score'", "NaN"),
    (_det(score=[1]), "key 'results.a[0].score'", "expected a number"),
    (_det(segment="1-2"), "key 'results.a[0].segment'", "list"),
    (_det(label=None), "key 'results.a[0].label'", "class name"),
])
def test_results_json_errors(tmp_path, data, where, problem):
    p = write_json(tmp_path / "res.json", data)
    with pytest.raises(InputError, match=problem) as e:
        read_results_json(p)
    assert e.value.path == str(p) and e.value.where == where


def test_results_json_unknown_class(tmp_path):
    p = write_json(tmp_path / "res.json", _det(label="Skating"))
    with pytest.raises(InputError, match="unknown class"):
        read_results_json(p, classes={"X"})


# ----------------------------------------------------------------------------- temporal_io


def test_load_temporal_gt_detects_each_format():
    assert len(load_temporal_gt(THUMOS / "groundtruth")) == 3457
    assert len(load_temporal_gt(THUMOS / "thumos_gt.json").videos) == 210
    assert len(load_temporal_gt(THUMOS / "thumos14_test_groundtruth.csv").videos) == 213
    assert len(load_temporal_gt(THUMOS / "groundtruth", subset="val")) > 0
    assert len(load_temporal_gt(THUMOS / "thumos_gt.json", fmt="activitynet", subset="train").videos) == 200
    assert len(load_temporal_gt(THUMOS / "groundtruth", fmt="thumos-txt")) == 3457


def test_load_temporal_detections_detects_each_format(tmp_path):
    a = load_temporal_detections(REF / "detections.json")
    b = load_temporal_detections(REF / "detections.txt")
    assert len(a) == len(b) == 4747
    # a JSON file without the .json extension is still recognised; fmt overrides detection
    p = tmp_path / "results.dat"
    p.write_text((REF / "detections.json").read_text())
    assert len(load_temporal_detections(p)) == 4747
    assert len(load_temporal_detections(p, fmt="activitynet")) == 4747
    assert len(load_temporal_detections(p, fmt="activitynet-json")) == 4747  # the CLI's spelling
    with pytest.raises(InputError, match="columns"):
        load_temporal_detections(p, fmt="thumos-txt")
    # a class index given as a path, as the CLI passes it
    txt = load_temporal_detections(REF / "detections.txt", class_index=str(THUMOS / "class_index_detection.txt"))
    assert len(txt) == 4747 and txt.label[0] == "BaseballPitch"


def test_loaders_reject_wrong_kind_of_file(tmp_path):
    with pytest.raises(InputError, match="ground-truth file"):
        load_temporal_detections(THUMOS / "thumos_gt.json")
    with pytest.raises(InputError, match="results file"):
        load_temporal_gt(REF / "detections.json")
    with pytest.raises(InputError, match="directory"):
        load_temporal_detections(THUMOS / "groundtruth")
    with pytest.raises(InputError, match="cannot tell"):
        load_temporal_gt(REF / "detections.txt")
    with pytest.raises(InputError, match="unknown format"):
        load_temporal_gt(THUMOS / "groundtruth", fmt="coco")
    with pytest.raises(InputError, match="does not exist"):
        load_temporal_gt(tmp_path / "nothing")
    with pytest.raises(InputError, match="does not exist"):
        load_temporal_detections(tmp_path / "nothing.txt")
