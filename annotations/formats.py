"""One table of every annotation / detection file format: name -> sniffer, readers, writers.

The CLI's ``--gt-format`` / ``--det-format`` choices are generated from it (:func:`choices`), and
:func:`load` reads a file by name or, with ``fmt="auto"``, by asking each entry's sniffer in table
order. Adding a format is one :class:`FileFormat` entry in :data:`FORMATS` (plus its reader in its
own module) and one test.

>>> [f.name for f in FORMATS if f.kind == "temporal"]
['thumos14-txt', 'thumos14-csv', 'activitynet-json']
>>> choices("spatial", "detections")
('auto', 'coco', 'csv')
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from annotations.errors import InputError


@dataclass(frozen=True)
class FileFormat:
    """One file format.

    ``kind``: "temporal" (Segments), "spatial" (per-frame boxes / TubeDataset) or "tubes";
    ``sniff(path, role) -> bool`` says whether a file of ``role`` ("gt" / "detections") is in this
    format; ``read[role](path, **kw)`` and ``write[role](path, data, **kw)`` wrap the reader and
    writer functions of the format's module; ``aliases`` are older spellings still accepted.
    """

    name: str
    kind: str
    sniff: Callable[[str, str], bool]
    read: dict[str, Callable[..., Any]]
    write: dict[str, Callable[..., Any]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    description: str = ""

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.read)


def _head(path: str, n: int = 4096) -> bytes:
    with open(path, "rb") as f:
        return f.read(n).lstrip(b"\xef\xbb\xbf \t\r\n")


def _is_json(path: str, role: str) -> bool:
    return os.path.isfile(path) and (path.lower().endswith(".json") or _head(path, 64)[:1] in (b"{", b"["))


def _activitynet_json(path: str, role: str) -> bool:
    """ActivityNet JSON: an object with ``database`` (GT) or ``results`` (detections) near its start."""
    if not _is_json(path, role):
        return False
    head = _head(path, 1 << 16)
    return head[:1] == b"{" and (b'"database"' in head if role == "gt" else b'"images"' not in head)


def _thumos_txt(path: str, role: str) -> bool:
    return os.path.isdir(path) if role == "gt" else (os.path.isfile(path) and not _is_json(path, role))


def _thumos_csv(path: str, role: str) -> bool:
    return role == "gt" and os.path.isfile(path) and _head(path, 64).startswith(b"video-name,")


def _spatial_sniffer(*names: str):
    def sniff(path: str, role: str) -> bool:
        from annotations.spatial_io import sniff_spatial_format
        if not os.path.isfile(path):
            return False
        try:
            return sniff_spatial_format(path) in names
        except InputError:
            return False
    return sniff


def _temporal_reader(fmt: str, role: str):
    def read(path, **kw):
        from annotations.temporal_io import load_temporal_detections, load_temporal_gt
        return (load_temporal_gt if role == "gt" else load_temporal_detections)(path, fmt=fmt, **kw)
    return read


def _lazy(module: str, name: str):
    """``module.name`` imported on first call (keeps ``import annotations.formats`` light)."""
    def call(*args, **kw):
        import importlib
        return getattr(importlib.import_module(module), name)(*args, **kw)
    call.__name__ = name
    return call


def _spatial_reader(fmt: str, role: str):
    def read(path, **kw):
        from annotations import spatial_io
        if role == "gt":
            return spatial_io.load_spatial_gt(path, fmt=fmt, **kw)
        return spatial_io.load_box_detections(path, fmt=fmt, **kw)
    return read


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("thumos14-txt", "temporal", _thumos_txt,
               {"gt": _temporal_reader("thumos14", "gt"), "detections": _temporal_reader("thumos14", "detections")},
               {"gt": _lazy("annotations.thumos14", "write_class_txt_dir"),
                "detections": _lazy("annotations.thumos14", "write_detections_txt")},
               aliases=("thumos-txt", "thumos14"),
               description="THUMOS'14: folder of <Class>_<subset>.txt (GT); 'video t_start t_end class_id score' (detections)"),
    FileFormat("thumos14-csv", "temporal", _thumos_csv, {"gt": _temporal_reader("thumos14-csv", "gt")},
               aliases=("thumos-csv",), description="thumos14_test_groundtruth.csv (GT with video info)"),
    FileFormat("activitynet-json", "temporal", _activitynet_json,
               {"gt": _temporal_reader("activitynet", "gt"), "detections": _temporal_reader("activitynet", "detections")},
               {"gt": _lazy("annotations.activitynet", "write_gt_json"),
                "detections": _lazy("annotations.activitynet", "write_results_json")},
               aliases=("activitynet",), description="ActivityNet JSON: 'database' (GT) or 'results' (detections)"),
    FileFormat("pyannot", "spatial", _spatial_sniffer("pyannot"), {"gt": _spatial_reader("pyannot", "gt")},
               {"gt": _lazy("annotations.ucf101_24", "write_pyannot")},
               description="UCF101-24 pyannot.pkl / pyannot_with_class_names.pkl"),
    FileFormat("mat", "spatial", _spatial_sniffer("mat"), {"gt": _spatial_reader("mat", "gt")},
               description="UCF101-24 finalAnnots.mat"),
    FileFormat("coco", "spatial", _spatial_sniffer("coco_gt", "coco_results"),
               {"gt": _spatial_reader("coco", "gt"), "detections": _spatial_reader("coco", "detections")},
               {"gt": _lazy("annotations.coco", "write_coco_gt"),
                "detections": _lazy("annotations.coco", "write_coco_results")},
               description="COCO ground-truth JSON / COCO result JSON (image ids need the GT)"),
    FileFormat("csv", "spatial", _spatial_sniffer("boxes_csv"),
               {"gt": _spatial_reader("csv", "gt"), "detections": _spatial_reader("csv", "detections")},
               {"gt": _lazy("annotations.boxes_io", "write_boxes_csv"),
                "detections": _lazy("annotations.boxes_io", "write_boxes_csv")},
               description="per-frame boxes: video,frame,label[,score],x1,y1,x2,y2 (0-based frames)"),
    FileFormat("tube-csv", "tubes", _spatial_sniffer("tubes_csv"),
               {"gt": _lazy("annotations.spatial_io", "load_gt_tubes"),
                "detections": _lazy("annotations.spatial_io", "load_tube_detections")},
               {"gt": _lazy("annotations.boxes_io", "write_tubes_csv"),
                "detections": _lazy("annotations.boxes_io", "write_tubes_csv")},
               aliases=("tubes_csv",), description="tubes: tube,video,label[,score],frame,x1,y1,x2,y2"),
    FileFormat("pyannot-tubes", "tubes", _spatial_sniffer("pyannot", "mat"),
               {"gt": _lazy("annotations.spatial_io", "load_gt_tubes")},
               description="ground-truth tubes of pyannot.pkl or finalAnnots.mat"),
)


def formats_for(kind: str, role: str) -> tuple[FileFormat, ...]:
    """Entries of ``kind`` that can read ``role``, in table (sniffing) order."""
    return tuple(f for f in FORMATS if f.kind == kind and role in f.read)


def choices(kind: str, role: str, aliases: bool = False) -> tuple[str, ...]:
    """``("auto", name, ...)`` for a CLI ``choices=``; with ``aliases`` also the older spellings."""
    names = [f.name for f in formats_for(kind, role)]
    if aliases:
        names += [a for f in formats_for(kind, role) for a in f.aliases]
    return ("auto",) + tuple(names)


def get(kind: str, role: str, fmt: str) -> FileFormat:
    """The entry named ``fmt`` (or one of its aliases)."""
    for f in formats_for(kind, role):
        if fmt == f.name or fmt in f.aliases:
            return f
    raise InputError(None, "fmt", f"unknown {kind} {role} format {fmt!r} (choose from "
                                  f"{', '.join(choices(kind, role))})")


def sniff(kind: str, role: str, path: str | os.PathLike) -> FileFormat | None:
    """The first entry whose sniffer accepts ``path`` (None when none does)."""
    p = os.fspath(path)
    for f in formats_for(kind, role):
        if f.sniff(p, role):
            return f
    return None


def load(kind: str, role: str, path: str | os.PathLike, fmt: str = "auto", **kw):
    """Read ``path`` with the reader of format ``fmt`` ("auto": the first sniffer that accepts it);
    keyword arguments go to the reader (``subset``, ``class_index``, ``split``, ``classes``, ``gt``)."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise InputError(p, None, f"{'ground truth' if role == 'gt' else 'detection file'} does not exist")
    entry = sniff(kind, role, p) if fmt == "auto" else get(kind, role, fmt)
    if entry is None:  # the module's own loader names what it expected, with the file's details
        fallback = _FALLBACK.get((kind, role))
        if fallback is None:
            raise InputError(p, None, f"cannot tell the format; expected one of {', '.join(choices(kind, role)[1:])}")
        return fallback(p, **kw)
    return entry.read[role](p, **kw)


_FALLBACK = {
    ("temporal", "gt"): _lazy("annotations.temporal_io", "load_temporal_gt"),
    ("temporal", "detections"): _lazy("annotations.temporal_io", "load_temporal_detections"),
    ("spatial", "gt"): _lazy("annotations.spatial_io", "load_spatial_gt"),
    ("spatial", "detections"): _lazy("annotations.spatial_io", "load_box_detections"),
    ("tubes", "gt"): _lazy("annotations.spatial_io", "load_gt_tubes"),
    ("tubes", "detections"): _lazy("annotations.spatial_io", "load_tube_detections"),
}


__all__ = ["FileFormat", "FORMATS", "formats_for", "choices", "get", "sniff", "load"]
