"""Result containers returned by every evaluator: plain arrays, easy to tabulate and serialise.

Both print a one-line summary and turn into a long-format ``pandas.DataFrame`` (one row per class and
threshold, plus the mean) with ``to_dataframe()``; pandas is imported only then.
"""
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
        """(K,) mean over classes with ground truth.

        >>> APResult("p", np.array([0.5]), ("a", "b"), np.array([[0.5], [np.nan]]), np.array([2, 0]),
        ...          np.array([1, 1])).mean_ap.tolist()
        [0.5]
        """
        valid = self.num_gt > 0
        if not valid.any():
            return np.full(len(self.thresholds), np.nan)
        return np.mean(self.ap[valid], axis=0)

    def __repr__(self) -> str:
        """One line: protocol, mAP at each threshold, class and detection counts, warnings.

        >>> r = APResult("frame-ap/voc", np.array([0.5]), ("a", "b"), np.array([[1.0], [0.5]]),
        ...              np.array([1, 2]), np.array([3, 4]))
        >>> r
        APResult(frame-ap/voc, mAP@0.5=0.7500, 2 classes (2 with ground truth), 3 ground truth, 7 detections)
        """
        maps = ", ".join(f"mAP@{t:g}={m:.4f}" for t, m in zip(self.thresholds, self.mean_ap))
        text = (f"APResult({self.protocol}, {maps}, {len(self.classes)} classes "
                f"({int(np.sum(self.num_gt > 0))} with ground truth), {int(np.sum(self.num_gt))} ground truth, "
                f"{int(np.sum(self.num_det))} detections")
        if self.warnings:
            text += f", {len(self.warnings)} warning(s)"
        return text + ")"

    def to_dataframe(self):
        """Long-format table: columns ``class, threshold, ap, num_gt, num_det``; class ``"mean"`` rows last.

        Returns
        -------
        pandas.DataFrame
            (C + 1) * K rows; ``ap`` float64 in [0, 1] (NaN for classes without ground truth).

        Examples
        --------
        >>> r = APResult("frame-ap/voc", np.array([0.5]), ("a", "b"), np.array([[1.0], [0.5]]),
        ...              np.array([1, 2]), np.array([3, 4]))
        >>> r.to_dataframe()["ap"].tolist()
        [1.0, 0.5, 0.75]
        """
        import pandas as pd

        rows = [(c, float(t), float(self.ap[i, k]), int(self.num_gt[i]), int(self.num_det[i]))
                for i, c in enumerate(self.classes) for k, t in enumerate(self.thresholds)]
        rows += [("mean", float(t), float(m), int(np.sum(self.num_gt)), int(np.sum(self.num_det)))
                 for t, m in zip(self.thresholds, self.mean_ap)]
        return pd.DataFrame(rows, columns=["class", "threshold", "ap", "num_gt", "num_det"])

    def to_dict(self) -> dict:
        """JSON-ready dict (as written to ``metrics.json``); ``extra`` keys are merged in.

        >>> APResult("p", np.array([0.5]), ("a",), np.array([[0.5]]), np.array([2]), np.array([1]),
        ...          extra={"counts": {"num_gt": 2}}).to_dict()["counts"]
        {'num_gt': 2}
        """
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
        """(K,) mean over classes that have units (class-balanced, like mAP).

        >>> CorLocResult("frame", np.array([0.5]), ("a", "b"), np.array([[1.0], [0.5]]), np.array([1, 3])).mean_corloc.tolist()
        [0.75]
        """
        valid = self.num_units > 0
        if not valid.any():
            return np.full(len(self.thresholds), np.nan)
        return np.mean(self.corloc[valid], axis=0)

    def __repr__(self) -> str:
        """One line: unit, mean CorLoc at each threshold, counts.

        >>> CorLocResult("frame", np.array([0.5]), ("a",), np.array([[0.25]]), np.array([4]))
        CorLocResult(frame, CorLoc@0.5=0.2500, 1 classes, 4 units)
        """
        means = ", ".join(f"CorLoc@{t:g}={m:.4f}" for t, m in zip(self.thresholds, self.mean_corloc))
        return f"CorLocResult({self.unit}, {means}, {len(self.classes)} classes, {int(np.sum(self.num_units))} units)"

    def to_dataframe(self):
        """Long-format table: columns ``class, threshold, corloc, num_units``; class ``"mean"`` rows last.

        Returns
        -------
        pandas.DataFrame
            (C + 1) * K rows; ``corloc`` float64 in [0, 1] (NaN for classes without units).

        Examples
        --------
        >>> r = CorLocResult("frame", np.array([0.5]), ("a",), np.array([[0.25]]), np.array([4]))
        >>> r.to_dataframe().values.tolist()
        [['a', 0.5, 0.25, 4], ['mean', 0.5, 0.25, 4]]
        """
        import pandas as pd

        rows = [(c, float(t), float(self.corloc[i, k]), int(self.num_units[i]))
                for i, c in enumerate(self.classes) for k, t in enumerate(self.thresholds)]
        rows += [("mean", float(t), float(m), int(np.sum(self.num_units)))
                 for t, m in zip(self.thresholds, self.mean_corloc)]
        return pd.DataFrame(rows, columns=["class", "threshold", "corloc", "num_units"])

    def to_dict(self) -> dict:
        """JSON-ready dict (as written to ``metrics.json``).

        >>> CorLocResult("frame", np.array([0.5]), ("a",), np.array([[1.0]]), np.array([1])).to_dict()["mean"]
        [1.0]
        """
        return {
            "unit": self.unit,
            "thresholds": [float(t) for t in self.thresholds],
            "mean": [float(v) for v in self.mean_corloc],
            "per_class": {c: [float(v) for v in row] for c, row in zip(self.classes, self.corloc)},
            "num_units": {c: int(n) for c, n in zip(self.classes, self.num_units)},
        }
