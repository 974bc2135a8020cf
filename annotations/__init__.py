"""Readers and writers of the datasets' real annotation and detection formats.

The loaders are imported on first use (``import annotations`` does not import pandas or scipy)::

    from annotations import load_temporal_ground_truth, load_temporal_detections   # THUMOS'14 / ActivityNet
    from annotations import load_ucf101_24, load_spatial_gt, load_box_detections    # UCF101-24 boxes
    from annotations import load_gt_tube_dataset, load_tubes                        # tubes for video-AP

>>> from annotations import FrameBoxes
>>> FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]])
FrameBoxes(ground truth, 1 boxes, 1 videos, 1 labels)
"""
from annotations.errors import InputError
from annotations.types import AMBIGUOUS, ClassScores, FrameBoxes, Segments, Tube, TubeDataset, VideoInfo

#: public name -> (module, attribute); aliases keep the modules' own names valid
_LAZY = {
    "load_temporal_ground_truth": ("annotations.temporal_io", "load_temporal_gt"),
    "load_temporal_gt": ("annotations.temporal_io", "load_temporal_gt"),
    "load_temporal_detections": ("annotations.temporal_io", "load_temporal_detections"),
    "load_ucf101_24": ("annotations.spatial_io", "load_tube_dataset"),
    "load_tube_dataset": ("annotations.spatial_io", "load_tube_dataset"),
    "load_spatial_gt": ("annotations.spatial_io", "load_spatial_gt"),
    "load_spatial_gt_boxes": ("annotations.spatial_io", "load_spatial_gt_boxes"),
    "load_box_detections": ("annotations.spatial_io", "load_box_detections"),
    "load_gt_tubes": ("annotations.spatial_io", "load_gt_tubes"),
    "load_gt_tube_dataset": ("annotations.spatial_io", "load_gt_tube_dataset"),
    "load_tube_detections": ("annotations.spatial_io", "load_tube_detections"),
    "load_tubes": ("annotations.spatial_io", "load_tube_detections"),
    "read_boxes_csv": ("annotations.boxes_io", "read_boxes_csv"),
    "write_boxes_csv": ("annotations.boxes_io", "write_boxes_csv"),
    "read_tubes_csv": ("annotations.boxes_io", "read_tubes_csv"),
    "write_tubes_csv": ("annotations.boxes_io", "write_tubes_csv"),
    "read_pyannot": ("annotations.ucf101_24", "read_pyannot"),
    "read_split_list": ("annotations.textfiles", "read_split_list"),
}

__all__ = ["InputError", "AMBIGUOUS", "ClassScores", "FrameBoxes", "Segments", "Tube", "TubeDataset", "VideoInfo",
           *_LAZY]


def __getattr__(name: str):
    """Import a loader on first access (PEP 562)."""
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'annotations' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
