"""Turn attention files (from `locbench predict` or any model, docs/formats.md) into detections:
per-frame boxes (CSV `video,frame,label,score,x1,y1,x2,y2`) and/or temporal segments (THUMOS txt
`video t_start t_end class_id score`, or ActivityNet result JSON when the name ends in .json),
with the paper's thresholding rules (docs/localization.md).
"""
from __future__ import annotations

import sys

NAME = "localize"
HELP = "attention files -> boxes (CSV) and/or segments (THUMOS txt / ActivityNet JSON)"


def add_arguments(p):
    p.add_argument("--attention", required=True, metavar="DIR", help="attention files (.npz)")
    p.add_argument("--boxes", metavar="CSV", help="write per-frame boxes here")
    p.add_argument("--segments", metavar="FILE", help="write segments here (.txt THUMOS format, .json ActivityNet)")
    p.add_argument("--labels", choices=("top1", "topk", "gt"), default="top1",
                   help="label of each box/segment: classifier top-1 (default), top-k, or the ground truth")
    p.add_argument("--topk", type=int, default=2, metavar="K")
    p.add_argument("--gt", metavar="GT", help="ground truth, for --labels gt (spatial GT for --boxes, temporal for --segments)")
    p.add_argument("--mask-threshold", type=float, default=0.5)
    p.add_argument("--weight-threshold", type=float, default=0.5)
    p.add_argument("--box-score", choices=("cls*mask", "cls", "mask"), default="cls*mask")
    p.add_argument("--segment-score", choices=("cls*attn", "cls", "attn"), default="cls*attn")
    p.add_argument("--class-index", metavar="TXT", help="class ids of THUMOS-format files: txt output, ground-truth folder (default: official ids)")


def run(args) -> int:
    from annotations.errors import InputError
    from locbench.evaluation import methods as ev
    from locbench.inference.attention import load_attention_dir
    from locbench.localization.localize import boxes_from_attention, segments_from_attention

    if not args.boxes and not args.segments:
        raise InputError(None, "arguments", "nothing to write: give --boxes CSV and/or --segments FILE")
    if args.labels == "gt" and not args.gt:
        raise InputError(None, "arguments", "--labels gt needs --gt")
    records = load_attention_dir(args.attention)
    if args.boxes:
        from annotations.boxes_io import write_boxes_csv
        gt_labels = None
        if args.labels == "gt":
            from annotations.spatial_io import load_spatial_gt
            dataset = load_spatial_gt(args.gt)
            gt_labels = ev.video_labels_from_tubes(dataset, tuple(dataset.videos))
        boxes = boxes_from_attention(records, args.mask_threshold, args.labels, args.topk, args.box_score, gt_labels)
        write_boxes_csv(args.boxes, boxes)
        print(f"{len(boxes)} boxes from {len(records)} videos -> {args.boxes}", file=sys.stderr)
    if args.segments:
        gt_labels = None
        if args.labels == "gt":
            from annotations.temporal_io import load_temporal_gt
            gt_labels = ev.video_labels_from_segments(load_temporal_gt(args.gt, class_index=args.class_index))
        segs = segments_from_attention(records, args.weight_threshold, args.labels, args.topk, args.segment_score,
                                       gt_labels)
        if args.segments.lower().endswith(".json"):
            from annotations.activitynet import write_results_json
            write_results_json(args.segments, segs)
        else:
            from annotations.thumos14 import write_detections_txt
            write_detections_txt(args.segments, segs, class_index=args.class_index)
        print(f"{len(segs)} segments from {len(records)} videos -> {args.segments}", file=sys.stderr)
    return 0
