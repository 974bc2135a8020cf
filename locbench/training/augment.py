"""He et al.'s (ResNet) preprocessing for clips: one draw of scale, crop and flip for all frames of a clip.

Used by the end-to-end training datasets (:mod:`locbench.training.datasets`) and by the augmented feature
copies of the cache (:mod:`locbench.training.features`); kept apart so neither imports the other.
"""
from __future__ import annotations

import numpy as np

#: He et al. (ResNet) scale augmentation: the shorter side is resized to [256, 480] for a 224 crop
HE_SCALE = (256 / 224, 480 / 224)
#: and to 256 for the 224 centre crop at test time
HE_TEST_SCALE = 256 / 224


def he_clip_params(frame_hw: tuple[int, int], size: int, rng: np.random.Generator | None) -> dict:
    """One draw of He et al.'s preprocessing for a whole clip: shorter side, crop corner, flip.

    Training (``rng``): shorter side uniform in ``[256, 480] * size / 224`` pixels, a random
    ``size`` x ``size`` crop, a horizontal flip with probability 1/2. Test (no ``rng``): shorter side
    ``256 * size / 224``, centre crop, no flip. Every frame of the clip gets the same parameters.

    ``frame_hw``: (height, width) of the source frames in pixels; ``size``: crop side S in pixels.
    Returns ``resize_hw`` (height, width) in pixels after the resize (both rounded to int, the shorter
    side an integer in ``[round(256 S / 224), round(480 S / 224)]``), ``crop_yx`` the crop's top-left
    (row, column) in the resized frame (centre: ``(side - S) // 2``) and ``flip`` (horizontal).

    >>> he_clip_params((240, 320), 224, None)
    {'resize_hw': (256, 341), 'crop_yx': (16, 58), 'flip': False}
    """
    h, w = frame_hw
    lo, hi = (int(round(HE_SCALE[0] * size)), int(round(HE_SCALE[1] * size)))
    short = int(rng.integers(lo, hi + 1)) if rng is not None else int(round(HE_TEST_SCALE * size))
    short = max(short, size)
    rh, rw = (short, max(size, int(round(w * short / h)))) if h <= w else (max(size, int(round(h * short / w))), short)
    if rng is not None:
        y0, x0 = int(rng.integers(0, rh - size + 1)), int(rng.integers(0, rw - size + 1))
        flip = bool(rng.random() < 0.5)
    else:
        y0, x0, flip = (rh - size) // 2, (rw - size) // 2, False
    return {"resize_hw": (rh, rw), "crop_yx": (y0, x0), "flip": flip}


def he_transform(frames: np.ndarray, size: int, params: dict) -> np.ndarray:
    """Apply :func:`he_clip_params` to uint8 frames (n, H, W, 3) -> (n, size, size, 3)."""
    import cv2

    rh, rw = params["resize_hw"]
    y0, x0 = params["crop_yx"]
    out = np.stack([cv2.resize(f, (rw, rh), interpolation=cv2.INTER_AREA if rh < f.shape[0] else cv2.INTER_LINEAR)
                    [y0:y0 + size, x0:x0 + size] for f in frames])
    return np.ascontiguousarray(out[:, :, ::-1]) if params["flip"] else out
