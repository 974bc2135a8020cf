"""Draw where and when a model looked, and where it failed, from its attention files:
attention strips (paper Fig. 4), box galleries with ground truth in blue and predictions in red,
worst frames first and IoU = 0 grouped apart (Figs. 8/9), weight timelines with ground-truth
segments shaded (Fig. 10), and precision-recall curves. PNG files.

The figures come from the same evaluation path as eval-spatial / eval-temporal (same localization
rules, same scored boxes and segments); detections in videos outside the ground truth are dropped.
"""
from __future__ import annotations

import sys

NAME = "plot-failures"
HELP = "attention strips, failure galleries, timelines and PR curves (PNG) from attention files"


def add_arguments(p):
    p.add_argument("--attention", required=True, metavar="DIR", help="folder of attention files (.npz)")
    p.add_argument("--gt", required=True, metavar="GT",
                   help="spatial GT (pyannot.pkl, .mat, COCO) or temporal GT (per-class txt dir, JSON)")
    p.add_argument("--split", metavar="TXT", help="spatial: list of videos to evaluate (e.g. testlist01.txt)")
    p.add_argument("--subset", default="test", help="temporal: ground-truth subset")
    p.add_argument("--class-index", metavar="TXT", help="temporal: class ids and names of a THUMOS-format "
                                                        "ground-truth folder (default: the official ones)")
    p.add_argument("--kind", choices=("auto", "spatial", "temporal"), default="auto",
                   help="which figures (auto: from the ground truth's format)")
    p.add_argument("--videos", metavar="DIR", help="folder of videos, to draw real frames (grey canvases otherwise)")
    p.add_argument("--out", required=True, metavar="DIR", help="write the PNG files here")
    p.add_argument("--labels", choices=("top1", "topk", "gt"), default="top1",
                   help="label of each box/segment: classifier top-1, top-k, or the ground truth")
    p.add_argument("--topk", type=int, default=2, metavar="K", help="K for --labels topk")
    p.add_argument("--mask-threshold", type=float, default=0.5, help="spatial: mask threshold (strict >)")
    p.add_argument("--weight-threshold", type=float, default=0.5,
                   help="temporal: threshold on min-max normalised weights (strict >)")
    p.add_argument("--score", default=None,
                   help="box / segment score (cls*mask|cls|mask, cls*attn|cls|attn; default cls*mask or cls*attn)")
    p.add_argument("--iou", default=None,
                   help="thresholds of the PR curves (default: 0.05,0.1,0.2,0.3 spatial; 0.1,0.2,0.3,0.4,0.5 temporal)")


def _kind(path: str) -> str:
    """Temporal for a temporal format of the registry (txt folder, ActivityNet JSON, THUMOS'14 CSV)."""
    from annotations import formats
    from annotations.errors import require_file
    import os
    if not os.path.isdir(path):
        require_file(path, "ground truth")
    return "temporal" if formats.sniff("temporal", "gt", path) is not None else "spatial"


def run(args) -> int:
    from locbench.evaluation.methods import parse_thresholds
    from locbench.evaluation.tasks import SpatialEvaluation, TemporalEvaluation

    kind = _kind(args.gt) if args.kind == "auto" else args.kind
    common = dict(attention=[args.attention], videos=args.videos, unknown_videos="drop", labels=args.labels,
                  topk=args.topk, baselines=False, plots_dir=args.out)
    if kind == "spatial":
        ious = parse_thresholds(args.iou or "0.05,0.1,0.2,0.3", "--iou")
        evaluation = SpatialEvaluation(args.gt, split=args.split, thresholds=ious, threshold=args.mask_threshold,
                                       score=args.score, **common)
    else:
        tious = parse_thresholds(args.iou or "0.1,0.2,0.3,0.4,0.5", "--iou")
        evaluation = TemporalEvaluation(args.gt, subset=args.subset, class_index=args.class_index, thresholds=tious,
                                        threshold=args.weight_threshold, score=args.score, **common)
    written = evaluation.run().figures
    for path in written:
        print(path)
    print(f"{len(written)} figures in {args.out}", file=sys.stderr)
    return 0
