"""Every python block of docs/api.md runs on its own, in order, in a temporary folder whose ../shared
is the shared data (as the docs-commands test runs them, each in a fresh process)."""
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def test_api_page_has_the_whole_session():
    code = "\n".join(_blocks(ROOT / "docs" / "api.md"))
    for step in ("load_temporal_gt", "temporal_map", "TemporalEvaluation", "to_dataframe", "savefig",
                 "masks_to_boxes", "save_attention", "load_attention"):
        assert step in code, step


def test_every_python_block_of_api_md_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("cv2")  # the last block uses the model extra
    work = tmp_path / "work"
    work.mkdir()
    os.symlink(SHARED, tmp_path / "shared")
    monkeypatch.chdir(work)
    namespaces = []
    for i, block in enumerate(_blocks(ROOT / "docs" / "api.md")):
        namespace: dict = {"__name__": "__docs__"}  # each block stands on its own
        exec(compile(block, f"docs/api.md block {i + 1}", "exec"), namespace)
        namespaces.append(namespace)
    out = capsys.readouterr().out
    assert "mAP" in out and (work / "map_vs_tiou.png").stat().st_size > 0
    assert (work / "results" / "metrics.json").exists() and (work / "attention" / "v_Demo_g01_c01.npz").exists()
    df = next(ns["df"] for ns in namespaces if "df" in ns)
    assert set(df.method) == {"reference [thumos14]", "noisy [thumos14]", "reference [activitynet]",
                              "noisy [activitynet]"}
