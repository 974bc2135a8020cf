"""Synthetic benchmark: real formats, determinism, boxes that match the painted actor, hard cases."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from annotations.thumos14 import read_class_index, read_class_txt_dir, read_video_info_csv
from annotations.types import AMBIGUOUS
from annotations.ucf101_24 import read_pyannot, read_split_list
from locbench.cli import main
from locbench.synth import make_thumos_like, make_ucf_like
from locbench.synth.render import Appearance, draw_actor, make_classes, pick_fraction, rasterize
from locbench.synth.thumos_like import plan_segments
from locbench.video import find_videos, frame_at_time, open_video

UCF_SMALL = dict(num_classes=4, train_per_class=3, test_per_class=2, frames="16,20")
THUMOS_SMALL = dict(num_classes=3, train_per_class=2, test_per_class=2, duration_s="12,14", action_s="1.6,2.4",
                    instances="1,2", fps="15,20")
#: exact-pixel datasets: no noise, no blobs, lossless codec, so the actor's colours survive bit-exactly
CLEAN = dict(noise=0, clutter=0, codec="lossless", bias_frac=0.0)


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def class_colours(classes) -> dict[str, np.ndarray]:
    """The exact uint8 colours an actor of each class paints (its two texture shades)."""
    out = {}
    for c in classes:
        rgb = np.asarray(c.appearance.rgb, dtype=np.float32)
        out[c.name] = np.stack([np.clip(np.float32(s) * rgb, 0, 255).astype(np.uint8) for s in (1.0, 0.55)])
    return out


def colour_mask(frames: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """(N, H, W) pixels equal to one of ``colours`` (K, 3)."""
    def pack(a):
        a = a.astype(np.int32)
        return (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]
    return np.isin(pack(frames), pack(colours))


@pytest.fixture(scope="module")
def ucf(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "ucf101_24"
    return make_ucf_like(root, seed=3, **UCF_SMALL)


@pytest.fixture(scope="module")
def ucf_clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "ucf101_24"
    return make_ucf_like(root, seed=5, **UCF_SMALL, **CLEAN)


@pytest.fixture(scope="module")
def thumos(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "thumos14"
    return make_thumos_like(root, seed=3, **THUMOS_SMALL)


@pytest.fixture(scope="module")
def thumos_clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "thumos14"
    return make_thumos_like(root, seed=7, **THUMOS_SMALL, **CLEAN)


# ------------------------------------------------------------------------------------- drawing


@pytest.mark.parametrize("shape", ["Disk", "Square", "Triangle", "Star", "Cross", "Diamond", "Hexagon", "Arrow"])
@pytest.mark.parametrize("centre,angle", [((30.3, 20.7), 0.0), ((3.0, 5.0), 0.7), ((58.0, 38.5), 2.0)])
def test_box_is_the_tight_box_of_the_painted_pixels(shape, centre, angle):
    frame = np.zeros((40, 60, 3), np.uint8)
    box = draw_actor(frame, Appearance(shape, (200.0, 100.0, 50.0), "stripes"), 17.0, centre, angle)
    painted = frame.any(-1)
    ys, xs = np.nonzero(painted)
    assert box is not None
    np.testing.assert_array_equal(box, [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    assert 0 <= box[0] < box[2] <= 60 and 0 <= box[1] < box[3] <= 40  # clipped to the frame


def test_actor_fully_outside_has_no_box_and_paints_nothing():
    frame = np.zeros((40, 60, 3), np.uint8)
    assert draw_actor(frame, Appearance("Disk", (255.0, 0.0, 0.0), "dots"), 10.0, (-20.0, 10.0), 0.0) is None
    assert not frame.any()
    assert rasterize(np.array([[70.0, 5], [80, 5], [80, 9]]), (40, 60)) is None


def test_classes_are_distinct_and_sorted():
    classes = make_classes(24)
    names = [c.name for c in classes]
    assert names == sorted(names) and len(set(names)) == 24
    assert len({(c.appearance.shape, c.motion) for c in classes}) == 24
    with pytest.raises(ValueError):
        make_classes(1)


def test_pick_fraction_is_exact():
    rng = np.random.default_rng(0)
    assert pick_fraction(20, 0.25, rng).sum() == 5
    assert pick_fraction(3, 0.01, rng).sum() == 1  # at least one when asked for any
    assert pick_fraction(3, 0.0, rng).sum() == 0


@pytest.mark.parametrize("edge", [None, "start", "end"])
def test_plan_segments_respects_gaps_and_edges(edge):
    for seed in range(30):
        rng = np.random.default_rng(seed)
        lengths = [8, 10, 12]
        starts = plan_segments(rng, 100, lengths, edge)
        ends = [s + n for s, n in zip(starts, lengths)]
        assert starts[0] >= 0 and ends[-1] <= 100
        assert all(s2 - e1 >= 5 for e1, s2 in zip(ends, starts[1:]))  # 1 s gaps in 0.2 s units
        if edge == "start":
            assert starts[0] == 0
        if edge == "end":
            assert ends[-1] == 100


# ------------------------------------------------------------------------------------ UCF-like


def test_ucf_like_reads_with_the_real_readers(ucf):
    p = ucf["paths"]
    ds = read_pyannot(p["pyannot_with_class_names"])
    classes = tuple(Path(p["classes"]).read_text().split())
    assert ds.classes == classes == ucf["classes"]
    assert set(ds.test_videos) == set(read_split_list(p["testlist"]))
    assert set(ds.train_videos) == set(read_split_list(p["trainlist"]))
    assert not set(ds.train_videos) & set(ds.test_videos)
    assert len(ds.test_videos) == 4 * 2 and len(ds.train_videos) == 4 * 3
    plain = read_pyannot(p["pyannot"], split_file=p["testlist"], classes=classes)
    assert set(plain.videos) == set(ds.videos) and len(plain.tubes) == len(ds.tubes) == ucf["num_tubes"]
    # UCF101 naming and split-1 groups: test g01-g07, train g08-g25
    for name in ds.videos:
        cls, stem = name.split("/")
        group = int(stem.split("_g")[1][:2])
        assert stem.startswith(f"v_{cls}_g") and ds.videos[name].label == cls
        assert (group <= 7) == (name in ds.test_videos)


def test_ucf_like_videos_open_with_the_announced_frames(ucf):
    ds = read_pyannot(ucf["paths"]["pyannot_with_class_names"])
    found = dict(find_videos(ucf["paths"]["videos"]))
    assert set(found) == set(ds.videos)
    for name, path in found.items():
        v = open_video(path, verify=True)
        assert v.num_frames == v.announced_frames == ds.videos[name].num_frames
        assert (v.width, v.height, v.fps) == (160, 120, 25.0)


def test_ucf_like_boxes_inside_frames_and_tubes_contiguous(ucf):
    ds = read_pyannot(ucf["paths"]["pyannot_with_class_names"])
    for t in ds.tubes:
        b = t.boxes_xyxy
        assert np.all(b[:, 0] >= 0) and np.all(b[:, 1] >= 0) and np.all(b[:, 2] <= 160) and np.all(b[:, 3] <= 120)
        assert np.all(b[:, 2] > b[:, 0]) and np.all(b[:, 3] > b[:, 1])
        assert np.all(np.diff(t.frame_idx) == 1) and t.end_frame < ds.videos[t.video].num_frames
        side = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        assert np.median(side) >= 0.1 * 120  # actors are not specks


def test_ucf_like_hard_cases_present(ucf):
    man = json.loads(Path(ucf["paths"]["manifest"]).read_text())
    ds = read_pyannot(ucf["paths"]["pyannot_with_class_names"])
    for case in ("distractor", "exit", "bias", "multi_actor"):
        assert ucf["hard_cases"][case] >= 1
        assert any(case in v["hard_cases"] for v in man["videos"].values())
    tubes_per_video = {}
    for t in ds.tubes:
        tubes_per_video.setdefault(t.video, []).append(t)
    for name, v in man["videos"].items():
        tubes = tubes_per_video[name]
        if "multi_actor" in v["hard_cases"]:
            assert len(tubes) == 2
        else:
            assert len(tubes) == 1
            if "exit" in v["hard_cases"]:  # the actor leaves: its tube stops before the clip does
                assert tubes[0].end_frame < v["num_frames"] - 1
            else:
                assert len(tubes[0].frame_idx) == v["num_frames"]


def test_ucf_like_boxes_match_the_actor_pixels_in_the_decoded_video(ucf_clean):
    """Decoded frame k's class-coloured pixels have exactly the union of frame k's boxes as tight box."""
    ds = read_pyannot(ucf_clean["paths"]["pyannot_with_class_names"])
    colours = class_colours(make_classes(4))
    found = dict(find_videos(ucf_clean["paths"]["videos"]))
    checked_exit = 0
    for name, info in ds.videos.items():
        frames = open_video(found[name]).read(np.arange(info.num_frames))
        mask = colour_mask(frames, colours[info.label])
        fb = ds.frame_boxes([name])
        for k in range(info.num_frames):
            boxes = fb.boxes_xyxy[fb.frame_idx == k]
            ys, xs = np.nonzero(mask[k])
            if not len(boxes):
                assert not len(xs), f"{name} frame {k}: actor pixels but no box"
                checked_exit += 1
                continue
            union = [boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()]
            assert [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1] == union, f"{name} frame {k}"
    assert checked_exit > 0  # some frames after an actor left


def test_ucf_like_is_deterministic(ucf, tmp_path):
    again = make_ucf_like(tmp_path / "ucf101_24", seed=3, **UCF_SMALL)
    a, b = tree_digest(Path(ucf["paths"]["root"])), tree_digest(Path(again["paths"]["root"]))
    assert a == b and len(a) > 20
    other = make_ucf_like(tmp_path / "other", seed=4, **UCF_SMALL)
    assert (Path(other["paths"]["pyannot"]).read_bytes() != Path(ucf["paths"]["pyannot"]).read_bytes())


# --------------------------------------------------------------------------------- THUMOS-like


def thumos_gt(paths, subset):
    index = read_class_index(paths["class_index"])
    return read_class_txt_dir(paths["groundtruth"], subset, class_index=index)


def test_thumos_like_reads_with_the_real_readers(thumos):
    p = thumos["paths"]
    index = read_class_index(p["class_index"])
    assert tuple(index.values()) == thumos["classes"] == tuple(Path(p["classes"]).read_text().split())
    for subset, prefix, info_key in (("test", "video_test_", "test_video_info"),
                                     ("val", "video_validation_", "val_video_info")):
        gt = thumos_gt(p, subset)
        infos = read_video_info_csv(p[info_key])
        assert len(infos) == 3 * 2
        assert all(name.startswith(prefix) and len(name) == len(prefix) + 7 for name in infos)
        assert set(gt.video.tolist()) == set(infos)  # every video has an action
        dur = np.array([infos[v].duration_s for v in gt.video])
        assert np.all(gt.t_start_s >= 0) and np.all(gt.t_end_s <= dur + 1e-9)
        assert np.all(gt.t_end_s - gt.t_start_s >= 1.6 - 1e-9)
        for v in infos:  # segments of a video never overlap, whatever their class
            m = gt.video == v
            order = np.argsort(gt.t_start_s[m])
            assert np.all(gt.t_start_s[m][order][1:] >= gt.t_end_s[m][order][:-1] + 1.0 - 1e-9)


def test_thumos_like_videos_match_the_info_csv(thumos):
    p = thumos["paths"]
    infos = {**read_video_info_csv(p["test_video_info"]), **read_video_info_csv(p["val_video_info"])}
    found = dict(find_videos(p["videos"]))
    assert set(found) == set(infos)
    for name, path in found.items():
        v = open_video(path, verify=True)
        assert v.num_frames == v.announced_frames == infos[name].num_frames
        assert v.fps == infos[name].fps and v.fps in (15.0, 20.0)
        assert (v.width, v.height) == (160, 90)
    assert {i.fps for i in infos.values()} == {15.0, 20.0}


def test_thumos_like_hard_cases_present(thumos):
    p = thumos["paths"]
    gt = thumos_gt(p, "test")
    gt_val = thumos_gt(p, "val")
    both = {**read_video_info_csv(p["test_video_info"]), **read_video_info_csv(p["val_video_info"])}
    starts = np.concatenate([gt.t_start_s, gt_val.t_start_s])
    ends = np.concatenate([gt.t_end_s, gt_val.t_end_s])
    videos = np.concatenate([gt.video, gt_val.video])
    labels = np.concatenate([gt.label, gt_val.label])
    real = labels != AMBIGUOUS
    assert np.any(starts[real] == 0.0) or np.any(ends[real] == [both[v].duration_s for v in videos[real]])
    assert np.any(labels == AMBIGUOUS)
    per_video_classes = {}
    for v, lab in zip(videos[real], labels[real]):
        per_video_classes.setdefault(v, set()).add(lab)
    assert any(len(c) > 1 for c in per_video_classes.values())
    for case in ("edge", "second_class", "ambiguous", "distractor", "bias"):
        assert thumos["hard_cases"][case] >= 1


@pytest.mark.slow
def test_thumos_like_actor_is_on_screen_exactly_during_actions(thumos_clean):
    """Decoded frames show class-coloured pixels iff the frame lies inside a (non-Ambiguous) segment."""
    p = thumos_clean["paths"]
    colours = np.concatenate(list(class_colours(make_classes(3)).values()))
    infos = {**read_video_info_csv(p["test_video_info"]), **read_video_info_csv(p["val_video_info"])}
    gt = thumos_gt(p, "test")
    gt_val = thumos_gt(p, "val")
    found = dict(find_videos(p["videos"]))
    for name, info in infos.items():
        g = gt if name.startswith("video_test") else gt_val
        m = (g.video == name) & (g.label != AMBIGUOUS)
        want = np.zeros(info.num_frames, bool)
        for s, e in zip(g.t_start_s[m], g.t_end_s[m]):
            want[frame_at_time(s, info.fps): frame_at_time(e, info.fps)] = True
        frames = open_video(found[name]).read(np.arange(info.num_frames))
        seen = colour_mask(frames, colours).any(axis=(1, 2))
        np.testing.assert_array_equal(seen, want, err_msg=name)


def test_thumos_like_defaults_keep_actions_a_minority():
    """With the default options (planned, not rendered) actions cover a minority of every video and no
    single action reaches tIoU 0.3 with the whole video, so uniform temporal weights stay a poor baseline."""
    from locbench.synth import thumos_like

    o = thumos_like.check_options({})
    classes = make_classes(o["num_classes"])
    pick = np.random.default_rng(0)
    coverage, longest, edges = [], [], 0
    for k in range(200):
        hard = {case for case in thumos_like.HARD_CASES if pick.random() < 0.3}
        *_, num_frames, _, rows, edge = thumos_like._plan_video(np.random.default_rng(k), k % len(classes), classes,
                                                                o, hard)
        real = np.array([(f0, f1) for f0, f1, label in rows if label != AMBIGUOUS])
        coverage.append((real[:, 1] - real[:, 0]).sum() / num_frames)
        longest.append((real[:, 1] - real[:, 0]).max() / num_frames)
        edges += edge is not None and (real[:, 0].min() == 0 or real[:, 1].max() == num_frames)
    assert max(coverage) < 0.5 and 0.15 < np.mean(coverage) < 0.4
    assert max(longest) < 0.3
    assert edges > 0  # actions at the very start or end of a video still occur


def test_thumos_like_is_deterministic(thumos, tmp_path):
    again = make_thumos_like(tmp_path / "thumos14", seed=3, **THUMOS_SMALL)
    assert tree_digest(Path(thumos["paths"]["root"])) == tree_digest(Path(again["paths"]["root"]))


# ----------------------------------------------------------------------------------------- CLI


def test_cli_writes_both_and_refuses_to_mix_datasets(tmp_path, capsys):
    out = tmp_path / "bench"
    args = ["synth", "--out", str(out), "--num-classes", "2", "--train-per-class", "1", "--test-per-class", "1",
            "--duration-s", "12,13", "--instances", "1,2", "--action-s", "1.6,2"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "UCF101-24-like: 2 train + 2 test clips" in text and "THUMOS'14-like: 2 validation + 2 test" in text
    assert (out / "ucf101_24" / "pyannot.pkl").is_file() and (out / "thumos14" / "groundtruth").is_dir()
    assert main(args) == 2  # not empty: needs --overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite", "--seed", "1"]) == 0
    foreign = tmp_path / "mine"
    (foreign / "ucf101_24").mkdir(parents=True)
    (foreign / "ucf101_24" / "precious.txt").write_text("keep me")
    assert main(["synth", "--out", str(foreign), "--kind", "ucf", "--overwrite"]) == 2
    assert (foreign / "ucf101_24" / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("extra", [["--size", "7"], ["--distractor-frac", "1.5"], ["--duration-s", "3,4"],
                                   ["--frames", "x,y"], ["--num-classes", "1"], ["--train-per-class", "0"]])
def test_cli_rejects_impossible_options_without_writing(tmp_path, capsys, extra):
    out = tmp_path / "bench"
    assert main(["synth", "--out", str(out)] + extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("locbench synth: error:") and "Traceback" not in err
    assert not out.exists()
