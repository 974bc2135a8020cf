"""Spatial CorLoc per frame (re-exported from :mod:`evaluators.frame_ap`, where it shares the grouping code).

A unit is one (video, frame, class) with ground truth. Its prediction is the highest-scoring
detection of that class in that frame (equal scores: the earlier row). The unit is localized at
threshold t if that box has continuous IoU >= t with any ground-truth box of the class in the frame;
a unit without any detection is not localized. The mean is class-balanced (mean of per-class CorLoc).
"""
from evaluators.frame_ap import frame_corloc

__all__ = ["frame_corloc"]
