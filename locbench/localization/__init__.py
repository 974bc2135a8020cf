"""Localization: attention masks / temporal weights -> boxes / segments, and the trivial baselines."""


class LocalizationWarning(UserWarning):
    """A localization rule left many frames / videos without a box / segment. The same sentence is in the
    detections' ``notes``, which the evaluation path prints under the table and writes to metrics.json (so
    the CLI silences the Python warning itself)."""
