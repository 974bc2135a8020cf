"""Video classification accuracy on HMDB51, UCF101, Moments in Time or THUMOS'14 (paper Tables 1, 2, 6).

Examples:
  locbench eval-classification --data hmdb51/ --splits 1,2,3 --scores s1.csv s2.csv s3.csv --out res/
  locbench eval-classification --data ucf101/ --attention att1/ --name "attention (ours)"
  locbench eval-classification --data ucf101/ --checkpoint run/last.pt --out res/
  locbench eval-classification --data thumos14/ --classes classes.txt --scores s.csv --multi-label map

Inputs (one per split, in the order of --splits): a score file (CSV ``video,class,score``, or a .npy
(videos x classes) with --score-videos lists), attention files (their ``class_scores``), or a
checkpoint run on the split's test videos. Top-1 / top-k / mean per-class accuracy per split, and
mean ± std (ddof 1) over the splits. THUMOS'14 (untrimmed, video-level labels from the temporal
ground truth): multi-label videos are removed as in the paper (``--multi-label drop``, count in the
notes) or kept and scored with top-1-in-label-set and the mAP over classes (``--multi-label map``).
"""
from __future__ import annotations

import os
import sys

NAME = "eval-classification"
HELP = "top-1 / top-5 / mean per-class video accuracy (HMDB51, UCF101, Moments in Time, THUMOS'14)"
DATASET_TITLES = {"hmdb51": "HMDB51", "ucf101": "UCF101", "moments": "Moments in Time", "thumos14": "THUMOS'14"}


def add_arguments(p) -> None:
    """The eval-classification flags: data, one input per split, output."""
    g = p.add_argument_group("data")
    g.add_argument("--data", required=True, metavar="DIR",
                   help="dataset root: HMDB51 (testTrainMulti_7030_splits/), UCF101 (ucfTrainTestlist/), Moments in "
                        "Time (trainingSet.csv ...) or THUMOS'14 (groundtruth/<Class>_test.txt, with --classes)")
    g.add_argument("--splits", default="1", metavar="K[,K...]", help="official splits to evaluate, e.g. 1,2,3 (default 1)")
    g.add_argument("--classes", metavar="FILE", help="class list (THUMOS'14 only: e.g. class_index_detection.txt)")
    g.add_argument("--multi-label", choices=("drop", "map"), default="drop",
                   help="THUMOS'14 videos of several classes: drop (the paper; count reported) or map (keep them: "
                        "top-1 in the label set and mAP over classes)")
    g.add_argument("--unknown-videos", choices=("error", "drop"), default="error",
                   help="scored videos outside the evaluated ground truth (the test videos of the split): error or drop "
                        "(names equal to a test video up to case, folder or extension stay an error)")
    i = p.add_argument_group("input (one per split)")
    i.add_argument("--scores", nargs="+", metavar="FILE", help="score files: CSV video,class,score or .npy")
    i.add_argument("--score-videos", nargs="+", metavar="TXT", help="video list of each .npy score file")
    i.add_argument("--attention", nargs="+", metavar="DIR", help="folders of attention files (their class_scores), one per split")
    i.add_argument("--checkpoint", nargs="+", metavar="PT", help="checkpoints to run on each split's test videos")
    i.add_argument("--device", default="auto", help="for --checkpoint: auto, cpu or cuda")
    i.add_argument("--batch-size", type=int, default=8, help="for --checkpoint: clips per forward pass")
    o = p.add_argument_group("output")
    o.add_argument("--name", help="method name in the table (default: the first input's name)")
    o.add_argument("--topk", type=int, default=5, metavar="K", help="also report top-K accuracy (default 5)")
    o.add_argument("--out", metavar="DIR", help="write metrics.json, tables (md/csv/json/tex) and figures here")
    o.add_argument("--overwrite", action="store_true",
                   help="replace the files of an earlier run in --out (only the files locbench wrote there)")
    o.add_argument("--format", choices=("md", "csv", "json", "latex"), default="md", help="table printed (default md)")


def _splits(text: str) -> tuple[int, ...]:
    from annotations.errors import InputError

    try:
        ks = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        ks = ()
    if not ks or any(k not in (1, 2, 3) for k in ks) or len(set(ks)) != len(ks):
        raise InputError(None, "--splits", f"expected distinct official splits among 1,2,3, got {text!r}")
    return ks


def _inputs(args, n: int) -> tuple[str, list]:
    from annotations.errors import InputError

    given = [k for k in ("scores", "attention", "checkpoint") if getattr(args, k)]
    if len(given) != 1:
        raise InputError(None, "arguments", "give exactly one of --scores, --attention or --checkpoint "
                                            f"(got {', '.join('--' + g for g in given) or 'none'})")
    values = getattr(args, given[0])
    if len(values) != n:
        raise InputError(None, f"--{given[0]}", f"{len(values)} given for {n} splits: give one per split, in the "
                                                "order of --splits")
    lists = getattr(args, "score_videos", None)
    if lists:  # a video list that would be ignored, or lists not paired one-to-one with .npy files
        npy = [v for v in values if v.lower().endswith((".npy", ".npz"))] if given[0] == "scores" else []
        if not npy:
            raise InputError(None, "--score-videos", "video lists go with .npy score files only (a CSV names its "
                                                     "videos); drop --score-videos")
        if len(lists) != n:
            raise InputError(None, "--score-videos", f"{len(lists)} video lists for {n} score files: give one per "
                                                     "score file, in the order of --scores")
    return given[0], values


def _ground_truth(args, split: int):
    """(dataset kind, RecognitionSplit, all labels of each test video or None)."""
    from annotations.errors import InputError
    from annotations.recognition import detect_format, load_recognition, read_thumos14_classification
    from annotations.textfiles import read_class_list

    fmt = detect_format(args.data)
    if fmt is None and os.path.isdir(os.path.join(args.data, "groundtruth")):
        if not args.classes:
            raise InputError(None, "--classes", "THUMOS'14 classification needs the class list (--classes)")
        rs, labels = read_thumos14_classification(os.path.join(args.data, "groundtruth"), read_class_list(args.classes),
                                                  multi_label="drop" if args.multi_label == "drop" else "keep")
        return "thumos14", rs, labels
    if args.classes and fmt is not None:  # the dataset's own files fix the classes and their order
        raise InputError(None, "--classes", f"is for THUMOS'14 only; {DATASET_TITLES[fmt]} reads its classes from its "
                                            "own files: drop --classes")
    return fmt, load_recognition(args.data, split, check_videos=False), None


def _video_folder(args, kind: str) -> str:
    from annotations.recognition import UCF_VIDEO_DIR, hmdb51_video_folder

    if kind == "hmdb51":
        return hmdb51_video_folder(args.data) or args.data
    if kind == "ucf101":
        return os.path.join(args.data, UCF_VIDEO_DIR)
    if kind == "thumos14":
        for sub in ("videos", "test"):
            if os.path.isdir(os.path.join(args.data, sub)):
                return os.path.join(args.data, sub)
    return args.data


def _scores_of(args, mode: str, value: str, k: int, classes, kind: str, test_names, split: int):
    """ClassScores of one split from a score file, attention folder or checkpoint."""
    import numpy as np

    from annotations.errors import InputError
    from annotations.recognition import read_class_scores
    from annotations.types import ClassScores

    if mode == "scores":
        vl = None
        if value.endswith(".npy"):
            if not args.score_videos or len(args.score_videos) <= k:
                raise InputError(value, None, "a .npy score file needs its video list: give --score-videos, one per split")
            vl = args.score_videos[k]
        return read_class_scores(value, classes, vl)
    if mode == "attention":
        folder = value
        _check_attention_split(folder, kind, split)
    else:
        from locbench.inference.predict import predict_videos
        from locbench.video.layout import video_name

        from locbench.model.checkpoint import load_checkpoint

        ckpt = load_checkpoint(value, expect_classes=classes)  # another dataset's fails before any video runs
        _check_trained_split(ckpt, kind, split, value, "checkpoint")
        if kind in ("hmdb51", "ucf101", "moments"):  # trimmed: the paper's test clip, as ablate scores rows
            return _centre_clip_scores(args, value, split, (ckpt.selection or {}).get("preprocess") == "he")
        if ckpt.config.head == "meanpool":  # the plain-backbone baseline has no attention to write
            raise InputError(value, None, "a plain-backbone (meanpool) checkpoint is scored on trimmed HMDB51, "
                                          "UCF101 or Moments in Time videos only")
        folder = os.path.join(args.out or ".", f"attention_split{split}")
        predict_videos(value, _video_folder(args, kind), folder, device=args.device, batch_size=args.batch_size,
                       untrimmed=(kind == "thumos14"), names=[video_name(n) for n in test_names], progress=True,
                       overwrite=bool(args.overwrite))  # --overwrite redoes another checkpoint's attention files
    from locbench.inference.attention import load_attention_dir

    recs = load_attention_dir(folder)
    for r in recs:
        if tuple(r.classes) != tuple(classes):
            raise InputError(folder, f"video {r.video!r}", f"attention file classes {list(r.classes)[:3]}... are not the "
                                                           f"dataset's {len(classes)} classes in order")
    return ClassScores(tuple(r.video for r in recs), tuple(classes), np.stack([r.class_scores for r in recs]), folder)


def _check_trained_split(ckpt, kind: str, split: int, where: str, what: str) -> None:
    """InputError when an HMDB51 / UCF101 checkpoint trained on another split (its training videos are test videos here)."""
    from annotations.errors import InputError

    trained = ((ckpt.selection or {}).get("split") or {}).get("official_split")
    if kind in ("hmdb51", "ucf101") and trained not in (None, split):
        raise InputError(where, None, f"trained on split {trained}, whose training list holds test videos "
                                                  f"of split {split}: give, for each of --splits, the {what} of the "
                                                  "model trained on that split")


def _check_attention_split(folder: str, kind: str, split: int) -> None:
    """The split check for attention files, through the checkpoint their predict_info.json names (if still there)."""
    import json

    from locbench.model.checkpoint import load_checkpoint

    if kind not in ("hmdb51", "ucf101"):
        return
    try:
        with open(os.path.join(folder, "predict_info.json"), encoding="utf-8") as f:
            path = json.load(f).get("checkpoint")
    except (OSError, ValueError, AttributeError):
        return
    if isinstance(path, str) and os.path.isfile(path):
        _check_trained_split(load_checkpoint(path), kind, split, folder, "attention files")


CLIP_NOTE = ("checkpoint scored on one centre clip per test video, as ablate tests its rows: n frames at the "
             "centres of n equal parts; whole frames resized to S x S, or, for a model trained with He et al. "
             "preprocessing (train --augment), the shorter side to round(256 S / 224) and the S x S centre crop")


def _centre_clip_scores(args, checkpoint: str, split: int, he_crop: bool):
    """ClassScores of a checkpoint on the split's trimmed test videos: one centre clip each, the paper's test
    crop when it was trained with He et al. preprocessing (the same numbers ablate reports)."""
    from annotations.recognition import load_recognition
    from annotations.types import ClassScores
    from locbench.training.ablate import accuracy_on_test
    from locbench.training.distributed import resolve_device

    rs = load_recognition(args.data, split)  # with the video paths, checked on disk
    _, names, scores = accuracy_on_test(checkpoint, rs, str(resolve_device(args.device)), max(1, args.batch_size),
                                        augment=he_crop)
    return ClassScores(tuple(names), rs.classes, scores, checkpoint)


def _align(cs, test, policy: str, where: str, excluded=frozenset()):
    """Rows of ``cs`` in test order; a name with another or no folder prefix maps to the one test video
    sharing its longest '/'-suffix (Moments ``cat/file`` -> ``validation/cat/file``; said in notes).
    Scores of ``excluded`` videos (removed by the protocol, e.g. multi-label THUMOS'14) are ignored."""
    from annotations.errors import InputError
    from evaluators.unknown_videos import near_misses

    names = [v.name for v in test]
    row = {v: i for i, v in enumerate(cs.videos)}
    notes = []
    tails = {}  # every '/'-suffix of a test name -> the names that end with it
    for n in names:
        parts = n.split("/")
        for i in range(len(parts)):
            tails.setdefault("/".join(parts[i:]), []).append(n)
    mapped, name_set = {}, set(names)
    for v in cs.videos:
        if v in name_set:
            continue
        parts = v.split("/")  # the longest suffix of the scored name that names one test video
        cands = next((tails[t] for t in ("/".join(parts[i:]) for i in range(len(parts))) if t in tails), [])
        if len(cands) == 1 and cands[0] not in row and cands[0] not in mapped:
            mapped[cands[0]] = row[v]
    if mapped:
        first = next(iter(mapped))
        notes.append(f"{len(mapped)} scored videos matched test videos by the end of their path (another or no "
                     f"folder prefix, e.g. {cs.videos[mapped[first]]!r} as {first!r})")
    used = set(names)
    unknown = [v for v in cs.videos if v not in used and row[v] not in mapped.values() and v not in excluded]
    if unknown and len(unknown) == len(cs.videos):  # dropping them all would leave nothing: say what it looks like
        raise InputError(where, None, f"none of its {len(unknown)} scored videos is a test video of this split (first: "
                                      f"{unknown[0]!r}, expected e.g. {names[0]!r}): scores of another split or "
                                      "dataset? give one file per split, in the order of --splits")
    if unknown:
        close = near_misses(unknown, names)
        if policy == "error" or close:
            hint = f" ({len(close)} look like test videos spelt differently, e.g. {next(iter(close.items()))})" if close else ""
            raise InputError(where, None, f"{len(unknown)} scored videos are not test videos of this split (first: "
                                          f"{unknown[0]!r}){hint}; pass --unknown-videos drop to ignore them")
        notes.append(f"{len(unknown)} scored videos that are not test videos were dropped")
    missing = [n for n in names if n not in row and n not in mapped]
    if missing:
        raise InputError(where, None, f"{len(missing)} of {len(names)} test videos have no score (first: {missing[0]!r}); "
                                      "a missing video would count as wrong or vanish from the mean")
    idx = [row.get(n, mapped.get(n)) for n in names]
    return cs.scores[idx], notes


def _preprocess_warnings(checkpoints) -> list[str]:
    """A warning per checkpoint trained with He et al. crops that is scored through predict (THUMOS'14,
    untrimmed), which tests it on whole resized frames."""
    from locbench.model.checkpoint import load_checkpoint

    out = []
    for path in checkpoints:
        ckpt = load_checkpoint(path)
        if (ckpt.selection or {}).get("preprocess") == "he":
            s = ckpt.config.input_size
            out.append(f"{path} was trained with He et al. preprocessing (train --augment), but these scores come from "
                       f"predict, which resizes whole frames to {s}x{s} (aspect ratio lost) instead of the shorter "
                       f"side to {round(256 * s / 224)} and the {s}x{s} centre crop that the paper tests with "
                       "(trimmed sets are scored on that crop); the accuracy may differ")
    return out


def run(args) -> int:
    """Evaluate every split, print the tables, write --out."""
    import numpy as np

    from annotations.errors import InputError
    from evaluators.classification import (classification_metrics, mean_average_precision, mean_std,
                                           top1_in_label_set)
    from locbench.evaluation import classification as T

    splits = _splits(args.splits)
    mode, values = _inputs(args, len(splits))
    keep = tuple(f"attention_split{k}" for k in (1, 2, 3))  # predict resumes or redoes these itself
    if args.out:  # refuse another run's folder before any work (docs/architecture.md, "--out")
        from locbench.evaluation.outputs import check_out_dir
        check_out_dir(args.out, args.overwrite, keep)
    if args.topk < 1:
        raise InputError(None, "--topk", f"must be at least 1, got {args.topk}")
    per_split, notes, warnings = {}, [], []
    confusion, classes, kind = None, None, None
    for k, split in enumerate(splits):
        kind, rs, all_labels = _ground_truth(args, split)
        if kind in ("moments", "thumos14") and splits != (1,):
            raise InputError(None, "--splits", f"{DATASET_TITLES[kind]} has one split: use --splits 1")
        classes = rs.classes
        notes += [f"split {split}: {n}" if len(splits) > 1 else n for n in rs.notes]
        if mode == "checkpoint" and kind == "thumos14" and k == 0:  # untrimmed: predict's whole frames
            warnings += _preprocess_warnings(values)
        cs = _scores_of(args, mode, values[k], k, classes, kind, [v.name for v in rs.test], split)
        excluded = frozenset(v for v, ks in (all_labels or {}).items() if len(ks) > 1 and args.multi_label == "drop")
        scores, align_notes = _align(cs, rs.test, args.unknown_videos, values[k], excluded)
        notes += [f"split {split}: {n}" if len(splits) > 1 else n for n in align_notes]
        if cs.source == values[k] and mode == "checkpoint" and CLIP_NOTE not in notes:
            notes.append(CLIP_NOTE)
        labels = np.array([v.label for v in rs.test], dtype=np.int64)
        res = classification_metrics(scores, labels, topk=(1, args.topk))
        warnings += [w for w in res.warnings if w not in warnings]
        m = {"top1": res.top1, f"top{args.topk}": res.topk[args.topk], "mean_per_class": res.mean_per_class,
             "num_videos": res.num_videos, "per_class_accuracy": dict(zip(classes, res.per_class_accuracy)),
             "per_class_videos": dict(zip(classes, res.per_class_count.tolist()))}
        if kind == "thumos14" and args.multi_label == "map":
            sets = np.zeros_like(scores, dtype=bool)
            for i, v in enumerate(rs.test):
                sets[i, list(all_labels[v.name])] = True
            m["top1_in_label_set"] = top1_in_label_set(scores, sets)
            m["mAP"], ap = mean_average_precision(scores, sets)
            m["per_class_ap"] = dict(zip(classes, ap))
            notes.append("multi-label videos kept: 'top1' counts only the first class; 'top1_in_label_set' a hit on "
                         "any of the video's classes; mAP is over classes as in the THUMOS classification task")
        per_split[split] = m
        confusion = res.confusion if confusion is None else confusion + res.confusion
    keys = [k for k in per_split[splits[0]] if isinstance(per_split[splits[0]][k], float)]
    summary = {key: mean_std([per_split[s][key] for s in splits]) for key in keys}
    title = DATASET_TITLES.get(kind, kind)
    method = args.name or os.path.basename(os.path.normpath(values[0]))
    cols = tuple(dict.fromkeys(("top1", f"top{args.topk}", "mean_per_class")))  # --topk 1: one top-1 column + (("top1_in_label_set", "mAP") if "mAP" in keys else ())
    labels_ = {"top1": "top-1", f"top{args.topk}": f"top-{args.topk}", "mean_per_class": "mean per class",
               "top1_in_label_set": "top-1 in label set", "mAP": "mAP"}

    def cell(key):
        mean, std = summary[key]
        return (mean, std) if len(splits) > 1 else mean

    tables = {"table": T.ResultTable(f"Video classification on {title}" + (f", mean ± std over splits "
                                     f"{','.join(map(str, splits))}" if len(splits) > 1 else f", split {splits[0]}"),
                                     tuple(f"{title} {labels_[c]}" for c in cols),
                                     ((method, tuple(cell(c) for c in cols)),), tuple(notes + warnings))}
    if len(splits) > 1:
        rows = tuple((f"split {s}", tuple(per_split[s][c] for c in cols)) for s in splits)
        rows += (("mean ± std", tuple(summary[c] for c in cols)),)
        tables["splits"] = T.ResultTable(f"{method} on {title}, per split", tuple(labels_[c] for c in cols), rows,
                                         ("std is the sample standard deviation (ddof 1) over the splits",),
                                         first_column="Split")
    from locbench.evaluation.outputs import provenance

    metrics = {"task": "classification", "dataset": kind, "method": method, "input": mode,
               "splits": {str(s): per_split[s] for s in splits},
               "mean": {k: v[0] for k, v in summary.items()}, "std": {k: v[1] for k, v in summary.items()},
               "std_ddof": 1, "notes": notes, "warnings": warnings,
               "provenance": provenance({f"input_{i + 1}": v for i, v in enumerate(values) if os.path.isfile(v)})}
    if args.out:
        from locbench.evaluation.outputs import _write_manifest, prepare_out_dir
        prepare_out_dir(args.out, args.overwrite, keep)
        written = T.write_results(args.out, metrics, tables)
        written.append(T.plot_confusion(os.path.join(args.out, "confusion.png"), confusion, classes,
                                        f"{method} on {title} (summed over splits {','.join(map(str, splits))})"))
        acc = np.diag(confusion) / np.maximum(confusion.sum(1), 1)
        written.append(T.plot_per_class(os.path.join(args.out, "per_class_accuracy.png"), acc, confusion.sum(1),
                                        classes))
        written.append(_write_manifest(args.out, [os.path.relpath(w, args.out) for w in written]))
        print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    for name in tables:
        sys.stdout.write(T.render(tables[name], args.format) + "\n")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0
