"""Draw where and when a model looked, and where it failed, from its attention files:
attention strips (paper Fig. 4), box galleries with ground truth in blue and predictions in red,
worst frames first and IoU = 0 grouped apart (Figs. 8/9), weight timelines with ground-truth
segments shaded (Fig. 10), and precision-recall curves. PNG files.
"""
from __future__ import annotations

import sys

NAME = "plot-failures"
HELP = "attention strips, failure galleries, timelines and PR curves (PNG) from attention files"


def add_arguments(p):
    p.add_argument("--attention", required=True, metavar="DIR", help="attention files (.npz)")
    p.add_argument("--gt", required=True, metavar="GT",
                   help="spatial GT (pyannot.pkl, .mat, COCO) or temporal GT (per-class txt dir, JSON)")
    p.add_argument("--split", metavar="TXT", help="spatial: video list (e.g. testlist01.txt)")
    p.add_argument("--subset", default="test", help="temporal: ground-truth subset (default test)")
    p.add_argument("--class-index", metavar="TXT", help="temporal: class ids and names of a THUMOS-format "
                                                        "ground-truth folder (default: the official ones)")
    p.add_argument("--kind", choices=("auto", "spatial", "temporal"), default="auto",
                   help="which figures (default: from the ground truth's format)")
    p.add_argument("--videos", metavar="DIR", help="video root, to draw real frames (grey canvases otherwise)")
    p.add_argument("--out", required=True, metavar="DIR", help="where the PNG files go")
    p.add_argument("--mask-threshold", type=float, default=0.5)
    p.add_argument("--weight-threshold", type=float, default=0.5)
    p.add_argument("--iou", default=None, help="thresholds of the PR curves (default: the paper's)")


def _kind(path: str) -> str:
    """Temporal for a per-class txt folder, ActivityNet JSON or the THUMOS'14 CSV; spatial otherwise."""
    import os
    from annotations.errors import require_file
    if os.path.isdir(path):
        return "temporal"
    with open(require_file(path, "ground truth"), "rb") as f:
        head = f.read(1 << 16)
    return "temporal" if b'"database"' in head or b"video-duration" in head else "spatial"


def run(args) -> int:
    from locbench.evaluation import methods as ev
    from locbench.inference.attention import load_attention_dir
    from locbench.evaluation import plots

    records = load_attention_dir(args.attention)
    kind = _kind(args.gt) if args.kind == "auto" else args.kind
    if kind == "spatial":
        from annotations.spatial_io import load_spatial_gt
        from evaluators.frame_ap import frame_ap
        from locbench.commands.eval_spatial import restrict_to_frames
        from locbench.localization.localize import boxes_from_attention
        dataset = load_spatial_gt(args.gt, split=args.split)
        videos = dataset.test_videos or tuple(dataset.videos)
        gt = restrict_to_frames(dataset.frame_boxes(videos), {r.video: r.frame_idx for r in records})
        dets = boxes_from_attention(records, threshold=args.mask_threshold)
        ious = ev.parse_thresholds(args.iou or "0.05,0.1,0.2,0.3", "--iou")
        ap = frame_ap(gt, dets, ious, unknown_videos="drop", return_curves=True)
        written = plots.spatial_figures(records, gt, dets, args.out, videos_root=args.videos,
                                        threshold=args.mask_threshold, ap_result=ap)
    else:
        from annotations.temporal_io import load_temporal_gt
        from evaluators.temporal import temporal_map
        from locbench.localization.localize import segments_from_attention
        gt = load_temporal_gt(args.gt, subset=args.subset, class_index=args.class_index)
        dets = segments_from_attention(records, threshold=args.weight_threshold)
        tious = ev.parse_thresholds(args.iou or "0.1,0.2,0.3,0.4,0.5", "--iou")
        ap = temporal_map(gt, dets, tious, unknown_videos="drop", return_curves=True)
        written = plots.temporal_figures(records, gt, dets, args.out, threshold=args.weight_threshold, ap_result=ap)
    for path in written:
        print(path)
    print(f"{len(written)} figures in {args.out}", file=sys.stderr)
    return 0
