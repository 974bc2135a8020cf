"""The backbone registry is the one place a backbone is named; the import circles stay broken."""
import subprocess
import sys

import pytest

from locbench.model.registry import BACKBONES, backbone_names, backbone_spec


def _choices(verb, flag):
    from locbench.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[verb]
    return tuple(next(a for a in sub._actions if flag in a.option_strings).choices)


def test_cli_choices_and_config_come_from_the_registry():
    from locbench.model.config import BACKBONES as CONFIG_BACKBONES, ModelConfig

    assert _choices("train", "--backbone") == backbone_names() == CONFIG_BACKBONES
    assert _choices("extract-features", "--backbone") == tuple(n for n in backbone_names() if n != "small")
    for name in backbone_names():
        ModelConfig(class_names=("a",), backbone=name, feature_channels=BACKBONES[name].channels)
    with pytest.raises(ValueError, match="unknown backbone 'vgg'"):
        backbone_spec("vgg")


@pytest.mark.parametrize("name", ["small", "resnet18"])
def test_spec_matches_the_built_backbone(name):
    import torch

    from locbench.model.backbones import make_backbone

    spec = backbone_spec(name)
    with pytest.warns(UserWarning) if name != "small" else _nothing():
        bb = make_backbone(name)
    x = torch.zeros(1, spec.input_size, spec.input_size, 3, dtype=torch.uint8)
    f = bb(x)
    assert bb.input_size == spec.input_size and f.shape[1] == spec.channels
    assert f.shape[-1] == spec.input_size // spec.stride


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_modules_import_without_circles_and_cli_without_torch():
    code = ("import sys; import locbench.model.weights, locbench.model.checkpoint, locbench.model.backbones, "
            "locbench.training.splits, locbench.training.datasets, locbench.training.features")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
    probe = "import sys, locbench.cli as c; c.build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()
    assert out == "False"
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    src = (root / "locbench/model/backbones.py").read_text() + (root / "locbench/training/features.py").read_text()
    assert "locbench.model.checkpoint" not in src and "locbench.training.data" not in src
