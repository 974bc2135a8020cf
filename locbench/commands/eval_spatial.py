"""Spatial frame-mAP (and CorLoc) against UCF101-24-style ground truth.

Inputs: per-frame box detections (CSV `video,frame,label,score,x1,y1,x2,y2` with 0-based frames, or
COCO result JSON), attention files of any model (--attention), or a trained checkpoint run on videos
(--checkpoint --videos); several inputs give one row each (--name A,B,C). Protocols: `voc`, `act`
(ACT detector frame-AP) and `coco` (pycocotools conventions); several may be given, comma-separated,
one table row each.
"""
from __future__ import annotations

from annotations.formats import choices
from locbench.commands._common import (add_model_arguments, add_name_argument, add_output_arguments,
                                       add_plugin_arguments, add_unknown_videos_argument, run_evaluation)

NAME = "eval-spatial"
HELP = "frame-mAP / CorLoc of box detections, attention files or a checkpoint (UCF101-24)"
PROTOCOLS = ("voc", "act", "coco")


def _shown(names) -> str:
    return "{" + ",".join(names) + "}"


def add_arguments(p):
    p.add_argument("--gt", required=True, metavar="GT",
                   help="ground truth: pyannot.pkl, pyannot_with_class_names.pkl, finalAnnots.mat, COCO JSON or box CSV")
    p.add_argument("--split", metavar="TXT", help="list of videos to evaluate (e.g. testlist01.txt)")
    p.add_argument("--detections", nargs="+", metavar="DETS",
                   help="per-frame box CSV or COCO result JSON files, one method each")
    p.add_argument("--protocol", default="voc", help="voc, act, coco, or several comma-separated; all = every one "
                   "of them plus meng2019-code (the authors' released evaluation, docs/protocols/meng2019.md)")
    p.add_argument("--iou", default="0.05,0.1,0.2,0.3", help="IoU thresholds, comma-separated")
    p.add_argument("--gt-format", default="auto", choices=choices("spatial", "gt", aliases=True),
                   metavar=_shown(choices("spatial", "gt")),
                   help="ground-truth format (annotations/formats.py)")
    p.add_argument("--det-format", default="auto", choices=choices("spatial", "detections", aliases=True),
                   metavar=_shown(choices("spatial", "detections")),
                   help="detection format (annotations/formats.py)")
    add_unknown_videos_argument(p)
    p.add_argument("--all-videos", action="store_true",
                   help="without --split, evaluate every video of --gt even when it holds training and test videos")
    p.add_argument("--frames", choices=("sampled", "all"), default="sampled",
                   help="with a model: evaluate on the frames the model saw, or on every annotated frame")
    add_name_argument(p)
    add_model_arguments(p, "spatial")
    add_output_arguments(p)
    add_plugin_arguments(p, "spatial")


def restrict_to_frames(gt, frames_by_video: dict):
    """Moved to :func:`locbench.evaluation.tasks.restrict_to_frames` (kept here for older imports)."""
    from locbench.evaluation.tasks import restrict_to_frames as restrict
    return restrict(gt, frames_by_video)


def run(args) -> int:
    from locbench.evaluation.tasks import SpatialEvaluation
    return run_evaluation(SpatialEvaluation, args)
