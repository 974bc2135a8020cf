"""Inference: run a checkpoint on videos (predict) and read / write attention files."""
