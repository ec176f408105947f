"""The world's ways of writing digits, as strokes: a flag and a foot on the 1, a crossed 7, an open 4, a curled
9, a looped 2, a slashed 0, 6 and 8 in one stroke or two, in hands of every slant, width, size, pen and tremor.

MNIST was written mostly by American writers; a model trained on it alone reads a European 1 as a 7 and an
open 4 as a 9. The training recipe mixes these drawings in (``TrainConfig.styles``), and
``scripts/bench_reading.py`` measures the model on drawings from another generator (:data:`EVAL_HANDS`, other
seeds, a bend the training drawings never have, the canvas's own size and pens): docs/reading.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .preprocess import preprocessed_uint8
from .strokes import render


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> np.ndarray:
    """Points of an elliptic arc from angle ``a0`` to ``a1`` in degrees (0 = right, 90 = down: y is down)."""
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def line(*points: tuple[float, float]) -> np.ndarray:
    return np.array(points, dtype=np.float64)


def join(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts)


def _figure_eight(n: int = 48) -> np.ndarray:
    """An 8 in one stroke: from the top, down through the middle, round the bottom and back up."""
    t = np.linspace(0, 2 * np.pi, n)
    y = 0.5 - 0.5 * np.cos(t)
    return np.stack([0.5 - (0.3 + 0.1 * y) * np.sin(2 * t), y], 1)


_OVAL = arc(0.5, 0.5, 0.42, 0.5, -90, 275)
_TWO_TOP = arc(0.5, 0.3, 0.4, 0.3, 200, 370, 16)
_SIX_STEM = arc(1.0, 0.75, 0.75, 0.75, 265, 180, 16)
_NINE_LOOP = arc(0.45, 0.27, 0.38, 0.27, 0, 365, 24)
_FIVE_BELLY = arc(0.45, 0.68, 0.4, 0.3, -130, 150, 20)

# Glyphs in a unit box (x right, y down, both 0..1): digit -> style -> strokes, each an (N, 2) array.
STYLES: dict[int, dict[str, list[np.ndarray]]] = {
    0: {"plain": [_OVAL], "slashed": [_OVAL, line((0.85, 0.08), (0.15, 0.92))]},
    1: {
        "bar": [line((0.5, 0.0), (0.5, 1.0))],
        "flag": [line((0.1, 0.35), (0.6, 0.0), (0.6, 1.0))],
        "flag-foot": [line((0.1, 0.35), (0.6, 0.0), (0.6, 1.0)), line((0.2, 1.0), (0.95, 1.0))],
    },
    2: {
        "plain": [join(_TWO_TOP, line((0.85, 0.42), (0.05, 1.0), (0.95, 1.0)))],
        "loop": [join(_TWO_TOP, line((0.85, 0.42), (0.3, 0.82)), arc(0.2, 0.86, 0.12, 0.1, -30, 330, 16),
                      line((0.3, 0.95), (0.95, 0.97)))],
    },
    3: {
        "round": [join(arc(0.45, 0.26, 0.4, 0.26, 200, 450, 20), arc(0.45, 0.74, 0.45, 0.26, 270, 520, 20))],
        "flat-top": [join(line((0.1, 0.0), (0.85, 0.0), (0.4, 0.4)), arc(0.45, 0.68, 0.42, 0.32, -90, 150, 20))],
    },
    4: {
        "closed": [line((0.65, 0.0), (0.05, 0.65), (0.95, 0.65)), line((0.65, 0.0), (0.65, 1.0))],
        "open": [line((0.15, 0.0), (0.1, 0.6), (0.95, 0.6)), line((0.7, 0.1), (0.7, 1.0))],
    },
    5: {
        "plain": [join(line((0.25, 0.0), (0.2, 0.45)), _FIVE_BELLY), line((0.25, 0.0), (0.9, 0.0))],
        "one-stroke": [join(line((0.9, 0.0), (0.25, 0.0), (0.2, 0.45)), _FIVE_BELLY)],
    },
    6: {
        "one-stroke": [join(_SIX_STEM, arc(0.5, 0.75, 0.25, 0.25, 180, 530, 24))],
        "two-strokes": [_SIX_STEM, arc(0.5, 0.75, 0.27, 0.25, 0, 360, 24)],
    },
    7: {
        "plain": [line((0.05, 0.0), (0.95, 0.0), (0.35, 1.0))],
        "crossed": [line((0.05, 0.0), (0.95, 0.0), (0.35, 1.0)), line((0.3, 0.5), (0.85, 0.5))],
    },
    8: {
        "one-stroke": [_figure_eight()],
        "two-circles": [arc(0.5, 0.25, 0.28, 0.25, 0, 360, 20), arc(0.5, 0.72, 0.38, 0.28, -90, 270, 24)],
    },
    9: {
        "straight": [join(_NINE_LOOP, line((0.83, 0.27), (0.8, 1.0)))],
        "curled": [join(_NINE_LOOP, line((0.83, 0.27), (0.83, 0.8)), arc(0.6, 0.8, 0.23, 0.2, 0, 160, 10))],
    },
}
STYLE_KEYS: list[tuple[int, str]] = [(d, s) for d, styles in STYLES.items() for s in styles]


@dataclass(frozen=True)
class Hand:
    """A writer's habits. Each drawing varies around them: slant by ``slant_sd`` degrees, width by
    ``aspect_spread``, height within ``height``, rotation by ``rotation_sd``, control points by ``jitter``
    (of the glyph box), and a tremor (``tremor``: the step of a random walk added along each stroke)."""

    slant: float = 0.0  # degrees, top to the right
    aspect: float = 0.7  # width / height (MNIST's digits: about 0.6)
    height: tuple[float, float] = (0.5, 0.7)  # of the canvas side
    pen: float = 0.05  # pen width, of the canvas side
    slant_sd: float = 4.0
    aspect_spread: float = 0.12
    rotation_sd: float = 4.0
    centre_sd: float = 0.04
    jitter: float = 0.035
    tremor: float = 0.004
    bend: float = 0.0  # amplitude of a smooth sideways bend of the whole glyph (the evaluation hands' habit)


def densify(points: np.ndarray, step: float = 0.02) -> np.ndarray:
    """Resample a polyline so that consecutive points are about ``step`` apart (wobble needs points)."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    if dist[-1] == 0:
        return points
    t = np.linspace(0, dist[-1], max(2, int(dist[-1] / step) + 1))
    return np.stack([np.interp(t, dist, points[:, 0]), np.interp(t, dist, points[:, 1])], 1)


def place(glyph: Sequence[np.ndarray], rng: np.random.Generator, hand: Hand,
          centre: tuple[float, float] | None = None, scale: float = 1.0) -> list[np.ndarray]:
    """One drawing of a unit-box ``glyph`` in ``hand``: strokes (N, 3) of x, y, pressure in canvas
    coordinates (0..1), centred near ``centre`` (default the canvas's) and ``scale`` times the hand's size."""
    shear = np.tan(np.radians(hand.slant + rng.normal(0, hand.slant_sd)))
    width = hand.aspect * rng.uniform(1 - hand.aspect_spread, 1 + hand.aspect_spread)
    height = rng.uniform(*hand.height) * scale
    angle = np.radians(rng.normal(0, hand.rotation_sd))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    middle = (0.5, 0.5) if centre is None else centre
    where = np.asarray(middle) + rng.normal(0, hand.centre_sd, 2) * scale
    bend = rng.normal(0, hand.bend) if hand.bend else 0.0
    strokes = []
    for stroke in glyph:
        p = densify(stroke + rng.normal(0, hand.jitter, stroke.shape))  # control points vary between drawings
        wobble = np.cumsum(rng.normal(0, hand.tremor, p.shape), axis=0)  # a hand is not a ruler
        p = p + wobble - wobble.mean(0)
        x = (p[:, 0] - 0.5) * width + (0.5 - p[:, 1]) * shear * 0.5 + bend * np.sin(np.pi * p[:, 1])
        y = p[:, 1] - 0.5
        xy = (np.stack([x, y], 1) @ rot.T) * height + where
        pressure = np.clip(rng.normal(0.9, 0.05, (len(xy), 1)), 0.5, 1)
        strokes.append(np.concatenate([xy, pressure], 1).astype(np.float32))
    return strokes


def training_hand(rng: np.random.Generator) -> Hand:
    """A random writer for the training drawings: upright to strongly slanted, narrow to wide, small to
    large, thin to thick pens, steady to shaky."""
    low = rng.uniform(0.3, 0.75)
    return Hand(
        slant=rng.uniform(-15, 35), aspect=rng.uniform(0.4, 1.1), height=(low, min(0.9, low + 0.15)),
        pen=rng.uniform(0.02, 0.1), jitter=rng.uniform(0.02, 0.05), tremor=rng.uniform(0.0, 0.008),
    )


# The evaluation hands (scripts/bench_reading.py): eight writers with fixed habits the training never sees as
# such, each with a bend of the whole glyph that the training drawings do not have.
EVAL_HANDS: tuple[Hand, ...] = (
    Hand(slant=-10, aspect=0.55, height=(0.55, 0.7), pen=0.05, tremor=0.002, bend=0.06),
    Hand(slant=25, aspect=0.9, height=(0.4, 0.55), pen=0.035, tremor=0.006, bend=0.05),
    Hand(slant=5, aspect=0.5, height=(0.7, 0.85), pen=0.08, tremor=0.003, jitter=0.045, bend=0.04),
    Hand(slant=15, aspect=0.75, height=(0.35, 0.45), pen=0.03, tremor=0.007, bend=0.06),
    Hand(slant=35, aspect=1.0, height=(0.5, 0.65), pen=0.06, tremor=0.004, bend=0.03),
    Hand(slant=0, aspect=0.45, height=(0.6, 0.8), pen=0.1, tremor=0.002, jitter=0.04, bend=0.05),
    Hand(slant=-5, aspect=0.8, height=(0.45, 0.6), pen=0.025, tremor=0.008, bend=0.07),
    Hand(slant=20, aspect=0.6, height=(0.55, 0.75), pen=0.045, tremor=0.005, jitter=0.05, bend=0.04),
)


def draw_style(digit: int, style: str, rng: np.random.Generator, hand: Hand) -> list[np.ndarray]:
    return place(STYLES[digit][style], rng, hand)


def inputs(drawings: Sequence[list[np.ndarray]], pens: Sequence[float], size: int = 84) -> np.ndarray:
    """Drawings rendered at ``size`` px with their pens and preprocessed as the pad does: (n, 28, 28) uint8."""
    return preprocessed_uint8(render(strokes, size, pen) for strokes, pen in zip(drawings, pens))


def training_styles(per_style: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``per_style`` drawings of every (digit, style) by random training hands, as 28x28 network inputs:
    (n, 28, 28) uint8 and their labels (n,) int64."""
    rng = np.random.default_rng([seed, 1])
    drawings, pens, labels = [], [], []
    for digit, style in STYLE_KEYS:
        for _ in range(per_style):
            hand = training_hand(rng)
            drawings.append(draw_style(digit, style, rng, hand))
            pens.append(hand.pen)
            labels.append(digit)
    return inputs(drawings, pens), np.array(labels, np.int64)
