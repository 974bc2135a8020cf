"""Why temporal detections lose mAP: DETAD's analyses and the weak-supervision error types.

Same inputs as eval-temporal (a detection file, attention files, or a checkpoint run on videos);
prints the main table, then the diagnosis tables; ``--out`` also writes them and ``metrics.json``
(``analyses["diagnosis-temporal"]``), ``--plots`` the figures. Definitions: docs/protocols/diagnosis.md.
"""
from __future__ import annotations

NAME = "diagnose-temporal"
HELP = "diagnose temporal errors: DETAD's false-positive / false-negative / sensitivity analyses, weak-supervision types"


def add_arguments(p):
    from locbench.commands.eval_temporal import add_arguments as eval_arguments
    from locbench.evaluation.diagnosis_temporal import add_diagnosis_arguments
    eval_arguments(p)
    if "--detad-compat" not in p._option_string_actions:  # eval-temporal may already add the plugin's flags
        add_diagnosis_arguments(p, with_switch=False)


def run(args) -> int:
    """eval-temporal with the diagnosis on. Where the eval verbs run plugins through the shared
    evaluation path (``_common.run_evaluation``), that path is used; otherwise the same steps here."""
    import locbench.commands._common as common
    args.diagnose = True
    if hasattr(common, "run_evaluation"):
        from locbench.commands import eval_temporal
        return eval_temporal.run(args)
    return _run_here(args)


def _run_here(args) -> int:
    import os

    from annotations.errors import InputError
    from annotations.temporal_io import load_temporal_detections, load_temporal_gt
    from evaluators.temporal import temporal_corloc, temporal_map
    from locbench.commands._common import emit, load_model_records, model_input_mode, parse_protocols
    from locbench.commands.eval_temporal import PROTOCOLS
    from locbench.evaluation import methods as ev
    from locbench.evaluation.diagnosis_temporal import run_diagnosis
    from locbench.evaluation.outputs import provenance
    from locbench.evaluation.plugins import EvaluationContext

    tious = ev.parse_thresholds(args.tiou, "--tiou")
    protocols = parse_protocols(args.protocol, PROTOCOLS)
    mode = model_input_mode(args)
    gt = load_temporal_gt(args.gt, fmt=args.gt_format, subset=args.subset, class_index=args.class_index)
    inputs = {"gt": args.gt}
    methods, records, rules = [], None, None
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
                     gt_labels=ev.video_labels_from_segments(gt))
        accuracy = ev.classification_accuracy(records, rules["gt_labels"])
        methods.append(ev.Method(args.name or (records[0].model or "attention model"),
                                 segments_from_attention(records, **rules), accuracy))
        if not args.no_baselines:
            methods.append(ev.Method("uniform temporal weights", uniform_temporal(records, **rules), accuracy))
        inputs["attention"] = source
    for extra in ("characteristics", "durations"):
        if getattr(args, extra):
            inputs[extra] = getattr(args, extra)
    for spec in args.slice_by:
        inputs[f"slice-by {spec}"] = spec.rsplit(":", 1)[0]
        if not os.path.isfile(spec.rsplit(":", 1)[0]):
            raise InputError(spec.rsplit(":", 1)[0], None, "--slice-by file does not exist (expected FILE:COLUMN)")

    def score(d, protocol):
        return temporal_map(gt, d, tious, protocol=protocol, unknown_videos=args.unknown_videos)

    evaluated = ev.evaluate_grid(methods, protocols, score,
                                 lambda d: temporal_corloc(gt, d, tious, unknown_videos=args.unknown_videos))
    ctx = EvaluationContext(task="temporal", gt=gt, methods=methods, evaluated=evaluated, protocols=protocols,
                            thresholds=tious, score_fn=score, records=records, rules=rules,
                            settings={"unknown_videos": args.unknown_videos, "subset": args.subset}, args=args,
                            out_dir=args.out, plots_dir=args.plots)
    result = run_diagnosis(ctx)
    title = f"Temporal localization ({', '.join(protocols)}, subset {args.subset})"
    tables = ev.build_tables(title, "tIoU", evaluated, args.per_class)
    main = tables["table"]
    tables["table"] = type(main)(main.title, main.threshold_name, main.thresholds, main.rows,
                                 tuple(main.notes) + tuple(result.notes), main.first_column, main.accuracy_column)
    for name, table in result.tables.items():
        tables[name] = table
    metrics = ev.build_metrics("temporal", ",".join(protocols), evaluated, provenance(inputs),
                               subset=args.subset, unknown_videos=args.unknown_videos)
    metrics["analyses"] = {"diagnosis-temporal": {**result.metrics, "notes": list(result.notes)}}
    args.per_class = True  # print every table: the diagnosis tables are the point of this verb
    emit(args, tables, metrics)
    return 0
