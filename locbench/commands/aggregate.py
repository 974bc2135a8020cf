"""Mean ± sample standard deviation of several runs (e.g. training seeds) of one evaluation.

Each RUN is a folder holding the ``metrics.json`` an eval verb wrote with ``--out`` (or the file
itself). The runs must be comparable: same task, protocol, thresholds, classes and ground-truth
counts, and the same number of rows; rows are matched by position (a note says when their names
differ). Every cell becomes ``mean ± std`` over the runs (sample standard deviation, ddof 1; the
number of runs is in the title); ``--out`` writes ``metrics.json`` and the table in every format.

Example::

    locbench aggregate runs/seed0/eval runs/seed1/eval runs/seed2/eval --out runs/mean
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np

from annotations.errors import InputError
from evaluators.stats import mean_std

NAME = "aggregate"
HELP = "mean ± sample std (ddof 1) of several runs' metrics.json (e.g. training seeds), same table layout"


class MeanStdCell(float):
    """A table value rendered as ``mean ± std`` in every format (the float is the mean).

    >>> f"{100 * MeanStdCell(0.474, 0.031):.1f}"
    '47.4 ± 3.1'
    """

    def __new__(cls, mean, std):
        cell = super().__new__(cls, mean)
        cell.std = float(std)
        return cell

    def __rmul__(self, scale):
        return MeanStdCell(float(self) * scale, self.std * scale)

    __mul__ = __rmul__

    def __format__(self, spec):
        if math.isnan(self.std):
            return format(float(self), spec)
        return f"{format(float(self), spec)} ± {format(self.std, spec)}"


def add_arguments(p):
    p.add_argument("runs", nargs="+", metavar="RUN", help="folders with a metrics.json (or metrics.json files)")
    p.add_argument("--out", metavar="DIR", help="write metrics.json and the table in every format here")
    from locbench.evaluation.tables import FORMATS
    p.add_argument("--format", choices=FORMATS, default="md", help="table format printed to stdout (default md)")


def read_run(path: str) -> dict:
    """The metrics.json of one run (a folder or the file)."""
    p = os.fspath(path)
    file = os.path.join(p, "metrics.json") if os.path.isdir(p) else p
    if not os.path.isfile(file):
        raise InputError(p, None, "no metrics.json here; give folders that an eval verb wrote with --out")
    try:
        with open(file, encoding="utf-8") as f:
            metrics = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(file, None, f"not valid JSON ({e})") from None
    for key in ("task", "protocol", "thresholds", "methods"):
        if key not in metrics:
            raise InputError(file, key, "missing: this is not the metrics.json of an eval verb")
    return metrics


def _signature(m: dict) -> dict:
    """What must agree between runs for their cells to be averaged."""
    first = m["methods"][0]["ap"] if m["methods"] else {}
    return {"task": m["task"], "protocol": m["protocol"], "thresholds": [round(float(t), 9) for t in m["thresholds"]],
            "classes": sorted(first.get("num_gt", {})), "ground truth per class": first.get("num_gt", {}),
            "number of rows": len(m["methods"]),
            "row protocols": [x["ap"].get("protocol") for x in m["methods"]]}


def _values(row: dict, metric: str) -> list | None:
    if metric == "mAP":
        return row["ap"]["mAP"]
    corloc = row.get("corloc")
    return None if corloc is None else corloc["mean"]


def _nan(v):
    return np.array([np.nan if x is None else x for x in v], dtype=np.float64)


def aggregate(runs: list[dict], labels: list[str]) -> tuple[dict, dict]:
    """(metrics, tables) of the mean ± sample std over ``runs`` (metrics.json dictionaries).

    Raises InputError, naming the first differing item, when the runs are not comparable.

    >>> run = lambda v: {"task": "t", "protocol": "p", "thresholds": [0.5], "methods": [{"name": "m",
    ...     "classification_accuracy": None, "ap": {"protocol": "p", "mAP": [v], "num_gt": {"x": 1}}, "corloc": None}]}
    >>> metrics, tables = aggregate([run(0.4), run(0.5), run(0.6)], ["a", "b", "c"])
    >>> [round(x, 6) for x in metrics["methods"][0]["mAP"]["mean"] + metrics["methods"][0]["mAP"]["std"]]
    [0.5, 0.1]
    """
    from locbench.evaluation.tables import Row, Table
    if not runs:
        raise InputError(None, "runs", "give at least one run")
    ref = _signature(runs[0])
    for label, m in zip(labels[1:], runs[1:]):
        sig = _signature(m)
        for key, value in ref.items():
            if sig[key] != value:
                raise InputError(label, None, f"not comparable with {labels[0]}: {key} differ "
                                              f"({_short(sig[key])} vs {_short(value)})")
    n = len(runs)
    notes = [f"mean ± sample standard deviation (ddof 1) over n = {n} runs: {', '.join(labels)}"]
    if n == 1:
        notes.append("one run: no standard deviation")
    names = [r["name"] for r in runs[0]["methods"]]
    for label, m in zip(labels[1:], runs[1:]):
        other = [r["name"] for r in m["methods"]]
        if other != names:
            notes.append(f"row names differ in {label} ({', '.join(other)}); rows matched by position, named as "
                         f"in {labels[0]}")
    out_methods, rows = [], []
    for i, name in enumerate(names):
        entry = {"name": name}
        for metric in ("mAP", "CorLoc"):
            vals = [_values(m["methods"][i], metric) for m in runs]
            if any(v is None for v in vals):
                continue
            a = np.stack([_nan(v) for v in vals])
            mean, std = mean_std(a, axis=0)
            entry[metric] = {"mean": mean.tolist(), "std": std.tolist(), "n": n, "values": a.tolist()}
        acc = [m["methods"][i].get("classification_accuracy") for m in runs]
        acc_cell = None
        if all(a is not None for a in acc):
            acc_mean, acc_std = mean_std(acc)
            entry["classification_accuracy"] = {"mean": acc_mean, "std": acc_std, "n": n, "values": acc}
            acc_cell = MeanStdCell(acc_mean, acc_std)
        out_methods.append(entry)
        group = runs[0]["methods"][i]["ap"].get("protocol", "")
        for metric in ("mAP", "CorLoc"):
            if metric in entry:
                cells = tuple(MeanStdCell(mu, sd) for mu, sd in zip(entry[metric]["mean"], entry[metric]["std"]))
                extra = (group,) if "group" in getattr(Row, "__dataclass_fields__", {}) else ()
                rows.append(Row(name, metric, cells, acc_cell if metric == "mAP" else None, *extra))
    threshold_name = {"temporal": "tIoU", "spatial": "IoU", "video": "ST-IoU"}.get(runs[0]["task"], "IoU")
    title = f"{runs[0]['task']} ({runs[0]['protocol']}): mean ± std over {n} runs"
    table = Table(title, threshold_name, tuple(float(t) for t in runs[0]["thresholds"]), tuple(rows), tuple(notes))
    metrics = {"task": runs[0]["task"], "protocol": runs[0]["protocol"], "thresholds": runs[0]["thresholds"],
               "aggregate": {"statistic": "mean ± sample standard deviation", "ddof": 1, "n": n, "runs": labels},
               "methods": out_methods, "notes": notes}
    return metrics, {"table": table}


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def run(args) -> int:
    from locbench.evaluation.tables import render
    runs = [read_run(p) for p in args.runs]
    labels = [os.fspath(p) for p in args.runs]
    metrics, tables = aggregate(runs, labels)
    if args.out:
        from locbench.evaluation.outputs import write_outputs
        written = write_outputs(args.out, metrics, tables)
        print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    sys.stdout.write(render(tables["table"], args.format) + "\n")
    return 0
