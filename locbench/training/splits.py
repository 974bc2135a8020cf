"""Split discovery: class lists, split lists and the labelled videos of a dataset root.

Labels come only from the class of each video (its ``<Class>/`` folder, as in UCF101 and
UCF101-24, or the video's label in ``pyannot.pkl`` for flat names; HMDB51 / UCF101 / Moments in Time
roots through :mod:`annotations.recognition`); boxes and segments are never read.
Untrimmed THUMOS'14-style data (a ``groundtruth/`` folder of ``<Class>_val.txt`` files) gives
video-level labels: the classes whose file lists the video; the times in those files are never read.
Torch datasets of clips are in :mod:`locbench.training.datasets`.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np

from annotations.errors import InputError, require_dir
from annotations.textfiles import numbered_lines, read_class_list, strip_video_ext  # noqa: F401
from annotations.textfiles import read_split_list as read_video_list  # noqa: F401


class ClipReadError(InputError):
    """A training clip could not be read. One-argument constructor, so that a DataLoader worker can
    re-raise it in the main process as itself (with the original one-line message) and the CLI still
    prints one line instead of a traceback."""

    def __init__(self, message: str):
        lines = [ln.strip() for ln in str(message).splitlines() if ln.strip()]
        tag = f"{type(self).__name__}: "  # "locbench.training.data.ClipReadError: ..." in a worker's traceback
        tagged = [ln for ln in lines if tag in ln and not ln.startswith("Caught ")]
        text = tagged[-1].split(tag, 1)[1] if tagged else (lines[0] if lines else "")
        super().__init__(None, None, text)


@dataclass(frozen=True)
class LabelledVideo:
    """One training/validation video: its dataset name, where it is, and its class index."""

    name: str  # e.g. "Basketball/v_Basketball_g01_c01"
    path: str  # video file or frame folder
    label: int
    labels: tuple[int, ...] = ()  # every class of a multi-label (untrimmed) video, sorted; () = (label,)

    @property
    def all_labels(self) -> tuple[int, ...]:
        return self.labels or (self.label,)


def video_root(root: str | os.PathLike) -> str:
    """Where the videos of a dataset root are: ``videos/``, ``rgb-images/`` or the root itself."""
    r = require_dir(root, "dataset root")
    for sub in ("videos", "rgb-images"):
        if os.path.isdir(os.path.join(r, sub)):
            return os.path.join(r, sub)
    return r


def _first_existing(root: str, names) -> str | None:
    for n in names:
        if os.path.isfile(os.path.join(root, n)):
            return os.path.join(root, n)
    return None


def _pyannot_labels(root: str, classes: tuple[str, ...]) -> dict[str, int] | None:
    """Video -> label index from ``pyannot.pkl`` in ``root`` (for videos named without a class folder)."""
    path = _first_existing(root, ("pyannot_with_class_names.pkl", "pyannot.pkl"))
    if path is None:
        return None
    from annotations.ucf101_24 import read_pyannot

    ds = read_pyannot(path, classes=classes)
    index = {c: i for i, c in enumerate(classes)}
    return {name: index[info.label] for name, info in ds.videos.items() if info.label in index}


def labelled_videos(root: str | os.PathLike, classes: tuple[str, ...]) -> dict[str, LabelledVideo]:
    """Every video under the dataset root whose class is in ``classes``, by name (sorted)."""
    from locbench.video import find_videos

    vroot = video_root(root)
    index = {c: i for i, c in enumerate(classes)}
    found = sorted(find_videos(vroot))
    pyannot = None
    out: dict[str, LabelledVideo] = {}
    for name, path in found:
        cls = name.split("/")[0] if "/" in name else None
        if cls is None:
            if pyannot is None:
                pyannot = _pyannot_labels(os.fspath(root), classes) or {}
            if name in pyannot:
                out[name] = LabelledVideo(name, os.fspath(path), pyannot[name])
            continue
        if cls in index:
            out[name] = LabelledVideo(name, os.fspath(path), index[cls])
    if not out:
        raise InputError(os.fspath(root), None, f"no video of the {len(classes)} listed classes found under {vroot} "
                                                "(expected <Class>/<video> files or frame folders)")
    return out


def resolve_split(root: str | os.PathLike, classes: tuple[str, ...], train_list=None, val_list=None
                  ) -> tuple[list[LabelledVideo], list[LabelledVideo]]:
    """The official train and test lists of a root: ``trainlist[01].txt`` / ``testlist[01].txt`` (the
    second as "validation"); without a train list, every video not in the test list trains.

    Split *discovery* only: training uses :func:`training_split`, which never validates on the test list
    unless asked."""
    r = os.fspath(root)
    videos = labelled_videos(r, classes)
    train_list = train_list or _first_existing(r, ("trainlist.txt", "trainlist01.txt"))
    val_list = val_list or _first_existing(r, ("testlist.txt", "testlist01.txt"))
    val_names = read_video_list(val_list) if val_list else ()
    train_names = read_video_list(train_list) if train_list else tuple(n for n in videos if n not in set(val_names))

    def pick(names, list_path, what):
        missing = [n for n in names if n not in videos]
        if missing:
            warnings.warn(f"{list_path}: {len(missing)} {what} videos not found under {video_root(r)} or not of a "
                          f"listed class, skipped (first: {missing[0]!r})", stacklevel=3)
        return [videos[n] for n in names if n in videos]

    train = pick(train_names, train_list or r, "train")
    val = pick(val_names, val_list, "validation") if val_list else []
    overlap = set(v.name for v in train) & set(v.name for v in val)
    if overlap:
        raise InputError(train_list or r, None, f"{len(overlap)} videos are in both the train and the validation "
                                                f"split (first: {sorted(overlap)[0]!r})")
    if not train:
        raise InputError(train_list or r, None, "no training video")
    return train, val


# ------------------------------------------------------------------------------- untrimmed (THUMOS'14)

#: subset name -> suffix of the THUMOS'14 per-class files (``<Class>_val.txt``, ``<Class>_test.txt``)
SUBSET_SUFFIX = {"val": "val", "validation": "val", "test": "test"}


def groundtruth_dir(root: str | os.PathLike, groundtruth: str | os.PathLike | None = None) -> str:
    """Folder of the per-class ``<Class>_<subset>.txt`` files: ``groundtruth`` or ``<root>/groundtruth``."""
    return os.fspath(groundtruth) if groundtruth is not None else os.path.join(os.fspath(root), "groundtruth")


def is_untrimmed_layout(root: str | os.PathLike, groundtruth: str | os.PathLike | None = None) -> bool:
    """True for a THUMOS'14-style root: its ground-truth folder holds ``*_val.txt`` files."""
    gt = groundtruth_dir(root, groundtruth)
    return os.path.isdir(gt) and any(f.endswith("_val.txt") for f in os.listdir(gt))


def subset_suffix(subset: str) -> str:
    """``val`` / ``validation`` -> ``val``, ``test`` -> ``test``; anything else is an InputError."""
    if subset not in SUBSET_SUFFIX:
        raise InputError(None, "arguments", f"unknown subset {subset!r}: choose val or test")
    return SUBSET_SUFFIX[subset]


def read_video_level_labels(gt_dir: str | os.PathLike, subset: str, classes: tuple[str, ...]
                            ) -> dict[str, tuple[int, ...]]:
    """Video -> sorted class indices: the classes whose ``<Class>_<subset>.txt`` lists the video.

    Only the first column (the video) is used: segment times are never read, so training stays
    weakly supervised. ``Ambiguous_<subset>.txt`` and files of classes not in ``classes`` are ignored.
    """
    gt = require_dir(gt_dir, "ground-truth directory")
    suffix = subset_suffix(subset)
    labels: dict[str, set[int]] = {}
    for k, cls in enumerate(classes):
        path = os.path.join(gt, f"{cls}_{suffix}.txt")
        if not os.path.isfile(path):
            raise InputError(path, None, f"no ground-truth file for class {cls!r} (one <Class>_{suffix}.txt per "
                                         "class of the class list gives the video-level labels)")
        for n, parts in numbered_lines(path, "ground-truth file"):
            if len(parts) != 3:
                raise InputError(path, f"line {n}", f"expected 'video t_start t_end', found {len(parts)} columns")
            labels.setdefault(strip_video_ext(parts[0]), set()).add(k)
    return {v: tuple(sorted(ks)) for v, ks in sorted(labels.items())}


def resolve_untrimmed_split(root: str | os.PathLike, classes: tuple[str, ...], train_subset: str = "val",
                            val_subset: str | None = "test", groundtruth=None, train_list=None, val_list=None
                            ) -> tuple[list[LabelledVideo], list[LabelledVideo]]:
    """Train and validation videos of a THUMOS'14-style root, with video-level (multi-)labels.

    A subset's videos are those its per-class files list (for a listed class); a split list, if
    given, keeps only its videos. Videos not found under the root are skipped with a warning.
    """
    from locbench.video import find_videos

    r = os.fspath(root)
    gt = groundtruth_dir(r, groundtruth)
    vroot = video_root(r)
    found = dict(find_videos(vroot))

    def pick(subset, list_path):
        labels = read_video_level_labels(gt, subset, classes)
        names = list(labels)
        if list_path:
            wanted = read_video_list(list_path)
            unlabelled = [n for n in wanted if n not in labels]
            if unlabelled:
                warnings.warn(f"{list_path}: {len(unlabelled)} videos have no class in {gt}/*_{subset_suffix(subset)}"
                              f".txt, skipped (first: {unlabelled[0]!r})", stacklevel=3)
            names = [n for n in wanted if n in labels]
        missing = [n for n in names if n not in found]
        if missing:
            warnings.warn(f"{len(missing)} {subset} videos listed in {gt} are not under {vroot}, skipped "
                          f"(first: {missing[0]!r})", stacklevel=3)
        return [LabelledVideo(n, os.fspath(found[n]), labels[n][0], labels[n]) for n in names if n in found]

    train = pick(train_subset, train_list)
    val = pick(val_subset, val_list) if val_subset else []
    overlap = set(v.name for v in train) & set(v.name for v in val)
    if overlap:
        raise InputError(gt, None, f"{len(overlap)} videos are in both the {train_subset} and the {val_subset} "
                                   f"subset (first: {sorted(overlap)[0]!r})")
    if not train:
        raise InputError(gt, None, f"no training video: none of the videos listed in *_{subset_suffix(train_subset)}"
                                   f".txt for the {len(classes)} classes was found under {vroot}")
    return train, val



__all__ = ["ClipReadError", "LabelledVideo", "read_class_list", "read_video_list", "strip_video_ext", "video_root",
           "labelled_videos", "resolve_split", "SUBSET_SUFFIX", "groundtruth_dir", "is_untrimmed_layout",
           "subset_suffix", "read_video_level_labels", "resolve_untrimmed_split"]


# --------------------------------------------------------------------------- no test data in training

def video_group(name: str) -> str:
    """The group a video must not be separated from: UCF101 ``gXX``, HMDB51 source video, else itself."""
    from annotations.recognition import hmdb51_group, ucf101_group

    stem = name.rsplit("/", 1)[-1]
    g = ucf101_group(stem)
    if g != stem:
        return g
    h = hmdb51_group(stem)
    return h if h != stem else name


def holdout_by_group(items: list[LabelledVideo], fraction: float, seed: int, groups: dict[str, str] | None = None
                     ) -> tuple[list[LabelledVideo], list[LabelledVideo], list[str]]:
    """Move ``round(fraction * G)`` whole groups (at least 1, at most G - 1) of ``items`` to validation.

    ``groups``: video name -> group (default :func:`video_group`). The groups are drawn with
    ``numpy.random.default_rng(seed)`` from the sorted group names, so a run is reproducible.
    Returns (train, validation, held-out group names).
    """
    if not 0.0 < fraction < 1.0:
        raise InputError(None, "holdout", f"must be in (0, 1), got {fraction}")
    key = {v.name: (groups or {}).get(v.name) or video_group(v.name) for v in items}
    names = sorted(set(key.values()))
    if len(names) < 2:
        raise InputError(None, "holdout", f"the training list has {len(names)} group(s) of videos: nothing to hold "
                                          "out without splitting a group; give a validation list instead")
    k = min(len(names) - 1, max(1, int(round(fraction * len(names)))))
    rng = np.random.default_rng(seed)
    held = sorted(np.asarray(names)[rng.permutation(len(names))[:k]].tolist())
    hs = set(held)
    return [v for v in items if key[v.name] not in hs], [v for v in items if key[v.name] in hs], held


def official_test_list(root: str | os.PathLike) -> str | None:
    """The test list a dataset root ships (``testlist.txt`` / ``testlist01.txt``), if any."""
    return _first_existing(os.fspath(root), ("testlist.txt", "testlist01.txt"))


def training_split(root, classes: tuple[str, ...], train_list=None, val_list=None, holdout: float = 0.0,
                   seed: int = 0) -> tuple[list[LabelledVideo], list[LabelledVideo], dict]:
    """Train and validation videos of a trimmed root that never validate (or train) on its test list.

    Validation is ``val_list`` when given (said in the info when it is the root's test list), a
    ``holdout`` fraction of the training list's groups, or none. Training on the root's test videos
    is an InputError. Returns (train, validation, info) with info a plain dict for the checkpoint.
    """
    r = os.fspath(root)
    videos = labelled_videos(r, classes)
    test_list = official_test_list(r)
    test_names = set(read_video_list(test_list)) if test_list else set()
    train_path = train_list or _first_existing(r, ("trainlist.txt", "trainlist01.txt"))
    if train_path is None and test_names:
        raise InputError(r, None, f"no training list, and the root has a test list ({os.path.basename(test_list)}): "
                                  "training on every video would train on the test videos; give train_list")
    names = read_video_list(train_path) if train_path else tuple(videos)
    leaked = [n for n in names if n in test_names]
    if leaked:
        raise InputError(train_path, None, f"{len(leaked)} training videos are in the test list {test_list} "
                                           f"(first: {leaked[0]!r}): the test set would be trained on")
    missing = [n for n in names if n not in videos]
    if missing:
        warnings.warn(f"{train_path or r}: {len(missing)} train videos not found under {video_root(r)} or not of a "
                      f"listed class, skipped (first: {missing[0]!r})", stacklevel=2)
    train = [videos[n] for n in names if n in videos]
    info: dict = {"train_list": os.path.abspath(train_path) if train_path else None}
    if val_list and holdout:
        raise InputError(None, "arguments", "give a validation list or a hold-out fraction, not both")
    if val_list:
        val_names = read_video_list(val_list)
        val = [videos[n] for n in val_names if n in videos]
        is_test = bool(test_names) and set(val_names) <= test_names
        info.update(validation="list", val_list=os.path.abspath(val_list), val_is_test_list=is_test)
        overlap = {v.name for v in train} & {v.name for v in val}
        if overlap:
            raise InputError(val_list, None, f"{len(overlap)} videos are in both the train and the validation list "
                                             f"(first: {sorted(overlap)[0]!r})")
    elif holdout:
        train, val, held = holdout_by_group(train, holdout, seed)
        info.update(validation="holdout", holdout=float(holdout), holdout_groups=held)
    else:
        val = []
        info.update(validation="none")
    if not train:
        raise InputError(train_path or r, None, "no training video")
    return train, val, info


def recognition_training_split(root, split: int, classes=None, val_list=None, holdout: float = 0.0, seed: int = 0
                               ) -> tuple[tuple[str, ...], list[LabelledVideo], list[LabelledVideo], dict]:
    """Classes, train and validation videos of an HMDB51 / UCF101 / Moments in Time root, official ``split``.

    The split's test videos are never used; validation is ``val_list`` (names as the dataset's, e.g.
    ``brush_hair/<clip>``), a ``holdout`` of whole groups (HMDB51 source videos, UCF101 ``gXX``), or none.
    """
    from annotations.recognition import load_recognition

    rs = load_recognition(root, split)
    if classes is not None and tuple(classes) != rs.classes:
        raise InputError(os.fspath(root), None, f"the class list differs from the dataset's {len(rs.classes)} classes "
                                                f"(first: {rs.classes[0]!r}); leave the class list out for this layout")
    train = [LabelledVideo(v.name, v.path, v.label) for v in rs.train]
    groups = {v.name: v.group for v in rs.train}
    test_names = {v.name for v in rs.test}
    info: dict = {"dataset": rs.source, "official_split": split, "notes": list(rs.notes)}
    if val_list and holdout:
        raise InputError(None, "arguments", "give a validation list or a hold-out fraction, not both")
    if val_list:
        want = read_video_list(val_list)
        every = {v.name: v for v in rs.train + rs.test}
        unknown = [n for n in want if n not in every]
        if unknown:
            raise InputError(val_list, None, f"{len(unknown)} videos are not in split {split} (first: {unknown[0]!r})")
        val = [LabelledVideo(n, every[n].path, every[n].label) for n in want]
        wanted = set(want)
        train = [v for v in train if v.name not in wanted]
        info.update(validation="list", val_list=os.path.abspath(val_list), val_is_test_list=wanted <= test_names)
    elif holdout:
        train, val, held = holdout_by_group(train, holdout, seed, groups)
        info.update(validation="holdout", holdout=float(holdout), holdout_groups=held)
    else:
        val = []
        info.update(validation="none")
    return rs.classes, train, val, info


__all__ += ["video_group", "holdout_by_group", "official_test_list", "training_split", "recognition_training_split"]
