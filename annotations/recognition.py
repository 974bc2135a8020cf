"""Action-recognition datasets in their distribution formats: HMDB51, UCF101, Moments in Time, THUMOS'14.

Every reader returns one :class:`RecognitionSplit`: the class list (label order) and the train and
test videos of one official split, each a :class:`RecognitionVideo` (name, 0-based label, path on
disk when a video folder is known, and the *group* that must never be split between training and
validation). Layouts and traps (see ``docs/recognition.md``):

- **HMDB51**: ``<videos>/<class>/<clip>.avi`` and ``testTrainMulti_7030_splits/<class>_test_split{1,2,3}.txt``,
  lines ``<clip>.avi <tag>`` with tag 1 = train, 2 = test, **0 = unused** (neither). Classes are
  the file names' ``<class>``, sorted by class name (``kick`` before ``kick_ball``). Group: the source video (clips cut from one film).
- **UCF101**: ``UCF-101/<Class>/v_<Class>_gXX_cXX.avi`` and ``ucfTrainTestlist/`` with ``classInd.txt``
  (**1-based** ``<id> <Class>``), ``trainlist0{1,2,3}.txt`` (``<Class>/<clip>.avi <id>``) and
  ``testlist0{1,2,3}.txt`` (**path only**; the label is the folder). Group: ``gXX``.
  The folder, not the file name, is the class (``HandstandPushups/v_HandStandPushups_g01_c01.avi``).
- **Moments in Time**: ``trainingSet.csv`` / ``validationSet.csv`` rows ``<category>/<file>.mp4,<category>,...``
  (paths relative to ``training/`` and ``validation/``), ``moments_categories.txt`` lines
  ``<category>,<0-based id>`` (or the name alone). The validation set is the test set. Group: the clip.
- **THUMOS'14 classification**: video-level labels of the untrimmed validation (train) and test
  videos from the temporal ground truth ``<Class>_val.txt`` / ``<Class>_test.txt`` (Ambiguous
  ignored). Videos with more than one class are removed by default, as the paper does; the count is
  in the notes (every CliffDiving video is also listed under Diving, so that class is removed whole).

Names are paths relative to the video folder without extension (``brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0``).
Bad input (unknown class, duplicate video, unknown tag, a listed video missing on disk) raises
:class:`~annotations.errors.InputError`; ``missing_videos="skip"`` counts missing videos in the
notes instead (the norm for Moments in Time, whose downloads always miss a few).

>>> import os, tempfile
>>> root = tempfile.mkdtemp()
>>> _ = write_hmdb51_splits(root, {"wave": [("a_wave_u_nm_np1_fr_goo_0", 1), ("b_wave_u_nm_np1_fr_goo_0", 2)],
...                                "run": [("c_run_f_cm_np1_le_med_0", 1), ("d_run_f_cm_np1_le_med_1", 0)]}, split=1)
>>> s = read_hmdb51(root, split=1)
>>> s.classes, [v.name for v in s.train], [v.name for v in s.test], s.num_unused
(('run', 'wave'), ['run/c_run_f_cm_np1_le_med_0', 'wave/a_wave_u_nm_np1_fr_goo_0'], ['wave/b_wave_u_nm_np1_fr_goo_0'], 1)
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field

from annotations.atomic import atomic_write_text
from annotations.errors import InputError, require_dir
from annotations.textfiles import numbered_lines, read_text, strip_video_ext

FORMATS = ("hmdb51", "ucf101", "moments", "thumos14")
HMDB_SPLIT_DIR = "testTrainMulti_7030_splits"
UCF_LIST_DIR = "ucfTrainTestlist"
UCF_VIDEO_DIR = "UCF-101"
MOMENTS_FILES = ("trainingSet.csv", "validationSet.csv", "moments_categories.txt")
HMDB_TAGS = {"0": "unused", "1": "train", "2": "test"}
_HMDB_META = re.compile(r"^(.*)_[a-z]+_(?:cm|nm)_np\d+_(?:fr|ba|le|ri)_(?:bad|goo|med)_\d+$")
_UCF_GROUP = re.compile(r"_g(\d+)_c\d+$")


@dataclass(frozen=True)
class RecognitionVideo:
    """One trimmed (or, for THUMOS'14, untrimmed) video of a recognition split."""

    name: str  # relative to the video folder, '/'-separated, no extension
    label: int  # 0-based index into RecognitionSplit.classes
    path: str | None = None  # the file on disk (None when no video folder was given)
    group: str = ""  # videos of one group never go to different sides of a train/validation split


@dataclass(frozen=True)
class RecognitionSplit:
    """The class list and the train / test videos of one official split."""

    classes: tuple[str, ...]
    train: tuple[RecognitionVideo, ...]
    test: tuple[RecognitionVideo, ...]
    source: str  # "hmdb51", "ucf101", "moments", "thumos14"
    split: int | None = None  # 1, 2, 3 (HMDB51, UCF101), None otherwise
    notes: tuple[str, ...] = field(default_factory=tuple)  # what was skipped or removed, one sentence each
    num_unused: int = 0  # HMDB51 tag-0 clips of this split
    num_missing: int = 0  # listed videos absent on disk and skipped (missing_videos="skip")
    num_multi_label: int = 0  # THUMOS'14 videos with several classes removed

    def __repr__(self) -> str:
        return (f"RecognitionSplit({self.source}, split {self.split}, {len(self.classes)} classes, "
                f"{len(self.train)} train, {len(self.test)} test, {len(self.notes)} notes)")


# ------------------------------------------------------------------------------------------ helpers

def _check_split(split: int) -> int:
    if split not in (1, 2, 3):
        raise InputError(None, "split", f"official splits are 1, 2 and 3, got {split!r}")
    return int(split)


def _videos_on_disk(entries: list[tuple[str, int, str, str]], videos: str | None, missing_videos: str,
                    where: str) -> tuple[list[RecognitionVideo], int, str | None]:
    """RecognitionVideos with paths under ``videos``; a missing file is an error or counted (skip)."""
    if missing_videos not in ("error", "skip"):
        raise InputError(None, "missing_videos", f"is 'error' or 'skip', got {missing_videos!r}")
    if videos is None:
        return [RecognitionVideo(n, lab, None, g) for n, lab, _, g in entries], 0, None
    root = require_dir(videos, "video folder")
    out, missing = [], []
    for name, label, rel, group in entries:
        path = os.path.join(root, *rel.split("/"))
        if not os.path.exists(path):
            missing.append(rel)
            continue
        out.append(RecognitionVideo(name, label, path, group))
    if missing and missing_videos == "error":
        raise InputError(where, None, f"{len(missing)} listed videos are not under {root} (first: {missing[0]!r}); "
                                      "give the right video folder, or missing_videos='skip' to skip them")
    note = (f"{len(missing)} videos listed in {where} are not under {root} and were skipped "
            f"(first: {missing[0]!r})") if missing else None
    return out, len(missing), note


def _sides_on_disk(entries: dict, videos, missing_videos: str, where: str) -> tuple[dict, list[str], int]:
    """:func:`_videos_on_disk` for the "train" and "test" entries of one split: (videos by side, notes, missing)."""
    out, notes, missing = {}, [], 0
    for side in ("train", "test"):
        vids, k, note = _videos_on_disk(entries[side], None if videos is None else os.fspath(videos),
                                        missing_videos, where)
        out[side], missing = vids, missing + k
        if note:
            notes.append(note)
    return out, notes, missing


def _no_duplicates(items: list[tuple[str, str, str]], kind: str) -> None:
    """InputError on the second listing of a name; ``items`` are (name, path, where)."""
    seen: dict[str, str] = {}
    for name, path, where in items:
        if name in seen:
            raise InputError(path, where, f"{kind} {name!r} is listed twice (first at {seen[name]})")
        seen[name] = f"{path}: {where}" if where else path


# ------------------------------------------------------------------------------------------- HMDB51

def hmdb51_group(clip: str) -> str:
    """Source video of an HMDB51 clip: its name without the meta tags and clip index.

    >>> hmdb51_group("April_09_brush_hair_u_nm_np1_ba_goo_0")
    'April_09_brush_hair'
    """
    m = _HMDB_META.match(clip)
    return m.group(1) if m else clip


def read_hmdb51(root: str | os.PathLike, split: int = 1, videos: str | os.PathLike | None = None,
                classes=None, missing_videos: str = "error") -> RecognitionSplit:
    """One official HMDB51 split from ``<root>/testTrainMulti_7030_splits/`` (or ``root`` itself).

    ``videos``: the folder of the 51 class folders (checked on disk when given). ``classes``: the
    expected class names (a split file of another class is an error). Tag 0 clips are counted in
    ``num_unused`` and used nowhere.
    """
    split = _check_split(split)
    r = require_dir(root, "HMDB51 split folder")
    sdir = os.path.join(r, HMDB_SPLIT_DIR) if os.path.isdir(os.path.join(r, HMDB_SPLIT_DIR)) else r
    suffix = f"_test_split{split}.txt"
    files = [f for f in os.listdir(sdir) if f.endswith(suffix)]
    if not files:
        raise InputError(sdir, None, f"no <class>{suffix} file (expected the official testTrainMulti_7030_splits)")
    names = tuple(sorted(f[: -len(suffix)] for f in files))  # by class name: kick before kick_ball
    if classes is None:  # a class with files for other splits but not this one would silently vanish
        others = {m.group(1) for f in os.listdir(sdir) if (m := re.match(r"^(.+)_test_split[123]\.txt$", f))}
        lacking = sorted(others - set(names))
        if lacking:
            raise InputError(sdir, None, f"no split file for class {lacking[0]!r} in split {split} "
                                         f"({lacking[0]}{suffix}), though it has files for other splits; "
                                         f"restore the {len(lacking)} missing files (the classes would change "
                                         "between splits)")
    if classes is not None:
        want = tuple(classes)
        extra = sorted(set(names) - set(want))
        if extra:
            raise InputError(os.path.join(sdir, extra[0] + suffix), None,
                             f"unknown class {extra[0]!r}: not in the class list")
        lacking = sorted(set(want) - set(names))
        if lacking:
            raise InputError(sdir, None, f"no split file for class {lacking[0]!r} ({lacking[0]}{suffix})")
        names = want
    entries = {"train": [], "test": []}
    unused, seen = 0, []
    for label, cls in enumerate(names):
        path = os.path.join(sdir, cls + suffix)
        for n, parts in numbered_lines(path, "HMDB51 split file"):
            if len(parts) != 2:
                raise InputError(path, f"line {n}", f"expected '<clip>.avi <tag>', found {' '.join(parts)!r}")
            clip, tag = parts
            if tag not in HMDB_TAGS:
                raise InputError(path, f"line {n}", f"unknown tag {tag!r}: 1 = train, 2 = test, 0 = unused")
            stem = strip_video_ext(clip)
            seen.append((stem, path, f"line {n}"))
            if tag == "0":
                unused += 1
                continue
            entries[HMDB_TAGS[tag]].append((f"{cls}/{stem}", label, f"{cls}/{clip}", hmdb51_group(stem)))
    _no_duplicates(seen, "clip")
    out, notes, missing = _sides_on_disk(entries, videos, missing_videos, sdir)
    if unused:
        notes.append(f"{unused} clips tagged 0 (unused) in split {split} are in neither train nor test")
    return RecognitionSplit(names, tuple(out["train"]), tuple(out["test"]), "hmdb51", split, tuple(notes),
                            unused, missing)


def write_hmdb51_splits(root: str | os.PathLike, tags: dict[str, list[tuple[str, int]]], split: int) -> list[str]:
    """Write ``<root>/testTrainMulti_7030_splits/<class>_test_split<split>.txt`` from ``{class: [(clip, tag)]}``.

    Clip names without extension get ``.avi``; lines end with a space as in the official files.
    """
    split = _check_split(split)
    sdir = os.path.join(os.fspath(root), HMDB_SPLIT_DIR)
    os.makedirs(sdir, exist_ok=True)
    written = []
    for cls, rows in tags.items():
        path = os.path.join(sdir, f"{cls}_test_split{split}.txt")
        text = "".join(f"{c if c.endswith('.avi') else c + '.avi'} {int(t)} \n" for c, t in rows)
        atomic_write_text(path, text)
        written.append(path)
    return written


# ------------------------------------------------------------------------------------------- UCF101

def ucf101_group(clip: str) -> str:
    """``gXX`` of a UCF101 clip name: clips of one group share actor and scene.

    >>> ucf101_group("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01")
    'g08'
    """
    m = _UCF_GROUP.search(clip)
    return f"g{m.group(1)}" if m else clip


def read_ucf101_classes(path: str | os.PathLike) -> tuple[str, ...]:
    """``classInd.txt``: lines ``<id> <Class>`` with ids 1..N in order (1-based). Returns names by 0-based label."""
    p = os.fspath(path)
    names: list[str] = []
    for n, parts in numbered_lines(p, "UCF101 class index"):
        if len(parts) != 2 or not parts[0].isdigit():
            raise InputError(p, f"line {n}", f"expected '<id> <Class>', found {' '.join(parts)!r}")
        if int(parts[0]) != len(names) + 1:
            raise InputError(p, f"line {n}", f"class id {parts[0]} where {len(names) + 1} was expected "
                                             "(classInd.txt ids are 1-based and consecutive)")
        if parts[1] in names:
            raise InputError(p, f"line {n}", f"class {parts[1]!r} listed twice")
        names.append(parts[1])
    if not names:
        raise InputError(p, None, "class index is empty")
    return tuple(names)


def _ucf_lists_dir(root: str) -> str:
    d = os.path.join(root, UCF_LIST_DIR)
    return d if os.path.isdir(d) else root


def read_ucf101(root: str | os.PathLike, split: int = 1, videos: str | os.PathLike | None = None,
                missing_videos: str = "error", check_videos: bool = True) -> RecognitionSplit:
    """One official UCF101 split from ``<root>/ucfTrainTestlist/`` (or ``root`` itself).

    The label of a test line is its folder (testlists carry no id; the id some copies add must agree
    with the folder, as a trainlist id must). ``videos``: the ``UCF-101`` folder (default ``<root>/UCF-101`` when it exists and
    ``check_videos``).
    """
    split = _check_split(split)
    r = require_dir(root, "UCF101 root")
    ldir = _ucf_lists_dir(r)
    classes = read_ucf101_classes(os.path.join(ldir, "classInd.txt"))
    index = {c: i for i, c in enumerate(classes)}
    if videos is None and check_videos and os.path.isdir(os.path.join(r, UCF_VIDEO_DIR)):
        videos = os.path.join(r, UCF_VIDEO_DIR)
    entries: dict[str, list] = {"train": [], "test": []}
    seen = []
    for side, fname in (("train", f"trainlist0{split}.txt"), ("test", f"testlist0{split}.txt")):
        path = os.path.join(ldir, fname)
        for n, parts in numbered_lines(path, "UCF101 split list"):
            rel = parts[0].replace("\\", "/")
            if side == "train" and len(parts) != 2:
                raise InputError(path, f"line {n}", f"expected '<Class>/<clip>.avi <class id>', found {' '.join(parts)!r}")
            if side == "test" and len(parts) not in (1, 2):  # some releases give testlist ids; checked below
                raise InputError(path, f"line {n}", f"expected '<Class>/<clip>.avi' (testlists have no id), "
                                                    f"found {' '.join(parts)!r}")
            folder = rel.split("/")[0] if "/" in rel else None
            if folder not in index:
                raise InputError(path, f"line {n}", f"unknown class {folder!r}: not in classInd.txt")
            label = index[folder]
            if len(parts) == 2:
                if not parts[1].isdigit() or not 1 <= int(parts[1]) <= len(classes):
                    raise InputError(path, f"line {n}", f"class id {parts[1]!r} is not in 1..{len(classes)} (1-based)")
                if int(parts[1]) - 1 != label:
                    raise InputError(path, f"line {n}", f"class id {parts[1]} is {classes[int(parts[1]) - 1]!r} but the "
                                                        f"folder is {folder!r}")
            name = strip_video_ext(rel)
            seen.append((name, path, f"line {n}"))
            entries[side].append((name, label, rel, ucf101_group(name)))
    _no_duplicates(seen, "video")
    out, notes, missing = _sides_on_disk(entries, videos, missing_videos, ldir)
    return RecognitionSplit(classes, tuple(out["train"]), tuple(out["test"]), "ucf101", split, tuple(notes), 0, missing)


def write_ucf101_lists(root: str | os.PathLike, classes, train: dict[int, list[str]], test: dict[int, list[str]]
                       ) -> list[str]:
    """Write ``<root>/ucfTrainTestlist/``: classInd.txt (1-based) and train/testlist0<k>.txt for each split k.

    ``train`` / ``test``: split -> clip names ``<Class>/v_..`` (``.avi`` added); lines end in CRLF as
    in the official files.
    """
    ldir = os.path.join(os.fspath(root), UCF_LIST_DIR)
    os.makedirs(ldir, exist_ok=True)
    classes = tuple(classes)
    index = {c: i for i, c in enumerate(classes)}
    written = [os.path.join(ldir, "classInd.txt")]
    atomic_write_text(written[0], "".join(f"{i + 1} {c}\r\n" for i, c in enumerate(classes)))

    def avi(n):
        return n if n.endswith(".avi") else n + ".avi"

    for k in sorted(set(train) | set(test)):
        _check_split(k)
        p = os.path.join(ldir, f"trainlist0{k}.txt")
        atomic_write_text(p, "".join(f"{avi(n)} {index[n.split('/')[0]] + 1}\r\n" for n in train.get(k, [])))
        q = os.path.join(ldir, f"testlist0{k}.txt")
        atomic_write_text(q, "".join(f"{avi(n)}\r\n" for n in test.get(k, [])))
        written += [p, q]
    return written


# ---------------------------------------------------------------------------------- Moments in Time

def read_moments_categories(path: str | os.PathLike) -> tuple[str, ...]:
    """``moments_categories.txt``: ``<category>,<0-based id>`` lines (ids in order) or one name per line."""
    p = os.fspath(path)
    names: list[str] = []
    for n, line in enumerate(read_text(p, "Moments in Time category list").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [s.strip() for s in line.split(",")]
        if len(parts) == 2 and parts[1].isdigit():
            if int(parts[1]) != len(names):
                raise InputError(p, f"line {n}", f"category id {parts[1]} where {len(names)} was expected (0-based, in order)")
        elif len(parts) != 1:
            raise InputError(p, f"line {n}", f"expected '<category>,<id>' or '<category>', found {line.strip()!r}")
        if parts[0] in names:
            raise InputError(p, f"line {n}", f"category {parts[0]!r} listed twice")
        names.append(parts[0])
    if not names:
        raise InputError(p, None, "category list is empty")
    return tuple(names)


def read_moments(root: str | os.PathLike, missing_videos: str = "skip", check_videos: bool = True) -> RecognitionSplit:
    """Moments in Time from its root (``Moments_in_Time_Raw``): training set and validation set (as test).

    Videos are ``<root>/training/<category>/<file>.mp4`` and ``<root>/validation/...``; names carry
    the ``training/`` or ``validation/`` prefix. Missing videos are skipped and counted by default.
    """
    r = require_dir(root, "Moments in Time root")
    classes = read_moments_categories(os.path.join(r, "moments_categories.txt"))
    index = {c: i for i, c in enumerate(classes)}
    out, notes, missing_total = {}, [], 0
    for side, fname, sub in (("train", "trainingSet.csv", "training"), ("test", "validationSet.csv", "validation")):
        path = os.path.join(r, fname)
        rows = csv.reader(io.StringIO(read_text(path, "Moments in Time csv")))
        entries, seen = [], []
        for n, row in enumerate(rows, start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2:
                raise InputError(path, f"line {n}", f"expected '<category>/<file>.mp4,<category>,...', found {','.join(row)!r}")
            rel, cat = row[0].strip().replace("\\", "/"), row[1].strip()
            if cat not in index:
                raise InputError(path, f"line {n}", f"unknown category {cat!r}: not in moments_categories.txt")
            if "/" in rel and rel.split("/")[0] != cat:
                raise InputError(path, f"line {n}", f"file {rel!r} is in folder {rel.split('/')[0]!r} but labelled {cat!r}")
            name = f"{sub}/{strip_video_ext(rel)}"
            seen.append((name, path, f"line {n}"))
            entries.append((name, index[cat], f"{sub}/{rel}", name))
        _no_duplicates(seen, "video")
        vids, k, note = _videos_on_disk(entries, r if check_videos else None, missing_videos, path)
        out[side], missing_total = vids, missing_total + k
        if note:
            notes.append(note)
    return RecognitionSplit(classes, tuple(out["train"]), tuple(out["test"]), "moments", None, tuple(notes), 0,
                            missing_total)


def write_moments(root: str | os.PathLike, classes, train: list[str], test: list[str]) -> list[str]:
    """Write moments_categories.txt and trainingSet.csv / validationSet.csv (``<cat>/<file>.mp4,<cat>,3,0``)."""
    r = os.fspath(root)
    os.makedirs(r, exist_ok=True)
    paths = [os.path.join(r, f) for f in ("moments_categories.txt", "trainingSet.csv", "validationSet.csv")]
    atomic_write_text(paths[0], "".join(f"{c},{i}\n" for i, c in enumerate(classes)))
    for p, rows in zip(paths[1:], (train, test)):
        atomic_write_text(p, "".join(f"{n if n.endswith('.mp4') else n + '.mp4'},{n.split('/')[0]},3,0\n" for n in rows))
    return paths


# ------------------------------------------------------------------------- THUMOS'14 classification

def read_thumos14_classification(groundtruth: str | os.PathLike, classes, videos: str | os.PathLike | None = None,
                                 multi_label: str = "drop", missing_videos: str = "error"
                                 ) -> tuple[RecognitionSplit, dict[str, tuple[int, ...]]]:
    """Video-level labels of THUMOS'14 validation (train) and test videos from ``<Class>_{val,test}.txt``.

    ``multi_label="drop"`` (the paper) removes videos of several classes and says how many;
    ``"keep"`` keeps them under their first class. Returns the split and, for every video *before*
    removal, all its classes (for the mAP-over-classes rule of the THUMOS classification task).
    """
    if multi_label not in ("drop", "keep"):
        raise InputError(None, "multi_label", f"is 'drop' or 'keep', got {multi_label!r}")
    gt = require_dir(groundtruth, "ground-truth folder")
    classes = tuple(classes)
    all_labels: dict[str, tuple[int, ...]] = {}
    out, notes, multi_total, missing_total = {}, [], 0, 0
    for side, suffix in (("train", "val"), ("test", "test")):
        labels: dict[str, set[int]] = {}
        for k, cls in enumerate(classes):
            path = os.path.join(gt, f"{cls}_{suffix}.txt")
            if not os.path.isfile(path):
                raise InputError(path, None, f"no ground-truth file for class {cls!r}")
            for n, parts in numbered_lines(path, "ground-truth file"):
                if len(parts) != 3:
                    raise InputError(path, f"line {n}", f"expected 'video t_start t_end', found {len(parts)} columns")
                labels.setdefault(strip_video_ext(parts[0]), set()).add(k)
        multi = sorted(v for v, ks in labels.items() if len(ks) > 1)
        all_labels.update({v: tuple(sorted(ks)) for v, ks in labels.items()})
        if multi:
            lost = {classes[k] for v in multi for k in labels[v]}
            whole = sorted(c for c in lost if all(len(labels[v]) > 1 for v, ks in labels.items() if classes.index(c) in ks))
            if multi_label == "drop":
                notes.append(f"{len(multi)} of {len(labels)} {suffix} videos have several classes and were removed "
                             f"(as the paper does){'; classes left without a video: ' + ', '.join(whole) if whole else ''}")
            else:
                notes.append(f"{len(multi)} of {len(labels)} {suffix} videos have several classes; kept under their "
                             "first class (top-1 counts a hit on any of them only with the mAP rule)")
        multi_total += len(multi)
        entries = [(v, min(ks), v, v) for v, ks in sorted(labels.items()) if len(ks) == 1 or multi_label == "keep"]
        if videos is not None:
            from annotations.textfiles import VIDEO_EXTENSIONS

            root = require_dir(videos, "video folder")
            have = {strip_video_ext(f): f for f in os.listdir(root) if os.path.splitext(f)[1].lower() in VIDEO_EXTENSIONS}
            entries = [(n, lab, have.get(n, n + ".mp4"), g) for n, lab, _, g in entries]
        vids, k, note = _videos_on_disk(entries, None if videos is None else os.fspath(videos), missing_videos, gt)
        out[side], missing_total = vids, missing_total + k
        if note:
            notes.append(note)
    split = RecognitionSplit(classes, tuple(out["train"]), tuple(out["test"]), "thumos14", None, tuple(notes), 0,
                             missing_total, multi_total)
    return split, all_labels


# ------------------------------------------------------------------------------------- score files

def read_class_scores(path: str | os.PathLike, classes, video_list: str | os.PathLike | None = None):
    """Video-level class scores: a CSV ``video,class,score`` (header optional; every class of every
    video listed once) or a ``.npy`` (V, C) array whose rows are the videos of ``video_list`` (one name
    per line) and whose columns are ``classes`` in order. Video names lose a video extension.

    Returns :class:`~annotations.types.ClassScores` with scores (V, C) float64.
    """
    import numpy as np

    from annotations.types import ClassScores

    p = os.fspath(path)
    classes = tuple(classes)
    if p.lower().endswith(".npz"):
        raise InputError(p, None, "a .npz archive is not a score file: save the (videos, classes) array with "
                                  "np.save as .npy (with its video list), or write a video,class,score CSV")
    if p.endswith(".npy"):
        if video_list is None:
            raise InputError(p, None, "a .npy score array needs its video list (video_list=, one name per line)")
        from annotations.textfiles import read_split_list

        try:
            arr = np.load(p, allow_pickle=False)
        except Exception as e:
            raise InputError(p, None, f"not a readable .npy array: {type(e).__name__}: {str(e)[:200]}") from None
        videos = read_split_list(video_list)
        if arr.ndim != 2 or arr.shape != (len(videos), len(classes)):
            raise InputError(p, None, f"array shape {arr.shape}, expected ({len(videos)} videos of {os.fspath(video_list)}, "
                                      f"{len(classes)} classes)")
        if not np.all(np.isfinite(arr)):
            raise InputError(p, None, "scores contain NaN or infinite values")
        return ClassScores(videos, classes, arr.astype(np.float64), p)
    index = {c: i for i, c in enumerate(classes)}
    rows: dict[str, dict[int, float]] = {}
    for n, row in enumerate(csv.reader(io.StringIO(read_text(p, "score file"))), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 3:
            wide = " (one column per class? write one 'video,class,score' row per class)" \
                if len(row) == len(classes) + 1 else ""
            raise InputError(p, f"line {n}", f"expected 'video,class,score', found {len(row)} columns{wide}")
        video, cls, score = (x.strip() for x in row)
        if not rows and (video.lower(), cls.lower(), score.lower()) == ("video", "class", "score"):
            continue
        try:
            value = float(score)
        except ValueError:
            hint = ("; a header line must read 'video,class,score'" if not rows and cls not in index else "")
            raise InputError(p, f"line {n}", f"score {score!r} is not a number{hint}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(p, f"line {n}", f"score {score!r} is not finite")
        if cls not in index:
            hint = ""
            if cls.isdigit():  # 0- or 1-based ids are ambiguous: a wrong guess shifts every label silently
                hint = (f"; name classes, not ids (0- and 1-based ids cannot be told apart): {classes[0]!r}, "
                        f"{classes[1] if len(classes) > 1 else ''!r}, ...")
            raise InputError(p, f"line {n}", f"unknown class {cls!r}: not in the class list{hint}")
        per = rows.setdefault(strip_video_ext(video.replace("\\", "/")), {})
        if index[cls] in per:
            raise InputError(p, f"line {n}", f"video {video!r} has a second score for class {cls!r}")
        per[index[cls]] = value
    if not rows:
        raise InputError(p, None, "no score")
    incomplete = [v for v, per in rows.items() if len(per) != len(classes)]
    if incomplete:
        v = incomplete[0]
        lacking = [classes[k] for k in range(len(classes)) if k not in rows[v]]
        raise InputError(p, None, f"{len(incomplete)} videos lack a score for some class (first: {v!r} has none for "
                                  f"{lacking[0]!r}); every class of every video must be scored")
    videos = tuple(sorted(rows))
    arr = np.array([[rows[v][k] for k in range(len(classes))] for v in videos], dtype=np.float64)
    return ClassScores(videos, classes, arr, p)


def write_class_scores(path: str | os.PathLike, videos, classes, scores) -> None:
    """Write a ``video,class,score`` CSV (with header) of a (V, C) score array."""
    lines = ["video,class,score\n"]
    for v, row in zip(videos, scores):
        lines += [f"{v},{c},{float(x)!r}\n" for c, x in zip(classes, row)]
    atomic_write_text(path, "".join(lines))


# --------------------------------------------------------------------------------------- dispatch

def detect_format(root: str | os.PathLike) -> str | None:
    """Which recognition layout ``root`` holds: hmdb51, ucf101, moments, or None."""
    r = os.fspath(root)
    if not os.path.isdir(r):
        return None
    if os.path.isdir(os.path.join(r, HMDB_SPLIT_DIR)) or any(f.endswith("_test_split1.txt") for f in os.listdir(r)):
        return "hmdb51"
    if os.path.isfile(os.path.join(_ucf_lists_dir(r), "classInd.txt")):
        return "ucf101"
    if all(os.path.isfile(os.path.join(r, f)) for f in MOMENTS_FILES):
        return "moments"
    return None


def hmdb51_video_folder(root: str) -> str | None:
    """``<root>/videos`` or ``root`` when it holds class folders next to the split folder."""
    for d in (os.path.join(root, "videos"), os.path.join(root, "hmdb51_org"), root):
        if os.path.isdir(d) and any(os.path.isdir(os.path.join(d, e)) and e != HMDB_SPLIT_DIR for e in os.listdir(d)):
            return d
    return None


def load_recognition(root: str | os.PathLike, split: int = 1, fmt: str | None = None, missing_videos: str | None = None,
                     check_videos: bool = True) -> RecognitionSplit:
    """Read the recognition dataset at ``root`` (format detected unless ``fmt``), with its videos on disk."""
    r = os.fspath(root)
    fmt = fmt or detect_format(r)
    if fmt is None:
        below = sorted(e for e in (os.listdir(r) if os.path.isdir(r) else ()) if detect_format(os.path.join(r, e)))
        if below:  # `synth --out X` puts the root at X/<kind>: a common slip
            raise InputError(r, None, f"not a recognition dataset root, but {os.path.join(r, below[0])} is: give that "
                                      "folder")
        raise InputError(r, None, "not a recognition dataset root: expected testTrainMulti_7030_splits/ (HMDB51), "
                                  "ucfTrainTestlist/classInd.txt (UCF101) or trainingSet.csv + validationSet.csv + "
                                  "moments_categories.txt (Moments in Time)")
    def no_videos(where: str):  # the lists alone would give videos without paths: training would crash on them
        return InputError(r, None, f"no video folder ({where}): training and testing read the videos; put them there")

    if fmt == "hmdb51":
        vf = hmdb51_video_folder(r) if check_videos else None
        if check_videos and vf is None:
            raise no_videos("expected the class folders of .avi clips in <root>/videos/ or beside the split folder")
        return read_hmdb51(r, split, vf, missing_videos=missing_videos or "error")
    if fmt == "ucf101":
        if check_videos and not os.path.isdir(os.path.join(r, UCF_VIDEO_DIR)):
            raise no_videos(f"expected <root>/{UCF_VIDEO_DIR}/<Class>/v_<Class>_gXX_cXX.avi")
        return read_ucf101(r, split, missing_videos=missing_videos or "error", check_videos=check_videos)
    if fmt == "moments":
        if split not in (1, None):
            raise InputError(None, "split", "Moments in Time has one split (training / validation)")
        if check_videos and not any(os.path.isdir(os.path.join(r, d)) for d in ("training", "validation")):
            raise no_videos("expected <root>/training/<category>/<file>.mp4 and <root>/validation/...")
        return read_moments(r, missing_videos or "skip", check_videos)
    raise InputError(None, "fmt", f"unknown recognition format {fmt!r}; choose {', '.join(FORMATS[:3])}")


__all__ = ["FORMATS", "RecognitionVideo", "RecognitionSplit", "read_hmdb51", "write_hmdb51_splits", "hmdb51_group",
           "read_ucf101", "read_ucf101_classes", "write_ucf101_lists", "ucf101_group", "read_moments",
           "read_moments_categories", "write_moments", "read_thumos14_classification", "detect_format",
           "load_recognition", "hmdb51_video_folder", "read_class_scores", "write_class_scores"]
