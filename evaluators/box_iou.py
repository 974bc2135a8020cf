"""Box IoU in the three pixel conventions the official evaluators use.

- ``"continuous"``: areas ``(x2 - x1) * (y2 - y1)``, no +1 (VOC-style protocol here, CorLoc).
- ``"plus_one"``: ACT detector's ``area2d`` / ``overlap2d``: areas ``(x2 - x1 + 1) * (y2 - y1 + 1)``,
  intersection ``min(x2 + 1, x2' + 1) - max(x1, x1')`` clipped at 0. Computed as-is, even for
  inverted boxes, as ACT does.
- ``"coco"``: pycocotools ``bbIou`` on ``[x, y, w, h]`` with ``w = x2 - x1``: the same float
  operations in the same order, so values are bit-identical to COCOeval's.

All inputs are ``[x1, y1, x2, y2]`` float arrays. An empty union gives IoU 0 (never NaN) except in
``plus_one``, which reproduces ACT's raw arithmetic.
"""
from __future__ import annotations

import numpy as np

from annotations.errors import InputError

CONVENTIONS = ("continuous", "plus_one", "coco")


def _as_boxes(b) -> np.ndarray:
    """Any box-like input as a float64 (N, 4) array."""
    b = np.asarray(b, dtype=np.float64)
    return b.reshape(-1, 4)


def iou_pairs(boxes_a, boxes_b, convention: str = "continuous") -> np.ndarray:
    """IoU of aligned pairs ``boxes_a[i]`` / ``boxes_b[i]``.

    Parameters
    ----------
    boxes_a, boxes_b : array-like, shape (N, 4)
        ``[x1, y1, x2, y2]`` in pixels.
    convention : {"continuous", "plus_one", "coco"}
        Pixel arithmetic (see the module docstring).

    Returns
    -------
    float64 array, shape (N,)

    Examples
    --------
    >>> iou_pairs([[0, 0, 10, 10]], [[5, 0, 15, 10]]).round(4).tolist()  # 50 / 150
    [0.3333]
    >>> iou_pairs([[0, 0, 10, 10]], [[5, 0, 15, 10]], "plus_one").round(4).tolist()  # 66 / 176
    [0.375]
    """
    a, b = _as_boxes(boxes_a), _as_boxes(boxes_b)
    if a.shape != b.shape:
        raise InputError(None, "boxes_b", f"iou_pairs needs equal shapes, got {a.shape} and {b.shape}")
    if convention == "continuous":
        iw = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
        ih = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
        inter = np.maximum(iw, 0.0) * np.maximum(ih, 0.0)
        union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
        out = np.zeros(len(a))
        np.divide(inter, union, out=out, where=union > 0)
        return out
    if convention == "plus_one":
        iw = np.maximum(0.0, np.minimum(a[:, 2] + 1, b[:, 2] + 1) - np.maximum(a[:, 0], b[:, 0]))
        ih = np.maximum(0.0, np.minimum(a[:, 3] + 1, b[:, 3] + 1) - np.maximum(a[:, 1], b[:, 1]))
        ov = iw * ih
        area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
        area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ov / (area_a + area_b - ov)
    if convention == "coco":
        # pycocotools maskApi.c bbIou, a = detection D, b = ground truth G, boxes as x, y, w, h
        dx, dy, dw, dh = a[:, 0], a[:, 1], a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
        gx, gy, gw, gh = b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        w = np.minimum(dw + dx, gw + gx) - np.maximum(dx, gx)
        h = np.minimum(dh + dy, gh + gy) - np.maximum(dy, gy)
        inter = w * h
        union = dw * dh + gw * gh - inter
        ok = (w > 0) & (h > 0)
        out = np.zeros(len(a))
        np.divide(inter, union, out=out, where=ok)
        return out
    raise InputError(None, "convention", f"unknown IoU convention {convention!r}; expected one of {CONVENTIONS}")


def iou_matrix(boxes_a, boxes_b, convention: str = "continuous") -> np.ndarray:
    """Pairwise IoU between every box of ``boxes_a`` and every box of ``boxes_b``.

    Parameters
    ----------
    boxes_a : array-like, shape (N, 4)
    boxes_b : array-like, shape (M, 4)
        ``[x1, y1, x2, y2]`` in pixels.
    convention : {"continuous", "plus_one", "coco"}

    Returns
    -------
    float64 array, shape (N, M)

    Examples
    --------
    >>> iou_matrix([[0, 0, 10, 10]], [[0, 0, 10, 10], [0, 0, 10, 5]]).tolist()
    [[1.0, 0.5]]
    """
    a, b = _as_boxes(boxes_a), _as_boxes(boxes_b)
    n, m = len(a), len(b)
    ia = np.repeat(np.arange(n), m)
    ib = np.tile(np.arange(m), n)
    return iou_pairs(a[ia], b[ib], convention).reshape(n, m)


__all__ = ["CONVENTIONS", "iou_pairs", "iou_matrix"]
