"""Threshold sweeps and --calibrate-on (locbench/evaluation/sweep_plugin.py) on hand-made attention."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from annotations.errors import InputError
from annotations.temporal_io import load_temporal_gt
from annotations.types import Tube, TubeDataset, VideoInfo
from evaluators.frame_ap import frame_ap, frame_corloc
from evaluators.temporal import temporal_corloc, temporal_map
from locbench.commands._common import parse_threshold_grid
from locbench.evaluation.methods import Method, evaluate_grid
from locbench.evaluation.plugins import EvaluationContext
from locbench.evaluation.sweep_plugin import PLUGIN, TUNED_ON_EVALUATED, choose_threshold
from locbench.evaluation.tables import render
from locbench.inference.attention import AttentionRecord
from locbench.localization.localize import boxes_from_attention, segments_from_attention

# one curve for both videos (1 frame per second): frames 2-3 at 1.0, frames 4-5 at 0.6, the rest 0.
# threshold 0.3 or 0.5 -> segment [2, 6) s; 0.7 or 0.9 -> [2, 4) s.
CURVE = np.array([0, 0, 1, 1, 0.6, 0.6, 0, 0, 0, 0], float)
TIOUS = (0.5, 0.75)


def _record(video):
    return AttentionRecord(video, ("x", "y"), np.array([0.9, 0.1]), np.arange(10), 1.0, (240, 320),
                           frame_importance=CURVE)


@pytest.fixture
def temporal_gt(tmp_path):
    # test video a: instance [2, 4) s (best found at 0.7 / 0.9); validation video b: [2, 6) (best at 0.3 / 0.5)
    db = {"database": {"a": {"subset": "test", "annotations": [{"segment": [2, 4], "label": "x"}]},
                       "b": {"subset": "validation", "annotations": [{"segment": [2, 6], "label": "x"}]}}}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(db))
    return path


def _temporal_ctx(gt_path, grid_text, calibrate_on=None, plots=None):
    gt = load_temporal_gt(gt_path, subset="test")
    records = [_record("a"), _record("b")]
    args = argparse.Namespace(gt=str(gt_path), gt_format="auto", class_index=None,
                              weight_threshold=parse_threshold_grid(grid_text), calibrate_on=calibrate_on)
    rules = dict(threshold=float(args.weight_threshold), labels="top1", k=1, score="cls*attn", gt_labels=None)
    evaluated_records = [r for r in records if r.video in gt.videos]
    methods = [Method("model", segments_from_attention(evaluated_records, **rules))]
    score = lambda d, p: temporal_map(gt, d, TIOUS, protocol=p)  # noqa: E731
    corloc = lambda d: temporal_corloc(gt, d, TIOUS)  # noqa: E731
    return EvaluationContext("temporal", gt, methods, evaluate_grid(methods, ("activitynet",), score, corloc),
                             ("activitynet",), TIOUS, score, corloc, records=records,
                             records_by_method={"model": records}, rules=rules, args=args, plots_dir=plots)


def test_grid_parsing():
    t = parse_threshold_grid("0.1:0.9:0.05")
    assert float(t) == 0.5 and len(t.grid) == 17 and t.grid[0] == 0.1 and t.grid[-1] == 0.9
    t = parse_threshold_grid("0.3,0.5,0.7")
    assert float(t) == 0.3 and t.grid == (0.3, 0.5, 0.7)
    assert parse_threshold_grid("0.4").grid == (0.4,)
    for bad in ("0.9:0.1:0.1", "a,b", "0.1:0.5", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_threshold_grid(bad)


def test_choose_threshold_ties_go_to_the_headline_side():
    assert choose_threshold([0.3, 0.5, 0.7, 0.9], np.array([0.5, 0.5, 1.0, 1.0]), 0.5) == 2
    assert choose_threshold([0.3, 0.7], np.array([1.0, 1.0]), 0.5) == 0  # equally near: the smaller


def test_sweep_on_the_evaluated_set(temporal_gt, tmp_path):
    ctx = _temporal_ctx(temporal_gt, "0.3:0.9:0.2", plots=str(tmp_path / "plots"))
    assert PLUGIN.enabled(ctx.args)
    r = PLUGIN.run(ctx)
    model = r.metrics["models"][0]
    assert r.metrics["grid"] == [0.3, 0.5, 0.7, 0.9] and r.metrics["headline_threshold"] == 0.5
    # thresholds 0.3 / 0.5: [2, 6) against [2, 4): tIoU 0.5 -> AP 1 at 0.5, 0 at 0.75; 0.7 / 0.9: tIoU 1
    assert np.array(model["mAP"])[0].tolist() == [[1, 0], [1, 0], [1, 1], [1, 1]]
    assert np.array(model["CorLoc"]).tolist() == [[1, 0], [1, 0], [1, 1], [1, 1]]
    best = model["best"]["activitynet"]
    assert best["threshold"] == 0.7 and best["label"] == TUNED_ON_EVALUATED  # tie 0.7 / 0.9: nearer 0.5
    # the headline row is the main table's
    np.testing.assert_array_equal(np.array(model["mAP"])[0, 1], ctx.evaluated[0].ap.mean_ap)
    text = render(r.tables["model"], "md")
    assert "0.5 (headline)" in text and TUNED_ON_EVALUATED in text
    assert any(TUNED_ON_EVALUATED in n for n in r.notes)
    assert len(r.figures) == 1 and (tmp_path / "plots" / "threshold_sweep_model.png").stat().st_size > 1000


def test_calibration_on_another_subset(temporal_gt):
    ctx = _temporal_ctx(temporal_gt, "0.3:0.9:0.2", calibrate_on="validation")
    r = PLUGIN.run(ctx)
    cal = r.metrics["models"][0]["calibrated"]
    # on video b the segment [2, 6) wins: 0.3 and 0.5 tie, 0.5 is the headline
    assert cal["threshold"] == 0.5 and cal["overlap_with_evaluated"] == 0
    assert cal["label"] != TUNED_ON_EVALUATED and cal["mAP"] == {"activitynet": [1.0, 0.0]}
    rows = [row for row in r.tables["model"].rows if row.method.startswith("calibrated on validation")]
    assert rows and TUNED_ON_EVALUATED not in rows[0].method


def test_calibrating_on_the_evaluated_set_is_labelled(temporal_gt):
    r = PLUGIN.run(_temporal_ctx(temporal_gt, "0.3:0.9:0.2", calibrate_on="test"))
    cal = r.metrics["models"][0]["calibrated"]
    assert cal["threshold"] == 0.7 and cal["label"] == TUNED_ON_EVALUATED
    rows = [row.method for row in r.tables["model"].rows if row.method.startswith("calibrated on")]
    assert rows and all(TUNED_ON_EVALUATED in m for m in rows)
    for fmt in ("md", "csv", "json", "latex"):
        assert f"calibrated on test: 0.7 ({TUNED_ON_EVALUATED})" in render(r.tables["model"], fmt)


def test_calibration_without_records_is_an_error(temporal_gt):
    ctx = _temporal_ctx(temporal_gt, "0.3,0.5", calibrate_on="validation")
    ctx.records_by_method = {"model": [_record("a")]}
    with pytest.raises(InputError, match="no attention records"):
        PLUGIN.run(ctx)


def test_detections_only_get_a_note(temporal_gt):
    ctx = _temporal_ctx(temporal_gt, "0.3,0.5")
    ctx.records_by_method, ctx.records = {}, None
    r = PLUGIN.run(ctx)
    assert r.tables == {} and "needs an attention model" in r.notes[0]


def test_spatial_sweep_and_calibration_on_a_list(tmp_path):
    # a 7x7 mask: a blob of 1.0 over the left half and 0.6 over the right half of a square in the middle;
    # the ground-truth box is the left half: a higher threshold finds it better
    mask = np.zeros((7, 7))
    mask[2:5, 2:4], mask[2:5, 4:6] = 1.0, 0.6
    rec = lambda v: AttentionRecord(v, ("x",), np.array([1.0]), np.arange(3), 25.0, (70, 70),  # noqa: E731
                                    masks=np.repeat(mask[None], 3, axis=0))
    full = boxes_from_attention([rec("t")], threshold=0.8).boxes_xyxy  # the left half, one box per frame
    assert full.shape == (3, 4) and np.all(full[:, 2] - full[:, 0] < full[:, 3] - full[:, 1])
    tubes = tuple(Tube(v, "x", np.arange(3), np.repeat(full[:1], 3, axis=0)) for v in ("t", "c"))
    ds = TubeDataset(("x",), {v: VideoInfo(v, "x") for v in ("t", "c")}, tubes, train_videos=("c",),
                     test_videos=("t",))
    gt = ds.frame_boxes(("t",))
    split = tmp_path / "cal.txt"
    split.write_text("c\n")
    args = argparse.Namespace(mask_threshold=parse_threshold_grid("0.5,0.2:0.8:0.3"), calibrate_on=str(split))
    rules = dict(threshold=0.5, labels="top1", k=1, score="cls*mask", gt_labels=None)
    records = [rec("t"), rec("c")]
    th = (0.5, 0.9)
    score = lambda d, p: frame_ap(gt, d, th, protocol=p)  # noqa: E731
    corloc = lambda d: frame_corloc(gt, d, th)  # noqa: E731
    methods = [Method("m", boxes_from_attention(records[:1], **rules))]
    ctx = EvaluationContext("spatial", gt, methods, evaluate_grid(methods, ("voc",), score, corloc), ("voc",), th,
                            score, corloc, dataset=ds, records=records, records_by_method={"m": records},
                            rules=rules, args=args)
    assert PLUGIN.enabled(args)
    r = PLUGIN.run(ctx)
    model = r.metrics["models"][0]
    assert r.metrics["grid"] == [0.2, 0.5, 0.8]
    maps = np.array(model["mAP"])[0]
    assert maps[2].tolist() == [1.0, 1.0] and maps[1, 1] < 1.0  # 0.8 isolates the left half exactly
    assert model["best"]["voc"]["threshold"] == 0.8
    cal = model["calibrated"]
    assert cal["threshold"] == 0.8 and cal["overlap_with_evaluated"] == 0 and cal["label"] != TUNED_ON_EVALUATED
