"""Recognition readers on tiny files in the exact official formats, including their traps."""
import os
from pathlib import Path

import pytest

from annotations.errors import InputError
from annotations.recognition import (detect_format, hmdb51_group, load_recognition, read_hmdb51, read_moments,
                                     read_thumos14_classification, read_ucf101, read_ucf101_classes, ucf101_group,
                                     write_hmdb51_splits, write_moments, write_ucf101_lists)

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "thumos14"


def touch(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "wb").close()


# ----------------------------------------------------------------------------------------- HMDB51

def hmdb_root(tmp_path, lines_by_class, split=1):
    sd = tmp_path / "testTrainMulti_7030_splits"
    sd.mkdir(parents=True, exist_ok=True)
    for cls, text in lines_by_class.items():
        (sd / f"{cls}_test_split{split}.txt").write_text(text)
    return tmp_path


def test_hmdb51_tags_1_2_0_and_trailing_spaces(tmp_path):
    # official lines end with a space; tag 0 = in neither train nor test
    root = hmdb_root(tmp_path, {
        "brush_hair": "April_09_brush_hair_u_nm_np1_ba_goo_0.avi 1 \nApril_09_brush_hair_u_nm_np1_ba_goo_1.avi 1 \n"
                      "Blonde_being_brushed_brush_hair_f_nm_np2_ri_med_0.avi 2 \nBrushing_my_hair_brush_hair_u_cm_np1_fr_goo_0.avi 0 \n",
        "cartwheel": "Bodenturnen_2004_cartwheel_f_cm_np1_le_med_0.avi 2 \nFirst_Cartwheel_cartwheel_f_cm_np1_fr_bad_0.avi 1 \n"})
    s = read_hmdb51(root, 1)
    assert s.classes == ("brush_hair", "cartwheel")
    assert [(v.name, v.label) for v in s.train] == [
        ("brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0", 0), ("brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_1", 0),
        ("cartwheel/First_Cartwheel_cartwheel_f_cm_np1_fr_bad_0", 1)]
    assert [(v.name, v.label) for v in s.test] == [
        ("brush_hair/Blonde_being_brushed_brush_hair_f_nm_np2_ri_med_0", 0),
        ("cartwheel/Bodenturnen_2004_cartwheel_f_cm_np1_le_med_0", 1)]
    assert s.num_unused == 1 and any("tagged 0" in n for n in s.notes)
    # the two clips of one source video share a group
    assert s.train[0].group == s.train[1].group == "April_09_brush_hair"
    assert detect_format(root) == "hmdb51"


def test_hmdb51_bad_input(tmp_path):
    with pytest.raises(InputError, match="line 2.*unknown tag '3'"):
        read_hmdb51(hmdb_root(tmp_path / "a", {"run": "x_run_f_cm_np1_le_med_0.avi 1 \ny_run_f_cm_np1_le_med_0.avi 3 \n"}))
    with pytest.raises(InputError, match="listed twice"):
        read_hmdb51(hmdb_root(tmp_path / "b", {"run": "x.avi 1\n", "walk": "x.avi 2\n"}))
    with pytest.raises(InputError, match="unknown class 'walk'"):
        read_hmdb51(hmdb_root(tmp_path / "c", {"run": "x.avi 1\n", "walk": "y.avi 2\n"}), classes=("run",))
    with pytest.raises(InputError, match="splits are 1, 2 and 3"):
        read_hmdb51(tmp_path / "c", 4)
    with pytest.raises(InputError, match="no <class>_test_split2.txt"):
        read_hmdb51(tmp_path / "c", 2)


def test_hmdb51_videos_on_disk(tmp_path):
    root = hmdb_root(tmp_path, {"run": "x.avi 1\ny.avi 2\n"})
    touch(tmp_path / "videos" / "run" / "x.avi")
    with pytest.raises(InputError, match="1 listed videos are not under.*'run/y.avi'"):
        read_hmdb51(root, 1, videos=tmp_path / "videos")
    s = read_hmdb51(root, 1, videos=tmp_path / "videos", missing_videos="skip")
    assert [v.path for v in s.train] == [str(tmp_path / "videos" / "run" / "x.avi")] and s.test == ()
    assert s.num_missing == 1 and "skipped" in s.notes[0]


def test_hmdb51_writer_round_trip(tmp_path):
    write_hmdb51_splits(tmp_path, {"a": [("p_a_u_nm_np1_fr_goo_0", 1), ("q", 0)], "b": [("r", 2)]}, split=3)
    assert (tmp_path / "testTrainMulti_7030_splits" / "a_test_split3.txt").read_text() == \
        "p_a_u_nm_np1_fr_goo_0.avi 1 \nq.avi 0 \n"
    s = read_hmdb51(tmp_path, 3)
    assert [v.name for v in s.train] == ["a/p_a_u_nm_np1_fr_goo_0"] and [v.label for v in s.test] == [1]
    assert hmdb51_group("April_09_brush_hair_u_nm_np1_ba_goo_0") == "April_09_brush_hair"


# ----------------------------------------------------------------------------------------- UCF101

def ucf_root(tmp_path, classind, train, test, k=1):
    d = tmp_path / "ucfTrainTestlist"
    d.mkdir(parents=True, exist_ok=True)
    (d / "classInd.txt").write_text(classind)
    (d / f"trainlist0{k}.txt").write_text(train)
    (d / f"testlist0{k}.txt").write_text(test)
    return tmp_path


CLASSIND = "1 ApplyEyeMakeup\r\n2 ApplyLipstick\r\n3 HandstandPushups\r\n"


def test_ucf101_one_based_ids_and_testlist_without_ids(tmp_path):
    root = ucf_root(tmp_path, CLASSIND,
                    "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1\r\nApplyLipstick/v_ApplyLipstick_g09_c02.avi 2\r\n"
                    "HandstandPushups/v_HandStandPushups_g10_c01.avi 3\r\n",
                    "ApplyLipstick/v_ApplyLipstick_g01_c01.avi\r\nHandstandPushups/v_HandStandPushups_g02_c03.avi\r\n")
    s = read_ucf101(root, 1)
    assert s.classes == ("ApplyEyeMakeup", "ApplyLipstick", "HandstandPushups")
    assert [v.label for v in s.train] == [0, 1, 2]  # 1-based ids -> 0-based labels
    # test labels come from the folder (HandstandPushups), not the file name's HandStandPushups
    assert [(v.name, v.label) for v in s.test] == [("ApplyLipstick/v_ApplyLipstick_g01_c01", 1),
                                                   ("HandstandPushups/v_HandStandPushups_g02_c03", 2)]
    assert [v.group for v in s.train] == ["g08", "g09", "g10"]
    assert ucf101_group("X/v_X_g25_c07") == "g25" and detect_format(root) == "ucf101"


def test_ucf101_bad_input(tmp_path):
    with pytest.raises(InputError, match="line 1.*1-based"):
        read_ucf101_classes(ucf_root(tmp_path / "a", "0 A\n1 B\n", "", "") / "ucfTrainTestlist" / "classInd.txt")
    # a testlist id (some copies add one) must agree with the folder; three columns are refused
    with pytest.raises(InputError, match="testlist01.txt: line 1.*class id 3 is 'HandstandPushups' but the folder"):
        read_ucf101(ucf_root(tmp_path / "b", CLASSIND, "", "ApplyLipstick/v_ApplyLipstick_g01_c01.avi 3\n"))
    with pytest.raises(InputError, match="testlist01.txt: line 1.*no id"):
        read_ucf101(ucf_root(tmp_path / "b2", CLASSIND, "", "ApplyLipstick/v_ApplyLipstick_g01_c01.avi 2 x\n"))
    with pytest.raises(InputError, match="line 1.*class id 1 is 'ApplyEyeMakeup' but the folder is 'ApplyLipstick'"):
        read_ucf101(ucf_root(tmp_path / "c", CLASSIND, "ApplyLipstick/v_ApplyLipstick_g08_c01.avi 1\n", ""))
    with pytest.raises(InputError, match="unknown class 'Typing'"):
        read_ucf101(ucf_root(tmp_path / "d", CLASSIND, "", "Typing/v_Typing_g01_c01.avi\n"))
    with pytest.raises(InputError, match="testlist01.txt: line 1.*listed twice"):
        read_ucf101(ucf_root(tmp_path / "e", CLASSIND, "ApplyLipstick/v_ApplyLipstick_g08_c01.avi 2\n",
                             "ApplyLipstick/v_ApplyLipstick_g08_c01.avi\n"))
    with pytest.raises(InputError, match="id '0' is not in 1..3"):
        read_ucf101(ucf_root(tmp_path / "f", CLASSIND, "ApplyLipstick/v_ApplyLipstick_g08_c01.avi 0\n", ""))


def test_ucf101_writer_and_videos(tmp_path):
    classes = ("A", "B")
    write_ucf101_lists(tmp_path, classes, {1: ["B/v_B_g08_c01"], 2: ["A/v_A_g01_c01"]},
                       {1: ["A/v_A_g01_c01"], 2: ["B/v_B_g08_c01"]})
    lists = tmp_path / "ucfTrainTestlist"
    assert (lists / "classInd.txt").read_bytes() == b"1 A\r\n2 B\r\n"
    assert (lists / "trainlist01.txt").read_bytes() == b"B/v_B_g08_c01.avi 2\r\n"
    assert (lists / "testlist02.txt").read_bytes() == b"B/v_B_g08_c01.avi\r\n"
    touch(tmp_path / "UCF-101" / "A" / "v_A_g01_c01.avi")
    touch(tmp_path / "UCF-101" / "B" / "v_B_g08_c01.avi")
    s = load_recognition(tmp_path, split=2)
    assert s.train[0].path == str(tmp_path / "UCF-101" / "A" / "v_A_g01_c01.avi") and s.test[0].label == 1


# -------------------------------------------------------------------------------- Moments in Time

def test_moments_in_time(tmp_path):
    (tmp_path / "moments_categories.txt").write_text("adult+female+singing,0\nclapping,1\n")
    (tmp_path / "trainingSet.csv").write_text("adult+female+singing/0a1b.mp4,adult+female+singing,3,0\n"
                                              "clapping/yt-Ab_c.mp4,clapping,4,1\nclapping/gone.mp4,clapping,3,0\n")
    (tmp_path / "validationSet.csv").write_text("clapping/v1.mp4,clapping,3,0\n")
    for rel in ("training/adult+female+singing/0a1b.mp4", "training/clapping/yt-Ab_c.mp4", "validation/clapping/v1.mp4"):
        touch(tmp_path / rel)
    s = read_moments(tmp_path)
    assert s.classes == ("adult+female+singing", "clapping") and detect_format(tmp_path) == "moments"
    assert [(v.name, v.label) for v in s.train] == [("training/adult+female+singing/0a1b", 0),
                                                    ("training/clapping/yt-Ab_c", 1)]
    assert s.num_missing == 1 and "1 videos listed" in s.notes[0]  # skipping missing downloads is the norm
    assert [v.name for v in s.test] == ["validation/clapping/v1"]
    with pytest.raises(InputError, match="not under"):
        read_moments(tmp_path, missing_videos="error")
    (tmp_path / "validationSet.csv").write_text("dancing/v1.mp4,dancing,3,0\n")
    with pytest.raises(InputError, match="validationSet.csv: line 1: unknown category 'dancing'"):
        read_moments(tmp_path)
    write_moments(tmp_path / "w", ("a", "b"), ["a/x"], ["b/y"])
    assert (tmp_path / "w" / "trainingSet.csv").read_text() == "a/x.mp4,a,3,0\n"
    s = read_moments(tmp_path / "w", check_videos=False)
    assert [v.label for v in s.test] == [1] and s.train[0].path is None


# ------------------------------------------------------------------------ THUMOS'14 classification

def test_thumos14_classification_drops_multi_label_videos(tmp_path):
    gt = tmp_path / "gt"
    gt.mkdir()
    (gt / "A_val.txt").write_text("v1 1 2\nv1 3 4\nv2 1 2\n")
    (gt / "B_val.txt").write_text("v2 5 6\nv3 1 2\n")
    (gt / "A_test.txt").write_text("t1 1 2\n")
    (gt / "B_test.txt").write_text("t2 1 2\n")
    (gt / "Ambiguous_val.txt").write_text("v3 0 1\n")  # ignored
    s, labels = read_thumos14_classification(gt, ("A", "B"))
    assert [(v.name, v.label) for v in s.train] == [("v1", 0), ("v3", 1)]
    assert s.num_multi_label == 1 and "1 of 3 val videos have several classes and were removed" in s.notes[0]
    assert labels["v2"] == (0, 1)
    kept, _ = read_thumos14_classification(gt, ("A", "B"), multi_label="keep")
    assert [v.name for v in kept.train] == ["v1", "v2", "v3"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared")
def test_thumos14_classification_on_the_real_ground_truth():
    classes = [ln.split()[1] for ln in (SHARED / "class_index_detection.txt").read_text().split("\n") if ln.strip()]
    s, labels = read_thumos14_classification(SHARED / "groundtruth", classes)
    test_videos = {ln.split()[0] for c in classes for ln in (SHARED / "groundtruth" / f"{c}_test.txt").read_text().splitlines()
                   if ln.strip()}
    multi = [v for v in test_videos if len(labels[v]) > 1]
    assert len(s.test) + len(multi) == len(test_videos) and all(len(labels[v.name]) == 1 for v in s.test)
    # every CliffDiving test video is also a Diving video: that class is removed whole, and said so
    assert classes.index("CliffDiving") not in {v.label for v in s.test}
    assert any("CliffDiving" in n for n in s.notes)
