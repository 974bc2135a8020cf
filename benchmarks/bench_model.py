"""Speed of the attention model: training steps/s and inference clips/s, small backbone and ResNet-50.

Random weights and random uint8 frames (speed does not depend on the values). Rows:

* ``small e2e``: the CPU model (small backbone at 128 px, 8 frames, narrow head) trained end-to-end;
* ``r50 features``: the paper head (2048x7x7 features, 25 frames, T=25, hidden 512) trained on cached
  features, i.e. what ``locbench train --features`` does per step;
* ``r50 e2e infer``: frozen ResNet-50 at 224 px + paper head on 25-frame clips, what ``predict`` does;
* on CUDA also ``bare torchvision r50``: the same frames through torchvision ResNet-50 alone (frames/s).

    python benchmarks/bench_model.py                 # CPU (and CUDA when available)
    python benchmarks/bench_model.py --quick         # fewer repeats
    python benchmarks/bench_model.py --device cuda --amp
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from locbench.model import ModelConfig, build_model, small_config  # noqa: E402
from locbench.model.backbones import RandomInitWarning  # noqa: E402
from locbench.model.losses import attention_losses  # noqa: E402

CLASSES = tuple(f"c{i}" for i in range(24))


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time(fn, device, repeats: int, warmup: int = 1) -> float:
    """Median seconds of ``fn()`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def _autocast(device, amp):
    import contextlib
    return torch.autocast("cuda", dtype=torch.bfloat16) if amp and device.type == "cuda" else contextlib.nullcontext()


def bench_train(model, inputs, device, repeats, amp=False) -> float:
    """Seconds per optimisation step (forward, losses, backward, Adam) on ``inputs``."""
    model.train()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    labels = torch.zeros(inputs.shape[0], dtype=torch.int64, device=device)

    def step():
        with _autocast(device, amp):
            out = model(inputs)
        loss = attention_losses(out, labels)["total"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return _time(step, device, repeats)


def bench_infer(model, inputs, device, repeats, amp=False) -> float:
    model.eval()

    def fwd():
        with torch.no_grad(), _autocast(device, amp):
            model(inputs)

    return _time(fwd, device, repeats)


def run(device: torch.device, quick: bool, amp: bool, batch_small: int, batch_r50: int) -> list[dict]:
    rows = []
    reps = 2 if quick else 5
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)

    cfg = small_config(CLASSES)
    model = build_model(cfg).to(device)
    clips = torch.randint(0, 256, (batch_small, cfg.num_frames, 128, 128, 3), dtype=torch.uint8, generator=g).to(device)
    s = bench_train(model, clips, device, reps, amp)
    rows.append({"row": "small e2e train", "batch": batch_small, "s_per_step": s, "steps_per_s": 1 / s,
                 "clips_per_s": batch_small / s})
    s = bench_infer(model, clips, device, reps, amp)
    rows.append({"row": "small e2e infer", "batch": batch_small, "s_per_batch": s, "clips_per_s": batch_small / s,
                 "frames_per_s": batch_small * cfg.num_frames / s})

    cfg = ModelConfig(class_names=CLASSES, backbone="resnet50")  # paper sizes
    head_model = build_model(cfg, with_backbone=False).to(device)
    feats = torch.rand(batch_r50, cfg.num_frames, 2048, 7, 7, generator=g).to(device)
    s = bench_train(head_model, feats, device, reps if device.type == "cuda" else 1, amp)
    rows.append({"row": "r50 features train (paper head)", "batch": batch_r50, "s_per_step": s,
                 "steps_per_s": 1 / s, "clips_per_s": batch_r50 / s})
    del head_model, feats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RandomInitWarning)
        model = build_model(cfg).to(device)
    clips = torch.randint(0, 256, (batch_r50, cfg.num_frames, 224, 224, 3), dtype=torch.uint8, generator=g).to(device)
    s = bench_infer(model, clips, device, reps if device.type == "cuda" else 1, amp)
    rows.append({"row": "r50 e2e infer (paper model)", "batch": batch_r50, "s_per_batch": s,
                 "clips_per_s": batch_r50 / s, "frames_per_s": batch_r50 * cfg.num_frames / s})
    if device.type == "cuda":
        import torchvision

        bare = torchvision.models.resnet50(weights=None).to(device).eval()
        x = model.backbone.preprocess(clips.reshape(-1, 224, 224, 3))
        s = bench_infer(bare, x, device, reps, amp)
        rows.append({"row": "bare torchvision r50 forward", "batch": x.shape[0], "s_per_batch": s,
                     "frames_per_s": x.shape[0] / s})
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="auto: CPU, then CUDA too when available")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast on CUDA")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--batch-small", type=int, default=8)
    p.add_argument("--batch-r50", type=int, default=2)
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] if args.device in ("auto", "cpu") else []
    if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()):
        devices.append(torch.device("cuda"))
    results = {}
    for dev in devices:
        name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
        print(f"\n## {name}\n")
        print("| row | batch | steps/s | clips/s | frames/s |\n| --- | ---: | ---: | ---: | ---: |")
        rows = run(dev, args.quick, args.amp, args.batch_small, args.batch_r50)
        for r in rows:
            f = lambda k: f"{r[k]:.3g}" if k in r else ""  # noqa: E731
            print(f"| {r['row']} | {r['batch']} | {f('steps_per_s')} | {f('clips_per_s')} | {f('frames_per_s')} |", flush=True)
        results[name] = rows
    if args.json:
        from annotations.atomic import atomic_write_text
        atomic_write_text(args.json, json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
