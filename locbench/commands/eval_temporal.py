"""Temporal action localization mAP (and CorLoc) against THUMOS'14 / ActivityNet-style ground truth.

Inputs: detection files (THUMOS txt `video t_start t_end class_id score`, or ActivityNet result
JSON), attention files of any model (--attention), or a trained checkpoint run on videos
(--checkpoint --videos); several inputs give one row each (--name A,B,C). Protocols: `activitynet`
(official eval_detection.py) and `thumos14` (official TH14evalDet_Updated.m); several may be given,
comma-separated, one table row each.
"""
from __future__ import annotations

from annotations.formats import choices
from locbench.commands._common import (add_model_arguments, add_name_argument, add_output_arguments,
                                       add_plugin_arguments, add_unknown_videos_argument, run_evaluation)

NAME = "eval-temporal"
HELP = "temporal mAP / CorLoc of detections, attention files or a checkpoint (THUMOS'14, ActivityNet)"
PROTOCOLS = ("activitynet", "thumos14")


def _shown(names) -> str:
    return "{" + ",".join(names) + "}"


def add_arguments(p):
    p.add_argument("--gt", required=True, metavar="GT",
                   help="ground truth: directory of <Class>_<subset>.txt, ActivityNet-style JSON, or "
                        "thumos14_test_groundtruth.csv")
    p.add_argument("--detections", nargs="+", metavar="DETS",
                   help="THUMOS txt or ActivityNet result JSON files, one method each")
    p.add_argument("--protocol", default="activitynet",
                   help="activitynet, thumos14, or both comma-separated; all = both plus meng2019-code (the "
                        "authors' released evaluation, docs/protocols/meng2019.md)")
    p.add_argument("--tiou", default="0.1,0.2,0.3,0.4,0.5", help="tIoU thresholds, comma-separated")
    p.add_argument("--subset", default="test", help="ground-truth subset")
    p.add_argument("--gt-format", default="auto", choices=choices("temporal", "gt", aliases=True),
                   metavar=_shown(choices("temporal", "gt")),
                   help="ground-truth format (annotations/formats.py)")
    p.add_argument("--det-format", default="auto", choices=choices("temporal", "detections", aliases=True),
                   metavar=_shown(choices("temporal", "detections")),
                   help="detection format (annotations/formats.py)")
    p.add_argument("--class-index", metavar="TXT", help="class ids and names of THUMOS-format files (ground-truth "
                                                        "folder, txt detections); default: the official "
                                                        "class_index_detection.txt")
    add_unknown_videos_argument(p)
    add_name_argument(p)
    p.add_argument("--ties", choices=("protocol", "stable"), default="protocol",
                   help="order of equal scores: each official program's (thumos14: MATLAB's stable sort by score, "
                        "then video name; activitynet: NumPy's argsort reversed, as eval_detection.py) or input "
                        "order; when they differ the other is computed too and the AP difference shown")
    p.add_argument("--video-info", metavar="CSV",
                   help="video durations/fps for the sanity pass (test_video_info.csv-style or "
                        "thumos14_test_groundtruth.csv; default: found next to --gt, or the JSON's 'duration')")
    p.add_argument("--check-durations", choices=("auto", "error", "frames", "warn"), default="auto",
                   help="detections ending over 1 s past their video's duration: more than 5%% of them stop the "
                        "run (error), only when the times look like frames (frames), or never (warn); auto: "
                        "error with --video-info, frames with durations found next to --gt")
    add_model_arguments(p, "temporal")
    add_output_arguments(p)
    add_plugin_arguments(p, "temporal")


def run(args) -> int:
    from locbench.evaluation.tasks import TemporalEvaluation
    return run_evaluation(TemporalEvaluation, args)
