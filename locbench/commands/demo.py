"""Run the whole loop on the built-in synthetic benchmark, with no arguments needed:
synth → train (spatial and temporal models, class labels only) → predict → eval-spatial and
eval-temporal (with baselines and classification accuracy) → plots → report.md.

Resumable: rerunning the same command skips the stages already done.
"""
from __future__ import annotations

import sys

NAME = "demo"
HELP = "the whole loop on built-in synthetic data, end to end, with a report (a few minutes on a CPU)"


def add_arguments(p):
    p.add_argument("--out", default="locbench-demo", metavar="DIR", help="where everything goes (default locbench-demo/)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data and of training (default 0)")
    p.add_argument("--reduced", action="store_true", help="smaller sizes, same code path (what CI runs)")
    p.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    p.add_argument("--restart", action="store_true", help="redo every stage instead of resuming")


def run(args) -> int:
    import os
    # Before torch is imported: OpenMP threads that sleep instead of spinning when they wait, so the
    # demo does not slow to a crawl on a small machine that is also running something else.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from locbench.demo.pipeline import run_demo
    result = run_demo(args.out, reduced=args.reduced, seed=args.seed, device=args.device, resume=not args.restart)
    for kind, m in result["margins"].items():
        print(f"{kind:8s}: model mAP@0.3 {100 * m['model']:5.1f} | best baseline {100 * m['best_baseline']:5.1f} "
              f"| margin {100 * m['margin']:+5.1f} points")
    print(f"report: {result['report']}  ({result['seconds']:.0f} s)")
    sys.stdout.flush()
    return 0
