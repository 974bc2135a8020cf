"""The diagnose-temporal verb, the --diagnose plugin, --slice-by and the synthetic hard-case attributes."""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import pytest

from annotations.thumos14 import read_class_txt_dir, read_video_info_csv, write_detections_txt
from annotations.temporal_io import load_temporal_gt
from annotations.types import AMBIGUOUS, Segments
from locbench.cli import main
from locbench.evaluation.plugins import EvaluationContext, plugins_for, run_plugins
from locbench.synth import make_thumos_like

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GT = SHARED / "data" / "thumos14" / "thumos_gt.json"
DETS = SHARED / "reference" / "temporal" / "detections.json"
REF = SHARED / "reference" / "diagnosis" / "temporal"
THUMOS_SMALL = dict(num_classes=3, train_per_class=1, test_per_class=3, duration_s="12,14", action_s="1.6,2.4",
                    instances="1,2", fps="15,20")


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_verb_reproduces_detad_as_shipped_and_draws_every_figure(tmp_path, capsys):
    slices = tmp_path / "videos.csv"
    gt = load_temporal_gt(GT, subset="test")
    with open(slices, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["video", "half"])
        for i, v in enumerate(gt.videos):
            w.writerow([v, "first" if i < len(gt.videos) // 2 else "second"])
    code, out, err = run_cli(capsys, "diagnose-temporal", "--gt", GT, "--detections", DETS, "--unknown-videos", "fp",
                             "--characteristics", REF / "thumos14_test_extra_characteristics.json",
                             "--detad-compat", "--slice-by", f"{slices}:half", "--out", tmp_path / "out",
                             "--plots", tmp_path / "plots")
    assert code == 0, err
    assert "DETAD false-positive profile" in out and "Weak-supervision error types" in out and "mAP by half" in out
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    diag = metrics["analyses"]["diagnosis-temporal"]
    detad = diag["methods"]["detections.json"]["detad"]
    ref = json.loads((REF / "detad.json").read_text())["results"]["reference"]
    assert detad["detad_compat"] is True
    assert detad["false_positive_analysis"]["average_mAP_N_gain_removing_error"]["confusion"] == pytest.approx(
        ref["false_positive_analysis"]["average_mAP_N_gain_removing_error"]["Confusion Err"], abs=1e-12)
    # the weak analysis baseline is the main table's ActivityNet mAP
    np.testing.assert_allclose(diag["methods"]["detections.json"]["weak"]["base_mAP"],
                               metrics["methods"][0]["ap"]["mAP"], atol=1e-12)
    # per-video slices: the two halves' mAP come from the official protocol on their own videos
    values = diag["methods"]["detections.json"]["slices"][0]["values"]
    assert set(values) == {"first", "second"}
    figures = diag["figures"]
    assert len(figures) == 5 and all(Path(f).stat().st_size > 5000 for f in figures)
    # plugin tables are written as <plugin>_<table> by the evaluation path
    assert (tmp_path / "out" / "diagnosis-temporal_diagnosis_weak_detections.json.csv").exists()


def test_plugin_runs_only_with_diagnose():
    from evaluators.temporal import temporal_map
    from locbench.evaluation.methods import Method, evaluate_grid
    (plugin,) = [p for p in plugins_for("temporal") if p.name == "diagnosis-temporal"]
    parser = argparse.ArgumentParser()
    plugin.add_arguments(parser, "temporal")
    gt = Segments(["v", "v"], [0.0, 20.0], [10.0, 30.0], ["A", "A"])
    det = Segments(["v", "v"], [0.0, 20.0], [10.0, 24.0], ["A", "A"], [0.9, 0.8])
    methods = [Method("m", det)]
    score = lambda d, p: temporal_map(gt, d, (0.5,), protocol=p)  # noqa: E731
    ctx = EvaluationContext("temporal", gt, methods, evaluate_grid(methods, ("activitynet",), score, None),
                            ("activitynet",), (0.5,), score, args=parser.parse_args([]))
    assert run_plugins(ctx) == {}
    ctx.args = parser.parse_args(["--diagnose"])
    result = run_plugins(ctx)["diagnosis-temporal"]
    weak = result.metrics["methods"]["m"]["weak"]
    assert weak["base_mAP"] == [0.5]
    assert weak["false_positives"]["under_coverage"] == [1]          # [20, 24] inside [20, 30]: tIoU 0.4
    assert weak["dmAP_by_fixing"]["under_coverage"] == [0.5]
    assert any("under_coverage" in n for n in result.notes)


def test_bad_slice_column_is_one_line_error(tmp_path, capsys):
    f = tmp_path / "a.csv"
    f.write_text("video,x\nv,1\n")
    code, _, err = run_cli(capsys, "diagnose-temporal", "--gt", GT, "--detections", DETS, "--unknown-videos", "fp",
                           "--slice-by", f"{f}:nope")
    assert code == 2 and "no column 'nope'" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "thumos14"
    return make_thumos_like(root, seed=3, **THUMOS_SMALL)


@pytest.mark.slow
def test_synth_writes_one_hard_case_row_per_instance(synth):
    p = synth["paths"]
    gt = read_class_txt_dir(p["groundtruth"], "test", p["class_index"])
    infos = read_video_info_csv(p["test_video_info"])
    with open(p["test_hard_cases"], newline="") as f:
        rows = list(csv.DictReader(f))
    real = gt.select(gt.label != AMBIGUOUS)
    assert len(rows) == len(real)
    keys = {(v, float(s), float(e), c) for v, s, e, c in zip(real.video, real.t_start_s, real.t_end_s, real.label)}
    assert {(r["video"], float(r["t_start_s"]), float(r["t_end_s"]), r["label"]) for r in rows} == keys
    for r in rows:  # edge says where the instance touches the video's ends
        at_start = float(r["t_start_s"]) == 0.0
        at_end = abs(float(r["t_end_s"]) - infos[r["video"]].duration_s) < 1e-9
        assert r["edge"] == ("start" if at_start else "end" if at_end else "none")
    man = json.loads(Path(p["manifest"]).read_text())["videos"]
    assert {r["video"] for r in rows if r["distractor"] == "yes"} == \
        {v for v, m in man.items() if "distractor" in m["hard_cases"] and m["split"] == "test"}
    assert any(r["edge"] != "none" for r in rows)


@pytest.mark.slow
def test_slice_by_synth_hard_cases_reports_map_per_case(synth, tmp_path, capsys):
    p = synth["paths"]
    gt = read_class_txt_dir(p["groundtruth"], "test", p["class_index"])
    real = gt.select(gt.label != AMBIGUOUS)
    # perfect detections on edge instances, a shifted half on the others
    edge = (real.t_start_s == 0.0)
    shift = np.where(edge, 0.0, 0.6 * (real.t_end_s - real.t_start_s))
    det = Segments(real.video, real.t_start_s + shift, real.t_end_s + shift, real.label, np.linspace(1, 0.5, len(real)))
    write_detections_txt(tmp_path / "det.txt", det, p["class_index"])
    code, out, err = run_cli(capsys, "diagnose-temporal", "--gt", p["groundtruth"], "--class-index", p["class_index"],
                             "--detections", tmp_path / "det.txt", "--tiou", "0.5",
                             "--slice-by", f"{p['test_hard_cases']}:edge", "--out", tmp_path / "out")
    assert code == 0, err
    values = json.loads((tmp_path / "out" / "metrics.json").read_text())["analyses"]["diagnosis-temporal"][
        "methods"]["det.txt"]["slices"][0]["values"]
    if edge.any():
        assert values["start"]["mAP"] == [1.0]
    assert values["none"]["mAP"] == [0.0]  # shifted by 0.6 of their length: tIoU 0.25
    # each shifted instance is missed, its prediction lies 0.4 on it (context: mostly off it, within reach)
    n_none = values["none"]["n_instances"]
    assert values["none"]["missed_types"] == {"context": n_none}
    assert values["none"]["false_positive_types"] == {"context": n_none}
    assert "mAP by edge (per instance)" in out
    assert "have no 'edge'" not in out  # Ambiguous segments are not instances: not reported as missing


@pytest.mark.slow
def test_attention_input_diagnoses_model_and_baseline(tmp_path, capsys):
    """Attention outside the action (8-12 s of 20 s): the model's segments sit on the run-up and the
    aftermath (context); the uniform baseline's whole-video segment covers the action (over-extension)."""
    from annotations.thumos14 import write_class_txt_dir
    from locbench.inference.attention import AttentionRecord, attention_path, save_attention
    (tmp_path / "gt").mkdir()
    index = tmp_path / "class_index.txt"
    index.write_text("1 Jump\n2 Run\n")
    gt = Segments(["video_test_0000001", "video_test_0000002"], [8.0, 2.0], [12.0, 5.0], ["Jump", "Run"])
    write_class_txt_dir(tmp_path / "gt", gt, "test", class_index=str(index))
    for video, (s, e), scores in (("video_test_0000001", (8, 12), [0.7, 0.3]),
                                  ("video_test_0000002", (2, 5), [0.1, 0.9])):
        frame_idx = np.arange(0, 600, 3)
        t = frame_idx / 30.0
        importance = np.where((t >= s) & (t < e), 0.5, 3.0)
        save_attention(attention_path(tmp_path / "att", video),
                       AttentionRecord(video, ("Jump", "Run"), np.array(scores), frame_idx, 30.0, (90, 160),
                                       frame_importance=importance))
    code, out, err = run_cli(capsys, "diagnose-temporal", "--gt", tmp_path / "gt", "--class-index", index,
                             "--attention", tmp_path / "att", "--tiou", "0.5", "--out", tmp_path / "out",
                             "--plots", tmp_path / "plots")
    assert code == 0, err
    methods = json.loads((tmp_path / "out" / "metrics.json").read_text())["analyses"]["diagnosis-temporal"]["methods"]
    model, uniform = (methods[n]["weak"] for n in methods)
    assert model["base_mAP"] == [0.0] and model["false_positives"]["context"] == [4]
    assert model["dmAP_by_fixing"]["context"] == [1.0]  # one context segment per instance becomes it
    assert uniform["false_positives"]["over_extension"] == [2]
    assert uniform["dmAP_by_fixing"]["over_extension"] == [1.0]
    assert len(list((tmp_path / "plots").glob("diagnosis_*.png"))) == 10  # five figures per method


def test_no_detection_at_all_gives_zero_map_and_no_crash(tmp_path):
    from locbench.evaluation import diagnosis_temporal as dg
    gt = Segments(["v", "w"], [0.0, 5.0], [10.0, 9.0], ["A", "B"])
    det = Segments(np.zeros(0, str), np.zeros(0), np.zeros(0), np.zeros(0, str), np.zeros(0))
    res = dg.diagnose_method(gt, det, (0.3, 0.5))
    assert res["weak"].base_map.tolist() == [0.0, 0.0]
    assert all(v == 0 for v in res["weak"].missed_counts["not_detected"] - 2)
    assert np.isnan(res["weak"].dmap()["not_detected"]).all()  # no positive left: mAP undefined
    fp = res["detad"].metrics["false_positive_analysis"]
    assert fp["n_predictions_after_limit"] == 0 and fp["fp_fraction_all_limited_predictions"]["background"] is None
    assert Path(dg.fig_worst_cases(res, str(tmp_path / "w.png"), "t", 1)).exists()
