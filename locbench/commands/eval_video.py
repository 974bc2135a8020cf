"""Video-AP of detected tubes against UCF101-24 ground-truth tubes (the ACT detector's protocol).

Spatio-temporal IoU = temporal IoU over inclusive frame indices x mean per-frame IoU (+1-pixel
areas) over the overlapping frames; tubes in score order take the argmax-ST-IoU remaining tube of
their class in their video; trapezoid AP from (recall 0, precision 1). See docs/protocols/video.md.
"""
from __future__ import annotations

import os
import sys

from locbench.evaluation.tables import render
from locbench.commands._common import add_output_arguments, emit

NAME = "eval-video"
HELP = "video-AP of detected tubes (tube CSV) against UCF101-24 ground truth"


def add_arguments(p):
    p.add_argument("--gt", required=True, metavar="GT", help="pyannot.pkl, finalAnnots.mat or a ground-truth tube CSV")
    p.add_argument("--split", metavar="TXT", help="video list to evaluate (e.g. testlist01.txt)")
    p.add_argument("--detections", required=True, metavar="CSV",
                   help="tube CSV: tube,video,label,score,frame,x1,y1,x2,y2 (0-based frames)")
    p.add_argument("--iou", default="0.05,0.1,0.2,0.3,0.5,0.75", help="ST-IoU thresholds")
    p.add_argument("--name", help="method name in the table (default: the detection file name)")
    add_output_arguments(p)
    from locbench.evaluation.plugins import plugins_for  # branch wt-stats only
    for plugin in plugins_for('video'):
        plugin.add_arguments(p, 'video')


def run(args) -> int:
    from annotations.spatial_io import load_gt_tubes, load_tube_detections
    from evaluators.video_ap import video_ap
    from locbench.evaluation import methods as ev
    from locbench.evaluation.outputs import provenance

    ious = ev.parse_thresholds(args.iou, "--iou")
    gt = load_gt_tubes(args.gt, split=args.split)
    dets = load_tube_detections(args.detections)
    method = ev.Method(args.name or os.path.basename(os.path.normpath(args.detections)), dets)
    evaluated = ev.evaluate_grid([method], ["act"], lambda d, _protocol: video_ap(gt, d, ious), None)
    tables = ev.build_tables("Spatio-temporal localization, video-AP (ACT)", "ST-IoU", evaluated, args.per_class)
    metrics = ev.build_metrics("video", "act", evaluated,
                               provenance({"gt": args.gt, "split": args.split, "detections": args.detections}))
    # branch wt-stats only (end-to-end check of the plugins; the core rewrite runs them in tasks.py)
    from locbench.evaluation.plugins import EvaluationContext, run_plugins
    ctx = EvaluationContext(task='video', gt=gt, methods=[method], evaluated=evaluated, protocols=tuple(["act"]),
                            thresholds=tuple(ious), score_fn=lambda d, _p: video_ap(gt, d, ious), corloc_fn=None, dataset=None,
                            records=None, records_by_method={}, rules=None,
                            settings=dict(metrics.get("settings", {})), args=args, out_dir=args.out,
                            plots_dir=getattr(args, "plots", None))
    for name, r in run_plugins(ctx).items():
        tables.update({f"{name}_{k}": t for k, t in r.tables.items()})
        metrics.setdefault("analyses", {})[name] = dict(r.metrics, notes=list(r.notes), figures=list(r.figures))
        for k, t in r.tables.items():
            sys.stdout.write(render(t, args.format) + "\n")
    emit(args, tables, metrics)
    return 0
