"""The whole loop on the built-in synthetic benchmark: synth → train → predict → evaluate (with the
diagnosis, a threshold sweep and the authors' protocol beside the table) → plots → ``report.md`` and a
self-contained ``report.html``. Every stage is the same code path as its CLI verb (it calls ``locbench.cli.main``),
so the demo shows exactly the commands a user would type, and prints them in the report.

Stages are resumable: each one leaves ``<out>/.stages/<name>.json`` when it succeeds, and a rerun of
``locbench demo --out DIR`` skips the stages already done (training itself also resumes from
``last.pt``).
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field

from annotations.atomic import atomic_write_text
from annotations.errors import InputError
from locbench.evaluation.sweep_plugin import TUNED_ON_EVALUATED


@dataclass
class Stage:
    name: str
    argv: list[str]
    seconds: float | None = None
    skipped: bool = False


@dataclass
class DemoPlan:
    out: str
    stages: list[Stage] = field(default_factory=list)


def _flags(options: dict) -> list[str]:
    """{"epochs": 20, "no_progress": True} → ["--epochs", "20", "--no-progress"]."""
    argv = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, (list, tuple)):
            argv += [flag, ",".join(str(v) for v in value)]
        else:
            argv += [flag, str(value)]
    return argv


#: the localization thresholds the eval stages sweep: the headline 0.5 (the paper's) stays the main
#: table's row; the best of the grid is reported as "threshold tuned on the evaluated set"
SWEEP = "0.5,0.1:0.9:0.1"


def plan(out: str, config, seed: int = 0, device: str = "auto") -> DemoPlan:
    """The CLI calls of the demo, in order (see ``locbench.demo.config`` for the sizes).

    Prediction uses each run's ``last.pt``: the demo never selects a checkpoint on the test split.
    The eval stages also diagnose the errors (sliced by the hard cases synth wrote), sweep the
    localization threshold, compare with the authors' released protocol and write report.html;
    ``--overwrite`` lets a rerun replace what an earlier run of the stage wrote in its ``--out``.
    """
    data = os.path.join(out, "data")
    ucf, thumos = os.path.join(data, "spatial", "ucf101_24"), os.path.join(data, "temporal", "thumos14")
    runs, att, ev, fig = (os.path.join(out, d) for d in ("runs", "attention", "eval", "figures"))
    common_train = ["--seed", str(seed), "--device", device]
    p = DemoPlan(out)
    p.stages += [
        Stage("synth-spatial", ["synth", "--out", os.path.dirname(ucf), "--kind", "ucf", "--seed", str(seed), "--overwrite"]
              + _flags(config.synth_ucf)),
        Stage("synth-temporal", ["synth", "--out", os.path.dirname(thumos), "--kind", "thumos", "--seed", str(seed),
                                 "--overwrite"]
              + _flags(config.synth_thumos)),
        Stage("train-spatial", ["train", "--data", ucf, "--classes", os.path.join(ucf, "classes.txt"),
                                "--out", os.path.join(runs, "spatial")] + common_train + _flags(config.train_spatial)),
        Stage("train-temporal", ["train", "--data", thumos, "--classes", os.path.join(thumos, "classes.txt"),
                                 "--out", os.path.join(runs, "temporal")] + common_train + _flags(config.train_temporal)),
        Stage("predict-spatial", ["predict", "--checkpoint", os.path.join(runs, "spatial", "last.pt"),
                                  "--videos", os.path.join(ucf, "videos"), "--split", os.path.join(ucf, "testlist01.txt"),
                                  "--out", os.path.join(att, "spatial"), "--device", device]),
        Stage("predict-temporal", ["predict", "--checkpoint", os.path.join(runs, "temporal", "last.pt"),
                                   "--videos", os.path.join(thumos, "videos", "test"),
                                   "--out", os.path.join(att, "temporal"), "--device", device]
              + _flags(config.predict_temporal)),
        Stage("eval-spatial", ["eval-spatial", "--gt", os.path.join(ucf, "pyannot_with_class_names.pkl"),
                               "--split", os.path.join(ucf, "testlist01.txt"), "--attention", os.path.join(att, "spatial"),
                               "--videos", os.path.join(ucf, "videos"), "--frames", "all",
                               "--plots", os.path.join(fig, "spatial"), "--out", os.path.join(ev, "spatial"),
                               "--per-class", "--legacy", "--mask-threshold", SWEEP, "--diagnose",
                               "--slice-by", os.path.join(ucf, "hard_cases.csv") + ":hard_case",
                               "--report", os.path.join(ev, "spatial"), "--overwrite"]),
        Stage("eval-temporal", ["eval-temporal", "--gt", os.path.join(thumos, "groundtruth"), "--subset", "test",
                                "--protocol", "thumos14,activitynet", "--attention", os.path.join(att, "temporal"),
                                "--class-index", os.path.join(thumos, "class_index_detection.txt"),
                                "--plots", os.path.join(fig, "temporal"), "--out", os.path.join(ev, "temporal"),
                                "--per-class", "--legacy", "--legacy-checkpoint", os.path.join(runs, "temporal", "last.pt"),
                                "--videos", os.path.join(thumos, "videos", "test"), "--weight-threshold", SWEEP,
                                "--diagnose", "--durations", os.path.join(thumos, "test_video_info.csv"),
                                "--slice-by", os.path.join(thumos, "hard_cases_test.csv") + ":hard_case",
                                "--report", os.path.join(ev, "temporal"), "--overwrite"]),
    ]
    return p


def _stage_marker(out: str, name: str) -> str:
    return os.path.join(out, ".stages", f"{name}.json")


def run_stage(out: str, stage: Stage, resume: bool) -> None:
    from locbench.cli import main
    marker = _stage_marker(out, stage.name)
    if resume and os.path.exists(marker):
        with open(marker, encoding="utf-8") as f:
            done = json.load(f)
        if done.get("argv") == stage.argv:
            stage.skipped, stage.seconds = True, done.get("seconds")
            print(f"[demo] {stage.name}: already done ({marker}), skipped", file=sys.stderr, flush=True)
            return
    argv = list(stage.argv)
    if stage.name.startswith("train") and os.path.exists(os.path.join(argv[argv.index("--out") + 1], "last.pt")):
        argv.append("--resume")
    print(f"[demo] {stage.name}: locbench {shlex.join(argv)}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    code = main(argv)
    stage.seconds = time.perf_counter() - t0
    if code != 0:
        raise InputError(None, f"demo stage {stage.name!r}", f"failed with exit status {code} (see above); "
                                                             f"rerun the same command to resume")
    atomic_write_text(marker, json.dumps({"argv": stage.argv, "seconds": stage.seconds}) + "\n")


def margins(metrics_path: str, threshold: float = 0.3) -> dict:
    """mAP of the model and of the best baseline at ``threshold``, per protocol, from metrics.json."""
    with open(metrics_path, encoding="utf-8") as f:
        metrics = json.load(f)
    k = [round(t, 6) for t in metrics["thresholds"]].index(round(threshold, 6))
    by_protocol: dict[str, dict] = {}
    for m in metrics["methods"]:
        protocol = m["ap"]["protocol"].split("/")[-1]  # "frame-ap/voc" -> "voc"
        entry = by_protocol.setdefault(protocol, {"model": None, "model_name": None, "baselines": {}})
        value = m["ap"]["mAP"][k]
        if entry["model"] is None:
            entry["model"], entry["model_name"] = value, m["name"]
        else:
            entry["baselines"][m["name"]] = value
    for entry in by_protocol.values():
        entry["best_baseline"] = max(entry["baselines"].values()) if entry["baselines"] else None
        entry["margin"] = None if entry["best_baseline"] is None else entry["model"] - entry["best_baseline"]
    return by_protocol


def _figures(directory: str, out: str) -> list[str]:
    if not os.path.isdir(directory):
        return []
    return [os.path.relpath(os.path.join(directory, f), out) for f in sorted(os.listdir(directory)) if f.endswith(".png")]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _analysis_lines(ev_kind: str, out: str) -> list[str]:
    """report.md lines of the eval stage's plugins: the threshold sweep (its figure and the best-over-grid
    value, labelled as tuned on the evaluated set) and the diagnosis (what fixing each error type gains,
    and mAP per hard case)."""
    with open(os.path.join(ev_kind, "metrics.json"), encoding="utf-8") as f:
        metrics = json.load(f)
    analyses = metrics.get("analyses") or {}
    lines = []
    sweep = analyses.get("sweep") or {}
    if sweep.get("models"):
        lines += ["### Threshold sweep", "",
                  f"The main table uses the fixed threshold {sweep['headline_threshold']:g} (the paper's). The "
                  f"grid {', '.join(f'{t:g}' for t in sweep['grid'])} was swept on the evaluated videos; its best "
                  f"value is reported only as **{TUNED_ON_EVALUATED}**:", ""]
        lines += [f"- {n}" for n in sweep.get("notes", []) if TUNED_ON_EVALUATED in n] + [""]
        lines += [f"![threshold sweep]({os.path.relpath(m['figure'], out)})" for m in sweep["models"]
                  if m.get("figure") and os.path.exists(m["figure"])] + [""]
    diagnosis = [name for name in analyses if name.startswith("diagnosis")]
    if diagnosis:
        lines += ["### Diagnosis", ""]
        lines += [f"- {w.split(': ', 1)[1]}" for w in metrics.get("warnings", [])
                  if w.startswith("diagnosis") and "would gain" in w] + [""]
        main = os.path.join(ev_kind, "diagnosis-spatial_diagnosis.md")
        if os.path.exists(main):
            lines += [_read(main), ""]
        lines += _hard_case_lines(analyses, metrics.get("thresholds", []))
        lines += ["Every error type, its oracle gain, the figures and a per-video browser: "
                  "[report.html](report.html).", ""]
    return lines


def _hard_case_lines(analyses: dict, thresholds) -> list[str]:
    """A short markdown table of mAP per hard case (the ``--slice-by ...:hard_case`` of the diagnosis):
    spatial: TIDE's mAP at IoU 0.5 and 0.3 on each case's videos; temporal: the model's mAP on each
    case's instances at each tIoU. The full slice tables are in report.html."""
    spatial = (analyses.get("diagnosis-spatial") or {}).get("slices", {}).get("hard_case")
    if spatial:
        rows = [f"| {v} | {r['videos']} | {r['pos0.5']['tide']['mAP']:.1f} | {r['pos0.3']['tide']['mAP']:.1f} |"
                for v, r in spatial.items()]
        return (["mAP per hard case of the synthetic videos (TIDE's matching and AP, AP points):", "",
                 "| hard case | videos | mAP@0.5 | mAP@0.3 |", "| --- | ---: | ---: | ---: |"] + rows + [""])
    methods = (analyses.get("diagnosis-temporal") or {}).get("methods") or {}
    if not methods:
        return []
    name, first = next(iter(methods.items()))
    for sl in first.get("slices", []):
        if sl.get("name") == "hard_case":
            head = " | ".join(f"tIoU {t:g}" for t in thresholds)
            rows = [f"| {v} | {r['n_instances']} | " + " | ".join("" if x is None else f"{100 * x:.1f}"
                                                               for x in r["mAP"]) + " |"
                    for v, r in sl["values"].items()]
            return ([f"mAP per hard case of the synthetic instances, {name} (per instance, ActivityNet AP):", "",
                     f"| hard case | instances | {head} |", "| --- | ---: |" + " ---: |" * len(thresholds)]
                    + rows + [""])
    return []


def write_report(p: DemoPlan, config_name: str, seed: int, total_s: float) -> tuple[str, list]:
    """``report.md``: both tables, the margins over the baselines, the protocol comparison, the threshold
    sweep, the diagnosis, every figure, and the commands; and ``report.html`` beside it (both halves'
    report pages joined: every table, figure and analysis, and a per-video browser)."""
    from locbench.evaluation.report_html import merge_report_pages
    out = p.out
    ev = os.path.join(out, "eval")
    pages = {title: os.path.join(ev, kind, "report.html") for kind, title in
             (("spatial", "Where: spatial frame-mAP"), ("temporal", "When: temporal mAP"))}
    html_path = None
    if all(os.path.exists(page) for page in pages.values()):
        html_path = merge_report_pages(pages, os.path.join(out, "report.html"), f"locbench demo ({config_name}, "
                                                                                 f"seed {seed})")
    lines = [f"# locbench demo ({config_name}, seed {seed})", "",
             "A model trained with class labels only on the synthetic UCF101-24-like and THUMOS'14-like "
             "sets, evaluated on their test splits with the official protocols, beside trivial baselines "
             "run on the same frames.", ""]
    if html_path:
        lines += ["**[report.html](report.html)**: the same in one self-contained page, with every diagnosis "
                  "table and figure, the threshold sweeps, the protocol comparison and a per-video browser of "
                  "the evaluated boxes and segments.", ""]
    verdicts = []
    for kind, protocol in (("spatial", "voc"), ("temporal", "thumos14")):
        metrics_path = os.path.join(ev, kind, "metrics.json")
        lines += [f"## {'Where: spatial frame-mAP' if kind == 'spatial' else 'When: temporal mAP'}", ""]
        with open(os.path.join(ev, kind, "table.md"), encoding="utf-8") as f:
            lines += [f.read().strip(), ""]
        m = margins(metrics_path)[protocol]
        verdict = (f"{kind}: model mAP@0.3 = {100 * m['model']:.1f}, best baseline = {100 * m['best_baseline']:.1f} "
                   f"→ margin {100 * m['margin']:+.1f} points ({protocol})")
        verdicts.append((kind, m))
        legacy = os.path.join(ev, kind, "legacy_protocol_comparison.md")  # the 'legacy' plugin's table
        if os.path.exists(legacy):
            with open(legacy, encoding="utf-8") as f:
                lines += [f.read().strip(), "", "meng2019-code is the authors' released evaluation, a legacy "
                          "figure and not an AP (locbench's docs/protocols/meng2019.md).", ""]
        lines += [f"**{verdict}**", "",
                  f"Per-class AP: [per_class_0.md](eval/{kind}/per_class_0.md) · all numbers: "
                  f"[metrics.json](eval/{kind}/metrics.json)", ""]
        lines += _analysis_lines(os.path.join(ev, kind), out)
        figs = [f for f in _figures(os.path.join(out, "figures", kind), out)
                if not os.path.basename(f).startswith("threshold_sweep")]  # shown above
        if figs:
            lines += ["### Figures", ""] + [f"![{os.path.basename(f)}]({f})" for f in figs] + [""]
    lines += ["## How this was made", "", "| stage | seconds | command |", "| --- | ---: | --- |"]
    for s in p.stages:
        secs = "" if s.seconds is None else f"{s.seconds:.0f}" + (" (earlier run)" if s.skipped else "")
        lines.append(f"| {s.name} | {secs} | `locbench {shlex.join(s.argv)}` |")
    lines += ["", f"Total wall time of this run: {total_s:.0f} s.", ""]
    path = os.path.join(out, "report.md")
    atomic_write_text(path, "\n".join(lines))
    return path, verdicts


DEMO_OUTPUTS = ("runs", "attention", "eval", "figures", ".stages", "report.md", "report.html")


def clear_previous_demo(out: str) -> None:
    """Remove what an earlier demo wrote in ``out`` (recognised by its ``.stages`` folder), and
    nothing else; the synthetic data is replaced by ``synth --overwrite``."""
    if not os.path.isdir(out) or not os.listdir(out):
        return
    if not os.path.isdir(os.path.join(out, ".stages")):
        raise InputError(out, None, "exists and is not a demo folder (no .stages/); choose another --out")
    for name in DEMO_OUTPUTS:
        path = os.path.join(out, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)


def run_demo(out: str = "locbench-demo", reduced: bool = False, seed: int = 0, device: str = "auto",
             resume: bool = True) -> dict:
    """Run every stage and write the report; return the margins over the baselines."""
    from locbench.demo import config as demo_config
    config = demo_config.REDUCED if reduced else demo_config.DEFAULT
    p = plan(out, config, seed, device)
    if not resume:
        clear_previous_demo(out)
    t0 = time.perf_counter()
    for i, stage in enumerate(p.stages, start=1):
        print(f"[demo] stage {i}/{len(p.stages)}: {stage.name}", file=sys.stderr, flush=True)
        run_stage(out, stage, resume)
    report, verdicts = write_report(p, config.name, seed, time.perf_counter() - t0)
    return {"report": report, "margins": {k: m for k, m in verdicts}, "seconds": time.perf_counter() - t0}
