"""UCF101-24 readers/writers: real counts, pickle safety, the uint8 overflow trap, .mat == .pkl."""
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from annotations.errors import InputError
from annotations.safe_pickle import safe_load_pickle
from annotations.types import Tube, TubeDataset, VideoInfo
from annotations.ucf101_24 import (read_final_annots_mat, read_pyannot, read_split_list, ucf101_24_classes,
                                   write_pyannot, write_split_list)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
UCF = SHARED / "data" / "ucf101_24"


@pytest.fixture(scope="module")
def pyannot():
    return read_pyannot(UCF / "pyannot.pkl", split_file=UCF / "testlist01.txt")


# ------------------------------------------------------------------------------------------- real data

def test_real_counts(pyannot):
    assert len(pyannot.videos) == 3194
    assert len(pyannot.classes) == 24 and pyannot.classes == ucf101_24_classes()
    test = pyannot.test_videos
    assert len(test) == 910
    tubes = pyannot.tubes_of(test)
    assert len(tubes) == 1315
    boxes = pyannot.frame_boxes(test)
    assert len(boxes) == 170580
    assert len(set(zip(boxes.video.tolist(), boxes.frame_idx.tolist()))) == 138527
    assert len(pyannot.train_videos) == 3194 - 910


def test_real_conventions(pyannot):
    info = pyannot.videos["Skijet/v_Skijet_g10_c04"]
    assert (info.width, info.height, info.num_frames, info.label) == (320, 240, 164, "Skijet")
    tube = pyannot.tubes_of(["Skijet/v_Skijet_g10_c04"])[0]
    # first raw box is [177, 53, 48, 61] at sf = 0; ef = 164 is exclusive
    assert tube.start_frame == 0 and tube.end_frame == 163
    assert tube.boxes_xyxy[0].tolist() == [177.0, 53.0, 225.0, 114.0]
    all_boxes = np.concatenate([t.boxes_xyxy for t in pyannot.tubes])
    assert all_boxes[:, 2].max() == 320 and all_boxes[:, 3].max() == 240  # no uint8 wrap-around


def test_with_class_names_layout(pyannot):
    ds = read_pyannot(UCF / "pyannot_with_class_names.pkl")
    assert ds.classes == pyannot.classes
    assert len(ds.train_videos) == 2284  # 2290 listed, 6 were removed from the corrected annotations
    assert set(ds.test_videos) == set(pyannot.test_videos)
    assert len(ds.tubes) == len(pyannot.tubes)


def test_mat_gives_the_same_tubes(pyannot):
    mat = read_final_annots_mat(UCF / "finalAnnots.mat")
    assert set(mat.videos) == set(pyannot.videos)
    for name, info in pyannot.videos.items():
        assert mat.videos[name].num_frames == info.num_frames
        assert mat.videos[name].label == info.label
    key = lambda t: (t.video, t.start_frame, t.end_frame, t.label, t.boxes_xyxy.tobytes())
    assert sorted(map(key, mat.tubes)) == sorted(map(key, pyannot.tubes))


# ------------------------------------------------------------------------------------------- overflow trap

def _raw_db(boxes, numf=np.uint8(200)):
    return {"V/v_1": {"label": 1, "numf": numf,
                      "annotations": [{"label": 1, "sf": 3, "ef": 3 + len(boxes), "boxes": boxes}]}}


def test_uint8_boxes_do_not_wrap(tmp_path):
    boxes = np.array([[250, 100, 60, 120], [10, 20, 30, 40]], dtype=np.uint8)
    with np.errstate(over="ignore"):
        assert int(boxes[0, 0] + boxes[0, 2]) == 54  # the trap: uint8 arithmetic wraps
    path = tmp_path / "p.pkl"
    with open(path, "wb") as f:
        pickle.dump(_raw_db(boxes), f, protocol=2)  # protocol 2 from Python 3 also needs _codecs.encode
    ds = read_pyannot(path)
    t = ds.tubes[0]
    assert t.boxes_xyxy.tolist() == [[250, 100, 310, 220], [10, 20, 40, 60]]
    assert t.frame_idx.tolist() == [3, 4] and t.label == ucf101_24_classes()[1]


def test_uint16_numf_and_boxes(tmp_path):
    boxes = np.array([[60000, 1, 6000, 2]], dtype=np.uint16)
    path = tmp_path / "p.pkl"
    with open(path, "wb") as f:
        pickle.dump(_raw_db(boxes, numf=np.uint16(70)), f, protocol=3)
    ds = read_pyannot(path)
    assert ds.tubes[0].boxes_xyxy.tolist() == [[60000, 1, 66000, 3]]
    assert ds.videos["V/v_1"].num_frames == 70


# ------------------------------------------------------------------------------------------- writing

def _dataset():
    classes = ucf101_24_classes()
    tubes = (
        Tube("Biking/v_a", "Biking", np.arange(2, 5), [[10, 20, 310, 230], [11, 21, 311, 231], [12, 22, 312, 232]]),
        Tube("Biking/v_a", "Biking", np.arange(0, 2), [[0, 0, 5.5, 7.25], [1, 1, 6, 8]]),
        Tube("Diving/v_b", "Diving", np.arange(7, 8), [[300, 200, 320, 240]]),
    )
    videos = {"Biking/v_a": VideoInfo("Biking/v_a", "Biking", 9, width=320, height=240),
              "Diving/v_b": VideoInfo("Diving/v_b", "Diving", 8, width=320, height=240),
              "Fencing/v_c": VideoInfo("Fencing/v_c", "Fencing", 4, width=320, height=240)}
    return TubeDataset(classes, videos, tubes, train_videos=("Diving/v_b",), test_videos=("Biking/v_a", "Fencing/v_c"))


def _same_tubes(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x.video, x.label) == (y.video, y.label)
        assert x.frame_idx.tolist() == y.frame_idx.tolist()
        assert x.boxes_xyxy.tolist() == y.boxes_xyxy.tolist()


@pytest.mark.parametrize("with_names", [False, True])
def test_write_read_round_trip(tmp_path, with_names):
    ds = _dataset()
    path = tmp_path / "out.pkl"
    write_pyannot(path, ds, with_class_names=with_names)
    back = read_pyannot(path)
    _same_tubes(back.tubes, ds.tubes)
    assert list(back.videos) == list(ds.videos)
    assert {v: (i.label, i.num_frames) for v, i in back.videos.items()} == \
        {v: (i.label, i.num_frames) for v, i in ds.videos.items()}
    if with_names:
        assert back.train_videos == ("Diving/v_b",)
        assert set(back.test_videos) == {"Biking/v_a", "Fencing/v_c"}
    raw = safe_load_pickle(path)
    db = raw["db"] if with_names else raw
    assert db["Biking/v_a"]["annotations"][0]["boxes"].dtype == np.uint16  # width 300 > 255
    assert db["Biking/v_a"]["annotations"][0]["sf"] == 2 and db["Biking/v_a"]["annotations"][0]["ef"] == 5
    assert db["Biking/v_a"]["annotations"][1]["boxes"].dtype == np.float64  # non-integral boxes


def test_split_list_round_trip_and_errors(tmp_path):
    path = tmp_path / "split.txt"
    write_split_list(path, ["a/v_1", "b/v_2"])
    assert read_split_list(path) == ("a/v_1", "b/v_2")
    (tmp_path / "dup.txt").write_text("a/v_1\n\na/v_1\n")
    with pytest.raises(InputError, match=r"line 3.*already listed on line 1"):
        read_split_list(tmp_path / "dup.txt")
    with pytest.raises(InputError, match="does not exist"):
        read_split_list(tmp_path / "missing.txt")


def test_split_with_unknown_video(tmp_path):
    write_pyannot(tmp_path / "p.pkl", _dataset())
    (tmp_path / "split.txt").write_text("Biking/v_a\nNope/v_x\n")
    with pytest.raises(InputError, match=r"split.txt: line 2: video 'Nope/v_x' is not in"):
        read_pyannot(tmp_path / "p.pkl", split_file=tmp_path / "split.txt")


# ------------------------------------------------------------------------------------------- pickle safety

class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"V/v_1": _Evil(marker)}, protocol=2))
    with pytest.raises(InputError, match=r"evil.pkl: pickle asks for (posix|os|nt)\.system, which is not allowed"):
        read_pyannot(path)
    assert not marker.exists()


def test_pickle_with_builtins_eval_is_refused(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(b"cbuiltins\neval\n(S'1+1'\ntR.")
    with pytest.raises(InputError, match=r"builtins\.eval"):
        safe_load_pickle(path)


def test_not_a_pickle(tmp_path):
    path = tmp_path / "bad.pkl"
    path.write_bytes(b"\x80\x03this is not a pickle")
    with pytest.raises(InputError, match="bad.pkl: not a readable pickle"):
        read_pyannot(path)


# ------------------------------------------------------------------------------------------- validation

def _write_raw(tmp_path, data):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps(data, protocol=3))
    return path


@pytest.mark.parametrize("mutate, pattern", [
    (lambda a: a.update(ef=a["ef"] + 1), r"annotations\[0\]: 2 boxes for 3 frames"),
    (lambda a: a.update(label=30), r"annotations\[0\]\.label: label 30 is outside 0\.\.23"),
    (lambda a: a.update(sf=-1), r"annotations\[0\]: bad frame range"),
    (lambda a: a.update(boxes=np.array([[1, 2, -3, 4], [1, 2, 3, 4]])), r"\.boxes: box 0 has negative width"),
    (lambda a: a.update(boxes=np.zeros((2, 3))), r"\.boxes: boxes must be an N x 4 array"),
    (lambda a: a.pop("boxes"), r"annotations\[0\]: missing 'boxes'"),
    (lambda a: a.update(ef=300, boxes=np.zeros((297, 4))), r"after the video's 200 frames"),
])
def test_pyannot_validation(tmp_path, mutate, pattern):
    db = _raw_db(np.array([[1, 2, 3, 4], [5, 6, 7, 8]], dtype=np.uint8))
    mutate(db["V/v_1"]["annotations"][0])
    with pytest.raises(InputError, match=r"key 'V/v_1.*" + pattern):
        read_pyannot(_write_raw(tmp_path, db))


def test_pyannot_not_a_dict_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="expected a dict of videos"):
        read_pyannot(_write_raw(tmp_path, [1, 2, 3]))
    with pytest.raises(InputError, match="does not exist"):
        read_pyannot(tmp_path / "nope.pkl")


def test_mat_errors(tmp_path):
    import scipy.io
    bad = tmp_path / "bad.mat"
    bad.write_bytes(b"not a mat file at all")
    with pytest.raises(InputError, match="bad.mat: not a readable MATLAB file"):
        read_final_annots_mat(bad)
    other = tmp_path / "other.mat"
    scipy.io.savemat(other, {"x": np.zeros(3)})
    with pytest.raises(InputError, match="no 'annot' variable"):
        read_final_annots_mat(other)
