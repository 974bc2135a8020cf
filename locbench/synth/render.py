"""Drawing primitives of the synthetic benchmark: textured actors, their motions, cluttered moving backgrounds.

Coordinates are continuous pixels: pixel column ``j`` covers ``[j, j + 1)``. An actor's box is the
tight box of the pixels it paints (before anything else occludes it), clipped to the frame by
construction; an actor with no pixel inside the frame has no box.
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass

import cv2
import numpy as np

_SHIFT = 4  # sub-pixel bits of cv2 polygon filling


def _regular(n: int, start_deg: float = 90.0) -> np.ndarray:
    a = np.deg2rad(start_deg) + 2 * np.pi * np.arange(n) / n
    return np.stack([np.cos(a), -np.sin(a)], axis=1)


def _star(n: int, inner: float) -> np.ndarray:
    outer = _regular(2 * n)
    outer[1::2] *= inner
    return outer


def _normalise(poly: np.ndarray) -> np.ndarray:
    """Centre on the bounding box and scale so the larger side is 1."""
    lo, hi = poly.min(0), poly.max(0)
    return (poly - (lo + hi) / 2) / (hi - lo).max()


_CROSS = np.array([[-1, -3], [1, -3], [1, -1], [3, -1], [3, 1], [1, 1], [1, 3], [-1, 3], [-1, 1], [-3, 1],
                   [-3, -1], [-1, -1]], dtype=np.float64)

#: unit polygons (larger bounding-box side 1, centred); class actors use the first ones
SHAPES: dict[str, np.ndarray] = {
    "Disk": _normalise(_regular(40)),
    "Square": _normalise(np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)),
    "Triangle": _normalise(_regular(3)),
    "Star": _normalise(_star(5, 0.45)),
    "Cross": _normalise(_CROSS),
    "Diamond": _normalise(np.array([[0, -1.4], [1, 0], [0, 1.4], [-1, 0]], dtype=np.float64)),
    "Hexagon": _normalise(_regular(6, 0.0)),
    "Arrow": _normalise(np.array([[-2, -0.7], [0.4, -0.7], [0.4, -1.6], [2, 0], [0.4, 1.6], [0.4, 0.7],
                                  [-2, 0.7]], dtype=np.float64)),
}
#: shapes kept for the unlabelled distractor actor (never a class shape)
DISTRACTOR_SHAPES = ("Hexagon", "Arrow")
CLASS_SHAPES = tuple(s for s in SHAPES if s not in DISTRACTOR_SHAPES)
TEXTURES = ("stripes", "checker", "rings", "dots")
MOTIONS = ("Orbit", "Bounce", "Zigzag", "Slide", "Spin", "Hop", "Pulse")


@dataclass(frozen=True)
class Appearance:
    shape: str
    rgb: tuple[float, float, float]  # 0..255
    texture: str
    periods: float = 3.0  # texture periods across the actor

    def colour_pattern(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """(h, w, 3) float colours at actor-local coordinates ``u, v`` (units of the actor size)."""
        k = 2 * np.pi * self.periods
        if self.texture == "stripes":
            p = np.sin(k * u) > 0
        elif self.texture == "checker":
            p = (np.sin(k * u) * np.sin(k * v)) > 0
        elif self.texture == "rings":
            p = np.sin(k * np.hypot(u, v)) > 0
        else:  # dots
            p = (np.cos(k * u) + np.cos(k * v)) > 0.6
        shade = np.where(p, 1.0, 0.55).astype(np.float32)
        return shade[..., None] * np.asarray(self.rgb, dtype=np.float32)


def hsv_rgb(h: float, s: float, v: float) -> tuple[float, float, float]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (255.0 * r, 255.0 * g, 255.0 * b)


# ------------------------------------------------------------------------------------------ motion


def reflect(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Fold ``x`` into ``[lo, hi]`` like a ball bouncing between two walls."""
    span = max(hi - lo, 1e-9)
    y = np.mod(x - lo, 2 * span)
    return lo + np.where(y > span, 2 * span - y, y)


@dataclass(frozen=True)
class Track:
    """Per-frame pose of one actor: centre (T, 2) pixels, angle (T,) radians, scale (T,)."""

    centre_xy: np.ndarray
    angle: np.ndarray
    scale: np.ndarray


def motion_track(kind: str, t_s: np.ndarray, rng: np.random.Generator, frame_wh: tuple[int, int],
                 size_px: float) -> Track:
    """A random instance of motion ``kind`` over times ``t_s`` that keeps the actor inside the frame.

    Speeds are in frame sides per second, so a motion looks the same at any fps.
    """
    w, h = frame_wh
    side = float(min(w, h))
    t = np.asarray(t_s, dtype=np.float64)
    half = size_px / 2 * 1.15  # room for rotation / pulsing
    lo = np.array([half, half])
    hi = np.array([w - half, h - half])
    hi = np.maximum(hi, lo + 1.0)
    angle0 = rng.uniform(-0.3, 0.3)
    angle = np.full_like(t, angle0)
    scale = np.ones_like(t)

    def start(margin: float = 0.0) -> np.ndarray:
        m = np.minimum(margin, (hi - lo) / 2 - 0.5)
        return rng.uniform(lo + m, hi - m)

    def direction() -> np.ndarray:
        a = rng.uniform(0, 2 * np.pi)
        return np.array([np.cos(a), np.sin(a)])

    if kind == "Orbit":
        r = min(rng.uniform(0.14, 0.22) * side, float(np.min(hi - lo)) / 2 - 0.5)
        c = start(r)
        omega = rng.choice([-1.0, 1.0]) * rng.uniform(4.5, 7.0)
        phase = rng.uniform(0, 2 * np.pi)
        xy = c + r * np.stack([np.cos(omega * t + phase), np.sin(omega * t + phase)], axis=1)
    elif kind == "Bounce":
        d = direction()
        d[np.abs(d) < 0.35] = np.sign(d[np.abs(d) < 0.35] + 1e-9) * 0.35  # always diagonal
        xy = start()[None] + (rng.uniform(0.9, 1.3) * side) * t[:, None] * d[None]
    elif kind == "Zigzag":
        d = direction()
        n = np.array([-d[1], d[0]])
        period = rng.uniform(0.3, 0.45)
        amp = rng.uniform(0.1, 0.15) * side
        tri = 4 * np.abs(np.mod(t / period + 0.25, 1.0) - 0.5) - 1  # triangle wave in [-1, 1]
        xy = start(amp)[None] + (rng.uniform(0.35, 0.5) * side) * t[:, None] * d[None] + amp * tri[:, None] * n[None]
    elif kind == "Slide":
        sx = rng.choice([-1.0, 1.0]) * rng.uniform(0.55, 0.8) * side
        xy = start()[None] + np.stack([sx * t, np.zeros_like(t)], axis=1)
    elif kind == "Spin":
        xy = start()[None] + (0.08 * side) * t[:, None] * direction()[None]
        angle = angle0 + rng.choice([-1.0, 1.0]) * rng.uniform(6.0, 9.0) * t
    elif kind == "Hop":
        period = rng.uniform(0.35, 0.5)
        amp = min(rng.uniform(0.18, 0.25) * side, float(hi[1] - lo[1]) - 1)
        base = start()
        base[1] = rng.uniform(lo[1] + amp, hi[1]) if hi[1] - lo[1] > amp else hi[1]
        vx = rng.choice([-1.0, 1.0]) * rng.uniform(0.25, 0.4) * side
        xy = np.stack([base[0] + vx * t, base[1] - amp * np.abs(np.sin(np.pi * t / period))], axis=1)
    elif kind == "Pulse":
        xy = start()[None] + (0.05 * side) * t[:, None] * direction()[None]
        scale = 1.0 + 0.3 * np.sin(2 * np.pi * t / rng.uniform(0.35, 0.5) + rng.uniform(0, 2 * np.pi))
    elif kind == "Wander":  # the distractor's slow random walk
        c = start()
        f = rng.uniform(0.2, 0.6, size=2)
        ph = rng.uniform(0, 2 * np.pi, size=2)
        a = 0.25 * (hi - lo)
        xy = c + a * np.sin(2 * np.pi * f * t[:, None] + ph)
    else:
        raise ValueError(f"unknown motion {kind!r}")
    xy = np.stack([reflect(xy[:, 0], lo[0], hi[0]), reflect(xy[:, 1], lo[1], hi[1])], axis=1)
    return Track(xy, angle, scale)


def exit_offsets(num_frames: int, start_frame: int, frame_wh: tuple[int, int], size_px: float,
                 rng: np.random.Generator) -> np.ndarray:
    """(T, 2) offsets that push an actor out through one side of the frame from ``start_frame`` on."""
    w, h = frame_wh
    side = rng.integers(4)
    d = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]], dtype=np.float64)[side]
    dist = (w if side < 2 else h) + 2 * size_px
    ramp = np.clip((np.arange(num_frames) - start_frame) / max(num_frames - 1 - start_frame, 1), 0, None)
    return ramp[:, None] * dist * d[None]


# --------------------------------------------------------------------------------------- drawing


def actor_polygon(shape: str, size_px: float, centre_xy, angle: float, scale: float = 1.0) -> np.ndarray:
    """(N, 2) vertices in continuous pixel coordinates."""
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return SHAPES[shape] @ rot.T * (size_px * scale) + np.asarray(centre_xy, dtype=np.float64)


def rasterize(poly_xy: np.ndarray, frame_hw: tuple[int, int]):
    """Mask of the pixels a polygon paints inside the frame: ``(mask, x0, y0)`` of its clipped
    bounding region, or None when no pixel is inside."""
    h, w = frame_hw
    x0 = max(int(np.floor(poly_xy[:, 0].min())) - 1, 0)
    y0 = max(int(np.floor(poly_xy[:, 1].min())) - 1, 0)
    x1 = min(int(np.ceil(poly_xy[:, 0].max())) + 1, w)
    y1 = min(int(np.ceil(poly_xy[:, 1].max())) + 1, h)
    if x1 <= x0 or y1 <= y0:
        return None
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    # cv2 puts pixel centres on integers; ours are at +0.5
    pts = np.round((poly_xy - [x0 + 0.5, y0 + 0.5]) * (1 << _SHIFT)).astype(np.int32)
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=_SHIFT)
    if not mask.any():
        return None
    return mask.astype(bool), x0, y0


def mask_box(mask: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """Tight ``[x1, y1, x2, y2]`` (continuous, exclusive right/bottom) of the true pixels."""
    cols = np.flatnonzero(mask.any(0))
    rows = np.flatnonzero(mask.any(1))
    return np.array([x0 + cols[0], y0 + rows[0], x0 + cols[-1] + 1, y0 + rows[-1] + 1], dtype=np.float64)


def draw_actor(frame: np.ndarray, app: Appearance, size_px: float, centre_xy, angle: float, scale: float = 1.0,
               alpha: float = 1.0) -> np.ndarray | None:
    """Paint one actor into ``frame`` (H, W, 3 uint8, in place); return its box, or None when out of frame."""
    poly = actor_polygon(app.shape, size_px, centre_xy, angle, scale)
    r = rasterize(poly, frame.shape[:2])
    if r is None:
        return None
    mask, x0, y0 = r
    mh, mw = mask.shape
    ys, xs = np.mgrid[y0 + 0.5: y0 + mh, x0 + 0.5: x0 + mw]
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = (xs - centre_xy[0]) / (size_px * scale), (ys - centre_xy[1]) / (size_px * scale)
    u, v = c * dx + s * dy, -s * dx + c * dy
    colours = app.colour_pattern(u, v)
    region = frame[y0: y0 + mh, x0: x0 + mw]
    if alpha >= 1.0:
        region[mask] = np.clip(colours[mask], 0, 255).astype(np.uint8)
    else:
        mixed = alpha * colours[mask] + (1 - alpha) * region[mask].astype(np.float32)
        region[mask] = np.clip(np.round(mixed), 0, 255).astype(np.uint8)
    return mask_box(mask, x0, y0)


# ------------------------------------------------------------------------------------- background


class Background:
    """A smooth colour texture seen through a panning camera, with soft blobs drifting over it.

    ``tint`` (RGB) blends a colour into the whole background: the class-correlated background case.
    """

    def __init__(self, rng: np.random.Generator, frame_wh: tuple[int, int], num_blobs: int = 6,
                 tint: tuple[float, float, float] | None = None, tint_strength: float = 0.45):
        w, h = frame_wh
        self.w, self.h = w, h
        side = min(w, h)
        self.pad = pad = int(0.25 * side) + 2
        big_w, big_h = w + 2 * pad, h + 2 * pad
        hue = rng.uniform(0, 1)
        cols = np.array([hsv_rgb(hue + rng.uniform(-0.25, 0.25), rng.uniform(0.05, 0.3), rng.uniform(0.3, 0.8))
                         for _ in range(3)], dtype=np.float32)
        coarse = rng.random((max(big_h // 12, 2), max(big_w // 12, 2), 3)).astype(np.float32)
        fine = rng.random((max(big_h // 4, 2), max(big_w // 4, 2))).astype(np.float32)
        field = cv2.resize(coarse, (big_w, big_h), interpolation=cv2.INTER_CUBIC)
        field = field / np.maximum(field.sum(-1, keepdims=True), 1e-6)
        tex = field @ cols
        tex *= (0.8 + 0.4 * cv2.resize(fine, (big_w, big_h), interpolation=cv2.INTER_LINEAR))[..., None]
        if tint is not None:
            tex = (1 - tint_strength) * tex + tint_strength * np.asarray(tint, dtype=np.float32) * (tex.mean(-1, keepdims=True) / 128.0)
        self.texture = np.clip(tex, 0, 255).astype(np.uint8)
        # camera pan: slow sinusoid plus drift, inside the padding
        self.pan_amp = rng.uniform(0.3, 0.9, size=2) * pad
        self.pan_freq = rng.uniform(0.05, 0.25, size=2)
        self.pan_phase = rng.uniform(0, 2 * np.pi, size=2)
        # blobs: soft ellipses of low saturation, drifting and wrapping around
        self.blob_xy = rng.uniform([0, 0], [w, h], size=(num_blobs, 2))
        self.blob_v = rng.normal(0, 0.25 * side, size=(num_blobs, 2))
        self.blob_axes = rng.uniform(0.05, 0.14, size=(num_blobs, 2)) * side
        self.blob_angle = rng.uniform(0, 180, size=num_blobs)
        self.blob_rgb = [hsv_rgb(rng.uniform(0, 1), rng.uniform(0.1, 0.45), rng.uniform(0.25, 0.9))
                         for _ in range(num_blobs)]

    def render(self, t_s: float) -> np.ndarray:
        """(H, W, 3) uint8 background at time ``t_s``."""
        off = self.pad + self.pan_amp * np.sin(2 * np.pi * self.pan_freq * t_s + self.pan_phase)
        ox, oy = int(round(off[0])), int(round(off[1]))
        frame = np.ascontiguousarray(self.texture[oy: oy + self.h, ox: ox + self.w])
        span = np.array([self.w, self.h], dtype=np.float64)
        margin = self.blob_axes.max(1, keepdims=True)
        xy = np.mod(self.blob_xy + self.blob_v * t_s + margin, span + 2 * margin) - margin
        for (x, y), (a, b), ang, rgb in zip(xy, self.blob_axes, self.blob_angle, self.blob_rgb):
            cv2.ellipse(frame, (int(round(x * 16)), int(round(y * 16))), (int(a * 16), int(b * 16)), float(ang),
                        0, 360, rgb, -1, cv2.LINE_AA, _SHIFT)
        return cv2.GaussianBlur(frame, (5, 5), 1.0)


def add_noise(frame: np.ndarray, rng: np.random.Generator, amplitude: int) -> np.ndarray:
    """Frame plus uniform integer pixel noise in ``[-amplitude, amplitude]`` (in place; no-op for 0)."""
    if amplitude > 0:
        noisy = frame.astype(np.int16) + rng.integers(-amplitude, amplitude + 1, size=frame.shape, dtype=np.int16)
        np.clip(noisy, 0, 255, out=noisy)
        frame[:] = noisy
    return frame


# ---------------------------------------------------------------------------------------- writing


#: fourcc per (codec choice, container): lossy like the real datasets (XVID-era avi, mp4), or lossless FFV1
FOURCC = {("lossy", ".avi"): "MJPG", ("lossy", ".mp4"): "mp4v", ("lossless", ".avi"): "FFV1",
          ("lossless", ".mp4"): "FFV1"}


def write_video(path: str, frames_rgb, fps: float, frame_wh: tuple[int, int], codec: str = "lossy") -> int:
    """Write RGB frames to ``path`` atomically (temp file in the same folder, then rename); return the count."""
    import os

    from annotations.atomic import make_temp_sibling

    ext = os.path.splitext(path)[1]
    fd, tmp = make_temp_sibling(path, suffix=".tmp" + ext)
    os.close(fd)
    fourcc = FOURCC[(codec, ext.lower())]
    writer = cv2.VideoWriter(tmp, cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*fourcc), float(fps), tuple(frame_wh))
    n = 0
    try:
        if not writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {fourcc} video to {path}")
        if fourcc == "MJPG":
            writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 95)
        for frame in frames_rgb:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            n += 1
        writer.release()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        writer.release()
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return n


# ------------------------------------------------------------------------------------------ classes


@dataclass(frozen=True)
class ClassSpec:
    """A synthetic action class: an actor appearance (shape, colour, texture) and a motion."""

    name: str
    appearance: Appearance
    motion: str


MAX_CLASSES = len(CLASS_SHAPES) * len(MOTIONS)


def make_classes(num_classes: int) -> tuple[ClassSpec, ...]:
    """``num_classes`` classes named ``<Shape><Motion>`` with evenly spaced hues, sorted by name."""
    if not 2 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"num_classes must be in 2..{MAX_CLASSES}, got {num_classes}")
    specs = []
    for i in range(num_classes):
        shape = CLASS_SHAPES[i % len(CLASS_SHAPES)]
        motion = MOTIONS[i % len(MOTIONS)]
        app = Appearance(shape, hsv_rgb(i / num_classes, 0.85, 0.95), TEXTURES[i % len(TEXTURES)])
        specs.append(ClassSpec(shape + motion, app, motion))
    return tuple(sorted(specs, key=lambda s: s.name))


def distractor_appearance(rng: np.random.Generator) -> Appearance:
    """A grey actor of a shape no class uses: visible, moving, never labelled."""
    grey = rng.uniform(0.55, 0.95)
    return Appearance(str(rng.choice(DISTRACTOR_SHAPES)), hsv_rgb(rng.uniform(0, 1), 0.08, grey),
                      str(rng.choice(TEXTURES)))


# ------------------------------------------------------------------------------------------- scene


@dataclass
class ActorPlan:
    """One actor of a scene, present in frames ``[start_frame, start_frame + len(track))``."""

    appearance: Appearance
    size_px: float
    track: Track
    start_frame: int = 0
    alpha: float = 1.0
    #: once fully out of the frame the actor is never drawn again (it left the scene)
    leaves: bool = False

    @property
    def end_frame(self) -> int:
        """Exclusive."""
        return self.start_frame + len(self.track.angle)


class Scene:
    """Renders a video frame by frame and records each actor's box per frame (NaN where it has none)."""

    def __init__(self, background: Background, actors: list[ActorPlan], num_frames: int, fps: float,
                 noise: int, noise_rng: np.random.Generator):
        self.background = background
        self.actors = actors
        self.num_frames = int(num_frames)
        self.fps = float(fps)
        self.noise = int(noise)
        self.noise_rng = noise_rng
        self.boxes = np.full((len(actors), self.num_frames, 4), np.nan)
        self._gone = np.zeros(len(actors), dtype=bool)

    def render(self, t: int) -> np.ndarray:
        """Frame ``t`` (frames must be rendered in order 0, 1, ...; boxes are recorded as a side effect)."""
        frame = self.background.render(t / self.fps)
        for i, a in enumerate(self.actors):
            if self._gone[i] or not a.start_frame <= t < a.end_frame:
                continue
            k = t - a.start_frame
            box = draw_actor(frame, a.appearance, a.size_px, a.track.centre_xy[k], float(a.track.angle[k]),
                             float(a.track.scale[k]), a.alpha)
            if box is None:
                if a.leaves and not np.isnan(self.boxes[i, :t, 0]).all():
                    self._gone[i] = True
                continue
            self.boxes[i, t] = box
        return add_noise(frame, self.noise_rng, self.noise)

    def frames(self):
        for t in range(self.num_frames):
            yield self.render(t)


# ------------------------------------------------------------------------------ generation helpers


def video_rng(seed: int, *keys: int) -> np.random.Generator:
    """Independent generator per (seed, keys): a video's content does not depend on how many others exist."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *[int(k) for k in keys]]))


def pick_fraction(n: int, frac: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) bool with exactly ``round(frac * n)`` true entries (at least one when ``frac > 0``), at random."""
    if not 0.0 <= frac <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {frac}")
    k = 0 if frac == 0 or n == 0 else min(n, max(1, int(round(frac * n))))
    out = np.zeros(n, dtype=bool)
    out[rng.permutation(n)[:k]] = True
    return out


def merge_options(defaults: dict, opts: dict) -> dict:
    """A generator's options: ``defaults`` with the given ones (None = default) laid over them, checked
    for unknown names, the class count and the frame size (shared by every synthetic generator)."""
    o = dict(defaults)
    unknown = set(opts) - set(o)
    if unknown:
        raise TypeError(f"unknown options {sorted(unknown)}")
    o.update({k: v for k, v in opts.items() if v is not None})
    make_classes(o["num_classes"])  # checks the range
    o["size"] = parse_size(o["size"])
    return o


def parse_size(text) -> tuple[int, int]:
    """``"160x120"`` -> (160, 120); ``"112"`` or 112 -> (112, 112)."""
    if isinstance(text, (tuple, list)):
        w, h = text
    else:
        parts = str(text).lower().split("x")
        if len(parts) not in (1, 2):
            raise ValueError(f"size must be WxH or one number, got {text!r}")
        w, h = (parts * 2)[:2] if len(parts) == 1 else parts
    w, h = int(w), int(h)
    if w < 32 or h < 32 or w % 2 or h % 2:
        raise ValueError(f"frame size must be even and at least 32x32, got {w}x{h}")
    return w, h


def parse_range(text, cast=float) -> tuple:
    """``"16,32"`` -> (16, 32); ``"20"`` -> (20, 20)."""
    if isinstance(text, (tuple, list)):
        parts = list(text)
    else:
        parts = [p for p in str(text).replace(":", ",").split(",") if p.strip()]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(f"expected MIN,MAX, got {text!r}")
    lo, hi = cast(parts[0]), cast(parts[1])
    if lo > hi or lo < 0:
        raise ValueError(f"expected 0 <= MIN <= MAX, got {text!r}")
    return lo, hi


MANIFEST = "synth_manifest.json"


def prepare_out_dir(root: str, overwrite: bool) -> None:
    """Refuse to mix a new dataset into an old one: ``root`` must be absent or empty, or a previous
    synthetic dataset (it holds ``synth_manifest.json``) that ``overwrite`` allows deleting."""
    import os
    import shutil

    from annotations.errors import InputError

    if not os.path.exists(root):
        return
    if not os.path.isdir(root):
        raise InputError(root, None, "output exists and is not a directory")
    if not os.listdir(root):
        return
    if not overwrite:
        raise InputError(root, None, "output directory is not empty (pass --overwrite to replace a previous "
                                     "synthetic dataset)")
    if not os.path.isfile(os.path.join(root, MANIFEST)):
        raise InputError(root, None, f"refusing to delete a directory without {MANIFEST}: it was not made by "
                                     "locbench synth")
    shutil.rmtree(root)


def write_manifest(root: str, manifest: dict) -> str:
    import json
    import os

    from annotations.atomic import atomic_write_text

    path = os.path.join(root, MANIFEST)
    atomic_write_text(path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return path


def class_manifest(classes) -> list[dict]:
    return [{"name": c.name, "shape": c.appearance.shape, "motion": c.motion, "texture": c.appearance.texture,
             "rgb": [round(v, 3) for v in c.appearance.rgb]} for c in classes]
