"""Why the boxes fail: TIDE's error analysis and the weak-supervision error types on frame boxes.

Inputs as ``eval-spatial`` (detections, attention files, or a checkpoint run on videos). Prints the
main frame-AP table, then the diagnosis table (TIDE's base mAP and dAP per error at IoU 0.5 and
0.3, and the mAP each weak-supervision type costs); ``--out`` writes metrics.json and the tables,
``--plots`` the figures, ``--report DIR`` one self-contained report.html. Definitions:
docs/protocols/diagnosis.md (section Spatial).
"""
from __future__ import annotations

NAME = "diagnose-spatial"
HELP = "diagnose frame-box errors: TIDE's types and the weak-supervision types (UCF101-24)"


def add_arguments(p):
    from locbench.commands import eval_spatial
    from locbench.evaluation.diagnosis_spatial import add_diagnosis_arguments
    eval_spatial.add_arguments(p)
    add_diagnosis_arguments(p, with_flag=False)


def run(args) -> int:
    """eval-spatial with the diagnosis on, through the one evaluation path."""
    from locbench.commands._common import run_evaluation
    from locbench.evaluation.tasks import SpatialEvaluation
    args.diagnose = True
    return run_evaluation(SpatialEvaluation, args)
