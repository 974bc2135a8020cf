"""Outputs a user can trust: one run per --out folder, --overwrite clears only what locbench wrote,
files are saved before tables are printed, a closed pipe ends quietly, LaTeX keeps the notes and never
compares protocols."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from annotations.errors import InputError
from locbench.cli import main
from locbench.evaluation.outputs import MANIFEST, prepare_out_dir, read_manifest, write_outputs
from locbench.evaluation.tables import Row, Table, main_rows, render

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
THUMOS = SHARED / "data" / "thumos14"
REF = SHARED / "reference"
ARGV = ["eval-temporal", "--gt", str(THUMOS / "groundtruth"), "--detections", str(REF / "temporal" / "detections.txt"),
        "--unknown-videos", "fp", "--protocol", "thumos14"]


def test_out_refuses_another_runs_folder_and_overwrite_replaces_it(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(ARGV + ["--out", str(out)]) == 0
    listed = read_manifest(out)
    assert "metrics.json" in listed and "table.tex" in listed
    before = (out / "metrics.json").read_bytes()
    capsys.readouterr()
    assert main(ARGV + ["--out", str(out), "--tiou", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "another run" in err and "--overwrite" in err and "overwrite=" not in err
    assert (out / "metrics.json").read_bytes() == before
    assert main(ARGV + ["--out", str(out), "--tiou", "0.5", "--overwrite"]) == 0
    assert json.loads((out / "metrics.json").read_text())["thresholds"] == [0.5]


def test_overwrite_removes_only_files_locbench_wrote(tmp_path):
    out = tmp_path / "o"
    write_outputs(out, {"task": "x"}, {"table": Table("t", "IoU", (0.5,), (Row("a", "mAP", (0.5,)),))})
    stale = out / "per_class.md"  # a file of the previous run that this run would not rewrite
    stale.write_text("old")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"].append("per_class.md")
    (out / MANIFEST).write_text(json.dumps(manifest))
    prepare_out_dir(out, overwrite=True)
    assert not any(out.iterdir())  # everything of the previous run, and only that, is gone
    write_outputs(out, {"task": "x"}, {})
    (out / "mine.txt").write_text("user file")
    with pytest.raises(InputError, match="did not write"):
        prepare_out_dir(out, overwrite=True)
    assert (out / "mine.txt").read_text() == "user file" and (out / "metrics.json").exists()


class _ClosedPipe:
    """A stdout whose reader has gone away."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self):
        raise OSError("no descriptor")


def test_files_are_written_before_tables_and_a_closed_pipe_is_quiet(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = main(ARGV + ["--out", str(out)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert json.loads((out / "metrics.json").read_text())["methods"] and (out / "table.md").exists()


def test_pipe_into_head_in_a_real_shell(tmp_path):
    out = tmp_path / "out"
    # the reader closes its end at once, so the first table line written meets a closed pipe
    cmd = f"{sys.executable} -m locbench {' '.join(ARGV)} --per-class --out {out} | (exec 0<&-; sleep 3)"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert (out / "metrics.json").exists() and (out / "per_class.md").exists()


def test_latex_has_notes_as_comments_and_never_marks_best_across_protocols():
    rows = (main_rows("A [thumos14]", np.array([0.5]), None, group="thumos14")
            + main_rows("B [thumos14]", np.array([0.4]), None, group="thumos14")
            + main_rows("A [activitynet]", np.array([0.6]), None, group="activitynet"))
    tex = render(Table("t", "tIoU", (0.5,), tuple(rows), notes=("computed on 3 videos\nsecond line", "x % y")), "latex")
    assert "% note: computed on 3 videos second line" in tex and "% note: x % y" in tex
    assert r"\textbf{50.0}" in tex  # best of thumos14 rows
    assert r"\textbf{60.0}" not in tex  # alone in its protocol: nothing to compare with
    assert r"\textbf{40.0}" not in tex
