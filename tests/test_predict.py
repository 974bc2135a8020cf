"""locbench predict: attention files from a checkpoint, trimmed and untrimmed, resumable, sharded."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from annotations.errors import InputError
from locbench.inference.attention import attention_path, find_attention_files, load_attention
from locbench.model.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint
from locbench.training.data import read_video_list
from locbench.inference.predict import (LONG_STRIDE, LONG_WINDOW, fill_nearest, model_name, predict_videos,
                              stitch_frame_values, window_importance, window_layout)
from locbench.training.train import TrainConfig, train
from locbench.video import find_videos, open_video, resample_indices, sample_clip

TINY = dict(num_frames=4, input_size=32, feature_channels=8, hidden_channels=6, spatial_widths=(6,),
            attention_dim=4, batch_size=4, progress=False, device="cpu", epochs=1)
THUMOS_TINY = dict(num_classes=3, train_per_class=2, test_per_class=1, size="48x32", duration_s="6,8",
                   action_s="0.6,1.2", instances="1,2")


@pytest.fixture(scope="module")
def ucf(tmp_path_factory):
    from locbench.synth.ucf_like import make_ucf_like

    root = tmp_path_factory.mktemp("ucf")
    make_ucf_like(root / "data", num_classes=3, train_per_class=2, test_per_class=2, size="48x40", frames="6,10")
    train(TrainConfig(data=str(root / "data"), classes=str(root / "data" / "classes.txt"), out=str(root / "run"),
                      **TINY))
    return root


@pytest.fixture(scope="module")
def thumos(tmp_path_factory):
    from locbench.synth.thumos_like import make_thumos_like

    root = tmp_path_factory.mktemp("thumos")
    make_thumos_like(root / "data", **THUMOS_TINY)
    train(TrainConfig(data=str(root / "data"), classes=str(root / "data" / "classes.txt"), out=str(root / "run"),
                      **TINY))
    return root


def softmax(x):
    return torch.softmax(x.float(), dim=1).numpy()


# ----------------------------------------------------------------------------------- pure helpers


def test_window_layout():
    assert window_layout(0).shape == (0, 0)
    assert window_layout(100).tolist() == [list(range(100))]  # short video: one window of all of it
    assert window_layout(512).shape == (1, 512)
    long = window_layout(1000)
    assert long.shape[1] == LONG_WINDOW
    assert long[:, 0].tolist() == list(range(0, 1000 - LONG_WINDOW + 1, LONG_STRIDE)) + [1000 - LONG_WINDOW]
    assert np.array_equal(np.unique(long), np.arange(1000))
    assert np.all(np.diff(long, axis=1) == 1)
    assert window_layout(10, window=16).tolist() == [list(range(10)) + [9] * 6]  # padded with the last frame
    assert window_layout(10, window=4)[:, 0].tolist() == [0, 2, 4, 6]  # default stride: window / 2
    assert window_layout(10, window=4, stride=4)[:, 0].tolist() == [0, 4, 6]


def test_stitching_and_nearest_fill():
    mean, counts = stitch_frame_values(np.array([[0, 1, 1], [1, 3, 3]]), np.array([[1.0, 2, 4], [6, 5, 7]]), 5)
    assert mean.tolist() == [1.0, 4.0, 0.0, 6.0, 0.0] and counts.tolist() == [1, 3, 0, 2, 0]
    w = np.array([[[0.5, 0.25, 0.25], [0.5, 0.5, 0.0]]])  # (W=1, T=2, L=3)
    assert np.allclose(window_importance(w), [[1.5, 1.125, 0.375]])
    assert np.allclose(window_importance(np.full((2, 3, 4), 0.25)), 1.0)  # uniform attention -> 1
    idx = np.arange(10)
    known = np.isin(idx, [2, 5, 9])
    vals = np.where(known, idx * 10.0, -1)
    assert fill_nearest(idx, known, vals).tolist() == [20, 20, 20, 20, 50, 50, 50, 50, 90, 90]
    known = np.isin(idx, [2, 4])
    assert fill_nearest(idx, known, np.where(known, idx, -1.0))[3] == 2  # tie -> the earlier frame


def test_model_name():
    from locbench.model.config import small_config

    assert model_name(small_config(["a", "b"])) == "where-when (small, n=8)"
    cfg = small_config(["a"], num_steps=4, temporal_attention=False)
    assert model_name(cfg) == "where-when (small, n=8, T=4, no temporal attention)"


def test_pool_frames_keeps_the_training_scale_of_y():
    from locbench.model.config import small_config
    from locbench.model.net import build_model

    torch.manual_seed(0)
    model = build_model(small_config(["a", "b"], num_frames=4, num_steps=4, input_size=32, feature_channels=8,
                                     hidden_channels=6, spatial_widths=(6,), attention_dim=4)).eval()
    x = torch.randn(1, 12, 8, 2, 2)
    with torch.no_grad():
        same = model.head(x[:, :4], pool_frames=4).logits
        assert torch.equal(same, model.head(x[:, :4]).logits)
        a, b = model.head(x, pool_frames=4), model.head(x)
    assert not torch.allclose(a.logits, b.logits)
    assert torch.allclose(a.masks, b.masks)


# ----------------------------------------------------------------------------------- trimmed


def test_trimmed_files_match_the_model(ucf, tmp_path):
    data, ckpt_path = ucf / "data", ucf / "run" / "best.pt"
    names = read_video_list(data / "testlist01.txt")
    rep = predict_videos(ckpt_path, data / "videos", tmp_path / "att", device="cpu", progress=False,
                         names=list(names))
    assert rep.done == sorted(names) and rep.skipped == [] and rep.failed == []
    assert sorted(find_attention_files(tmp_path / "att")) == sorted(attention_path(tmp_path / "att", v) for v in names)
    ckpt = load_checkpoint(ckpt_path)
    model = model_from_checkpoint(ckpt)
    n, classes = ckpt.config.num_frames, ckpt.config.class_names
    videos = dict(find_videos(data / "videos"))
    for name in names:
        rec = load_attention(attention_path(tmp_path / "att", name))
        with open_video(videos[name]) as src:
            num, fps, size = src.num_frames, src.fps, (src.height, src.width)
            clip = sample_clip(num, n)
            frames = torch.from_numpy(src.read(clip))[None]
            others = torch.from_numpy(src.read(np.arange(num)[::-1][:n]))[None]
        assert rec.video == name and rec.classes == classes and rec.model == "where-when (small, n=4)"
        assert rec.fps == fps and rec.frame_size == size
        assert rec.frame_idx.tolist() == list(range(num))  # masks on every frame
        assert rec.windows.tolist() == [clip.tolist()] and rec.temporal_weights.shape == (1, n, n)
        assert rec.masks.shape == (num, 2, 2) and rec.window_class_scores.shape == (1, len(classes))
        with torch.no_grad():
            out, out2 = model(frames), model(others)
        assert np.allclose(rec.class_scores, softmax(out.logits)[0], atol=1e-5)
        assert np.allclose(rec.window_class_scores, softmax(out.logits), atol=1e-5)
        assert np.allclose(rec.temporal_weights, out.temporal_weights.numpy(), atol=1e-5)
        assert np.allclose(rec.temporal_weights.sum(axis=2), 1.0, atol=1e-5)
        assert np.allclose(rec.masks[clip], out.masks[0].numpy(), atol=1e-3)  # float16 storage
        assert np.allclose(rec.masks[np.arange(num)[::-1][:n]], out2.masks[0].numpy(), atol=1e-3)
        imp = n * out.temporal_weights[0].mean(0).numpy()
        assert np.allclose(rec.frame_importance[clip], imp, atol=1e-4)
        for f in range(num):  # unsampled frames: the importance of the nearest clip frame
            nearest = clip[np.argmin(np.abs(clip - f))]
            assert rec.frame_importance[f] == pytest.approx(rec.frame_importance[nearest])


def test_trimmed_clip_frames_only(ucf, tmp_path):
    data = ucf / "data"
    name = read_video_list(data / "testlist01.txt")[0]
    predict_videos(ucf / "run" / "best.pt", data / "videos", tmp_path, device="cpu", progress=False,
                   names=[name], mask_frames="clip")
    rec = load_attention(attention_path(tmp_path, name))
    with open_video(dict(find_videos(data / "videos"))[name]) as src:
        clip = sample_clip(src.num_frames, 4)
    assert rec.frame_idx.tolist() == np.unique(clip).tolist()
    assert rec.frame_idx[rec.windows[0]].tolist() == clip.tolist()
    assert rec.masks.shape == (len(np.unique(clip)), 2, 2)


# ----------------------------------------------------------------------------------- untrimmed


def test_untrimmed_default_is_one_window_and_time_bookkeeping(thumos, tmp_path):
    data = thumos / "data"
    rep = predict_videos(thumos / "run" / "best.pt", data / "videos", tmp_path, device="cpu",
                         progress=False)  # untrimmed taken from the checkpoint
    info = json.loads((data / "synth_manifest.json").read_text())["videos"]
    assert rep.done == sorted(info)
    fps_seen = set()
    for name in rep.done:
        rec = load_attention(attention_path(tmp_path, name))
        fps, num = info[name]["fps"], info[name]["num_frames"]
        fps_seen.add(fps)
        assert rec.fps == fps
        assert rec.frame_idx.tolist() == resample_indices(num, fps, 10.0).tolist()
        with np.load(attention_path(tmp_path, name)) as z:
            assert np.array_equal(z["time_s"], z["frame_idx"] / fps)
        j = np.arange(len(rec.frame_idx))
        assert np.all(rec.time_s <= j / 10 + 1e-9) and np.all(j / 10 - rec.time_s < 1 / fps)
        f = len(rec.frame_idx)
        assert rec.windows.tolist() == [list(range(f))]  # <= 512 sampled frames: one window
        assert rec.temporal_weights.shape == (1, 4, f) and rec.masks.shape == (f, 2, 2)
        assert np.allclose(rec.class_scores, rec.window_class_scores[0], atol=1e-6)
        assert np.allclose(rec.frame_importance, window_importance(rec.temporal_weights)[0], atol=1e-5)
    assert fps_seen == {15.0, 20.0}


def test_untrimmed_windows_match_the_model(thumos, tmp_path):
    data, ckpt_path = thumos / "data", thumos / "run" / "best.pt"
    rep = predict_videos(ckpt_path, data / "videos" / "test", tmp_path, device="cpu", progress=False,
                         window=16, stride=8, batch_size=2)
    model = model_from_checkpoint(load_checkpoint(ckpt_path))
    videos = dict(find_videos(data / "videos"))
    for name in rep.done:
        rec = load_attention(attention_path(tmp_path, name))
        f = len(rec.frame_idx)
        w = rec.windows
        assert w.shape[1] == 16 and rec.temporal_weights.shape == (len(w), 4, 16)
        assert w[:, 0].tolist() == list(range(0, f - 16 + 1, 8)) + ([f - 16] if (f - 16) % 8 else [])
        assert np.array_equal(np.unique(w), np.arange(f))
        with open_video(videos[name]) as src, torch.no_grad():
            for k in (0, len(w) - 1):
                feats = model.features(torch.from_numpy(src.read(rec.frame_idx[w[k]]))[None])
                out = model.head(feats, pool_frames=4)
                assert np.allclose(rec.window_class_scores[k], softmax(out.logits)[0], atol=1e-5)
                assert np.allclose(rec.temporal_weights[k], out.temporal_weights[0].numpy(), atol=1e-5)
                assert np.allclose(rec.masks[w[k]], out.masks[0].numpy(), atol=1e-3)
        assert np.allclose(rec.class_scores, rec.window_class_scores.mean(0), atol=1e-6)
        for r in range(f):  # importance: 16 * mean_t w, averaged over the windows holding the frame
            vals = [16 * rec.temporal_weights[k, :, j].mean() for k in range(len(w)) for j in range(16) if w[k, j] == r]
            assert rec.frame_importance[r] == pytest.approx(np.mean(vals), rel=1e-5)


# ----------------------------------------------------------------------------------- robustness


def test_resumable_and_guarded(ucf, tmp_path):
    data, ckpt = ucf / "data", ucf / "run" / "best.pt"
    out = tmp_path / "att"
    first = predict_videos(ckpt, data / "videos", out, device="cpu", progress=False)
    assert len(first.done) == 12 and not first.failed
    files = {v: attention_path(out, v) for v in first.done}
    mtimes = {v: os.stat(p).st_mtime_ns for v, p in files.items()}
    again = predict_videos(ckpt, data / "videos", out, device="cpu", progress=False)
    assert again.done == [] and again.skipped == first.done
    assert {v: os.stat(p).st_mtime_ns for v, p in files.items()} == mtimes
    victim, broken = first.done[3], first.done[5]
    os.remove(files[victim])
    with open(files[broken], "wb") as fh:
        fh.write(b"half a file")
    third = predict_videos(ckpt, data / "videos", out, device="cpu", progress=False)
    assert third.done == sorted([victim, broken]) and len(third.skipped) == 10
    load_attention(files[broken])
    assert predict_videos(ckpt, data / "videos", out, device="cpu", progress=False, overwrite=True).done == first.done
    # another checkpoint into the same directory is refused, not mixed
    with pytest.raises(InputError, match="another checkpoint"):
        predict_videos(ucf / "run" / "last.pt", data / "videos", out, device="cpu", progress=False)
    with pytest.raises(InputError, match="another checkpoint"):
        predict_videos(ckpt, data / "videos", out, device="cpu", progress=False, mask_frames="clip")
    assert [p for p in os.listdir(out) if p.startswith(".")] == []


def test_bad_videos_are_reported_and_skipped(ucf, tmp_path, capsys):
    videos = tmp_path / "videos"
    shutil.copytree(ucf / "data" / "videos", videos)
    cut = sorted(videos.rglob("*.avi"))[0]
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # the container still announces every frame
    (videos / "Broken").mkdir()
    (videos / "Broken" / "v_Broken_g01_c01.avi").write_bytes(b"not a video at all" * 50)
    cut_name = f"{cut.parent.name}/{cut.stem}"
    from locbench.cli import main

    rc = main(["predict", "--checkpoint", str(ucf / "run" / "best.pt"), "--videos", str(videos), "--out",
               str(tmp_path / "att"), "--device", "cpu", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1
    summary = [ln for ln in err.splitlines() if ln.startswith("predict: ")]
    assert len(summary) == 1 and "11 done" in summary[0] and "2 failed" in summary[0]
    assert "Broken/v_Broken_g01_c01" in summary[0] and cut_name in summary[0]
    assert f"failed: {cut_name}: " in err
    assert not os.path.exists(attention_path(tmp_path / "att", cut_name))
    assert len(find_attention_files(tmp_path / "att")) == 11
    rc = main(["predict", "--checkpoint", str(ucf / "run" / "best.pt"), "--videos", str(videos), "--out",
               str(tmp_path / "att"), "--device", "cpu", "--no-progress", "--split", str(ucf / "data" / "testlist01.txt")])
    err = capsys.readouterr().err  # the failed video is tried again (and fails again); the others are done
    assert rc == 1 and f"0 done, 5 skipped as already done, 1 failed ({cut_name})" in err


def test_checkpoint_kind_and_backbone_weights_are_required(ucf, tmp_path):
    from locbench.model.config import ModelConfig
    from locbench.model.net import build_model

    ckpt = load_checkpoint(ucf / "run" / "best.pt")
    assert ckpt.data["kind"] == "trimmed"
    old = tmp_path / "old.pt"  # a checkpoint that does not say what it was trained on
    save_checkpoint(old, model_from_checkpoint(ckpt))
    videos = ucf / "data" / "videos"
    with pytest.raises(InputError, match="--trimmed or --untrimmed"):
        predict_videos(old, videos, tmp_path / "a", device="cpu", progress=False)
    rep = predict_videos(old, videos, tmp_path / "b", device="cpu", progress=False, untrimmed=True)
    assert len(rep.done) == 12 and load_attention(attention_path(tmp_path / "b", rep.done[0])).windows.shape[0] == 1
    cfg = ModelConfig(class_names=ckpt.config.class_names, backbone="resnet50", input_size=32, num_frames=2,
                      num_steps=2, spatial_widths=(4,), hidden_channels=4, attention_dim=4,
                      backbone_weights_sha256="ab" * 32)
    feat_ckpt = tmp_path / "feat.pt"
    save_checkpoint(feat_ckpt, build_model(cfg, with_backbone=False), data={"kind": "trimmed"})
    with pytest.raises(InputError, match="--backbone-weights"):
        predict_videos(feat_ckpt, videos, tmp_path / "c", device="cpu", progress=False)
    wrong = tmp_path / "r50.pth"
    wrong.write_bytes(b"other weights")
    with pytest.raises(InputError, match="not the ones the model was trained on"):
        predict_videos(feat_ckpt, videos, tmp_path / "c", device="cpu", progress=False, backbone_weights=str(wrong))
    with pytest.raises(InputError, match="batch-size"):
        predict_videos(ucf / "run" / "best.pt", videos, tmp_path / "d", batch_size=0)


@pytest.mark.slow
@pytest.mark.distributed
def test_torchrun_shards_videos_exactly_once(thumos, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    args = ["-m", "locbench", "predict", "--checkpoint", str(thumos / "run" / "best.pt"), "--videos",
            str(thumos / "data" / "videos"), "--window", "16", "--stride", "8", "--device", "cpu", "--no-progress"]
    multi = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
                           + args + ["--out", str(tmp_path / "multi")], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
    assert multi.returncode == 0, multi.stderr[-3000:]
    single = subprocess.run([sys.executable] + args + ["--out", str(tmp_path / "single")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-3000:]
    names = [v for v, _ in find_videos(thumos / "data" / "videos")]
    assert len(names) == 9
    summary = [ln for ln in multi.stderr.splitlines() if ln.startswith("predict: ")]
    assert len(summary) == 1 and summary[0].startswith("predict: 9 done, 0 skipped")  # merged over ranks
    for d in ("multi", "single"):
        assert sorted(os.listdir(tmp_path / d)) == sorted([v + ".npz" for v in names] + ["predict_info.json"])
    for v in names:
        with np.load(attention_path(tmp_path / "multi", v)) as a, np.load(attention_path(tmp_path / "single", v)) as b:
            assert sorted(a.files) == sorted(b.files)
            for k in a.files:
                assert np.array_equal(a[k], b[k]), (v, k)
