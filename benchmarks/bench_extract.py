"""Is ResNet feature extraction bound by the GPU or by decoding? ``extract-features`` frames/s against a
bare torchvision forward of the same batches, with GPU utilisation while each runs.

On THUMOS-like synthetic videos (``locbench synth --kind thumos``, or ``--videos DIR`` of your own),
frames sampled at ``--sample-fps`` as the paper does, ResNet-50 at 224 px with random weights (speed
does not depend on them). Rows:

* ``bare torchvision forward``: the same number of 224 px frames, already on the GPU, through
  ``torchvision.models.resnet50`` truncated after layer4 (the ceiling: no decoding, no copies);
* ``extract-features, decode inline``: :func:`locbench.training.features.extract_features` with
  ``decode_workers=0`` (decode, then forward, one after the other);
* ``extract-features, N decode threads``: the same with threads decoding ahead;
* ``..., files not written``: the same without writing the ``.npz`` files, to separate the disk's
  share (the cache is float16 2048 x 7 x 7 per frame: 200 kB, i.e. ~1 GB/s at 5000 frames/s).

Each row gives frames/s, its ratio to the bare forward, and the mean GPU utilisation (``nvidia-smi``
sampled every 50 ms; empty on CPU).

    python benchmarks/bench_extract.py                       # CUDA if available, else CPU (tiny)
    python benchmarks/bench_extract.py --videos THUMOS14/videos/validation --limit 20
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from locbench.training.features import extract_features, fps_sampler  # noqa: E402
from locbench.model.backbones import RandomInitWarning, make_backbone  # noqa: E402


class GpuUtilisation:
    """Samples ``nvidia-smi``'s utilisation.gpu every ``period_s`` in a thread; ``mean`` in %."""

    def __init__(self, period_s: float = 0.05):
        self.period_s, self.samples, self._stop = period_s, [], threading.Event()
        self._proc = None

    def __enter__(self):
        try:
            self._proc = subprocess.Popen(
                ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits",
                 f"-lms={int(self.period_s * 1000)}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError:
            self._proc = None
            return self
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def _read(self):
        for line in self._proc.stdout:
            try:
                self.samples.append(float(line.strip().split(",")[0]))
            except ValueError:
                pass

    def __exit__(self, *exc):
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=5)

    @property
    def mean(self) -> float | None:
        return float(np.mean(self.samples)) if self.samples else None


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_forward(num_frames: int, batch: int, device, input_size: int = 224) -> tuple[float, float | None]:
    """Frames/s of torchvision's ResNet-50 trunk alone on ``num_frames`` frames already on ``device``."""
    import torchvision

    net = torchvision.models.resnet50(weights=None)
    trunk = torch.nn.Sequential(*list(net.children())[:-2]).to(device).eval()
    x = torch.rand(batch, 3, input_size, input_size, device=device)
    with torch.no_grad():
        trunk(x)
        _sync(device)
        with GpuUtilisation() as util:
            t0 = time.perf_counter()
            for _ in range(max(1, num_frames // batch)):
                trunk(x).float().cpu()  # the copy back, as extraction does
            _sync(device)
            seconds = time.perf_counter() - t0
    return max(1, num_frames // batch) * batch / seconds, util.mean


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", metavar="DIR", help="videos to use (default: synthetic THUMOS-like videos)")
    ap.add_argument("--limit", type=int, default=0, help="use the first N videos only")
    ap.add_argument("--sample-fps", type=float, default=10.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", default="4", help="decode-thread counts to try, comma-separated (default 4)")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    ap.add_argument("--synth-per-class", type=int, default=10, help="synthetic videos per class (4 classes)")
    args = ap.parse_args()
    device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
                          else "cpu")
    from locbench.video import find_videos

    with tempfile.TemporaryDirectory() as tmp:
        root = args.videos
        if root is None:
            from locbench.synth.thumos_like import make_thumos_like

            per_class = args.synth_per_class if device.type == "cuda" else 1
            t0 = time.perf_counter()
            make_thumos_like(os.path.join(tmp, "th"), num_classes=4, train_per_class=per_class, test_per_class=1)
            print(f"synthetic THUMOS-like videos made in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            root = os.path.join(tmp, "th", "videos")
        videos = sorted(find_videos(root))
        if args.limit:
            videos = videos[: args.limit]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RandomInitWarning)
            backbone = make_backbone("resnet50", None, input_size=224)
        sampler = fps_sampler(args.sample_fps)
        extract_features(videos[:1], backbone, os.path.join(tmp, "warm"), sampler, args.batch_size, device,
                         progress=False)  # CUDA context, cuDNN autotuning
        rows = []
        import locbench.training.features as F

        counted = {}
        save = F.save_features

        def counting_save(path, rec, dtype="float16"):  # count frames; write unless writes are off
            counted[path] = len(rec.frame_idx)
            if write:
                save(path, rec, dtype)

        F.save_features = counting_save
        workers_list = [0] + [int(w) for w in args.workers.split(",") if int(w) > 0]
        for workers, write in [(w, True) for w in workers_list] + [(workers_list[-1], False)]:
            out = os.path.join(tmp, f"feats_{workers}_{write}")
            counted.clear()
            with GpuUtilisation() as util:
                t0 = time.perf_counter()
                rep = extract_features(videos, backbone, out, sampler, args.batch_size, device, progress=False,
                                       decode_workers=workers)
                _sync(device)
                seconds = time.perf_counter() - t0
            assert not rep.failed, rep.failed
            frames = sum(counted.values())
            label = "extract-features, decode inline" if workers == 0 else f"extract-features, {workers} decode threads"
            rows.append((label + ("" if write else ", files not written (disk excluded)"), frames, frames / seconds,
                         util.mean))
            shutil.rmtree(out, ignore_errors=True)
        F.save_features = save
        bare_fps, bare_util = bare_forward(rows[0][1], args.batch_size, device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(f"\n{name}, torch {torch.__version__}, {len(videos)} videos, {rows[0][1]} frames at {args.sample_fps:g} fps, "
          f"batch {args.batch_size}, {os.cpu_count()} CPU cores\n")
    print("| row | frames/s | x bare forward | mean GPU util % |\n| --- | ---: | ---: | ---: |")
    for label, _, fps, util in [("bare torchvision forward (frames on the GPU)", None, bare_fps, bare_util)] + rows:
        print(f"| {label} | {fps:.0f} | {fps / bare_fps:.2f} | {'' if util is None else f'{util:.0f}'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
