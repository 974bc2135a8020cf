"""The spatial diagnosis plugin and the diagnose-spatial verb on a tiny synthetic UCF-like set:
slices by the hard cases that synth writes, figures, metrics, and bad input as one line."""
from __future__ import annotations

import argparse
import csv
import json

import numpy as np
import pytest

from locbench.cli import main


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from annotations.spatial_io import load_spatial_gt
    from locbench.synth.ucf_like import make_ucf_like
    root = tmp_path_factory.mktemp("syn")
    r = make_ucf_like(root, num_classes=2, train_per_class=1, test_per_class=4, frames="8,10", overwrite=True,
                      distractor_frac=0.5, exit_frac=0.5)
    ds = load_spatial_gt(r["paths"]["pyannot_with_class_names"], split=r["paths"]["testlist"])
    gt = ds.frame_boxes(ds.test_videos)
    # detections: exact boxes on distractor videos' even frames, the inner quarter ("part") elsewhere
    with open(r["paths"]["hard_cases"]) as f:
        distractor = {row["video"]: row["distractor"] == "1" for row in csv.DictReader(f)}
    rows = ["video,frame,label,score,x1,y1,x2,y2"]
    for i, (v, fr, lab, b) in enumerate(zip(gt.video, gt.frame_idx, gt.label, gt.boxes_xyxy)):
        x1, y1, x2, y2 = b
        if not (distractor[v] and fr % 2 == 0):
            w, h = x2 - x1, y2 - y1
            x1, y1, x2, y2 = x1 + w / 4, y1 + h / 4, x2 - w / 4, y2 - h / 4
        rows.append(f"{v},{fr},{lab},{1 - i / 1000:.4f},{x1},{y1},{x2},{y2}")
    dets = root / "dets.csv"
    dets.write_text("\n".join(rows) + "\n")
    return r, ds, gt, dets, distractor


def test_synth_writes_hard_cases_csv(synth):
    r, ds, _, _, distractor = synth
    with open(r["paths"]["hard_cases"]) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == r["num_train"] + r["num_test"]
    assert set(rows[0]) == {"video", "split", "label", "distractor", "exit", "bias", "multi_actor", "hard_case"}
    assert sum(int(x["distractor"]) for x in rows) == r["hard_cases"]["distractor"]
    for x in rows:
        cases = [c for c in ("distractor", "exit", "bias", "multi_actor") if x[c] == "1"]
        assert x["hard_case"] == ("+".join(cases) or "none")


@pytest.mark.slow
def test_diagnose_spatial_verb_with_slices_and_figures(synth, tmp_path, capsys):
    r, ds, gt, dets, distractor = synth
    out, plots = tmp_path / "out", tmp_path / "plots"
    code = main(["diagnose-spatial", "--gt", r["paths"]["pyannot_with_class_names"], "--split", r["paths"]["testlist"],
                 "--detections", str(dets), "--out", str(out), "--plots", str(plots), "--videos", r["paths"]["videos"],
                 "--slice-by", f"{r['paths']['hard_cases']}:distractor"])
    stdout = capsys.readouterr().out
    assert code == 0
    assert "Diagnosis of dets.csv" in stdout and "gain part" in stdout and "distractor=1" in stdout
    m = json.loads((out / "metrics.json").read_text())["analyses"]["diagnosis-spatial"]
    w5 = m["pos0.5"]["weak"]
    # every miss comes from a quarter-size box inside the actor: part, and fixing it finds every box
    n_part = int(sum(1 for v, f in zip(gt.video, gt.frame_idx) if not (distractor[v] and f % 2 == 0)))
    assert w5["counts"]["part"] == n_part and w5["missed_by_type"]["part"] == n_part
    assert w5["base_mAP"] + w5["gain"]["part"] == pytest.approx(100.0)
    assert m["pos0.5"]["tide"]["error_counts"]["Loc"] == n_part  # IoU 1/4: TIDE calls it Loc
    sl = m["slices"]["distractor"]
    assert set(sl) == {"0", "1"}
    assert sl["0"]["pos0.5"]["tide"]["mAP"] == pytest.approx(0.0)  # no exact box outside distractor videos
    assert sl["1"]["pos0.5"]["tide"]["mAP"] > 0
    for name in ("diagnosis_tide.png", "diagnosis_weak.png", "diagnosis_gallery_part.png"):
        assert (plots / name).stat().st_size > 1000
    assert not (plots / "diagnosis_gallery_other.png").exists()  # no such case, no gallery


def test_plugin_contract(synth):
    from locbench.evaluation import diagnosis_spatial as dsp
    from locbench.evaluation.plugins import EvaluationContext, plugins_for
    from annotations.spatial_io import load_box_detections
    from locbench.evaluation.methods import Method
    r, ds, gt, dets_path, _ = synth
    assert dsp.PLUGIN in plugins_for("spatial") and dsp.PLUGIN not in plugins_for("temporal")
    p = argparse.ArgumentParser()
    dsp.PLUGIN.add_arguments(p, "spatial")
    dsp.PLUGIN.add_arguments(p, "spatial")  # twice (eval verb + diagnose verb): no duplicate option
    args = p.parse_args([])
    assert not dsp.PLUGIN.enabled(args) and dsp.PLUGIN.enabled(p.parse_args(["--diagnose"]))
    dets = load_box_detections(str(dets_path), gt=ds)
    ctx = EvaluationContext("spatial", gt, [Method("m", dets)], [], ("voc",), (0.5,), lambda d, q: None,
                            dataset=ds, args=p.parse_args(["--diagnose"]))
    res = dsp.PLUGIN.run(ctx)
    assert set(res.tables) == {"diagnosis"} and res.figures == []  # no --plots: no figures
    assert res.metrics["pos0.5"]["tide"]["mAP"] == pytest.approx(res.tables["diagnosis"].rows[0].values[0] * 100)
    name, first = next(iter(res.videos.items()))
    assert first["kind"] == "frames" and first["frames"] and first["width"] == ds.videos[name].width
    assert first["frames"][0]["gt"][0][5] == "part"  # the browser shows each box's diagnosis type


def test_bad_slice_is_one_line(synth, tmp_path, capsys):
    r, ds, gt, dets, _ = synth
    code = main(["diagnose-spatial", "--gt", r["paths"]["pyannot_with_class_names"], "--split", r["paths"]["testlist"],
                 "--detections", str(dets), "--slice-by", f"{r['paths']['hard_cases']}:nope"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "nope" in err and len(err.strip().splitlines()) == 1


def test_plugin_unseen_frames_with_attention_records(synth):
    # with --frames all, boxes on frames the model did not see are "unseen", not "no_box"
    from types import SimpleNamespace
    from annotations.spatial_io import load_box_detections
    from locbench.evaluation import diagnosis_spatial as dsp
    from locbench.evaluation.methods import Method
    from locbench.evaluation.plugins import EvaluationContext
    r, ds, gt, dets_path, _ = synth
    dets = load_box_detections(str(dets_path), gt=ds)
    keep = dets.frame_idx != 1  # the model "saw" every frame but 1, and gave boxes there
    records = [SimpleNamespace(video=v, frame_idx=np.array([f for f in range(ds.videos[v].num_frames) if f != 1]))
               for v in gt.videos]
    args = argparse.Namespace(diagnose=True, slice_by=[], videos=None)
    ctx = EvaluationContext("spatial", gt, [Method("m", dets.select(keep))], [], ("voc",), (0.5,), lambda d, q: None,
                            dataset=ds, records=records, settings={"frames": "all"}, args=args)
    w = dsp.PLUGIN.run(ctx).metrics["pos0.5"]["weak"]
    n_frame1 = int(np.sum(gt.frame_idx == 1))
    assert w["missed_by_type"]["unseen"] == n_frame1 and w["missed_by_type"]["no_box"] == 0
    ctx.settings["frames"] = "sampled"  # ground truth already restricted by the caller: no unseen type
    w = dsp.PLUGIN.run(ctx).metrics["pos0.5"]["weak"]
    assert w["missed_by_type"]["unseen"] == 0 and w["missed_by_type"]["no_box"] == n_frame1
