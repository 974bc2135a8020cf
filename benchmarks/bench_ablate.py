"""Issue 11 benchmark: `locbench ablate --seeds 0,1,2` on the synthetic HMDB51-like set, CPU preset.

Prints the wall time against the 15-minute target (2 CPU cores) and whether the full model beats the
plain mean-pool baseline by more than the seeds' spread (std, ddof 1, of either row).

    python benchmarks/bench_ablate.py [--out DIR] [--seeds 0,1,2]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from locbench.cli import main  # noqa: E402

TARGET_S = 15 * 60


def run(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=None)
    p.add_argument("--seeds", default="0,1,2")
    a = p.parse_args(argv)
    out = a.out or tempfile.mkdtemp(prefix="bench_ablate_")
    t0 = time.perf_counter()
    assert main(["synth", "--out", os.path.join(out, "data"), "--kind", "hmdb51", "--overwrite"]) == 0
    assert main(["ablate", "--data", os.path.join(out, "data", "hmdb51"), "--preset", "cpu", "--seeds", a.seeds,
                 "--out", os.path.join(out, "abl"), "--no-progress", "--device", "cpu"]) == 0
    wall = time.perf_counter() - t0
    rows = json.load(open(os.path.join(out, "abl", "metrics.json")))["rows"]
    import numpy as np

    def stats(row):
        v = np.array([r["top1"] for r in rows if r["row"] == row])
        return v.mean(), (v.std(ddof=1) if len(v) > 1 else float("nan"))

    (fm, fs), (bm, bs) = stats("full"), stats("baseline")
    spread = max(fs, bs)
    print(f"ablate, 7 rows x {len(a.seeds.split(','))} seeds: {wall:.0f} s (target {TARGET_S} s, ratio {wall / TARGET_S:.2f})")
    print(f"full {100 * fm:.2f} ± {100 * fs:.2f}, baseline {100 * bm:.2f} ± {100 * bs:.2f}: gap {100 * (fm - bm):.2f} "
          f"vs spread {100 * spread:.2f} -> {'ahead' if fm - bm > spread else 'NOT ahead'} by more than the spread")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
