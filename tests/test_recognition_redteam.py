"""Realistic user mistakes on the recognition path: each ends in the right number, a one-line error
(exit 2) naming the fix, or a warning that lands in metrics.json; never a traceback or a silent number."""
import json
import os

import numpy as np
import pytest

from annotations.errors import InputError
from annotations.recognition import (load_recognition, read_class_scores, read_hmdb51, read_ucf101,
                                     write_hmdb51_splits, write_moments, write_ucf101_lists)
from locbench.cli import main

CLASSES = ("a", "b", "c")
TEST = [("a/a1", 0), ("a/a2", 0), ("b/b1", 1), ("c/c1", 2)]
SCORES = [[.6, .3, .1], [.2, .5, .3], [.1, .8, .1], [.1, .2, .7]]  # a2 wrong: top-1 3/4 by hand


def _hmdb(root, splits=(1, 2, 3)):
    for split in splits:
        rows = {c: [(f"{c}0", 1)] + [(n.split("/")[1], 2) for n, lab in TEST if CLASSES[lab] == c] for c in CLASSES}
        write_hmdb51_splits(root, rows, split)
    return root


def _touch_videos(root, sub, names):
    """Empty files where the layout expects the videos (the readers check they exist; nothing decodes them)."""
    for n in names:
        f = root / sub / n
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"")
    return root


def _csv(path, header="video,class,score", name=lambda n: n, cls=lambda c: c):
    lines = [header] if header else []
    lines += [f"{name(n)},{cls(c)},{v}" for (n, _), row in zip(TEST, SCORES) for c, v in zip(CLASSES, row)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _err(capsys):
    return capsys.readouterr().err.strip().splitlines()[-1]


# ------------------------------------------------------------------------------------------ readers

def test_hmdb_split_files_missing_for_some_classes_of_one_split(tmp_path):
    root = _hmdb(tmp_path / "h")
    os.remove(tmp_path / "h" / "testTrainMulti_7030_splits" / "b_test_split1.txt")
    assert read_hmdb51(root, 2).classes == CLASSES  # the other splits are whole
    with pytest.raises(InputError, match=r"no split file for class 'b' in split 1 \(b_test_split1.txt\)"):
        read_hmdb51(root, 1)  # before: 2 classes in split 1, 3 in split 2, labels shifted silently


def test_hmdb_crlf_bom_tabs_and_blank_lines_read_the_same(tmp_path):
    want = read_hmdb51(_hmdb(tmp_path / "h", (1,)), 1)
    sdir = tmp_path / "h" / "testTrainMulti_7030_splits"
    for f in sdir.iterdir():
        f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes().replace(b" ", b"\t").replace(b"\n", b"\r\n") + b"\r\n\r\n")
    got = read_hmdb51(tmp_path / "h", 1)
    assert (got.classes, got.train, got.test) == (want.classes, want.train, want.test)


def _ucf(root):
    classes = ("Aa", "Bb")
    write_ucf101_lists(root, classes, {1: ["Aa/v_Aa_g01_c01", "Bb/v_Bb_g01_c01"]},
                       {1: ["Aa/v_Aa_g08_c01", "Bb/v_Bb_g08_c01"]})
    return root / "ucfTrainTestlist" / "testlist01.txt"


def test_ucf_testlist_with_ids_as_some_copies_have(tmp_path):
    tl = _ucf(tmp_path)
    want = read_ucf101(tmp_path, 1, check_videos=False)
    tl.write_text("Aa/v_Aa_g08_c01.avi 1\r\nBb/v_Bb_g08_c01.avi 2\r\n")
    got = read_ucf101(tmp_path, 1, check_videos=False)  # before: refused as 'testlists have no id'
    assert [(v.name, v.label) for v in got.test] == [(v.name, v.label) for v in want.test]
    tl.write_text("Aa/v_Aa_g08_c01.avi 2\r\nBb/v_Bb_g08_c01.avi 2\r\n")
    with pytest.raises(InputError, match=r"testlist01.txt: line 1: class id 2 is 'Bb' but the folder is 'Aa'"):
        read_ucf101(tmp_path, 1, check_videos=False)


def test_ucf_classind_zero_based_is_refused(tmp_path):
    _ucf(tmp_path)
    (tmp_path / "ucfTrainTestlist" / "classInd.txt").write_text("0 Aa\n1 Bb\n")
    with pytest.raises(InputError, match="classInd.txt: line 1: class id 0 where 1 was expected"):
        read_ucf101(tmp_path, 1, check_videos=False)


def test_moments_extra_quoted_columns_and_category_gap(tmp_path):
    write_moments(tmp_path, ("x", "y"), ["x/1.mp4", "y/2.mp4"], ["x/3.mp4"])
    (tmp_path / "trainingSet.csv").write_text('"x/1.mp4","x",3,0,"a, b"\ny/2.mp4,y,3,0,extra\n')
    s = load_recognition(tmp_path, check_videos=False)
    assert [(v.name, v.label) for v in s.train] == [("training/x/1", 0), ("training/y/2", 1)]
    (tmp_path / "moments_categories.txt").write_text("x,0\ny,2\n")
    with pytest.raises(InputError, match="moments_categories.txt: line 2: category id 2 where 1 was expected"):
        load_recognition(tmp_path, check_videos=False)


# ------------------------------------------------------------------------------------- score files

def test_score_csv_header_in_capitals_is_a_header(tmp_path):
    s = read_class_scores(_csv(tmp_path / "s.csv", header="Video,Class,Score"), CLASSES)
    assert s.scores.shape == (4, 3)  # before: "score 'Score' is not a number"


def test_score_csv_other_header_and_class_ids_name_the_fix(tmp_path):
    with pytest.raises(InputError, match="line 1: score 'prob' is not a number; a header line must read"):
        read_class_scores(_csv(tmp_path / "h.csv", header="video_id,label,prob"), CLASSES)
    with pytest.raises(InputError, match=r"unknown class '1': .*name classes, not ids"):
        read_class_scores(_csv(tmp_path / "i.csv", cls=lambda c: str(CLASSES.index(c) + 1)), CLASSES)


def test_npz_is_named(tmp_path):
    np.savez(tmp_path / "s.npz", np.zeros((4, 3)))
    with pytest.raises(InputError, match=r"a \.npz archive is not a score file: save .* with np.save as \.npy"):
        read_class_scores(tmp_path / "s.npz", CLASSES, tmp_path / "v.txt")


def test_cli_score_videos_with_a_csv_is_refused(tmp_path, capsys):
    root = _hmdb(tmp_path / "h", (1,))
    (tmp_path / "v.txt").write_text("\n".join(n for n, _ in TEST) + "\n")
    rc = main(["eval-classification", "--data", str(root), "--scores", _csv(tmp_path / "s.csv"),
               "--score-videos", str(tmp_path / "v.txt")])
    assert rc == 2 and "--score-videos: video lists go with .npy score files only" in _err(capsys)


@pytest.mark.parametrize("name", [lambda n: n + ".avi", lambda n: n.split("/")[1], lambda n: "videos/" + n + ".avi"])
def test_cli_video_name_spellings_give_the_number_by_hand(tmp_path, capsys, name):
    root = _hmdb(tmp_path / "h", (1,))
    out = tmp_path / "o"
    rc = main(["eval-classification", "--data", str(root), "--scores", _csv(tmp_path / "s.csv", name=name),
               "--out", str(out)])
    assert rc == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["splits"]["1"]["top1"] == pytest.approx(0.75)


def _tiny_hmdb_run(tmp_path, monkeypatch):
    """A synthetic HMDB51 root, a 1-epoch checkpoint trained on its split 1, and a list that records any
    scoring of test videos (predict or ablate's centre clips), which the refusals below must never reach."""
    import locbench.inference.predict as P
    import locbench.training.ablate as A
    from locbench.synth.recognition import make_recognition
    from locbench.training.train import TrainConfig, train

    make_recognition(tmp_path / "syn", "hmdb51", num_classes=2, train_per_class=3, test_per_class=1, size="32x32",
                     frames="4,5")
    ck = tmp_path / "run"
    train(TrainConfig(data=str(tmp_path / "syn"), out=str(ck), epochs=1, num_frames=2, input_size=32,
                      feature_channels=8, hidden_channels=4, spatial_widths=(4,), attention_dim=4, progress=False,
                      device="cpu"))
    called = []
    monkeypatch.setattr(P, "predict_videos", lambda *a, **k: called.append(1))
    monkeypatch.setattr(A, "accuracy_on_test", lambda *a, **k: called.append(1))
    return ck, called


def test_cli_checkpoint_of_another_dataset_fails_before_predicting(tmp_path, capsys, monkeypatch):
    ck, called = _tiny_hmdb_run(tmp_path, monkeypatch)
    root = _hmdb(tmp_path / "h", (1,))
    rc = main(["eval-classification", "--data", str(root), "--checkpoint", str(ck / "last.pt"), "--out",
               str(tmp_path / "o")])
    assert rc == 2 and not called and "class_names" in _err(capsys)


# ------------------------------------------------------------------------------------------- ablate

ABL = ["--preset", "cpu", "--epochs", "1", "--frames", "2", "--input-size", "32", "--feature-channels", "8",
       "--hidden", "4", "--spatial-widths", "4", "--attention-dim", "4", "--no-progress"]


@pytest.mark.parametrize("extra, message", [
    (["--seeds", "0,0"], "--seeds: seed 0 is given twice"),
    (["--seeds", "-1"], "--seeds: seeds are non-negative integers"),
    (["--rows", ","], "--rows: no row in ','"),
    (["--backbones", ","], "--backbones: no backbone given"),
    (["--backbone-weights", "resnet50=w.pth"], "--backbone-weights: weights for resnet50 but it is not among"),
    (["--backbones", "resnet18", "--backbone-weights", "resnet18=/no/such.pth"], "resnet18 weights file does not exist"),
    (["--frames", "0"], "--frames: must be at least 1, got 0"),
    (["--lr", "0"], "--lr: must be positive"),
])
def test_ablate_bad_arguments_fail_before_training(tmp_path, capsys, monkeypatch, extra, message):
    import locbench.training.ablate as A

    monkeypatch.setattr(A, "run_one", lambda *a, **k: pytest.fail("a row trained"))
    root = _hmdb(tmp_path / "h", (1,))
    rc = main(["ablate", "--data", str(root), *ABL, *extra, "--out", str(tmp_path / "abl")])
    err = _err(capsys)
    assert rc == 2 and message in err and "Traceback" not in err


def test_ablate_out_of_another_run_is_refused(tmp_path, capsys, monkeypatch):
    import locbench.training.ablate as A

    monkeypatch.setattr(A, "run_one", lambda *a, **k: pytest.fail("a row trained"))
    root = _hmdb(tmp_path / "h", (1,))
    other = tmp_path / "eval"
    assert main(["eval-classification", "--data", str(root), "--scores", _csv(tmp_path / "s.csv"),
                 "--out", str(other)]) == 0
    before = (other / "metrics.json").read_text()
    rc = main(["ablate", "--data", str(root), *ABL, "--rows", "full", "--out", str(other)])
    assert rc == 2 and "metrics.json of task 'classification'" in _err(capsys)
    assert (other / "metrics.json").read_text() == before


def test_ablate_empty_training_list_is_refused(tmp_path, capsys, monkeypatch):
    import locbench.training.ablate as A

    monkeypatch.setattr(A, "run_one", lambda *a, **k: pytest.fail("a row trained"))
    _ucf(tmp_path / "u")
    _touch_videos(tmp_path / "u", "UCF-101", ["Aa/v_Aa_g08_c01.avi", "Bb/v_Bb_g08_c01.avi"])
    (tmp_path / "u" / "ucfTrainTestlist" / "trainlist01.txt").write_text("")
    rc = main(["ablate", "--data", str(tmp_path / "u"), *ABL, "--rows", "full", "--out", str(tmp_path / "abl")])
    assert rc == 2 and "no training video in this split" in _err(capsys)


def test_ablate_skipped_videos_land_in_the_table_and_metrics(tmp_path, capsys, monkeypatch):
    import locbench.training.ablate as A

    monkeypatch.setattr(A, "run_one", lambda spec, *a, **k: A.RowResult(spec.dataset, spec.backbone, spec.row,
                                                                        spec.seed, 0.5, 1, "x", "last epoch"))
    root = tmp_path / "mom"
    write_moments(root, ("x", "y"), ["x/1.mp4", "y/2.mp4"], ["x/3.mp4", "y/4.mp4"])
    for rel in ("training/x/1.mp4", "training/y/2.mp4", "validation/x/3.mp4"):  # validation/y/4.mp4 missing
        os.makedirs(os.path.dirname(root / rel), exist_ok=True)
        (root / rel).write_bytes(b"")
    out = tmp_path / "abl"
    assert main(["ablate", "--data", str(root), *ABL, "--rows", "full", "--out", str(out)]) == 0
    cap = capsys.readouterr()
    assert "warning: mom: 1 videos listed" in cap.err and "were skipped" in cap.out
    notes = json.loads((out / "metrics.json").read_text())["notes"]
    assert any("mom: 1 videos listed" in n for n in notes)


def test_constant_scores_warn_about_ties(tmp_path, capsys):
    from evaluators.classification import classification_metrics

    r = classification_metrics([[0.5, 0.5, 0.1], [0.2, 0.3, 0.1]], [1, 1], topk=(1,))
    assert r.top1 == 0.5 and any("1 of 2 videos have several classes tied" in w for w in r.warnings)
    root = _hmdb(tmp_path / "h", (1,))
    p = tmp_path / "const.csv"
    p.write_text("".join(f"{n},{c},0.25\n" for n, _ in TEST for c in CLASSES))
    out = tmp_path / "o"
    assert main(["eval-classification", "--data", str(root), "--scores", str(p), "--out", str(out)]) == 0
    assert "4 of 4 videos have several classes tied" in capsys.readouterr().err
    assert any("tied" in w for w in json.loads((out / "metrics.json").read_text())["warnings"])


def test_parent_of_a_synth_root_names_the_root(tmp_path, capsys):
    _hmdb(tmp_path / "out" / "hmdb51", (1,))
    rc = main(["eval-classification", "--data", str(tmp_path / "out"), "--scores", _csv(tmp_path / "s.csv")])
    assert rc == 2 and f"but {tmp_path / 'out' / 'hmdb51'} is: give that folder" in _err(capsys)


def test_thumos_has_one_split_and_classes_flag_is_thumos_only(tmp_path, capsys):
    gt = tmp_path / "th" / "groundtruth"
    gt.mkdir(parents=True)
    (tmp_path / "classes.txt").write_text("7 A\n9 B\n")
    for side in ("val", "test"):
        (gt / f"A_{side}.txt").write_text(f"video_{side}_1 1 2\n")
        (gt / f"B_{side}.txt").write_text(f"video_{side}_2 1 2\n")
    s = _csv(tmp_path / "s.csv")
    (tmp_path / "t.csv").write_text("video_test_1,A,0.9\nvideo_test_1,B,0.1\nvideo_test_2,A,0.8\nvideo_test_2,B,0.2\n")
    base = ["eval-classification", "--data", str(tmp_path / "th"), "--classes", str(tmp_path / "classes.txt")]
    assert main(base + ["--scores", str(tmp_path / "t.csv")]) == 0  # split 1: top-1 1/2
    capsys.readouterr()
    assert main(base + ["--splits", "2", "--scores", str(tmp_path / "t.csv")]) == 2  # before: titled 'split 2'
    assert "--splits: THUMOS'14 has one split" in _err(capsys)
    root = _hmdb(tmp_path / "h", (1,))
    assert main(["eval-classification", "--data", str(root), "--classes", str(tmp_path / "classes.txt"),
                 "--scores", s]) == 2
    assert "--classes: is for THUMOS'14 only" in _err(capsys)


def test_moments_scores_named_as_in_the_csv_match_even_with_shared_file_names(tmp_path, capsys):
    root = tmp_path / "mom"
    write_moments(root, ("x", "y"), ["x/0.mp4", "y/9.mp4"], ["x/1.mp4", "y/1.mp4"])  # '1.mp4' in both categories
    p = tmp_path / "s.csv"  # named as validationSet.csv names them: no 'validation/' prefix; y/1 wrong
    p.write_text("x/1.mp4,x,0.9\nx/1.mp4,y,0.1\ny/1.mp4,x,0.6\ny/1.mp4,y,0.4\n")
    out = tmp_path / "o"
    assert main(["eval-classification", "--data", str(root), "--scores", str(p), "--out", str(out)]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["splits"]["1"]["top1"] == pytest.approx(0.5)  # before: an error (file name '1' matched two videos)
    assert any("2 scored videos matched test videos by the end of their path" in n for n in m["notes"])


def test_checkpoint_of_split_1_on_split_2_is_refused(tmp_path, capsys, monkeypatch):
    ck, called = _tiny_hmdb_run(tmp_path, monkeypatch)
    rc = main(["eval-classification", "--data", str(tmp_path / "syn"), "--splits", "2", "--checkpoint",
               str(ck / "last.pt"), "--out", str(tmp_path / "o")])
    err = _err(capsys)  # before: split 2 scored with a model that trained on some of its test videos
    assert rc == 2 and not called and "trained on split 1, whose training list holds test videos of split 2" in err
    att = tmp_path / "att"  # attention files of that checkpoint: predict_info.json names it
    att.mkdir()
    (att / "predict_info.json").write_text(json.dumps({"checkpoint": str(ck / "last.pt")}))
    rc = main(["eval-classification", "--data", str(tmp_path / "syn"), "--splits", "2", "--attention", str(att)])
    assert rc == 2 and "trained on split 1, whose training list holds test videos of split 2" in _err(capsys)


def test_ablate_moments_split_2_names_the_flag(tmp_path, capsys):
    write_moments(tmp_path / "mom", ("x", "y"), ["x/0.mp4", "y/9.mp4"], ["x/1.mp4", "y/1.mp4"])
    rc = main(["ablate", "--data", str(tmp_path / "mom"), *ABL, "--official-split", "2", "--out", str(tmp_path / "a")])
    assert rc == 2 and "--official-split: Moments in Time has one split" in _err(capsys)


def test_topk_1_gives_one_top1_column_and_wide_csv_is_named(tmp_path, capsys):
    root = _hmdb(tmp_path / "h", (1,))
    assert main(["eval-classification", "--data", str(root), "--scores", _csv(tmp_path / "s.csv"), "--topk", "1"]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| Method"))
    assert header.count("top-1") == 1  # before: two identical top-1 columns
    wide = tmp_path / "w.csv"
    wide.write_text("video,a,b,c\n" + "".join(f"{n},{','.join(map(str, r))}\n" for (n, _), r in zip(TEST, SCORES)))
    with pytest.raises(InputError, match="found 4 columns \\(one column per class"):
        read_class_scores(wide, CLASSES)


def test_ablate_corrupt_row_result_is_one_line(tmp_path, capsys):
    root = _hmdb(tmp_path / "h", (1,))
    _touch_videos(root, "videos", [f"{c}/{c}0.avi" for c in CLASSES] + [n + ".avi" for n, _ in TEST])
    row = tmp_path / "abl" / "h" / "small" / "full" / "seed0"
    row.mkdir(parents=True)
    (row / "result.json").write_text('{"top1": 0.5')  # edited by hand, or cut short by a full disk
    rc = main(["ablate", "--data", str(root), *ABL, "--rows", "full", "--out", str(tmp_path / "abl")])
    err = _err(capsys)
    assert rc == 2 and "unreadable row result" in err and "delete the row folder" in err


def test_baseline_checkpoint_scores_as_ablate_did(tmp_path, capsys):
    from locbench.synth.recognition import make_recognition

    make_recognition(tmp_path / "syn", "hmdb51", num_classes=2, train_per_class=3, test_per_class=2, size="32x32",
                     frames="4,5")
    assert main(["ablate", "--data", str(tmp_path / "syn"), *ABL, "--rows", "baseline", "--out",
                 str(tmp_path / "abl")]) == 0
    row = tmp_path / "abl" / "syn" / "small" / "baseline" / "seed0"
    want = json.loads((row / "result.json").read_text())["top1"]
    out = tmp_path / "ev"
    rc = main(["eval-classification", "--data", str(tmp_path / "syn"), "--checkpoint", str(row / "run" / "last.pt"),
               "--device", "cpu", "--out", str(out)])
    assert rc == 0  # before: AttributeError traceback inside predict ('MeanPoolHead' has no 'spatial')
    m = json.loads((out / "metrics.json").read_text())
    assert m["splits"]["1"]["top1"] == pytest.approx(want)
    assert any("centre clip per test video, as ablate" in n for n in m["notes"])


@pytest.mark.slow
def test_attention_checkpoints_score_as_ablate_did_with_the_he_centre_crop(tmp_path, capsys):
    from locbench.synth.recognition import make_recognition

    make_recognition(tmp_path / "syn", "hmdb51", num_classes=2, train_per_class=3, test_per_class=2, size="40x32",
                     frames="4,5")
    assert main(["ablate", "--data", str(tmp_path / "syn"), *ABL, "--rows", "full", "--seeds", "0,1", "--augment",
                 "--out", str(tmp_path / "abl")]) == 0
    rows = [tmp_path / "abl" / "syn" / "small" / "full" / f"seed{k}" for k in (0, 1)]
    out = tmp_path / "ev"
    base = ["eval-classification", "--data", str(tmp_path / "syn"), "--device", "cpu", "--topk", "1", "--out", str(out)]
    for k, row in enumerate(rows):  # before: predict's whole resized frames, another number than ablate's
        assert main(base + ["--checkpoint", str(row / "run" / "last.pt")] + (["--overwrite"] if k else [])) == 0
        m = json.loads((out / "metrics.json").read_text())
        assert m["splits"]["1"]["top1"] == pytest.approx(json.loads((row / "result.json").read_text())["top1"])
        assert not m["warnings"] and any("round(256 S / 224)" in n for n in m["notes"])
    assert not (out / "attention_split1").exists()  # trimmed sets never go through predict


def test_scores_of_another_split_say_so(tmp_path, capsys):
    root = tmp_path / "h"
    for split, test in ((1, TEST), (2, [("a/a0", 0), ("b/b0", 1), ("c/c0", 2)])):
        tags = {c: [(n.split("/")[1], 2) for n, lab in test if CLASSES[lab] == c] for c in CLASSES}
        for c in CLASSES:  # the other split's test clips train here
            tags[c] += [(n.split("/")[1], 1) for n, lab in (TEST + [("a/a0", 0), ("b/b0", 1), ("c/c0", 2)])
                        if CLASSES[lab] == c and (n, lab) not in test]
        write_hmdb51_splits(root, tags, split)
    s1 = _csv(tmp_path / "s1.csv")
    for policy in ("error", "drop"):  # before: 'pass --unknown-videos drop', which then failed on missing scores
        rc = main(["eval-classification", "--data", str(root), "--splits", "2", "--scores", s1,
                   "--unknown-videos", policy])
        assert rc == 2 and "none of its 4 scored videos is a test video of this split" in _err(capsys)


def test_lists_without_videos_fail_in_one_line_for_train_and_ablate(tmp_path, capsys):
    root = _hmdb(tmp_path / "h", (1,))  # split files only, no videos/ folder
    with pytest.raises(InputError, match="no video folder"):
        load_recognition(root, 1)
    assert load_recognition(root, 1, check_videos=False).test  # reading the lists alone is fine
    rc = main(["ablate", "--data", str(root), *ABL, "--rows", "full", "--out", str(tmp_path / "a")])
    assert rc == 2 and "no video folder" in _err(capsys)  # before: TypeError traceback inside training
    rc = main(["train", "--data", str(root), "--out", str(tmp_path / "t"), "--epochs", "1", "--no-progress"])
    assert rc == 2 and "no video folder" in _err(capsys)
    _ucf(tmp_path / "u")
    with pytest.raises(InputError, match="no video folder \\(expected <root>/UCF-101/"):
        load_recognition(tmp_path / "u", 1)


def test_ablate_resnet_at_32_px_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import locbench.training.ablate as A

    monkeypatch.setattr(A, "run_one", lambda *a, **k: pytest.fail("a row trained"))
    root = _hmdb(tmp_path / "h", (1,))  # 3 training clips in batches of 2: the last batch is one clip
    _touch_videos(root, "videos", [f"{c}/{c}0.avi" for c in CLASSES] + [n + ".avi" for n, _ in TEST])
    rc = main(["ablate", "--data", str(root), "--backbones", "resnet18", "--input-size", "32", "--batch-size", "2",
               "--rows", "full", "--out", str(tmp_path / "a")])
    err = _err(capsys)  # before: BatchNorm ValueError traceback on the batch of one 1x1 map
    assert rc == 2 and "--input-size: 32 px gives resnet18 a 1x1 feature map" in err and "--input-size 64 or more" in err


def test_train_on_an_empty_trainlist_is_an_error(tmp_path, capsys):
    from locbench.synth.recognition import make_recognition

    root = tmp_path / "ucf101"
    make_recognition(root, "ucf101", num_classes=2, train_per_class=3, test_per_class=1, size="32x32", frames="4,4")
    (root / "ucfTrainTestlist" / "trainlist01.txt").write_text("")
    rc = main(["train", "--data", str(root), "--out", str(tmp_path / "t"), "--epochs", "1", "--frames", "2",
               "--input-size", "32", "--no-progress", "--device", "cpu"])
    assert rc == 2 and "no training video left" in _err(capsys)  # before: trained on 0 videos, exit 0
    assert not (tmp_path / "t" / "last.pt").exists()


def test_synth_recognition_refuses_localization_only_options(tmp_path, capsys):
    for flag, value in (("--distractor-frac", "0.3"), ("--duration-s", "10,12"), ("--exit-frac", "0.2")):
        rc = main(["synth", "--kind", "hmdb51", "--out", str(tmp_path / "s"), flag, value])
        assert rc == 2 and f"{flag}: does not apply to --kind hmdb51" in _err(capsys)  # before: ignored, exit 0
    assert not (tmp_path / "s").exists()
