"""The evaluation verbs end to end: official numbers through the CLI, every output written, and bad
input reported as one line with exit status 2 (never a traceback)."""
import json
from pathlib import Path

import numpy as np
import pytest

from locbench.cli import main

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
UCF = SHARED / "data" / "ucf101_24"
REF = SHARED / "reference"


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *needles):
    assert code == 2
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], (n, lines[0])


def test_eval_temporal_cli_reproduces_both_official_protocols(tmp_path, capsys):
    expected = json.loads((REF / "temporal" / "expected.json").read_text())
    out = tmp_path / "out"
    code, stdout, _ = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections",
                              REF / "temporal" / "detections.txt", "--protocol", "thumos14",
                              "--tiou", "0.1,0.2,0.3,0.4,0.5,0.6,0.7", "--unknown-videos", "fp", "--out", out,
                              "--per-class")
    assert code == 0 and "| mAP" in stdout and "BaseballPitch" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    np.testing.assert_allclose(metrics["methods"][0]["ap"]["mAP"], expected["thumos14"]["mAP"], atol=1e-6)
    assert metrics["provenance"]["inputs"]["detections"]["sha256"]
    for name in ("table.md", "table.csv", "table.json", "table.tex", "per_class.md"):
        assert (out / name).stat().st_size > 0

    out2 = tmp_path / "anet"
    code, _, _ = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "thumos_gt.json", "--detections",
                         REF / "temporal" / "detections.json", "--tiou", "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
                         "--unknown-videos", "fp", "--out", out2)
    assert code == 0
    metrics = json.loads((out2 / "metrics.json").read_text())
    np.testing.assert_allclose(metrics["methods"][0]["ap"]["mAP"], expected["activitynet"]["mAP"], atol=1e-6)


def test_eval_spatial_cli_reproduces_all_three_protocols(tmp_path, capsys):
    expected = json.loads((REF / "spatial" / "expected.json").read_text())
    out = tmp_path / "out"
    code, stdout, _ = run_cli(capsys, "eval-spatial", "--gt", UCF / "pyannot.pkl", "--split", REF / "spatial" / "videos.txt",
                              "--detections", REF / "spatial" / "detections.csv", "--protocol", "voc,act,coco",
                              "--iou", "0.05,0.1,0.2,0.3,0.5", "--out", out, "--format", "latex")
    assert code == 0 and r"\begin{tabular}" in stdout
    methods = json.loads((out / "metrics.json").read_text())["methods"]
    for m, protocol in zip(methods, ("voc", "act", "coco")):
        np.testing.assert_allclose(m["ap"]["mAP"], expected[protocol]["mAP"], atol=1e-6)
        assert m["corloc"]["unit"] == "frame"


def test_eval_video_cli_reproduces_act(tmp_path, capsys):
    expected = json.loads((REF / "video" / "expected.json").read_text())
    code, _, _ = run_cli(capsys, "eval-video", "--gt", UCF / "pyannot.pkl", "--split", REF / "video" / "videos.txt",
                         "--detections", REF / "video" / "tubes.csv", "--out", tmp_path)
    assert code == 0
    m = json.loads((tmp_path / "metrics.json").read_text())["methods"][0]
    np.testing.assert_allclose(m["ap"]["mAP"], expected["mAP"], atol=1e-6)


def test_unknown_videos_are_an_error_by_default(capsys):
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "thumos_gt.json", "--detections",
                           REF / "temporal" / "detections.json")
    assert_one_line_error(code, err, "detections.json", "absent from the ground truth", "--unknown-videos")


def _temporal(capsys, tmp_path, text, suffix=".txt"):
    path = tmp_path / f"dets{suffix}"
    path.write_text(text)
    return run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections", path,
                   "--protocol", "thumos14")


@pytest.mark.parametrize("text,needles", [
    ("video_test_0000004 1.0 2.0 7\n", ["line 1"]),  # malformed: 4 columns
    ("video_test_0000004 1.0 2.0 12345 0.5\n", ["line 1", "12345"]),  # unknown class id
    ("video_test_0000004 1.0 2.0 7 nan\n", ["line 1"]),  # NaN score
    # end < start, negative scores and empty files are valid input since issue 7 (as the official
    # programs take them): tests/test_temporal_official_rules.py
])
def test_bad_temporal_detections(capsys, tmp_path, text, needles):
    code, _, err = _temporal(capsys, tmp_path, text)
    assert_one_line_error(code, err, "dets.txt", *needles)


def test_bad_activitynet_json_names_the_key(capsys, tmp_path):
    bad = {"results": {"video_test_0000004": [{"label": "NoSuchClass", "score": 0.5, "segment": [1, 2]}]}}
    code, _, err = _temporal(capsys, tmp_path, json.dumps(bad), suffix=".json")
    assert_one_line_error(code, err, "dets.json", "NoSuchClass")


def _spatial(capsys, tmp_path, rows):
    path = tmp_path / "dets.csv"
    path.write_text("video,frame,label,score,x1,y1,x2,y2\n" + rows)
    return run_cli(capsys, "eval-spatial", "--gt", UCF / "pyannot.pkl", "--split", REF / "spatial" / "videos.txt",
                   "--detections", path)


@pytest.mark.parametrize("rows,needles", [
    ("Basketball/v_Basketball_g02_c01,14,Basketball,0.5,10,10\n", []),  # malformed row
    ("Basketball/v_Basketball_g02_c01,14,NoSuchClass,0.5,10,10,20,20\n", ["NoSuchClass"]),
    ("Basketball/v_Basketball_g02_c01,14,Basketball,0.5,30,10,20,20\n", ["x2"]),  # x2 < x1
    ("Basketball/v_Basketball_g02_c01,14,Basketball,nan,10,10,20,20\n", []),
    ("Basketball/v_Basketball_g02_c01,14,Basketball,inf,10,10,20,20\n", []),  # negative scores are valid
    ("", ["no boxes"]),
    ("Nope/v_Nope_g01_c01,14,Basketball,0.5,10,10,20,20\n", ["absent", "Nope/v_Nope_g01_c01"]),
])
def test_bad_box_detections(capsys, tmp_path, rows, needles):
    code, _, err = _spatial(capsys, tmp_path, rows)
    assert_one_line_error(code, err, "dets.csv", *needles)


def test_missing_files_and_bad_options(capsys, tmp_path):
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", tmp_path / "nope", "--detections", tmp_path / "x.txt")
    assert_one_line_error(code, err, "nope")
    code, _, err = run_cli(capsys, "eval-spatial", "--gt", UCF / "pyannot.pkl", "--detections",
                           tmp_path / "missing.csv")
    assert_one_line_error(code, err, "missing.csv")
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections",
                           REF / "temporal" / "detections.txt", "--tiou", "0.1,abc")
    assert_one_line_error(code, err, "--tiou")
    code, _, err = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections",
                           REF / "temporal" / "detections.txt", "--protocol", "voc")
    assert_one_line_error(code, err, "--protocol")


def test_existing_outputs_survive_a_failed_run(capsys, tmp_path):
    out = tmp_path / "out"
    code, _, _ = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections",
                         REF / "temporal" / "detections.txt", "--unknown-videos", "fp", "--out", out)
    assert code == 0
    before = (out / "metrics.json").read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_text("video_test_0000004 1.0 2.0 7 nan\n")  # (start > end is valid input since issue 7)
    code, _, _ = run_cli(capsys, "eval-temporal", "--gt", THUMOS / "groundtruth", "--detections", bad, "--out", out)
    assert code == 2 and (out / "metrics.json").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left behind
