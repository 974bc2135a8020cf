"""Run a trained checkpoint on videos and write one attention file (.npz, docs/formats.md) per video.

Examples:
  locbench predict --checkpoint run/best.pt --videos synth/ucf101_24/videos --split synth/ucf101_24/testlist01.txt
  locbench predict --checkpoint run/best.pt --videos synth/thumos14/videos/test --out attention/
  torchrun --nproc_per_node 4 -m locbench predict ...       # each process takes every 4th video

Trimmed videos (the default for a checkpoint trained on trimmed clips): one clip of n frames, and the
spatial mask of every frame of the video. Untrimmed videos: frames at --sample-fps, the whole video in
one window up to 512 sampled frames (else windows of 256, stride 128), per-frame importance stitched
over windows. Resumable (videos whose file exists and loads are skipped); unreadable videos are
listed at the end and give exit status 1.
"""
from __future__ import annotations

NAME = "predict"
HELP = "run a checkpoint on videos: one attention file per video (resumable, torchrun-sharded)"


def add_arguments(p) -> None:
    p.add_argument("--checkpoint", required=True, metavar="PT", help="checkpoint of `locbench train` (best.pt)")
    p.add_argument("--videos", required=True, metavar="DIR", help="video root (files or frame folders, any depth)")
    p.add_argument("--out", default="attention", metavar="DIR", help="output directory (default attention/)")
    p.add_argument("--split", metavar="TXT", help="only the videos of this list (one name per line)")
    k = p.add_mutually_exclusive_group()
    k.add_argument("--untrimmed", dest="untrimmed", action="store_true", default=None,
                   help="untrimmed videos: sliding windows at --sample-fps (default: what the checkpoint was "
                        "trained on)")
    k.add_argument("--trimmed", dest="untrimmed", action="store_false", help="trimmed clips: one clip of n frames")
    p.add_argument("--sample-fps", type=float, default=10.0, help="untrimmed: sampled frames per second (default 10)")
    p.add_argument("--window", type=int, metavar="N",
                   help="untrimmed: sampled frames per window (default: the whole video up to 512, else 256)")
    p.add_argument("--stride", type=int, metavar="N", help="untrimmed: window stride (default: window / 2)")
    p.add_argument("--mask-frames", choices=("all", "clip"), default="all",
                   help="trimmed: masks of every frame (default) or only of the clip's n frames")
    p.add_argument("--batch-size", type=int, default=8, help="clips (of n frames) per forward pass (default 8)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--backbone-weights", metavar="PATH",
                   help="ResNet weights for a checkpoint trained on cached features (same file: sha256 checked)")
    p.add_argument("--overwrite", action="store_true", help="recompute videos whose attention file exists")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def run(args) -> int:
    import os
    import sys

    from locbench.training.data import read_video_list
    from locbench.inference.predict import predict_videos

    names = list(read_video_list(args.split)) if args.split else None
    report = predict_videos(args.checkpoint, args.videos, args.out, device=args.device, batch_size=args.batch_size,
                            untrimmed=args.untrimmed, backbone_weights=args.backbone_weights,
                            sample_fps=args.sample_fps, window=args.window, stride=args.stride,
                            mask_frames=args.mask_frames, overwrite=args.overwrite, progress=args.progress,
                            names=names)
    if os.environ.get("RANK", "0") == "0":  # under torchrun only rank 0 prints
        if not args.progress:
            print(report.summary(), file=sys.stderr)
        for name, why in report.failed:
            print(f"  failed: {name}: {why}", file=sys.stderr)
    return 1 if report.failed else 0
