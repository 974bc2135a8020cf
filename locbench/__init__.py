"""locbench: weakly supervised spatio-temporal action localization, and evaluators for it."""
__version__ = "0.1.0"
