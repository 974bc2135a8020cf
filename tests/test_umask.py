"""Outputs follow the umask (mkstemp alone would make every output 0600)."""
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _run_with_umask(code: str, umask: int) -> None:
    script = f"import os; os.umask({umask:#o})\n" + textwrap.dedent(code)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=ROOT)


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_atomic_outputs_follow_umask(tmp_path, umask, expected):
    _run_with_umask(f"""
        from annotations.atomic import atomic_write_text, atomic_write_bytes
        atomic_write_text({str(tmp_path / 'a.txt')!r}, 'x')
        atomic_write_bytes({str(tmp_path / 'b.bin')!r}, b'x')
    """, umask)
    for name in ("a.txt", "b.bin"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == expected, name


def test_eval_outputs_and_synthetic_video_follow_umask(tmp_path):
    out = tmp_path / "eval"
    _run_with_umask(f"""
        import numpy as np
        from locbench.cli import main
        rc = main(["eval-temporal", "--gt", {str(SHARED / 'data/thumos14/groundtruth')!r},
                   "--detections", {str(SHARED / 'reference/temporal/detections.txt')!r},
                   "--protocol", "thumos14", "--unknown-videos", "fp", "--out", {str(out)!r}])
        assert rc == 0, rc
        from locbench.synth.render import write_video
        frames = [np.zeros((16, 16, 3), np.uint8)] * 3
        write_video({str(tmp_path / 'v.avi')!r}, frames, 10.0, (16, 16))
    """, 0o022)
    written = [p for p in out.rglob("*") if p.is_file()] + [tmp_path / "v.avi"]
    assert len(written) >= 3
    for p in written:
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o644, p
