"""Attention files → localize / eval-* / plot-failures, end to end, without training: attention
that covers the ground truth must localize perfectly and beat every baseline; attention that
looks elsewhere must not."""
import json

import numpy as np
import pytest

from annotations.boxes_io import read_boxes_csv
from annotations.thumos14 import read_detections_txt, write_class_txt_dir
from annotations.types import Segments, Tube, TubeDataset, VideoInfo
from annotations.ucf101_24 import write_pyannot, write_split_list
from locbench.inference.attention import AttentionRecord, attention_path, save_attention
from locbench.cli import main

CLASSES = ("Jump", "Run")
H, W = 60, 80


def _spatial_fixture(tmp_path, good=True):
    """Two 6-frame clips, one actor each; masks on 8x8 grids cover the actor (or the far corner)."""
    tubes, infos = [], {}
    att = tmp_path / "att"
    for i, (video, label) in enumerate((("Jump/v_Jump_g01_c01", "Jump"), ("Run/v_Run_g01_c01", "Run"))):
        # actor box on the 10-pixel grid, so an 8x8 mask can reproduce it exactly
        x0, y0 = (10, 10) if i == 0 else (40, 20)
        boxes = np.array([[x0, y0, x0 + 30, y0 + 30]] * 6, float)
        tubes.append(Tube(video, label, np.arange(6), boxes))
        infos[video] = VideoInfo(video, label, 6, width=W, height=H)
        masks = np.zeros((6, H // 10 * 1, W // 10), np.float32)  # (6, 6, 8): one cell = 10 px
        cells = (slice(y0 // 10, (y0 + 30) // 10), slice(x0 // 10, (x0 + 30) // 10))
        if good:
            masks[:, cells[0], cells[1]] = 1.0
        else:
            masks[:, 0:1, 7:8] = 1.0
        scores = np.array([0.9, 0.1]) if label == "Jump" else np.array([0.2, 0.8])
        rec = AttentionRecord(video, CLASSES, scores, np.arange(6), 25.0, (H, W), masks=masks,
                              frame_importance=np.ones(6), windows=np.arange(6)[None],
                              temporal_weights=np.full((1, 6, 6), 1 / 6))
        save_attention(attention_path(att, video), rec)
    dataset = TubeDataset(CLASSES, infos, tuple(tubes), train_videos=(), test_videos=tuple(infos))
    write_pyannot(tmp_path / "pyannot.pkl", dataset, with_class_names=True)
    write_split_list(tmp_path / "test.txt", list(infos))
    return att


def _table_map(path, method_index, k):
    return json.loads(path.read_text())["methods"][method_index]["ap"]["mAP"][k]


@pytest.mark.parametrize("good", [True, False])
def test_spatial_attention_to_table_and_figures(tmp_path, capsys, good):
    att = _spatial_fixture(tmp_path, good)
    out, figs = tmp_path / "eval", tmp_path / "figs"
    code = main(["eval-spatial", "--gt", str(tmp_path / "pyannot.pkl"), "--split", str(tmp_path / "test.txt"),
                 "--attention", str(att), "--out", str(out), "--plots", str(figs)])
    stdout = capsys.readouterr().out
    assert code == 0 and "full-frame box" in stdout and "centre box" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert [m["name"] for m in metrics["methods"]][1:] == ["full-frame box", "centre box (mean GT size)"]
    assert metrics["methods"][0]["classification_accuracy"] == 1.0
    model, full, centre = (_table_map(out / "metrics.json", i, 3) for i in range(3))
    if good:
        assert model == pytest.approx(1.0) and model > max(full, centre) + 0.1
        assert (figs / "gallery_best.png").stat().st_size > 0
    else:
        assert model == 0.0 and (figs / "gallery_iou0.png").stat().st_size > 0
    assert list(figs.glob("strip_*.png")) and (figs / "pr_spatial.png").exists()

    boxes_csv = tmp_path / "boxes.csv"
    assert main(["localize", "--attention", str(att), "--boxes", str(boxes_csv)]) == 0
    boxes = read_boxes_csv(boxes_csv)
    assert len(boxes) == 12 and set(boxes.label) == set(CLASSES)
    if good:
        jump = boxes.boxes_xyxy[boxes.video == "Jump/v_Jump_g01_c01"][0]
        np.testing.assert_array_equal(jump, [10, 10, 40, 40])


def _temporal_fixture(tmp_path, importance_inside):
    """One 20 s video at 10 fps with one action 8-12 s; importance high inside or outside it."""
    (tmp_path / "gt").mkdir()
    index = tmp_path / "class_index.txt"
    index.write_text("1 Jump\n2 Run\n")
    gt = Segments(["video_test_0000001", "video_test_0000002"], [8.0, 2.0], [12.0, 5.0], ["Jump", "Run"])
    write_class_txt_dir(tmp_path / "gt", gt, "test", class_index=str(index))
    att = tmp_path / "att"
    for video, (s, e), scores in (("video_test_0000001", (8, 12), [0.7, 0.3]),
                                  ("video_test_0000002", (2, 5), [0.1, 0.9])):
        frame_idx = np.arange(0, 600, 3)  # 30 fps source sampled at 10 fps
        t = frame_idx / 30.0
        inside = (t >= s) & (t < e)
        importance = np.where(inside == importance_inside, 3.0, 0.5)
        rec = AttentionRecord(video, CLASSES, np.array(scores), frame_idx, 30.0, (90, 160),
                              frame_importance=importance)
        save_attention(attention_path(att, video), rec)
    return att, index


@pytest.mark.parametrize("inside", [True, False])
def test_temporal_attention_to_table_and_timelines(tmp_path, capsys, inside):
    att, index = _temporal_fixture(tmp_path, inside)
    out, figs = tmp_path / "eval", tmp_path / "figs"
    code = main(["eval-temporal", "--gt", str(tmp_path / "gt"), "--class-index", str(index), "--attention", str(att),
                 "--protocol", "thumos14,activitynet", "--out", str(out), "--plots", str(figs)])
    assert code == 0, capsys.readouterr().err
    names = [m["name"] for m in json.loads((out / "metrics.json").read_text())["methods"]]
    assert names[1] == "uniform temporal weights [thumos14]" and len(names) == 4
    model, uniform = _table_map(out / "metrics.json", 0, 2), _table_map(out / "metrics.json", 1, 2)
    if inside:
        assert model == pytest.approx(1.0) and uniform == 0.0  # whole-video segments have tIoU 0.2 / 0.15
    else:
        assert model == 0.0
    assert len(list(figs.glob("timeline_*.png"))) == 2 and (figs / "pr_temporal.png").exists()

    seg_txt = tmp_path / "segs.txt"
    assert main(["localize", "--attention", str(att), "--segments", str(seg_txt), "--class-index", str(index)]) == 0
    segs = read_detections_txt(seg_txt, class_index=str(index))
    if inside:
        np.testing.assert_allclose(np.sort(segs.t_start_s), [2.0, 8.0])
        np.testing.assert_allclose(np.sort(segs.t_end_s), [5.0, 12.0])


def test_localize_and_plot_failures_bad_input(tmp_path, capsys):
    assert main(["localize", "--attention", str(tmp_path / "none"), "--boxes", str(tmp_path / "b.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["localize", "--attention", str(tmp_path)]) == 2
    assert "nothing to write" in capsys.readouterr().err
    att = _spatial_fixture(tmp_path)
    assert main(["plot-failures", "--attention", str(att), "--gt", str(tmp_path / "missing.pkl"),
                 "--out", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err
    assert "missing.pkl" in err and len(err.strip().splitlines()) == 1


def test_localize_out_picks_the_segment_format_from_the_labels(tmp_path, capsys):
    """--out on attention files whose classes have no THUMOS'14 id writes ActivityNet JSON (names), not an
    error; with --class-index giving them ids it writes THUMOS txt; an explicit txt without ids is refused."""
    att, index = _temporal_fixture(tmp_path, True)
    assert main(["localize", "--attention", str(att), "--out", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a" / "segments.json").exists() and not (tmp_path / "a" / "segments.txt").exists()
    assert "ActivityNet JSON" in capsys.readouterr().err
    data = json.loads((tmp_path / "a" / "segments.json").read_text())
    assert {d["label"] for ds in data["results"].values() for d in ds} <= set(CLASSES)
    assert main(["localize", "--attention", str(att), "--out", str(tmp_path / "b"), "--class-index", str(index)]) == 0
    lines = (tmp_path / "b" / "segments.txt").read_text().split("\n")
    assert lines[0].split()[3] in ("1", "2")
    assert main(["localize", "--attention", str(att), "--out", str(tmp_path / "c"),
                 "--segments-format", "thumos14-txt"]) == 2
    assert "has no THUMOS'14 class id" in capsys.readouterr().err


def test_threshold_leaving_frames_without_a_box_is_a_note_everywhere(tmp_path, capsys):
    """Issue 7: a threshold that yields no box on > 10 % of frames is a warning printed under the table, in
    metrics.json and on stderr, once (not as a Python warning per localization call)."""
    from locbench.inference.attention import load_attention
    att = _spatial_fixture(tmp_path)
    first = sorted(att.rglob("*.npz"))[0]
    rec = load_attention(first)
    save_attention(first, AttentionRecord(rec.video, rec.classes, rec.class_scores, rec.frame_idx, rec.fps,
                                          rec.frame_size, masks=np.zeros_like(rec.masks),
                                          frame_importance=rec.frame_importance, windows=rec.windows,
                                          temporal_weights=rec.temporal_weights))
    out = tmp_path / "eval"
    assert main(["eval-spatial", "--gt", str(tmp_path / "pyannot.pkl"), "--split", str(tmp_path / "test.txt"),
                 "--attention", str(att), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    sentence = "warning: threshold 0.5 gave no box on 6 of 12 sampled frames (50.0 %)"
    assert sentence in captured.out                      # under the table
    assert sentence in captured.err and "UserWarning" not in captured.err
    assert any(sentence in w for w in json.loads((out / "metrics.json").read_text())["warnings"])
