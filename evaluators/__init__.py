"""Pure localization metrics (numpy only; pycocotools only for the COCO reference path; never torch).

The public API, importable without torch, torchvision or OpenCV::

    from evaluators import temporal_map, temporal_corloc, frame_ap, frame_corloc, video_ap

The metric functions are imported on first use (``import evaluators`` stays cheap).

>>> from evaluators import frame_ap
>>> from annotations import FrameBoxes
>>> gt = FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]])
>>> frame_ap(gt, FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]], [0.7]), [0.5]).ap.tolist()
[[1.0]]
"""
from evaluators.results import APResult, CorLocResult

#: public name -> module that defines it
_LAZY = {
    "temporal_map": "evaluators.temporal",
    "temporal_corloc": "evaluators.temporal",
    "frame_ap": "evaluators.frame_ap",
    "frame_corloc": "evaluators.frame_ap",
    "video_ap": "evaluators.video_ap",
    "spatiotemporal_iou": "evaluators.video_ap",
    "iou_pairs": "evaluators.box_iou",
    "iou_matrix": "evaluators.box_iou",
    "apply_unknown_video_policy": "evaluators.unknown_videos",
}

__all__ = ["APResult", "CorLocResult", *_LAZY]


def __getattr__(name: str):
    """Import a public metric on first access (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evaluators' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
