"""The format registry: one entry per format, CLI choices generated from it, sniffers that tell every
shared file's format, and a format reachable from the CLI that was not before (thumos14-csv)."""
import json
from pathlib import Path

import numpy as np
import pytest

from annotations import formats
from annotations.errors import InputError
from locbench.cli import build_parser, main

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
UCF = SHARED / "data" / "ucf101_24"
REF = SHARED / "reference"


def test_names_are_unique_and_every_entry_reads_something():
    names = [(f.kind, f.name) for f in formats.FORMATS]
    assert len(names) == len(set(names))
    assert all(f.read for f in formats.FORMATS)
    assert formats.choices("temporal", "gt") == ("auto", "thumos14-txt", "thumos14-csv", "activitynet-json")
    assert formats.choices("spatial", "gt") == ("auto", "pyannot", "mat", "coco", "csv")


def test_cli_choices_come_from_the_registry():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for verb, kind in (("eval-temporal", "temporal"), ("eval-spatial", "spatial")):
        acts = {a.dest: a for a in sub[verb]._actions}
        assert set(formats.choices(kind, "gt")) <= set(acts["gt_format"].choices)
        assert set(formats.choices(kind, "detections")) <= set(acts["det_format"].choices)


@pytest.mark.parametrize("kind,role,path,name", [
    ("temporal", "gt", THUMOS / "groundtruth", "thumos14-txt"),
    ("temporal", "gt", THUMOS / "thumos_gt.json", "activitynet-json"),
    ("temporal", "gt", THUMOS / "thumos14_test_groundtruth.csv", "thumos14-csv"),
    ("temporal", "detections", REF / "temporal" / "detections.txt", "thumos14-txt"),
    ("temporal", "detections", REF / "temporal" / "detections.json", "activitynet-json"),
    ("spatial", "gt", UCF / "pyannot.pkl", "pyannot"),
    ("spatial", "gt", UCF / "finalAnnots.mat", "mat"),
    ("spatial", "detections", REF / "spatial" / "detections.csv", "csv"),
    ("tubes", "detections", REF / "video" / "tubes.csv", "tube-csv"),
])
def test_sniffers_tell_every_shared_file(kind, role, path, name):
    assert formats.sniff(kind, role, path).name == name


def test_a_spatial_json_is_not_taken_for_temporal(tmp_path):
    coco = tmp_path / "gt.json"
    coco.write_text(json.dumps({"images": [], "annotations": [], "categories": []}))
    assert formats.sniff("temporal", "gt", coco) is None


def test_load_by_name_and_by_sniffing_agree():
    a = formats.load("temporal", "gt", THUMOS / "groundtruth")
    b = formats.load("temporal", "gt", THUMOS / "groundtruth", "thumos14-txt")
    c = formats.load("temporal", "gt", THUMOS / "groundtruth", "thumos-txt")  # older spelling
    assert len(a) == len(b) == len(c) > 0
    with pytest.raises(InputError, match="unknown temporal gt format"):
        formats.load("temporal", "gt", THUMOS / "groundtruth", "nope")


def test_writers_round_trip(tmp_path):
    dets = formats.load("temporal", "detections", REF / "temporal" / "detections.json")
    for name, suffix in (("activitynet-json", ".json"), ("thumos14-txt", ".txt")):
        path = tmp_path / f"d{suffix}"
        formats.get("temporal", "detections", name).write["detections"](path, dets)
        back = formats.load("temporal", "detections", path)
        assert len(back) == len(dets)
        np.testing.assert_allclose(np.sort(back.score), np.sort(dets.score), atol=1e-4)


def test_thumos14_csv_ground_truth_is_offered_by_eval_temporal(tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["eval-temporal", "--gt", str(THUMOS / "thumos14_test_groundtruth.csv"), "--gt-format", "thumos14-csv",
                 "--detections", str(REF / "temporal" / "detections.txt"), "--unknown-videos", "fp",
                 "--protocol", "thumos14", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert json.loads((out / "metrics.json").read_text())["methods"][0]["ap"]["mAP"][0] > 0
