"""Why temporal detections lose mAP: DETAD's analyses and the weak-supervision error types.

Same inputs as eval-temporal (a detection file, attention files, or a checkpoint run on videos);
prints the main table, then the diagnosis tables; ``--out`` also writes them and ``metrics.json``
(``analyses["diagnosis-temporal"]``), ``--plots`` the figures, ``--report DIR`` one self-contained
report.html. Definitions: docs/protocols/diagnosis.md.
"""
from __future__ import annotations

NAME = "diagnose-temporal"
HELP = "diagnose temporal errors: DETAD's false-positive / false-negative / sensitivity analyses, weak-supervision types"


def add_arguments(p):
    from locbench.commands.eval_temporal import add_arguments as eval_arguments
    from locbench.evaluation.diagnosis_temporal import add_diagnosis_arguments
    eval_arguments(p)
    if "--detad-compat" not in p._option_string_actions:  # eval-temporal may already add the plugin's flags
        add_diagnosis_arguments(p, with_switch=False)


def run(args) -> int:
    """eval-temporal with the diagnosis on, through the one evaluation path."""
    from locbench.commands._common import run_evaluation
    from locbench.evaluation.tasks import TemporalEvaluation
    args.diagnose = True
    return run_evaluation(TemporalEvaluation, args)
