"""Load spatial ground truth / detections from any supported file, recognising the format from its content.

Formats: ``pyannot`` (UCF101-24 pickle), ``mat`` (``finalAnnots.mat``), ``coco_gt`` / ``coco_results``
(COCO JSON), ``boxes_csv`` (``video,frame,label[,score],x1,y1,x2,y2``) and ``tubes_csv``
(``tube,video,label[,score],frame,x1,y1,x2,y2``). ``fmt`` also takes the short names ``coco`` and
``csv``, resolved by what is being loaded.
"""
from __future__ import annotations

import os
import re

from annotations.boxes_io import read_boxes_csv, read_tubes_csv
from annotations.coco import CocoIndex, read_coco_gt, read_coco_index, read_coco_results
from annotations.errors import InputError, require_file
from annotations.types import FrameBoxes, Tube, TubeDataset, VideoInfo
from annotations.ucf101_24 import read_final_annots_mat, read_pyannot, read_split_list

FORMATS = ("pyannot", "mat", "coco_gt", "coco_results", "boxes_csv", "tubes_csv")


def sniff_spatial_format(path: str | os.PathLike) -> str:
    """Name of the format of ``path`` (one of FORMATS), from its first bytes.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(p, "w").write("video,frame,label,score,x1,y1,x2,y2\\n")
    >>> sniff_spatial_format(p)
    'boxes_csv'
    """
    p = require_file(path)
    with open(p, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"MATLAB 5.0 MAT-file") or head[:8] == b"\x89HDF\r\n\x1a\n":
        return "mat"
    if head[:1] == b"\x80" or head[:1] in (b"(", b"}", b"]"):  # pickle protocol >= 2, or protocol 0/1
        return "pyannot"
    text = head.lstrip()
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:].lstrip()
    if text[:1] == b"[":
        return "coco_results"
    if text[:1] == b"{":
        return "coco_gt"
    if not text:
        raise InputError(p, None, "empty file")
    header = [c.strip().lower() for c in text.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")]
    if "tube" in header:
        return "tubes_csv"
    if {"video", "frame", "label"} <= set(header):
        return "boxes_csv"
    raise InputError(p, "line 1", f"unrecognised format; expected one of {', '.join(FORMATS)}")


#: short names accepted for ``fmt`` (as the CLI spells them), by what is being loaded
_ALIASES = {
    "gt": {"coco": "coco_gt", "csv": "boxes_csv"},
    "detections": {"coco": "coco_results", "csv": "boxes_csv"},
    "tubes": {"csv": "tubes_csv"},
}


def _format(path, fmt: str, role: str = "gt") -> str:
    if fmt == "auto":
        return sniff_spatial_format(path)
    fmt = _ALIASES[role].get(fmt, fmt)
    if fmt not in FORMATS:
        raise InputError(os.fspath(path), "fmt", f"unknown format {fmt!r} (choose 'auto' or one of {', '.join(FORMATS)})")
    return fmt


def _split_videos(split, dataset: TubeDataset | None, available, source: str, strict: bool = True):
    """Video names selected by ``split``: None (all), 'train' / 'test', a split-list path, or names.

    With ``strict`` every named video must be in ``available`` (files that list their videos);
    CSV files only name videos that have boxes, so they are not checked.
    """
    if split is None:
        return None
    if isinstance(split, str) and split in ("train", "test") and not os.path.exists(split):
        if dataset is None:
            raise InputError(source, None, f"split {split!r} needs a dataset file that defines splits")
        names = dataset.train_videos if split == "train" else dataset.test_videos
        if not names:
            raise InputError(source, None, f"the file defines no {split} split; pass a split list such as testlist01.txt")
        return tuple(names)
    if isinstance(split, (str, os.PathLike)):
        names = read_split_list(split)
        where = os.fspath(split)
    else:
        names = tuple(str(v) for v in split)
        where = None
    known = set(available)
    missing = [v for v in names if v not in known]
    if missing and strict:
        raise InputError(where or source, None, f"{len(missing)} split video(s) not in {source} (e.g. {missing[0]!r})")
    return names


def load_tube_dataset(path: str | os.PathLike, fmt: str = "auto", split=None, classes=None) -> TubeDataset:
    """A UCF101-24 TubeDataset from ``pyannot*.pkl`` or ``finalAnnots.mat``; a split list path sets test_videos.

    Also exported as ``annotations.load_ucf101_24``.

    Parameters
    ----------
    path : str or PathLike
    fmt : {"auto", "pyannot", "mat"}
    split : str or PathLike, optional
        A split list (``testlist01.txt``) that sets ``test_videos``.
    classes : sequence of str, optional
        Class names by label (default: the file's, else the bundled UCF101-24 list).

    Returns
    -------
    TubeDataset
        Frames 0-based, boxes ``[x1, y1, x2, y2]`` pixels, frames 320x240.

    Examples
    --------
    >>> import os, tempfile
    >>> from annotations.ucf101_24 import write_pyannot
    >>> p = os.path.join(tempfile.mkdtemp(), "pyannot.pkl")
    >>> ds = TubeDataset(("a",), {"v": VideoInfo("v", "a", 5)}, (Tube("v", "a", [1, 2], [[0, 0, 9, 9]] * 2),))
    >>> write_pyannot(p, ds)
    >>> load_tube_dataset(p, classes=("a",)).tubes[0].frame_idx.tolist()
    [1, 2]
    """
    fmt = _format(path, fmt)
    split_file = split if isinstance(split, (str, os.PathLike)) and os.path.isfile(split) else None
    if fmt == "pyannot":
        return read_pyannot(path, split_file=split_file, classes=classes)
    if fmt == "mat":
        return read_final_annots_mat(path, classes=classes, split_file=split_file)
    raise InputError(os.fspath(path), None, f"{fmt} is not a tube dataset (expected pyannot.pkl or finalAnnots.mat)")


def _boxes_as_dataset(gt: FrameBoxes, classes) -> TubeDataset:
    """Per-frame boxes as a TubeDataset of one-frame tubes (box files do not say which boxes form a track)."""
    labels_of: dict[str, set] = {v: set() for v in gt.videos}
    for v, c in zip(gt.video.tolist(), gt.label.tolist()):
        labels_of.setdefault(v, set()).add(c)
    videos = {v: VideoInfo(v, label=next(iter(ls)) if len(ls) == 1 else None) for v, ls in labels_of.items()}
    tubes = tuple(Tube(v, c, [f], b[None, :]) for v, f, c, b in
                  zip(gt.video.tolist(), gt.frame_idx.tolist(), gt.label.tolist(), gt.boxes_xyxy))
    return TubeDataset(tuple(classes), videos, tubes, source=gt.source)


def load_spatial_gt(path: str | os.PathLike, fmt: str = "auto", split=None, classes=None) -> TubeDataset:
    """Spatial ground truth from any GT format, as a TubeDataset whose ``test_videos`` are the ``split``.

    ``split``: None (``test_videos`` as the file defines them, often none: then evaluate all
    videos), ``"train"`` / ``"test"`` (splits defined in the file), a split-list path
    (``testlist01.txt``) or a sequence of video names. COCO and CSV ground truth become one-frame
    tubes (use them for frame-AP, not video-AP). :func:`evaluated_videos` gives the evaluated videos
    (an error for a file holding training and test videos and no split); :func:`load_spatial_gt_boxes`
    gives their boxes in one call.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "gt.csv")
    >>> _ = open(p, "w").write("video,frame,label,x1,y1,x2,y2\\nv,0,a,0,0,9,9\\nw,2,a,0,0,9,9\\n")
    >>> ds = load_spatial_gt(p, split=["w"])
    >>> ds.test_videos, len(ds.frame_boxes(ds.test_videos))
    (('w',), 1)
    """
    fmt = _format(path, fmt)
    p = os.fspath(path)
    if fmt in ("pyannot", "mat"):
        dataset = load_tube_dataset(p, fmt, split, classes)
        videos = _split_videos(split, dataset, dataset.videos, p)
        if videos is None or videos == dataset.test_videos:
            return dataset
        chosen = set(videos)
        train = tuple(v for v in dataset.videos if v not in chosen)
        return TubeDataset(dataset.classes, dataset.videos, dataset.tubes, train, videos, dataset.source,
                           dataset.notes)
    if fmt == "coco_gt":
        gt = read_coco_gt(p, classes=classes)
        file_classes = read_coco_index(p).classes
    elif fmt == "boxes_csv":
        gt = read_boxes_csv(p, classes=classes, require_score=False)
        if gt.score is not None:
            gt = FrameBoxes(gt.video, gt.frame_idx, gt.label, gt.boxes_xyxy, None, gt.videos, gt.source)
        file_classes = tuple(sorted(set(gt.label.tolist())))
    else:
        raise InputError(p, None, f"{fmt} holds detections or tubes, not per-frame ground truth")
    videos = _split_videos(split, None, gt.videos, p, strict=fmt == "coco_gt")
    if videos is not None:  # CSV files only name videos with boxes: the split may add empty ones
        gt = FrameBoxes(gt.video, gt.frame_idx, gt.label, gt.boxes_xyxy, None,
                        tuple(dict.fromkeys(tuple(gt.videos) + tuple(videos))), gt.source)
    dataset = _boxes_as_dataset(gt, classes if classes is not None else file_classes)
    if videos is None:
        return dataset
    return TubeDataset(dataset.classes, dataset.videos, dataset.tubes, (), videos, dataset.source, dataset.notes)


#: UCF101's three standard splits: the test groups of split k are 7k-6 .. 7k (training: the other 18)
UCF101_TEST_GROUPS = (frozenset(range(1, 8)), frozenset(range(8, 15)), frozenset(range(15, 22)))
_UCF_GROUP = re.compile(r"_g(\d{2})_c\d+")


def mixes_train_and_test(videos) -> str | None:
    """Why ``videos`` hold both training and test videos of UCF101-style splits, or None if they do not.

    Names of the form ``v_<Class>_gXX_cYY`` are grouped by ``XX``; the set mixes train and test when,
    for every standard split, it holds some test group and some training group.

    Examples
    --------
    >>> mixes_train_and_test(["a/v_a_g01_c01", "a/v_a_g09_c01", "a/v_a_g16_c01"])
    'its 3 videos cover UCF101 groups 01-16, i.e. test and training groups of every standard split'
    >>> mixes_train_and_test(["a/v_a_g01_c01", "a/v_a_g07_c02"]) is None  # split 1 test only
    True
    """
    videos = list(videos)
    groups = set()
    for name in videos:
        m = _UCF_GROUP.search(str(name))
        if m:
            groups.add(int(m.group(1)))
    if len(videos) < 2 or not groups:
        return None
    if all(groups & test and groups - test for test in UCF101_TEST_GROUPS):
        return (f"its {len(videos)} videos cover UCF101 groups {min(groups):02d}-{max(groups):02d}, i.e. test and "
                "training groups of every standard split")
    return None


def evaluated_videos(dataset: TubeDataset, split=None, all_videos: bool = False) -> tuple[str, ...]:
    """The videos to evaluate: the dataset's ``test_videos`` (the split), else every video.

    Evaluating every video of a file that holds both training and test videos is almost always a
    mistake (the numbers then mix both), so without a ``split`` it is an error unless ``all_videos``.

    Parameters
    ----------
    dataset : TubeDataset
        As :func:`load_spatial_gt` returns it (``test_videos`` = the split, if any).
    split : optional
        The split the dataset was loaded with (None: none given).
    all_videos : bool
        Evaluate every video even when they hold training and test videos.

    Returns
    -------
    tuple of str

    Raises
    ------
    InputError
        No split, the file's videos hold training and test videos, and not ``all_videos``.

    Examples
    --------
    >>> from annotations.types import TubeDataset, VideoInfo
    >>> ds = TubeDataset(("a",), {"x": VideoInfo("x"), "y": VideoInfo("y")}, ())
    >>> evaluated_videos(ds)
    ('x', 'y')
    """
    if dataset.test_videos:
        return tuple(dataset.test_videos)
    videos = tuple(dataset.videos)
    if split is None and not all_videos:
        why = ("it defines training videos " + f"({len(dataset.train_videos)}) and no test split"
               if dataset.train_videos else mixes_train_and_test(videos))
        if why:
            raise InputError(dataset.source or None, None,
                             f"the ground truth holds training and test videos ({why}) and no split was given; "
                             "pass split= the list of videos to evaluate (e.g. testlist01.txt), or all_videos=True "
                             "to evaluate every video")
    return videos


def load_spatial_gt_boxes(path: str | os.PathLike, fmt: str = "auto", split=None, classes=None,
                          all_videos: bool = False) -> FrameBoxes:
    """Per-frame ground-truth boxes of the ``split`` videos.

    Without a split, every video of the file; an error when those hold training and test videos
    (see :func:`evaluated_videos`) unless ``all_videos``.

    Parameters
    ----------
    path : str or PathLike
        ``pyannot*.pkl``, ``finalAnnots.mat``, COCO ground-truth JSON or a box CSV.
    fmt, split, classes
        As :func:`load_spatial_gt`.
    all_videos : bool
        Evaluate every video even when they hold training and test videos.

    Returns
    -------
    FrameBoxes
        ``score`` None; ``videos`` = the evaluated videos.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "gt.csv"), "w").write("video,frame,label,x1,y1,x2,y2\\nv,0,a,1,2,30,40\\n")
    >>> len(load_spatial_gt_boxes(os.path.join(d, "gt.csv")))
    1
    """
    dataset = load_spatial_gt(path, fmt, split, classes)
    return dataset.frame_boxes(evaluated_videos(dataset, split, all_videos))


def _coco_index_of(gt, p: str) -> CocoIndex:
    if isinstance(gt, CocoIndex):
        return gt
    if isinstance(gt, (str, os.PathLike)):
        return read_coco_index(gt)
    source = getattr(gt, "source", "")
    if source and os.path.isfile(source) and sniff_spatial_format(source) == "coco_gt":
        return read_coco_index(source)
    raise InputError(p, None, "COCO results use image ids: give the COCO ground-truth JSON they refer to")


def load_box_detections(path: str | os.PathLike, fmt: str = "auto", gt=None, classes=None) -> FrameBoxes:
    """Per-frame detections from a box CSV or a COCO result JSON.

    ``gt`` (optional): the ground truth (TubeDataset / FrameBoxes read from a file, a CocoIndex, or
    a COCO ground-truth path). COCO results name images by id and need it; a TubeDataset also
    supplies the class list, so an unknown class name is reported with its line.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(p, "w").write("video,frame,label,score,x1,y1,x2,y2\\nv,0,a,0.5,0,0,9,9\\n")
    >>> len(load_box_detections(p))
    1
    """
    fmt = _format(path, fmt, "detections")
    p = os.fspath(path)
    if classes is None and isinstance(gt, TubeDataset):
        classes = gt.classes
    if fmt == "boxes_csv":
        return read_boxes_csv(p, classes=classes)
    if fmt == "coco_results":
        return read_coco_results(p, _coco_index_of(gt, p), classes=classes)
    raise InputError(p, None, f"{fmt} is not a per-frame detection format (expected a box CSV or COCO results)")


def load_gt_tube_dataset(path: str | os.PathLike, fmt: str = "auto", split=None, classes=None,
                         all_videos: bool = False) -> TubeDataset:
    """Ground truth for video-AP: a TubeDataset holding only the evaluated videos and their tubes.

    Parameters
    ----------
    path : str or PathLike
        ``pyannot*.pkl``, ``finalAnnots.mat`` or a ground-truth tube CSV.
    fmt : {"auto", "pyannot", "mat", "tubes_csv", "csv"}
    split : optional
        ``"train"`` / ``"test"`` (splits defined in the file), a split-list path or video names.
    classes : sequence of str, optional
    all_videos : bool
        Without a split, evaluate every video even when they hold training and test videos
        (otherwise an error, see :func:`evaluated_videos`).

    Returns
    -------
    TubeDataset
        ``videos`` (with frame counts and sizes when the file has them) and ``test_videos`` = the
        evaluated videos; ``tubes`` = their tubes.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "t.csv"), "w").write("tube,video,label,frame,x1,y1,x2,y2\\n0,v,a,0,1,2,30,40\\n")
    >>> ds = load_gt_tube_dataset(os.path.join(d, "t.csv"))
    >>> ds.test_videos, len(ds.tubes)
    (('v',), 1)
    """
    fmt = _format(path, fmt, "tubes")
    p = os.fspath(path)
    if fmt in ("pyannot", "mat"):
        dataset = load_tube_dataset(p, fmt, split, classes)
        chosen = _split_videos(split, dataset, dataset.videos, p)
        if chosen is not None:
            dataset = TubeDataset(dataset.classes, dataset.videos, dataset.tubes, (), chosen, dataset.source,
                                  dataset.notes)
        videos = evaluated_videos(dataset, split, all_videos)
        info = {v: dataset.videos.get(v, VideoInfo(v)) for v in videos}
        return TubeDataset(dataset.classes, info, dataset.tubes_of(videos), (), videos, dataset.source,
                           dataset.notes)
    if fmt == "tubes_csv":
        tubes = read_tubes_csv(p, classes=classes, require_score=False, inverted_boxes="error")
        chosen = _split_videos(split, None, (), p, strict=False)
        present = tuple(dict.fromkeys(t.video for t in tubes))
        base = TubeDataset(tuple(classes) if classes is not None else tuple(sorted({t.label for t in tubes})),
                           {v: VideoInfo(v) for v in present}, tubes, (), tuple(chosen or ()), p)
        videos = evaluated_videos(base, split, all_videos)
        return TubeDataset(base.classes, {v: VideoInfo(v) for v in videos}, base.tubes_of(videos), (), videos, p)
    raise InputError(p, None, f"{fmt} does not hold ground-truth tubes")


def load_gt_tubes(path: str | os.PathLike, fmt: str = "auto", split=None, classes=None) -> tuple[Tube, ...]:
    """Ground-truth tubes of the ``split`` videos from ``pyannot*.pkl``, ``finalAnnots.mat`` or a tube CSV.

    Without a split: every tube of the file (see :func:`load_gt_tube_dataset` for the checked,
    evaluated set with frame counts).

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "t.csv"), "w").write("tube,video,label,frame,x1,y1,x2,y2\\n0,v,a,0,1,2,30,40\\n")
    >>> len(load_gt_tubes(os.path.join(d, "t.csv")))
    1
    """
    fmt = _format(path, fmt, "tubes")
    p = os.fspath(path)
    if fmt in ("pyannot", "mat"):
        dataset = load_tube_dataset(p, fmt, split, classes)
        videos = _split_videos(split, dataset, dataset.videos, p)
        return dataset.tubes if videos is None else dataset.tubes_of(videos)
    if fmt == "tubes_csv":
        tubes = read_tubes_csv(p, classes=classes, require_score=False, inverted_boxes="error")
        videos = _split_videos(split, None, (), p, strict=False)
        return tubes if videos is None else tuple(t for t in tubes if t.video in set(videos))
    raise InputError(p, None, f"{fmt} does not hold ground-truth tubes")


def load_tube_detections(path: str | os.PathLike, fmt: str = "auto", classes=None) -> tuple[Tube, ...]:
    """Detected tubes from a tube CSV (inverted boxes kept, as ACT evaluates them); also ``annotations.load_tubes``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("tube,video,label,score,frame,x1,y1,x2,y2\\n0,v,a,0.5,0,0,0,9,9\\n")
    >>> load_tube_detections(p)[0].score
    0.5
    """
    fmt = _format(path, fmt, "tubes")
    if fmt != "tubes_csv":
        raise InputError(os.fspath(path), None, f"{fmt} is not a tube CSV")
    return read_tubes_csv(path, classes=classes)


__all__ = ["FORMATS", "sniff_spatial_format", "load_tube_dataset", "load_spatial_gt", "load_spatial_gt_boxes",
           "load_box_detections", "evaluated_videos", "mixes_train_and_test", "load_gt_tube_dataset",
           "load_gt_tubes", "load_tube_detections"]
