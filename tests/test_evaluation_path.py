"""The one evaluation path (locbench.evaluation.tasks): several methods in one table, every note in
the table / metrics.json / stderr, counts of what was evaluated, plugins, and figures that draw
exactly the detections that were scored."""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from annotations.types import FrameBoxes, Segments, Tube, TubeDataset, VideoInfo
from annotations.thumos14 import write_class_txt_dir
from annotations.ucf101_24 import write_pyannot, write_split_list
from evaluators.temporal import temporal_map
from locbench.cli import main
from locbench.evaluation import plots, plugins
from locbench.evaluation.plugins import PluginResult
from locbench.evaluation.tasks import SpatialEvaluation, TemporalEvaluation, restrict_to_frames
from locbench.inference.attention import AttentionRecord, attention_path, save_attention

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
UCF = SHARED / "data" / "ucf101_24"
REF = SHARED / "reference"
CLASSES = ("Jump", "Run")


def _perturbed_copy(tmp_path):
    """The reference THUMOS txt with every score of one class reversed in rank (a worse method)."""
    rows = (REF / "temporal" / "detections.txt").read_text().splitlines()
    out = []
    for line in rows:
        parts = line.split()
        if len(parts) == 5:
            parts[4] = f"{1.0 - float(parts[4]):.6f}"
        out.append(" ".join(parts))
    path = tmp_path / "worse.txt"
    path.write_text("\n".join(out) + "\n")
    return path


def test_several_detection_files_one_table_one_metrics(tmp_path, capsys):
    worse = _perturbed_copy(tmp_path)
    out = tmp_path / "out"
    code = main(["eval-temporal", "--gt", str(THUMOS / "groundtruth"), "--detections",
                 str(REF / "temporal" / "detections.txt"), str(worse), "--name", "ref,worse",
                 "--protocol", "thumos14,activitynet", "--unknown-videos", "fp", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    metrics = json.loads((out / "metrics.json").read_text())
    names = [m["name"] for m in metrics["methods"]]
    assert names == ["ref [thumos14]", "worse [thumos14]", "ref [activitynet]", "worse [activitynet]"]
    expected = json.loads((REF / "temporal" / "expected.json").read_text())
    k = len(metrics["thresholds"])
    np.testing.assert_allclose(metrics["methods"][0]["ap"]["mAP"], expected["thumos14"]["mAP"][:k], atol=1e-6)
    assert metrics["methods"][1]["ap"]["mAP"][0] < metrics["methods"][0]["ap"]["mAP"][0]
    table = (out / "table.md").read_text()
    assert "worse [activitynet]" in table and "ref [thumos14]" in table
    # what the numbers were computed on, in the table, metrics.json and on stderr
    counts = metrics["counts"]
    assert counts["videos"] == 213 and counts["subset"] == "subset test"
    n_lines = sum(1 for l in (REF / "temporal" / "detections.txt").read_text().splitlines() if l.strip())
    assert counts["detections"] == {"ref": n_lines, "worse": n_lines}
    assert counts["ground_truth"] > 0
    assert any(w.startswith("computed on 213 videos") for w in metrics["warnings"])
    assert "computed on 213 videos" in table
    assert "note: computed on 213 videos" in captured.err
    # the unknown-video note of the evaluator reaches all three places, for each method
    fp = [w for w in metrics["warnings"] if "counted as false positives" in w]
    assert len(fp) == 1 and fp[0].startswith("ref [thumos14], worse [thumos14], ref [activitynet], worse [activitynet]:")
    assert "counted as false positives" in table and "counted as false positives" in captured.err


def test_names_must_match_inputs(capsys):
    code = main(["eval-temporal", "--gt", str(THUMOS / "groundtruth"), "--detections",
                 str(REF / "temporal" / "detections.txt"), "--name", "a,b", "--unknown-videos", "fp"])
    err = capsys.readouterr().err
    assert code == 2 and "--name" in err and "2 name(s) for 1 input(s)" in err


def test_reader_notes_reach_table_metrics_and_stderr(tmp_path, monkeypatch, capsys):
    """A note a reader puts in Segments.notes is shown under the table, kept in metrics.json and printed."""
    import annotations.temporal_io as tio
    real = tio.load_temporal_detections

    def noted(*a, **kw):
        dets = real(*a, **kw)
        return Segments(dets.video, dets.t_start_s, dets.t_end_s, dets.label, dets.score, dets.videos, dets.source,
                        notes=("3 rows with start > end swapped",))
    monkeypatch.setattr(tio, "load_temporal_detections", noted)
    out = tmp_path / "o"
    assert main(["eval-temporal", "--gt", str(THUMOS / "groundtruth"), "--detections",
                 str(REF / "temporal" / "detections.txt"), "--unknown-videos", "fp", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert "detections.txt: 3 rows with start > end swapped" in metrics["warnings"]
    assert "3 rows with start > end swapped" in (out / "table.md").read_text()
    assert "% note: detections.txt: 3 rows with start > end swapped" in (out / "table.tex").read_text()
    assert "note: detections.txt: 3 rows with start > end swapped" in err


class _ProbePlugin:
    """A plugin that records its context and rescoring one method, with a note, a table and metrics."""

    name = "probe"
    tasks = ("temporal", "spatial", "video")

    def __init__(self):
        self.ctx = None

    def add_arguments(self, parser, task):
        parser.add_argument("--probe", action="store_true", help="run the probe plugin")

    def enabled(self, args):
        return bool(getattr(args, "probe", False))

    def run(self, ctx):
        from locbench.evaluation.tables import Row, Table
        self.ctx = ctx
        again = ctx.score_fn(ctx.methods[0].detections, ctx.protocols[0])
        return PluginResult(metrics={"rescored": [float(v) for v in again.mean_ap]},
                            tables={"t": Table("probe", "tIoU", ctx.thresholds, (Row("x", "mAP", again.mean_ap),))},
                            notes=["probe ran"])


def test_plugins_get_every_method_and_their_output_reaches_every_place(tmp_path, monkeypatch, capsys):
    probe = _ProbePlugin()
    module = type(sys)("probe_plugin_module")
    module.PLUGIN = probe
    monkeypatch.setitem(sys.modules, "probe_plugin_module", module)
    monkeypatch.setattr(plugins, "PLUGIN_MODULES", ("probe_plugin_module",))
    worse = _perturbed_copy(tmp_path)
    out = tmp_path / "o"
    argv = ["eval-temporal", "--gt", str(THUMOS / "groundtruth"), "--detections", str(REF / "temporal" / "detections.txt"),
            str(worse), "--unknown-videos", "fp", "--protocol", "thumos14", "--out", str(out)]
    assert main(argv) == 0 and probe.ctx is None  # not enabled without its flag
    assert main(argv + ["--probe", "--overwrite"]) == 0
    capsys.readouterr()
    ctx = probe.ctx
    assert [m.name for m in ctx.methods] == ["detections.txt", "worse.txt"]
    assert len(ctx.methods[1].detections) > 0 and ctx.task == "temporal" and ctx.out_dir == str(out)
    metrics = json.loads((out / "metrics.json").read_text())
    np.testing.assert_allclose(metrics["analyses"]["probe"]["rescored"], metrics["methods"][0]["ap"]["mAP"])
    assert "probe: probe ran" in metrics["warnings"] and (out / "probe_t.md").exists()
    assert "probe: probe ran" in (out / "table.md").read_text()


def test_python_api_runs_without_cli(tmp_path):
    report = TemporalEvaluation(THUMOS / "groundtruth", detections=[REF / "temporal" / "detections.txt"],
                                protocols=["thumos14"], unknown_videos="fp").run()
    df = report.to_dataframe()
    gt = TemporalEvaluation(THUMOS / "groundtruth", detections=[REF / "temporal" / "detections.txt"])
    gt.load_ground_truth()
    from annotations.temporal_io import load_temporal_detections
    direct = temporal_map(gt.gt, load_temporal_detections(REF / "temporal" / "detections.txt"), (0.1, 0.2, 0.3, 0.4, 0.5),
                          protocol="thumos14", unknown_videos="fp")
    got = df[(df.metric == "mAP")].sort_values("threshold")["value"].to_numpy()
    np.testing.assert_allclose(got, direct.mean_ap)
    assert not (tmp_path / "metrics.json").exists()  # run() writes nothing
    report.write(tmp_path / "w")
    assert (tmp_path / "w" / "metrics.json").exists()


def test_restrict_to_frames_lives_in_the_evaluation_package():
    gt = FrameBoxes(["a", "a", "b", "c"], [0, 5, 0, 1], ["x"] * 4, np.zeros((4, 4)))
    kept = restrict_to_frames(gt, {"a": np.array([5]), "b": [0, 3]})
    assert kept.video.tolist() == ["a", "b"] and kept.frame_idx.tolist() == [5, 0]


# ----------------------------------------------------------------------------- figures = what was scored

H, W = 60, 80


def _spatial_fixture(tmp_path):
    """Two 6-frame clips; masks cover the actor in frames 0-2 and the far corner in 3-5; the
    classifier's top-1 is wrong for the second video (so --labels gt changes the labels)."""
    tubes, infos = [], {}
    att = tmp_path / "att"
    for i, (video, label) in enumerate((("Jump/v_Jump_g01_c01", "Jump"), ("Run/v_Run_g01_c01", "Run"))):
        x0, y0 = (10, 10) if i == 0 else (40, 20)
        tubes.append(Tube(video, label, np.arange(6), np.array([[x0, y0, x0 + 30, y0 + 30]] * 6, float)))
        infos[video] = VideoInfo(video, label, 6, width=W, height=H)
        masks = np.zeros((6, 6, 8), np.float32)
        masks[:3, y0 // 10:(y0 + 30) // 10, x0 // 10:(x0 + 30) // 10] = 1.0
        masks[3:, 0:1, 7:8] = 1.0
        scores = np.array([0.9, 0.1]) if i == 0 else np.array([0.6, 0.4])  # second video: top-1 wrong
        save_attention(attention_path(att, video), AttentionRecord(video, CLASSES, scores, np.arange(6), 25.0, (H, W),
                                                                   masks=masks, frame_importance=np.ones(6)))
    dataset = TubeDataset(CLASSES, infos, tuple(tubes), test_videos=tuple(infos))
    write_pyannot(tmp_path / "pyannot.pkl", dataset, with_class_names=True)
    write_split_list(tmp_path / "test.txt", list(infos))
    return att


@pytest.mark.parametrize("via", ["cli", "api"])
@pytest.mark.parametrize("labels,score", [("gt", "cls"), ("top1", "cls*mask")])
def test_spatial_figures_draw_exactly_the_scored_boxes(tmp_path, monkeypatch, labels, score, via):
    att = _spatial_fixture(tmp_path)
    drawn = []
    real_gallery = plots.box_gallery

    def capture(items, out_path, title, columns=4):
        drawn.extend(items)
        return real_gallery(items, out_path, title, columns)
    monkeypatch.setattr(plots, "box_gallery", capture)
    if via == "api":
        report = SpatialEvaluation(tmp_path / "pyannot.pkl", split=tmp_path / "test.txt", attention=[att],
                                   labels=labels, score=score, plots_dir=tmp_path / "figs").run()
    else:  # the CLI: keep the report its one call returns
        reports = []
        real_run = SpatialEvaluation.run
        monkeypatch.setattr(SpatialEvaluation, "run", lambda self: reports.append(real_run(self)) or reports[-1])
        assert main(["eval-spatial", "--gt", str(tmp_path / "pyannot.pkl"), "--split", str(tmp_path / "test.txt"),
                     "--attention", str(att), "--labels", labels, "--score", score, "--plots",
                     str(tmp_path / "figs")]) == 0
        report = reports[0]
    scored = report.methods[0].detections
    assert drawn and report.figures
    for item in drawn:
        row = item["det_row"]
        assert row is not None
        np.testing.assert_array_equal(item["pred_box"], scored.boxes_xyxy[row])
        assert item["pred_label"] == scored.label[row] and item["pred_score"] == scored.score[row]
        assert scored.video[row] == item["video"] and scored.frame_idx[row] == item["frame"]
    run_labels = {item["video"]: item["pred_label"] for item in drawn}
    if labels == "gt":
        assert run_labels["Run/v_Run_g01_c01"] == "Run"  # the ground-truth label, as scored
        np.testing.assert_allclose(sorted(set(np.round(scored.score, 5))), [0.4, 0.9])  # --score cls: P(label)
    else:
        assert run_labels["Run/v_Run_g01_c01"] == "Jump"
    good = [i for i in drawn if i["frame"] < 3 and i["pred_label"] == i["gt_label"]]
    assert good and all(i["iou"] == pytest.approx(1.0) for i in good)
    assert all(i["iou"] == 0.0 for i in drawn if i["frame"] >= 3)


def test_temporal_timelines_draw_the_scored_segments(tmp_path, monkeypatch):
    (tmp_path / "gt").mkdir()
    index = tmp_path / "ci.txt"
    index.write_text("1 Jump\n2 Run\n")
    write_class_txt_dir(tmp_path / "gt", Segments(["video_test_0000001"], [8.0], [12.0], ["Jump"]), "test",
                        class_index=str(index))
    frame_idx = np.arange(0, 600, 3)
    t = frame_idx / 30.0
    save_attention(attention_path(tmp_path / "att", "video_test_0000001"),
                   AttentionRecord("video_test_0000001", CLASSES, np.array([0.3, 0.7]), frame_idx, 30.0, (90, 160),
                                   frame_importance=np.where((t >= 8) & (t < 12), 3.0, 0.5)))
    drawn = []
    real = plots.timeline

    def capture(time_s, curve01, gt, predicted, *a, **kw):
        drawn.extend(predicted)
        return real(time_s, curve01, gt, predicted, *a, **kw)
    monkeypatch.setattr(plots, "timeline", capture)
    report = TemporalEvaluation(tmp_path / "gt", class_index=index, attention=[tmp_path / "att"], labels="gt",
                                score="cls", plots_dir=tmp_path / "figs", protocols=["thumos14"]).run()
    scored = report.methods[0].detections
    assert drawn == list(zip(scored.t_start_s.tolist(), scored.t_end_s.tolist(), scored.label.tolist(),
                             scored.score.tolist()))
    assert [d[2] for d in drawn] == ["Jump"]  # --labels gt, though the classifier says Run


def test_eval_video_several_tube_files_and_unknown_videos(tmp_path, capsys):
    tubes = (REF / "video" / "tubes.csv").read_text()
    header = tubes.splitlines()[0].split(",")
    row = dict(zip(header, tubes.splitlines()[1].split(",")))
    row.update(tube="99999", video="Nope/v_Nope_g01_c01")
    extra = tmp_path / "extra.csv"
    extra.write_text(tubes.rstrip("\n") + "\n" + ",".join(row[h] for h in header) + "\n")
    base = ["eval-video", "--gt", str(UCF / "pyannot.pkl"), "--split", str(REF / "video" / "videos.txt"),
            "--detections", str(REF / "video" / "tubes.csv"), str(extra), "--name", "ref,extra"]
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "Nope/v_Nope_g01_c01" in err and "--unknown-videos fp" in err and "unknown_videos" not in err
    out = tmp_path / "o"
    assert main(base + ["--unknown-videos", "fp", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    ref, with_extra = (m["ap"]["mAP"] for m in metrics["methods"])
    expected = json.loads((REF / "video" / "expected.json").read_text())
    np.testing.assert_allclose(ref, expected["mAP"], atol=1e-6)
    assert all(b <= a + 1e-12 for a, b in zip(ref, with_extra))  # one more false positive never helps
    assert any("extra: 1 detection(s) in 1 video(s) absent" in w for w in metrics["warnings"])
    assert metrics["counts"]["videos"] == 200 and metrics["counts"]["ground_truth_unit"] == "tubes"


def test_checkpoint_input_predicts_into_out_attention_once_per_folder(tmp_path, monkeypatch, capsys):
    """--checkpoint runs predict (here a stand-in that writes the fixture's attention files) on the
    evaluated videos only, into <out>/attention, which --out's manifest lists; a second run into the
    same folder needs --overwrite, which predict then also gets."""
    pytest.importorskip("torch")
    import shutil
    import locbench.inference.predict as predict
    att = _spatial_fixture(tmp_path)
    calls = []

    def fake_predict(checkpoint, videos, out, device="auto", batch_size=8, untrimmed=False, overwrite=False,
                     names=None, **kw):
        calls.append(dict(checkpoint=checkpoint, videos=videos, out=out, untrimmed=untrimmed, overwrite=overwrite,
                          names=names))
        shutil.copytree(att, out, dirs_exist_ok=True)
    monkeypatch.setattr(predict, "predict_videos", fake_predict)
    out = tmp_path / "eval"
    argv = ["eval-spatial", "--gt", str(tmp_path / "pyannot.pkl"), "--split", str(tmp_path / "test.txt"),
            "--checkpoint", "model.pt", "--videos", str(tmp_path / "videos"), "--out", str(out)]
    assert main(argv) == 0
    assert calls[0]["out"] == str(out / "attention") and calls[0]["overwrite"] is False
    assert sorted(calls[0]["names"]) == ["Jump/v_Jump_g01_c01", "Run/v_Run_g01_c01"] and not calls[0]["untrimmed"]
    metrics = json.loads((out / "metrics.json").read_text())
    same = SpatialEvaluation(tmp_path / "pyannot.pkl", split=tmp_path / "test.txt", attention=[att]).run()
    np.testing.assert_allclose(metrics["methods"][0]["ap"]["mAP"], same.evaluated[0].ap.mean_ap)
    assert metrics["provenance"]["inputs"]["attention"]["path"] == str(out / "attention")
    capsys.readouterr()
    assert main(argv) == 2 and len(calls) == 1 and "--overwrite" in capsys.readouterr().err
    assert main(argv + ["--overwrite"]) == 0 and calls[1]["overwrite"] is True
    assert (out / "attention").is_dir() and (out / "metrics.json").exists()


def test_options_reach_the_evaluator_and_localization_where_offered(tmp_path, monkeypatch):
    """ties= reaches temporal_map when it takes it (and is left out where it does not), and extra
    localization rules reach the localization functions."""
    import evaluators.temporal as T
    import locbench.localization.baselines as B
    import locbench.localization.localize as L
    real_map, real_segments = T.temporal_map, L.segments_from_attention
    seen = {}

    def map_with_ties(gt, dets, thresholds, protocol="activitynet", unknown_videos="error", return_curves=False,
                      ties="protocol"):
        seen["ties"] = ties
        return real_map(gt, dets, thresholds, protocol=protocol, unknown_videos=unknown_videos)

    def segments_with_rule(records, segment_rule="paper", **rules):
        seen["segment_rule"] = segment_rule
        return real_segments(records, **rules)
    monkeypatch.setattr(T, "temporal_map", map_with_ties)
    monkeypatch.setattr(L, "segments_from_attention", segments_with_rule)
    monkeypatch.setattr(B, "segments_from_attention", segments_with_rule)  # the baseline localizes the same way
    TemporalEvaluation(THUMOS / "groundtruth", detections=[REF / "temporal" / "detections.txt"], ties="stable",
                       unknown_videos="fp").run()
    assert seen["ties"] == "stable"
    monkeypatch.setattr(T, "temporal_map", real_map)  # a temporal_map without ties= is called without it
    TemporalEvaluation(THUMOS / "groundtruth", detections=[REF / "temporal" / "detections.txt"], ties="stable",
                       unknown_videos="fp").run()
    (tmp_path / "gt").mkdir()
    index = tmp_path / "ci.txt"
    index.write_text("1 Jump\n2 Run\n")
    write_class_txt_dir(tmp_path / "gt", Segments(["video_test_0000001"], [8.0], [12.0], ["Jump"]), "test",
                        class_index=str(index))
    save_attention(attention_path(tmp_path / "att", "video_test_0000001"),
                   AttentionRecord("video_test_0000001", CLASSES, np.array([0.7, 0.3]), np.arange(0, 600, 3), 30.0,
                                   (90, 160), frame_importance=np.linspace(0, 1, 200)))
    TemporalEvaluation(tmp_path / "gt", class_index=index, attention=[tmp_path / "att"],
                       rules={"segment_rule": "outer-inner"}).run()
    assert seen["segment_rule"] == "outer-inner"


def test_evaluator_counts_are_shown_once_per_identical_set(monkeypatch):
    import dataclasses
    import evaluators.temporal as T
    real = T.temporal_map

    def counted(*a, **kw):
        r = real(*a, **kw)
        return dataclasses.replace(r, extra=dict(r.extra, counts={"videos": 213, "detections_evaluated": 4746}))
    monkeypatch.setattr(T, "temporal_map", counted)
    report = TemporalEvaluation(THUMOS / "groundtruth", detections=[REF / "temporal" / "detections.txt"],
                                protocols=["thumos14", "activitynet"], unknown_videos="fp").run()
    first = report.notes[0]
    assert first.count("213 videos, 4746 detections evaluated") == 1
    assert "detections.txt [thumos14], detections.txt [activitynet]: 213 videos" in first
    assert report.metrics["counts"]["evaluator"]["detections.txt [thumos14]"]["detections_evaluated"] == 4746


def test_run_twice_gives_the_same_report():
    evaluation = TemporalEvaluation(THUMOS / "groundtruth", detections=[REF / "temporal" / "detections.txt"],
                                    unknown_videos="fp")
    first, second = evaluation.run(), evaluation.run()
    assert first.notes == second.notes and len(first.notes) >= 2
    np.testing.assert_array_equal(first.evaluated[0].ap.ap, second.evaluated[0].ap.ap)
