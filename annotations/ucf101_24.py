"""UCF101-24 (corrected annotations) readers and writers: ``pyannot.pkl``, ``finalAnnots.mat``, split lists.

Both files describe the same 3,194 videos. ``pyannot.pkl`` has 0-based start frames ``sf``, exclusive
end frames ``ef`` and ``[x, y, w, h]`` boxes (box *i* is frame ``sf + i``); ``finalAnnots.mat`` has
1-based ``sf``, 1-based inclusive ``ef`` and 1-based classes. Both become a :class:`TubeDataset` with
0-based ``frame_idx`` and ``boxes_xyxy = [x, y, x + w, y + h]``. Frames are 320x240 pixels.
"""
from __future__ import annotations

import os
import pickle
from importlib import resources

import numpy as np

from annotations.atomic import atomic_open, atomic_write_text
from annotations.errors import InputError, require_file
from annotations.safe_pickle import safe_load_pickle
from annotations.textfiles import read_split_list  # noqa: F401  (part of this module's API)
from annotations.types import Tube, TubeDataset, VideoInfo

FRAME_WIDTH = 320
FRAME_HEIGHT = 240


def ucf101_24_classes() -> tuple[str, ...]:
    """The 24 class names in label order (label 0 = Basketball), from the bundled class list.

    Examples
    --------
    >>> classes = ucf101_24_classes()
    >>> len(classes), classes[0]
    (24, 'Basketball')
    """
    text = resources.files("annotations").joinpath("classes/ucf101_24.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


# ---------------------------------------------------------------------------------------------- splits

def write_split_list(path: str | os.PathLike, videos) -> None:
    """Write one video name per line (atomically).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "testlist.txt")
    >>> write_split_list(p, ["a/v_a_g01_c01", "b/v_b_g02_c01"])
    >>> read_split_list(p)
    ('a/v_a_g01_c01', 'b/v_b_g02_c01')
    """
    atomic_write_text(path, "".join(f"{v}\n" for v in videos))


def _apply_split(dataset_path: str, videos: dict, split_file, train_from_file) -> tuple[tuple, tuple]:
    """(train_videos, test_videos) from a split list and/or the pickle's ``trainvideos``."""
    train = tuple(v for v in (train_from_file or ()) if v in videos)
    if split_file is not None:
        sp = os.fspath(split_file)
        test = read_split_list(sp)
        with open(sp, encoding="utf-8") as f:
            line_of = {ln.strip(): n for n, ln in enumerate(f.read().splitlines(), start=1) if ln.strip()}
        for v in test:
            if v not in videos:
                raise InputError(sp, f"line {line_of.get(v, '?')}", f"video {v!r} is not in {dataset_path}")
        if not train:
            test_set = set(test)
            train = tuple(v for v in videos if v not in test_set)
        return train, test
    if train:
        train_set = set(train)
        return train, tuple(v for v in videos if v not in train_set)
    return (), ()


# ---------------------------------------------------------------------------------------------- pyannot

def _as_int(value, path: str, where: str, what: str) -> int:
    """A Python int from an int / numpy integer (uint8/uint16 included), else InputError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.integer):
            return int(value.reshape(-1)[0])
        raise InputError(path, where, f"{what} must be an integer, found {value!r}")
    return int(value)


def _xywh_to_xyxy(boxes, path: str, where: str) -> np.ndarray:
    """``[x, y, w, h]`` -> float64 ``[x1, y1, x2, y2]``, widening uint8/uint16 to int64 before adding."""
    b = np.asarray(boxes)
    if b.ndim != 2 or b.shape[1] != 4:
        raise InputError(path, where, f"boxes must be an N x 4 array of [x, y, w, h], found shape {b.shape}")
    kind = b.dtype.kind  # dtype.kind, not np.issubdtype: this runs once per tube (4,458 in UCF101-24)
    if kind in "iu":
        b = b.astype(np.int64)  # uint8 x + w overflows (250 + 60 = 54) without this
    elif kind == "f":
        b = b.astype(np.float64)
        if not np.isfinite(b).all():  # integers are always finite
            raise InputError(path, where, "boxes contain NaN or infinity")
    else:
        raise InputError(path, where, f"boxes must be numeric, found dtype {b.dtype}")
    if (b[:, 2:] < 0).any():
        row = int(np.flatnonzero(np.any(b[:, 2:] < 0, axis=1))[0])
        raise InputError(path, where, f"box {row} has negative width or height: {b[row].tolist()}")
    out = np.empty(b.shape, dtype=np.float64)
    out[:, :2] = b[:, :2]
    out[:, 2:] = b[:, :2] + b[:, 2:]
    return out


def _class_name(label, classes, path, where) -> str:
    idx = _as_int(label, path, where, "label")
    if not 0 <= idx < len(classes):
        raise InputError(path, where, f"label {idx} is outside 0..{len(classes) - 1}")
    return classes[idx]


def read_pyannot(path: str | os.PathLike, split_file: str | os.PathLike | None = None,
                 classes=None) -> TubeDataset:
    """Read ``pyannot.pkl`` or ``pyannot_with_class_names.pkl`` (safe unpickling) into a TubeDataset.

    Classes come from the file when it carries them, else ``classes``, else a ``classes.txt`` beside
    the file (one name per line, label order: what ``locbench synth`` writes for a synthetic set; said in
    ``notes``), else the bundled UCF101-24 list.
    ``split_file`` (e.g. ``testlist01.txt``) sets ``test_videos``; ``trainvideos`` in the file sets
    ``train_videos`` (names absent from the annotations are dropped: 6 train videos were removed).

    Parameters
    ----------
    path : str or PathLike
    split_file : str or PathLike, optional
    classes : sequence of str, optional

    Returns
    -------
    TubeDataset
        0-based ``frame_idx``, ``boxes_xyxy = [x, y, x + w, y + h]``, VideoInfo with ``num_frames``
        and the 320x240 frame size.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "pyannot.pkl")
    >>> ds = TubeDataset(("a",), {"v": VideoInfo("v", "a", 5)}, (Tube("v", "a", [1, 2], [[0, 0, 9, 9]] * 2),))
    >>> write_pyannot(p, ds)
    >>> got = read_pyannot(p, classes=("a",))
    >>> got.videos["v"].num_frames, got.tubes[0].boxes_xyxy.tolist()
    (5, [[0.0, 0.0, 9.0, 9.0], [0.0, 0.0, 9.0, 9.0]])
    """
    p = require_file(path, "UCF101-24 annotation pickle")
    data = safe_load_pickle(p)
    if not isinstance(data, dict):
        raise InputError(p, None, f"expected a dict of videos, found {type(data).__name__}")
    train_from_file = None
    if isinstance(data.get("db"), dict) and set(data) <= {"db", "trainvideos", "classes"}:
        file_classes = tuple(str(c) for c in data.get("classes", ()))
        train_from_file = [str(v) for v in data.get("trainvideos", ())]
        db = data["db"]
        prefix = "db."
        if classes is not None and file_classes and tuple(classes) != file_classes:
            raise InputError(p, "key 'classes'", f"class list {list(file_classes)} differs from the one given")
        classes = file_classes or classes
    else:
        db = data
        prefix = ""
    notes: tuple[str, ...] = ()
    if classes is None:
        sibling = os.path.join(os.path.dirname(os.path.abspath(p)), "classes.txt")
        if os.path.isfile(sibling):
            from annotations.textfiles import read_class_list
            classes = tuple(read_class_list(sibling))
            notes = (f"class names from {sibling} (the pickle holds label indices only; pass classes to "
                     "use another list)",)
    classes = tuple(classes) if classes is not None else ucf101_24_classes()

    videos: dict[str, VideoInfo] = {}
    tubes: list[Tube] = []
    for key, entry in db.items():
        name = str(key)
        where = f"key '{prefix}{name}'"
        if not isinstance(entry, dict):
            raise InputError(p, where, f"expected a dict with label/numf/annotations, found {type(entry).__name__}")
        for field in ("numf", "annotations"):
            if field not in entry:
                raise InputError(p, where, f"missing '{field}'")
        numf = _as_int(entry["numf"], p, where + ".numf", "numf")
        if numf < 0:
            raise InputError(p, where + ".numf", f"negative frame count {numf}")
        video_label = _class_name(entry["label"], classes, p, where + ".label") if "label" in entry else None
        annots = entry["annotations"]
        if not isinstance(annots, (list, tuple)):
            raise InputError(p, where + ".annotations", f"expected a list, found {type(annots).__name__}")
        for i, ann in enumerate(annots):
            aw = f"{where}.annotations[{i}]"
            if not isinstance(ann, dict):
                raise InputError(p, aw, f"expected a dict, found {type(ann).__name__}")
            for field in ("label", "sf", "ef", "boxes"):
                if field not in ann:
                    raise InputError(p, aw, f"missing '{field}'")
            label = _class_name(ann["label"], classes, p, aw + ".label")
            sf = _as_int(ann["sf"], p, aw + ".sf", "sf")
            ef = _as_int(ann["ef"], p, aw + ".ef", "ef")
            boxes_xyxy = _xywh_to_xyxy(ann["boxes"], p, aw + ".boxes")
            if sf < 0 or ef <= sf:
                raise InputError(p, aw, f"bad frame range sf={sf} ef={ef} (sf is 0-based, ef exclusive)")
            if ef > numf:
                raise InputError(p, aw, f"tube ends at frame {ef} (exclusive), after the video's {numf} frames")
            if len(boxes_xyxy) != ef - sf:
                raise InputError(p, aw, f"{len(boxes_xyxy)} boxes for {ef - sf} frames (sf={sf}, ef={ef})")
            tubes.append(Tube(name, label, np.arange(sf, ef, dtype=np.int64), boxes_xyxy))
            if video_label is None:
                video_label = label
        videos[name] = VideoInfo(name, label=video_label, num_frames=numf, width=FRAME_WIDTH, height=FRAME_HEIGHT)

    train, test = _apply_split(p, videos, split_file, train_from_file)
    return TubeDataset(classes, videos, tuple(tubes), train, test, source=p, notes=notes)


def _compact_uint(values: np.ndarray):
    """Integral non-negative values as uint8/uint16 (as the original files store them), else float64."""
    v = np.asarray(values, dtype=np.float64)
    if v.size and np.all(np.isfinite(v)) and np.all(v == np.round(v)) and v.min() >= 0:
        if v.max() < 256:
            return v.astype(np.uint8)
        if v.max() < 65536:
            return v.astype(np.uint16)
    return v


def write_pyannot(path: str | os.PathLike, dataset: TubeDataset, with_class_names: bool = False) -> None:
    """Write ``dataset`` in the ``pyannot.pkl`` layout (or ``pyannot_with_class_names.pkl``'s).

    Boxes become ``[x, y, w, h]``; integral boxes are stored as uint8/uint16 like the originals.
    Readable back with :func:`read_pyannot` (pickle protocol 3, numpy globals only).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "pyannot.pkl")
    >>> write_pyannot(p, TubeDataset(("a",), {"v": VideoInfo("v", "a", 3)}, ()))
    >>> list(read_pyannot(p, classes=("a",)).videos)
    ['v']
    """
    index = {c: i for i, c in enumerate(dataset.classes)}
    by_video: dict[str, list[Tube]] = {v: [] for v in dataset.videos}
    for t in dataset.tubes:
        if t.video not in by_video:
            raise InputError(None, "dataset", f"tube of video {t.video!r}, which is not in dataset.videos")
        by_video[t.video].append(t)
    db = {}
    for name, info in dataset.videos.items():
        tubes = by_video[name]
        label = info.label if info.label is not None else (tubes[0].label if tubes else dataset.classes[0])
        annots = []
        for t in tubes:
            if len(t.frame_idx) and np.any(np.diff(t.frame_idx) != 1):
                raise InputError(None, "dataset", f"tube of {name!r} has non-contiguous frames; pyannot needs sf..ef-1")
            xywh = np.concatenate([t.boxes_xyxy[:, :2], t.boxes_xyxy[:, 2:] - t.boxes_xyxy[:, :2]], axis=1)
            annots.append({"label": index[t.label], "sf": t.start_frame, "ef": t.end_frame + 1,
                           "boxes": _compact_uint(xywh)})
        numf = info.num_frames if info.num_frames is not None else max([t.end_frame + 1 for t in tubes], default=0)
        db[name] = {"label": index[label], "numf": _compact_uint(np.array([numf]))[0], "annotations": annots}
    data = db
    if with_class_names:
        data = {"db": db, "trainvideos": list(dataset.train_videos), "classes": list(dataset.classes)}
    with atomic_open(path, "wb") as f:
        pickle.dump(data, f, protocol=3)


# ---------------------------------------------------------------------------------------------- .mat

def _mat_scalar(value, path, where, what) -> int:
    a = np.asarray(value)
    if a.size != 1 or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise InputError(path, where, f"{what} must be one number, found {a!r}")
    x = a.reshape(-1)[0]
    if np.issubdtype(a.dtype, np.floating) and (not np.isfinite(x) or x != np.round(x)):
        raise InputError(path, where, f"{what} must be an integer, found {x!r}")
    return int(x)


def read_final_annots_mat(path: str | os.PathLike, classes=None,
                          split_file: str | os.PathLike | None = None) -> TubeDataset:
    """Read ``finalAnnots.mat`` (1-based inclusive frames, 1-based classes) into a TubeDataset.

    Gives the same tubes as ``pyannot.pkl``; the .mat has no class names (bundled list used) and no
    video-level label (taken from the video's first tube).

    Examples
    --------
    >>> import os, tempfile, numpy as np, scipy.io
    >>> p = os.path.join(tempfile.mkdtemp(), "finalAnnots.mat")
    >>> tube = np.zeros((1, 1), dtype=[("sf", "O"), ("ef", "O"), ("class", "O"), ("boxes", "O")])
    >>> tube[0, 0] = (np.array([[2]]), np.array([[3]]), np.array([[1]]), np.array([[0, 0, 9, 9], [1, 1, 9, 9]]))
    >>> annot = np.zeros((1, 1), dtype=[("name", "O"), ("num_imgs", "O"), ("tubes", "O")])
    >>> annot[0, 0] = (np.array(["a/v"]), np.array([[5]]), tube)
    >>> scipy.io.savemat(p, {"annot": annot})
    >>> read_final_annots_mat(p).tubes[0].frame_idx.tolist()  # 1-based 2..3 -> 0-based 1..2
    [1, 2]
    """
    import scipy.io

    p = require_file(path, "MATLAB annotation file")
    try:
        mat = scipy.io.loadmat(p)
    except Exception as e:  # scipy raises many types for non-.mat input
        raise InputError(p, None, f"not a readable MATLAB file ({type(e).__name__}: {e})") from None
    if "annot" not in mat:
        raise InputError(p, None, "no 'annot' variable (expected finalAnnots.mat layout)")
    annot = mat["annot"]
    if annot.dtype.names is None or not {"name", "num_imgs", "tubes"} <= set(annot.dtype.names):
        raise InputError(p, "annot", "expected a struct array with fields name, num_imgs, tubes")
    classes = tuple(classes) if classes is not None else ucf101_24_classes()
    videos: dict[str, VideoInfo] = {}
    tubes: list[Tube] = []
    for j, entry in enumerate(annot.reshape(-1)):
        where = f"annot({j + 1})"
        name_arr = np.asarray(entry["name"]).reshape(-1)
        if name_arr.size != 1:
            raise InputError(p, where + ".name", "expected one video name")
        name = str(name_arr[0])
        numf = _mat_scalar(entry["num_imgs"], p, where + ".num_imgs", "num_imgs")
        video_label = None
        tube_arr = np.asarray(entry["tubes"])
        if tube_arr.size and (tube_arr.dtype.names is None
                              or not {"sf", "ef", "class", "boxes"} <= set(tube_arr.dtype.names)):
            raise InputError(p, where + ".tubes", "expected a struct array with fields sf, ef, class, boxes")
        for i, t in enumerate(tube_arr.reshape(-1)):
            tw = f"{where}.tubes({i + 1})"
            sf1 = _mat_scalar(t["sf"], p, tw + ".sf", "sf")
            ef1 = _mat_scalar(t["ef"], p, tw + ".ef", "ef")
            cls1 = _mat_scalar(t["class"], p, tw + ".class", "class")
            if not 1 <= cls1 <= len(classes):
                raise InputError(p, tw + ".class", f"class {cls1} is outside 1..{len(classes)}")
            boxes_xyxy = _xywh_to_xyxy(t["boxes"], p, tw + ".boxes")
            if sf1 < 1 or ef1 < sf1:
                raise InputError(p, tw, f"bad frame range sf={sf1} ef={ef1} (1-based, inclusive)")
            if ef1 > numf:
                raise InputError(p, tw, f"tube ends at frame {ef1}, after the video's {numf} frames")
            if len(boxes_xyxy) != ef1 - sf1 + 1:
                raise InputError(p, tw, f"{len(boxes_xyxy)} boxes for {ef1 - sf1 + 1} frames (sf={sf1}, ef={ef1})")
            label = classes[cls1 - 1]
            tubes.append(Tube(name, label, np.arange(sf1 - 1, ef1, dtype=np.int64), boxes_xyxy))
            video_label = video_label or label
        if name in videos:
            raise InputError(p, where + ".name", f"video {name!r} appears twice")
        videos[name] = VideoInfo(name, label=video_label, num_frames=numf, width=FRAME_WIDTH, height=FRAME_HEIGHT)
    train, test = _apply_split(p, videos, split_file, None)
    return TubeDataset(classes, videos, tuple(tubes), train, test, source=p)


__all__ = ["FRAME_WIDTH", "FRAME_HEIGHT", "ucf101_24_classes", "read_pyannot", "write_pyannot",
           "read_final_annots_mat", "read_split_list", "write_split_list"]
