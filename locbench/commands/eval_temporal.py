"""Temporal action localization mAP (and CorLoc) against THUMOS'14 / ActivityNet-style ground truth.

Inputs: a detection file (THUMOS txt `video t_start t_end class_id score`, or ActivityNet result
JSON), attention files of any model (--attention), or a trained checkpoint run on videos
(--checkpoint --videos). Protocols: `activitynet` (official eval_detection.py) and `thumos14`
(official TH14evalDet_Updated.m); several may be given, comma-separated, one table row each.
"""
from __future__ import annotations

import sys

import os

from locbench.evaluation.tables import render
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
    p.add_argument("--name", help="method name in the table (default: the detection file name)")
    add_model_arguments(p, "temporal")
    add_output_arguments(p)
    from locbench.evaluation.plugins import plugins_for  # branch wt-stats only
    for plugin in plugins_for('temporal'):
        plugin.add_arguments(p, 'temporal')


def run(args) -> int:
    from annotations.temporal_io import load_temporal_detections, load_temporal_gt
    from evaluators.temporal import temporal_corloc, temporal_map
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
    evaluated = ev.evaluate_grid(
        methods, protocols,
        lambda d, p: temporal_map(gt, d, tious, protocol=p, unknown_videos=args.unknown_videos,
                                  return_curves=bool(args.plots)),
        lambda d: temporal_corloc(gt, d, tious, unknown_videos=args.unknown_videos))
    if mode != "detections" and args.plots:
        from locbench.evaluation.plots import temporal_figures
        temporal_figures(records, gt, methods[0].detections, args.plots, threshold=args.weight_threshold,
                         ap_result=evaluated[0].ap)
    title = f"Temporal localization ({', '.join(protocols)}, subset {args.subset})"
    tables = ev.build_tables(title, "tIoU", evaluated, args.per_class)
    metrics = ev.build_metrics("temporal", ",".join(protocols), evaluated, provenance(inputs),
                               subset=args.subset, unknown_videos=args.unknown_videos)
    # branch wt-stats only (end-to-end check of the plugins; the core rewrite runs them in tasks.py)
    from locbench.evaluation.plugins import EvaluationContext, run_plugins
    ctx = EvaluationContext(task='temporal', gt=gt, methods=methods, evaluated=evaluated, protocols=tuple(protocols),
                            thresholds=tuple(tious), score_fn=lambda d, p: temporal_map(gt, d, tious, protocol=p, unknown_videos=args.unknown_videos), corloc_fn=lambda d: temporal_corloc(gt, d, tious, unknown_videos=args.unknown_videos), dataset=None,
                            records=records if mode != 'detections' else None, records_by_method={methods[0].name: records} if mode != 'detections' else {}, rules=(dict(rules) if mode != 'detections' else None),
                            settings=dict(metrics.get("settings", {})), args=args, out_dir=args.out,
                            plots_dir=getattr(args, "plots", None))
    for name, r in run_plugins(ctx).items():
        tables.update({f"{name}_{k}": t for k, t in r.tables.items()})
        metrics.setdefault("analyses", {})[name] = dict(r.metrics, notes=list(r.notes), figures=list(r.figures))
        for k, t in r.tables.items():
            sys.stdout.write(render(t, args.format) + "\n")
    emit(args, tables, metrics)
    return 0
