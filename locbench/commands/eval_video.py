"""Video-AP of detected tubes against UCF101-24 ground-truth tubes (the ACT detector's protocol).

Spatio-temporal IoU = temporal IoU over inclusive frame indices x mean per-frame IoU (+1-pixel
areas) over the overlapping frames; tubes in score order take the argmax-ST-IoU remaining tube of
their class in their video; trapezoid AP from (recall 0, precision 1). See docs/protocols/video.md.
"""
from __future__ import annotations

import os

from locbench.commands._common import add_output_arguments, emit

NAME = "eval-video"
HELP = "video-AP of detected tubes (tube CSV) against UCF101-24 ground truth"


def add_arguments(p):
    p.add_argument("--gt", required=True, metavar="GT", help="pyannot.pkl, finalAnnots.mat or a ground-truth tube CSV")
    p.add_argument("--split", metavar="TXT", help="video list to evaluate (e.g. testlist01.txt)")
    p.add_argument("--detections", required=True, metavar="CSV",
                   help="tube CSV: tube,video,label,score,frame,x1,y1,x2,y2 (0-based frames)")
    p.add_argument("--iou", default="0.05,0.1,0.2,0.3,0.5,0.75", help="ST-IoU thresholds")
    p.add_argument("--unknown-videos", choices=("error", "fp", "drop"), default="error",
                   help="tubes in videos outside the evaluated ground truth: error (default), "
                        "count as false positives, or drop")
    p.add_argument("--all-videos", action="store_true",
                   help="without --split, evaluate every video of --gt even when it holds training and test videos")
    p.add_argument("--name", help="method name in the table (default: the detection file name)")
    add_output_arguments(p)


def run(args) -> int:
    from annotations.spatial_io import load_gt_tube_dataset, load_tube_detections
    from evaluators.video_ap import video_ap
    from locbench.evaluation import methods as ev
    from locbench.evaluation.outputs import provenance

    ious = ev.parse_thresholds(args.iou, "--iou")
    dets = load_tube_detections(args.detections)
    gt = load_gt_tube_dataset(args.gt, split=args.split, all_videos=args.all_videos)
    method = ev.Method(args.name or os.path.basename(os.path.normpath(args.detections)), dets)
    evaluated = ev.evaluate_grid([method], ["act"],
                                 lambda d, _protocol: video_ap(gt, d, ious, unknown_videos=args.unknown_videos), None)
    tables = ev.build_tables("Spatio-temporal localization, video-AP (ACT)", "ST-IoU", evaluated, args.per_class)
    metrics = ev.build_metrics("video", "act", evaluated,
                               provenance({"gt": args.gt, "split": args.split, "detections": args.detections}),
                               unknown_videos=args.unknown_videos, videos=len(gt.test_videos))
    emit(args, tables, metrics)
    return 0
