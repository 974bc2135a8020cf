"""Evaluation: methods against one ground truth, the papers' tables, metrics.json outputs and figures."""
