"""Trivial localizers run on the same frames as the model, so a table shows what attention adds.

- ``full_frame``: every sampled frame's box is the whole frame;
- ``center``: a box of the mean ground-truth width and height, centred in the frame (the mean is an
  oracle statistic of the evaluated set, which makes the baseline stronger, not weaker);
- ``uniform``: uniform temporal weights, i.e. one segment spanning the whole sampled video.
Labels and scores follow the same rules as the model's own boxes and segments.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from annotations.types import FrameBoxes, Segments
from locbench.inference.attention import AttentionRecord
from locbench.localization.localize import boxes_from_attention, segments_from_attention


def full_frame_box_fn(rec: AttentionRecord):
    height, width = rec.frame_size
    n = rec.num_frames
    return np.tile([0.0, 0.0, float(width), float(height)], (n, 1)), np.ones(n, bool), np.ones(n)


def center_box_fn(mean_wh: tuple[float, float]):
    def fn(rec: AttentionRecord):
        height, width = rec.frame_size
        w, h = min(mean_wh[0], width), min(mean_wh[1], height)
        box = [(width - w) / 2, (height - h) / 2, (width + w) / 2, (height + h) / 2]
        n = rec.num_frames
        return np.tile(box, (n, 1)), np.ones(n, bool), np.ones(n)
    return fn


def mean_box_size(gt: FrameBoxes) -> tuple[float, float]:
    """Mean (width, height) of ground-truth boxes, in pixels."""
    b = gt.boxes_xyxy
    if len(b) == 0:
        raise ValueError("no ground-truth boxes to take a mean size from")
    return float(np.mean(b[:, 2] - b[:, 0])), float(np.mean(b[:, 3] - b[:, 1]))


def spatial_baselines(records: Sequence[AttentionRecord], gt: FrameBoxes, **rules) -> dict[str, FrameBoxes]:
    """Full-frame and centre-box detections on the model's frames, labelled like the model's."""
    return {
        "full-frame box": boxes_from_attention(records, box_fn=full_frame_box_fn, **rules),
        "centre box (mean GT size)": boxes_from_attention(records, box_fn=center_box_fn(mean_box_size(gt)), **rules),
    }


def uniform_temporal(records: Sequence[AttentionRecord], **rules) -> Segments:
    """Segments from uniform temporal weights (every sampled frame equally important)."""
    flat = [dataclasses.replace(r, frame_importance=np.ones(r.num_frames)) for r in records]
    return segments_from_attention(flat, **rules)
