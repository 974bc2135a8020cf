"""Arguments shared by the verbs: one spelling and one meaning per flag (see ``docs/architecture.md``).

Vocabulary: ``--out`` is always what a verb writes; ``--videos`` always a folder of videos; ``--split``
always a list of videos (a text file, one name per line); ``--data`` always a dataset root;
``--unknown-videos`` is on every eval verb. Old spellings stay as hidden aliases that print a
deprecation note (:func:`add_deprecated_alias`).
"""
from __future__ import annotations

import argparse
import sys

from locbench.evaluation.tables import FORMATS

UNKNOWN_VIDEOS_HELP = ("detections in videos outside the evaluated ground truth: stop with an error, count them "
                       "as false positives (what the official tools do), or drop them")


class _DeprecatedAlias(argparse.Action):
    """Stores like the new flag, and says once on stderr that the old spelling is deprecated."""

    def __init__(self, option_strings, dest, new_flag: str = "", **kw):
        self.new_flag = new_flag
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"note: {option_string} is deprecated; use {self.new_flag}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_deprecated_alias(p: argparse.ArgumentParser, old: str, new: str, dest: str, **kw) -> None:
    """Accept ``old`` as a hidden spelling of ``new`` (same ``dest``), with a deprecation note."""
    p.add_argument(old, dest=dest, action=_DeprecatedAlias, new_flag=new, help=argparse.SUPPRESS, **kw)


def add_unknown_videos_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unknown-videos", choices=("error", "fp", "drop"), default="error", help=UNKNOWN_VIDEOS_HELP)


def add_name_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", metavar="A,B,...",
                   help="method names in the table, comma-separated, one per input in the order --detections, "
                        "--attention, --checkpoint (default: the file or model name)")


class ThresholdGrid(float):
    """A localization threshold that may carry a grid to sweep: the float is the headline threshold."""

    grid: tuple[float, ...] = ()


def parse_threshold_grid(text: str) -> ThresholdGrid:
    """``--mask-threshold`` / ``--weight-threshold``: ``0.5``, a list ``0.3,0.5,0.7`` or a range
    ``0.1:0.9:0.05`` (inclusive), or both comma-separated. The headline is the first single value
    given, else 0.5; the grid (always holding the headline) is swept when it has several values.

    >>> t = parse_threshold_grid("0.1:0.3:0.1"); float(t), t.grid
    (0.5, (0.1, 0.2, 0.3, 0.5))
    """
    import numpy as np
    values, singles = [], []
    for item in (s.strip() for s in str(text).split(",") if s.strip()):
        try:
            parts = [float(x) for x in item.split(":")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, a list a,b,c or a range start:stop:step, "
                                             f"got {item!r}") from None
        if len(parts) == 1:
            singles.append(parts[0])
            values.append(parts[0])
        elif len(parts) == 3 and parts[2] > 0 and parts[1] >= parts[0]:
            n = int(np.floor((parts[1] - parts[0]) / parts[2] + 1e-9))
            values += [round(parts[0] + i * parts[2], 10) for i in range(n + 1)]
        else:
            raise argparse.ArgumentTypeError(f"a range is start:stop:step with stop >= start and step > 0, got {item!r}")
    if not values or any(not 0.0 <= v < 1.0 for v in values):
        raise argparse.ArgumentTypeError(f"thresholds must lie in [0, 1), got {text!r}")
    headline = singles[0] if singles else 0.5
    out = ThresholdGrid(headline)
    out.grid = tuple(sorted(set(values) | {headline}))
    return out


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output")
    g.add_argument("--out", metavar="DIR", help="write metrics.json and the tables in every format here "
                                                "(refused if it holds another run's files)")
    g.add_argument("--overwrite", action="store_true",
                   help="replace the files a previous run wrote in --out (only those; with --checkpoint also "
                        "redo <out>/attention)")
    g.add_argument("--format", choices=FORMATS, default="md", help="table format printed to stdout")
    g.add_argument("--per-class", action="store_true", help="also print the per-class AP table")
    g.add_argument("--report", metavar="DIR",
                   help="also write DIR/report.html: every table, figure and analysis and a per-video browser of "
                        "the evaluated detections, one self-contained file (without --plots the figures are "
                        "drawn into DIR/figures)")


def add_plugin_arguments(p: argparse.ArgumentParser, task: str) -> None:
    """Each registered plugin of ``task`` adds its own flags (``plugin.add_arguments(parser, task)``)."""
    from locbench.evaluation.plugins import add_plugin_arguments as add
    add(p, task)


def add_model_arguments(p: argparse.ArgumentParser, kind: str) -> None:
    """--checkpoint/--videos (run the model) or --attention (attention files of any model)."""
    g = p.add_argument_group("model input (with or instead of --detections)")
    g.add_argument("--checkpoint", metavar="PT", help="trained checkpoint: run predict on --videos first")
    g.add_argument("--videos", metavar="DIR", help="folder of videos (for --checkpoint, and real frames in --plots)")
    g.add_argument("--attention", nargs="+", metavar="DIR",
                   help="folders of attention files (.npz, docs/formats.md) from any model, one method each")
    g.add_argument("--labels", choices=("top1", "topk", "gt"), default="top1",
                   help="label of each box/segment: classifier top-1, top-k, or the ground truth")
    g.add_argument("--topk", type=int, default=2, metavar="K", help="K for --labels topk")
    if kind == "spatial":
        g.add_argument("--mask-threshold", type=parse_threshold_grid, default=parse_threshold_grid("0.5"),
                       help="mask threshold (strict >); a grid (0.1:0.9:0.05 or 0.3,0.5,0.7) is swept")
        g.add_argument("--score", choices=("cls*mask", "cls", "mask"), default="cls*mask",
                       help="box score: cls*mask = P(label) x mean mask inside the box")
        g.add_argument("--mask-normalize", choices=("none", "minmax", "sigmoid"), default="none",
                       help="map masks to [0, 1] first: none (require [0, 1]), minmax (per frame), sigmoid")
    else:
        g.add_argument("--weight-threshold", type=parse_threshold_grid, default=parse_threshold_grid("0.5"),
                       help="threshold on min-max normalised temporal weights (strict >); a grid "
                            "(0.1:0.9:0.05 or 0.3,0.5,0.7) is swept")
        g.add_argument("--score", choices=("cls*attn", "cls", "attn"), default="cls*attn",
                       help="segment score: cls*attn = P(label) x mean normalised weight inside")
        g.add_argument("--segment-rule", choices=("paper", "multi-threshold-nms", "outer-inner"), default="paper",
                       help="segment generation (docs/localization.md)")
    g.add_argument("--no-baselines", action="store_true", help="do not add the trivial baselines to the table")
    g.add_argument("--plots", metavar="DIR", help="also draw the attention / failure figures here")
    g.add_argument("--device", default="auto", help="for --checkpoint: auto, cpu or cuda")
    g.add_argument("--batch-size", type=int, default=8, help="for --checkpoint: clips per forward pass")


def run_evaluation(cls, args) -> int:
    """Every eval verb's ``run``: build the task's evaluation from the arguments, run it, write the
    files, then print the notes and tables."""
    report = cls.from_args(args).run()
    report.emit(args.format, args.per_class)
    return 0
