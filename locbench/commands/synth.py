"""Generate a synthetic benchmark in the datasets' real formats.

Writes <out>/ucf101_24/ (short clips, pyannot.pkl boxes, split lists) and <out>/thumos14/ (untrimmed
videos, per-class <Class>_val.txt / <Class>_test.txt, *_video_info.csv), or with --kind hmdb51,
ucf101 or moments a trimmed recognition set in that dataset's layout and split files
(<out>/hmdb51/, <out>/ucf101/, <out>/moments/; docs/recognition.md), so every other command runs on
it exactly as on the real data. Same seed and options give identical files. See docs/synth.md.
"""
from __future__ import annotations

import argparse
import os

NAME = "synth"
#: --kind values; ucf and thumos are the old spellings of ucf101-24 and thumos14
KIND_CHOICES = ("ucf101-24", "thumos14", "both", "hmdb51", "ucf101", "moments", "ucf", "thumos")
KIND_ALIASES = {"ucf": "ucf101-24", "thumos": "thumos14"}
RECOGNITION_KINDS = ("hmdb51", "ucf101", "moments")
HELP = ("generate a small synthetic benchmark (UCF101-24-like, THUMOS'14-like, or HMDB51 / UCF101 / Moments in Time "
        "recognition sets) in the real formats")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The synth flags; the defaults differ by --kind, as each help says."""
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (gets ucf101_24/ and/or thumos14/, or hmdb51/, ucf101/, moments/)")
    p.add_argument("--kind", choices=KIND_CHOICES, default="both",
                   help="which dataset: ucf101-24 (alias ucf), thumos14 (alias thumos), both (default: those two), "
                        "or a trimmed recognition set: hmdb51, ucf101, moments")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--num-classes", type=int, default=4, help="action classes (2-42, default 4)")
    p.add_argument("--train-per-class", type=int, metavar="N",
                   help="training videos per class (default 12 ucf, 20 thumos, 32 hmdb51 / ucf101 / moments)")
    p.add_argument("--test-per-class", type=int, metavar="N", help="test videos per class (default 6 ucf, 5 thumos, 12 hmdb51 / ucf101 / moments)")
    p.add_argument("--size", metavar="WxH", help="frame size, WxH or one number (default 160x120 ucf, 160x90 thumos, 64x48 recognition)")
    p.add_argument("--codec", choices=("lossy", "lossless"), default="lossy",
                   help="lossy: MJPG .avi / mp4v .mp4 like real data (default); lossless: FFV1 (exact frames, larger)")
    p.add_argument("--overwrite", action="store_true", help="replace a previous synthetic dataset in --out")
    g = p.add_argument_group("difficulty")
    g.add_argument("--actor-size", metavar="MIN,MAX",
                   help="actor size as a fraction of the frame's short side (default 0.35,0.48 ucf, 0.25,0.4 thumos, 0.4,0.5 recognition)")
    g.add_argument("--clutter", type=int, metavar="N", help="moving background blobs per video (default 6; 3 recognition)")
    g.add_argument("--noise", type=int, metavar="A", help="uniform pixel noise amplitude, grey levels (default 3; 2 recognition)")
    g.add_argument("--distractor-frac", type=float, metavar="F",
                   help="videos with an unlabelled grey actor (default 0.25 ucf, 0.3 thumos; not used by the recognition kinds)")
    g.add_argument("--bias-frac", type=float, metavar="F",
                   help="videos whose background is tinted with the class colour (default 0.15 ucf, 0.1 thumos, 0.5 recognition: "
                        "training clips only, test clips always get another class's colour)")
    g = p.add_argument_group("UCF101-24-like")
    g.add_argument("--frames", metavar="MIN,MAX", help="frames per clip (default 16,32; 12,16 recognition)")
    g.add_argument("--ucf-fps", type=float, help="clip frame rate (default 25; also the recognition kinds')")
    g.add_argument("--exit-frac", type=float, metavar="F", help="clips whose actor leaves the frame (default 0.15)")
    g.add_argument("--multi-actor-frac", type=float, metavar="F",
                   help="clips with two labelled actors of the class (default 0.1)")
    g = p.add_argument_group("THUMOS'14-like")
    g.add_argument("--thumos-fps", metavar="FPS[,FPS...]", help="frame rates drawn per video (default 15,20)")
    g.add_argument("--duration-s", metavar="MIN,MAX", help="video duration in seconds (default 14,20)")
    g.add_argument("--action-s", metavar="MIN,MAX", help="action duration in seconds (default 2,3.6)")
    g.add_argument("--instances", metavar="MIN,MAX", help="action instances per video (default 1,2)")
    g.add_argument("--edge-frac", type=float, metavar="F",
                   help="videos with an action at the very start or end (default 0.25)")
    g.add_argument("--second-class-frac", type=float, metavar="F",
                   help="videos with an instance of a second class (default 0.2)")
    g.add_argument("--ambiguous-frac", type=float, metavar="F",
                   help="videos with a faded, Ambiguous-labelled segment (default 0.15)")


def _common(args) -> dict:
    return dict(seed=args.seed, num_classes=args.num_classes, train_per_class=args.train_per_class,
                test_per_class=args.test_per_class, size=args.size, codec=args.codec, overwrite=args.overwrite,
                actor_size=args.actor_size, clutter=args.clutter, noise=args.noise,
                distractor_frac=args.distractor_frac, bias_frac=args.bias_frac)


def _check(args) -> None:
    from annotations.errors import InputError

    for flag in ("train_per_class", "test_per_class", "clutter", "noise"):
        value = getattr(args, flag)
        if value is not None and value < (1 if flag.endswith("per_class") else 0):
            raise InputError(None, "--" + flag.replace("_", "-"), f"must be {'positive' if 'class' in flag else '>= 0'}, "
                                                                 f"got {value}")
    for flag in ("distractor_frac", "bias_frac", "exit_frac", "multi_actor_frac", "edge_frac",
                 "second_class_frac", "ambiguous_frac"):
        value = getattr(args, flag)
        if value is not None and not 0.0 <= value <= 1.0:
            raise InputError(None, "--" + flag.replace("_", "-"), f"must be in [0, 1], got {value}")


def run(args) -> int:
    """Check the options, generate the asked datasets and print a summary of each."""
    from annotations.errors import InputError
    from locbench.synth import thumos_like, ucf_like

    _check(args)
    kind = KIND_ALIASES.get(args.kind, args.kind)
    if kind in RECOGNITION_KINDS:
        return _run_recognition(args, kind)
    jobs = []
    if kind in ("ucf101-24", "both"):
        jobs.append((ucf_like, os.path.join(args.out, "ucf101_24"),
                     dict(_common(args), frames=args.frames, fps=args.ucf_fps, exit_frac=args.exit_frac,
                          multi_actor_frac=args.multi_actor_frac)))
    if kind in ("thumos14", "both"):
        jobs.append((thumos_like, os.path.join(args.out, "thumos14"),
                     dict(_common(args), fps=args.thumos_fps, duration_s=args.duration_s, action_s=args.action_s,
                          instances=args.instances, edge_frac=args.edge_frac,
                          second_class_frac=args.second_class_frac, ambiguous_frac=args.ambiguous_frac)))
    try:
        for module, _, opts in jobs:  # check every option before writing anything
            module.check_options(opts)
    except (ValueError, TypeError) as e:  # an impossible combination of options
        raise InputError(None, "options", str(e)) from None
    summaries = [module.generate(out, **opts) for module, out, opts in jobs]
    for s in summaries:
        print(format_summary(s))
    return 0


#: options of the localization sets that the recognition kinds have no use for
_NOT_RECOGNITION = ("distractor_frac", "exit_frac", "multi_actor_frac", "thumos_fps", "duration_s", "action_s",
                    "instances", "edge_frac", "second_class_frac", "ambiguous_frac")


def _run_recognition(args, kind: str) -> int:
    """``--kind hmdb51|ucf101|moments``: a trimmed recognition set in that dataset's layout (locbench.synth.recognition)."""
    from annotations.errors import InputError
    from locbench.synth import recognition

    unused = [f"--{k.replace('_', '-')}" for k in _NOT_RECOGNITION if getattr(args, k, None) is not None]
    if unused:  # ignoring them would make another set than the user asked for, silently
        raise InputError(None, unused[0], f"does not apply to --kind {kind} (it shapes the UCF101-24 / THUMOS'14 "
                                          "localization sets); drop it")
    opts = dict(seed=args.seed, num_classes=args.num_classes, train_per_class=args.train_per_class,
                test_per_class=args.test_per_class, size=args.size, codec=args.codec, overwrite=args.overwrite,
                actor_size=args.actor_size, clutter=args.clutter, noise=args.noise, frames=args.frames,
                fps=args.ucf_fps, bias_frac=args.bias_frac)
    try:
        recognition.check_options(opts)
    except (ValueError, TypeError) as e:
        raise InputError(None, "options", str(e)) from None
    print(recognition.format_summary(recognition.make_recognition(os.path.join(args.out, kind), kind, **opts)))
    return 0


def format_summary(s: dict) -> str:
    """A few human-readable lines about one generated dataset."""
    hard = ", ".join(f"{k} {v}" for k, v in s["hard_cases"].items())
    if s["kind"] == "ucf":
        body = (f"UCF101-24-like: {s['num_train']} train + {s['num_test']} test clips, {len(s['classes'])} classes, "
                f"{s['num_tubes']} tubes, {s['num_boxes']} boxes, {s['num_frames']} frames")
        files = ("pyannot_with_class_names", "trainlist", "testlist")
    else:
        body = (f"THUMOS'14-like: {s['num_train']} validation + {s['num_test']} test videos, {len(s['classes'])} "
                f"classes, {s['num_instances']} instances (+{s['num_ambiguous']} Ambiguous), "
                f"{s['duration_s'] / 60:.1f} min, {s['num_frames']} frames")
        files = ("groundtruth", "test_video_info", "class_index")
    lines = [f"{body} in {s['seconds']:.1f} s", f"  hard cases (videos): {hard}", f"  videos: {s['paths']['videos']}"]
    lines += [f"  {k}: {s['paths'][k]}" for k in files]
    return "\n".join(lines)
