"""Strokes without Qt: render them to an image like the canvas does, and make synthetic handwriting.

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


def render(strokes: Sequence[np.ndarray], size: int = 280, pen: float = 0.05) -> np.ndarray:
    """(size, size) uint8, ink 255 on 0. ``pen`` is the pen diameter as a fraction of the canvas side
    (0.05 of a 280 px canvas: 14 px, a typical canvas pen); each segment's width is ``pen * pressure``."""
    if size < 1:
        raise ValueError(f"size must be positive, not {size}")
    big = size * SUPERSAMPLE
    img = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(img)
    for stroke in strokes:
        a = np.asarray(stroke, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] < 2 or len(a) == 0:
            raise ValueError(f"a stroke must be an (N, 3) array of x, y, pressure, got shape {a.shape}")
        xy = a[:, :2] * big
        pressure = np.clip(a[:, 2], MIN_PRESSURE, 1) if a.shape[1] > 2 else np.ones(len(a))
        radius = pen * big * pressure / 2
        for (x, y), r in zip(xy, radius):  # round caps and joints
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
        for i in range(len(a) - 1):
            w = max(1, round(radius[i] + radius[i + 1]))
            draw.line((*xy[i], *xy[i + 1]), fill=255, width=w)
    return np.asarray(img.resize((size, size), Image.Resampling.BOX))


# --- synthetic handwriting ---------------------------------------------------------------------------------
# "Another person's handwriting" for the fine-tuning benchmark and tests: per-digit strokes in a writer's
# habits (a slashed 0, a 1 with flag and base, a flat-topped 3, a closed 4, a crossed 7, an 8 of two
# circles, a 9 with a straight stem...), wide and strongly slanted, each drawing jittered so that no two are
# alike. The shipped model reads MNIST with 0.3% errors and this hand with about 6-7%.


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> np.ndarray:
    """Points of an elliptic arc from angle ``a0`` to ``a1`` in degrees (0 = right, 90 = down: y is down)."""
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def _line(*points: tuple[float, float]) -> np.ndarray:
    return np.array(points, dtype=np.float64)


def _join(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts)


# Glyphs in a unit box (x right, y down, both 0..1); each is a list of strokes, each an (N, 2) array.
WRITER_GLYPHS: dict[int, list[np.ndarray]] = {
    0: [_arc(0.5, 0.5, 0.42, 0.5, -90, 275), _line((0.85, 0.05), (0.15, 0.95))],
    1: [_line((0.0, 0.42), (0.6, 0.0), (0.6, 1.0)), _line((0.25, 1.0), (0.95, 1.0))],
    2: [_join(_arc(0.5, 0.28, 0.4, 0.28, 200, 370, 16), _line((0.85, 0.42), (0.2, 0.9)),
              _arc(0.2, 0.82, 0.12, 0.12, 90, 360, 14)[::-1][:-1], _line((0.2, 0.94), (0.95, 0.94))),
        _line((0.25, 0.62), (0.75, 0.62))],
    3: [_join(_line((0.1, 0.0), (0.85, 0.0), (0.4, 0.4)), _arc(0.45, 0.68, 0.42, 0.32, -90, 150, 20))],
    4: [_line((0.7, 0.0), (0.05, 0.68), (0.98, 0.68)), _line((0.7, 0.0), (0.7, 1.0))],
    5: [_join(_line((0.25, 0.0), (0.18, 0.45)), _arc(0.45, 0.68, 0.4, 0.32, -130, 150, 20)),
        _line((0.25, 0.0), (0.9, 0.02))],
    6: [_join(_arc(1.0, 0.75, 0.75, 0.75, 265, 180, 16), _arc(0.5, 0.75, 0.25, 0.25, 180, 530, 24))],
    7: [_line((0.05, 0.18), (0.05, 0.0), (0.95, 0.0), (0.35, 1.0)), _line((0.3, 0.5), (0.85, 0.5))],
    8: [_arc(0.5, 0.25, 0.28, 0.25, 0, 360, 20), _arc(0.5, 0.72, 0.4, 0.28, -90, 270, 24)],
    9: [_join(_arc(0.45, 0.25, 0.38, 0.25, 0, 365, 24), _line((0.83, 0.27), (0.83, 0.95)),
              _arc(0.55, 0.95, 0.28, 0.15, 0, 200, 10))],
}


def _densify(points: np.ndarray, step: float = 0.02) -> np.ndarray:
    """Resample a polyline so that consecutive points are about ``step`` apart (wobble needs points)."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    if dist[-1] == 0:
        return points
    t = np.linspace(0, dist[-1], max(2, int(dist[-1] / step) + 1))
    return np.stack([np.interp(t, dist, points[:, 0]), np.interp(t, dist, points[:, 1])], 1)


def writer_digit(digit: int, rng: np.random.Generator, slant: float = 30.0, aspect: float = 1.2) -> list[np.ndarray]:
    """One drawing of ``digit`` in the synthetic writer's hand: strokes in canvas coordinates (0..1),
    with the writer's slant (degrees, top to the right), width (``aspect``: width / height, MNIST's digits
    are about 0.6; this writer's are wider than tall) and a fresh random jitter, size and position."""
    glyph = WRITER_GLYPHS[int(digit)]
    shear = np.tan(np.radians(slant + rng.normal(0, 4)))
    width = aspect * rng.uniform(0.88, 1.12)  # of the height
    height = rng.uniform(0.5, 0.7)  # of the canvas side
    angle = np.radians(rng.normal(0, 4))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = 0.5 + rng.normal(0, 0.04, 2)
    strokes = []
    for stroke in glyph:
        p = _densify(stroke + rng.normal(0, 0.035, stroke.shape))  # control points vary between drawings
        wobble = np.cumsum(rng.normal(0, 0.004, p.shape), axis=0)  # a hand is not a ruler
        p = p + wobble - wobble.mean(0)
        x = (p[:, 0] - 0.5) * width + (0.5 - p[:, 1]) * shear * 0.5
        y = p[:, 1] - 0.5
        xy = (np.stack([x, y], 1) @ rot.T) * height + centre
        pressure = np.clip(rng.normal(0.9, 0.05, (len(xy), 1)), 0.5, 1)
        strokes.append(np.concatenate([xy, pressure], 1).astype(np.float32))
    return strokes


def writer_dataset(per_class: int, seed: int = 0, size: int = 280, pen: float = 0.045,
                   slant: float = 30.0, aspect: float = 1.2) -> tuple[np.ndarray, np.ndarray, list[list[np.ndarray]]]:
    """``per_class`` drawings of each digit: rendered canvas images (n, size, size) uint8, labels (n,) int64
    and the strokes, ordered class by class."""
    rng = np.random.default_rng(seed)
    images, labels, all_strokes = [], [], []
    for digit in range(10):
        for _ in range(per_class):
            strokes = writer_digit(digit, rng, slant, aspect)
            images.append(render(strokes, size, pen * rng.uniform(0.9, 1.1)))
            labels.append(digit)
            all_strokes.append(strokes)
    return np.stack(images), np.array(labels, np.int64), all_strokes
