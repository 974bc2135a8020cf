"""eval-classification against values computed by hand on a tiny hand-made HMDB51-format set."""
import json
import math

import numpy as np
import pytest

from annotations.recognition import write_hmdb51_splits
from evaluators.classification import class_ranks, classification_metrics, mean_std
from locbench.cli import main

CLASSES = ("a", "b", "c")
TEST = [("a/a1", 0), ("a/a2", 0), ("b/b1", 1), ("c/c1", 2)]
# per split: scores of a1, a2, b1, c1 over classes a, b, c
SCORES = {
    1: [[.6, .3, .1], [.2, .5, .3], [.4, .4, .2], [.1, .2, .7]],  # a1 ok, a2 b (a rank 2), b1 tie -> a (b rank 1), c1 ok
    2: [[.9, .0, .1], [.8, .1, .1], [.1, .8, .1], [.0, .1, .9]],  # all right
    3: [[.2, .3, .5], [.7, .2, .1], [.1, .8, .1], [.5, .1, .4]],  # a1 c (a rank 2), c1 a (c rank 1)
}
# by hand: top-1 1/2, 1, 1/2; top-2 3/4, 1, 3/4; mean per class (1/2+0+1)/3, 1, (1/2+1+0)/3
TOP1, TOP2, MPC = [0.5, 1.0, 0.5], [0.75, 1.0, 0.75], [0.5, 1.0, 0.5]


@pytest.fixture()
def hmdb(tmp_path):
    root = tmp_path / "hmdb"
    train = {"a": [("a0", 1)], "b": [("b0", 1)], "c": [("c0", 1), ("c9", 0)]}
    for split in (1, 2, 3):
        rows = {c: list(train[c]) + [(n.split("/")[1], 2) for n, lab in TEST if CLASSES[lab] == c] for c in CLASSES}
        write_hmdb51_splits(root, rows, split)
    files = []
    for split, s in SCORES.items():
        p = tmp_path / f"s{split}.csv"
        p.write_text("video,class,score\n" + "".join(f"{n},{c},{v}\n" for (n, _), row in zip(TEST, s)
                                                      for c, v in zip(CLASSES, row)))
        files.append(str(p))
    return root, files


def test_evaluator_by_hand():
    labels = [lab for _, lab in TEST]
    assert class_ranks(SCORES[1], labels).tolist() == [0, 2, 1, 0]
    for k in (1, 2, 3):
        r = classification_metrics(SCORES[k], labels, topk=(1, 2))
        assert (r.top1, r.topk[2], r.mean_per_class) == pytest.approx((TOP1[k - 1], TOP2[k - 1], MPC[k - 1]))
    r = classification_metrics(SCORES[1], labels, topk=(1, 5))
    assert r.confusion.tolist() == [[1, 1, 0], [1, 0, 0], [0, 0, 1]] and r.topk[5] == 1.0
    assert any("top-5 with 3 classes" in w for w in r.warnings)
    m, s = mean_std(TOP1)
    assert m == pytest.approx(2 / 3) and s == pytest.approx(math.sqrt(1 / 12))  # ddof 1
    assert math.isnan(mean_std([0.5])[1])


def test_cli_three_splits_mean_std(hmdb, tmp_path, capsys):
    root, files = hmdb
    out = tmp_path / "res"
    rc = main(["eval-classification", "--data", str(root), "--splits", "1,2,3", "--scores", *files, "--topk", "2",
               "--out", str(out), "--name", "mine"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "66.67 ± 28.87" in text and "83.33 ± 14.43" in text  # top-1 and top-2 over the three splits
    m = json.loads((out / "metrics.json").read_text())
    assert [m["splits"][s]["top1"] for s in "123"] == pytest.approx(TOP1)
    assert [m["splits"][s]["top2"] for s in "123"] == pytest.approx(TOP2)
    assert [m["splits"][s]["mean_per_class"] for s in "123"] == pytest.approx(MPC)
    assert m["mean"]["top2"] == pytest.approx(5 / 6) and m["std"]["top2"] == pytest.approx(math.sqrt(3 / 144))
    for f in ("table.md", "table.csv", "table.json", "table.tex", "splits.md", "confusion.png", "per_class_accuracy.png"):
        assert (out / f).stat().st_size > 0, f
    assert "mine" in (out / "table.tex").read_text()
    # the folder now holds this run: a second run is refused, --overwrite replaces exactly these files
    argv = ["eval-classification", "--data", str(root), "--splits", "1,2,3", "--scores", *files, "--out", str(out)]
    assert main(argv) == 2 and "another run" in capsys.readouterr().err
    (out / "mine.txt").write_text("a file locbench did not write")
    assert main(argv + ["--overwrite"]) == 2  # never removes a file it did not write
    (out / "mine.txt").unlink()
    assert main(argv + ["--overwrite"]) == 0 and (out / "confusion.png").exists()


def test_npy_scores_and_attention_files(hmdb, tmp_path, capsys):
    root, _ = hmdb
    np.save(tmp_path / "s.npy", np.array(SCORES[1]))
    (tmp_path / "v.txt").write_text("".join(n + "\n" for n, _ in TEST))
    assert main(["eval-classification", "--data", str(root), "--scores", str(tmp_path / "s.npy"), "--score-videos",
                 str(tmp_path / "v.txt"), "--topk", "2", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out.split("\n\n")[0])["rows"][0]["values"]
    assert [c["value"] for c in row] == pytest.approx([TOP1[0], TOP2[0], MPC[0]])
    from locbench.inference.attention import AttentionRecord, attention_path, save_attention

    for (n, _), s in zip(TEST, SCORES[3]):
        save_attention(attention_path(tmp_path / "att", n), AttentionRecord(
            n, CLASSES, np.array(s), np.arange(2), 25.0, (8, 8), frame_importance=np.ones(2)))
    assert main(["eval-classification", "--data", str(root), "--attention", str(tmp_path / "att"), "--topk", "2",
                 "--format", "csv"]) == 0
    assert f"{TOP1[2]:.6f}" in capsys.readouterr().out


def test_mistakes_end_in_one_line_errors(hmdb, tmp_path, capsys):
    root, files = hmdb
    base = ["eval-classification", "--data", str(root)]
    assert main(base + ["--splits", "1,2", "--scores", files[0]]) == 2
    assert "one per split" in capsys.readouterr().err
    bad = tmp_path / "missing.csv"
    bad.write_text("".join(ln + "\n" for ln in open(files[0]).read().splitlines()[:-3]))  # c/c1 unscored
    assert main(base + ["--scores", str(bad)]) == 2
    assert "1 of 4 test videos have no score (first: 'c/c1')" in capsys.readouterr().err
    extra = tmp_path / "extra.csv"
    extra.write_text(open(files[0]).read() + "".join(f"a/a0,{c},0.1\n" for c in CLASSES))  # a training video
    assert main(base + ["--scores", str(extra)]) == 2
    assert "not test videos" in capsys.readouterr().err
    assert main(base + ["--scores", str(extra), "--unknown-videos", "drop", "--topk", "2"]) == 0
    assert "were dropped" in capsys.readouterr().out
    unknown_cls = tmp_path / "u.csv"
    unknown_cls.write_text("a/a1,zzz,0.3\n")
    assert main(base + ["--scores", str(unknown_cls)]) == 2
    assert "line 1: unknown class 'zzz'" in capsys.readouterr().err


def test_thumos_multi_label_drop_or_map(tmp_path, capsys):
    gt = tmp_path / "th" / "groundtruth"
    gt.mkdir(parents=True)
    (tmp_path / "classes.txt").write_text("7 A\n9 B\n")
    for c in "AB":
        (gt / f"{c}_val.txt").write_text("video_validation_1 1 2\n")
    (gt / "A_test.txt").write_text("t1 1 2\nt3 4 5\n")
    (gt / "B_test.txt").write_text("t2 1 2\nt3 7 8\n")  # t3 has both classes
    scores = tmp_path / "s.csv"
    # t1 (A): A wins; t2 (B): A wins (wrong); t3 (A, B): B wins
    scores.write_text("t1,A,0.9\nt1,B,0.1\nt2,A,0.6\nt2,B,0.4\nt3,A,0.2\nt3,B,0.8\n")
    base = ["eval-classification", "--data", str(tmp_path / "th"), "--classes", str(tmp_path / "classes.txt"),
            "--scores", str(scores), "--format", "json", "--topk", "2"]
    assert main(base) == 0  # t3 removed by the protocol: its scores are ignored, not "unknown"
    out = capsys.readouterr().out
    t = json.loads(out.split("\n\n")[0])
    assert t["rows"][0]["values"][0]["value"] == pytest.approx(0.5)  # t1 right, t2 wrong
    assert any("1 of 3 test videos have several classes and were removed" in n for n in t["notes"])
    assert main(base + ["--multi-label", "map", "--out", str(tmp_path / "m")]) == 0
    m = json.loads((tmp_path / "m" / "metrics.json").read_text())["splits"]["1"]
    assert m["top1_in_label_set"] == pytest.approx(2 / 3)  # t1 and t3 hit one of their classes
    # AP(A): scores t1 .9 (pos), t2 .6 (neg), t3 .2 (pos) -> (1 + 2/3) / 2; AP(B): t3 .8 (pos), t2 .4 (pos) -> 1
    assert m["per_class_ap"]["A"] == pytest.approx(5 / 6) and m["per_class_ap"]["B"] == pytest.approx(1.0)
    assert m["mAP"] == pytest.approx((5 / 6 + 1) / 2)
