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

from annotations._temporal_parse import fast_segments, odd_row_notes, parse_interval, parse_score, parse_times
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


def _results_fast(results: dict, classes):
    """Columns of well-formed results in bulk (no per-detection checks), or None to let the exact
    reader find and name the first problem."""
    try:
        lists = list(results.values())
        if not all(type(v) is list for v in lists):
            return None
        counts = np.fromiter((len(v) for v in lists), np.int64, len(lists))
        dets = [d for v in lists for d in v]
        if not all(type(d) is dict for d in dets):
            return None
        label = np.array([d["label"] for d in dets], dtype=object)
        score_list = [d["score"] for d in dets]
        score_types = set(map(type, score_list))
        if not score_types <= {int, float}:
            return None  # strings, booleans, lists...: the exact reader decides
        score = np.array(score_list, dtype=np.float64)
        segment = np.array([d["segment"] for d in dets], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        return None
    if len(dets) == 0:
        return None
    if score.shape != (len(dets),) or segment.shape != (len(dets), 2) or not np.isfinite(segment).all():
        return None
    if not np.isfinite(score).all():
        return None
    label_names, label_codes = np.unique(label, return_inverse=True)
    if not all(type(x) is str and x for x in label_names):
        return None
    if classes is not None and not set(label_names.tolist()) <= set(classes):
        return None
    names = list(results)
    video_names, order = np.unique(np.array(names, dtype=str), return_inverse=True)
    video_codes = np.repeat(order.reshape(-1), counts).astype(np.int64)
    return (video_codes, video_names, segment[:, 0].copy(), segment[:, 1].copy(),
            label_codes.reshape(-1).astype(np.int64), label_names.astype(str), score, score_types == {int})


def results_from_json_data(data, path: str, classes=None, allow_empty: bool = False) -> Segments:
    """Detections from already-parsed ActivityNet results JSON (see :func:`read_results_json`)."""
    _require(data, dict, path, "<root>", "an object")
    if "results" not in data:
        hint = " (this looks like a ground-truth file)" if "database" in data else ""
        raise InputError(path, "key 'results'", f"missing: not an ActivityNet results file{hint}")
    results = _require(data["results"], dict, path, "results", "an object {video: [detections]}")
    notes = []
    fast = _results_fast(results, classes)
    if fast is None:
        video, t_start_s, t_end_s, label, score, keys, text_scores, integral = _results_slow(results, path, classes)
        if not video and not allow_empty:
            raise InputError(path, "key 'results'", "detection file is empty (no detection in any video)")
        if text_scores:
            notes.append(f"{len(text_scores)} score(s) written as strings (first: key '{text_scores[0]}'): read as "
                         "numbers here; ActivityNet's eval_detection.py would sort them as text ('10' before '9'), "
                         "so its numbers on this file would differ: write scores as JSON numbers")
        video_names, video_codes = np.unique(np.array(video, dtype=str), return_inverse=True)
        label_names, label_codes = np.unique(np.array(label, dtype=str), return_inverse=True)
        t_start_s, t_end_s = np.array(t_start_s, dtype=np.float64), np.array(t_end_s, dtype=np.float64)
        score = np.array(score, dtype=np.float64)
        video_codes, label_codes = video_codes.reshape(-1).astype(np.int64), label_codes.reshape(-1).astype(np.int64)
        where_of = lambda idx: ", ".join(f"key '{keys[i]}'" for i in idx)  # noqa: E731
    else:
        video_codes, video_names, t_start_s, t_end_s, label_codes, label_names, score, integral = fast
        offsets = None

        def where_of(idx):
            nonlocal offsets
            counts = np.array([len(v) for v in results.values()])
            offsets = np.cumsum(counts) - counts
            names = list(results)
            out = []
            for i in idx:
                v = int(np.searchsorted(offsets, i, side="right") - 1)
                out.append(f"key 'results.{names[v]}[{int(i - offsets[v])}]'")
            return ", ".join(out)
    if len(video_codes) == 0:
        notes.append("the detection file holds no detection: every AP is 0")
    notes += odd_row_notes(t_start_s, t_end_s, None, where_of)
    # all-integer scores make the official program's array int64, whose sort may order ties differently
    return fast_segments(video_codes, video_names, t_start_s, t_end_s, label_codes, label_names, score,
                         tuple(results), path, tuple(notes), integral_scores=bool(integral) and len(score) > 0)


def _results_slow(results: dict, path: str, classes):
    """Every detection checked one by one: the first problem is an InputError naming its key."""
    video, t_start_s, t_end_s, label, score, keys, text_scores = [], [], [], [], [], [], []
    integral = True
    for name, dets in results.items():
        key = f"results.{name}"
        _require(dets, list, path, key, "a list of detections")
        for i, det in enumerate(dets):
            dkey = f"{key}[{i}]"
            _require(det, dict, path, dkey, "an object with 'label', 'score' and 'segment'")
            for field in ("label", "score", "segment"):
                if field not in det:
                    raise InputError(path, f"key '{dkey}.{field}'", "missing")
            seg = _require(det["segment"], list, path, f"{dkey}.segment", "a [t_start, t_end] list")
            if len(seg) != 2:
                raise InputError(path, f"key '{dkey}.segment'", f"expected 2 bounds [t_start, t_end], found {len(seg)}")
            s, e = parse_times(seg[0], seg[1], path, f"key '{dkey}.segment'")
            if isinstance(det["score"], (list, dict)) or det["score"] is None:
                raise InputError(path, f"key '{dkey}.score'", "expected a number")
            if isinstance(det["score"], str):
                text_scores.append(f"{dkey}.score")
            integral = integral and type(det["score"]) is int
            video.append(name)
            t_start_s.append(s)
            t_end_s.append(e)
            label.append(_label(det["label"], path, f"{dkey}.label", classes))
            score.append(parse_score(det["score"], path, f"key '{dkey}.score'"))
            keys.append(dkey)
    return video, t_start_s, t_end_s, label, score, keys, text_scores, integral


def read_results_json(path: str | os.PathLike, classes=None, allow_empty: bool = False) -> Segments:
    """Detections of an ActivityNet results file.

    Parameters
    ----------
    path : str or PathLike
    classes : collection of str, optional
        The allowed labels (another label is an InputError naming its key).
    allow_empty : bool
        No detection at all gives empty detections with a note instead of an InputError.

    Returns
    -------
    Segments
        Scores are any finite numbers (numeric strings are read as numbers, with a note); segments
        with start > end and zero-length ones are kept and named in ``notes``. Keys other than
        ``results`` (``version``, ``external_data``) are ignored, as the official code ignores them.

    Examples
    --------
    >>> import json, os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "res.json")
    >>> _ = open(p, "w").write(json.dumps({"version": "1.3", "results": {"v": [
    ...     {"label": "A", "score": -1.5, "segment": [2.0, 4.0]}]}}))
    >>> d = read_results_json(p)
    >>> d.video.tolist(), d.score.tolist(), d.notes
    (['v'], [-1.5], ())
    """
    path = os.fspath(path)
    return results_from_json_data(load_json(path, "detection file"), path, classes, allow_empty)


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
