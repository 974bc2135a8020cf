"""The spatio-temporal attention model: config, backbones, attention modules, network and losses.

Names load lazily, so that ``locbench.model.registry`` (the CLI's backbone choices) imports without torch.
"""
from __future__ import annotations

import importlib

_WHERE = {"ModelConfig": "config", "small_config": "config", "LossWeights": "losses", "attention_losses": "losses",
          "AttentionHead": "net", "AttentionOutput": "net", "VideoAttentionModel": "net", "build_model": "net"}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"locbench.model.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'locbench.model' has no attribute {name!r}")
