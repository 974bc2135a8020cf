"""The attention network: output structure, ablations, gradients, overfitting, backbones, config."""
import pytest
import torch

from annotations.errors import InputError
from locbench.model import ModelConfig, build_model, small_config
from locbench.model.backbones import RandomInitWarning, make_backbone
from locbench.model.losses import LossWeights, attention_losses
from locbench.model.net import AttentionHead

CLASSES = ("a", "b", "c")


def tiny(**kw) -> ModelConfig:
    base = dict(backbone="small", feature_channels=8, input_size=32, num_frames=5, num_steps=4,
                spatial_widths=(6, 4), hidden_channels=6, attention_dim=5)
    base.update(kw)
    return ModelConfig(class_names=CLASSES, **base)


def feats(b=2, cfg=None, seed=0):
    cfg = cfg or tiny()
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, cfg.num_frames, cfg.feature_channels, 4, 3, generator=g)


def test_output_shapes_and_ranges():
    torch.manual_seed(0)
    cfg = tiny()
    out = AttentionHead(cfg)(feats(2))
    assert out.logits.shape == (2, 3)
    assert out.masks.shape == (2, 5, 4, 3)
    assert out.temporal_weights.shape == (2, 4, 5)
    assert out.frame_importance.shape == (2, 5)
    assert out.masks.min().item() > 0 and out.masks.max().item() < 1
    assert torch.allclose(out.temporal_weights.sum(-1), torch.ones(2, 4), atol=1e-6)
    assert torch.allclose(out.frame_importance, out.temporal_weights.mean(1))


def test_temporal_weights_change_with_the_step():
    # additive attention inside tanh: H_{t-1} changes the weights (a scalar Phi_H would cancel)
    torch.manual_seed(1)
    out = AttentionHead(tiny()).eval()(feats(2))
    w = out.temporal_weights
    assert (w[:, 1:] - w[:, :-1]).abs().max().item() > 1e-6


def test_no_spatial_attention_mask_is_one_and_has_no_parameters():
    head = AttentionHead(tiny(spatial_attention=False))
    assert not any(n.startswith("spatial.") for n, _ in head.named_parameters())
    out = head(feats(2))
    assert torch.equal(out.masks, torch.ones_like(out.masks))


def test_no_temporal_attention_weights_are_uniform():
    head = AttentionHead(tiny(temporal_attention=False))
    assert not any(n.startswith("temporal.") for n, _ in head.named_parameters())
    out = head(feats(2))
    assert torch.allclose(out.temporal_weights, torch.full((2, 4, 5), 0.2))


@pytest.mark.parametrize("flags", [{}, {"spatial_attention": False}, {"temporal_attention": False}])
def test_gradients_reach_every_parameter(flags):
    torch.manual_seed(0)
    model = build_model(tiny(**flags))
    clips = torch.randint(0, 256, (2, 5, 40, 48, 3), dtype=torch.uint8)
    out = model(clips)
    attention_losses(out, torch.tensor([0, 2]), LossWeights(), spatial=model.config.spatial_attention)["total"].backward()
    dead = [n for n, p in model.named_parameters() if p.requires_grad and (p.grad is None or float(p.grad.abs().sum()) == 0)]
    assert dead == []


def test_pool_inv_n_is_sum_with_input_weights_divided_by_n():
    torch.manual_seed(0)
    a = AttentionHead(tiny(pool="inv_n")).eval()
    b = AttentionHead(tiny(pool="sum")).eval()
    b.load_state_dict(a.state_dict())
    with torch.no_grad():
        b.cell.gates.weight[:, :8] /= 5  # first C input channels of the gates see Y_t
    x = feats(2)
    assert torch.allclose(a(x).logits, b(x).logits, atol=1e-5)


def test_overfits_a_handful_of_random_clips():
    torch.manual_seed(0)
    cfg = tiny()
    head = AttentionHead(cfg)
    x = feats(6, cfg, seed=3)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(80):
        loss = attention_losses(head(x), y)["total"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    head.eval()
    with torch.no_grad():
        out = head(x)
    assert torch.equal(out.logits.argmax(1), y)
    assert attention_losses(out, y)["ce"].item() < 0.1


def test_video_model_accepts_uint8_and_float_frames_alike():
    torch.manual_seed(0)
    model = build_model(tiny()).eval()
    clips = torch.randint(0, 256, (1, 5, 32, 32, 3), dtype=torch.uint8)
    as_float = clips.permute(0, 1, 4, 2, 3).float() / 255.0
    with torch.no_grad():
        a, b = model(clips), model(as_float)
    assert torch.allclose(a.logits, b.logits, atol=1e-5)
    assert a.masks.shape == (1, 5, 2, 2)  # 32 px / stride 16


def test_small_backbone_map_size():
    bb = make_backbone("small")
    with torch.no_grad():
        f = bb(torch.randint(0, 256, (2, 240, 320, 3), dtype=torch.uint8))  # resized to 128 x 128
    assert f.shape == (2, 128, 8, 8)
    assert bb.trainable and all(p.requires_grad for p in bb.parameters())


def test_backbone_rejects_bad_layouts():
    bb = make_backbone("small")
    with pytest.raises(ValueError):
        bb(torch.zeros(1, 3, 32, 32, dtype=torch.uint8))  # uint8 must be channels-last
    with pytest.raises(ValueError):
        bb(torch.zeros(1, 32, 32, 3))  # float must be channels-first


def test_resnet_without_weights_warns_and_is_frozen_and_seeded():
    with pytest.warns(RandomInitWarning, match="RANDOM INITIALISATION"):
        a = make_backbone("resnet50")
    with pytest.warns(RandomInitWarning):
        b = make_backbone("resnet50")
    assert not any(p.requires_grad for p in a.parameters())
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))  # reproducible caches
    a.train()
    assert not a.trunk.training  # BN statistics stay frozen
    with torch.no_grad():
        f = a(torch.randint(0, 256, (1, 224, 224, 3), dtype=torch.uint8))
    assert f.shape == (1, 2048, 7, 7)


def test_resnet_weights_file_is_loaded_and_checked(tmp_path):
    import torchvision

    ref = torchvision.models.resnet50(weights=None).eval()
    path = tmp_path / "r50.pth"
    torch.save(ref.state_dict(), path)
    bb = make_backbone("resnet50", path)
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        got = bb(x)
        r = ref
        want = r.layer4(r.layer3(r.layer2(r.layer1(r.maxpool(r.relu(r.bn1(r.conv1(bb.preprocess(x)))))))))
    assert torch.allclose(got, want, atol=1e-5)
    assert bb.weights_sha256 and len(bb.weights_sha256) == 64

    wrong = tmp_path / "r101.pth"
    sd = ref.state_dict()
    sd.pop("fc.weight")
    torch.save(sd, wrong)
    with pytest.raises(InputError, match="does not fit"):
        make_backbone("resnet50", wrong)
    with pytest.raises(InputError, match="does not exist"):
        make_backbone("resnet50", tmp_path / "absent.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a torch file")
    with pytest.raises(InputError, match="cannot read"):
        make_backbone("resnet50", tmp_path / "junk.pth")


def test_resnet_weights_with_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"conv1.weight": torch.zeros(1), "payload": Exploit()}, path)
    with pytest.raises(InputError, match="refusing"):
        make_backbone("resnet50", path)


class Exploit:
    def __reduce__(self):
        return (print, ("pickled code ran",))


def test_config_round_trip_and_validation():
    cfg = small_config(["x", "y"], dropout=0.1)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(InputError, match="unknown model settings"):
        ModelConfig.from_dict({**cfg.to_dict(), "bogus": 1}, "ckpt.pt")
    with pytest.raises(InputError, match="backbone"):
        ModelConfig.from_dict({**cfg.to_dict(), "backbone": "vgg"}, "ckpt.pt")
    with pytest.raises(ValueError, match="duplicates"):
        ModelConfig(class_names=("a", "a"))


def test_paper_defaults():
    cfg = ModelConfig(class_names=CLASSES)
    assert (cfg.feature_channels, cfg.spatial_widths, cfg.hidden_channels, cfg.num_steps, cfg.num_frames) == \
        (2048, (1024, 512), 512, 25, 25)
    head = AttentionHead(cfg)
    convs = [m for m in head.spatial.body if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in convs] == \
        [(2048, 1024, (3, 3), (1, 1)), (1024, 512, (3, 3), (1, 1)), (512, 1, (3, 3), (1, 1))]
    assert head.cell.gates.kernel_size == (3, 3) and head.cell.hidden_channels == 512


def test_mask_bias_init_sets_the_untrained_mask_level_and_is_not_architecture():
    """A negative initial bias starts the masks mostly closed (docs/model.md); checkpoints made with and
    without it have the same architecture, and configs written before the option still load."""
    torch.manual_seed(0)
    cfg = small_config(("a", "b")).replace(mask_bias_init=-3.0)
    head = build_model(cfg).head
    assert head.spatial.body[-1].bias.item() == -3.0
    x = torch.zeros(1, 2, cfg.feature_channels, 4, 4)  # zero features: the mask is sigmoid(bias) exactly
    head.eval()
    assert torch.allclose(head.spatial(x.flatten(0, 1)), torch.sigmoid(torch.tensor(-3.0)), atol=1e-6)
    assert cfg.architecture() == small_config(("a", "b")).architecture()
    d = cfg.to_dict()
    d.pop("mask_bias_init")
    assert ModelConfig.from_dict(d).mask_bias_init is None
