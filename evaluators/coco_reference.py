"""Frame-AP by the real pycocotools COCOeval: the reference program for ``frame_ap(protocol="coco")``.

Images are the (video, frame) pairs of ground truth and detections, numbered 1.. in
(video name, frame) order, the order the native implementation breaks score ties by. Boxes go in as
``[x1, y1, x2 - x1, y2 - y1]``; COCOeval runs with ``iouThrs`` = the thresholds, one area range
(all) and ``maxDets = [100]``. Detections in videos absent from the ground truth count as FPs.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np

from annotations.types import FrameBoxes
from evaluators.frame_ap import resolve_classes
from evaluators.results import APResult


def coco_dicts(gt: FrameBoxes, detections: FrameBoxes, classes) -> tuple[dict, list[dict]]:
    """(COCO ground-truth dataset dict, COCO result list) for the given boxes and class list.

    Parameters
    ----------
    gt, detections : FrameBoxes
    classes : sequence of str
        Category ids are 1.. in this order.

    Returns
    -------
    (dict, list of dict)

    Examples
    --------
    >>> gt = FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]])
    >>> dataset, results = coco_dicts(gt, FrameBoxes(["v"], [0], ["a"], [[0, 0, 5, 5]], [0.5]), ("a",))
    >>> dataset["annotations"][0]["bbox"], results[0]["bbox"]
    ([0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 5.0, 5.0])
    """
    cat_id = {c: i + 1 for i, c in enumerate(classes)}
    keys = sorted(set(zip(gt.video.tolist(), gt.frame_idx.tolist()))
                  | set(zip(detections.video.tolist(), detections.frame_idx.tolist())))
    img_id = {k: i + 1 for i, k in enumerate(keys)}
    images = [{"id": i, "video": v, "frame_idx": f, "file_name": f"{v}/{f:05d}.jpg"} for (v, f), i in img_id.items()]

    def xywh(b):
        return [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]

    annotations = []
    for n, (v, f, c, b) in enumerate(zip(gt.video.tolist(), gt.frame_idx.tolist(), gt.label.tolist(), gt.boxes_xyxy)):
        box = xywh(b)
        annotations.append({"id": n + 1, "image_id": img_id[(v, f)], "category_id": cat_id[c], "bbox": box,
                            "area": box[2] * box[3], "iscrowd": 0})
    dataset = {"images": images, "annotations": annotations,
               "categories": [{"id": i, "name": c} for c, i in cat_id.items()]}
    results = [{"image_id": img_id[(v, f)], "category_id": cat_id[c], "bbox": xywh(b), "score": float(s)}
               for v, f, c, b, s in zip(detections.video.tolist(), detections.frame_idx.tolist(),
                                        detections.label.tolist(), detections.boxes_xyxy, detections.score.tolist())]
    return dataset, results


def frame_ap_pycocotools(gt: FrameBoxes, detections: FrameBoxes, iou_thresholds, classes=None) -> APResult:
    """Per-class frame-AP from pycocotools COCOeval (bbox, iouThrs set, area all, maxDets 100).

    Parameters
    ----------
    gt, detections : FrameBoxes
    iou_thresholds : sequence of float, shape (K,)
    classes : sequence of str, optional

    Returns
    -------
    APResult
        Bit-identical to ``frame_ap(..., protocol="coco")``.

    Examples
    --------
    >>> gt = FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]])
    >>> frame_ap_pycocotools(gt, FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 5]], [0.5]), [0.5, 0.6]).ap.round(6).tolist()
    [[1.0, 0.0]]
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    classes = resolve_classes(gt, detections, classes)
    thresholds = np.asarray(iou_thresholds, dtype=np.float64).reshape(-1)
    dataset, results = coco_dicts(gt, detections, classes)
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = dataset
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results) if results else COCO()
        ev = COCOeval(coco_gt, coco_dt, iouType="bbox")
        ev.params.iouThrs = thresholds
        ev.params.areaRng = [[0, 1e10]]
        ev.params.areaRngLbl = ["all"]
        ev.params.maxDets = [100]
        ev.evaluate()
        ev.accumulate()
    precision = ev.eval["precision"][:, :, :, 0, 0]  # (T, R, K)
    ap = np.full((len(classes), len(thresholds)), np.nan)
    for k in range(len(classes)):
        for t in range(len(thresholds)):
            p = precision[t, :, k]
            if np.all(p > -1):
                ap[k, t] = float(np.mean(p))
    cat = np.array([classes.index(c) for c in gt.label.tolist()], dtype=np.int64)
    num_gt = np.bincount(cat, minlength=len(classes)).astype(np.int64)
    num_det = np.zeros(len(classes), dtype=np.int64)
    for e in ev.evalImgs:
        if e is not None:
            num_det[e["category_id"] - 1] += len(e["dtIds"])
    return APResult("frame-ap/coco (pycocotools)", thresholds, classes, ap, num_gt, num_det,
                    extra={"reference": "pycocotools COCOeval"})


__all__ = ["coco_dicts", "frame_ap_pycocotools"]
