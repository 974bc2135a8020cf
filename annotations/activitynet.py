"""ActivityNet-style JSON: ground truth (``database``) and detection results (``results``).

Ground truth: ``{"database": {video: {"subset": str, "annotations": [{"segment": [s, e], "label": str}]}}}``;
segment bounds may be numbers or numeric strings (``thumos_gt.json`` uses strings); ``version`` and
``taxonomy`` are not required. Results: ``{"version", "external_data", "results": {video: [{"label",
"score", "segment"}]}}``. Times are seconds.
"""
from __future__ import annotations

import json
import os

import numpy as np

from annotations._temporal_parse import parse_interval, parse_score
from annotations.textfiles import read_text
from annotations.atomic import atomic_write_text
from annotations.errors import InputError
from annotations.types import Segments


def load_json(path: str | os.PathLike, what: str = "JSON file"):
    """Parsed JSON, or an InputError with the line and column of the syntax error."""
    path = os.fspath(path)
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"line {e.lineno} column {e.colno}", f"invalid JSON: {e.msg}") from None


def _require(value, kind, path, key: str, what: str):
    if not isinstance(value, kind):
        found = type(value).__name__ if value is not None else "null"
        raise InputError(path, f"key '{key}'", f"expected {what}, found {found}")
    return value


def _label(value, path, key: str, classes) -> str:
    label = _require(value, str, path, key, "a class name (string)")
    if not label:
        raise InputError(path, f"key '{key}'", "empty class name")
    if classes is not None and label not in classes:
        raise InputError(path, f"key '{key}'", f"unknown class {label!r}")
    return label


def _segment(value, path, key: str) -> tuple[float, float]:
    seg = _require(value, list, path, key, "a [t_start, t_end] list")
    if len(seg) != 2:
        raise InputError(path, f"key '{key}'", f"expected 2 bounds [t_start, t_end], found {len(seg)}")
    return parse_interval(seg[0], seg[1], path, f"key '{key}'")


def gt_from_json_data(data, path: str, subset: str = "test", classes=None) -> Segments:
    """Ground truth of one subset from already-parsed JSON (see :func:`read_gt_json`)."""
    _require(data, dict, path, "<root>", "an object")
    if "database" not in data:
        hint = " (this looks like a detection results file)" if "results" in data else ""
        raise InputError(path, "key 'database'", f"missing: not an ActivityNet ground-truth file{hint}")
    database = _require(data["database"], dict, path, "database", "an object {video: {...}}")
    videos, video, t_start_s, t_end_s, label = [], [], [], [], []
    subsets = set()
    for name, entry in database.items():
        key = f"database.{name}"
        _require(entry, dict, path, key, "an object with 'subset' and 'annotations'")
        if "subset" not in entry:
            raise InputError(path, f"key '{key}.subset'", "missing")
        entry_subset = _require(entry["subset"], str, path, f"{key}.subset", "a string")
        subsets.add(entry_subset)
        if entry_subset != subset:
            continue
        videos.append(name)
        annotations = _require(entry.get("annotations", []), list, path, f"{key}.annotations", "a list")
        for i, ann in enumerate(annotations):
            akey = f"{key}.annotations[{i}]"
            _require(ann, dict, path, akey, "an object with 'segment' and 'label'")
            for field in ("segment", "label"):
                if field not in ann:
                    raise InputError(path, f"key '{akey}.{field}'", "missing")
            s, e = _segment(ann["segment"], path, f"{akey}.segment")
            video.append(name)
            t_start_s.append(s)
            t_end_s.append(e)
            label.append(_label(ann["label"], path, f"{akey}.label", classes))
    if not videos:
        raise InputError(path, "key 'database'", f"no video has subset {subset!r} "
                                                 f"(subsets present: {', '.join(sorted(subsets)) or 'none'})")
    return Segments(np.array(video, dtype=str), np.array(t_start_s, dtype=np.float64),
                    np.array(t_end_s, dtype=np.float64), np.array(label, dtype=str),
                    videos=tuple(videos), source=path)


def read_gt_json(path: str | os.PathLike, subset: str = "test", classes=None) -> Segments:
    """Ground truth of ``subset``; ``videos`` lists every video of the subset, annotated or not.

    ``classes``, if given, is the set of allowed class names (others raise InputError).
    """
    path = os.fspath(path)
    return gt_from_json_data(load_json(path, "ground-truth file"), path, subset, classes)


def write_gt_json(path: str | os.PathLike, segments: Segments, subset: str = "test") -> None:
    """Write ``{"database": {video: {"subset", "annotations": [...]}}}`` for every video of ``segments.videos``."""
    database = {v: {"subset": subset, "annotations": []} for v in segments.videos}
    for v, s, e, c in zip(segments.video.tolist(), segments.t_start_s.tolist(), segments.t_end_s.tolist(),
                          segments.label.tolist()):
        database.setdefault(v, {"subset": subset, "annotations": []})["annotations"].append(
            {"segment": [s, e], "label": c})
    atomic_write_text(path, json.dumps({"database": database}))


def results_from_json_data(data, path: str, classes=None) -> Segments:
    """Detections from already-parsed ActivityNet results JSON (see :func:`read_results_json`)."""
    _require(data, dict, path, "<root>", "an object")
    if "results" not in data:
        hint = " (this looks like a ground-truth file)" if "database" in data else ""
        raise InputError(path, "key 'results'", f"missing: not an ActivityNet results file{hint}")
    results = _require(data["results"], dict, path, "results", "an object {video: [detections]}")
    video, t_start_s, t_end_s, label, score = [], [], [], [], []
    for name, dets in results.items():
        key = f"results.{name}"
        _require(dets, list, path, key, "a list of detections")
        for i, det in enumerate(dets):
            dkey = f"{key}[{i}]"
            _require(det, dict, path, dkey, "an object with 'label', 'score' and 'segment'")
            for field in ("label", "score", "segment"):
                if field not in det:
                    raise InputError(path, f"key '{dkey}.{field}'", "missing")
            s, e = _segment(det["segment"], path, f"{dkey}.segment")
            if isinstance(det["score"], (list, dict)) or det["score"] is None:
                raise InputError(path, f"key '{dkey}.score'", "expected a number")
            video.append(name)
            t_start_s.append(s)
            t_end_s.append(e)
            label.append(_label(det["label"], path, f"{dkey}.label", classes))
            score.append(parse_score(det["score"], path, f"key '{dkey}.score'"))
    if not video:
        raise InputError(path, "key 'results'", "detection file is empty (no detection in any video)")
    return Segments(np.array(video, dtype=str), np.array(t_start_s, dtype=np.float64),
                    np.array(t_end_s, dtype=np.float64), np.array(label, dtype=str),
                    np.array(score, dtype=np.float64), videos=tuple(results), source=path)


def read_results_json(path: str | os.PathLike, classes=None) -> Segments:
    """Detections of an ActivityNet results file; ``classes``, if given, are the allowed labels."""
    path = os.fspath(path)
    return results_from_json_data(load_json(path, "detection file"), path, classes)


def write_results_json(path: str | os.PathLike, segments: Segments, version: str = "VERSION 1.3",
                       external_data: dict | None = None) -> None:
    """Write ``{"version", "external_data", "results": {video: [{"label", "score", "segment"}]}}``."""
    if segments.score is None:
        raise InputError(os.fspath(path), None, "segments have no scores: these are not detections")
    results: dict[str, list] = {}
    for v, s, e, c, p in zip(segments.video.tolist(), segments.t_start_s.tolist(), segments.t_end_s.tolist(),
                             segments.label.tolist(), segments.score.tolist()):
        results.setdefault(v, []).append({"label": c, "score": p, "segment": [s, e]})
    data = {"version": version, "external_data": {} if external_data is None else external_data, "results": results}
    atomic_write_text(path, json.dumps(data))


__all__ = ["load_json", "read_gt_json", "write_gt_json", "read_results_json", "write_results_json",
           "gt_from_json_data", "results_from_json_data"]
