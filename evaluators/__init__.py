"""Pure localization metrics (numpy only; pycocotools for the COCO reference path; never torch)."""
from evaluators.results import APResult, CorLocResult

__all__ = ["APResult", "CorLocResult"]
