"""Localization: attention masks / temporal weights -> boxes / segments, and the trivial baselines."""
