"""--report DIR on every eval and diagnose verb, through the one evaluation path: report.html holds the
main, per-class and every plugin's tables, every figure drawn, and a per-video browser fed from the
*evaluated* detections (the very rows that were scored); report files inside --out are in its manifest."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from annotations.boxes_io import write_tubes_csv
from annotations.thumos14 import write_class_txt_dir, write_detections_txt
from annotations.types import Segments, Tube, TubeDataset, VideoInfo
from annotations.ucf101_24 import write_pyannot, write_split_list
from locbench.cli import main
from locbench.evaluation.report_html import merge_report_pages
from locbench.evaluation.tasks import SpatialEvaluation, TemporalEvaluation
from locbench.inference.attention import AttentionRecord, attention_path, save_attention

CLASSES = ("Jump", "Run")
H, W = 60, 80


def videos_data(page: str) -> dict:
    data = page.split("id='videos-data'>", 1)[1].split("</script>", 1)[0]
    return json.loads(data)


def table_captions(page: str) -> list[str]:
    return re.findall(r"<caption>([^<]*)</caption>", page)


def _spatial(tmp_path):
    """Two 6-frame clips at 80x60; masks on the actor in frames 0-2, on a corner in frames 3-5."""
    tubes, infos = [], {}
    att = tmp_path / "att"
    for i, (video, label) in enumerate((("Jump/v_Jump_g01_c01", "Jump"), ("Run/v_Run_g01_c01", "Run"))):
        x0, y0 = (10, 10) if i == 0 else (40, 20)
        tubes.append(Tube(video, label, np.arange(6), np.array([[x0, y0, x0 + 30, y0 + 30]] * 6, float)))
        infos[video] = VideoInfo(video, label, 6, width=W, height=H)
        masks = np.zeros((6, 6, 8), np.float32)
        masks[:3, y0 // 10:(y0 + 30) // 10, x0 // 10:(x0 + 30) // 10] = 0.8
        masks[3:, 0:1, 7:8] = 0.8
        scores = np.array([0.9, 0.1]) if i == 0 else np.array([0.2, 0.8])
        save_attention(attention_path(att, video), AttentionRecord(video, CLASSES, scores, np.arange(6), 25.0, (H, W),
                                                                   masks=masks, frame_importance=np.ones(6)))
    dataset = TubeDataset(CLASSES, infos, tuple(tubes), test_videos=tuple(infos))
    write_pyannot(tmp_path / "pyannot.pkl", dataset, with_class_names=True)
    write_split_list(tmp_path / "test.txt", list(infos))
    return att, dataset


def test_eval_spatial_report_in_out_holds_every_table_figure_and_the_scored_boxes(tmp_path, monkeypatch, capsys):
    att, _ = _spatial(tmp_path)
    out = tmp_path / "out"
    argv = ["eval-spatial", "--gt", str(tmp_path / "pyannot.pkl"), "--split", str(tmp_path / "test.txt"),
            "--attention", str(att), "--mask-threshold", "0.5,0.3,0.7", "--diagnose", "--out", str(out),
            "--report", str(out)]
    reports = []
    real_run = SpatialEvaluation.run
    monkeypatch.setattr(SpatialEvaluation, "run", lambda self: reports.append(real_run(self)) or reports[-1])
    assert main(argv) == 0
    assert f"wrote {out / 'report.html'}" in capsys.readouterr().err
    page = (out / "report.html").read_text()
    captions = table_captions(page)
    assert captions[0].startswith("Spatial localization, frame-AP")  # the main table first
    assert any("per-class" in c for c in captions)
    assert any(c.startswith("Threshold sweep") for c in captions)
    assert any(c.startswith("Diagnosis of") for c in captions)
    # every figure drawn (no --plots: into DIR/figures) is embedded
    figures = json.loads((out / "metrics.json").read_text())["figures"]
    assert figures and all(f.startswith(str(out / "figures")) for f in figures)
    assert page.count("data:image/png;base64,") == len(figures)
    assert any("threshold_sweep" in f for f in figures) and any("diagnosis_tide" in f for f in figures)
    # the browser shows exactly the boxes that were scored (first method), with their diagnosis types
    scored = reports[0].methods[0].detections
    shown = sorted((v, f["frame"], tuple(round(x, 6) for x in p[:4]), p[4], round(p[5], 6))
                   for v, e in videos_data(page).items() for f in e["frames"] for p in f["pred"])
    expected = sorted((v, int(fr), tuple(round(float(x), 6) for x in b), str(lab), round(float(s), 6))
                      for v, fr, b, lab, s in zip(scored.video, scored.frame_idx, scored.boxes_xyxy, scored.label,
                                                  scored.score))
    assert shown == expected and len(shown) > 0
    assert {p[6] for e in videos_data(page).values() for f in e["frames"] for p in f["pred"]} <= {
        "TP", "duplicate", "wrong_label", "merged", "part", "context", "other", "loose", "background", "not scored"}
    # report.html and the figures are this run's files: a rerun needs --overwrite, and gets it
    manifest = (out / "locbench-manifest.json").read_text()
    assert "report.html" in manifest and "figures/" in manifest
    assert main(argv) == 2
    assert "overwrite" in capsys.readouterr().err
    assert main(argv + ["--overwrite"]) == 0


def _temporal(tmp_path):
    (tmp_path / "gt").mkdir()
    index = tmp_path / "ci.txt"
    index.write_text("1 Jump\n2 Run\n")
    gt = Segments(["video_test_0000001", "video_test_0000001", "video_test_0000002"], [2.0, 20.0, 5.0],
                  [6.0, 25.0, 9.0], ["Jump", "Jump", "Run"])
    write_class_txt_dir(tmp_path / "gt", gt, "test", class_index=str(index))
    det = Segments(["video_test_0000001", "video_test_0000001", "video_test_0000002", "video_test_0000002"],
                   [2.5, 12.0, 5.0, 4.0], [6.0, 14.0, 8.0, 12.0], ["Jump", "Jump", "Run", "Run"],
                   np.array([0.9, 0.4, 0.8, 0.3]))
    write_detections_txt(tmp_path / "det.txt", det, str(index))
    return index, det


@pytest.mark.parametrize("verb", ["eval-temporal", "diagnose-temporal"])
def test_temporal_verbs_write_the_report_with_the_evaluated_segments(tmp_path, verb, monkeypatch):
    index, det = _temporal(tmp_path)
    reports = []
    real_run = TemporalEvaluation.run
    monkeypatch.setattr(TemporalEvaluation, "run", lambda self: reports.append(real_run(self)) or reports[-1])
    argv = [verb, "--gt", str(tmp_path / "gt"), "--class-index", str(index), "--detections", str(tmp_path / "det.txt"),
            "--report", str(tmp_path / "rep")]
    if verb == "eval-temporal":
        argv.append("--diagnose")
    assert main(argv) == 0
    page = (tmp_path / "rep" / "report.html").read_text()
    captions = table_captions(page)
    assert captions[0].startswith("Temporal localization") and any("per-class" in c for c in captions)
    assert any(c.startswith("DETAD false-positive profile") for c in captions)
    assert any(c.startswith("Weak-supervision error types") for c in captions)
    assert page.count("data:image/png;base64,") >= 5  # the diagnosis figures (and the PR curves)
    scored = reports[0].methods[0].detections
    data = videos_data(page)
    assert set(data) == {"video_test_0000001", "video_test_0000002"}
    shown = sorted((v, p[0], p[1], p[2], p[3]) for v, e in data.items() for p in e["pred"])
    assert shown == sorted(zip(scored.video.tolist(), scored.t_start_s.tolist(), scored.t_end_s.tolist(),
                               scored.label.tolist(), scored.score.tolist()))
    assert data["video_test_0000001"]["gt"][0][:3] == [2.0, 6.0, "Jump"]
    assert not (tmp_path / "rep" / "locbench-manifest.json").exists()  # no --out: only the report


def test_eval_video_report_draws_the_tubes(tmp_path):
    infos = {"Jump/v_Jump_g01_c01": VideoInfo("Jump/v_Jump_g01_c01", "Jump", 8, width=W, height=H)}
    gt_tube = Tube("Jump/v_Jump_g01_c01", "Jump", np.arange(2, 6), np.array([[10, 10, 40, 40]] * 4, float))
    write_pyannot(tmp_path / "pyannot.pkl", TubeDataset(CLASSES, infos, (gt_tube,), test_videos=tuple(infos)),
                  with_class_names=True)
    det = [Tube("Jump/v_Jump_g01_c01", "Jump", np.arange(3, 7), np.array([[12, 10, 42, 40]] * 4, float), 0.7)]
    write_tubes_csv(tmp_path / "tubes.csv", det)
    assert main(["eval-video", "--gt", str(tmp_path / "pyannot.pkl"), "--detections", str(tmp_path / "tubes.csv"),
                 "--report", str(tmp_path / "rep")]) == 0
    page = (tmp_path / "rep" / "report.html").read_text()
    assert table_captions(page)[0].startswith("Spatio-temporal localization, video-AP")
    (entry,) = videos_data(page).values()
    frames = {f["frame"]: f for f in entry["frames"]}
    assert sorted(frames) == [2, 3, 4, 5, 6]  # union of the ground-truth and detected tube's frames
    assert [len(frames[i]["gt"]) for i in (2, 6)] == [1, 0] and frames[6]["pred"][0][:6] == [12, 10, 42, 40, "Jump", 0.7]


def test_merge_report_pages_keeps_every_section_and_every_video(tmp_path):
    from locbench.evaluation.report_html import write_report_html
    from locbench.evaluation.tables import Row, Table
    t = Table("A table", "IoU", (0.5,), (Row("m", "mAP", (0.25,)),))
    a = write_report_html(tmp_path / "a.html", {"task": "spatial"}, {"table": t}, [],
                          {"v1": {"kind": "timeline", "duration_s": 3.0, "gt": [], "pred": []}})
    b = write_report_html(tmp_path / "b.html", {"task": "temporal"}, {"table": t, "x": t}, [],
                          {"v1": {"kind": "timeline", "duration_s": 4.0, "gt": [], "pred": []}})
    page = open(merge_report_pages({"Where": a, "When": b}, tmp_path / "all.html", "both")).read()
    assert page.count('class="report-table"') == 3
    assert set(videos_data(page)) == {"Where: v1", "When: v1"}
    assert videos_data(page)["When: v1"]["duration_s"] == 4.0
    assert page.index("Where</h2>") < page.index("When</h2>") < page.index("Per-video browser</h2>")
    with pytest.raises(ValueError, match="not a page"):
        (tmp_path / "other.html").write_text("<html></html>")
        merge_report_pages({"x": tmp_path / "other.html"}, tmp_path / "bad.html")
