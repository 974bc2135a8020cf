"""COCO ground-truth and result JSON for per-frame boxes: one COCO image per (video, frame).

Image entries carry ``video`` and ``frame_idx`` (0-based) besides ``id`` and ``file_name``
(``<video>/<frame_idx:05d>.jpg``), and the top-level ``videos`` key lists the evaluated videos, so
a file written here reads back to the same :class:`FrameBoxes`. Our numbering: images 1.. in
(video name, frame) order, categories 1.. in class-list order, annotations 1.. in row order.
COCO boxes are ``[x, y, w, h]``; here ``boxes_xyxy = [x, y, x + w, y + h]``.
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass

import numpy as np

from annotations.atomic import atomic_write_text
from annotations.errors import InputError, require_file
from annotations.types import FrameBoxes


@dataclass(frozen=True, eq=False)
class CocoIndex:
    """Two-way maps (video, frame_idx) <-> image id and class name <-> category id."""

    image_of: dict  # (video, frame_idx) -> image id
    category_of: dict  # class name -> category id
    videos: tuple[str, ...] = ()
    source: str = ""

    @property
    def frame_of(self) -> dict:
        """image id -> (video, frame_idx).

        >>> CocoIndex({("v", 0): 1}, {"a": 1}).frame_of
        {1: ('v', 0)}
        """
        return {i: k for k, i in self.image_of.items()}

    @property
    def class_of(self) -> dict:
        """category id -> class name.

        >>> CocoIndex({("v", 0): 1}, {"a": 1}).class_of
        {1: 'a'}
        """
        return {i: c for c, i in self.category_of.items()}

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names in category-id order.

        >>> CocoIndex({}, {"b": 1, "a": 2}).classes
        ('b', 'a')
        """
        return tuple(c for c, _ in sorted(self.category_of.items(), key=lambda kv: kv[1]))

    @classmethod
    def from_boxes(cls, *boxes: FrameBoxes, classes=None) -> "CocoIndex":
        """Our numbering for the frames of ``boxes``: images by (video name, frame), categories by class list.

        Examples
        --------
        >>> CocoIndex.from_boxes(FrameBoxes(["w", "v"], [0, 4], ["a", "a"], [[0, 0, 1, 1]] * 2)).image_of
        {('v', 4): 1, ('w', 0): 2}
        """
        keys = set()
        videos: dict[str, None] = {}
        for b in boxes:
            keys |= set(zip(b.video.tolist(), b.frame_idx.tolist()))
            videos.update(dict.fromkeys(b.videos))
        if classes is None:
            classes = sorted({c for b in boxes for c in b.label.tolist()})
        return cls({k: i + 1 for i, k in enumerate(sorted(keys))}, {c: i + 1 for i, c in enumerate(classes)},
                   tuple(videos))


def _xywh(boxes_xyxy: np.ndarray) -> list[list[float]]:
    b = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)
    return np.column_stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]]).tolist()


def gt_to_coco(gt: FrameBoxes, index: CocoIndex, frame_size_wh: tuple[int, int] | None = None) -> dict:
    """COCO ground-truth dict of ``gt`` under ``index`` (``width``/``height`` only if ``frame_size_wh``).

    Examples
    --------
    >>> gt = FrameBoxes(["v"], [0], ["a"], [[1, 2, 11, 7]])
    >>> gt_to_coco(gt, CocoIndex.from_boxes(gt))["annotations"][0]["bbox"]
    [1.0, 2.0, 10.0, 5.0]
    """
    images = []
    for (video, frame), image_id in sorted(index.image_of.items(), key=lambda kv: kv[1]):
        entry = {"id": image_id, "file_name": f"{video}/{frame:05d}.jpg", "video": video, "frame_idx": frame}
        if frame_size_wh is not None:
            entry["width"], entry["height"] = int(frame_size_wh[0]), int(frame_size_wh[1])
        images.append(entry)
    annotations = []
    for n, (v, f, c, box) in enumerate(zip(gt.video.tolist(), gt.frame_idx.tolist(), gt.label.tolist(),
                                           _xywh(gt.boxes_xyxy))):
        annotations.append({"id": n + 1, "image_id": index.image_of[(v, f)], "category_id": index.category_of[c],
                            "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
    categories = [{"id": i, "name": c} for c, i in sorted(index.category_of.items(), key=lambda kv: kv[1])]
    return {"info": {"description": "per-frame boxes; image = (video, frame_idx 0-based)"},
            "videos": list(gt.videos), "images": images, "annotations": annotations, "categories": categories}


def write_coco_gt(path: str | os.PathLike, gt: FrameBoxes, classes=None, index: CocoIndex | None = None,
                  frame_size_wh: tuple[int, int] | None = None) -> CocoIndex:
    """Write ``gt`` as a COCO ground-truth JSON (atomically) and return the index used.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "gt.json")
    >>> index = write_coco_gt(p, FrameBoxes(["v"], [0], ["a"], [[1, 2, 11, 7]]))
    >>> read_coco_gt(p).boxes_xyxy.tolist()
    [[1.0, 2.0, 11.0, 7.0]]
    """
    index = index or CocoIndex.from_boxes(gt, classes=classes)
    atomic_write_text(path, json.dumps(gt_to_coco(gt, index, frame_size_wh)))
    return index


def detections_to_coco(detections: FrameBoxes, index: CocoIndex) -> list[dict]:
    """COCO result list (``image_id, category_id, bbox, score``) of ``detections`` under ``index``.

    Examples
    --------
    >>> d = FrameBoxes(["v"], [0], ["a"], [[1, 2, 11, 7]], [-0.5])
    >>> detections_to_coco(d, CocoIndex.from_boxes(d))
    [{'image_id': 1, 'category_id': 1, 'bbox': [1.0, 2.0, 10.0, 5.0], 'score': -0.5}]
    """
    if detections.score is None:
        raise InputError(detections.source or None, None, "detections need scores")
    missing = set(zip(detections.video.tolist(), detections.frame_idx.tolist())) - set(index.image_of)
    if missing:
        raise InputError(detections.source or None, None,
                         f"{len(missing)} detection frames have no COCO image (e.g. {sorted(missing)[0]})")
    return [{"image_id": index.image_of[(v, f)], "category_id": index.category_of[c], "bbox": box, "score": s}
            for v, f, c, box, s in zip(detections.video.tolist(), detections.frame_idx.tolist(),
                                       detections.label.tolist(), _xywh(detections.boxes_xyxy),
                                       detections.score.tolist())]


def write_coco_results(path: str | os.PathLike, detections: FrameBoxes, index: CocoIndex) -> None:
    """Write ``detections`` as a COCO result JSON list (atomically).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "r.json")
    >>> d = FrameBoxes(["v"], [0], ["a"], [[1, 2, 11, 7]], [0.5])
    >>> index = CocoIndex.from_boxes(d)
    >>> write_coco_results(p, d, index)
    >>> read_coco_results(p, index).score.tolist()
    [0.5]
    """
    atomic_write_text(path, json.dumps(detections_to_coco(detections, index)))


# ---------------------------------------------------------------------------------------------- reading

def _load_json(p: str):
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(p, f"line {e.lineno} column {e.colno}", f"invalid JSON ({e.msg})") from None
    except UnicodeDecodeError as e:
        raise InputError(p, None, f"not UTF-8 text ({e})") from None


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _bbox_array(p: str, entries: list, key: str) -> np.ndarray:
    """(N, 4) float64 ``[x, y, w, h]`` of ``entries[i]['bbox']``, every one checked."""
    boxes = np.zeros((len(entries), 4))
    for i, e in enumerate(entries):
        b = e.get("bbox") if isinstance(e, dict) else None
        if not (isinstance(b, list) and len(b) == 4 and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                            for x in b)):
            raise InputError(p, f"key '{key}[{i}].bbox'", f"expected [x, y, w, h] numbers, found {b!r}")
        boxes[i] = b
    bad = ~np.all(np.isfinite(boxes), axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(p, f"key '{key}[{i}].bbox'", f"not finite: {boxes[i].tolist()}")
    for col, name in ((2, "width (x2 < x1)"), (3, "height (y2 < y1)")):
        bad = boxes[:, col] < 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(p, f"key '{key}[{i}].bbox'", f"negative {name}: {boxes[i].tolist()}")
    return boxes


def _parse_index(p: str, data, frame_base: int | None) -> CocoIndex:
    if not isinstance(data, dict):
        raise InputError(p, None, "expected a COCO ground-truth object with images, annotations, categories")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise InputError(p, f"key '{key}'", "missing or not a list")
    category_of: dict[str, int] = {}
    for i, c in enumerate(data["categories"]):
        if not (isinstance(c, dict) and _is_int(c.get("id")) and isinstance(c.get("name"), str)):
            raise InputError(p, f"key 'categories[{i}]'", "expected {'id': int, 'name': str}")
        if c["name"] in category_of or c["id"] in category_of.values():
            raise InputError(p, f"key 'categories[{i}]'", f"duplicate category {c['name']!r} / id {c['id']}")
        category_of[c["name"]] = c["id"]
    image_of: dict[tuple[str, int], int] = {}
    seen_ids: set[int] = set()
    for i, im in enumerate(data["images"]):
        where = f"key 'images[{i}]'"
        if not (isinstance(im, dict) and _is_int(im.get("id"))):
            raise InputError(p, where, "expected an object with an integer 'id'")
        if "video" in im and "frame_idx" in im:
            video, frame = im["video"], im["frame_idx"]
            if not (isinstance(video, str) and _is_int(frame)):
                raise InputError(p, where, "'video' must be a string and 'frame_idx' an integer")
        elif frame_base is not None and isinstance(im.get("file_name"), str):
            m = re.fullmatch(r"(.+)/(?:[^/]*?)(\d+)\.[A-Za-z0-9]+", im["file_name"])
            if not m:
                raise InputError(p, f"key 'images[{i}].file_name'", f"cannot read <video>/<frame>.<ext> from {im['file_name']!r}")
            video, frame = m.group(1), int(m.group(2)) - frame_base
        else:
            raise InputError(p, where, "image has no 'video' / 'frame_idx' keys; pass frame_base=0 or 1 "
                             "to read them from file_name '<video>/<frame>.jpg'")
        if frame < 0:
            raise InputError(p, where, f"negative frame {frame}")
        if im["id"] in seen_ids or (video, frame) in image_of:
            raise InputError(p, where, f"duplicate image id {im['id']} or frame ({video}, {frame})")
        seen_ids.add(im["id"])
        image_of[(video, frame)] = im["id"]
    videos = data.get("videos")
    if videos is None:
        videos = list(dict.fromkeys(v for v, _ in image_of))
    elif not (isinstance(videos, list) and all(isinstance(v, str) for v in videos)):
        raise InputError(p, "key 'videos'", "expected a list of video names")
    return CocoIndex(image_of, category_of, tuple(videos), source=p)


def read_coco_index(path: str | os.PathLike, frame_base: int | None = None) -> CocoIndex:
    """The image and category maps of a COCO ground-truth JSON (needed to read COCO results).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "gt.json")
    >>> _ = write_coco_gt(p, FrameBoxes(["v"], [4], ["a"], [[1, 2, 11, 7]]))
    >>> read_coco_index(p).frame_of
    {1: ('v', 4)}
    """
    p = require_file(path, "COCO ground-truth JSON")
    return _parse_index(p, _load_json(p), frame_base)


def read_coco_gt(path: str | os.PathLike, classes=None, frame_base: int | None = None) -> FrameBoxes:
    """Read a COCO ground-truth JSON into FrameBoxes (crowd annotations are refused).

    Images need ``video`` and ``frame_idx`` keys, or ``frame_base`` (0 or 1) to parse ``file_name``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "gt.json")
    >>> _ = write_coco_gt(p, FrameBoxes(["v"], [4], ["a"], [[1, 2, 11, 7]]))
    >>> read_coco_gt(p).frame_idx.tolist()
    [4]
    """
    p = require_file(path, "COCO ground-truth JSON")
    data = _load_json(p)
    index = _parse_index(p, data, frame_base)
    if classes is not None:
        unknown = sorted(set(index.category_of) - set(classes))
        if unknown:
            raise InputError(p, "key 'categories'", f"unknown class name(s) {unknown[:5]}")
    frame_of, class_of = index.frame_of, index.class_of
    anns = data["annotations"]
    video, frame, label = [], [], []
    for i, a in enumerate(anns):
        where = f"annotations[{i}]"
        if not isinstance(a, dict):
            raise InputError(p, f"key '{where}'", "expected an object")
        if a.get("image_id") not in frame_of:
            raise InputError(p, f"key '{where}.image_id'", f"unknown image id {a.get('image_id')!r}")
        if a.get("category_id") not in class_of:
            raise InputError(p, f"key '{where}.category_id'", f"unknown category id {a.get('category_id')!r}")
        if a.get("iscrowd", 0):
            raise InputError(p, f"key '{where}.iscrowd'", "crowd annotations are not supported for per-frame boxes")
        v, f = frame_of[a["image_id"]]
        video.append(v)
        frame.append(f)
        label.append(class_of[a["category_id"]])
    xywh = _bbox_array(p, anns, "annotations")
    boxes = np.column_stack([xywh[:, 0], xywh[:, 1], xywh[:, 0] + xywh[:, 2], xywh[:, 1] + xywh[:, 3]])
    return FrameBoxes(np.array(video, dtype=str), np.array(frame, dtype=np.int64), np.array(label, dtype=str),
                      boxes, None, index.videos, source=p)


def read_coco_results(path: str | os.PathLike, index: CocoIndex, classes=None, allow_empty: bool = False) -> FrameBoxes:
    """Read a COCO result JSON list into detection FrameBoxes, mapping ids through ``index``.

    Scores may be any finite number (negative, above 1); NaN, infinity or a missing score are errors.

    Examples
    --------
    >>> import json, os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "r.json")
    >>> _ = open(p, "w").write(json.dumps([{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 3}]))
    >>> index = CocoIndex.from_boxes(FrameBoxes(["v"], [0], ["a"], [[0, 0, 1, 1]]))
    >>> read_coco_results(p, index).boxes_xyxy.tolist()
    [[0.0, 0.0, 5.0, 5.0]]
    """
    p = require_file(path, "COCO result JSON")
    data = _load_json(p)
    if isinstance(data, dict) and isinstance(data.get("annotations"), list):
        data = data["annotations"]  # some tools wrap results like ground truth
    if not isinstance(data, list):
        raise InputError(p, None, "expected a JSON list of {image_id, category_id, bbox, score}")
    if not data and not allow_empty:
        raise InputError(p, None, "no detections (empty result list)")
    frame_of, class_of = index.frame_of, index.class_of
    video, frame, label, score = [], [], [], np.zeros(len(data))
    for i, r in enumerate(data):
        where = f"[{i}]"
        if not isinstance(r, dict):
            raise InputError(p, f"key '{where}'", "expected an object")
        if r.get("image_id") not in frame_of:
            raise InputError(p, f"key '{where}.image_id'", f"unknown image id {r.get('image_id')!r} "
                             f"(not in {index.source or 'the ground truth'})")
        if r.get("category_id") not in class_of:
            raise InputError(p, f"key '{where}.category_id'", f"unknown category id {r.get('category_id')!r}")
        s = r.get("score")
        if not isinstance(s, (int, float)) or isinstance(s, bool) or math.isnan(s) or math.isinf(s):
            raise InputError(p, f"key '{where}.score'", f"score must be a finite number, found {s!r}")
        v, f = frame_of[r["image_id"]]
        video.append(v)
        frame.append(f)
        label.append(class_of[r["category_id"]])
        score[i] = s
    if classes is not None:
        unknown = sorted(set(label) - set(classes))
        if unknown:
            raise InputError(p, None, f"unknown class name(s) {unknown[:5]}")
    xywh = _bbox_array(p, data, "")
    boxes = np.column_stack([xywh[:, 0], xywh[:, 1], xywh[:, 0] + xywh[:, 2], xywh[:, 1] + xywh[:, 3]])
    return FrameBoxes(np.array(video, dtype=str), np.array(frame, dtype=np.int64), np.array(label, dtype=str),
                      boxes, score, source=p)


__all__ = ["CocoIndex", "gt_to_coco", "write_coco_gt", "detections_to_coco", "write_coco_results",
           "read_coco_index", "read_coco_gt", "read_coco_results"]
