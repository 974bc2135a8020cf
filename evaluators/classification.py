"""Video classification metrics: top-k accuracy, mean per-class accuracy, confusion, multi-label mAP.

Pure numpy. Conventions (``docs/recognition.md``):

- A video's rank of class ``c`` is the number of classes with a strictly higher score, plus the
  number with an *equal* score and a lower class index (ties go to the lower index, as
  ``np.argsort(-scores, kind="stable")``). Top-k is a hit when the true class's rank is < k. Videos
  with a tie at their top score are counted in a warning.
- Mean per-class accuracy averages top-1 accuracy over the classes that have at least one video.
- The multi-label THUMOS'14 rules: ``top1_in_label_set`` (top-1 is any of the video's classes) and
  ``mean_average_precision`` (per class, videos ranked by that class's score, non-interpolated AP =
  mean precision at each positive; ties in score order by video index; classes without a positive
  are left out of the mean).
- Spread over splits or seeds: mean and sample standard deviation (``ddof=1``; NaN for one value).

>>> import numpy as np
>>> s = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])
>>> r = classification_metrics(s, np.array([0, 2, 1]), topk=(1, 2))
>>> round(r.top1, 4), round(r.topk[2], 4), round(r.mean_per_class, 4)
(0.3333, 0.6667, 0.3333)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evaluators.stats import mean_std  # noqa: F401  (re-exported: per-split mean ± std)


def _scores(scores) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] < 1:
        raise ValueError(f"scores must be (num_videos, num_classes), got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contain NaN or infinite values")
    return s


def class_ranks(scores, labels) -> np.ndarray:
    """0-based rank of each video's true class among its scores (ties: lower class index first).

    Parameters
    ----------
    scores : (V, C) float array
    labels : (V,) int array of 0-based class indices

    Returns
    -------
    (V,) int64

    >>> class_ranks([[0.5, 0.5, 0.1], [0.2, 0.2, 0.9]], [1, 0]).tolist()
    [1, 1]
    """
    s = _scores(scores)
    y = np.asarray(labels, dtype=np.int64)
    if y.shape != (s.shape[0],):
        raise ValueError(f"labels must be ({s.shape[0]},), got {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= s.shape[1]):
        raise ValueError(f"labels must be in 0..{s.shape[1] - 1}")
    own = s[np.arange(len(y)), y][:, None]
    idx = np.arange(s.shape[1])[None, :]
    return ((s > own) | ((s == own) & (idx < y[:, None]))).sum(1).astype(np.int64)


@dataclass(frozen=True)
class ClassificationResult:
    """Accuracies are fractions in [0, 1]; ``per_class_accuracy`` is NaN for classes without videos."""

    top1: float
    topk: dict  # k -> top-k accuracy
    mean_per_class: float
    per_class_accuracy: np.ndarray  # (C,)
    per_class_count: np.ndarray  # (C,) videos of each class
    confusion: np.ndarray  # (C, C) int64: row = true class, column = top-1 prediction
    num_videos: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        ks = ", ".join(f"top-{k} {100 * v:.2f}" for k, v in sorted(self.topk.items()) if k != 1)
        return (f"ClassificationResult({self.num_videos} videos, top-1 {100 * self.top1:.2f}"
                f"{', ' + ks if ks else ''}, mean per class {100 * self.mean_per_class:.2f})")


def classification_metrics(scores, labels, topk=(1, 5)) -> ClassificationResult:
    """Top-k accuracies, mean per-class accuracy and the confusion matrix of single-label videos.

    Parameters
    ----------
    scores : (V, C) float array, any monotone score (logits, probabilities)
    labels : (V,) int array, 0-based true classes
    topk : ks to report; a k above C is reported with a warning (it is trivially 1)

    >>> r = classification_metrics([[0.1, 0.9], [0.8, 0.2]], [1, 1], topk=(1,))
    >>> r.top1, r.confusion.tolist()
    (0.5, [[0, 0], [1, 1]])
    """
    s = _scores(scores)
    y = np.asarray(labels, dtype=np.int64)
    ranks = class_ranks(s, y)
    v, c = s.shape
    warnings = []
    if v == 0:
        raise ValueError("no video to evaluate")
    ks = sorted(set(int(k) for k in topk) | {1})
    for k in ks:
        if k > c:
            warnings.append(f"top-{k} with {c} classes is 1 by construction")
    pred = np.argsort(-s, axis=1, kind="stable")[:, 0]
    confusion = np.zeros((c, c), dtype=np.int64)
    np.add.at(confusion, (y, pred), 1)
    count = confusion.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(count > 0, np.diag(confusion) / np.maximum(count, 1), np.nan)
    tied = int(((s == s.max(1, keepdims=True)).sum(1) > 1).sum())
    if tied:  # a constant or saturated score would quietly credit the lowest class index
        warnings.append(f"{tied} of {v} videos have several classes tied at their top score: top-1 goes to the "
                        "lowest class index (check the scores are not constant or rounded)")
    missing = int((count == 0).sum())
    if missing:
        warnings.append(f"{missing} of {c} classes have no video: mean per-class accuracy averages the other {c - missing}")
    return ClassificationResult(
        top1=float((ranks < 1).mean()), topk={k: float((ranks < k).mean()) for k in ks},
        mean_per_class=float(np.nanmean(per_class)), per_class_accuracy=per_class, per_class_count=count,
        confusion=confusion, num_videos=v, warnings=tuple(warnings))


def top1_in_label_set(scores, label_sets) -> float:
    """Fraction of videos whose top-1 class (ties: lower index) is one of their classes.

    ``scores``: (V, C) float array; ``label_sets``: (V, C) bool array, True for each class of a
    video. Returns a float in [0, 1].

    >>> top1_in_label_set([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]], [[0, 1, 1], [0, 1, 0]])
    0.5
    """
    s = _scores(scores)
    m = np.asarray(label_sets, dtype=bool)
    if m.shape != s.shape:
        raise ValueError(f"label_sets must be {s.shape} booleans, got {m.shape}")
    pred = np.argsort(-s, axis=1, kind="stable")[:, 0]
    return float(m[np.arange(len(pred)), pred].mean())


def average_precision(scores, positives) -> float:
    """Non-interpolated AP of one class: videos by decreasing score (ties: lower video index first),
    mean of the precision at each positive; NaN without positives.

    ``scores``: (V,) float array of that class's score per video; ``positives``: (V,) bool array.
    Returns a float in [0, 1] (or NaN).

    >>> average_precision([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])
    0.8333333333333333
    """
    s = np.asarray(scores, dtype=np.float64)
    p = np.asarray(positives, dtype=bool)
    if p.sum() == 0:
        return float("nan")
    order = np.argsort(-s, kind="stable")
    hits = p[order]
    prec = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(prec[hits].mean())


def mean_average_precision(scores, label_sets) -> tuple[float, np.ndarray]:
    """THUMOS classification rule: AP of each class over all videos, mean over classes with a positive.

    ``scores``: (V, C) float array; ``label_sets``: (V, C) bool array, True for each class of a video.
    Returns (mAP float, per-class AP (C,) float64 with NaN for classes without positives).

    >>> m, ap = mean_average_precision([[0.9, 0.5], [0.2, 0.3], [0.6, 0.4]], [[1, 0], [0, 1], [0, 1]])
    >>> round(m, 4), ap.round(4).tolist()
    (0.7917, [1.0, 0.5833])
    """
    s = _scores(scores)
    m = np.asarray(label_sets, dtype=bool)
    if m.shape != s.shape:
        raise ValueError(f"label_sets must be {s.shape} booleans, got {m.shape}")
    ap = np.array([average_precision(s[:, k], m[:, k]) for k in range(s.shape[1])])
    return (float(np.nanmean(ap)) if np.isfinite(ap).any() else float("nan")), ap


__all__ = ["class_ranks", "ClassificationResult", "classification_metrics", "top1_in_label_set",
           "average_precision", "mean_average_precision", "mean_std"]
