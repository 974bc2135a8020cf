"""Checkpoints: round trip, weights_only safety, refusal of other architectures / class lists."""
import pytest
import torch

from annotations.errors import InputError
from locbench.model.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint
from locbench.model import ModelConfig, build_model

CLASSES = ("run", "jump", "swim")


def tiny(**kw) -> ModelConfig:
    base = dict(backbone="small", feature_channels=8, input_size=32, num_frames=4, num_steps=3,
                spatial_widths=(6,), hidden_channels=6, attention_dim=5)
    base.update(kw)
    return ModelConfig(class_names=CLASSES, **base)


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = build_model(tiny()).eval()
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, train_state={"epoch": 3, "rng": [torch.get_rng_state()]}, metrics={"val_accuracy": 0.5})
    return model, path


def test_round_trip_gives_identical_outputs(saved):
    model, path = saved
    ckpt = load_checkpoint(path, expect_classes=CLASSES, expect_config=tiny())
    assert ckpt.config == model.config
    assert ckpt.train_state["epoch"] == 3 and ckpt.metrics == {"val_accuracy": 0.5}
    again = model_from_checkpoint(ckpt)
    clips = torch.randint(0, 256, (2, 4, 32, 32, 3), dtype=torch.uint8)
    with torch.no_grad():
        a, b = model(clips), again(clips)
    for x, y in zip(a, b):
        assert torch.equal(x, y)


def test_plain_torch_load_weights_only_works(saved):
    _, path = saved
    obj = torch.load(path, weights_only=True)
    assert obj["config"]["class_names"] == list(CLASSES)
    assert all(isinstance(v, torch.Tensor) for v in obj["head"].values())
    assert "backbone" in obj  # the small backbone is trained, so it is embedded


class Payload:
    def __reduce__(self):
        return (exec, ("import sys; sys.exit(99)",))


def test_checkpoint_with_pickled_object_is_refused(saved, tmp_path):
    _, path = saved
    obj = torch.load(path, weights_only=True)
    obj["extra"] = Payload()
    evil = tmp_path / "evil.pt"
    torch.save(obj, evil)
    with pytest.raises(InputError, match="refusing to load checkpoint.*pickled object"):
        load_checkpoint(evil)


def test_other_class_list_is_refused(saved):
    _, path = saved
    with pytest.raises(InputError, match="3 classes, expected 2"):
        load_checkpoint(path, expect_classes=("run", "jump"))
    with pytest.raises(InputError, match="class 1 is 'jump' in the checkpoint but 'dive'"):
        load_checkpoint(path, expect_classes=("run", "dive", "swim"))


def test_other_architecture_is_refused(saved):
    _, path = saved
    with pytest.raises(InputError, match="hidden_channels: checkpoint 6 vs 7"):
        load_checkpoint(path, expect_config=tiny(hidden_channels=7))
    with pytest.raises(InputError, match="spatial_attention"):
        load_checkpoint(path, expect_config=tiny(spatial_attention=False))
    load_checkpoint(path, expect_config=tiny(dropout=0.3))  # dropout is not architecture


def test_weights_that_do_not_fit_the_config_are_refused(saved, tmp_path):
    _, path = saved
    obj = torch.load(path, weights_only=True)
    obj["config"]["hidden_channels"] = 9  # config says 9, tensors are 6 wide
    bad = tmp_path / "bad.pt"
    torch.save(obj, bad)
    with pytest.raises(InputError, match="do not fit"):
        model_from_checkpoint(load_checkpoint(bad))


@pytest.mark.parametrize("mutate, match", [
    (lambda o: o.pop("format"), "not a locbench"),
    (lambda o: o.update(version=99), "version 99"),
    (lambda o: o["config"].update(bogus=1), "unknown model settings"),
    (lambda o: o.update(head=[1, 2]), "state dict"),
])
def test_malformed_checkpoints_are_input_errors(saved, tmp_path, mutate, match):
    _, path = saved
    obj = torch.load(path, weights_only=True)
    mutate(obj)
    bad = tmp_path / "bad.pt"
    torch.save(obj, bad)
    with pytest.raises(InputError, match=match):
        load_checkpoint(bad)


def test_missing_truncated_and_foreign_files(saved, tmp_path):
    _, path = saved
    with pytest.raises(InputError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    data = path.read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cannot read"):
        load_checkpoint(tmp_path / "trunc.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(InputError, match="not a locbench"):
        load_checkpoint(tmp_path / "list.pt")


def test_save_is_atomic_on_failure(saved, monkeypatch):
    model, path = saved
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError):
        save_checkpoint(path, model)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["m.pt"]  # no temp file left


def test_frozen_resnet_checkpoint_needs_the_same_weights(tmp_path):
    import torchvision

    weights = tmp_path / "r50.pth"
    torch.save(torchvision.models.resnet50(weights=None).state_dict(), weights)
    from locbench.model.backbones import file_sha256

    cfg = ModelConfig(class_names=CLASSES, backbone="resnet50", num_frames=2, num_steps=2, spatial_widths=(4,),
                      hidden_channels=4, attention_dim=3, backbone_weights_sha256=file_sha256(weights))
    head_only = build_model(cfg, with_backbone=False)
    path = tmp_path / "feat.pt"
    save_checkpoint(path, head_only)
    ckpt = load_checkpoint(path)
    assert ckpt.backbone is None
    with pytest.raises(InputError, match="--backbone-weights"):
        model_from_checkpoint(ckpt)
    other = tmp_path / "other.pth"
    sd = torch.load(weights, weights_only=True)
    sd["fc.bias"] = sd["fc.bias"] + 1
    torch.save(sd, other)
    with pytest.raises(InputError, match="not the ones the model was trained on"):
        model_from_checkpoint(ckpt, other)
    model = model_from_checkpoint(ckpt, weights)
    assert model.backbone is not None and model.backbone.weights_sha256 == cfg.backbone_weights_sha256
