"""Train the spatio-temporal attention model from class labels only.

Examples:
  locbench train --data synth/ --classes synth/classes.txt --out run/            # small backbone, CPU
  locbench train --data synth/thumos14 --classes synth/thumos14/classes.txt      # untrimmed, video-level labels
  locbench extract-features --data UCF101-24/ --backbone resnet50 --backbone-weights r50.pth --out feats/
  locbench train --data UCF101-24/ --classes classes.txt --backbone resnet50 --features feats/ --out run/
  torchrun --nproc_per_node 4 -m locbench train ...                                  # DistributedDataParallel

The run directory gets config.json, metrics.jsonl, last.pt (resumable with --resume) and best.pt.

Untrimmed data (THUMOS'14 layout: --data holds groundtruth/<Class>_val.txt, or --train-subset /
--val-subset given) trains on video-level labels only: a video's classes are those whose per-class
file lists it (Ambiguous ignored; the times are never read); THUMOS'14 trains on val.

Validation never uses a test list by default: --val-list (explicit; the run says when it is the test
list), --holdout F (whole groups of the training list: UCF101 gXX, HMDB51 source videos), or none
(best.pt = last epoch). HMDB51, UCF101 and Moments in Time roots (docs/recognition.md) need no
--classes; --official-split picks the split.
"""
from __future__ import annotations

from locbench.model.registry import backbone_names

NAME = "train"
HELP = "train the attention model (class labels only; end-to-end or on cached features)"


def _widths(text: str) -> tuple[int, ...]:
    import argparse
    try:
        w = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not w or min(w) < 1:
        raise argparse.ArgumentTypeError(f"widths must be positive, got {text!r}")
    return w


def add_arguments(p) -> None:
    """The train flags (data, untrimmed videos, model, optimisation, run): TrainConfig's fields."""
    g = p.add_argument_group("data")
    g.add_argument("--data", required=True, metavar="DIR",
                   help="dataset root: <Class>/<video> files or frame folders, under videos/ or rgb-images/ if present")
    g.add_argument("--classes", metavar="FILE", help="class list, one name per line (label order); not needed for "
                                                   "HMDB51 / UCF101 / Moments in Time roots, which carry theirs")
    g.add_argument("--train-list", metavar="FILE", help="training videos (default: trainlist[01].txt in --data, "
                                                        "else all videos not in the validation list)")
    g.add_argument("--val-list", metavar="FILE", help="validation videos (default: none, or --holdout); never the "
                                                      "test list unless given here, and then the run says so")
    g.add_argument("--holdout", type=float, default=0.0, metavar="F",
                   help="validate on a fraction F of the training list's groups (UCF101 gXX, HMDB51 source videos, "
                        "THUMOS'14 validation videos; a group is never split); default 0: no validation, best.pt = "
                        "last epoch")
    g.add_argument("--official-split", type=int, choices=(1, 2, 3), default=1,
                   help="HMDB51 / UCF101 split (default 1); its test videos are never used")
    u = p.add_argument_group("untrimmed videos (THUMOS'14 layout)")
    u.add_argument("--train-subset", choices=("val", "validation", "test"),
                   help="subset whose <Class>_<subset>.txt files give the training videos and their labels "
                        "(default val when --data has groundtruth/*_val.txt)")
    u.add_argument("--val-subset", choices=("val", "validation", "test", "none"),
                   help="validation subset (default none; test validates on the test videos, and says so)")
    u.add_argument("--groundtruth", metavar="DIR", help="folder of the per-class files (default <data>/groundtruth)")
    u.add_argument("--clip-sampling", choices=("tsn", "window"), default="tsn",
                   help="tsn (default): n frames spread over the whole video, one random frame per equal part "
                        "(centres when validating); window: n frames from one random contiguous window of "
                        "--clip-seconds at --sample-fps (centred when validating), for long videos")
    u.add_argument("--clip-seconds", type=float, help="window length in seconds (default n / --sample-fps)")
    u.add_argument("--sample-fps", type=float, default=10.0, help="frame rate of the window's frames (default 10)")
    g.add_argument("--features", metavar="DIR", help="train on this feature cache (locbench extract-features) "
                                                     "instead of video frames")
    g.add_argument("--workers", type=int, default=0, help="data-loading worker processes (default 0)")
    m = p.add_argument_group("model")
    m.add_argument("--backbone", choices=backbone_names(),
                   help="frame feature extractor (default: small, trained end-to-end on CPU; with --features "
                        "the cache's ResNet)")
    m.add_argument("--backbone-weights", metavar="PATH", help="torchvision ResNet state dict (.pth); never downloaded; "
                                                              "its fc tensors are ignored (and said so)")
    m.add_argument("--finetune-backbone", action="store_true",
                   help="train the ResNet end to end with the head, as the paper (default: frozen)")
    m.add_argument("--backbone-lr", type=float, help="its learning rate (default --lr / 10)")
    m.add_argument("--bn-mode", choices=("frozen", "train"), default="frozen",
                   help="BN statistics while fine-tuning: frozen (default) or train")
    m.add_argument("--train-stages", type=lambda t: tuple(x for x in t.split(",") if x), metavar="STAGES",
                   help="fine-tune only these ResNet stages, e.g. layer3,layer4 (default all)")
    m.add_argument("--augment", action="store_true",
                   help="He et al. preprocessing: random scale (shorter side 256-480 for 224), random crop and "
                        "horizontal flip, one draw per clip; centre crop when validating. With --features: each epoch "
                        "one of the video's augmented feature copies (extract-features --augment-copies N); "
                        "validation on the plain features")
    m.add_argument("--frames", type=int, dest="num_frames", help="n frames per clip (default 25, small: 8)")
    m.add_argument("--steps", type=int, dest="num_steps", help="T ConvLSTM steps (default = --frames)")
    m.add_argument("--hidden", type=int, dest="hidden_channels", help="ConvLSTM channels (default 512, small: 64)")
    m.add_argument("--spatial-widths", type=_widths, help="mask conv widths, e.g. 1024,512 (default; small: 64,32)")
    m.add_argument("--attention-dim", type=int, help="temporal attention dim d (default 256, small: 32)")
    m.add_argument("--feature-channels", type=int, help="small backbone output channels (default 128)")
    m.add_argument("--input-size", type=int, help="frame side in pixels (default 224, small: 128)")
    m.add_argument("--pool", choices=("inv_n", "sum"), default="inv_n",
                   help="Y_t = (1/n) sum_i w_ti X_i (inv_n, the paper; default) or sum_i w_ti X_i")
    m.add_argument("--dropout", type=float, default=0.0, help="dropout before the classifier (default 0)")
    m.add_argument("--head", choices=("attention", "meanpool"), default="attention",
                   help="attention (the paper's model, default) or meanpool: the plain-backbone baseline, features "
                        "averaged over frames and pixels and a linear classifier")
    m.add_argument("--mask-bias-init", type=float, metavar="B",
                   help="initial bias of the last mask conv; negative starts masks mostly closed "
                        "(default: PyTorch's init)")
    m.add_argument("--no-spatial-attention", dest="spatial_attention", action="store_false",
                   help="ablation: mask = 1 everywhere")
    m.add_argument("--no-temporal-attention", dest="temporal_attention", action="store_false",
                   help="ablation: uniform temporal weights 1/n")
    o = p.add_argument_group("optimisation")
    o.add_argument("--epochs", type=int, default=30)
    o.add_argument("--batch-size", type=int, default=8, help="clips per step per process (default 8)")
    o.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate, cosine-annealed (default 1e-3)")
    o.add_argument("--weight-decay", type=float, default=0.0)
    o.add_argument("--grad-clip", type=float, default=0.0, help="max gradient norm (default 0: off)")
    o.add_argument("--lambda-tv", type=float, default=1e-5, help="total-variation weight (default 1e-5)")
    o.add_argument("--lambda-contrast", type=float, default=1e-4, help="contrast weight (default 1e-4)")
    o.add_argument("--lambda-unimodal", type=float, default=1.0, help="unimodality weight (default 1)")
    o.add_argument("--seed", type=int, default=0)
    r = p.add_argument_group("run")
    r.add_argument("--out", default="run", metavar="DIR", help="run directory (default run/)")
    r.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    r.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    r.add_argument("--amp", action="store_true", help="bfloat16 mixed precision on CUDA")
    r.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")


def run(args) -> int:
    """Build a TrainConfig from the flags and train (or resume)."""
    import dataclasses

    from locbench.training.train import TrainConfig, train

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in vars(args).items() if k in names})
    result = train(cfg)
    if result.history:
        import sys
        print(f"best epoch {result.best_epoch}; checkpoints in {result.out}", file=sys.stderr)
    return 0
