"""Spatial frame-mAP (and CorLoc) against UCF101-24-style ground truth.

Inputs: per-frame box detections (CSV `video,frame,label,score,x1,y1,x2,y2` with 0-based frames, or
COCO result JSON), attention files of any model (--attention), or a trained checkpoint run on videos
(--checkpoint --videos). Protocols: `voc` (default), `act` (ACT detector frame-AP) and `coco`
(pycocotools conventions); several may be given, comma-separated, one table row each.
"""
from __future__ import annotations

import os

from locbench.commands._common import (add_model_arguments, add_output_arguments, emit, load_model_records,
                                       model_input_mode, parse_protocols)

NAME = "eval-spatial"
HELP = "frame-mAP / CorLoc of box detections, attention files or a checkpoint (UCF101-24)"
PROTOCOLS = ("voc", "act", "coco")


def add_arguments(p):
    p.add_argument("--gt", required=True, metavar="GT",
                   help="ground truth: pyannot.pkl, pyannot_with_class_names.pkl, finalAnnots.mat or COCO JSON")
    p.add_argument("--split", metavar="TXT", help="video list to evaluate (e.g. testlist01.txt)")
    p.add_argument("--detections", metavar="DETS", help="per-frame box CSV or COCO result JSON")
    p.add_argument("--protocol", default="voc", help="voc (default), act, coco, or several comma-separated")
    p.add_argument("--iou", default="0.05,0.1,0.2,0.3", help="IoU thresholds (default: the paper's)")
    p.add_argument("--gt-format", default="auto", choices=("auto", "pyannot", "mat", "coco"))
    p.add_argument("--det-format", default="auto", choices=("auto", "csv", "coco"))
    p.add_argument("--unknown-videos", choices=("error", "fp", "drop"), default="error",
                   help="detections in videos outside the evaluated ground truth: error (default), "
                        "count as false positives, or drop")
    p.add_argument("--all-videos", action="store_true",
                   help="without --split, evaluate every video of --gt even when it holds training and test videos")
    p.add_argument("--frames", choices=("sampled", "all"), default="sampled",
                   help="with a model: evaluate on the frames the model saw (default) or on every annotated frame")
    p.add_argument("--name", help="method name in the table (default: the detection file name)")
    add_model_arguments(p, "spatial")
    add_output_arguments(p)


def restrict_to_frames(gt, frames_by_video: dict):
    """Ground-truth rows on the given (video -> frame indices) only."""
    import numpy as np
    names = {v: i for i, v in enumerate(frames_by_video)}
    codes = np.array([names.get(v, -1) for v in gt.video.tolist()], np.int64)
    wanted = np.concatenate([i * (1 << 32) + np.asarray(f, np.int64) for i, f in enumerate(frames_by_video.values())]
                            or [np.zeros(0, np.int64)])
    return gt.select((codes >= 0) & np.isin(codes * (1 << 32) + gt.frame_idx, wanted))


def run(args) -> int:
    from annotations.spatial_io import evaluated_videos, load_box_detections, load_spatial_gt
    from evaluators.frame_ap import frame_ap, frame_corloc
    from locbench.evaluation import methods as ev
    from locbench.evaluation.outputs import provenance

    ious = ev.parse_thresholds(args.iou, "--iou")
    protocols = parse_protocols(args.protocol, PROTOCOLS)
    mode = model_input_mode(args)
    dataset = load_spatial_gt(args.gt, fmt=args.gt_format, split=args.split)
    if mode == "detections":
        dets = load_box_detections(args.detections, fmt=args.det_format, gt=dataset)
    videos = evaluated_videos(dataset, args.split, getattr(args, "all_videos", False))
    gt = dataset.frame_boxes(videos)
    gt_labels = ev.video_labels_from_tubes(dataset, videos)
    inputs = {"gt": args.gt, "split": args.split}
    methods = []
    notes = {}
    if mode == "detections":
        methods.append(ev.Method(args.name or os.path.basename(os.path.normpath(args.detections)), dets))
        inputs["detections"] = args.detections
    else:
        from locbench.localization.baselines import spatial_baselines
        from locbench.localization.localize import boxes_from_attention
        records, source = load_model_records(args, "spatial", videos)
        ev.check_classes(records, dataset.classes, source)
        if args.frames == "sampled":
            gt = restrict_to_frames(gt, {r.video: r.frame_idx for r in records})
            notes["frames"] = "ground truth restricted to the frames the model saw"
        rules = dict(threshold=args.mask_threshold, labels=args.labels, k=args.topk, score=args.score,
                     gt_labels=gt_labels)
        accuracy = ev.classification_accuracy(records, gt_labels)
        model_name = args.name or (records[0].model or "attention model")
        methods.append(ev.Method(model_name, boxes_from_attention(records, **rules), accuracy))
        if not args.no_baselines:
            methods += [ev.Method(n, d, accuracy) for n, d in spatial_baselines(records, gt, **rules).items()]
        inputs["attention"] = source
    evaluated = ev.evaluate_grid(
        methods, protocols,
        lambda d, p: frame_ap(gt, d, ious, protocol=p, unknown_videos=args.unknown_videos,
                              return_curves=bool(args.plots), video_info=dataset.videos),
        lambda d: frame_corloc(gt, d, ious, unknown_videos=args.unknown_videos, video_info=dataset.videos))
    if mode != "detections" and args.plots:
        from locbench.evaluation.plots import spatial_figures
        spatial_figures(records, gt, methods[0].detections, args.plots, videos_root=args.videos,
                        threshold=args.mask_threshold, ap_result=evaluated[0].ap)
    title = f"Spatial localization, frame-AP ({', '.join(protocols)})"
    tables = ev.build_tables(title, "IoU", evaluated, args.per_class)
    metrics = ev.build_metrics("spatial", ",".join(protocols), evaluated, provenance(inputs),
                               unknown_videos=args.unknown_videos, videos=len(videos), **notes)
    emit(args, tables, metrics)
    return 0
