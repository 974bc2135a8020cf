"""Training data (compatibility module): split discovery lives in :mod:`locbench.training.splits`,
the torch clip datasets in :mod:`locbench.training.datasets`, ``segment_positions`` in
:mod:`locbench.video.sampling`. Everything is re-exported here.
"""
from __future__ import annotations

from locbench.training.datasets import (CLIP_SAMPLINGS, ClipSampling, FeatureClipDataset, VideoClipDataset,  # noqa: F401
                                        clip_positions, soft_target, window_positions)
from locbench.training.splits import (SUBSET_SUFFIX, ClipReadError, LabelledVideo, groundtruth_dir,  # noqa: F401
                                      is_untrimmed_layout, labelled_videos, numbered_lines, read_class_list,
                                      read_video_level_labels, read_video_list, resolve_split,
                                      resolve_untrimmed_split, strip_video_ext, subset_suffix, video_root)
from locbench.video.sampling import segment_positions  # noqa: F401

__all__ = ["ClipReadError", "LabelledVideo", "read_class_list", "read_video_list", "strip_video_ext", "video_root",
           "labelled_videos", "resolve_split", "segment_positions", "VideoClipDataset", "FeatureClipDataset",
           "SUBSET_SUFFIX", "groundtruth_dir", "is_untrimmed_layout", "subset_suffix", "read_video_level_labels",
           "resolve_untrimmed_split", "CLIP_SAMPLINGS", "ClipSampling", "window_positions", "clip_positions",
           "soft_target"]
