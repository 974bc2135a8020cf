"""The paper's ablation rows (Table 1) and base networks (Table 6), trained and tested from one config.

Each (dataset, backbone, row, seed) is one run folder ``<out>/<dataset>/<backbone>/<row>/seed<k>/``
holding the training run (``config.json``, ``last.pt``, ...), the test scores (``scores.csv``) and
``result.json``. A folder with ``result.json`` is finished and never retrained (resumable); one with
only ``last.pt`` resumes its training. Nothing is selected on the test list: a row is tested with
its last epoch, or, with ``holdout`` > 0, with the epoch best on validation videos held out of the
training list by group (as ``train`` does).
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass

import numpy as np

from annotations.atomic import atomic_write_text
from annotations.errors import InputError

#: row id -> (label in the table, TrainConfig changes); the paper's Table 1 order
ROWS = {
    "baseline": ("plain backbone (mean pool + linear)", dict(head="meanpool", spatial_attention=False,
                                                              temporal_attention=False, lambda_tv=0.0,
                                                              lambda_contrast=0.0, lambda_unimodal=0.0)),
    "no-spatial": ("w/o spatial attention", dict(spatial_attention=False)),
    "no-temporal": ("w/o temporal attention", dict(temporal_attention=False)),
    "no-tv": ("w/o L_TV", dict(lambda_tv=0.0)),
    "no-contrast": ("w/o L_contrast", dict(lambda_contrast=0.0)),
    "no-unimodal": ("w/o L_unimodal", dict(lambda_unimodal=0.0)),
    "full": ("ours (full model)", {}),
}
#: the paper's numbers (top-1 %, HMDB51 / UCF101 split mean, ResNet-101) beside each row
PAPER_TABLE1 = {"baseline": (50.04, 83.30), "no-spatial": (51.98, 85.78), "no-temporal": (52.25, 85.86),
                "no-tv": (52.01, 85.89), "no-contrast": (52.10, 85.98), "no-unimodal": (52.05, 86.10),
                "full": (53.07, 87.11)}
#: Table 6, HMDB51 top-1 %: backbone -> (without attention, with attention)
PAPER_TABLE6 = {"resnet50": (47.5, 49.8), "resnet101": (49.7, 53.1), "resnet152": (50.1, 54.4)}

#: CPU-demo sizes (``--preset cpu``): the small backbone on 64 px frames
CPU_PRESET = dict(backbone="small", num_frames=8, input_size=64, feature_channels=32, hidden_channels=32,
                  spatial_widths=(32, 16), attention_dim=16, epochs=12, batch_size=8, lr=1e-3,
                  mask_bias_init=-0.5)


@dataclass
class RowResult:
    dataset: str
    backbone: str
    row: str
    seed: int
    top1: float
    num_test: int
    checkpoint: str
    selected_on: str


def parse_rows(text: str | None) -> tuple[str, ...]:
    """``"full,baseline"`` -> ids in Table 1 order; None = every row."""
    if not text:
        return tuple(ROWS)
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [n for n in names if n not in ROWS]
    if bad:
        raise InputError(None, "rows", f"unknown row {bad[0]!r}; choose from {', '.join(ROWS)}")
    if not names:
        raise InputError(None, "rows", f"no row in {text!r}; choose from {', '.join(ROWS)}")
    return tuple(r for r in ROWS if r in names)


def _test_split(data: str, official_split: int):
    from annotations.recognition import detect_format, load_recognition

    if detect_format(data) is None:
        load_recognition(data, official_split)  # names a dataset root one level down, if there is one
        raise InputError(data, None, "ablate needs a recognition dataset root (HMDB51, UCF101 or Moments in Time; "
                                     "see docs/recognition.md or `locbench synth --kind hmdb51`)")
    if detect_format(data) == "moments" and official_split != 1:
        raise InputError(data, "official_split", f"Moments in Time has one split (training / validation), got "
                                                 f"{official_split}: use official_split=1")
    split = load_recognition(data, official_split)
    for side, videos in (("training", split.train), ("test", split.test)):
        if not videos:  # an empty list would train nothing, or test nothing, and still fill the table
            why = (f"{split.num_missing} listed videos are missing on disk and were skipped" if split.num_missing
                   else "check its split files")
            raise InputError(data, f"split {official_split}", f"no {side} video in this split ({why})")
    return split


#: what ablate itself writes at the top of --out (besides one folder per dataset)
_OUT_FILE = re.compile(r"^(metrics\.json|(table1_[A-Za-z0-9_.-]+|table6)\.(md|csv|json|tex))$")


def check_ablation_out(out: str) -> None:
    """InputError when ``out`` holds files that no ablate run wrote (another command's run, a file), so
    resuming never mixes in or overwrites another run's outputs; an ablate folder or a new one is fine."""
    if not os.path.exists(out):
        return
    if not os.path.isdir(out):
        raise InputError(out, None, "exists and is not a folder; choose another output folder")
    foreign = sorted(e for e in os.listdir(out) if not os.path.isdir(os.path.join(out, e)) and not _OUT_FILE.match(e))
    task = None
    if os.path.isfile(os.path.join(out, "metrics.json")):
        try:
            with open(os.path.join(out, "metrics.json")) as f:
                task = json.load(f).get("task")
        except (OSError, ValueError, AttributeError):
            task = "unreadable"
    if task not in (None, "ablation"):
        foreign.insert(0, f"metrics.json of task {task!r}")
    if foreign:
        raise InputError(out, None, f"holds files of another run (e.g. {foreign[0]}); ablate resumes only its own "
                                    "output folder: choose a new or earlier ablate folder")


def _plain(d: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


@dataclass(frozen=True)
class RunSpec:
    dataset: str
    data: str
    backbone: str
    row: str
    seed: int
    folder: str
    train: object  # TrainConfig


def plan_runs(data: list[str], out: str, base, backbones, rows, seeds, weights: dict | None = None) -> list[RunSpec]:
    """Every (dataset, backbone, row, seed) run with its TrainConfig and folder."""
    specs = []
    for root in data:
        name = os.path.basename(os.path.normpath(root))
        for bb in backbones:
            for row in rows:
                for seed in seeds:
                    folder = os.path.join(out, name, bb, row, f"seed{seed}")
                    cfg = dataclasses.replace(base, data=root, classes=None, out=os.path.join(folder, "run"),
                                              backbone=bb, seed=int(seed), backbone_weights=(weights or {}).get(bb),
                                              **ROWS[row][1])
                    if bb != "small":  # a ResNet's channel count is fixed (registry); the preset's is small's
                        cfg = dataclasses.replace(cfg, feature_channels=None)
                    specs.append(RunSpec(name, root, bb, row, int(seed), folder, cfg))
    return specs


def _fingerprint(cfg) -> dict:
    d = dataclasses.asdict(cfg)
    for k in ("out", "resume", "progress", "workers", "device"):
        d.pop(k, None)
    return _plain(d)


def accuracy_on_test(checkpoint: str, split, device: str = "cpu", batch_size: int = 8, augment: bool = False):
    """Top-1 of ``checkpoint`` on the split's test videos (centre clips); returns (top1, names, scores).

    Centre clips: the centre frame of each of n equal parts, and with ``augment`` the shorter side
    round(256 S / 224) and the S x S centre crop (S the checkpoint's input size), else whole frames
    resized to S x S. ``top1`` a float in [0, 1]; ``names`` the V test video names in split order;
    ``scores`` (V, C) float64 softmax probabilities.
    """
    import torch
    from torch.utils.data import DataLoader

    from evaluators.classification import classification_metrics
    from locbench.model.checkpoint import load_checkpoint, model_from_checkpoint
    from locbench.training.datasets import VideoClipDataset
    from locbench.training.splits import LabelledVideo

    ckpt = load_checkpoint(checkpoint, expect_classes=split.classes)
    model = model_from_checkpoint(ckpt).to(device)
    items = [LabelledVideo(v.name, v.path, v.label) for v in split.test]
    ds = VideoClipDataset(items, ckpt.config.num_frames, ckpt.config.input_size, train=False, augment=augment)
    logits = []
    with torch.no_grad():
        for x, _, _ in DataLoader(ds, batch_size=batch_size, shuffle=False):
            logits.append(model(x.to(device)).logits.float().cpu())
    scores = torch.cat(logits).softmax(1).numpy().astype(np.float64)
    res = classification_metrics(scores, np.array([v.label for v in items]), topk=(1,))
    return res.top1, [v.name for v in items], scores


def _row_state(spec: RunSpec) -> tuple:
    """What a run folder holds, read by one process: ("done", RowResult) for a finished row (never
    retrained), ("error", message) for one finished with other settings, else ("train", resume)."""
    result_path = os.path.join(spec.folder, "result.json")
    if os.path.isfile(result_path):
        try:
            with open(result_path) as f:
                done = json.load(f)
            RowResult(**{k: done[k] for k in RowResult.__dataclass_fields__})
        except (OSError, ValueError, KeyError, TypeError) as e:
            return "error", (result_path, f"unreadable row result ({type(e).__name__}: {str(e)[:80]}); delete the "
                                          "row folder to rerun it")
        if done.get("train_config") != _fingerprint(spec.train):
            return "error", (result_path, "this row was run with other settings; choose another output folder "
                                          "(or delete the folder to rerun it)")
        return "done", RowResult(**{k: done[k] for k in RowResult.__dataclass_fields__})
    return "train", os.path.isfile(os.path.join(spec.train.out, "last.pt"))


def run_one(spec: RunSpec, split, device: str, progress: bool, dist=None) -> RowResult:
    """Train (or resume) one run and test it; a finished folder is read back, never retrained.

    Under ``torchrun`` (``dist`` from :func:`locbench.training.distributed.init_distributed`) rank 0
    alone reads and writes the folder and tests the checkpoint; every rank trains (DDP) and returns
    rank 0's result.
    """
    from annotations.recognition import write_class_scores
    from locbench.training import distributed as D
    from locbench.training.train import train

    main = dist is None or dist.is_main
    if main:
        os.makedirs(spec.folder, exist_ok=True)
    state, payload = D.broadcast_object(_row_state(spec) if main else None)
    if state == "error":
        raise InputError(payload[0], None, payload[1])
    if state == "done":
        return payload
    cfg = dataclasses.replace(spec.train, resume=payload, device=device, progress=progress)
    train(cfg)
    res = None
    if main:
        use = "best.pt" if cfg.holdout else "last.pt"
        selected = "best epoch on held-out validation videos" if cfg.holdout else "last epoch"
        ckpt_path = os.path.join(spec.train.out, use)
        dev = str(dist.device) if dist is not None else ("cuda" if device in ("auto", "cuda") and _cuda() else "cpu")
        top1, names, scores = accuracy_on_test(ckpt_path, split, dev, max(1, cfg.batch_size), cfg.augment)
        write_class_scores(os.path.join(spec.folder, "scores.csv"), names, split.classes, scores)
        res = RowResult(spec.dataset, spec.backbone, spec.row, spec.seed, float(top1), len(names), ckpt_path, selected)
        atomic_write_text(os.path.join(spec.folder, "result.json"),
                          json.dumps({**dataclasses.asdict(res), "train_config": _fingerprint(spec.train)}, indent=1)
                          + "\n")
    return D.broadcast_object(res)


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def tables(results: list[RowResult], rows, backbones, datasets, seeds, notes=()) -> dict:
    """Table 1 (rows x datasets) per backbone and, with several backbones, Table 6 (backbones x with/without)."""
    from evaluators.stats import mean_std  # the statistic `aggregate` uses
    from locbench.evaluation.classification import ResultTable

    def cell(ds, bb, row):
        v = [r.top1 for r in results if (r.dataset, r.backbone, r.row) == (ds, bb, row)]
        if not v:
            return None
        return mean_std(v) if len(v) > 1 else v[0]

    seed_note = (f"mean ± std (ddof 1) over seeds {','.join(map(str, seeds))}" if len(seeds) > 1
                 else f"seed {seeds[0]}")
    out = {}
    for bb in backbones:
        t_rows = tuple((ROWS[r][0], tuple(cell(ds, bb, r) for ds in datasets)) for r in rows)
        out[f"table1_{bb}"] = ResultTable(f"Ablation (Table 1 layout), {bb}, test top-1", tuple(datasets), t_rows,
                                          (seed_note, "tested with the last epoch, or the epoch best on held-out "
                                                      "training groups; never selected on the test list", *notes,
                                           paper_note(rows)))
    if len(backbones) > 1 and {"baseline", "full"} <= set(rows):
        cols = tuple(f"{ds} {w}" for ds in datasets for w in ("w/o attention", "with attention"))
        t_rows = tuple((bb, tuple(cell(ds, bb, r) for ds in datasets for r in ("baseline", "full"))) for bb in backbones)
        out["table6"] = ResultTable("Base networks (Table 6 layout), test top-1", cols, t_rows,
                                    (seed_note, *notes, paper_note(rows, table6=True)), first_column="Base network")
    return out


def paper_note(rows, table6: bool = False) -> str:
    """The paper's numbers for these rows, as a note under the table (for reference: comparable only on the
    real datasets with the paper's recipe, docs/recognition.md).

    >>> paper_note(("baseline", "full"))[:70]
    'paper Table 1 (ResNet-101, mean of 3 splits, HMDB51 / UCF101 top-1 %):'
    """
    if table6:
        cells = "; ".join(f"{bb} {wo} / {w}" for bb, (wo, w) in PAPER_TABLE6.items())
        return (f"paper Table 6 (HMDB51 top-1 %, without / with attention): {cells}; for reference, comparable only "
                "on the real data with the paper's recipe")
    cells = "; ".join(f"{ROWS[r][0]} {PAPER_TABLE1[r][0]:.2f} / {PAPER_TABLE1[r][1]:.2f}" for r in rows)
    return (f"paper Table 1 (ResNet-101, mean of 3 splits, HMDB51 / UCF101 top-1 %): {cells}; for reference, "
            "comparable only on the real data with the paper's recipe")


def _check_last_batch(splits: dict, base, backbones) -> None:
    """InputError where training would end an epoch on one clip whose feature map is 1x1 (a ResNet under
    64 px): BatchNorm cannot train on a single value per channel and would stop the run with a traceback."""
    from locbench.model.registry import BACKBONES

    size = base.input_size
    tiny = [bb for bb in backbones if bb in BACKBONES and size is not None and size // BACKBONES[bb].stride < 2]
    if not tiny:
        return
    world = max(1, int(os.environ.get("WORLD_SIZE", "1")))
    bs = max(1, base.batch_size or 1)
    for name, sp in splits.items():
        per_rank = -(-len(sp.train) // world)
        if base.holdout or per_rank % bs == 1:
            bb, stride = tiny[0], BACKBONES[tiny[0]].stride
            raise InputError(None, "input_size", f"{size} px gives {bb} a 1x1 feature map (stride {stride}) and "
                                                 f"{name}'s training batches may end on one clip, which BatchNorm "
                                                 f"cannot train on; use input_size={2 * stride} or more")


def run_ablation(data: list[str], out: str, base, backbones=("small",), rows=None, seeds=(0,), official_split: int = 1,
                 weights: dict | None = None, device: str = "auto", progress: bool = True, log=print) -> tuple:
    """Run every row (skipping finished ones) and return (results, tables)."""
    rows = parse_rows(rows) if not isinstance(rows, tuple) else rows
    if not rows:
        raise InputError(None, "rows", f"no row given; choose from {', '.join(ROWS)}")
    if not backbones:
        raise InputError(None, "backbones", "no backbone given")
    if not seeds:
        raise InputError(None, "seeds", "no seed given")
    if len(set(seeds)) != len(seeds):  # a repeated seed reads one run twice: a spread of 0 that means nothing
        raise InputError(None, "seeds", f"seed {next(k for k in seeds if list(seeds).count(k) > 1)} is given twice; "
                                        "give distinct seeds")
    if any(int(k) < 0 for k in seeds):
        raise InputError(None, "seeds", f"seeds are non-negative integers, got {min(seeds)}")
    unused = sorted(set(weights or {}) - set(backbones))
    if unused:
        raise InputError(None, "weights", f"weights given for {unused[0]!r}, which is not among the backbones "
                                          f"({', '.join(backbones)}); they would be ignored")
    for bb, path in sorted((weights or {}).items()):
        if not os.path.isfile(path):  # before any row trains, not when the row that needs it starts
            raise InputError(path, None, f"{bb} weights file does not exist")
    check_ablation_out(out)
    splits = {os.path.basename(os.path.normpath(d)): _test_split(d, official_split) for d in data}
    if len(splits) != len(data):
        raise InputError(None, "data", "two dataset roots with the same folder name")
    _check_last_batch(splits, base, backbones)
    data_notes = tuple(f"{name}: {n}" for name, sp in splits.items() for n in sp.notes)  # e.g. videos skipped
    base = dataclasses.replace(base, official_split=official_split)
    specs = plan_runs(data, out, base, backbones, rows, seeds, weights)
    from locbench.training import distributed as D

    dist = D.init_distributed(device)  # once for every row, so train() neither creates nor ends the group
    try:
        results = []
        for i, spec in enumerate(specs, 1):
            finished = os.path.isfile(os.path.join(spec.folder, "result.json"))
            res = run_one(spec, splits[spec.dataset], device, progress, dist)
            results.append(res)
            if dist.is_main:
                log(f"[{i}/{len(specs)}] {spec.dataset} {spec.backbone} {spec.row} seed {spec.seed}: top-1 "
                    f"{100 * res.top1:.2f}{' (finished earlier, not retrained)' if finished else ''}")
    finally:
        D.cleanup(dist)
    if dist.is_main:
        for n in data_notes:
            log(f"warning: {n}")
    return results, tables(results, rows, list(backbones), list(splits), list(seeds), data_notes)


__all__ = ["ROWS", "PAPER_TABLE1", "PAPER_TABLE6", "CPU_PRESET", "RowResult", "parse_rows", "plan_runs",
           "run_one", "run_ablation", "check_ablation_out", "tables", "paper_note", "accuracy_on_test"]
