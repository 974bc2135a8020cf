"""Sizes and settings of ``locbench demo``: synthetic data, training, prediction, for the full demo and a
reduced one for CI. Plain dicts of CLI flags (``{"epochs": 12}`` → ``--epochs 12``, ``True`` → a bare
flag, a list → comma-separated), so the demo runs exactly the commands a user would type.

Spatial half (UCF101-24-like → frame-mAP): chosen and measured as described in ``docs/model.md``
(section *The CPU demo configuration*). In short: the paper's 0.5-threshold box rule needs masks finer
than 8 × 8 to box ~50 px actors, so the demo feeds the small backbone 256 px frames (16 × 16 masks),
keeps the default small widths, and uses 4 frames per clip to pay for it; contrast is raised from the
paper's 1e-4 to 3e-4 (the regularisers are sums over n·h·w = 1024 mask cells per clip here).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------- spatial

#: ``locbench synth --kind ucf`` flags (= the UCF-like defaults of ``locbench.synth.ucf_like``, written out
#: so a later change of defaults does not silently change the demo). Actors 35–48 % of the short side
#: (42–58 px in 160×120 frames): every box stays under 30 % of the frame, so a full-frame box never
#: reaches IoU 0.3; actors are placed anywhere, so the centre box of the mean GT size is right only when
#: the actor happens to be central (its frame-mAP@0.3 was 11–26 over data seeds 0–8).
SYNTH_UCF = dict(num_classes=4, train_per_class=12, test_per_class=6, actor_size="0.35,0.48", clutter=6, noise=3,
                 distractor_frac=0.25, bias_frac=0.15, exit_frac=0.15, multi_actor_frac=0.1)

#: ``locbench train`` flags of the spatial model: 16×16 masks (256 px input, stride 16), n = T = 4,
#: default small widths, 12 epochs of 6 steps, contrast 3e-4 (paper: 1e-4), and the last mask conv's
#: bias initialised to -0.5 so the untrained mask starts mostly closed (without it, a train seed whose
#: untrained mask was open on 85 % of the cells kept it open: margin -17). Predict with ``last.pt``:
#: ``best.pt`` is picked by validation accuracy, which peaks before the masks sharpen. Measured
#: (docs/model.md, *The CPU demo configuration*): frame-mAP@0.3 (voc, every annotated test frame)
#: 53.8-72.2 vs 11.8-22.7 for the best baseline over demo seeds 0-4; training 63-104 s on 2 shared cores.
TRAIN_SPATIAL = dict(input_size=256, frames=4, feature_channels=128, hidden=64, spatial_widths=[64, 32],
                     attention_dim=32, epochs=12, batch_size=8, lr=1e-3, lambda_contrast=3e-4, lambda_tv=1e-5,
                     mask_bias_init=-0.5)

#: Reduced (CI): 8 + 4 clips per class, 10 epochs at batch 4. ``locbench demo --reduced --seed S``
#: (both halves, 120-134 s in all on 2 shared cores), spatial / temporal margins at IoU 0.3 over the
#: best baseline: +40.2 / +35.3 (seed 0, the one CI runs), +50.7 / +56.7 (1), +14.4 / +35.9 (2),
#: +43.6 / +47.1 (3).
REDUCED_SYNTH_UCF = dict(SYNTH_UCF, train_per_class=8, test_per_class=4)
REDUCED_TRAIN_SPATIAL = dict(TRAIN_SPATIAL, epochs=10, batch_size=4)

# --------------------------------------------------------------------------------------------- temporal

#: ``locbench synth --kind thumos`` flags: {} = the THUMOS-like defaults of ``locbench.synth.thumos_like``,
#: which were sized for this demo (docs/synth.md): 4 classes x (20 val + 5 test) videos of 14-20 s with 1-2
#: actions of 2-3.6 s, so actions cover ~29 % of a video and a whole-video segment never reaches tIoU 0.3.
SYNTH_THUMOS: dict = {}

#: ``locbench train`` flags of the temporal model (tsn clips of n = 8 frames over the whole video, 128 px).
#: The unimodality prior is OFF (paper: 1): a tsn clip spreads 8 frames over a video holding 1-2 separate
#: actions, which should get separate peaks, and the prior penalises exactly that (with it on, mAP@0.3
#: stayed ~0.1). No validation split: the demo never looks at the test split while training.
#: Measured over seeds 0-4 (1 thread, shared machine): training 83-93 s; thumos14 mAP@0.3 0.45-0.58
#: against 0 for uniform temporal weights; classification accuracy 0.85-1.0.
TRAIN_TEMPORAL: dict = dict(epochs=15, val_subset="none", lambda_unimodal=0)

#: ``locbench predict`` flags for the THUMOS-like test videos: the defaults (10 fps, the whole video in
#: one window, so the softmax compares every frame of the video).
PREDICT_TEMPORAL: dict = {}

REDUCED_SYNTH_THUMOS: dict = dict(train_per_class=14, test_per_class=4)
REDUCED_TRAIN_TEMPORAL: dict = dict(TRAIN_TEMPORAL, epochs=12)


@dataclass(frozen=True)
class DemoConfig:
    """One demo variant: the flags of every stage (see ``locbench.demo.pipeline.plan``)."""

    name: str
    synth_ucf: dict = field(default_factory=dict)
    synth_thumos: dict = field(default_factory=dict)
    train_spatial: dict = field(default_factory=dict)
    train_temporal: dict = field(default_factory=dict)
    predict_temporal: dict = field(default_factory=dict)


DEFAULT = DemoConfig("default", SYNTH_UCF, SYNTH_THUMOS, TRAIN_SPATIAL, TRAIN_TEMPORAL, PREDICT_TEMPORAL)
REDUCED = DemoConfig("reduced", REDUCED_SYNTH_UCF, REDUCED_SYNTH_THUMOS, REDUCED_TRAIN_SPATIAL,
                     REDUCED_TRAIN_TEMPORAL, PREDICT_TEMPORAL)

__all__ = ["DemoConfig", "DEFAULT", "REDUCED", "SYNTH_UCF", "TRAIN_SPATIAL", "REDUCED_SYNTH_UCF",
           "REDUCED_TRAIN_SPATIAL", "SYNTH_THUMOS", "TRAIN_TEMPORAL", "PREDICT_TEMPORAL"]
