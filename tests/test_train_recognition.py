"""Training as the paper does, without test data: hold-out by group, explicit test validation, fc tensors,
fine-tuning, He et al. augmentation, recognition roots, and the ablation runner (resume, Table 6)."""
import json
import os
import shutil
import warnings

import numpy as np
import pytest
import torch

from annotations.errors import InputError
from locbench.model.checkpoint import load_checkpoint
from locbench.training.datasets import he_clip_params, he_transform
from locbench.training.splits import holdout_by_group, training_split, video_group
from locbench.training.train import TrainConfig, train

TINY = dict(num_frames=3, input_size=32, feature_channels=8, hidden_channels=4, spatial_widths=(4,), attention_dim=4,
            batch_size=4, progress=False, device="cpu", epochs=1)


@pytest.fixture(scope="module")
def ucf24(tmp_path_factory):
    from locbench.synth.ucf_like import make_ucf_like

    root = tmp_path_factory.mktemp("ucf24")
    make_ucf_like(root, num_classes=2, train_per_class=4, test_per_class=2, size="48x40", frames="6,8")
    return root


@pytest.fixture(scope="module")
def hmdb(tmp_path_factory):
    from locbench.synth.recognition import make_recognition

    root = tmp_path_factory.mktemp("rec") / "hmdb51"
    make_recognition(root, "hmdb51", num_classes=2, train_per_class=6, test_per_class=2, size="32x32", frames="4,5")
    return root


def test_default_run_never_validates_on_the_test_list(ucf24, tmp_path):
    res = train(TrainConfig(data=str(ucf24), classes=str(ucf24 / "classes.txt"), out=str(tmp_path / "r"), **TINY))
    assert "val_accuracy" not in res.history[0]
    ckpt = load_checkpoint(tmp_path / "r" / "best.pt")
    assert ckpt.selection["split"]["validation"] == "none"
    assert ckpt.selection["best_selected_on"] == "last epoch (no validation)"
    assert json.loads((tmp_path / "r" / "config.json").read_text())["val_videos"] == 0


def test_holdout_keeps_groups_whole_and_away_from_the_test_list(ucf24, tmp_path):
    classes = tuple((ucf24 / "classes.txt").read_text().split())
    tr, va, info = training_split(ucf24, classes, holdout=0.34, seed=0)
    test = set((ucf24 / "testlist01.txt").read_text().split())
    assert va and not {v.name for v in va} & test and not {v.name for v in tr} & test
    assert not {video_group(v.name) for v in tr} & {video_group(v.name) for v in va}  # gXX never split
    assert info["holdout_groups"] == sorted({video_group(v.name) for v in va})
    res = train(TrainConfig(data=str(ucf24), classes=str(ucf24 / "classes.txt"), out=str(tmp_path / "h"), holdout=0.34,
                            **TINY))
    assert res.history[0]["val_clips"] == len(va)
    assert load_checkpoint(tmp_path / "h" / "last.pt").selection["split"]["holdout_groups"] == info["holdout_groups"]


def test_test_list_validation_only_when_explicit_and_said(ucf24, tmp_path):
    with pytest.warns(UserWarning, match="validating on the TEST list"):
        train(TrainConfig(data=str(ucf24), classes=str(ucf24 / "classes.txt"), out=str(tmp_path / "t"),
                          val_list=str(ucf24 / "testlist01.txt"), **TINY))
    assert load_checkpoint(tmp_path / "t" / "best.pt").selection["split"]["val_is_test_list"] is True


def test_training_on_the_test_list_is_an_error(ucf24, tmp_path):
    root = tmp_path / "noTrainList"
    shutil.copytree(ucf24, root)
    os.remove(root / "trainlist01.txt")
    classes = tuple((root / "classes.txt").read_text().split())
    with pytest.raises(InputError, match="would train on the test videos"):
        training_split(root, classes)
    (tmp_path / "leaky.txt").write_text((root / "testlist01.txt").read_text())
    with pytest.raises(InputError, match="training videos are in the test list"):
        training_split(root, classes, train_list=tmp_path / "leaky.txt")


def test_holdout_by_source_video_on_hmdb51(hmdb):
    from annotations.recognition import load_recognition

    rs = load_recognition(hmdb, 1)
    from locbench.training.splits import LabelledVideo

    items = [LabelledVideo(v.name, v.path, v.label) for v in rs.train]
    tr, va, held = holdout_by_group(items, 0.3, 1, {v.name: v.group for v in rs.train})
    src = lambda v: v.name.split("/")[1].rsplit("_f_cm", 1)[0]  # noqa: E731
    assert va and not {src(v) for v in tr} & {src(v) for v in va}  # both clips of a source stay together


def test_recognition_root_trains_without_a_class_list(hmdb, tmp_path):
    res = train(TrainConfig(data=str(hmdb), out=str(tmp_path / "r"), official_split=2, **TINY))
    ckpt = load_checkpoint(tmp_path / "r" / "last.pt")
    assert ckpt.config.class_names == ("disk_orbit", "square_bounce")
    assert ckpt.selection["split"]["dataset"] == "hmdb51" and ckpt.selection["split"]["official_split"] == 2
    from annotations.recognition import load_recognition

    assert res.history[0]["train_clips"] == len(load_recognition(hmdb, 2).train)


def test_he_augmentation_one_draw_per_clip():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 200, size=(40, 60, 3)).astype(np.uint8)
    frames = np.stack([base + k for k in range(5)])  # frame k = base + k everywhere
    for seed in range(20):
        p = he_clip_params(frames.shape[1:3], 24, np.random.default_rng(seed))
        out = he_transform(frames, 24, p).astype(np.int16)
        assert out.shape == (5, 24, 24, 3)
        # the same crop, scale and flip for every frame: frames differ only by their offset k
        for k in range(5):
            assert np.abs(out[k] - k - out[0]).max() <= 1
    flips = {he_clip_params((40, 60), 24, np.random.default_rng(s))["flip"] for s in range(20)}
    assert flips == {True, False}  # both outcomes occur across clips
    test = he_clip_params((40, 60), 24, None)
    assert test["flip"] is False and test["resize_hw"][0] == round(24 * 256 / 224)
    assert test["crop_yx"] == ((test["resize_hw"][0] - 24) // 2, (test["resize_hw"][1] - 24) // 2)


def test_dataset_draws_augmentation_once_per_clip(ucf24, monkeypatch):
    import locbench.training.datasets as D

    calls = []
    real = D.he_clip_params
    monkeypatch.setattr(D, "he_clip_params", lambda *a: calls.append(a) or real(*a))
    from locbench.training.splits import resolve_split

    classes = tuple((ucf24 / "classes.txt").read_text().split())
    items, _ = resolve_split(ucf24, classes)
    ds = D.VideoClipDataset(items[:2], 4, 32, train=True, seed=0, augment=True)
    x, _, _ = ds[0]
    assert tuple(x.shape) == (4, 32, 32, 3) and len(calls) == 1
    assert torch.equal(ds[0][0], x)  # reproducible from (seed, epoch, index)


def _r18_weights(tmp_path, classes=51):
    import torchvision

    net = torchvision.models.resnet18(weights=None, num_classes=classes)
    path = tmp_path / f"r18_{classes}.pth"
    torch.save(net.state_dict(), path)
    return path, net


def test_fc_tensors_are_ignored_and_said_so(tmp_path):
    from locbench.model.backbones import BackboneWeightsNote, make_backbone

    path, net = _r18_weights(tmp_path)  # a ResNet "fine-tuned on HMDB51": fc has 51 classes
    with pytest.warns(BackboneWeightsNote, match=r"ignoring fc.weight / fc.bias \(51 classes\)"):
        bb = make_backbone("resnet18", path, input_size=32)
    assert bb.notes and "51 classes" in bb.notes[0]
    assert torch.equal(bb.trunk[0].weight, net.conv1.weight) and torch.equal(bb.trunk[7][1].conv2.weight,
                                                                           net.layer4[1].conv2.weight)


@pytest.mark.slow
def test_finetuning_changes_backbone_weights_only_when_asked(ucf24, tmp_path):
    path, net = _r18_weights(tmp_path, 1000)
    ref = {k: v.clone() for k, v in net.state_dict().items() if not k.startswith("fc.")}
    common = dict(TINY, data=str(ucf24), classes=str(ucf24 / "classes.txt"), backbone="resnet18",
                  backbone_weights=str(path), feature_channels=None, num_frames=2, lr=1e-2)

    def trunk_after(name, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = train(TrainConfig(out=str(tmp_path / name), **common, **kw))
        names = list(ref)
        return dict(zip(names, res.model.backbone.trunk.state_dict().values()))

    frozen = trunk_after("frozen")
    assert all(torch.equal(frozen[k], ref[k]) for k in ref)  # BN statistics included
    tuned = trunk_after("tuned", finetune_backbone=True, backbone_lr=1e-2)
    assert any(not torch.equal(tuned[k], ref[k]) for k in ref if k.startswith("layer1"))
    top = trunk_after("top", finetune_backbone=True, train_stages=("layer4",), backbone_lr=1e-2)
    assert all(torch.equal(top[k], ref[k]) for k in ref if not k.startswith("layer4"))
    assert any(not torch.equal(top[k], ref[k]) for k in ref if k.startswith("layer4") and "conv" in k)
    ckpt = load_checkpoint(tmp_path / "tuned" / "last.pt")
    assert ckpt.backbone is not None and ckpt.selection["finetune_backbone"] is True  # tuned trunk travels along


def test_ablate_resumes_without_retraining(hmdb, tmp_path, monkeypatch, capsys):
    from locbench.cli import main

    args = ["ablate", "--data", str(hmdb), "--preset", "cpu", "--rows", "baseline,full", "--seeds", "0,1",
            "--epochs", "1", "--frames", "2", "--input-size", "32", "--feature-channels", "8", "--hidden", "4",
            "--spatial-widths", "4", "--attention-dim", "4", "--out", str(tmp_path / "a"), "--no-progress",
            "--device", "cpu"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "| plain backbone (mean pool + linear)" in first and "| ours (full model)" in first and "±" in first
    assert "plain backbone (mean pool + linear) 50.04 / 83.30; ours (full model) 53.07 / 87.11" in first
    for row in ("baseline", "full"):
        for seed in (0, 1):
            res = json.loads((tmp_path / "a" / "hmdb51" / "small" / row / f"seed{seed}" / "result.json").read_text())
            assert res["checkpoint"].endswith("last.pt") and res["selected_on"] == "last epoch"
    import locbench.training.train as T

    monkeypatch.setattr(T, "train", lambda *a, **k: pytest.fail("a finished row was retrained"))
    assert main(args) == 0
    assert capsys.readouterr().out == first
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    tops = [r["top1"] for r in metrics["rows"] if r["row"] == "full"]
    from evaluators.classification import mean_std

    m, s = mean_std(tops)
    assert f"{100 * m:.2f} ± {100 * s:.2f}" in first


@pytest.mark.slow
def test_table6_style_run_over_two_tiny_resnets(tmp_path, capsys):
    from locbench.cli import main
    from locbench.synth.recognition import make_recognition

    root = tmp_path / "hmdb51"
    make_recognition(root, "hmdb51", num_classes=2, train_per_class=3, test_per_class=1, size="32x32", frames="4,4")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["ablate", "--data", str(root), "--backbones", "resnet18,resnet34", "--rows", "baseline,full",
                     "--epochs", "1", "--frames", "2", "--steps", "2", "--input-size", "32", "--hidden", "4",
                     "--spatial-widths", "4", "--attention-dim", "4", "--batch-size", "4", "--out",
                     str(tmp_path / "t6"), "--no-progress", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "Base networks (Table 6 layout)" in out and "resnet18" in out and "resnet34" in out
    t6 = json.loads((tmp_path / "t6" / "table6.json").read_text())
    assert [r["method"] for r in t6["rows"]] == ["resnet18", "resnet34"]
    assert all(c is not None and 0 <= c["value"] <= 1 for r in t6["rows"] for c in r["values"])
    ck = load_checkpoint(tmp_path / "t6" / "hmdb51" / "resnet34" / "full" / "seed0" / "run" / "last.pt")
    assert ck.config.backbone == "resnet34" and ck.config.feature_channels == 512
