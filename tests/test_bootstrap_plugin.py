"""The --bootstrap plugin on EvaluationContexts built directly (two methods, every task)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from annotations.activitynet import read_results_json
from annotations.boxes_io import read_boxes_csv, read_tubes_csv
from annotations.textfiles import read_split_list
from annotations.thumos14 import read_class_txt_dir
from annotations.types import Segments, Tube
from annotations.ucf101_24 import read_pyannot
from evaluators.frame_ap import frame_ap, frame_corloc
from evaluators.temporal import temporal_corloc, temporal_map
from evaluators.video_ap import video_ap
from locbench.evaluation.bootstrap_plugin import PLUGIN, IntervalCell, PValueCell, bootstrap_analysis
from locbench.evaluation.methods import Method, evaluate_grid
from locbench.evaluation.plugins import EvaluationContext
from locbench.evaluation.tables import render

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TIOUS = (0.1, 0.3, 0.5)


def _perturbed(seg: Segments, seed: int = 0) -> Segments:
    """The same segments with noisy scores and boundaries: a second method that is worse."""
    rng = np.random.default_rng(seed)
    shift = rng.normal(0, 2.0, len(seg))
    return Segments(seg.video, seg.t_start_s + shift, seg.t_end_s + shift, seg.label,
                    seg.score * rng.uniform(0.5, 1.5, len(seg)), videos=seg.videos)


def _temporal_ctx(methods, protocols=("thumos14",), **kw):
    gt = read_class_txt_dir(SHARED / "data" / "thumos14" / "groundtruth", "test")
    score = lambda d, p: temporal_map(gt, d, TIOUS, protocol=p, unknown_videos="fp")  # noqa: E731
    corloc = lambda d: temporal_corloc(gt, d, TIOUS, unknown_videos="fp")  # noqa: E731
    evaluated = evaluate_grid(methods, protocols, score, corloc)
    return EvaluationContext("temporal", gt, methods, evaluated, tuple(protocols), TIOUS, score, corloc,
                             settings={"unknown_videos": "fp"}, **kw)


@pytest.fixture(scope="module")
def reference_dets():
    return read_results_json(SHARED / "reference" / "temporal" / "detections.json")


def test_two_methods_on_thumos14(reference_dets):
    methods = [Method("reference", reference_dets), Method("perturbed", _perturbed(reference_dets))]
    ctx = _temporal_ctx(methods, protocols=("activitynet", "thumos14"))
    r = bootstrap_analysis(ctx, 300, seed=1, progress=False)
    m = r.metrics
    assert m["num_videos"] == 213 and m["n_resamples"] == 300
    rows = {(x["method"], x["metric"]): x for x in m["rows"]}
    for e in ctx.evaluated:  # the value of each row is the main table's, and it lies inside its interval
        row = rows[(e.method.name, "mAP")]
        np.testing.assert_allclose(row["value"], e.ap.mean_ap, atol=1e-12)
        assert np.all(np.array(row["lo"]) <= np.array(row["value"])) and np.all(np.array(row["value"]) <= row["hi"])
        np.testing.assert_allclose(rows[(e.method.name, "CorLoc")]["value"], e.corloc.mean_corloc, atol=1e-12)
        per_class = row["per_class_AP"]
        assert len(per_class) == 20
        for c, ap in per_class.items():
            np.testing.assert_allclose(ap["value"], e.ap.ap[e.ap.classes.index(c)], atol=1e-12)
            assert np.all(np.array(ap["lo"]) <= np.array(ap["hi"]))
    diffs = {(d["protocol"], d["metric"]): d for d in m["differences"]}
    assert set(diffs) == {(p, k) for p in ("activitynet", "thumos14") for k in ("mAP", "CorLoc")}
    d = diffs["thumos14", "mAP"]
    np.testing.assert_allclose(d["delta"], ctx.evaluated[3].ap.mean_ap - ctx.evaluated[2].ap.mean_ap, atol=1e-12)
    # boundaries shifted by ~2 s hurt at tIoU 0.5 for sure: the interval excludes 0 and p is small
    assert d["hi"][-1] < 0 and d["p"][-1] < 0.01
    table = r.tables["intervals"]
    text = render(table, "md")
    assert "perturbed [thumos14]" in text and "Δ mAP" in text and "p<0.001" in text
    assert json.loads(render(table, "json"))["rows"][0]["values"][0] == pytest.approx(m["rows"][0]["value"][0])


def test_identical_methods_give_zero_difference_and_p_one(reference_dets):
    methods = [Method("a", reference_dets), Method("b", reference_dets)]
    r = bootstrap_analysis(_temporal_ctx(methods), 100, seed=0, progress=False)
    for d in r.metrics["differences"]:
        assert d["delta"] == [0.0] * 3 and d["lo"] == [0.0] * 3 and d["hi"] == [0.0] * 3 and d["p"] == [1.0] * 3


def test_same_seed_same_numbers_other_seed_other_numbers(reference_dets):
    methods = [Method("a", reference_dets)]
    a = bootstrap_analysis(_temporal_ctx(methods), 50, seed=3, progress=False).metrics["rows"]
    b = bootstrap_analysis(_temporal_ctx(methods), 50, seed=3, progress=False).metrics["rows"]
    c = bootstrap_analysis(_temporal_ctx(methods), 50, seed=4, progress=False).metrics["rows"]
    assert a == b and a[0]["lo"] != c[0]["lo"]


def test_a_match_that_disagrees_with_the_table_is_not_reported(reference_dets):
    methods = [Method("a", reference_dets)]
    ctx = _temporal_ctx(methods)
    wrong = _temporal_ctx([Method("a", _perturbed(reference_dets))]).evaluated
    ctx.evaluated = wrong
    r = bootstrap_analysis(ctx, 20, progress=False)
    assert r.metrics["rows"] == [x for x in r.metrics["rows"] if x["metric"] == "CorLoc"]
    assert any("differs from the table" in n for n in r.notes)


def test_spatial_and_unsupported_protocol():
    ds = read_pyannot(SHARED / "data" / "ucf101_24" / "pyannot.pkl")
    ref = SHARED / "reference" / "spatial"
    gt = ds.frame_boxes(read_split_list(ref / "videos.txt"))
    dets = read_boxes_csv(ref / "detections.csv", classes=ds.classes)
    th = (0.1, 0.5)
    score = lambda d, p: frame_ap(gt, d, th, protocol=p)  # noqa: E731
    corloc = lambda d: frame_corloc(gt, d, th)  # noqa: E731
    methods = [Method("ref", dets)]
    protocols = ("voc", "coco")
    ctx = EvaluationContext("spatial", gt, methods, evaluate_grid(methods, protocols, score, corloc), protocols,
                            th, score, corloc, dataset=ds, settings={"unknown_videos": "error"})
    r = bootstrap_analysis(ctx, 50, progress=False)
    assert [x["protocol"] for x in r.metrics["rows"]] == ["voc", "voc"] and r.metrics["num_videos"] == 120
    assert any("coco is not supported" in n for n in r.notes)


def test_video_ap_with_a_split_list():
    ds = read_pyannot(SHARED / "data" / "ucf101_24" / "pyannot.pkl")
    ref = SHARED / "reference" / "video"
    videos = read_split_list(ref / "videos.txt")
    gt = ds.tubes_of(videos)
    dets = read_tubes_csv(ref / "tubes.csv")
    worse = tuple(Tube(t.video, t.label, t.frame_idx, t.boxes_xyxy + 15.0, t.score) for t in dets)
    th = (0.2, 0.5)
    score = lambda d, p: video_ap(gt, d, th)  # noqa: E731
    methods = [Method("ref", dets), Method("shifted", worse)]
    args = argparse.Namespace(split=str(ref / "videos.txt"), bootstrap=40, seed=0)
    ctx = EvaluationContext("video", gt, methods, evaluate_grid(methods, ("act",), score, None), ("act",), th,
                            score, None, args=args)
    assert PLUGIN.enabled(args)
    r = PLUGIN.run(ctx)
    assert r.metrics["num_videos"] == len(videos) == 200 and r.metrics["n_resamples"] == 40
    assert [d["metric"] for d in r.metrics["differences"]] == ["mAP"]


def test_cells_render_in_every_format():
    cell = IntervalCell(0.474, 0.44, 0.506)
    assert f"{100 * cell:.1f}" == "47.4 [44.0, 50.6]" and float(cell) == 0.474
    assert f"{cell:.4f}" == "0.4740 [0.4400, 0.5060]"
    assert f"{100 * PValueCell(0.5):.1f}" == "p=0.500" and f"{100 * IntervalCell(0.5, np.nan, np.nan):.1f}" == "50.0"


def test_cli_flag_defaults():
    p = argparse.ArgumentParser()
    PLUGIN.add_arguments(p, "temporal")
    assert p.parse_args(["--bootstrap"]).bootstrap == 1000
    assert p.parse_args(["--bootstrap", "200", "--seed", "5"]).seed == 5
    assert not PLUGIN.enabled(p.parse_args([]))
