"""Evaluation: the one evaluation path (``tasks``: TemporalEvaluation, SpatialEvaluation,
VideoEvaluation), the method grid and metrics dictionary (``methods``), the papers' tables
(``tables``), ``metrics.json`` and the ``--out`` folder (``outputs``), figures (``plots``) and the
plugin host (``plugins``). See docs/architecture.md."""
