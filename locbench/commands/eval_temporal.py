"""Temporal action localization mAP (and CorLoc) against THUMOS'14 / ActivityNet-style ground truth.

Inputs: a detection file (THUMOS txt `video t_start t_end class_id score`, or ActivityNet result
JSON), attention files of any model (--attention), or a trained checkpoint run on videos
(--checkpoint --videos). Protocols: `activitynet` (official eval_detection.py) and `thumos14`
(official TH14evalDet_Updated.m); several may be given, comma-separated, one table row each.
"""
from __future__ import annotations

import os

from locbench.commands._common import (add_model_arguments, add_output_arguments, emit, load_model_records,
                                       model_input_mode, parse_protocols)

NAME = "eval-temporal"
HELP = "temporal mAP / CorLoc of detections, attention files or a checkpoint (THUMOS'14, ActivityNet)"
PROTOCOLS = ("activitynet", "thumos14")


def add_arguments(p):
    p.add_argument("--gt", required=True, metavar="GT",
                   help="ground truth: directory of <Class>_<subset>.txt, or ActivityNet-style JSON")
    p.add_argument("--detections", metavar="DETS", help="THUMOS txt or ActivityNet result JSON")
    p.add_argument("--protocol", default="activitynet",
                   help="activitynet (default), thumos14, or both comma-separated")
    p.add_argument("--tiou", default="0.1,0.2,0.3,0.4,0.5", help="tIoU thresholds (default: the paper's)")
    p.add_argument("--subset", default="test", help="ground-truth subset (default test)")
    p.add_argument("--gt-format", default="auto", choices=("auto", "thumos-txt", "activitynet-json"))
    p.add_argument("--det-format", default="auto", choices=("auto", "thumos-txt", "activitynet-json"))
    p.add_argument("--class-index", metavar="TXT", help="class ids and names of THUMOS-format files (ground-truth "
                                                        "folder, txt detections); default: the official "
                                                        "class_index_detection.txt")
    p.add_argument("--unknown-videos", choices=("error", "fp", "drop"), default="error",
                   help="detections in videos absent from the ground truth: stop with an error (default), "
                        "count them as false positives (what the official tools do), or drop them")
    p.add_argument("--ties", choices=("protocol", "stable"), default="protocol",
                   help="order of equal scores: each official program's (default; thumos14: MATLAB's stable sort "
                        "by score, then video name; activitynet: NumPy's argsort reversed, as eval_detection.py) "
                        "or input order; when they differ the other is computed too and the AP difference shown")
    p.add_argument("--video-info", metavar="CSV",
                   help="video durations/fps for the sanity pass (test_video_info.csv-style or "
                        "thumos14_test_groundtruth.csv; default: found next to --gt, or the JSON's 'duration')")
    p.add_argument("--check-durations", choices=("auto", "error", "frames", "warn"), default="auto",
                   help="detections ending over 1 s past their video's duration: more than 5%% of them stop the "
                        "run (error), only when the times look like frames (frames), or never (warn); default "
                        "auto: error with --video-info, frames with durations found next to --gt")
    p.add_argument("--name", help="method name in the table (default: the detection file name)")
    add_model_arguments(p, "temporal")
    add_output_arguments(p)


def run(args) -> int:
    from annotations.temporal_io import load_temporal_detections, load_temporal_gt, load_temporal_video_info
    from evaluators.temporal import TemporalProblem, temporal_corloc, temporal_map
    from locbench.evaluation import methods as ev
    from locbench.evaluation.outputs import provenance

    tious = ev.parse_thresholds(args.tiou, "--tiou")
    protocols = parse_protocols(args.protocol, PROTOCOLS)
    mode = model_input_mode(args)
    gt = load_temporal_gt(args.gt, fmt=args.gt_format, subset=args.subset, class_index=args.class_index)
    gt_labels = ev.video_labels_from_segments(gt)
    inputs = {"gt": args.gt}
    methods = []
    if mode == "detections":
        dets = load_temporal_detections(args.detections, fmt=args.det_format, class_index=args.class_index,
                                        classes=gt.classes)
        methods.append(ev.Method(args.name or os.path.basename(os.path.normpath(args.detections)), dets))
        inputs["detections"] = args.detections
    else:
        from locbench.localization.baselines import uniform_temporal
        from locbench.localization.localize import segments_from_attention
        records, source = load_model_records(args, "temporal", gt.videos)
        ev.check_classes(records, gt.classes, source)
        rules = dict(threshold=args.weight_threshold, labels=args.labels, k=args.topk, score=args.score,
                     gt_labels=gt_labels)
        accuracy = ev.classification_accuracy(records, gt_labels)
        model_name = args.name or (records[0].model or "attention model")
        methods.append(ev.Method(model_name, segments_from_attention(records, **rules), accuracy))
        if not args.no_baselines:
            methods.append(ev.Method("uniform temporal weights", uniform_temporal(records, **rules), accuracy))
        inputs["attention"] = source
    video_info = load_temporal_video_info(args.gt, args.subset, args.video_info)
    problems = {}  # one prepared problem per detection set, shared by every protocol and CorLoc

    def problem(d):
        if id(d) not in problems:
            # durations found next to --gt only stop the run when the times look like frames
            check = args.check_durations if args.check_durations != "auto" else ("error" if args.video_info else "frames")
            problems[id(d)] = TemporalProblem(gt, d, unknown_videos=args.unknown_videos, video_info=video_info,
                                              check_durations=check)
        return problems[id(d)]

    evaluated = ev.evaluate_grid(
        methods, protocols,
        lambda d, p: temporal_map(gt, d, tious, protocol=p, unknown_videos=args.unknown_videos,
                                  return_curves=bool(args.plots), ties=args.ties, prepared=problem(d)),
        lambda d: temporal_corloc(gt, d, tious, unknown_videos=args.unknown_videos, prepared=problem(d)))
    if mode != "detections" and args.plots:
        from locbench.evaluation.plots import temporal_figures
        temporal_figures(records, gt, methods[0].detections, args.plots, threshold=args.weight_threshold,
                         ap_result=evaluated[0].ap)
    title = f"Temporal localization ({', '.join(protocols)}, subset {args.subset})"
    tables = ev.build_tables(title, "tIoU", evaluated, args.per_class)
    metrics = ev.build_metrics("temporal", ",".join(protocols), evaluated, provenance(inputs),
                               subset=args.subset, unknown_videos=args.unknown_videos)
    emit(args, tables, metrics)
    return 0
