"""Training on untrimmed THUMOS'14-style videos with video-level labels only (never the times)."""
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from annotations.errors import InputError
from locbench.model.checkpoint import load_checkpoint
from locbench.training.data import (ClipSampling, VideoClipDataset, clip_positions, is_untrimmed_layout, read_class_list,
                           read_video_level_labels, resolve_untrimmed_split, soft_target, window_positions)
from locbench.training.train import TrainConfig, data_kind, top1_hits, train

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TINY = dict(num_frames=4, input_size=32, feature_channels=8, hidden_channels=6, spatial_widths=(6,),
            attention_dim=4, batch_size=4, progress=False, device="cpu")
THUMOS_TINY = dict(num_classes=3, train_per_class=2, test_per_class=1, size="48x32", duration_s="6,8",
                   action_s="0.6,1.2", instances="1,2")


@pytest.fixture(scope="module")
def thumos(tmp_path_factory):
    from locbench.synth.thumos_like import make_thumos_like

    root = tmp_path_factory.mktemp("thumos") / "thumos14"
    make_thumos_like(root, **THUMOS_TINY)
    return root


def manifest_labels(root, split):
    """Expected video-level labels from the synthetic manifest (not from the ground-truth files)."""
    man = json.loads((root / "synth_manifest.json").read_text())
    classes = read_class_list(root / "classes.txt")
    out = {}
    for name, v in man["videos"].items():
        if v["split"] == split:
            out[name] = tuple(sorted({classes.index(lab) for _, _, lab in v["segments_frames"] if lab != "Ambiguous"}))
    return out


def cfg_for(root, out, **kw):
    d = dict(TINY, data=str(root), classes=str(root / "classes.txt"), out=str(out), epochs=2)
    d.update(kw)
    return TrainConfig(**d)


def test_video_level_labels_are_the_classes_that_list_the_video(thumos):
    classes = read_class_list(thumos / "classes.txt")
    for subset, split in (("val", "train"), ("test", "test")):
        got = read_video_level_labels(thumos / "groundtruth", subset, classes)
        assert got == manifest_labels(thumos, split)
    assert any(len(v) > 1 for v in read_video_level_labels(thumos / "groundtruth", "val", classes).values())
    train_items, val_items = resolve_untrimmed_split(thumos, classes)
    assert [v.name for v in train_items] == sorted(manifest_labels(thumos, "train"))
    assert [v.name for v in val_items] == sorted(manifest_labels(thumos, "test"))
    for v in train_items:
        assert v.label == v.all_labels[0] and os.path.isfile(v.path) and "validation" in v.path


def test_times_are_never_read(thumos, tmp_path):
    root = tmp_path / "scrambled"
    shutil.copytree(thumos, root)
    for f in (root / "groundtruth").glob("*.txt"):  # times replaced by garbage: labels must not change
        lines = [ln.split()[0] + "  nan garbage" for ln in f.read_text().splitlines() if ln.strip()]
        f.write_text("\n".join(lines) + ("\n" if lines else ""))
    classes = read_class_list(thumos / "classes.txt")
    for subset in ("val", "test"):
        assert read_video_level_labels(root / "groundtruth", subset, classes) == \
            read_video_level_labels(thumos / "groundtruth", subset, classes)


def test_ground_truth_file_problems_are_input_errors(thumos, tmp_path):
    classes = read_class_list(thumos / "classes.txt")
    gt = tmp_path / "gt"
    shutil.copytree(thumos / "groundtruth", gt)
    os.remove(gt / f"{classes[1]}_val.txt")
    with pytest.raises(InputError, match=f"{classes[1]}_val.txt"):
        read_video_level_labels(gt, "val", classes)
    (gt / f"{classes[1]}_val.txt").write_text("video_validation_0000001 1.0\n")
    with pytest.raises(InputError, match="line 1"):
        read_video_level_labels(gt, "val", classes)
    with pytest.raises(InputError, match="unknown subset"):
        read_video_level_labels(thumos / "groundtruth", "train", classes)


def test_real_thumos14_video_level_labels():
    """Parity on the real annotations: labels equal an independent reading with the official reader."""
    from annotations.thumos14 import read_class_txt_dir

    gt = SHARED / "data" / "thumos14" / "groundtruth"
    index = SHARED / "data" / "thumos14" / "class_index_detection.txt"
    classes = read_class_list(index)
    for subset in ("val", "test"):
        seg = read_class_txt_dir(gt, subset, class_index=index)
        expected = {}
        for video, label in zip(seg.video.tolist(), seg.label.tolist()):
            if label != "Ambiguous":
                expected.setdefault(video, set()).add(classes.index(label))
        got = read_video_level_labels(gt, subset, classes)
        assert got == {v: tuple(sorted(s)) for v, s in expected.items()}
        cliff, diving = classes.index("CliffDiving"), classes.index("Diving")
        with_cliff = [v for v, labs in got.items() if cliff in labs]
        assert with_cliff and all(diving in got[v] for v in with_cliff)  # every CliffDiving is also Diving


def test_layout_detection(thumos, tmp_path):
    assert is_untrimmed_layout(thumos)
    assert data_kind(cfg_for(thumos, tmp_path / "r")) == "untrimmed"
    flat = tmp_path / "flat"
    (flat / "videos").mkdir(parents=True)
    assert not is_untrimmed_layout(flat)
    assert data_kind(cfg_for(flat, tmp_path / "r")) == "trimmed"
    assert data_kind(cfg_for(flat, tmp_path / "r", train_subset="val")) == "untrimmed"
    assert is_untrimmed_layout(flat, groundtruth=thumos / "groundtruth")


def test_soft_targets_and_multi_label_hits():
    assert soft_target((0, 2), 4).tolist() == [0.5, 0.0, 0.5, 0.0]
    assert soft_target((1,), 3).tolist() == [0.0, 1.0, 0.0]
    logits = torch.tensor([[0.0, 3.0, 1.0], [2.0, 0.0, 1.0], [0.0, 0.0, 5.0]])
    y = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    assert top1_hits(logits, y).item() == 2  # clip 0: top-1 is one of its two classes; clip 1: not
    assert top1_hits(logits, torch.tensor([1, 0, 0])).item() == 2
    from locbench.model.losses import cross_entropy

    onehot = torch.tensor([[0.0, 1.0, 0.0]])
    assert torch.allclose(cross_entropy(logits[:1], onehot), cross_entropy(logits[:1], torch.tensor([1])))
    two = cross_entropy(logits[:1], y[:1])
    logp = torch.log_softmax(logits[0], 0)
    assert two.item() == pytest.approx(-(logp[0] + logp[1]).item() / 2, rel=1e-6)


def test_clip_sampling_tsn_and_window():
    rng = np.random.default_rng(0)
    # TSN over a 300-frame untrimmed video: one frame in each of 6 equal parts, anywhere in the video
    for _ in range(10):
        idx = clip_positions(300, 15.0, 6, ClipSampling("tsn"), rng)
        assert np.all(idx // 50 == np.arange(6))
    assert clip_positions(300, 15.0, 6, ClipSampling("tsn")).tolist() == [25, 75, 125, 175, 225, 275]
    # window: 2 s at 10 fps of a 20 fps video -> source frames inside one 40-frame span, on the 10 fps grid
    win = ClipSampling("window", clip_seconds=2.0, sample_fps=10.0)
    starts = []
    for _ in range(30):
        idx = clip_positions(400, 20.0, 4, win, rng)
        assert np.all(np.diff(idx) > 0) and idx[-1] - idx[0] < 40 and np.all(idx % 2 == 0)
        starts.append(idx[0])
    assert len(set(starts)) > 5  # random start over the video
    centre = clip_positions(400, 20.0, 4, win)
    assert centre.tolist() == clip_positions(400, 20.0, 4, win).tolist()
    assert 180 <= centre[0] and centre[-1] < 220
    # default window: n consecutive sampled frames
    idx = clip_positions(400, 20.0, 5, ClipSampling("window"), rng)
    assert np.all(np.diff(idx) == 2)
    # windows longer than the video: the whole video
    assert window_positions(np.arange(5) / 10, 5, 3.0).tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(InputError, match="clip sampling"):
        ClipSampling("random")


def test_dataset_gives_soft_targets_and_seeded_clips(thumos):
    classes = read_class_list(thumos / "classes.txt")
    train_items, _ = resolve_untrimmed_split(thumos, classes)
    ds = VideoClipDataset(train_items, 4, 32, train=True, seed=3, num_classes=len(classes))
    multi = next(i for i, v in enumerate(train_items) if len(v.all_labels) > 1)
    frames, target, index = ds[multi]
    assert frames.shape == (4, 32, 32, 3) and frames.dtype == torch.uint8 and index == multi
    assert target.dtype == torch.float32 and target.sum().item() == pytest.approx(1.0)
    assert np.flatnonzero(target.numpy()).tolist() == list(train_items[multi].all_labels)
    again, _, _ = ds[multi]
    assert torch.equal(frames, again)  # same (seed, epoch, index) -> same frames
    ds.set_epoch(1)
    assert not torch.equal(frames, ds[multi][0])


def test_untrimmed_training_run(thumos, tmp_path):
    out = tmp_path / "run"
    res = train(cfg_for(thumos, out, val_subset="test"))  # issue 7: validating on the test subset is explicit
    assert sorted(os.listdir(out)) == ["best.pt", "config.json", "last.pt", "metrics.jsonl"]
    lines = [json.loads(ln) for ln in (out / "metrics.jsonl").read_text().splitlines()]
    assert lines == res.history and [m["epoch"] for m in lines] == [1, 2]
    for m in lines:
        assert m["train_clips"] == 6 and m["val_clips"] == 3
        assert all(np.isfinite(m[k]) for k in ("train_ce", "train_total", "val_ce", "val_accuracy"))
    info = json.loads((out / "config.json").read_text())
    assert info["data"]["kind"] == "untrimmed" and info["train_videos"] == 6 and info["val_videos"] == 3
    for name in ("last.pt", "best.pt"):
        assert load_checkpoint(out / name).data == {"kind": "untrimmed", "clip_sampling": "tsn",
                                                    "clip_seconds": None, "sample_fps": 10.0}
    # the validation numbers are what evaluate() gives on the soft targets (multi-label hits)
    from torch.utils.data import DataLoader

    from locbench.model.losses import cross_entropy

    classes = read_class_list(thumos / "classes.txt")
    _, val_items = resolve_untrimmed_split(thumos, classes)
    ds = VideoClipDataset(val_items, 4, 32, train=False, num_classes=len(classes))
    x, y, _ = next(iter(DataLoader(ds, batch_size=len(ds))))
    model = res.model.eval()
    with torch.no_grad():
        out_ = model(x)
    assert lines[-1]["val_accuracy"] == pytest.approx(top1_hits(out_.logits, y).item() / 3)
    assert lines[-1]["val_ce"] == pytest.approx(cross_entropy(out_.logits, y).item(), rel=1e-5)


def test_untrimmed_without_validation_and_window_sampling(thumos, tmp_path):
    res = train(cfg_for(thumos, tmp_path / "w", epochs=1, val_subset="none", clip_sampling="window",
                        clip_seconds=1.5))
    m = res.history[0]
    assert "val_accuracy" not in m and m["train_clips"] == 6
    assert load_checkpoint(tmp_path / "w" / "best.pt").data["clip_sampling"] == "window"
    with pytest.raises(InputError, match="clip-seconds"):
        train(cfg_for(thumos, tmp_path / "bad", epochs=1, clip_sampling="window", clip_seconds=-1.0))


def test_resume_untrimmed_and_refuse_other_kind(thumos, tmp_path):
    straight = train(cfg_for(thumos, tmp_path / "a", epochs=2))
    train(cfg_for(thumos, tmp_path / "b", epochs=1))
    resumed = train(cfg_for(thumos, tmp_path / "b", epochs=2, resume=True))
    for (k, v), w in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(v, w), k
    no_time = lambda h: [{k: v for k, v in m.items() if k != "time_s"} for m in h]  # noqa: E731
    assert no_time(straight.history) == no_time(resumed.history)
    # the same run directory resumed on a trimmed layout is refused
    from locbench.synth.ucf_like import make_ucf_like

    ucf = tmp_path / "ucf"
    make_ucf_like(ucf, num_classes=3, train_per_class=1, test_per_class=1, size="48x40", frames="6,8")
    shutil.copy(thumos / "classes.txt", tmp_path / "classes.txt")
    cfg = cfg_for(ucf, tmp_path / "b", epochs=3, resume=True, classes=str(tmp_path / "classes.txt"))
    with pytest.raises(InputError, match="trained on untrimmed videos, but"):
        train(cfg)


def test_cli_explicit_subsets_and_groundtruth_folder(thumos, tmp_path, capsys):
    from locbench.cli import main

    root = tmp_path / "elsewhere"
    shutil.copytree(thumos / "videos", root / "videos")
    common = ["train", "--data", str(root), "--classes", str(thumos / "classes.txt")]
    args = common + ["--out", str(tmp_path / "r"), "--epochs", "1", "--frames", "3", "--input-size", "32", "--feature-channels", "8", "--hidden", "4",
            "--spatial-widths", "4", "--attention-dim", "4", "--no-progress", "--device", "cpu"]
    assert main(args + ["--groundtruth", str(thumos / "groundtruth"), "--train-subset", "test",
                        "--val-subset", "val"]) == 0
    m = json.loads((tmp_path / "r" / "metrics.jsonl").read_text().splitlines()[0])
    assert m["train_clips"] == 3 and m["val_clips"] == 6  # subsets swapped on purpose
    assert "untrimmed videos" in capsys.readouterr().err
    assert main(common + ["--out", str(tmp_path / "r2"), "--train-subset", "val"]) == 2
    assert "ground-truth directory" in capsys.readouterr().err


@pytest.mark.slow
def test_untrimmed_on_feature_cache(thumos, tmp_path):
    from locbench.training.features import extract_features, fps_sampler
    from locbench.model.backbones import RandomInitWarning, make_backbone
    from locbench.video import find_videos

    with pytest.warns(RandomInitWarning):
        bb = make_backbone("resnet50", input_size=32)
    feats = tmp_path / "feats"
    rep = extract_features(find_videos(thumos / "videos"), bb, feats, fps_sampler(5.0), progress=False)
    assert len(rep.done) == 9 and not rep.failed
    cfg = cfg_for(thumos, tmp_path / "run", epochs=1, features=str(feats), num_frames=3, input_size=None,
                  feature_channels=None, val_subset="test")  # issue 7: explicit
    res = train(cfg)
    assert res.history[0]["train_clips"] == 6 and res.history[0]["val_clips"] == 3
    res = train(dataclasses.replace(cfg, out=str(tmp_path / "run2"), clip_sampling="window", clip_seconds=2.0))
    assert load_checkpoint(tmp_path / "run2" / "last.pt").data["kind"] == "untrimmed"


@pytest.mark.slow
@pytest.mark.distributed
def test_untrimmed_ddp_under_torchrun(thumos, tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "locbench",
           "train", "--data", str(thumos), "--classes", str(thumos / "classes.txt"), "--out", str(out),
           "--epochs", "1", "--frames", "3", "--input-size", "32", "--feature-channels", "8", "--hidden", "4",
           "--spatial-widths", "4", "--attention-dim", "4", "--batch-size", "2", "--device", "cpu", "--no-progress",
           "--val-subset", "test"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = json.loads((out / "metrics.jsonl").read_text().splitlines()[0])
    assert m["val_clips"] == 3 and m["train_clips"] == 6  # 6 videos on 2 ranks: no padding needed
    assert load_checkpoint(out / "best.pt").data["kind"] == "untrimmed"
