"""Issue 7 for spatial / video evaluation: any finite score accepted, the sanity pass (frames outside
[0, numf), boxes outside the frame, x2 < x1, train+test ground truth without a split), counts of what
a table was computed on, --unknown-videos on eval-video; issue 8: the public API and result objects."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from annotations.boxes_io import read_boxes_csv, read_tubes_csv
from annotations.coco import CocoIndex, read_coco_results
from annotations.errors import InputError
from annotations.spatial_io import (evaluated_videos, load_gt_tube_dataset, load_spatial_gt, load_spatial_gt_boxes,
                                    mixes_train_and_test)
from annotations.types import FrameBoxes, Tube, TubeDataset, VideoInfo
from evaluators.frame_ap import frame_ap, frame_corloc
from evaluators.video_ap import video_ap
from locbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
UCF = SHARED / "data" / "ucf101_24"
REF = SHARED / "reference"
A = [0, 0, 10, 10]
INFO = {"v": VideoInfo("v", num_frames=10, width=320, height=240)}


def fb(rows, scored=True, videos=(), source=""):
    rows = list(rows)
    return FrameBoxes([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                      np.array([r[3] for r in rows], float).reshape(-1, 4),
                      np.array([r[4] for r in rows], float) if scored else None, videos, source)


# --------------------------------------------------------------------------------------- any finite score

def test_negative_and_large_scores_are_read_and_only_their_ranking_counts(tmp_path):
    rows = "v,0,a,{},0,0,10,10\nv,1,a,{},0,0,10,10\nv,2,a,{},50,50,60,60\n"
    (tmp_path / "d.csv").write_text("video,frame,label,score,x1,y1,x2,y2\n" + rows.format(-3.5, 250.0, 7))
    dets = read_boxes_csv(tmp_path / "d.csv")
    assert dets.score.tolist() == [-3.5, 250.0, 7.0]
    gt = fb([("v", 0, "a", A), ("v", 1, "a", A)], scored=False)
    # ranking: frame 1 (TP), frame 2 (FP), frame 0 (TP): all-point AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    assert frame_ap(gt, dets, [0.5]).ap[0, 0] == pytest.approx(5 / 6)
    # a monotone transform of the scores (logits -> probabilities) gives the same AP
    same = FrameBoxes(dets.video, dets.frame_idx, dets.label, dets.boxes_xyxy, 1 / (1 + np.exp(-dets.score / 100)))
    assert frame_ap(gt, same, [0.5]).ap[0, 0] == pytest.approx(5 / 6)
    (tmp_path / "t.csv").write_text("tube,video,label,score,frame,x1,y1,x2,y2\n0,v,a,-2,0,0,0,9,9\n")
    assert read_tubes_csv(tmp_path / "t.csv")[0].score == -2.0
    (tmp_path / "r.json").write_text(json.dumps([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": -7}]))
    index = CocoIndex.from_boxes(gt, classes=("a",))
    assert read_coco_results(tmp_path / "r.json", index).score.tolist() == [-7.0]


def test_non_finite_scores_stay_errors(tmp_path):
    (tmp_path / "d.csv").write_text("video,frame,label,score,x1,y1,x2,y2\nv,0,a,inf,0,0,10,10\n")
    with pytest.raises(InputError, match="line 2: score is not finite"):
        read_boxes_csv(tmp_path / "d.csv")
    tube = Tube("v", "a", [0], [A], float("nan"))
    with pytest.raises(InputError, match="NaN or infinite"):
        video_ap([Tube("v", "a", [0], [A])], [tube], [0.5])


# --------------------------------------------------------------------------------------- frames

def test_frames_outside_the_video_that_look_one_based():
    gt = fb([("v", 0, "a", A)], scored=False)
    dets = fb([("v", 1, "a", A, 0.9), ("v", 10, "a", A, 0.8)], source="d.csv")  # 10 == numf
    with pytest.raises(InputError, match=r"d\.csv: row 1: 1 of 2 detection rows have a frame outside \[0, numf\).*"
                                         r"frame indices look 1-based"):
        frame_ap(gt, dets, [0.5], video_info=INFO)
    with pytest.raises(InputError, match="1-based"):
        frame_corloc(gt, dets, [0.5], video_info=INFO)
    far = fb([("v", 0, "a", A, 0.9), ("v", 99999, "a", A, 0.8)])
    with pytest.raises(InputError, match="not a 1-based offset"):
        frame_ap(gt, far, [0.5], video_info=INFO)
    assert frame_ap(gt, dets, [0.5]).ap.shape == (1, 1)  # without frame counts nothing can be checked


def test_tube_frames_outside_the_video():
    ds = TubeDataset(("a",), INFO, (Tube("v", "a", [0, 1], [A, A]),))
    with pytest.raises(InputError, match="1-based"):
        video_ap(ds, [Tube("v", "a", [9, 10], [A, A], 0.5)], [0.5])


# --------------------------------------------------------------------------------------- boxes

def test_boxes_outside_the_frame_warn_then_fail():
    gt = fb([("v", 0, "a", A)], scored=False)
    inside = [("v", 0, "a", A, 0.9)] * 2
    one_out = fb(inside + [("v", 0, "a", [300, 0, 321.5, 10], 0.1)])
    r = frame_ap(gt, one_out, [0.5], video_info=INFO)
    assert len(r.warnings) == 1 and r.warnings[0].startswith("1 of 3 detection boxes extend more than 1 px outside")
    assert "320x240" in r.warnings[0]
    edge = fb(inside + [("v", 0, "a", [300, 0, 321, 241], 0.1)])  # within 1 px: no warning
    assert frame_ap(gt, edge, [0.5], video_info=INFO).warnings == ()
    most_out = fb([("v", 0, "a", [0, 0, 600, 400], 0.9), ("v", 0, "a", [10, 10, 500, 300], 0.5), inside[0]])
    with pytest.raises(InputError, match=r"2 of 3 detection boxes .* another resolution\? .*320x240"):
        frame_ap(gt, most_out, [0.5], video_info=INFO)


def test_inverted_boxes_say_whether_they_look_like_xywh(tmp_path):
    gt = fb([("v", 0, "a", A)], scored=False)
    xywh = fb([("v", 0, "a", [20, 30, 15, 8], 0.9), ("v", 0, "a", [5, 5, 40, 40], 0.5)])
    with pytest.raises(InputError, match="inverted.*boxes look like x, y, w, h"):
        frame_ap(gt, xywh, [0.5], video_info=INFO)
    not_xywh = fb([("v", 0, "a", [20, 30, 15, -8], 0.9)])
    with pytest.raises(InputError, match="would not fit every row either"):
        frame_ap(gt, not_xywh, [0.5])
    (tmp_path / "d.csv").write_text("video,frame,label,score,x1,y1,x2,y2\nv,0,a,0.5,20,30,15,8\n")
    with pytest.raises(InputError, match=r"line 2: x2 < x1 .*boxes look like x, y, w, h"):
        read_boxes_csv(tmp_path / "d.csv")


# --------------------------------------------------------------------------------------- split

def test_train_and_test_ground_truth_needs_a_split():
    with pytest.raises(InputError, match=r"holds training and test videos .* split= .* all_videos=True"):
        load_spatial_gt_boxes(UCF / "pyannot.pkl")
    assert len(load_spatial_gt_boxes(UCF / "pyannot.pkl", all_videos=True)) > 170580
    assert len(load_spatial_gt_boxes(UCF / "pyannot.pkl", split=UCF / "testlist01.txt")) == 170580
    # the file with class names defines its test videos (those not in trainvideos): no split needed
    dataset = load_spatial_gt(UCF / "pyannot_with_class_names.pkl")
    assert len(evaluated_videos(dataset)) == len(dataset.test_videos) > 0
    test_videos = (UCF / "testlist01.txt").read_text().split()
    assert mixes_train_and_test(test_videos) is None
    assert "every standard split" in mixes_train_and_test(list(load_spatial_gt(UCF / "pyannot.pkl").videos))
    with pytest.raises(InputError, match="all_videos=True"):
        load_gt_tube_dataset(UCF / "pyannot.pkl")
    ds = load_gt_tube_dataset(UCF / "pyannot.pkl", split=REF / "video" / "videos.txt")
    assert len(ds.test_videos) == 200 and set(ds.videos) == set(ds.test_videos)


# --------------------------------------------------------------------------------------- counts, policy

def test_counts_say_what_a_table_was_computed_on():
    gt = fb([("v", 0, "a", A), ("v", 0, "a", [20, 20, 30, 30]), ("v", 3, "b", A)], scored=False, videos=("v", "w"))
    dets = fb([("v", 0, "a", A, 0.9), ("x", 0, "a", A, 0.5)])
    r = frame_ap(gt, dets, [0.5], unknown_videos="drop")
    assert r.extra["counts"] == {"num_videos": 2, "num_gt": 3, "num_frames": 2, "num_detections": 1}
    assert r.to_dict()["counts"]["num_frames"] == 2
    v = video_ap([Tube("v", "a", [0, 1], [A, A])], [Tube("v", "a", [0, 1], [A, A], 0.3)], [0.5])
    assert v.extra["counts"] == {"num_videos": 1, "num_gt": 1, "num_detections": 1}


def test_video_ap_unknown_videos_policy():
    ds = TubeDataset(("a",), {"v": VideoInfo("v")}, (Tube("v", "a", [0, 1], [A, A]),))
    dets = [Tube("v", "a", [0, 1], [A, A], 0.3), Tube("w", "a", [0, 1], [A, A], 0.9)]
    with pytest.raises(InputError, match=r"1 detection\(s\) in 1 video\(s\) absent .*unknown_videos='fp'"):
        video_ap(ds, dets, [0.5])
    fp = video_ap(ds, dets, [0.5], unknown_videos="fp")  # FP then TP: (0,1)-(0,0)-(1,1/2) -> 1/4
    assert fp.ap[0, 0] == pytest.approx(0.25) and "false positives" in fp.warnings[0]
    drop = video_ap(ds, dets, [0.5], unknown_videos="drop")
    assert drop.ap[0, 0] == 1.0 and drop.num_det.tolist() == [1]
    with pytest.raises(InputError, match="looks like 'v'"):  # a near miss is an error whatever the policy
        video_ap(ds, [Tube("v.avi", "a", [0, 1], [A, A], 0.3)], [0.5], unknown_videos="fp")
    with pytest.raises(InputError, match="unknown_videos"):
        video_ap(ds, dets, [0.5], unknown_videos="nope")


def test_bad_arguments_are_input_errors():
    gt = fb([("v", 0, "a", A)], scored=False)
    dets = fb([("v", 0, "a", A, 0.5)])
    for kwargs, needle in ((dict(protocol="nope"), "protocol"), (dict(iou_thresholds=[1.5]), "iou_thresholds"),
                           (dict(unknown_videos="x"), "unknown_videos")):
        with pytest.raises(InputError, match=needle):
            frame_ap(gt, dets, **kwargs)
    with pytest.raises(InputError, match="iou_thresholds"):
        video_ap([Tube("v", "a", [0], [A])], [], [-0.1])


def test_frame_ap_and_corloc_share_input_but_not_results():
    gt = fb([("v", 0, "a", A), ("v", 1, "a", A)], scored=False)
    dets = fb([("v", 0, "a", A, 0.9), ("v", 1, "a", [50, 50, 60, 60], 0.8), ("v", 1, "a", A, 0.1)])
    ap = frame_ap(gt, dets, [0.5])
    cl = frame_corloc(gt, dets, [0.5])  # same objects: the encoded input is reused
    fresh = frame_corloc(fb([("v", 0, "a", A), ("v", 1, "a", A)], scored=False), dets.select(np.ones(3, bool)), [0.5])
    assert cl.corloc.tolist() == fresh.corloc.tolist() == [[0.5]]
    assert ap.ap[0, 0] == pytest.approx(1 / 2 * 1 + 1 / 2 * 2 / 3)


# --------------------------------------------------------------------------------------- CLI

def test_eval_video_cli_flags(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("tube,video,label,score,frame,x1,y1,x2,y2\n"
                                    "0,Nope/v_Nope_g01_c01,Basketball,0.5,0,0,0,9,9\n")
    args = ["eval-video", "--gt", str(UCF / "pyannot.pkl"), "--split", str(REF / "video" / "videos.txt"),
            "--detections", str(tmp_path / "t.csv")]
    assert main(args) == 2
    assert "absent from the ground truth" in capsys.readouterr().err
    assert main(args + ["--unknown-videos", "drop", "--out", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    assert main(["eval-video", "--gt", str(UCF / "pyannot.pkl"), "--detections", str(tmp_path / "t.csv")]) == 2
    err = capsys.readouterr().err
    assert "training and test videos" in err and "split" in err and ("all_videos" in err or "--all-videos" in err)


def test_eval_spatial_cli_without_split_and_counts(tmp_path, capsys):
    dets = REF / "spatial" / "detections.csv"
    assert main(["eval-spatial", "--gt", str(UCF / "pyannot.pkl"), "--detections", str(dets)]) == 2
    assert "training and test videos" in capsys.readouterr().err
    assert main(["eval-spatial", "--gt", str(UCF / "pyannot.pkl"), "--detections", str(dets), "--all-videos",
                 "--out", str(tmp_path / "all")]) == 0
    every = json.loads((tmp_path / "all" / "metrics.json").read_text())["methods"][0]["ap"]["counts"]
    assert every["num_videos"] == 3194 and every["num_detections"] == 19168
    code = main(["eval-spatial", "--gt", str(UCF / "pyannot.pkl"), "--split", str(REF / "spatial" / "videos.txt"),
                 "--detections", str(dets), "--out", str(tmp_path / "split")])
    assert code == 0
    counts = json.loads((tmp_path / "split" / "metrics.json").read_text())["methods"][0]["ap"]["counts"]
    assert counts == {"num_videos": 120, "num_gt": 20369, "num_frames": counts["num_frames"], "num_detections": 19168}
    assert 0 < counts["num_frames"] <= 20369


# --------------------------------------------------------------------------------------- API

def test_public_api_without_torch():
    code = ("import sys; sys.modules['torch'] = None; sys.modules['cv2'] = None; sys.modules['torchvision'] = None\n"
            "from evaluators import temporal_map, temporal_corloc, frame_ap, frame_corloc, video_ap\n"
            "from annotations import load_temporal_ground_truth, load_temporal_detections, load_ucf101_24, "
            "load_box_detections, load_spatial_gt, load_tubes\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_result_objects_print_a_summary_and_become_dataframes():
    gt = fb([("v", 0, "a", A), ("v", 0, "b", A)], scored=False)
    dets = fb([("v", 0, "a", A, 0.9)])
    r = frame_ap(gt, dets, [0.5, 0.75])
    assert repr(r) == ("APResult(frame-ap/voc, mAP@0.5=0.5000, mAP@0.75=0.5000, 2 classes (2 with ground truth), "
                       "2 ground truth, 1 detections)")
    df = r.to_dataframe()
    assert list(df.columns) == ["class", "threshold", "ap", "num_gt", "num_det"] and len(df) == 6
    assert df[(df["class"] == "mean") & (df.threshold == 0.75)]["ap"].item() == 0.5
    c = frame_corloc(gt, dets, [0.5])
    assert repr(c).startswith("CorLocResult(frame, CorLoc@0.5=0.5000") and len(c.to_dataframe()) == 3
    assert "2 boxes" in repr(gt) and gt.to_dataframe().shape == (2, 7)


def test_reader_codes_with_names_that_differ_only_by_spaces(tmp_path):
    (tmp_path / "d.csv").write_text("video,frame,label,score,x1,y1,x2,y2\n"
                                    "v ,0,a,0.9,0,0,10,10\nv,1,a ,0.8,0,0,10,10\nw,0,a,0.1,0,0,10,10\n")
    dets = read_boxes_csv(tmp_path / "d.csv")
    gt = fb([("v", 0, "a", A), ("v", 1, "a", A)], scored=False, videos=("v", "w"))
    r = frame_ap(gt, dets, [0.5])
    plain = frame_ap(gt, dets.select(np.ones(3, bool)), [0.5])  # without the reader's codes
    assert r.classes == plain.classes == ("a",) and r.ap.tolist() == plain.ap.tolist() == [[1.0]]


def test_functions_are_not_shadowed_by_their_submodules():
    code = ("import evaluators.frame_ap, evaluators.video_ap\n"
            "from evaluators import frame_ap, video_ap\n"
            "assert callable(frame_ap) and callable(video_ap)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr


def test_sanity_errors_name_the_csv_line(tmp_path):
    (tmp_path / "d.csv").write_text("video,frame,label,score,x1,y1,x2,y2\n\nv,0,a,0.9,0,0,10,10\nv,11,a,0.5,0,0,10,10\n")
    dets = read_boxes_csv(tmp_path / "d.csv")  # line 2 is blank: row 1 is line 4
    gt = fb([("v", 0, "a", A)], scored=False)
    with pytest.raises(InputError, match=r"d\.csv: line 4: 1 of 2 detection rows have a frame outside"):
        frame_ap(gt, dets, [0.5], video_info=INFO)


def test_near_miss_video_names_are_an_error_even_as_false_positives():
    gt = fb([("Biking/v_Biking_g01_c01", 0, "a", A)], scored=False)
    dets = fb([("v_Biking_g01_c01.avi", 0, "a", A, 0.9)], source="d.csv")  # no class folder, an extension
    for mode in ("error", "fp", "drop"):
        with pytest.raises(InputError, match=r"d\.csv: .*near misses.*looks like 'Biking/v_Biking_g01_c01'"):
            frame_ap(gt, dets, [0.5], unknown_videos=mode)
