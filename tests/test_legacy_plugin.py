"""The protocol-comparison plugin ('legacy'), run on EvaluationContexts built directly."""
import argparse

import numpy as np

from annotations.types import Segments, Tube, TubeDataset, VideoInfo
from evaluators.frame_ap import frame_ap, frame_corloc
from evaluators.temporal import temporal_corloc, temporal_map
from locbench.evaluation import methods as ev
from locbench.evaluation.legacy_plugin import PLUGIN
from locbench.evaluation.plugins import EvaluationContext, plugins_for, run_plugins
from locbench.evaluation.tables import render
from locbench.inference.attention import AttentionRecord
from locbench.localization.localize import boxes_from_attention, segments_from_attention

IOUS = (0.1, 0.5)


def _args(**kw):
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", default="voc")
    PLUGIN.add_arguments(parser, "spatial")
    return parser.parse_args([f"--{k.replace('_', '-')}" if v is True else f"--{k}={v}" for k, v in kw.items()])


def _spatial_context(corner: bool, **args):
    """One video, 4 frames of 240 x 320, one tube in the top-left quarter; masks on it (or in the
    bottom-right corner, disjoint on both axes: the sign error's case)."""
    tube = Tube("v", "a", np.arange(4), np.array([[0.0, 0, 160, 120]] * 4))
    second = Tube("v", "a", np.arange(4), np.array([[160.0, 120, 320, 240]] * 4))  # ignored by meng2019-code
    dataset = TubeDataset(("a", "b"), {"v": VideoInfo("v", "a", 4, width=320, height=240)}, (tube, second),
                          test_videos=("v",))
    masks = np.zeros((4, 4, 4), np.float32)
    if corner:
        masks[:, 3, 3] = 1.0
    else:
        masks[:, :2, :2] = 1.0
    rec = AttentionRecord("v", ("a", "b"), np.array([0.9, 0.1]), np.arange(4), 25.0, (240, 320), masks=masks)
    gt = dataset.frame_boxes(("v",))
    methods = [ev.Method("model", boxes_from_attention([rec]))]
    evaluated = ev.evaluate_grid(methods, ("voc",), lambda d, p: frame_ap(gt, d, IOUS, protocol=p),
                                 lambda d: frame_corloc(gt, d, IOUS))
    return EvaluationContext("spatial", gt, methods, evaluated, ("voc",), IOUS,
                             score_fn=lambda d, p: frame_ap(gt, d, IOUS, protocol=p), dataset=dataset,
                             records=[rec], args=_args(legacy=True, **args))


def test_registered_for_spatial_and_temporal_only():
    assert PLUGIN in plugins_for("spatial") and PLUGIN in plugins_for("temporal")
    assert PLUGIN not in plugins_for("video")


def test_enabled_by_flag_or_protocol_all():
    assert PLUGIN.enabled(_args(legacy=True))
    assert PLUGIN.enabled(_args(protocol="all"))
    assert PLUGIN.enabled(_args(protocol="voc,meng2019-code"))
    assert not PLUGIN.enabled(_args())


def test_spatial_comparison_table_side_by_side():
    ctx = _spatial_context(corner=False)
    result = run_plugins(ctx)["legacy"]
    table = result.tables["protocol_comparison"]
    names = [(r.method, r.metric) for r in table.rows]
    assert names == [("paper's rule [voc]", "frame-AP"), ("paper's rule", "CorLoc"),
                     ("meng2019-code", "frames with IoU >= t"),
                     ("meng2019-code, sign error fixed", "frames with IoU >= t")]
    # the mask covers the first tube exactly: the legacy figure is 1 at both IoUs; the paper's frame-AP
    # is at most 1/2 at IoU 0.5 (half of the ground-truth boxes belong to the second tube, missed)
    assert table.rows[2].values == (1.0, 1.0)
    assert table.rows[0].values[1] <= 0.5 + 1e-9
    assert result.metrics["meng2019-code"]["evaluated_frames"] == 4
    assert "meng2019-code" in render(table, "md")


def test_sign_error_flag_switches_the_headline_only():
    raw = run_plugins(_spatial_context(corner=True))["legacy"]
    fixed = run_plugins(_spatial_context(corner=True, fix_legacy_iou=True))["legacy"]
    # mask cell (3, 3) of 4 x 4 on 320 x 240: 80 x 60 px cells centred at x 279.5 / y 209.5; the ramps from
    # the neighbouring centres (199.5 / 149.5, value 0) pass 200/255 at x > 262.25, y > 196.6, so the box is
    # [263, 197, 320, 240]. Against [0, 0, 160, 120]: overlaps 160 - 263 + 1 = -102 and 120 - 197 + 1 = -76,
    # "intersection" 7752, areas 161 * 121 = 19481 and 58 * 44 = 2552: IoU 7752 / 14281 = 0.543 >= 0.5
    res = raw.metrics["meng2019-code"]
    rows = raw.tables["protocol_comparison"].rows
    assert rows[2].values == (1.0, 1.0) and res["evaluated_frames"] == 4
    assert rows[3].values == (0.0, 0.0)
    assert raw.metrics["meng2019-code"]["fix_legacy_iou"] is False
    assert fixed.metrics["meng2019-code"]["fix_legacy_iou"] is True
    assert fixed.metrics["meng2019-code"]["figure"] == [0.0, 0.0]


def test_detection_files_give_a_note_not_a_number():
    ctx = _spatial_context(corner=False)
    ctx.records = None
    result = PLUGIN.run(ctx)
    assert not result.tables and "needs attention masks" in result.notes[0]


def _temporal_context(**args):
    gt = Segments(["v"], [1.0], [2.0], ["a"], videos=("v",))
    rec = AttentionRecord("v", ("a",), np.array([1.0]), np.arange(40), 10.0, (8, 8),
                          frame_importance=np.r_[np.zeros(10), np.ones(11), np.zeros(19)])
    methods = [ev.Method("model", segments_from_attention([rec]))]
    tious = (0.5,)
    evaluated = ev.evaluate_grid(methods, ("activitynet",), lambda d, p: temporal_map(gt, d, tious, protocol=p),
                                 lambda d: temporal_corloc(gt, d, tious))
    return EvaluationContext("temporal", gt, methods, evaluated, ("activitynet",), tious,
                             score_fn=lambda d, p: temporal_map(gt, d, tious, protocol=p), records=[rec],
                             args=argparse.Namespace(**dict(dict(legacy=True, protocol="activitynet",
                                                                 checkpoint=None, videos=None), **args)))


def test_temporal_from_attention_files_says_why_not():
    result = PLUGIN.run(_temporal_context())
    assert result.metrics["meng2019-code"]["figure"] is None
    assert "not computed" in result.notes[0] and "--checkpoint" in result.notes[0]
    rows = result.tables["protocol_comparison"].rows
    assert [r.metric for r in rows] == ["mAP", "CorLoc"] and rows[0].values == (1.0,)


def test_eval_spatial_legacy_end_to_end(tmp_path, capsys):
    """CLI: attention files + pyannot.pkl + --legacy -> the comparison table on stdout and in metrics.json."""
    import json

    from annotations.ucf101_24 import write_pyannot, write_split_list
    from locbench.cli import main
    from locbench.inference.attention import attention_path, save_attention

    ctx = _spatial_context(corner=False)
    save_attention(attention_path(tmp_path / "att", "v"), ctx.records[0])
    write_pyannot(tmp_path / "pyannot.pkl", ctx.dataset, with_class_names=True)
    write_split_list(tmp_path / "test.txt", ["v"])
    code = main(["eval-spatial", "--gt", str(tmp_path / "pyannot.pkl"), "--split", str(tmp_path / "test.txt"),
                 "--attention", str(tmp_path / "att"), "--iou", "0.1,0.5", "--legacy", "--no-baselines",
                 "--out", str(tmp_path / "eval")])
    assert code == 0
    assert "Protocol comparison" in capsys.readouterr().out
    legacy = json.loads((tmp_path / "eval" / "metrics.json").read_text())["analyses"]["legacy"]
    assert legacy["meng2019-code"]["figure"] == [1.0, 1.0]
    assert legacy["meng2019-code"]["evaluated_frames"] == 4


def test_comparison_figure_when_plots_are_asked(tmp_path):
    ctx = _spatial_context(corner=False)
    ctx.plots_dir = str(tmp_path / "figs")
    result = PLUGIN.run(ctx)
    assert len(result.figures) == 1 and (tmp_path / "figs" / "protocol_comparison_IoU.png").stat().st_size > 1000


def test_temporal_approximation_only_when_asked_and_labelled():
    result = PLUGIN.run(_temporal_context(legacy_approximate=True))
    # the record's importance is on its frames 10..20 (1.0-2.0 s at 10 fps); the authors' 1-based window
    # frames 10..20 (the annotated ones) sit at 0.9-1.9 s, i.e. record frames 9..19: 10 of them carry
    # importance, renormalised to 1/10 > 0.023 each -> recall 10/11 > 0.5, class right -> 1 of 1
    row = result.tables["protocol_comparison"].rows[-1]
    assert row.method.startswith("meng2019-code APPROXIMATION") and row.values == (1.0,)
    assert result.metrics["meng2019-code"]["approximation"] is True
    assert result.notes[0].startswith("APPROXIMATION")
