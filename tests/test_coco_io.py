"""COCO ground-truth / result JSON: round trips, pycocotools can read what we write, bad input."""
import json

import numpy as np
import pytest

from annotations.coco import (CocoIndex, read_coco_gt, read_coco_index, read_coco_results, write_coco_gt,
                              write_coco_results)
from annotations.errors import InputError
from annotations.types import FrameBoxes

CLASSES = ("Biking", "Diving", "Fencing")


def _gt():
    # dyadic coordinates: x + (x2 - x) == x2 exactly, so the xywh round trip is exact
    return FrameBoxes(["b/v_2", "a/v_1", "a/v_1", "a/v_1"], [4, 0, 0, 9], ["Diving", "Biking", "Biking", "Diving"],
                      [[1.5, 2.25, 30, 40], [0, 0, 10, 10], [5, 5, 20.5, 20], [100, 50, 320, 240]],
                      videos=("a/v_1", "b/v_2", "c/v_3"))


def _dets():
    return FrameBoxes(["a/v_1", "b/v_2", "a/v_1"], [0, 4, 9], ["Biking", "Fencing", "Diving"],
                      [[1, 1, 9, 9.5], [0, 0, 2, 2], [3, 4, 5, 6]], [0.9, 0.25, 0.5])


def test_gt_round_trip(tmp_path):
    gt = _gt()
    index = write_coco_gt(tmp_path / "gt.json", gt, classes=CLASSES, frame_size_wh=(320, 240))
    back = read_coco_gt(tmp_path / "gt.json")
    for name in ("video", "frame_idx", "label", "boxes_xyxy"):
        assert np.array_equal(getattr(back, name), getattr(gt, name)), name
    assert back.videos == ("a/v_1", "b/v_2", "c/v_3")  # a video without boxes survives
    data = json.loads((tmp_path / "gt.json").read_text())
    # our numbering: images by (video name, frame), categories by class list, annotations by row
    assert [(im["id"], im["video"], im["frame_idx"]) for im in data["images"]] == \
        [(1, "a/v_1", 0), (2, "a/v_1", 9), (3, "b/v_2", 4)]
    assert data["images"][0]["file_name"] == "a/v_1/00000.jpg" and data["images"][0]["width"] == 320
    assert [c["name"] for c in data["categories"]] == list(CLASSES) and data["categories"][0]["id"] == 1
    assert data["annotations"][0]["bbox"] == [1.5, 2.25, 28.5, 37.75] and data["annotations"][0]["image_id"] == 3
    assert index.image_of[("b/v_2", 4)] == 3 and index.category_of["Fencing"] == 3


def test_results_round_trip_and_pycocotools_reads_both(tmp_path):
    from pycocotools.coco import COCO

    gt, dets = _gt(), _dets()
    index = CocoIndex.from_boxes(gt, dets, classes=CLASSES)
    write_coco_gt(tmp_path / "gt.json", gt, index=index)
    write_coco_results(tmp_path / "res.json", dets, index)
    back = read_coco_results(tmp_path / "res.json", read_coco_index(tmp_path / "gt.json"))
    for name in ("video", "frame_idx", "label", "boxes_xyxy", "score"):
        assert np.array_equal(getattr(back, name), getattr(dets, name)), name
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(tmp_path / "gt.json"))
        res = coco.loadRes(str(tmp_path / "res.json"))
    assert len(coco.getAnnIds()) == 4 and len(res.getAnnIds()) == 3
    assert coco.loadCats(2)[0]["name"] == "Diving"


def test_file_name_frames_with_explicit_base(tmp_path):
    data = {"images": [{"id": 7, "file_name": "Biking/v_a/00012.jpg"}], "categories": [{"id": 3, "name": "Biking"}],
            "annotations": [{"id": 1, "image_id": 7, "category_id": 3, "bbox": [1, 2, 3, 4], "iscrowd": 0}]}
    (tmp_path / "g.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="no 'video' / 'frame_idx' keys; pass frame_base"):
        read_coco_gt(tmp_path / "g.json")
    gt = read_coco_gt(tmp_path / "g.json", frame_base=1)
    assert gt.video.tolist() == ["Biking/v_a"] and gt.frame_idx.tolist() == [11]
    assert gt.boxes_xyxy.tolist() == [[1, 2, 4, 6]]


def _gt_dict():
    return {"images": [{"id": 1, "video": "a", "frame_idx": 0}], "categories": [{"id": 1, "name": "Biking"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "iscrowd": 0}]}


@pytest.mark.parametrize("mutate, pattern", [
    (lambda d: d.pop("images"), r"key 'images': missing or not a list"),
    (lambda d: d["annotations"][0].update(image_id=9), r"key 'annotations\[0\]\.image_id': unknown image id 9"),
    (lambda d: d["annotations"][0].update(category_id=4), r"annotations\[0\]\.category_id': unknown category id 4"),
    (lambda d: d["annotations"][0].update(bbox=[0, 0, -1, 5]), r"annotations\[0\]\.bbox': negative width \(x2 < x1\)"),
    (lambda d: d["annotations"][0].update(bbox=[0, 0, 1, -5]), r"negative height \(y2 < y1\)"),
    (lambda d: d["annotations"][0].update(bbox=[0, 0, 1]), r"expected \[x, y, w, h\] numbers"),
    (lambda d: d["annotations"][0].update(iscrowd=1), r"crowd annotations are not supported"),
    (lambda d: d["images"][0].update(frame_idx=-3), r"key 'images\[0\]': negative frame -3"),
    (lambda d: d["categories"][0].update(name="Nope"), r"key 'categories': unknown class name"),
])
def test_gt_errors(tmp_path, mutate, pattern):
    data = _gt_dict()
    mutate(data)
    (tmp_path / "g.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"g\.json: .*" + pattern):
        read_coco_gt(tmp_path / "g.json", classes=CLASSES)


def test_invalid_json_names_line(tmp_path):
    (tmp_path / "g.json").write_text('{\n "images": [\n  {"id": 1,,}\n]}')
    with pytest.raises(InputError, match=r"g\.json: line 3 column \d+: invalid JSON"):
        read_coco_gt(tmp_path / "g.json")


@pytest.mark.parametrize("result, pattern", [
    ({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": float("nan")}, r"\[0\]\.score': score must be"),
    ({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": float("inf")}, r"\[0\]\.score': score must be"),
    ({"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}, r"\[0\]\.score': score must be"),
    ({"image_id": 5, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}, r"\[0\]\.image_id': unknown image id 5"),
    ({"image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1], "score": 0.5}, r"negative width"),
])
def test_result_errors(tmp_path, result, pattern):
    (tmp_path / "g.json").write_text(json.dumps(_gt_dict()))
    (tmp_path / "r.json").write_text(json.dumps([result]))
    with pytest.raises(InputError, match=r"r\.json: key '.*" + pattern):
        read_coco_results(tmp_path / "r.json", read_coco_index(tmp_path / "g.json"))


def test_empty_results_and_missing_file(tmp_path):
    (tmp_path / "g.json").write_text(json.dumps(_gt_dict()))
    (tmp_path / "r.json").write_text("[]")
    index = read_coco_index(tmp_path / "g.json")
    with pytest.raises(InputError, match="no detections"):
        read_coco_results(tmp_path / "r.json", index)
    assert len(read_coco_results(tmp_path / "r.json", index, allow_empty=True)) == 0
    with pytest.raises(InputError, match="does not exist"):
        read_coco_results(tmp_path / "nope.json", index)
