"""Video input: open files and frame folders, find a dataset's videos, choose which frames a model sees."""
from locbench.video.layout import find_videos, thumos_video_name, ucf_video_name, video_name, video_path
from locbench.video.reader import (VideoSource, count_frames, iter_readable, open_video, skip_failures)
from locbench.video.sampling import (frame_at_time, frame_times_s, resample_indices, sample_clip, sample_count,
                                     segment_positions, sliding_windows, window_starts)

__all__ = ["VideoSource", "open_video", "count_frames", "iter_readable", "skip_failures", "find_videos",
           "video_name", "video_path", "ucf_video_name", "thumos_video_name", "frame_times_s", "frame_at_time",
           "sample_count", "resample_indices", "window_starts", "sliding_windows", "sample_clip", "segment_positions"]
