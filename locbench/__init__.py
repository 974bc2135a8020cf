"""locbench: weakly supervised spatio-temporal action localization, and evaluators for it.

The public Python API (``docs/api.md``) is imported lazily, so ``import locbench`` never imports
torch or OpenCV:

>>> import locbench
>>> {"masks_to_boxes", "weights_to_segments", "save_attention", "load_attention"} <= set(locbench.__all__)
True
"""
__version__ = "0.1.0"

#: public name -> module that defines it (imported on first access)
_LAZY = {
    "masks_to_boxes": "locbench.localization.localize",
    "weights_to_segments": "locbench.localization.localize",
    "boxes_from_attention": "locbench.localization.localize",
    "segments_from_attention": "locbench.localization.localize",
    "save_attention": "locbench.inference.attention",
    "load_attention": "locbench.inference.attention",
    "load_attention_dir": "locbench.inference.attention",
    "AttentionRecord": "locbench.inference.attention",
    "TemporalEvaluation": "locbench.evaluation.tasks",
    "SpatialEvaluation": "locbench.evaluation.tasks",
    "VideoEvaluation": "locbench.evaluation.tasks",
    "EvaluationReport": "locbench.evaluation.tasks",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'locbench' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(module), name if name != "weights_to_segments" else _segments_name())
    globals()[name] = value
    return value


def _segments_name() -> str:
    """``weights_to_segments`` is ``curve_to_segments`` until the localization module names it so."""
    import importlib
    mod = importlib.import_module("locbench.localization.localize")
    return "weights_to_segments" if hasattr(mod, "weights_to_segments") else "curve_to_segments"


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
