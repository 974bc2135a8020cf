"""Recognition results in the paper's layout (methods as rows, datasets as columns) and their figures.

A cell is one accuracy (fraction) or a ``(mean, std)`` pair over splits or seeds (std with ddof 1),
rendered as percent (``53.07 ± 0.41``). Markdown, CSV (fractions), JSON and LaTeX, like
:mod:`locbench.evaluation.tables`; notes travel with every format (LaTeX as ``%`` comments). No
value is marked best: rows may come from different protocols.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

from annotations.atomic import atomic_write_text

FORMATS = ("md", "csv", "json", "latex")
EXTENSIONS = {"md": "md", "csv": "csv", "json": "json", "latex": "tex"}


@dataclass(frozen=True)
class ResultTable:
    """``rows``: (method, cells) with one cell per column: float, (mean, std), or None (not run)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple], ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    first_column: str = "Method"


def _split(cell):
    if cell is None:
        return None, None
    if isinstance(cell, (tuple, list)):
        m, s = cell
        return float(m), (None if s is None or math.isnan(float(s)) else float(s))
    return float(cell), None


def format_cell(cell, digits: int = 2) -> str:
    """``0.5307`` -> ``53.07``; ``(0.5307, 0.0041)`` -> ``53.07 ± 0.41``; None -> empty.

    >>> format_cell((0.5307, 0.0041)), format_cell(0.5), format_cell(None)
    ('53.07 ± 0.41', '50.00', '')
    """
    m, s = _split(cell)
    if m is None or math.isnan(m):
        return ""
    return f"{100 * m:.{digits}f}" + ("" if s is None else f" ± {100 * s:.{digits}f}")


def to_markdown(t: ResultTable, digits: int = 2) -> str:
    header = [t.first_column, *t.columns]
    body = [[name, *(format_cell(c, digits) for c in cells)] for name, cells in t.rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|"
    out = [f"**{t.title}** (%)", "", line(header), sep] + [line(r) for r in body]
    if t.notes:
        out += [""] + [f"- {n}" for n in t.notes]
    return "\n".join(out) + "\n"


def to_csv(t: ResultTable) -> str:
    """Fractions; a (mean, std) cell gives two columns ``<column>`` and ``<column>_std``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([t.first_column.lower()] + [x for c in t.columns for x in (c, f"{c}_std")])
    for name, cells in t.rows:
        vals = []
        for c in cells:
            m, s = _split(c)
            vals += ["" if m is None else f"{m:.6f}", "" if s is None else f"{s:.6f}"]
        w.writerow([name] + vals)
    for n in t.notes:
        w.writerow([f"# {n}"])
    return buf.getvalue()


def to_json(t: ResultTable) -> str:
    def cell(c):
        m, s = _split(c)
        return None if m is None else {"value": m, "std": s}

    return json.dumps({"title": t.title, "columns": list(t.columns),
                       "rows": [{"method": n, "values": [cell(c) for c in cells]} for n, cells in t.rows],
                       "notes": list(t.notes)}, indent=2) + "\n"


_LATEX = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}"}


def to_latex(t: ResultTable, digits: int = 2) -> str:
    esc = lambda s: "".join(_LATEX.get(ch, ch) for ch in s)  # noqa: E731
    lines = [f"% {n}" for n in t.notes]
    lines += [r"\begin{tabular}{l" + "c" * len(t.columns) + "}", r"\toprule",
              " & ".join([esc(t.first_column), *map(esc, t.columns)]) + r" \\", r"\midrule"]
    for name, cells in t.rows:
        lines.append(" & ".join([esc(name), *(format_cell(c, digits).replace("±", r"$\pm$") for c in cells)]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


RENDERERS = {"md": to_markdown, "csv": to_csv, "json": to_json, "latex": to_latex}


def render(t: ResultTable, fmt: str = "md") -> str:
    if fmt not in RENDERERS:
        raise ValueError(f"unknown table format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](t)


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return None if math.isnan(float(obj)) or math.isinf(float(obj)) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def write_results(out_dir: str | os.PathLike, metrics: dict, tables: dict[str, ResultTable]) -> list[str]:
    """``metrics.json`` and every table as ``<name>.{md,csv,json,tex}``, each written atomically."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "metrics.json")
    atomic_write_text(path, json.dumps(_json_safe(metrics), indent=2, allow_nan=False) + "\n")
    written = [path]
    for name, t in tables.items():
        for fmt in FORMATS:
            p = os.path.join(out_dir, f"{name}.{EXTENSIONS[fmt]}")
            atomic_write_text(p, render(t, fmt))
            written.append(p)
    return written


# ------------------------------------------------------------------------------------------ figures

def plot_confusion(path: str, confusion: np.ndarray, classes, title: str = "") -> str:
    """Row-normalised confusion matrix (true class rows, predicted columns) as a PNG, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from locbench.evaluation.plots import save_png

    cm = np.asarray(confusion, dtype=np.float64)
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    c = len(classes)
    size = min(4 + 0.22 * c, 24)
    fig, ax = plt.subplots(figsize=(size, size))
    im = ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
    ticks = np.arange(c)
    ax.set_xticks(ticks, list(classes), rotation=90, fontsize=max(4, 10 - c // 10))
    ax.set_yticks(ticks, list(classes), fontsize=max(4, 10 - c // 10))
    ax.set_xlabel("predicted (top-1)")
    ax.set_ylabel("true class")
    if c <= 20:
        for i in range(c):
            for j in range(c):
                if cm[i, j]:
                    ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if norm[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, label="fraction of the true class")
    ax.set_title(title or "confusion matrix")
    fig.tight_layout()
    return save_png(fig, path, dpi=120, tight=False)


def plot_per_class(path: str, accuracy: np.ndarray, counts: np.ndarray, classes, title: str = "") -> str:
    """Per-class top-1 accuracy bars (sorted, classes without videos left out) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from locbench.evaluation.plots import save_png

    acc = np.asarray(accuracy, dtype=np.float64)
    keep = np.flatnonzero(np.asarray(counts) > 0)
    order = keep[np.argsort(-acc[keep], kind="stable")]
    fig, ax = plt.subplots(figsize=(max(5, 0.25 * len(order) + 2), 4))
    ax.bar(np.arange(len(order)), 100 * acc[order], color="#4477aa")
    ax.set_xticks(np.arange(len(order)), [f"{classes[i]} ({counts[i]})" for i in order], rotation=90, fontsize=7)
    ax.set_ylabel("top-1 accuracy (%)")
    ax.set_ylim(0, 100)
    ax.axhline(100 * np.nanmean(acc[keep]) if len(keep) else 0, color="k", lw=0.8, ls="--", label="mean per class")
    ax.legend(fontsize=7)
    ax.set_title(title or "per-class accuracy (videos per class in brackets)")
    fig.tight_layout()
    return save_png(fig, path, dpi=120, tight=False)


__all__ = ["ResultTable", "format_cell", "render", "write_results", "plot_confusion", "plot_per_class", "FORMATS"]
