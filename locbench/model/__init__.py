"""The spatio-temporal attention model: config, backbones, attention modules, network and losses."""
from locbench.model.config import ModelConfig, small_config
from locbench.model.losses import LossWeights, attention_losses
from locbench.model.net import AttentionHead, AttentionOutput, VideoAttentionModel, build_model

__all__ = ["ModelConfig", "small_config", "LossWeights", "attention_losses", "AttentionHead", "AttentionOutput",
           "VideoAttentionModel", "build_model"]
