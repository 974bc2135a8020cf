"""Result containers returned by every evaluator: plain arrays, easy to tabulate and serialise."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class APResult:
    """AP per class and threshold. Classes without ground truth have NaN AP and are left out of the mean."""

    protocol: str
    thresholds: np.ndarray  # (K,) IoU / tIoU thresholds
    classes: tuple[str, ...]  # (C,)
    ap: np.ndarray  # (C, K)
    num_gt: np.ndarray  # (C,) positives per class
    num_det: np.ndarray  # (C,) detections per class (after any protocol filtering)
    #: optional PR curves: curves[k][c] = (recall, precision) arrays in rank order
    curves: list[list[tuple[np.ndarray, np.ndarray]]] | None = None
    #: notes for the user, e.g. "12 detections in 1 video absent from the ground truth (counted as FP)"
    warnings: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def mean_ap(self) -> np.ndarray:
        """(K,) mean over classes with ground truth."""
        valid = self.num_gt > 0
        if not valid.any():
            return np.full(len(self.thresholds), np.nan)
        return np.mean(self.ap[valid], axis=0)

    def to_dict(self) -> dict:
        return {
            "protocol": self.protocol,
            "thresholds": [float(t) for t in self.thresholds],
            "mAP": [float(v) for v in self.mean_ap],
            "AP": {c: [float(v) for v in row] for c, row in zip(self.classes, self.ap)},
            "num_gt": {c: int(n) for c, n in zip(self.classes, self.num_gt)},
            "num_det": {c: int(n) for c, n in zip(self.classes, self.num_det)},
            "warnings": list(self.warnings),
            **self.extra,
        }


@dataclass(frozen=True, eq=False)
class CorLocResult:
    """Localization accuracy: the fraction of ground-truth units (frames for spatial, instances for
    temporal) whose best-scoring prediction of the right class reaches IoU >= threshold."""

    unit: str  # "frame" or "instance"
    thresholds: np.ndarray  # (K,)
    classes: tuple[str, ...]
    corloc: np.ndarray  # (C, K), NaN for classes without units
    num_units: np.ndarray  # (C,)

    @property
    def mean_corloc(self) -> np.ndarray:
        """(K,) mean over classes that have units (class-balanced, like mAP)."""
        valid = self.num_units > 0
        if not valid.any():
            return np.full(len(self.thresholds), np.nan)
        return np.mean(self.corloc[valid], axis=0)

    def to_dict(self) -> dict:
        return {
            "unit": self.unit,
            "thresholds": [float(t) for t in self.thresholds],
            "mean": [float(v) for v in self.mean_corloc],
            "per_class": {c: [float(v) for v in row] for c, row in zip(self.classes, self.corloc)},
            "num_units": {c: int(n) for c, n in zip(self.classes, self.num_units)},
        }
