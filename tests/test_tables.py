"""Tables keep the paper's layout in every format."""
import json
import math

import numpy as np

from locbench.evaluation.tables import Row, Table, main_rows, per_class_table, render


def _table():
    rows = main_rows("ours", np.array([0.67, 0.561]), np.array([0.7, 0.6]), accuracy=0.852)
    rows += main_rows("full-frame box", np.array([0.3, 0.2]), None)
    return Table("UCF101-24 frame-mAP", "IoU", (0.05, 0.1), tuple(rows), notes=("note one",))


def test_markdown_layout():
    md = render(_table(), "md")
    lines = [l for l in md.splitlines() if l.startswith("|")]
    assert "IoU 0.05" in lines[0] and "Cls. acc." in lines[0]
    assert lines[2].split("|")[1].strip() == "ours" and "67.0" in lines[2] and "85.2" in lines[2]
    assert lines[3].split("|")[1].strip() == "" and "CorLoc" in lines[3]  # second row of the same method
    assert lines[4].split("|")[-2].strip() == ""  # no class scores -> empty accuracy cell
    assert "- note one" in md


def test_csv_and_json_are_fractions():
    csv_text = render(_table(), "csv").splitlines()
    assert csv_text[0] == "method,metric,0.05,0.1,accuracy"
    assert csv_text[1].startswith("ours,mAP,0.670000,0.561000,0.852000")
    data = json.loads(render(_table(), "json"))
    assert data["rows"][0]["values"] == [0.67, 0.561] and data["rows"][2]["accuracy"] is None


def test_latex_escapes_and_bolds_best():
    t = Table("t", "IoU", (0.5,), (Row("a_b", "mAP", (0.4,)), Row("c", "mAP", (0.6,))))
    tex = render(t, "latex")
    assert r"a\_b" in tex and r"\textbf{60.0}" in tex and r"\textbf{40.0}" not in tex


def test_per_class_table_mean_excludes_classes_without_gt():
    t = per_class_table("x", "tIoU", [0.5], ("a", "b", "c"), np.array([[0.2], [math.nan], [0.4]]),
                        np.array([3, 0, 1]))
    assert [r.method for r in t.rows] == ["a", "c", "mean"]
    assert abs(t.rows[-1].values[0] - 0.3) < 1e-12


def test_per_class_table_has_no_accuracy_column_in_any_format():
    t = per_class_table("x", "IoU", [0.5], ("a",), np.array([[0.2]]), np.array([3]))
    assert "Cls. acc." not in render(t, "md")
    assert render(t, "csv").splitlines()[0] == "class,metric,0.5"
    assert r"acc." not in render(t, "latex")
