"""Video-AP of detected tubes against UCF101-24 ground-truth tubes (the ACT detector's protocol).

Spatio-temporal IoU = temporal IoU over inclusive frame indices x mean per-frame IoU (+1-pixel
areas) over the overlapping frames; tubes in score order take the argmax-ST-IoU remaining tube of
their class in their video; trapezoid AP from (recall 0, precision 1). See docs/protocols/video.md.
Several tube files give one row each (--name A,B,C).
"""
from __future__ import annotations

from locbench.commands._common import (add_name_argument, add_output_arguments, add_plugin_arguments,
                                       add_unknown_videos_argument, run_evaluation)

NAME = "eval-video"
HELP = "video-AP of detected tubes (tube CSV) against UCF101-24 ground truth"


def add_arguments(p):
    p.add_argument("--gt", required=True, metavar="GT", help="pyannot.pkl, finalAnnots.mat or a ground-truth tube CSV")
    p.add_argument("--split", metavar="TXT", help="list of videos to evaluate (e.g. testlist01.txt)")
    p.add_argument("--detections", nargs="+", required=True, metavar="CSV",
                   help="tube CSV files (tube,video,label,score,frame,x1,y1,x2,y2; 0-based frames), one method each")
    p.add_argument("--iou", default="0.05,0.1,0.2,0.3,0.5,0.75", help="ST-IoU thresholds, comma-separated")
    add_unknown_videos_argument(p)
    p.add_argument("--all-videos", action="store_true",
                   help="without --split, evaluate every video of --gt even when it holds training and test videos")
    add_name_argument(p)
    add_output_arguments(p)
    add_plugin_arguments(p, "video")


def run(args) -> int:
    from locbench.evaluation.tasks import VideoEvaluation
    return run_evaluation(VideoEvaluation, args)
