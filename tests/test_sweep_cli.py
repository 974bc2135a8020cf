"""End to end: eval-temporal with attention files, a weight-threshold grid and --calibrate-on."""
from __future__ import annotations

import json

import numpy as np

from locbench.cli import main
from locbench.inference.attention import AttentionRecord, attention_path, save_attention

# frames 2-3 at 1.0, 4-5 at 0.6 (1 frame per second): thresholds 0.3 / 0.5 give [2, 6) s, 0.7 / 0.9 give [2, 4) s
CURVE = np.array([0, 0, 1, 1, 0.6, 0.6, 0, 0, 0, 0], float)


def test_sweep_and_calibration_from_the_command_line(tmp_path, capsys):
    db = {"database": {"a": {"subset": "test", "annotations": [{"segment": [2, 4], "label": "x"}]},
                       "b": {"subset": "validation", "annotations": [{"segment": [2, 6], "label": "x"}]}}}
    gt = tmp_path / "gt.json"
    gt.write_text(json.dumps(db))
    att = tmp_path / "attention"
    for v in ("a", "b"):
        save_attention(attention_path(att, v), AttentionRecord(v, ("x", "y"), np.array([0.9, 0.1]), np.arange(10),
                                                               1.0, (240, 320), frame_importance=CURVE, model="m"))
    out, plots = tmp_path / "out", tmp_path / "plots"
    rc = main(["eval-temporal", "--gt", str(gt), "--attention", str(att), "--tiou", "0.5,0.75",
               "--weight-threshold", "0.3:0.9:0.2", "--calibrate-on", "validation", "--unknown-videos", "drop",
               "--no-baselines", "--out", str(out), "--plots", str(plots)])
    assert rc == 0
    metrics = json.loads((out / "metrics.json").read_text())
    sweep = metrics["analyses"]["sweep"]
    model = sweep["models"][0]
    assert sweep["grid"] == [0.3, 0.5, 0.7, 0.9] and sweep["headline_threshold"] == 0.5
    assert model["best"]["activitynet"]["threshold"] == 0.7
    assert model["calibrated"]["threshold"] == 0.5 and model["calibrated"]["overlap_with_evaluated"] == 0
    # the headline row of the main table is at 0.5: [2, 6) against [2, 4) -> AP 1 at tIoU 0.5, 0 at 0.75
    assert metrics["methods"][0]["ap"]["mAP"] == [1.0, 0.0]
    assert (plots / "threshold_sweep_m.png").exists()
    assert "threshold tuned on the evaluated set" in capsys.readouterr().out
