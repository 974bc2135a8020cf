"""One module per CLI verb. Each defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.

Modules import heavy dependencies (torch, matplotlib) inside ``run`` so that ``locbench --help`` and
the evaluators start fast.
"""

#: CLI verbs in the order ``locbench --help`` lists them; module name = verb with '-' -> '_'.
VERBS = (
    "eval-temporal",
    "eval-spatial",
    "eval-video",
    "eval-classification",
    "aggregate",
    "diagnose-temporal",
    "diagnose-spatial",
    "localize",
    "synth",
    "extract-features",
    "train",
    "ablate",
    "predict",
    "plot-failures",
    "demo",
)
