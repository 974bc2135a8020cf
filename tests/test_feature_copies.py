"""Augmented feature copies (issue 11): extract-features --augment-copies N, train --features --augment."""
import dataclasses
import os

import numpy as np
import pytest
import torch

from annotations.errors import InputError
from locbench.training.datasets import FeatureClipDataset, he_transform
from locbench.training.features import (_KEYS, extract_features, feature_copies, feature_path, load_features,
                                        uniform_sampler)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from locbench.synth.ucf_like import make_ucf_like

    root = tmp_path_factory.mktemp("synth")
    make_ucf_like(root, num_classes=2, train_per_class=2, test_per_class=1, size="48x40", frames="5,7",
                  overwrite=True)
    return root


def _small():
    from locbench.model.backbones import make_backbone

    torch.manual_seed(0)
    return make_backbone("small", input_size=32, out_channels=8).eval()


def _halves_video(path):
    """40 x 48 frames whose left half is dark and right half bright, changing over time."""
    from locbench.synth.render import write_video

    frames = np.zeros((5, 40, 48, 3), np.uint8)
    for t in range(5):
        frames[t, :, :24] = 30 + 10 * t
        frames[t, :, 24:] = 200 - 10 * t
        frames[t, 5:15, 30:40] = (255, 0, 0)  # a red square on the right only
    write_video(str(path), frames, 10.0, (48, 40))


def _params(row):
    return {"resize_hw": (int(row[0]), int(row[1])), "crop_yx": (int(row[2]), int(row[3])), "flip": bool(row[4])}


def _close(a, b):
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return np.allclose(a, b, rtol=2e-3, atol=1e-2 * np.abs(b).max())  # float16 storage


def test_copies_differ_and_share_one_crop_and_flip_per_video(tmp_path):
    from locbench.video import open_video

    video = tmp_path / "v.avi"
    _halves_video(video)
    bb = _small()
    out = tmp_path / "feats"
    rep = extract_features([("A/v_a", str(video))], bb, out, uniform_sampler(4), progress=False, augment_copies=6)
    assert rep.done == ["A/v_a"]
    fp = feature_path(out, "A/v_a")
    plain = load_features(fp)
    assert plain.augment_copies == 6 and feature_copies(fp) == 6 and plain.augment_params.shape == (6, 5)
    copies = [load_features(fp, copy=c) for c in range(6)]
    for c, rec in enumerate(copies):
        assert rec.features.shape == plain.features.shape and rec.features.dtype == np.float16
        assert not np.array_equal(rec.features, plain.features)
        assert np.array_equal(rec.frame_idx, plain.frame_idx)
        for d in range(c):
            assert not np.array_equal(rec.features, copies[d].features)
    flips = plain.augment_params[:, 4]
    assert 0 < flips.sum() < 6  # both kinds among the copies (fixed seed), so the checks below see both
    with open_video(str(video)) as src:
        frames = src.read(plain.frame_idx)
    with torch.no_grad():
        for c, row in enumerate(plain.augment_params):
            # one set of parameters for every frame of the copy: its features are the backbone on those frames
            direct = bb(torch.from_numpy(he_transform(frames, 32, _params(row)))).numpy()
            assert _close(copies[c].features, direct), c
            if row[4]:  # a flipped copy = the same crop, mirrored, of the left-right flipped frames
                rh, rw, y0, x0, _ = (int(v) for v in row)
                mirrored = {"resize_hw": (rh, rw), "crop_yx": (y0, rw - 32 - x0), "flip": False}
                flipped = np.ascontiguousarray(frames[:, :, ::-1])
                direct = bb(torch.from_numpy(he_transform(flipped, 32, mirrored))).numpy()
                assert _close(copies[c].features, direct), c
                unflipped = bb(torch.from_numpy(he_transform(frames, 32, dict(_params(row), flip=False)))).numpy()
                assert not _close(copies[c].features, unflipped)  # the halves differ: the flip shows
    with pytest.raises(InputError, match="6 augmented copies"):
        load_features(fp, copy=6)
    # a rerun gives the same copies (seeded per (video, copy)); another seed gives others
    again = extract_features([("A/v_a", str(video))], bb, tmp_path / "again", uniform_sampler(4), progress=False,
                             augment_copies=6)
    assert again.done == ["A/v_a"]
    for c in range(6):
        assert np.array_equal(load_features(feature_path(tmp_path / "again", "A/v_a"), copy=c).features,
                              copies[c].features)
    other = extract_features([("A/v_a", str(video))], bb, tmp_path / "other", uniform_sampler(4), progress=False,
                             augment_copies=6, augment_seed=1)
    assert not np.array_equal(load_features(feature_path(tmp_path / "other", "A/v_a")).augment_params,
                              plain.augment_params) and other.done == ["A/v_a"]


def test_plain_extraction_writes_the_old_keys_and_resume_skips_finished(synth, tmp_path):
    from locbench.video import find_videos

    videos = find_videos(synth / "videos")[:3]
    bb = _small()
    out = tmp_path / "feats"
    extract_features(videos, bb, out, uniform_sampler(3), progress=False)
    with np.load(feature_path(out, videos[0][0])) as z:
        assert sorted(z.files) == sorted(_KEYS)  # augment_copies=0: today's files, unchanged
    # plain files lack copies: asked for 2, they are recomputed
    rep = extract_features(videos, bb, out, uniform_sampler(3), progress=False, augment_copies=2)
    assert rep.done == [v for v, _ in videos] and rep.skipped == []
    # a crash lost the second video: only it is redone
    os.remove(feature_path(out, videos[1][0]))
    rep = extract_features(videos, bb, out, uniform_sampler(3), progress=False, augment_copies=2)
    assert rep.done == [videos[1][0]] and rep.skipped == [videos[0][0], videos[2][0]]
    # fewer copies (or none) asked: the files with 2 are finished
    assert extract_features(videos, bb, out, uniform_sampler(3), progress=False, augment_copies=1).done == []
    assert extract_features(videos, bb, out, uniform_sampler(3), progress=False).done == []


def test_dataset_draws_copies_per_epoch_and_validates_on_plain(synth, tmp_path):
    from locbench.training.splits import LabelledVideo
    from locbench.video import find_videos

    videos = find_videos(synth / "videos")[:3]
    out = tmp_path / "feats"
    extract_features(videos, _small(), out, uniform_sampler(3), progress=False, augment_copies=4)
    items = [LabelledVideo(name, path, 0) for name, path in videos]

    def draws(seed):
        ds = FeatureClipDataset(items, str(out), 3, train=True, seed=seed, augment=True)
        seen = []
        for epoch in range(8):
            ds.set_epoch(epoch)
            seen.append([ds.copy_index(i) for i in range(len(items))])
        return ds, np.array(seen)

    ds, seen = draws(0)
    assert np.array_equal(seen, draws(0)[1])  # deterministic for a seed
    assert not np.array_equal(seen, draws(1)[1])
    assert all(len(set(seen[:, i])) > 1 for i in range(len(items)))  # different copies across epochs
    assert seen.min() >= 0 and seen.max() < 4
    ds.set_epoch(3)
    x, _, _ = ds[0]
    # 3 cached frames, clips of 3: every frame, in order, of the drawn copy
    want = load_features(feature_path(out, items[0].name), copy=int(seen[3, 0])).features.astype(np.float32)
    assert np.array_equal(x.numpy(), want)
    val = FeatureClipDataset(items, str(out), 3, train=False, seed=0, augment=True)
    assert val.copy_index(0) is None
    assert np.array_equal(val[0][0].numpy(), load_features(feature_path(out, items[0].name)).features.astype(np.float32))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:validating on the TEST")
def test_train_on_feature_copies_records_it_and_needs_copies(synth, tmp_path, capsys):
    from locbench.model.backbones import RandomInitWarning, make_backbone
    from locbench.model.checkpoint import load_checkpoint
    from locbench.training.train import TrainConfig, train
    from locbench.video import find_videos

    with pytest.warns(RandomInitWarning):
        bb = make_backbone("resnet50", input_size=64)
    videos = find_videos(synth / "videos")
    plain, aug = tmp_path / "plain", tmp_path / "aug"
    extract_features(videos, bb, plain, uniform_sampler(2), progress=False)
    from locbench.cli import main

    with pytest.warns(RandomInitWarning):
        assert main(["extract-features", "--data", str(synth), "--out", str(aug), "--backbone", "resnet50",
                     "--input-size", "64", "--frames", "2", "--augment-copies", "2", "--device", "cpu",
                     "--no-progress"]) == 0
    assert all(feature_copies(feature_path(aug, v)) == 2 for v, _ in videos)
    # the plain features are those of a plain extraction (same backbone: random init is seeded)
    v0 = videos[0][0]
    assert np.array_equal(load_features(feature_path(aug, v0)).features, load_features(feature_path(plain, v0)).features)
    cfg = TrainConfig(data=str(synth), classes=str(synth / "classes.txt"), out=str(tmp_path / "run"), epochs=2,
                      features=str(aug), augment=True, num_frames=2, hidden_channels=6, spatial_widths=(6,),
                      attention_dim=4, batch_size=4, progress=False, device="cpu",
                      val_list=str(synth / "testlist01.txt"))
    res = train(cfg)
    assert res.history[-1]["train_clips"] == 4 and res.history[-1]["val_clips"] == 2
    sel = load_checkpoint(tmp_path / "run" / "last.pt").selection
    assert sel["preprocess"] == "he-feature-copies"
    assert sel["feature_copies"]["min_copies"] == sel["feature_copies"]["max_copies"] == 2
    # without copies in the cache: one InputError naming the fix
    with pytest.raises(InputError, match=r"extract-features --augment-copies N"):
        train(dataclasses.replace(cfg, features=str(plain), out=str(tmp_path / "run2")))
    capsys.readouterr()
    assert main(["train", "--data", str(synth), "--classes", str(synth / "classes.txt"), "--features", str(plain),
                 "--augment", "--out", str(tmp_path / "run4"), "--device", "cpu", "--no-progress"]) == 2
    assert "extract-features --augment-copies N" in capsys.readouterr().err
    # an old (plain) cache still trains without augmentation, and says so
    res = train(dataclasses.replace(cfg, features=str(plain), augment=False, out=str(tmp_path / "run3")))
    assert res.history[-1]["train_clips"] == 4
    assert load_checkpoint(tmp_path / "run3" / "last.pt").selection["preprocess"] == "resize"
