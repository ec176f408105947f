"""Strokes without Qt: check them and render them to an image like the canvas does.

A drawing is a list of strokes, each an (N, 3) float array of x, y, pressure. x and y are fractions of the
canvas side (0..1, y down), so a drawing is independent of the window's size; pressure is 0..1 (1 for a
mouse) and scales the pen width. :func:`render` draws a round, anti-aliased pen (4x supersampled) and
returns grayscale uint8 with ink high, the input that :func:`~mnist_pad.core.preprocess.preprocess` takes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

SUPERSAMPLE = 4  # render at this multiple of the output size, then area-average down (anti-aliasing)
MIN_PRESSURE = 0.2  # a stylus barely touching still draws this fraction of the pen width


Strokes = list[np.ndarray]  # each (N, 3) float32: x, y in 0..1 of the canvas side, pressure 0..1


def check_strokes(strokes: Sequence) -> Strokes:
    """A list of (N, 3) float32 arrays (x, y, pressure); (N, 2) gets pressure 1; ValueError otherwise. The one
    check for strokes from anywhere: the canvas, the sample store, an imported file."""
    out = []
    for i, s in enumerate(strokes):
        a = np.asarray(s, dtype=np.float32)
        if a.ndim != 2 or a.shape[1] not in (2, 3) or len(a) == 0:
            raise ValueError(f"stroke {i} must be an (N, 3) array of x, y, pressure, got shape {a.shape}")
        if a.shape[1] == 2:
            a = np.concatenate([a, np.ones((len(a), 1), np.float32)], 1)
        if not np.isfinite(a).all():
            raise ValueError(f"stroke {i} has non-finite coordinates")
        out.append(np.ascontiguousarray(a))
    return out


def pen_scale(pressure: np.ndarray | float) -> np.ndarray | float:
    """The pen width's factor at a pressure: proportional to it, never under :data:`MIN_PRESSURE`. (A plain
    number is clamped without numpy: the canvas asks for every segment it paints.)"""
    if isinstance(pressure, (float, int)):
        return min(max(float(pressure), MIN_PRESSURE), 1.0)
    return np.clip(pressure, MIN_PRESSURE, 1.0)


def render(strokes: Sequence[np.ndarray], size: int = 280, pen: float = 0.05) -> np.ndarray:
    """(size, size) uint8, ink 255 on 0. ``pen`` is the pen diameter as a fraction of the canvas side
    (0.05 of a 280 px canvas: 14 px, a typical canvas pen); each segment's width is ``pen * pressure``."""
    if size < 1:
        raise ValueError(f"size must be positive, not {size}")
    big = size * SUPERSAMPLE
    img = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(img)
    for a in check_strokes(strokes):
        xy = a[:, :2].astype(np.float64) * big
        radius = pen * big * pen_scale(a[:, 2].astype(np.float64)) / 2
        for (x, y), r in zip(xy, radius):  # round caps and joints
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
        for i in range(len(a) - 1):
            w = max(1, round(radius[i] + radius[i + 1]))
            draw.line((*xy[i], *xy[i + 1]), fill=255, width=w)
    return np.asarray(img.resize((size, size), Image.Resampling.BOX))
