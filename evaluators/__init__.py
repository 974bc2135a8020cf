"""Pure localization metrics (numpy only; pycocotools only for the COCO reference path; never torch).

The public API, importable without torch, torchvision or OpenCV::

    from evaluators import temporal_map, temporal_corloc, frame_ap, frame_corloc, video_ap

Everything here needs only numpy (and the ``annotations`` types).

>>> from evaluators import frame_ap
>>> from annotations import FrameBoxes
>>> gt = FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]])
>>> frame_ap(gt, FrameBoxes(["v"], [0], ["a"], [[0, 0, 10, 10]], [0.7]), [0.5]).ap.tolist()
[[1.0]]
"""
from evaluators.results import APResult, CorLocResult
# Eager on purpose: ``frame_ap`` and ``video_ap`` are also submodule names, and importing a submodule
# sets the package attribute to the module; binding the functions here, after their modules are
# loaded, keeps ``from evaluators import frame_ap`` the function whatever was imported before.
from evaluators.box_iou import iou_matrix, iou_pairs
from evaluators.frame_ap import frame_ap, frame_corloc
from evaluators.temporal import temporal_corloc, temporal_map
from evaluators.unknown_videos import apply_unknown_video_policy
from evaluators.video_ap import spatiotemporal_iou, video_ap

__all__ = ["APResult", "CorLocResult", "temporal_map", "temporal_corloc", "frame_ap", "frame_corloc", "video_ap",
           "spatiotemporal_iou", "iou_pairs", "iou_matrix", "apply_unknown_video_policy"]
