"""One vocabulary across verbs: a flag means one thing everywhere, every eval verb takes
--unknown-videos, every default is in --help, old spellings still work with a note, and library
messages are translated into flags."""
import argparse
import re

import pytest

from annotations.errors import InputError
from locbench.cli import build_parser, main, translate_message

#: flag -> (allowed metavars, a word its help must contain): one meaning per flag
MEANINGS = {
    "--out": ({"DIR", "FILE"}, re.compile(r"writ|output|goes|folder|director|cache", re.I)),
    "--videos": ({"DIR"}, re.compile(r"video", re.I)),
    "--split": ({"TXT"}, re.compile(r"list", re.I)),
    "--data": ({"DIR"}, re.compile(r"root|dataset", re.I)),
    "--attention": ({"DIR"}, re.compile(r"attention files", re.I)),
    "--gt": ({"GT"}, re.compile(r"", re.I)),
    "--unknown-videos": ({None}, re.compile(r"outside the evaluated ground truth", re.I)),
}
EVAL_VERBS = ("eval-temporal", "eval-spatial", "eval-video")


def _verbs():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def _visible(p):
    return [a for a in p._actions if a.option_strings and a.help != argparse.SUPPRESS]


def test_every_verb_uses_each_flag_in_its_one_meaning():
    seen = {}
    for verb, p in _verbs().items():
        for action in _visible(p):
            for flag in action.option_strings:
                if flag in MEANINGS:
                    metavars, words = MEANINGS[flag]
                    assert action.metavar in metavars, (verb, flag, action.metavar)
                    assert words.search(action.help or ""), (verb, flag, action.help)
                    seen.setdefault(flag, set()).add(verb)
    assert {"localize", "eval-temporal", "eval-spatial", "eval-video", "predict", "train"} <= seen["--out"]
    assert {"eval-temporal", "eval-spatial", "predict", "plot-failures"} <= seen["--videos"]


def test_every_eval_verb_has_unknown_videos():
    verbs = _verbs()
    for verb in EVAL_VERBS:
        flags = {f for a in verbs[verb]._actions for f in a.option_strings}
        assert "--unknown-videos" in flags, verb


def test_help_of_every_verb_shows_every_default():
    for verb, p in _verbs().items():
        text = " ".join(p.format_help().split())
        for action in _visible(p):
            d = action.default
            if d is None or isinstance(d, bool) or d == argparse.SUPPRESS:
                continue
            assert str(d) in text, (verb, action.option_strings, d)
    text = " ".join(_verbs()["eval-spatial"].format_help().split())
    assert "(default: 0.05,0.1,0.2,0.3)" in text and not re.search(r"default:? (is )?the paper", text)


def test_old_spellings_work_with_a_deprecation_note(tmp_path, capsys):
    from locbench.inference.attention import AttentionRecord, attention_path, save_attention
    import numpy as np
    rec = AttentionRecord("v1", ("a", "b"), np.array([0.7, 0.3]), np.arange(4), 25.0, (20, 20),
                          masks=np.ones((4, 2, 2), np.float32))
    save_attention(attention_path(tmp_path / "att", "v1"), rec)
    assert main(["localize", "--attention", str(tmp_path / "att"), "--boxes", str(tmp_path / "b.csv")]) == 0
    assert "--boxes is deprecated" in capsys.readouterr().err and (tmp_path / "b.csv").exists()
    assert main(["localize", "--attention", str(tmp_path / "att"), "--out", str(tmp_path / "loc")]) == 0
    assert (tmp_path / "loc" / "boxes.csv").exists() and not (tmp_path / "loc" / "segments.txt").exists()
    args = _verbs()["extract-features"].parse_args(["--data", "d", "--out", "o", "--list", "l.txt"])
    assert args.list == "l.txt" and "--list is deprecated" in capsys.readouterr().err


def test_library_parameters_become_flags_in_cli_messages():
    p = _verbs()["eval-temporal"]
    e = InputError("dets.txt", None, "3 detection(s) absent; set unknown_videos='fp' or unknown_videos=\"drop\"; "
                                     "subset='val' is empty; other_param='x' stays")
    msg = translate_message(e, p)
    assert "--unknown-videos fp" in msg and "--unknown-videos drop" in msg and "--subset val" in msg
    assert "other_param='x'" in msg
    assert translate_message(InputError(None, "tiou", "bad"), p) == "--tiou: bad"
    assert translate_message(InputError(None, "names", "give names='a,b'"), p) == "--name: give --name a,b"
    assert translate_message(InputError("o", None, "pass overwrite=True"), p) == "o: pass --overwrite"


def test_localize_out_writes_what_the_attention_files_hold(tmp_path, capsys):
    pytest.importorskip("cv2")
    import json
    import numpy as np
    from locbench.inference.attention import AttentionRecord, attention_path, save_attention
    imp = np.r_[np.full(5, 0.5), np.full(5, 3.0), np.full(10, 0.5)]  # 1 fps sampling: high from 5 s to 10 s
    rec = AttentionRecord("video_test_0000001", ("BaseballPitch", "Billiards"), np.array([0.7, 0.3]),
                          np.arange(0, 600, 30), 30.0, (28, 28), masks=np.ones((20, 7, 7), np.float32),
                          frame_importance=imp)
    save_attention(attention_path(tmp_path / "att", rec.video), rec)
    assert main(["localize", "--attention", str(tmp_path / "att"), "--out", str(tmp_path / "loc")]) == 0
    assert (tmp_path / "loc" / "boxes.csv").exists()
    rows = (tmp_path / "loc" / "segments.txt").read_text().split()
    assert rows[0] == "video_test_0000001" and [float(rows[1]), float(rows[2])] == [5.0, 10.0] and rows[3] == "7"
    assert main(["localize", "--attention", str(tmp_path / "att"), "--out", str(tmp_path / "j"),
                 "--segments-format", "activitynet-json"]) == 0
    results = json.loads((tmp_path / "j" / "segments.json").read_text())["results"]
    assert [s["label"] for s in results["video_test_0000001"]] == ["BaseballPitch"]
    assert "deprecated" not in capsys.readouterr().err
