"""Why the boxes fail: TIDE's error analysis and the weak-supervision error types on frame boxes.

Inputs as ``eval-spatial`` (detections, attention files, or a checkpoint run on videos). Prints the
main frame-AP table, then the diagnosis table (TIDE's base mAP and dAP per error at IoU 0.5 and
0.3, and the mAP each weak-supervision type costs); ``--out`` writes metrics.json and the tables,
``--plots`` the figures, ``--report DIR`` one self-contained report.html. Definitions:
docs/protocols/diagnosis_spatial.md.
"""
from __future__ import annotations

import os
import sys

NAME = "diagnose-spatial"
HELP = "diagnose frame-box errors: TIDE's types and the weak-supervision types (UCF101-24)"


def add_arguments(p):
    from locbench.commands import eval_spatial
    from locbench.evaluation.diagnosis_spatial import add_diagnosis_arguments
    from locbench.evaluation.report_html import add_report_argument
    eval_spatial.add_arguments(p)
    add_diagnosis_arguments(p, with_flag=False)
    add_report_argument(p)


def run(args) -> int:
    from annotations.spatial_io import load_box_detections, load_spatial_gt
    from evaluators.frame_ap import frame_ap
    from locbench.commands._common import emit, load_model_records, model_input_mode, parse_protocols
    from locbench.commands.eval_spatial import PROTOCOLS, restrict_to_frames
    from locbench.evaluation import methods as ev
    from locbench.evaluation.diagnosis_spatial import PLUGIN
    from locbench.evaluation.outputs import provenance
    from locbench.evaluation.plugins import EvaluationContext
    from locbench.evaluation.report_html import write_report_for

    ious = ev.parse_thresholds(args.iou, "--iou")
    protocols = parse_protocols(args.protocol, PROTOCOLS)
    mode = model_input_mode(args)
    dataset = load_spatial_gt(args.gt, fmt=args.gt_format, split=args.split)
    videos = dataset.test_videos or tuple(dataset.videos)
    gt = dataset.frame_boxes(videos)
    inputs = {"gt": args.gt, "split": args.split}
    records = None
    if mode == "detections":
        dets = load_box_detections(args.detections, fmt=args.det_format, gt=dataset)
        method = ev.Method(args.name or os.path.basename(os.path.normpath(args.detections)), dets)
        inputs["detections"] = args.detections
    else:
        from locbench.localization.localize import boxes_from_attention
        records, source = load_model_records(args, "spatial", videos)
        ev.check_classes(records, dataset.classes, source)
        if args.frames == "sampled":
            gt = restrict_to_frames(gt, {r.video: r.frame_idx for r in records})
        rules = dict(threshold=args.mask_threshold, labels=args.labels, k=args.topk, score=args.score,
                     gt_labels=ev.video_labels_from_tubes(dataset, videos))
        method = ev.Method(args.name or (records[0].model or "attention model"), boxes_from_attention(records, **rules),
                           ev.classification_accuracy(records, rules["gt_labels"]))
        inputs["attention"] = source

    def score_fn(d, p):
        return frame_ap(gt, d, ious, protocol=p, unknown_videos=args.unknown_videos)

    evaluated = ev.evaluate_grid([method], protocols, score_fn, None)
    tables = ev.build_tables(f"Spatial localization, frame-AP ({', '.join(protocols)})", "IoU", evaluated,
                             args.per_class)
    ctx = EvaluationContext("spatial", gt, [method], evaluated, protocols, ious, score_fn, dataset=dataset,
                            records=records, settings={"unknown_videos": args.unknown_videos, "frames": args.frames},
                            args=args, out_dir=args.out, plots_dir=args.plots or (
                                os.path.join(args.report, "figures") if args.report else None))
    result = PLUGIN.run(ctx)
    tables.update(result.tables)
    if not args.per_class:
        args.per_class = True  # print the diagnosis tables too (emit prints non-main tables with per_class)
        tables = {k: v for k, v in tables.items() if not k.startswith("per_class")}
    metrics = ev.build_metrics("spatial", ",".join(protocols), evaluated, provenance(inputs),
                               unknown_videos=args.unknown_videos, videos=len(videos))
    metrics["analyses"] = {PLUGIN.name: result.metrics}
    metrics["notes"] = list(result.notes)
    emit(args, tables, metrics)
    if args.report:
        path = write_report_for(args.report, metrics, tables, {PLUGIN.name: result})
        print(f"wrote {path}", file=sys.stderr)
    return 0
