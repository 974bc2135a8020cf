"""Result tables in the papers' layout, rendered as Markdown, CSV, JSON or LaTeX.

Main table: one row per method (or protocol) and metric, one column per IoU threshold, and a
classification-accuracy column that is empty when the input carries no class scores::

    | Method            | Metric | 0.05 | 0.1  | 0.2  | 0.3  | Cls. acc. |
    | attention (ours)  | mAP    | 67.0 | 56.1 | 34.1 | 17.7 | 85.2      |
    |                   | CorLoc | 71.3 | ...                             |
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field

import numpy as np

FORMATS = ("md", "csv", "json", "latex")


@dataclass(frozen=True)
class Row:
    method: str
    metric: str  # "mAP", "CorLoc", "AP", ...
    values: tuple[float, ...]  # fractions in [0, 1], one per threshold
    accuracy: float | None = None  # fraction, or None when unknown
    #: rows compared with each other (the protocol); LaTeX marks a best value only within one group
    group: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    threshold_name: str  # "IoU" or "tIoU"
    thresholds: tuple[float, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    first_column: str = "Method"
    accuracy_column: bool = True  # the main table always shows it (empty without class scores)


def _fmt_threshold(t: float) -> str:
    return f"{t:g}"


def _fmt_pct(v: float | None, digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{100.0 * v:.{digits}f}"


def _header(table: Table) -> list[str]:
    cols = [table.first_column, "Metric"] + [f"{table.threshold_name} {_fmt_threshold(t)}" for t in table.thresholds]
    return cols + (["Cls. acc."] if table.accuracy_column else [])


def _cells(table: Table, digits: int) -> list[list[str]]:
    out, previous = [], None
    for r in table.rows:
        name = "" if r.method == previous else r.method
        previous = r.method
        acc = [_fmt_pct(r.accuracy, digits)] if table.accuracy_column else []
        out.append([name, r.metric] + [_fmt_pct(v, digits) for v in r.values] + acc)
    return out


def to_markdown(table: Table, digits: int = 1) -> str:
    header = _header(table)
    rows = _cells(table, digits)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) if i < 2 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|"
    text = [f"**{table.title}** (%)", "", line(header), sep] + [line(r) for r in rows]
    text += [""] + [f"- {n}" for n in table.notes] if table.notes else []
    return "\n".join(text) + "\n"


def to_csv(table: Table, digits: int = 4) -> str:
    """Machine-readable: fractions (not percent), every row labelled, accuracy blank when unknown."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    acc_header = ["accuracy"] if table.accuracy_column else []
    w.writerow([table.first_column.lower(), "metric"] + [_fmt_threshold(t) for t in table.thresholds] + acc_header)
    for r in table.rows:
        vals = ["" if math.isnan(v) else f"{v:.{digits + 2}f}" for v in r.values]
        acc = ["" if r.accuracy is None else f"{r.accuracy:.{digits + 2}f}"] if table.accuracy_column else []
        w.writerow([r.method, r.metric] + vals + acc)
    return buf.getvalue()


def to_json(table: Table) -> str:
    def clean(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    return json.dumps({
        "title": table.title,
        "threshold_name": table.threshold_name,
        "thresholds": [float(t) for t in table.thresholds],
        "rows": [{"method": r.method, "metric": r.metric, "values": [clean(v) for v in r.values],
                  "accuracy": clean(r.accuracy)} for r in table.rows],
        "notes": list(table.notes),
    }, indent=2) + "\n"


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def _latex_escape(s: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in s)


def to_latex(table: Table, digits: int = 1) -> str:
    """A booktabs tabular, best value per threshold column in bold within each metric and protocol
    group (never across protocols: their numbers are not comparable); the notes become ``%`` comments."""
    k = len(table.thresholds)
    best: dict[tuple[str, str, int], float] = {}
    count: dict[tuple[str, str], int] = {}
    for r in table.rows:
        count[(r.metric, r.group)] = count.get((r.metric, r.group), 0) + 1
        for j, v in enumerate(r.values):
            if not math.isnan(v):
                best[(r.metric, r.group, j)] = max(best.get((r.metric, r.group, j), -math.inf), v)
    acc_col = table.accuracy_column
    lines = [f"% {_latex_comment(table.title)}"] + [f"% note: {_latex_comment(n)}" for n in table.notes]
    lines += [r"\begin{tabular}{ll" + "c" * k + ("c" if acc_col else "") + "}", r"\toprule",
              f"{table.first_column} & Metric & " + " & ".join(_fmt_threshold(t) for t in table.thresholds)
              + (r" & Cls.\ acc." if acc_col else "") + r" \\", r"\midrule"]
    previous = None
    for r in table.rows:
        cells = []
        many = count[(r.metric, r.group)] > 1
        for j, v in enumerate(r.values):
            s = _fmt_pct(v, digits)
            if s and many and v == best.get((r.metric, r.group, j)):
                s = r"\textbf{" + s + "}"
            cells.append(s)
        name = "" if r.method == previous else _latex_escape(r.method)
        previous = r.method
        acc = f" & {_fmt_pct(r.accuracy, digits)}" if acc_col else ""
        lines.append(f"{name} & {_latex_escape(r.metric)} & " + " & ".join(cells) + acc + " \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def _latex_comment(text: str) -> str:
    """One line of text safe inside a LaTeX ``%`` comment (newlines folded)."""
    return " ".join(str(text).split())


RENDERERS = {"md": to_markdown, "csv": to_csv, "json": to_json, "latex": to_latex}
EXTENSIONS = {"md": "md", "csv": "csv", "json": "json", "latex": "tex"}


def render(table: Table, fmt: str = "md") -> str:
    if fmt not in RENDERERS:
        raise ValueError(f"unknown table format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](table)


def main_rows(method: str, mean_ap: np.ndarray, mean_corloc: np.ndarray | None,
              accuracy: float | None = None, group: str = "") -> list[Row]:
    """The paper's two rows for one method: mAP, then CorLoc (accuracy shown on the first row).
    ``group`` (the protocol) keeps LaTeX from marking a best value across protocols."""
    rows = [Row(method, "mAP", tuple(float(v) for v in mean_ap), accuracy, group)]
    if mean_corloc is not None:
        rows.append(Row(method, "CorLoc", tuple(float(v) for v in mean_corloc), None, group))
    return rows


def per_class_table(title: str, threshold_name: str, thresholds, classes, ap: np.ndarray,
                    num_gt: np.ndarray) -> Table:
    """One row per class (AP), then the mean over classes with ground truth."""
    rows = [Row(c, "AP", tuple(float(v) for v in ap[i])) for i, c in enumerate(classes) if num_gt[i] > 0]
    valid = np.asarray(num_gt) > 0
    mean = np.mean(ap[valid], axis=0) if valid.any() else np.full(len(thresholds), np.nan)
    rows.append(Row("mean", "mAP", tuple(float(v) for v in mean)))
    return Table(title, threshold_name, tuple(float(t) for t in thresholds), tuple(rows), first_column="Class",
                 accuracy_column=False)
