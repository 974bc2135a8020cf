"""Cache a frozen backbone's feature maps for every video, for `locbench train --features`.

One <out>/<video>.npz per video with the features (K, C, h, w), frame_idx and time_s of the
sampled frames and the backbone's provenance (and, with --augment-copies N, N augmented copies of
the features for `train --features --augment`). Resumable: finished videos are skipped; unreadable
videos are reported and skipped. Runs under torchrun too (each process takes a share of videos).
"""
from __future__ import annotations

from locbench.model.registry import backbone_names

NAME = "extract-features"
HELP = "cache backbone features of videos (resumable) for training on features"


def add_arguments(p) -> None:
    p.add_argument("--data", required=True, metavar="DIR", help="video root (videos/ or rgb-images/ inside it if present)")
    p.add_argument("--out", required=True, metavar="DIR", help="feature cache directory")
    p.add_argument("--backbone", choices=tuple(n for n in backbone_names() if n != "small"), default="resnet50")
    p.add_argument("--backbone-weights", metavar="PATH",
                   help="torchvision ImageNet state dict (.pth); without it the ResNet is random (warned)")
    p.add_argument("--split", dest="list", metavar="TXT", help="list of videos to extract (one name per line)")
    from locbench.commands._common import add_deprecated_alias
    add_deprecated_alias(p, "--list", "--split", dest="list")
    s = p.add_mutually_exclusive_group()
    s.add_argument("--frames", type=int, default=25, help="frames per (trimmed) video, uniform (default 25)")
    s.add_argument("--sample-fps", type=float, help="untrimmed videos: sample frames at this rate instead")
    p.add_argument("--input-size", type=int, default=224, help="frame side in pixels (default 224)")
    p.add_argument("--batch-size", type=int, default=32, help="frames per forward pass (default 32)")
    p.add_argument("--dtype", choices=("float16", "float32"), default="float16")
    p.add_argument("--augment-copies", type=int, default=0, metavar="N",
                   help="also store N He et al.-augmented copies per video (random scale, crop, flip; one draw per "
                        "(video, copy) for all its frames) for `train --features DIR --augment`; costs N + 1 times "
                        "the compute and disk of the plain cache (default 0: plain features only)")
    p.add_argument("--augment-seed", type=int, default=0, help="seed of the copies' draws (default 0)")
    p.add_argument("--overwrite", action="store_true", help="recompute videos already cached")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--decode-workers", type=int, metavar="N",
                   help="threads decoding videos ahead of the backbone (default: 0 on CPU, where they would "
                        "compete with it; on CUDA min(4, CPU cores - 1))")
    p.add_argument("--no-progress", dest="progress", action="store_false")


def run(args) -> int:
    import os
    import sys

    from annotations.errors import InputError
    from locbench.training import distributed as D
    from locbench.training.data import read_video_list, video_root
    from locbench.training.features import extract_features, fps_sampler, uniform_sampler
    from locbench.model.backbones import make_backbone
    from locbench.video import find_videos

    if args.frames < 1 or args.batch_size < 1:
        raise InputError(None, "arguments", "--frames and --batch-size must be at least 1")
    if args.augment_copies < 0:
        raise InputError(None, "--augment-copies", "must be 0 or more")
    if args.decode_workers is not None and args.decode_workers < 0:
        raise InputError(None, "--decode-workers", "must be 0 or more")
    dist = D.init_distributed(args.device)
    try:
        videos = sorted(find_videos(video_root(args.data)))
        if args.list:
            wanted = read_video_list(args.list)
            have = dict(videos)
            missing = [v for v in wanted if v not in have]
            if missing:
                print(f"extract-features: {len(missing)} listed videos not found (first: {missing[0]})", file=sys.stderr)
            videos = [(v, have[v]) for v in wanted if v in have]
        if not videos:
            raise InputError(args.data, None, "no video found")
        backbone = make_backbone(args.backbone, args.backbone_weights, input_size=args.input_size)
        sampler = fps_sampler(args.sample_fps) if args.sample_fps else uniform_sampler(args.frames)
        mine = D.shard(videos, dist.rank, dist.world_size, strided=True)
        workers = args.decode_workers
        if workers is None:
            workers = 0 if dist.device.type == "cpu" else max(0, min(4, (os.cpu_count() or 1) - 1))
        report = extract_features(mine, backbone, args.out, sampler, args.batch_size, dist.device, args.dtype,
                                  args.overwrite, args.progress and dist.is_main, decode_workers=workers,
                                  augment_copies=args.augment_copies, augment_seed=args.augment_seed)
        print(f"extract-features (rank {dist.rank}): {len(report.done)} written, {len(report.skipped)} already cached, "
              f"{len(report.failed)} unreadable", file=sys.stderr)
        for name, why in report.failed:
            print(f"  unreadable: {name}: {why}", file=sys.stderr)
        return 1 if report.failed else 0
    finally:
        D.cleanup(dist)
