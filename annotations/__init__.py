"""Readers and writers of the datasets' real annotation and detection formats."""
from annotations.errors import InputError
from annotations.types import AMBIGUOUS, ClassScores, FrameBoxes, Segments, Tube, TubeDataset, VideoInfo

__all__ = ["InputError", "AMBIGUOUS", "ClassScores", "FrameBoxes", "Segments", "Tube", "TubeDataset", "VideoInfo"]
