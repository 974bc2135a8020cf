"""Training: run directory contents, exact resume, data modes (frames / feature cache), refusals."""
import contextlib
import dataclasses
import io
import json
import os
import shutil

import numpy as np
import pytest
import torch

from annotations.errors import InputError
from locbench.model.checkpoint import load_checkpoint, model_from_checkpoint
from locbench.training.data import read_class_list, read_video_list, resolve_split, segment_positions
from locbench.training.features import extract_features, feature_path, load_features, uniform_sampler
from locbench.training.train import TrainConfig, train

TINY = dict(num_frames=4, input_size=32, feature_channels=8, hidden_channels=6, spatial_widths=(6,),
            attention_dim=4, batch_size=4, progress=False, device="cpu")


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from locbench.synth.ucf_like import make_ucf_like

    root = tmp_path_factory.mktemp("synth")
    make_ucf_like(root, num_classes=3, train_per_class=3, test_per_class=2, size="48x40", frames="6,10",
                  overwrite=True)
    return root


def cfg_for(synth, out, **kw):
    d = dict(TINY, data=str(synth), classes=str(synth / "classes.txt"), out=str(out), epochs=2,
             val_list=str(synth / "testlist01.txt"))  # issue 7: validating on the test list must be explicit
    d.update(kw)
    return TrainConfig(**d)


def test_run_directory_contents(synth, tmp_path):
    out = tmp_path / "run"
    res = train(cfg_for(synth, out))
    assert sorted(os.listdir(out)) == ["best.pt", "config.json", "last.pt", "metrics.jsonl"]
    lines = [json.loads(ln) for ln in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in lines] == [1, 2] and lines == res.history
    for m in lines:
        for k in ("train_ce", "train_tv", "train_contrast", "train_unimodal", "train_total", "train_accuracy",
                  "val_accuracy", "val_ce", "lr"):
            assert np.isfinite(m[k]), k
        assert m["train_clips"] == 9 and m["val_clips"] == 6
        lam = m["train_ce"] + 1e-5 * m["train_tv"] + 1e-4 * m["train_contrast"] + m["train_unimodal"]
        assert m["train_total"] == pytest.approx(lam, rel=1e-5)
    info = json.loads((out / "config.json").read_text())
    assert info["model"]["class_names"] == list(read_class_list(synth / "classes.txt"))
    assert info["train_videos"] == 9 and info["val_videos"] == 6
    ckpt = load_checkpoint(out / "best.pt", expect_classes=read_class_list(synth / "classes.txt"))
    assert ckpt.train_state is None  # best.pt is an export, last.pt resumes
    assert load_checkpoint(out / "last.pt").train_state["epoch"] == 2
    model = model_from_checkpoint(load_checkpoint(out / "last.pt"))
    for (k, v), w in zip(model.state_dict().items(), res.model.state_dict().values()):
        assert torch.equal(v, w), k


@pytest.mark.slow
def test_resume_after_a_crash_continues_exactly(synth, tmp_path, monkeypatch):
    import locbench.training.train as T

    straight = train(cfg_for(synth, tmp_path / "a", epochs=3, dropout=0.3))
    real_epoch, calls = T._train_epoch, []

    def crash_in_second_epoch(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_epoch(*a, **k)

    monkeypatch.setattr(T, "_train_epoch", crash_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(cfg_for(synth, tmp_path / "b", epochs=3, dropout=0.3))
    monkeypatch.setattr(T, "_train_epoch", real_epoch)
    assert load_checkpoint(tmp_path / "b" / "last.pt").train_state["epoch"] == 1
    resumed = train(cfg_for(synth, tmp_path / "b", epochs=3, dropout=0.3, resume=True))
    for (k, v), w in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(v, w), k
    drop_time = lambda h: [{k: v for k, v in m.items() if k != "time_s"} for m in h]  # noqa: E731
    assert drop_time(straight.history) == drop_time(resumed.history)
    assert len((tmp_path / "b" / "metrics.jsonl").read_text().splitlines()) == 3


def test_run_directory_is_protected_and_resume_checked(synth, tmp_path):
    out = tmp_path / "run"
    train(cfg_for(synth, out, epochs=1))
    with pytest.raises(InputError, match="--resume"):
        train(cfg_for(synth, out, epochs=1))
    with pytest.raises(InputError, match="another architecture"):
        train(cfg_for(synth, out, epochs=2, hidden_channels=7, resume=True))
    with pytest.raises(InputError, match="no last.pt"):
        train(cfg_for(synth, tmp_path / "empty", resume=True))
    shutil.copy(out / "best.pt", tmp_path / "best_only.pt")
    os.makedirs(tmp_path / "r2")
    shutil.copy(out / "best.pt", tmp_path / "r2" / "last.pt")
    with pytest.raises(InputError, match="no training state"):
        train(cfg_for(synth, tmp_path / "r2", epochs=2, resume=True))


def test_ablation_flags_reach_the_checkpoint(synth, tmp_path):
    res = train(cfg_for(synth, tmp_path / "abl", epochs=1, spatial_attention=False, temporal_attention=False,
                        lambda_unimodal=0.0))
    cfg = load_checkpoint(tmp_path / "abl" / "last.pt").config
    assert not cfg.spatial_attention and not cfg.temporal_attention
    m = res.history[0]
    assert m["train_tv"] == 0.0 and m["train_contrast"] == 0.0 and m["train_total"] == pytest.approx(m["train_ce"])


def test_labels_come_from_class_folders_without_annotations(synth, tmp_path):
    root = tmp_path / "noannot"
    shutil.copytree(synth, root, ignore=shutil.ignore_patterns("*.pkl"))
    classes = read_class_list(root / "classes.txt")
    train_items, val_items = resolve_split(root, classes)
    assert len(train_items) == 9 and len(val_items) == 6
    for v in train_items + val_items:
        assert classes[v.label] == v.name.split("/")[0]
    assert set(v.name for v in val_items) == set(read_video_list(root / "testlist01.txt"))


def test_split_and_class_list_readers(tmp_path):
    (tmp_path / "c.txt").write_text("7 BaseballPitch\n9 BasketballDunk\n\n")
    assert read_class_list(tmp_path / "c.txt") == ("BaseballPitch", "BasketballDunk")
    (tmp_path / "d.txt").write_text("A\nB\nA\n")
    with pytest.raises(InputError, match="line 3"):
        read_class_list(tmp_path / "d.txt")
    (tmp_path / "t.txt").write_text("Run/v_Run_g08_c01.avi 3\nRun/v_Run_g08_c02\n")
    assert read_video_list(tmp_path / "t.txt") == ("Run/v_Run_g08_c01", "Run/v_Run_g08_c02")
    (tmp_path / "u.txt").write_text("a b c\n")
    with pytest.raises(InputError, match="line 1"):
        read_video_list(tmp_path / "u.txt")


def test_segment_positions_cover_every_part():
    assert segment_positions(10, 5).tolist() == [1, 3, 5, 7, 9]
    rng = np.random.default_rng(0)
    for _ in range(20):
        idx = segment_positions(10, 5, rng)
        assert np.all(idx // 2 == np.arange(5))  # one random frame from each part of 2 frames
    assert segment_positions(2, 4).tolist() == [0, 0, 1, 1]


def test_extract_features_is_resumable_and_reports_bad_videos(synth, tmp_path):
    from locbench.model.backbones import make_backbone
    from locbench.video import find_videos

    videos = find_videos(synth / "videos")[:3]
    bad = tmp_path / "bad.avi"
    bad.write_bytes(b"garbage")
    todo = videos + [("Broken/v_Broken_g01_c01", str(bad))]
    torch.manual_seed(0)
    bb = make_backbone("small", input_size=32, out_channels=8)
    out = tmp_path / "feats"
    rep = extract_features(todo, bb, out, uniform_sampler(4), batch_size=3, progress=False)
    assert rep.done == [v for v, _ in videos] and rep.skipped == []
    assert [n for n, _ in rep.failed] == ["Broken/v_Broken_g01_c01"]
    rec = load_features(feature_path(out, videos[0][0]))
    assert rec.features.shape == (4, 8, 2, 2) and rec.features.dtype == np.float16
    assert rec.frame_idx.tolist() == segment_positions(rec.num_frames, 4).tolist()
    assert np.allclose(rec.time_s, rec.frame_idx / rec.fps)
    # same numbers as running the backbone on the frames directly
    from locbench.video import open_video

    with open_video(videos[0][1]) as src, torch.no_grad():
        direct = bb.eval()(torch.from_numpy(src.read(rec.frame_idx))).numpy()
    assert np.allclose(rec.features.astype(np.float32), direct, atol=2e-2 * max(1.0, np.abs(direct).max()))
    again = extract_features(todo, bb, out, uniform_sampler(4), progress=False)
    assert again.done == [] and again.skipped == [v for v, _ in videos]
    assert [p.name for p in (out / videos[0][0].split("/")[0]).iterdir() if p.name.startswith(".")] == []


def test_extract_features_decode_threads_give_the_same_cache(synth, tmp_path):
    """Threads decoding ahead change only the speed: same files, same numbers, same report order."""
    from locbench.model.backbones import make_backbone
    from locbench.video import find_videos

    videos = find_videos(synth / "videos")[:5]
    bad = tmp_path / "bad.avi"
    bad.write_bytes(b"garbage")
    todo = videos[:2] + [("Broken/v_Broken_g01_c01", str(bad))] + videos[2:]
    torch.manual_seed(0)
    bb = make_backbone("small", input_size=32, out_channels=8)
    inline = extract_features(todo, bb, tmp_path / "a", uniform_sampler(5), batch_size=2, progress=False)
    threaded = extract_features(todo, bb, tmp_path / "b", uniform_sampler(5), batch_size=2, progress=False,
                                decode_workers=3)
    assert threaded.done == inline.done == [v for v, _ in videos]
    assert [n for n, _ in threaded.failed] == [n for n, _ in inline.failed] == ["Broken/v_Broken_g01_c01"]
    for name, _ in videos:
        a, b = load_features(feature_path(tmp_path / "a", name)), load_features(feature_path(tmp_path / "b", name))
        assert np.array_equal(a.features, b.features) and np.array_equal(a.frame_idx, b.frame_idx)


def test_extract_features_decode_thread_errors_reach_the_caller(synth, tmp_path):
    from locbench.model.backbones import make_backbone
    from locbench.video import find_videos

    def bad_sampler(src):
        raise RuntimeError("sampler bug")

    bb = make_backbone("small", input_size=32, out_channels=8)
    with pytest.raises(RuntimeError, match="sampler bug"):
        extract_features(find_videos(synth / "videos")[:3], bb, tmp_path / "c", bad_sampler, progress=False,
                         decode_workers=2)


def test_train_on_resnet_feature_cache(synth, tmp_path):
    from locbench.model.backbones import RandomInitWarning, make_backbone
    from locbench.video import find_videos

    with pytest.warns(RandomInitWarning):
        bb = make_backbone("resnet50", input_size=64)  # 2 x 2 maps: fast, still the real trunk
    feats = tmp_path / "feats"
    rep = extract_features(find_videos(synth / "videos"), bb, feats, uniform_sampler(3), progress=False)
    assert len(rep.done) == 15 and not rep.failed
    cfg = cfg_for(synth, tmp_path / "run", epochs=1, features=str(feats), num_frames=2, input_size=None,
                  feature_channels=None)
    res = train(cfg)
    mc = load_checkpoint(tmp_path / "run" / "last.pt").config
    assert (mc.backbone, mc.feature_channels, mc.input_size, mc.backbone_weights_sha256) == ("resnet50", 2048, 64, None)
    assert res.model.backbone is None and res.history[0]["train_clips"] == 9
    os.remove(feature_path(feats, rep.done[0]))
    with pytest.warns(UserWarning, match="no cached features"):
        res = train(dataclasses.replace(cfg, out=str(tmp_path / "run2")))
    assert res.history[0]["train_clips"] + res.history[0]["val_clips"] == 14
    with pytest.raises(InputError, match="features come from resnet50"):
        train(dataclasses.replace(cfg, out=str(tmp_path / "run3"), backbone="resnet101"))


def test_cli_train_and_bad_input(synth, tmp_path, capsys):
    from locbench.cli import main

    out = tmp_path / "cli"
    rc = main(["train", "--data", str(synth), "--classes", str(synth / "classes.txt"), "--out", str(out),
               "--epochs", "1", "--frames", "3", "--input-size", "32", "--feature-channels", "8", "--hidden", "4",
               "--spatial-widths", "4", "--attention-dim", "4", "--no-progress", "--device", "cpu",
               "--no-temporal-attention"])
    assert rc == 0
    assert not load_checkpoint(out / "last.pt").config.temporal_attention
    (tmp_path / "bad_classes.txt").write_text("A B C\n")
    rc = main(["train", "--data", str(synth), "--classes", str(tmp_path / "bad_classes.txt"), "--out",
               str(tmp_path / "x")])
    assert rc == 2 and "bad_classes.txt: line 1" in capsys.readouterr().err


def test_cli_extract_features(synth, tmp_path, capsys):
    from locbench.cli import main

    out = tmp_path / "feats"
    args = ["extract-features", "--data", str(synth), "--out", str(out), "--backbone", "resnet50", "--input-size",
            "64", "--frames", "2", "--list", str(synth / "testlist01.txt"), "--device", "cpu", "--no-progress"]
    with pytest.warns(UserWarning, match="RANDOM INITIALISATION"):
        assert main(args) == 0
    names = read_video_list(synth / "testlist01.txt")
    for name in names:
        rec = load_features(feature_path(out, name))
        assert rec.features.shape == (2, 2048, 2, 2) and rec.backbone == "resnet50"
    assert "6 written, 0 already cached, 0 unreadable" in capsys.readouterr().err
    with pytest.warns(UserWarning):
        assert main(args) == 0
    assert "0 written, 6 already cached, 0 unreadable" in capsys.readouterr().err


@pytest.mark.parametrize("workers", [0, 1])
def test_unreadable_training_video_is_one_line_error(synth, tmp_path, workers):
    root = tmp_path / "broken"
    shutil.copytree(synth, root)
    victim = sorted((root / "videos").rglob("*.avi"))[0]
    victim.write_bytes(b"not a video")
    from locbench.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["train", "--data", str(root), "--classes", str(root / "classes.txt"), "--out", str(tmp_path / "r"),
                   "--epochs", "1", "--frames", "2", "--input-size", "32", "--feature-channels", "8", "--hidden", "4",
                   "--spatial-widths", "4", "--attention-dim", "4", "--no-progress", "--device", "cpu",
                   "--workers", str(workers), "--val-list", str(root / "testlist01.txt")])
    last = err.getvalue().strip().splitlines()[-1]
    assert rc == 2
    assert last.startswith("locbench train: error: cannot read training video") and victim.stem in last
