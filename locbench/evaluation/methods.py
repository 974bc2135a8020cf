"""Evaluate several methods (a detection file, the attention model, baselines) against one ground
truth, and turn the results into the paper's tables and one ``metrics.json`` dictionary."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from annotations.errors import InputError
from annotations.types import AMBIGUOUS, FrameBoxes, Segments, TubeDataset
from evaluators.results import APResult, CorLocResult
from locbench.inference.attention import AttentionRecord  # numpy only: no torch on this path
from locbench.evaluation.tables import Table, main_rows, per_class_table


@dataclass(frozen=True)
class Method:
    name: str
    detections: Segments | FrameBoxes
    accuracy: float | None = None  # video classification top-1, when the input carries class scores


@dataclass(frozen=True)
class Evaluated:
    method: Method
    ap: APResult
    corloc: CorLocResult | None


def parse_thresholds(text: str, option: str) -> tuple[float, ...]:
    """``"0.1,0.2"`` → (0.1, 0.2); each must lie in (0, 1]."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise InputError(None, option, f"expected comma-separated numbers, got {text!r}") from None
    if not values or any(not (0.0 < v <= 1.0) for v in values):
        raise InputError(None, option, f"thresholds must lie in (0, 1], got {text!r}")
    return values


def video_labels_from_segments(gt: Segments) -> dict[str, tuple[str, ...]]:
    """Ground-truth classes of each video (Ambiguous left out)."""
    labels: dict[str, set[str]] = {v: set() for v in gt.videos}
    for v, c in zip(gt.video.tolist(), gt.label.tolist()):
        if c != AMBIGUOUS:
            labels.setdefault(v, set()).add(c)
    return {v: tuple(sorted(cs)) for v, cs in labels.items()}


def video_labels_from_tubes(dataset: TubeDataset, videos: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Class of each trimmed video (its tubes' labels, or the video label when it has no tube)."""
    labels: dict[str, set[str]] = {v: set() for v in videos}
    for t in dataset.tubes_of(videos):
        labels[t.video].add(t.label)
    for v in videos:
        info = dataset.videos.get(v)
        if not labels[v] and info is not None and info.label:
            labels[v].add(info.label)
    return {v: tuple(sorted(cs)) for v, cs in labels.items()}


def classification_accuracy(records: Sequence[AttentionRecord], gt_labels: Mapping[str, Sequence[str]]) -> float | None:
    """Top-1 accuracy over videos that have ground-truth classes: correct when the top-scoring class
    is one of the video's classes (untrimmed videos may hold several)."""
    hits = [r.classes[int(np.argmax(r.class_scores))] in gt_labels[r.video]
            for r in records if gt_labels.get(r.video)]
    return float(np.mean(hits)) if hits else None


def check_classes(records: Sequence[AttentionRecord], gt_classes: Sequence[str], source: str) -> None:
    """The model's classes must name the ground truth's, or every detection would be a false positive."""
    if not records:
        return
    model = set(records[0].classes)
    missing = sorted(set(gt_classes) - model)
    if missing:
        raise InputError(source, None, f"the model's classes do not include ground-truth classes {missing[:5]}"
                                       f"{' ...' if len(missing) > 5 else ''}; was it trained on this dataset?")


def evaluate_grid(methods: Sequence[Method], protocols: Sequence[str],
                  ap_fn: Callable[[object, str], APResult],
                  corloc_fn: Callable[[object], CorLocResult] | None) -> list[Evaluated]:
    """One row per (protocol, method), protocol-major; CorLoc does not depend on the protocol, so it
    is computed once per method. Method names get a ``[protocol]`` suffix when there are several."""
    corlocs = [corloc_fn(m.detections) if corloc_fn else None for m in methods]
    rows = []
    for protocol in protocols:
        for m, corloc in zip(methods, corlocs):
            name = m.name if len(protocols) == 1 else f"{m.name} [{protocol}]"
            rows.append(Evaluated(Method(name, m.detections, m.accuracy), ap_fn(m.detections, protocol), corloc))
    return rows


def build_tables(title: str, threshold_name: str, evaluated: Sequence[Evaluated], per_class: bool,
                 notes: Sequence[str] | None = None) -> dict[str, Table]:
    """``table``: every method's mAP and CorLoc rows; ``per_class_<i>``: per-class AP of method i.

    ``notes`` (every note of the evaluation path) go under the main table; without them, the
    evaluators' warnings do."""
    thresholds = tuple(float(t) for t in evaluated[0].ap.thresholds)
    rows = []
    for e in evaluated:
        rows += main_rows(e.method.name, e.ap.mean_ap, None if e.corloc is None else e.corloc.mean_corloc,
                          e.method.accuracy, group=e.ap.protocol)
    if notes is None:
        notes = [f"{e.method.name}: {w}" for e in evaluated for w in e.ap.warnings]
    notes = list(notes)
    tables = {"table": Table(title, threshold_name, thresholds, tuple(rows), tuple(notes))}
    if per_class:
        for i, e in enumerate(evaluated):
            tables[f"per_class_{i}" if len(evaluated) > 1 else "per_class"] = per_class_table(
                f"{title}: per-class AP, {e.method.name}", threshold_name, thresholds, e.ap.classes, e.ap.ap,
                e.ap.num_gt)
    return tables


def build_metrics(task: str, protocol: str, evaluated: Sequence[Evaluated], provenance: dict, **settings) -> dict:
    return {
        "task": task,
        "protocol": protocol,
        "thresholds": [float(t) for t in evaluated[0].ap.thresholds],
        "settings": settings,
        "methods": [{
            "name": e.method.name,
            "classification_accuracy": e.method.accuracy,
            "ap": e.ap.to_dict(),
            "corloc": None if e.corloc is None else e.corloc.to_dict(),
        } for e in evaluated],
        "provenance": provenance,
    }
