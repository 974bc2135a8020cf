"""Turn attention files (from `locbench predict` or any model, docs/formats.md) into detections:
per-frame boxes (CSV `video,frame,label,score,x1,y1,x2,y2`) and/or temporal segments (THUMOS txt
`video t_start t_end class_id score`, or ActivityNet result JSON), with the paper's thresholding
rules (docs/localization.md).

`--out DIR` writes `DIR/boxes.csv` when the attention files hold masks and `DIR/segments.txt`
(THUMOS txt) or `DIR/segments.json` (ActivityNet JSON) when they hold temporal weights. By default
(`--segments-format auto`) the txt file is written when every label has a THUMOS'14 class id (or an
id in `--class-index`), else the JSON file, which names classes (synthetic or custom class lists).
The older `--boxes FILE` / `--segments FILE` still work and print a deprecation note.
"""
from __future__ import annotations

import os
import sys

from locbench.commands._common import add_deprecated_alias

NAME = "localize"
HELP = "attention files -> boxes (CSV) and/or segments (THUMOS txt / ActivityNet JSON)"


def add_arguments(p):
    p.add_argument("--attention", required=True, metavar="DIR", help="folder of attention files (.npz)")
    p.add_argument("--out", metavar="DIR",
                   help="write boxes.csv (masks) and/or segments.txt|.json (temporal weights) here")
    p.add_argument("--segments-format", choices=("auto", "thumos14-txt", "activitynet-json"), default="auto",
                   help="file format of the segments written to --out: auto = THUMOS txt when every label has a "
                        "class id, else ActivityNet JSON (class names)")
    add_deprecated_alias(p, "--boxes", "--out DIR (writes DIR/boxes.csv)", dest="boxes", metavar="CSV")
    add_deprecated_alias(p, "--segments", "--out DIR (writes DIR/segments.txt)", dest="segments", metavar="FILE")
    p.add_argument("--labels", choices=("top1", "topk", "gt"), default="top1",
                   help="label of each box/segment: classifier top-1, top-k, or the ground truth")
    p.add_argument("--topk", type=int, default=2, metavar="K", help="K for --labels topk")
    p.add_argument("--gt", metavar="GT", help="ground truth, for --labels gt (spatial GT for boxes, temporal for segments)")
    p.add_argument("--mask-threshold", type=float, default=0.5, help="mask threshold (strict >)")
    p.add_argument("--weight-threshold", type=float, default=0.5,
                   help="threshold on min-max normalised temporal weights (strict >)")
    p.add_argument("--box-score", choices=("cls*mask", "cls", "mask"), default="cls*mask", help="box score")
    p.add_argument("--segment-score", choices=("cls*attn", "cls", "attn"), default="cls*attn", help="segment score")
    p.add_argument("--mask-normalize", choices=("none", "minmax", "sigmoid"), default="none",
                   help="map masks to [0, 1] first: none (require [0, 1]), minmax (per frame), sigmoid")
    p.add_argument("--segment-rule", choices=("paper", "multi-threshold-nms", "outer-inner"), default="paper",
                   help="segment generation (docs/localization.md)")
    p.add_argument("--class-index", metavar="TXT", help="class ids of THUMOS-format files: txt output, ground-truth "
                                                        "folder (default: official ids)")


def run(args) -> int:
    from annotations.errors import InputError
    from locbench.evaluation import methods as ev
    from locbench.inference.attention import load_attention_dir
    from locbench.localization.localize import boxes_from_attention, segments_from_attention

    boxes_path, segments_path = getattr(args, "boxes", None), getattr(args, "segments", None)
    if not args.out and not boxes_path and not segments_path:
        raise InputError(None, "arguments", "nothing to write: give --out DIR")
    if args.labels == "gt" and not args.gt:
        raise InputError(None, "arguments", "--labels gt needs --gt")
    records = load_attention_dir(args.attention)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        if boxes_path is None and any(r.masks is not None for r in records):
            boxes_path = os.path.join(args.out, "boxes.csv")
        if segments_path is None and any(r.frame_importance is not None for r in records):
            segments_path = os.path.join(args.out, "segments")  # extension chosen once the labels are known
    if boxes_path:
        from annotations.boxes_io import write_boxes_csv
        gt_labels = None
        if args.labels == "gt":
            from annotations.spatial_io import load_spatial_gt
            dataset = load_spatial_gt(args.gt)
            gt_labels = ev.video_labels_from_tubes(dataset, tuple(dataset.videos))
        boxes = boxes_from_attention(records, args.mask_threshold, args.labels, args.topk, args.box_score, gt_labels,
                                     mask_normalize=args.mask_normalize)
        write_boxes_csv(boxes_path, boxes)
        print(f"{len(boxes)} boxes from {len(records)} videos -> {boxes_path}", file=sys.stderr)
    if segments_path:
        gt_labels = None
        if args.labels == "gt":
            from annotations.temporal_io import load_temporal_gt
            gt_labels = ev.video_labels_from_segments(load_temporal_gt(args.gt, class_index=args.class_index))
        segs = segments_from_attention(records, args.weight_threshold, args.labels, args.topk, args.segment_score,
                                       gt_labels, segment_rule=args.segment_rule)
        if args.out and segments_path == os.path.join(args.out, "segments"):
            fmt = args.segments_format
            if fmt == "auto":
                from annotations.thumos14 import _class_index
                known = set(_class_index(args.class_index).values())
                fmt = "thumos14-txt" if set(segs.label.tolist()) <= known else "activitynet-json"
                if fmt == "activitynet-json":
                    print("note: labels without a THUMOS'14 class id (give --class-index for txt): segments "
                          "written as ActivityNet JSON, which names classes", file=sys.stderr)
            segments_path += ".json" if fmt == "activitynet-json" else ".txt"
        if segments_path.lower().endswith(".json"):
            from annotations.activitynet import write_results_json
            write_results_json(segments_path, segs)
        else:
            from annotations.thumos14 import write_detections_txt
            write_detections_txt(segments_path, segs, class_index=args.class_index)
        print(f"{len(segs)} segments from {len(records)} videos -> {segments_path}", file=sys.stderr)
    return 0
