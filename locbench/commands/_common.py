"""Arguments and steps shared by the evaluation verbs."""
from __future__ import annotations

import argparse
import os
import sys

from annotations.errors import InputError
from locbench.evaluation.tables import FORMATS, render


def parse_protocols(text: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """``"voc,act"`` → ("voc", "act"); an unknown name is an InputError on --protocol."""
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    bad = [n for n in names if n not in allowed]
    if not names or bad:
        raise InputError(None, "--protocol", f"unknown protocol {bad[0] if bad else text!r}; "
                                             f"choose from {', '.join(allowed)}")
    return names


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output")
    g.add_argument("--out", metavar="DIR", help="write metrics.json and the tables in every format here")
    g.add_argument("--format", choices=FORMATS, default="md", help="table format printed to stdout (default md)")
    g.add_argument("--per-class", action="store_true", help="also print the per-class AP table")


def add_model_arguments(p: argparse.ArgumentParser, kind: str) -> None:
    """--checkpoint/--videos (run the model) or --attention (attention files of any model)."""
    g = p.add_argument_group("model input (instead of --detections)")
    g.add_argument("--checkpoint", metavar="PT", help="trained checkpoint: run predict on --videos first")
    g.add_argument("--videos", metavar="DIR", help="video root for --checkpoint")
    g.add_argument("--attention", metavar="DIR", help="attention files (.npz, docs/formats.md) from any model")
    g.add_argument("--labels", choices=("top1", "topk", "gt"), default="top1",
                   help="label of each box/segment: classifier top-1 (default), top-k, or the ground truth")
    g.add_argument("--topk", type=int, default=2, metavar="K", help="K for --labels topk (default 2)")
    if kind == "spatial":
        g.add_argument("--mask-threshold", type=float, default=0.5, help="mask threshold (default 0.5, strict >)")
        g.add_argument("--score", choices=("cls*mask", "cls", "mask"), default="cls*mask",
                       help="box score (default cls*mask: P(label) x mean mask inside the box)")
        g.add_argument("--mask-normalize", choices=("none", "minmax", "sigmoid"), default="none",
                       help="map masks to [0, 1] first: none (default: require [0, 1]), minmax (per frame), sigmoid")
    else:
        g.add_argument("--weight-threshold", type=float, default=0.5,
                       help="threshold on min-max normalised temporal weights (default 0.5, strict >)")
        g.add_argument("--score", choices=("cls*attn", "cls", "attn"), default="cls*attn",
                       help="segment score (default cls*attn: P(label) x mean normalised weight inside)")
        g.add_argument("--segment-rule", choices=("paper", "multi-threshold-nms", "outer-inner"), default="paper",
                       help="segment generation (default paper; docs/localization.md)")
    g.add_argument("--no-baselines", action="store_true", help="do not add the trivial baselines to the table")
    g.add_argument("--plots", metavar="DIR", help="also draw the attention / failure figures here")
    g.add_argument("--device", default="auto", help="for --checkpoint: auto, cpu or cuda")
    g.add_argument("--batch-size", type=int, default=8, help="for --checkpoint: clips per forward pass")
    g.add_argument("--overwrite", action="store_true",
                   help="for --checkpoint: redo <out>/attention even if it holds another model's files")


def model_input_mode(args, detections_attr: str = "detections") -> str:
    """Which input the user gave: 'detections', 'checkpoint' or 'attention' (exactly one)."""
    given = [name for name in (detections_attr, "checkpoint", "attention") if getattr(args, name, None)]
    if len(given) != 1:
        raise InputError(None, "arguments", "give exactly one of --detections, --checkpoint (with --videos) "
                                            f"or --attention (got {', '.join('--' + g for g in given) or 'none'})")
    if given[0] == "checkpoint" and not args.videos:
        raise InputError(None, "arguments", "--checkpoint needs --videos DIR")
    return given[0]


def load_model_records(args, kind: str, videos=None):
    """Attention records from --attention, or from running predict with --checkpoint on --videos
    (only the evaluated ``videos`` when given)."""
    from locbench.inference.attention import load_attention_dir
    if args.attention:
        return load_attention_dir(args.attention), args.attention
    from locbench.inference.predict import predict_videos
    out = os.path.join(args.out or ".", "attention")
    predict_videos(args.checkpoint, args.videos, out, device=args.device, batch_size=args.batch_size,
                   untrimmed=(kind == "temporal"), overwrite=args.overwrite,
                   names=None if videos is None else list(videos))
    return load_attention_dir(out), out


def emit(args, tables: dict, metrics: dict) -> None:
    """Print the main (and per-class) tables; write everything under --out."""
    from locbench.evaluation.outputs import write_outputs
    for name, table in tables.items():
        if not name.startswith("per_class") or args.per_class:
            sys.stdout.write(render(table, args.format) + "\n")
    if args.out:
        written = write_outputs(args.out, metrics, tables)
        print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
