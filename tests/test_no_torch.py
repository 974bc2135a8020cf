"""The base install works without torch, torchvision or OpenCV: `import evaluators` and the eval
verbs on detection files run in a subprocess where those imports fail (a meta-path blocker in a
sitecustomize.py put first on PYTHONPATH)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REF = SHARED / "reference"

BLOCKER = '''
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchvision", "cv2"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the no-torch test)", name=name)
        return None
sys.meta_path.insert(0, _Block())
'''


@pytest.fixture
def no_torch_env(tmp_path):
    block = tmp_path / "block"
    block.mkdir()
    (block / "sitecustomize.py").write_text(BLOCKER)
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(block), str(ROOT)]))


def _run(env, *args, cwd):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def test_blocker_blocks(no_torch_env, tmp_path):
    proc = _run(no_torch_env, "-c", "import torch", cwd=tmp_path)
    assert proc.returncode != 0 and "blocked by the no-torch test" in proc.stderr
    proc = _run(no_torch_env, "-c", "import cv2", cwd=tmp_path)
    assert proc.returncode != 0


def test_evaluators_annotations_and_locbench_import_without_torch(no_torch_env, tmp_path):
    code = ("import sys, evaluators, annotations, locbench, locbench.cli, locbench.evaluation.tasks; "
            "import evaluators.temporal, evaluators.frame_ap, evaluators.video_ap; "
            "from annotations import formats; "
            "assert not any(m.split('.')[0] in ('torch', 'cv2', 'torchvision') for m in sys.modules); print('ok')")
    proc = _run(no_torch_env, "-c", code, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


@pytest.mark.parametrize("argv", [
    ["eval-temporal", "--gt", SHARED / "data" / "thumos14" / "groundtruth", "--detections",
     REF / "temporal" / "detections.txt", "--unknown-videos", "fp", "--protocol", "thumos14,activitynet"],
    ["eval-spatial", "--gt", SHARED / "data" / "ucf101_24" / "pyannot.pkl", "--split", REF / "spatial" / "videos.txt",
     "--detections", REF / "spatial" / "detections.csv"],
    ["eval-video", "--gt", SHARED / "data" / "ucf101_24" / "pyannot.pkl", "--split", REF / "video" / "videos.txt",
     "--detections", REF / "video" / "tubes.csv"],
])
def test_eval_verbs_on_detections_run_without_torch(no_torch_env, tmp_path, argv):
    out = tmp_path / "out"
    plots = [] if argv[0] == "eval-video" else ["--plots", str(tmp_path / "figs")]
    proc = _run(no_torch_env, "-m", "locbench", *map(str, argv), "--out", str(out), *plots, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "metrics.json").read_text())["methods"][0]["ap"]["mAP"][0] > 0
    if argv[0] != "eval-video":  # PR curves of the detection file, drawn without OpenCV
        assert len(list((tmp_path / "figs").glob("pr_*.png"))) == 1


def test_a_verb_that_needs_the_model_extra_names_it(no_torch_env, tmp_path):
    proc = _run(no_torch_env, "-m", "locbench", "--help", cwd=tmp_path)
    assert proc.returncode == 0 and "eval-temporal" in proc.stdout and "train" in proc.stdout
    import numpy as np
    from locbench.inference.attention import AttentionRecord, attention_path, save_attention
    save_attention(attention_path(tmp_path / "att", "v1"),
                   AttentionRecord("v1", ("a",), np.ones(1), np.arange(2), 25.0, (8, 8), masks=np.ones((2, 2, 2))))
    proc = _run(no_torch_env, "-m", "locbench", "localize", "--attention", str(tmp_path / "att"), "--out",
                str(tmp_path / "loc"), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "pip install 'locbench[model]'" in proc.stderr
