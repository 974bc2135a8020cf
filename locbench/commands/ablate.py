"""The paper's ablation rows (Table 1) and base networks (Table 6) from one configuration.

Examples:
  locbench synth --out bench --kind hmdb51
  locbench ablate --data bench/hmdb51 --preset cpu --seeds 0,1,2 --out abl/
  locbench ablate --data HMDB51/ UCF101/ --backbones resnet101 --backbone-weights resnet101=r101.pth \
      --finetune-backbone --augment --seeds 0,1,2 --out table1/                       # Table 1 (GPU)
  locbench ablate --data HMDB51/ --backbones resnet50,resnet101,resnet152 --rows baseline,full ...  # Table 6

One folder per (dataset, backbone, row, seed) under --out; a finished row is never retrained (run the
same command again to resume). Under torchrun every row trains with DDP on all processes; rank 0 alone
tests, writes and prints:
  torchrun --nproc_per_node 4 -m locbench ablate --data HMDB51/ --backbones resnet101 ... --out table1/

Rows are tested with their last epoch, or with --holdout F the epoch best on training groups held
out for validation; the test list never selects anything. Test clips: the centre frames of n equal
parts, and with --augment the centre crop. <out>/<dataset>/<backbone>/<row>/seed<k>/ holds run/,
scores.csv and result.json; <out> the tables (table1_<backbone>, with several backbones table6) and
metrics.json.
"""
from __future__ import annotations

import sys

from locbench.model.registry import backbone_names

NAME = "ablate"
HELP = "train and test the paper's ablation rows and base networks (Tables 1 and 6), mean ± std over seeds"


def _ints(text: str) -> tuple[int, ...]:
    import argparse
    try:
        v = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not v:
        raise argparse.ArgumentTypeError("no value")
    return v


def add_arguments(p) -> None:
    """The ablate flags: data, rows, training overrides of the preset, run."""
    g = p.add_argument_group("data")
    g.add_argument("--data", nargs="+", required=True, metavar="DIR",
                   help="recognition dataset roots (HMDB51, UCF101, Moments in Time layouts): the table's columns")
    g.add_argument("--official-split", type=int, choices=(1, 2, 3), default=1, help="split to train and test (default 1)")
    g.add_argument("--holdout", type=float, default=0.0, metavar="F",
                   help="validate on a fraction F of the training groups and test the best validation epoch "
                        "(default 0: test the last epoch)")
    r = p.add_argument_group("rows")
    r.add_argument("--rows", help="comma-separated subset of: baseline, no-spatial, no-temporal, no-tv, no-contrast, "
                                  "no-unimodal, full (default all, in Table 1 order)")
    r.add_argument("--backbones", default=None, metavar="NAMES",
                   help=f"base networks, comma-separated, from {', '.join(backbone_names())} (default: the preset's); "
                        "several give Table 6")
    r.add_argument("--backbone-weights", nargs="+", default=[], metavar="NAME=PATH",
                   help="torchvision state dict per ResNet, e.g. resnet101=r101.pth (fc tensors ignored)")
    r.add_argument("--seeds", type=_ints, default=(0,), help="seeds, e.g. 0,1,2 (default 0)")
    m = p.add_argument_group("training (as locbench train)")
    m.add_argument("--preset", choices=("paper", "cpu"), default="paper",
                   help="paper: ResNet-50, T = n = 25, 224 px, widths 1024,512, hidden 512 (Table 5), train's other defaults; "
                        "cpu: the small backbone at 64 px, 8 frames, 32 channels, hidden 32, widths 32,16, attention "
                        "dim 16, 12 epochs, batch 8, lr 1e-3, mask bias -0.5 (minutes on 2 cores)")
    for flag, typ, dest in (("--epochs", int, "epochs"), ("--batch-size", int, "batch_size"), ("--lr", float, "lr"),
                            ("--frames", int, "num_frames"), ("--steps", int, "num_steps"),
                            ("--hidden", int, "hidden_channels"), ("--attention-dim", int, "attention_dim"),
                            ("--feature-channels", int, "feature_channels"), ("--input-size", int, "input_size"),
                            ("--lambda-tv", float, "lambda_tv"), ("--lambda-contrast", float, "lambda_contrast"),
                            ("--lambda-unimodal", float, "lambda_unimodal"), ("--mask-bias-init", float, "mask_bias_init"),
                            ("--backbone-lr", float, "backbone_lr"), ("--workers", int, "workers")):
        m.add_argument(flag, type=typ, dest=dest, help="overrides the preset (see locbench train)")
    m.add_argument("--spatial-widths", type=_ints, dest="spatial_widths", help="mask conv widths, e.g. 1024,512")
    m.add_argument("--finetune-backbone", action="store_true", help="fine-tune the ResNet (the paper)")
    m.add_argument("--augment", action="store_true", help="He et al. preprocessing (see locbench train)")
    o = p.add_argument_group("run")
    o.add_argument("--out", required=True, metavar="DIR", help="one folder per row; tables and metrics.json here")
    o.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    o.add_argument("--format", choices=("md", "csv", "json", "latex"), default="md", help="table printed (default md)")
    o.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")


def _check_overrides(args) -> None:
    """InputError for an override train would read as "not given" (0 frames -> the default 8) or reject late."""
    from annotations.errors import InputError

    for flag, dest, low in (("--epochs", "epochs", 1), ("--batch-size", "batch_size", 1), ("--frames", "num_frames", 1),
                            ("--steps", "num_steps", 1), ("--hidden", "hidden_channels", 1),
                            ("--attention-dim", "attention_dim", 1), ("--feature-channels", "feature_channels", 1),
                            ("--input-size", "input_size", 1), ("--workers", "workers", 0), ("--lr", "lr", 0.0),
                            ("--backbone-lr", "backbone_lr", 0.0), ("--lambda-tv", "lambda_tv", 0.0),
                            ("--lambda-contrast", "lambda_contrast", 0.0), ("--lambda-unimodal", "lambda_unimodal", 0.0)):
        v = getattr(args, dest, None)
        if v is not None and (v < low or (flag in ("--lr", "--backbone-lr") and v <= 0) or v != v):
            raise InputError(None, flag, f"must be {'positive' if flag.endswith('lr') else f'at least {low}'}, got {v}")
    if args.spatial_widths is not None and min(args.spatial_widths) < 1:
        raise InputError(None, "--spatial-widths", f"widths must be at least 1, got {args.spatial_widths}")


def run(args) -> int:
    """Plan and run (or resume) every row, then write and print the tables."""
    import dataclasses
    import os

    from annotations.errors import InputError
    from locbench.evaluation.classification import render, write_results
    from locbench.training.ablate import CPU_PRESET, parse_rows, run_ablation
    from locbench.training.train import TrainConfig

    _check_overrides(args)
    preset = dict(CPU_PRESET) if args.preset == "cpu" else dict(backbone="resnet50")
    for k in ("epochs", "batch_size", "lr", "num_frames", "num_steps", "hidden_channels", "attention_dim",
              "feature_channels", "input_size", "lambda_tv", "lambda_contrast", "lambda_unimodal", "mask_bias_init",
              "backbone_lr", "workers", "spatial_widths"):
        if getattr(args, k) is not None:
            preset[k] = getattr(args, k)
    backbones = tuple(b.strip() for b in (args.backbones or preset.pop("backbone")).split(",") if b.strip())
    preset.pop("backbone", None)
    bad = [b for b in backbones if b not in backbone_names()]
    if bad:
        raise InputError(None, "--backbones", f"unknown backbone {bad[0]!r}; choose from {', '.join(backbone_names())}")
    weights = {}
    for item in args.backbone_weights:
        name, sep, path = item.partition("=")
        if not sep or name not in backbone_names():
            raise InputError(None, "--backbone-weights", f"expected NAME=PATH with NAME a backbone, got {item!r}")
        weights[name] = path
    unused = sorted(set(weights) - set(backbones))
    if unused:
        raise InputError(None, "--backbone-weights", f"weights for {unused[0]} but it is not among the backbones run "
                                                     f"({', '.join(backbones)}); add it to --backbones or drop them")
    base = TrainConfig(data="", holdout=args.holdout, finetune_backbone=args.finetune_backbone, augment=args.augment,
                       **preset)
    results, tables = run_ablation(args.data, args.out, base, backbones, parse_rows(args.rows), args.seeds,
                                   args.official_split, weights, args.device, args.progress,
                                   log=lambda m: print(m, file=sys.stderr, flush=True))
    if os.environ.get("RANK", "0") != "0":  # under torchrun rank 0 alone writes and prints
        return 0
    metrics = {"task": "ablation", "rows": [dataclasses.asdict(r) for r in results],
               "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(base).items()},
               "seeds": list(args.seeds), "std_ddof": 1,
               "notes": list(dict.fromkeys(n for t in tables.values() for n in t.notes))}
    written = write_results(args.out, metrics, tables)
    print(f"wrote {len(written)} files to {os.path.abspath(args.out)}", file=sys.stderr)
    for t in tables.values():
        sys.stdout.write(render(t, args.format) + "\n")
    return 0
