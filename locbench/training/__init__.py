"""Training: split discovery, torch datasets, the feature cache, DDP helpers and the training loop."""
