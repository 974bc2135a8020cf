"""Format sniffing and the one-call loaders of spatial ground truth / detections / tubes."""
from pathlib import Path

import pytest

from annotations.boxes_io import write_boxes_csv, write_tubes_csv
from annotations.coco import CocoIndex, write_coco_gt, write_coco_results
from annotations.errors import InputError
from annotations.spatial_io import (load_box_detections, load_gt_tubes, load_spatial_gt, load_spatial_gt_boxes,
                                    load_tube_detections, sniff_spatial_format)
from annotations.types import FrameBoxes, Tube, TubeDataset

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
UCF = SHARED / "data" / "ucf101_24"


@pytest.mark.parametrize("path, fmt", [
    (UCF / "pyannot.pkl", "pyannot"),
    (UCF / "pyannot_with_class_names.pkl", "pyannot"),
    (UCF / "finalAnnots.mat", "mat"),
    (SHARED / "reference" / "spatial" / "detections.csv", "boxes_csv"),
    (SHARED / "reference" / "video" / "tubes.csv", "tubes_csv"),
])
def test_sniff_real_files(path, fmt):
    assert sniff_spatial_format(path) == fmt


def _gt():
    return FrameBoxes(["a/v", "a/v", "b/v"], [0, 1, 2], ["Biking", "Biking", "Diving"],
                      [[0, 0, 10, 10], [1, 1, 11, 11], [2, 2, 8, 8]], videos=("a/v", "b/v", "c/v"))


def _dets():
    return FrameBoxes(["a/v", "b/v"], [0, 2], ["Biking", "Diving"], [[0, 0, 10, 10], [2, 2, 8, 8]], [0.7, 0.2])


def test_written_files_are_recognised_and_loaded(tmp_path):
    gt, dets = _gt(), _dets()
    index = CocoIndex.from_boxes(gt, dets, classes=("Biking", "Diving"))
    write_coco_gt(tmp_path / "gt.json", gt, index=index)
    write_coco_results(tmp_path / "res.json", dets, index)
    write_boxes_csv(tmp_path / "gt.csv", gt)
    write_boxes_csv(tmp_path / "dets.csv", dets)
    assert sniff_spatial_format(tmp_path / "gt.json") == "coco_gt"
    assert sniff_spatial_format(tmp_path / "res.json") == "coco_results"
    for gt_path in ("gt.json", "gt.csv"):
        loaded = load_spatial_gt_boxes(tmp_path / gt_path)
        assert loaded.score is None and loaded.boxes_xyxy.tolist() == gt.boxes_xyxy.tolist()
        only_b = load_spatial_gt_boxes(tmp_path / gt_path, split=["b/v"])
        assert only_b.video.tolist() == ["b/v"] and only_b.videos == ("b/v",)
        dataset = load_spatial_gt(tmp_path / gt_path, split=["b/v"])
        assert isinstance(dataset, TubeDataset) and dataset.test_videos == ("b/v",)
        assert dataset.classes == ("Biking", "Diving") and dataset.videos["a/v"].label == "Biking"
        assert all(len(t.frame_idx) == 1 for t in dataset.tubes)  # box files carry no track identity
    assert load_spatial_gt(tmp_path / "gt.json").videos.keys() == {"a/v", "b/v", "c/v"}
    gt_dataset = load_spatial_gt(tmp_path / "gt.json")
    for det_path, ref in (("dets.csv", None), ("res.json", tmp_path / "gt.json"), ("res.json", index),
                          ("res.json", gt_dataset)):
        loaded = load_box_detections(tmp_path / det_path, gt=ref)
        assert loaded.score.tolist() == [0.7, 0.2] and loaded.label.tolist() == ["Biking", "Diving"]
    with pytest.raises(InputError, match="give the COCO ground-truth JSON"):
        load_box_detections(tmp_path / "res.json")
    with pytest.raises(InputError, match="not in"):
        load_spatial_gt(tmp_path / "gt.json", split=["nope/v"])  # COCO GT lists its videos
    other = FrameBoxes(["a/v"], [0], ["Fencing"], [[0, 0, 1, 1]], [0.5])
    write_boxes_csv(tmp_path / "other.csv", other)
    with pytest.raises(InputError, match=r"other\.csv: line 2: unknown class name 'Fencing'"):
        load_box_detections(tmp_path / "other.csv", gt=gt_dataset)


def test_ucf_splits():
    test = load_spatial_gt_boxes(UCF / "pyannot_with_class_names.pkl", split="test")
    assert len(test.videos) == 910 and len(test) == 170580
    listed = load_spatial_gt_boxes(UCF / "pyannot.pkl", split=UCF / "testlist01.txt")
    assert listed.videos == tuple(open(UCF / "testlist01.txt").read().split())
    assert len(listed) == 170580
    dataset = load_spatial_gt(UCF / "finalAnnots.mat", split=["Biking/v_Biking_g01_c01"])
    assert dataset.test_videos == ("Biking/v_Biking_g01_c01",) and len(dataset.videos) == 3194
    with pytest.raises(InputError, match="defines no test split"):
        load_spatial_gt(UCF / "pyannot.pkl", split="test")
    with pytest.raises(InputError, match="not in"):
        load_spatial_gt(UCF / "pyannot.pkl", split=["Nope/v_x"])
    tubes = load_gt_tubes(UCF / "pyannot.pkl", split=UCF / "testlist01.txt")
    assert len(tubes) == 1315


def test_tubes_loading(tmp_path):
    tubes = (Tube("a/v", "Biking", [0, 1], [[0, 0, 1, 1], [0, 0, 2, 2]], 0.5),)
    write_tubes_csv(tmp_path / "t.csv", tubes)
    assert load_tube_detections(tmp_path / "t.csv")[0].frame_idx.tolist() == [0, 1]
    assert len(load_gt_tubes(tmp_path / "t.csv", split=["a/v"])) == 1
    assert len(load_gt_tubes(tmp_path / "t.csv", split=["z/v"])) == 0


def test_wrong_kind_of_file(tmp_path):
    write_boxes_csv(tmp_path / "dets.csv", _dets())
    with pytest.raises(InputError, match="not a tube CSV"):
        load_tube_detections(tmp_path / "dets.csv")
    with pytest.raises(InputError, match="not a per-frame detection format"):
        load_box_detections(UCF / "pyannot.pkl")
    (tmp_path / "x.txt").write_text("hello,world\n1,2\n")
    with pytest.raises(InputError, match="line 1: unrecognised format"):
        sniff_spatial_format(tmp_path / "x.txt")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match="empty file"):
        load_box_detections(tmp_path / "empty.csv")
    with pytest.raises(InputError, match="does not exist"):
        load_spatial_gt(tmp_path / "missing.pkl")
