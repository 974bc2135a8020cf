"""Speed of ``locbench predict`` end to end (video decoding, backbone, head, writing the files).

Random weights (speed does not depend on them) on freshly generated synthetic videos:

* ``small trimmed clip``: UCF101-24-like clips (160x120), one 8-frame clip per video, masks of the
  clip's frames only (``--mask-frames clip``): clips/s;
* ``small trimmed all``: the same with masks of every frame (the default): clips/s and frames/s;
* ``small untrimmed``: THUMOS'14-like videos (160x90, 15/20 fps) at 10 fps, one window per video:
  sampled frames/s;
* ``r50 trimmed clip``: frozen ResNet-50 at 224 px + the paper head (n = T = 25), a few clips on
  CPU (``--r50-clips``), every UCF-like clip on CUDA;

Times exclude the fixed cost of loading the checkpoint and building the model (measured by a run on
no video and subtracted), so the rows are throughput.
* ``r50 untrimmed`` (CUDA only; minutes on 2 CPU cores): ResNet-50 + paper head, windows at 10 fps;
* on CUDA also ``bare torchvision r50``: the same number of 224 px frames through torchvision's
  ResNet-50 alone, to show what the backbone costs by itself.

    python benchmarks/bench_predict.py            # CPU (and CUDA rows when available)
    python benchmarks/bench_predict.py --quick    # fewer videos
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from locbench.model.checkpoint import save_checkpoint  # noqa: E402
from locbench.model import ModelConfig, build_model, small_config  # noqa: E402
from locbench.model.backbones import RandomInitWarning  # noqa: E402
from locbench.inference.predict import predict_videos  # noqa: E402


def make_checkpoint(path: str, cfg: ModelConfig, kind: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RandomInitWarning)
        torch.manual_seed(0)
        save_checkpoint(path, build_model(cfg), data={"kind": kind})
    return path


def _timed_predict(ckpt, videos, out, device, untrimmed, **kw):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RandomInitWarning)
        rep = predict_videos(ckpt, videos, out, device=device.type, untrimmed=untrimmed, progress=False, **kw)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - t0, rep


def run_predict(ckpt, videos, out, device, untrimmed, **kw) -> tuple[float, list]:
    """Seconds of one predict run on every video (fresh output directory), less the fixed cost of
    loading the checkpoint and building the model (a run on no video), and the written records."""
    from locbench.inference.attention import load_attention_dir

    fixed, _ = _timed_predict(ckpt, videos, out + "_load", device, untrimmed, names=[], **kw)
    seconds, rep = _timed_predict(ckpt, videos, out, device, untrimmed, **kw)
    assert not rep.failed, rep.failed
    return max(seconds - fixed, 1e-9), load_attention_dir(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer videos")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: the machine is shared)")
    ap.add_argument("--r50-clips", type=int, default=2, help="videos for the ResNet-50 trimmed row (default 2)")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                    help="auto: CPU, then CUDA too when available")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] if args.device in ("auto", "cpu") else []
    if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()):
        devices.append(torch.device("cuda"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        from locbench.synth.thumos_like import make_thumos_like
        from locbench.synth.ucf_like import make_ucf_like

        per_class = 2 if args.quick else 6
        make_ucf_like(os.path.join(tmp, "ucf"), num_classes=4, train_per_class=1, test_per_class=per_class)
        make_thumos_like(os.path.join(tmp, "th"), num_classes=2, train_per_class=1, test_per_class=1 if args.quick else 3)
        ucf_videos, th_videos = os.path.join(tmp, "ucf", "videos"), os.path.join(tmp, "th", "videos")
        classes = [f"c{i}" for i in range(4)]
        small_t = make_checkpoint(os.path.join(tmp, "small_t.pt"), small_config(classes), "trimmed")
        small_u = make_checkpoint(os.path.join(tmp, "small_u.pt"), small_config(classes), "untrimmed")
        r50_t = make_checkpoint(os.path.join(tmp, "r50_t.pt"), ModelConfig(class_names=tuple(classes)), "trimmed")

        # the first few UCF-like videos, for the slow ResNet row
        from locbench.video import find_videos
        few = os.path.join(tmp, "few")
        os.makedirs(few)
        for name, path in find_videos(ucf_videos)[: args.r50_clips]:
            os.symlink(path, os.path.join(few, name.replace("/", "__") + ".avi"))

        for device in devices:
            k = 0

            def out():
                nonlocal k
                k += 1
                return os.path.join(tmp, f"out_{device.type}_{k}")

            run_predict(small_t, ucf_videos, out(), device, False, mask_frames="clip")  # warm-up
            s, recs = run_predict(small_t, ucf_videos, out(), device, False, mask_frames="clip")
            rows.append((device.type, "small trimmed clip (8 frames)", len(recs), len(recs) / s, None))
            s, recs = run_predict(small_t, ucf_videos, out(), device, False, mask_frames="all")
            frames = sum(r.num_frames for r in recs)
            rows.append((device.type, "small trimmed all frames", len(recs), len(recs) / s, frames / s))
            s, recs = run_predict(small_u, th_videos, out(), device, True)
            frames = sum(r.num_frames for r in recs)
            rows.append((device.type, "small untrimmed 10 fps", len(recs), None, frames / s))
            r50_videos = ucf_videos if device.type == "cuda" else few  # every clip on the GPU
            s, recs = run_predict(r50_t, r50_videos, out(), device, False, mask_frames="clip", batch_size=8)
            rows.append((device.type, "r50 224px trimmed clip (25 frames)", len(recs), len(recs) / s, 25 * len(recs) / s))
            if device.type == "cuda":
                s, recs = run_predict(make_checkpoint(os.path.join(tmp, "r50_u.pt"),
                                                      ModelConfig(class_names=tuple(classes)), "untrimmed"),
                                      th_videos, out(), device, True, batch_size=8)
                frames = sum(r.num_frames for r in recs)
                rows.append((device.type, "r50 224px untrimmed 10 fps", len(recs), None, frames / s))
                import torchvision

                bare = torchvision.models.resnet50(weights=None).to(device).eval()
                x = torch.rand(200, 3, 224, 224, device=device)
                with torch.inference_mode():
                    bare(x[:50])
                    torch.cuda.synchronize(device)
                    t0 = time.perf_counter()
                    for i in range(0, 200, 50):
                        bare(x[i:i + 50])
                    torch.cuda.synchronize(device)
                rows.append((device.type, "bare torchvision r50 forward (224px, batch 50)", 200, None,
                             200 / (time.perf_counter() - t0)))
    print(f"torch {torch.__version__}, {args.threads} CPU threads" +
          (f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""))
    print("| device | row | videos | clips/s | frames/s |")
    print("| --- | --- | ---: | ---: | ---: |")
    for dev, name, n, cps, fps in rows:
        print(f"| {dev} | {name} | {n} | {'' if cps is None else f'{cps:.2f}'} | {'' if fps is None else f'{fps:.1f}'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
