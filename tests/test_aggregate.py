"""locbench aggregate: mean ± sample std of several runs' metrics.json, and refusals."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from locbench.cli import main
from locbench.commands.aggregate import MeanStdCell

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="module")
def one_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    rc = main(["eval-temporal", "--gt", str(SHARED / "data" / "thumos14" / "groundtruth"), "--detections",
               str(SHARED / "reference" / "temporal" / "detections.txt"), "--protocol", "thumos14",
               "--unknown-videos", "fp", "--out", str(out)])
    assert rc == 0
    return json.loads((out / "metrics.json").read_text())


def _write(tmp_path, name, metrics):
    d = tmp_path / name
    d.mkdir()
    (d / "metrics.json").write_text(json.dumps(metrics))
    return str(d)


def _shifted(metrics, delta):
    m = copy.deepcopy(metrics)
    row = m["methods"][0]
    row["ap"]["mAP"] = [v + delta for v in row["ap"]["mAP"]]
    row["corloc"]["mean"] = [v - delta for v in row["corloc"]["mean"]]
    return m


def test_mean_and_sample_std(one_run, tmp_path, capsys):
    runs = [_write(tmp_path, f"s{i}", _shifted(one_run, d)) for i, d in enumerate((-0.02, 0.0, 0.05))]
    out = tmp_path / "agg"
    assert main(["aggregate", *runs, "--out", str(out)]) == 0
    m = json.loads((out / "metrics.json").read_text())
    base = np.array(one_run["methods"][0]["ap"]["mAP"])
    got = m["methods"][0]["mAP"]
    # mean of (x - 0.02, x, x + 0.05) = x + 0.01; sample std of (-0.02, 0, 0.05) = sqrt(0.0026 / 2)
    np.testing.assert_allclose(got["mean"], base + 0.01, atol=1e-12)
    np.testing.assert_allclose(got["std"], np.sqrt(((0.03 ** 2) + (0.01 ** 2) + (0.04 ** 2)) / 2), atol=1e-12)
    assert got["n"] == 3 and m["aggregate"]["ddof"] == 1
    np.testing.assert_allclose(m["methods"][0]["CorLoc"]["mean"],
                               np.array(one_run["methods"][0]["corloc"]["mean"]) - 0.01, atol=1e-12)
    text = capsys.readouterr().out
    assert "±" in text and "over 3 runs" in text and "n = 3" in text
    assert (out / "table.csv").exists() and (out / "table.tex").exists()


def test_one_run_has_no_std(one_run, tmp_path, capsys):
    assert main(["aggregate", _write(tmp_path, "a", one_run)]) == 0
    assert "one run: no standard deviation" in capsys.readouterr().out


@pytest.mark.parametrize("change,what", [
    (lambda m: m.update(protocol="activitynet"), "protocol differ"),
    (lambda m: m.update(thresholds=[0.1, 0.2]), "thresholds differ"),
    (lambda m: m["methods"][0]["ap"]["num_gt"].pop("BaseballPitch"), "classes differ"),
    (lambda m: m.update(task="spatial"), "task differ"),
])
def test_runs_that_are_not_comparable_are_refused(one_run, tmp_path, capsys, change, what):
    other = copy.deepcopy(one_run)
    change(other)
    rc = main(["aggregate", _write(tmp_path, "a", one_run), _write(tmp_path, "b", other)])
    err = capsys.readouterr().err
    assert rc == 2 and what in err and "not comparable" in err and len(err.strip().splitlines()) == 1


def test_missing_metrics_is_one_line(tmp_path, capsys):
    assert main(["aggregate", str(tmp_path)]) == 2
    assert "no metrics.json" in capsys.readouterr().err


def test_renamed_rows_are_matched_by_position(one_run, tmp_path, capsys):
    other = copy.deepcopy(one_run)
    other["methods"][0]["name"] = "seed 1 model"
    assert main(["aggregate", _write(tmp_path, "a", one_run), _write(tmp_path, "b", other)]) == 0
    assert "matched by position" in capsys.readouterr().out


def test_cell_format():
    assert f"{100 * MeanStdCell(0.5, 0.01):.1f}" == "50.0 ± 1.0" and f"{MeanStdCell(0.5, float('nan')):.2f}" == "0.50"
