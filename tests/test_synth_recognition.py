"""`locbench synth --kind hmdb51|ucf101|moments`: trimmed sets readable by the official-format readers."""
import hashlib
import json

import pytest

from annotations.recognition import load_recognition
from locbench.cli import main
from locbench.synth.recognition import class_name, make_recognition

TINY = dict(num_classes=2, train_per_class=4, test_per_class=2, size="32x32", frames="4,5")


@pytest.mark.parametrize("kind", ["hmdb51", "ucf101", "moments"])
def test_each_layout_reads_back_with_every_split(tmp_path, kind):
    s = make_recognition(tmp_path / kind, kind, **TINY)
    assert s["num_videos"] == 12
    for split in ((1, 2, 3) if kind != "moments" else (1,)):
        rs = load_recognition(tmp_path / kind, split)  # checks every listed video exists on disk
        assert rs.source == kind and rs.classes == s["classes"]
        assert not {v.name for v in rs.train} & {v.name for v in rs.test}
        assert all(rs.classes[v.label] in v.name for v in rs.train + rs.test)
    man = json.loads((tmp_path / kind / "synth_manifest.json").read_text())
    # the backgrounds of split-1 test clips never carry their own class's colour (the misleading cue)
    test_names = {v.name for v in load_recognition(tmp_path / kind, 1).test}
    for rel, info in man["videos"].items():
        name = rel.rsplit(".", 1)[0].split("/", 1)[1] if kind != "moments" else rel.rsplit(".", 1)[0]
        if name in test_names:
            assert info["background_class"] != info["class"]


def test_class_names_per_dataset():
    assert class_name("hmdb51", "DiskOrbit") == "disk_orbit"
    assert class_name("moments", "DiskOrbit") == "disk+orbit" and class_name("ucf101", "DiskOrbit") == "DiskOrbit"


def test_cli_kinds_aliases_and_determinism(tmp_path, capsys):
    args = ["--num-classes", "2", "--train-per-class", "3", "--test-per-class", "1", "--size", "32", "--frames", "4,4"]
    assert main(["synth", "--out", str(tmp_path / "a"), "--kind", "ucf101"] + args) == 0
    assert main(["synth", "--out", str(tmp_path / "b"), "--kind", "ucf101"] + args) == 0
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    a = sorted(p for p in (tmp_path / "a").rglob("*.avi"))
    b = sorted(p for p in (tmp_path / "b").rglob("*.avi"))
    assert [digest(p) for p in a] == [digest(p) for p in b] and len(a) == 8
    assert main(["synth", "--out", str(tmp_path / "c"), "--kind", "moments", "--train-per-class", "1"] + args[:2]) == 2
    assert "options" in capsys.readouterr().err
