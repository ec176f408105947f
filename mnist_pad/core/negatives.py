"""Drawings that are not digits, for teaching the model to say so: letters, symbols, shapes, scribbles and two
digits side by side, in the same random hands as :mod:`mnist_pad.core.styles`.

The training recipe (``TrainConfig.negatives``) asks the model for a flat answer on these (outlier exposure,
Hendrycks et al. 2019), so that a drawing that is none of the ten digits gets no class's evidence and the pad
can say "not a digit". Letters that people also write as digits (O, I, l, S, Z, B, b, g, q, ...) are left out.
``scripts/bench_reading.py`` measures on non-digits from another generator: font letters, other shapes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .preprocess import preprocessed_uint8
from .styles import STYLE_KEYS, STYLES, Hand, arc, inputs, join, line, place, training_hand

Glyph = list[np.ndarray]

LETTERS: dict[str, Glyph] = {
    "A": [line((0.0, 1.0), (0.5, 0.0), (1.0, 1.0)), line((0.22, 0.6), (0.78, 0.6))],
    "C": [arc(0.55, 0.5, 0.45, 0.5, -40, -320, 24)],
    "E": [line((0.9, 0.0), (0.1, 0.0), (0.1, 1.0), (0.9, 1.0)), line((0.1, 0.5), (0.7, 0.5))],
    "F": [line((0.9, 0.0), (0.1, 0.0), (0.1, 1.0)), line((0.1, 0.5), (0.7, 0.5))],
    "H": [line((0.1, 0.0), (0.1, 1.0)), line((0.9, 0.0), (0.9, 1.0)), line((0.1, 0.5), (0.9, 0.5))],
    "K": [line((0.1, 0.0), (0.1, 1.0)), line((0.9, 0.0), (0.1, 0.55), (0.9, 1.0))],
    "M": [line((0.0, 1.0), (0.1, 0.0), (0.5, 0.7), (0.9, 0.0), (1.0, 1.0))],
    "N": [line((0.1, 1.0), (0.1, 0.0), (0.9, 1.0), (0.9, 0.0))],
    "P": [join(line((0.1, 1.0), (0.1, 0.0)), arc(0.1, 0.27, 0.7, 0.27, -90, 90, 16))],
    "R": [join(line((0.1, 1.0), (0.1, 0.0)), arc(0.1, 0.27, 0.7, 0.27, -90, 90, 16), line((0.1, 0.54), (0.9, 1.0)))],
    "U": [join(line((0.05, 0.0), (0.05, 0.6)), arc(0.5, 0.6, 0.45, 0.4, 180, 0, 16), line((0.95, 0.6), (0.95, 0.0)))],
    "V": [line((0.0, 0.0), (0.5, 1.0), (1.0, 0.0))],
    "W": [line((0.0, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (1.0, 0.0))],
    "X": [line((0.0, 0.0), (1.0, 1.0)), line((1.0, 0.0), (0.0, 1.0))],
    "Y": [line((0.0, 0.0), (0.5, 0.5), (1.0, 0.0)), line((0.5, 0.5), (0.5, 1.0))],
    "a": [join(arc(0.45, 0.65, 0.4, 0.35, -20, -340, 20), line((0.85, 0.3), (0.85, 1.0)))],
    "e": [join(line((0.1, 0.55), (0.9, 0.55)), arc(0.5, 0.55, 0.4, 0.45, 0, -300, 20))],
    "h": [line((0.1, 0.0), (0.1, 1.0)), join(arc(0.5, 0.6, 0.4, 0.3, 180, 360, 12), line((0.9, 0.6), (0.9, 1.0)))],
    "k": [line((0.1, 0.0), (0.1, 1.0)), line((0.8, 0.4), (0.1, 0.75), (0.85, 1.0))],
    "m": [join(line((0.0, 1.0), (0.0, 0.3)), arc(0.25, 0.45, 0.25, 0.2, 180, 360, 10), line((0.5, 0.45), (0.5, 1.0))),
          join(arc(0.75, 0.45, 0.25, 0.2, 180, 360, 10), line((1.0, 0.45), (1.0, 1.0)))],
    "n": [join(line((0.1, 1.0), (0.1, 0.3)), arc(0.5, 0.5, 0.4, 0.25, 180, 360, 12), line((0.9, 0.5), (0.9, 1.0)))],
    "r": [line((0.2, 0.3), (0.2, 1.0)), arc(0.6, 0.55, 0.4, 0.25, 180, 290, 10)],
    "u": [join(line((0.1, 0.3), (0.1, 0.7)), arc(0.5, 0.7, 0.4, 0.3, 180, 0, 12), line((0.9, 0.7), (0.9, 0.3), (0.95, 1.0)))],
    "w": [line((0.0, 0.3), (0.25, 1.0), (0.5, 0.5), (0.75, 1.0), (1.0, 0.3))],
    "x": [line((0.1, 0.3), (0.9, 1.0)), line((0.9, 0.3), (0.1, 1.0))],
    "L": [line((0.1, 0.0), (0.1, 1.0), (0.9, 1.0))],
    "c": [arc(0.55, 0.65, 0.42, 0.35, -40, -320, 18)],
    "d": [join(arc(0.45, 0.65, 0.4, 0.35, -20, -340, 20), line((0.85, 0.0), (0.85, 1.0)))],
    "f": [join(arc(0.65, 0.2, 0.3, 0.2, -10, -180, 10), line((0.35, 0.2), (0.35, 1.0))), line((0.1, 0.45), (0.7, 0.45))],
    "p": [line((0.15, 0.3), (0.15, 1.2)), arc(0.45, 0.5, 0.35, 0.22, 180, 540, 20)],
    "v": [line((0.0, 0.3), (0.5, 1.0), (1.0, 0.3))],
    "a2": [join(arc(0.5, 0.25, 0.35, 0.22, 200, 360, 10), line((0.85, 0.25), (0.85, 1.0))),
           arc(0.5, 0.72, 0.35, 0.26, 0, 360, 18)],  # the two-storey a, as printed
}

SYMBOLS: dict[str, Glyph] = {
    "dash": [line((0.0, 0.5), (1.0, 0.5))],
    "plus": [line((0.0, 0.5), (1.0, 0.5)), line((0.5, 0.0), (0.5, 1.0))],
    "equals": [line((0.0, 0.35), (1.0, 0.35)), line((0.0, 0.65), (1.0, 0.65))],
    "hash": [line((0.3, 0.0), (0.2, 1.0)), line((0.75, 0.0), (0.65, 1.0)), line((0.0, 0.33), (1.0, 0.33)),
             line((0.0, 0.67), (1.0, 0.67))],
    "percent": [line((0.9, 0.0), (0.1, 1.0)), arc(0.2, 0.15, 0.15, 0.15, 0, 360, 12), arc(0.8, 0.85, 0.15, 0.15, 0, 360, 12)],
    "at": [join(arc(0.5, 0.5, 0.2, 0.22, 0, 360, 14), line((0.7, 0.5), (0.75, 0.7)), arc(0.5, 0.5, 0.45, 0.45, 30, 330, 24))],
    "question": [join(arc(0.5, 0.25, 0.35, 0.25, 180, 450, 16), line((0.5, 0.5), (0.5, 0.7))), line((0.5, 0.95), (0.5, 1.0))],
    "less": [line((1.0, 0.0), (0.0, 0.5), (1.0, 1.0))],
    "greater": [line((0.0, 0.0), (1.0, 0.5), (0.0, 1.0))],
    "tilde": [join(arc(0.25, 0.55, 0.25, 0.2, 180, 360, 10), arc(0.75, 0.45, 0.25, 0.2, 180, 0, 10))],
    "arrow": [line((0.0, 0.5), (1.0, 0.5)), line((0.65, 0.2), (1.0, 0.5), (0.65, 0.8))],
    "check": [line((0.0, 0.55), (0.35, 1.0), (1.0, 0.0))],
    "asterisk": [line((0.5, 0.0), (0.5, 1.0)), line((0.07, 0.25), (0.93, 0.75)), line((0.93, 0.25), (0.07, 0.75))],
    "ampersand": [join(line((1.0, 1.0), (0.25, 0.35)), arc(0.45, 0.2, 0.22, 0.2, 150, 400, 12), line((0.55, 0.35),
                       (0.1, 0.7)), arc(0.4, 0.78, 0.3, 0.22, 180, 400, 12), line((0.65, 0.9), (1.0, 0.55)))],
}

SHAPES: dict[str, Glyph] = {
    "triangle": [line((0.5, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.0))],
    "square": [line((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0))],
    "star": [line(*[(0.5 + 0.5 * np.sin(a), 0.5 - 0.5 * np.cos(a)) for a in np.radians(np.arange(0, 721, 144))])],
    "heart": [join(arc(0.27, 0.3, 0.25, 0.22, 0, -200, 12), line((0.02, 0.4), (0.5, 1.0), (0.98, 0.4)),
                   arc(0.73, 0.3, 0.25, 0.22, 20, -180, 12))],
    "spiral": [np.stack([0.5 + 0.5 * t / 12 * np.cos(t), 0.5 + 0.5 * t / 12 * np.sin(t)], 1)
               for t in [np.linspace(0, 12, 60)]],
    "house": [line((0.0, 1.0), (0.0, 0.4), (0.5, 0.0), (1.0, 0.4), (1.0, 1.0), (0.0, 1.0))],
    "smiley": [arc(0.5, 0.5, 0.5, 0.5, 0, 360, 28), arc(0.5, 0.55, 0.25, 0.2, 20, 160, 10),
               line((0.35, 0.32), (0.35, 0.38)), line((0.65, 0.32), (0.65, 0.38))],
    "cross-box": [line((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)), line((0.0, 0.0), (1.0, 1.0))],
    "diamond": [line((0.5, 0.0), (1.0, 0.5), (0.5, 1.0), (0.0, 0.5), (0.5, 0.0))],
}


def turned(glyph: Glyph, rng: np.random.Generator) -> Glyph:
    """A shape at any angle: shapes have no upright (letters and symbols keep theirs)."""
    a = rng.uniform(0, 2 * np.pi)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return [(stroke - 0.5) @ rot.T + 0.5 for stroke in glyph]


def scribble(rng: np.random.Generator) -> Glyph:
    """A random zigzag, a tangle, a row of loops or a hatching, in the unit box."""
    kind = rng.integers(4)
    if kind == 3:  # hatching: parallel strokes, as when crossing something out
        n = int(rng.integers(3, 9))
        lean = rng.uniform(-0.4, 0.4)
        return [line((x, 0.0), (x + lean, 1.0)) for x in np.linspace(0, 1 - max(lean, 0), n)]
    if kind == 0:  # zigzag
        n = int(rng.integers(5, 9))  # fewer turns draw a Z or an N, too close to a 2
        xs = np.linspace(0, 1, n)
        ys = np.where(np.arange(n) % 2 == 0, rng.uniform(0.0, 0.3, n), rng.uniform(0.7, 1.0, n))
        return [np.stack([xs, ys], 1)]
    if kind == 1:  # tangle: a random walk
        steps = np.cumsum(rng.normal(0, 1, (int(rng.integers(10, 24)), 2)), 0)
        steps = (steps - steps.min(0)) / np.maximum(np.ptp(steps, 0), 1e-6)
        return [steps]
    loops = int(rng.integers(3, 6))  # cursive loops, "eeee"
    t = np.linspace(0, 2 * np.pi * loops, 30 * loops)
    return [np.stack([t / t[-1] + 0.08 * np.cos(t + np.pi / 2), 0.5 + 0.4 * np.sin(t + np.pi / 2)], 1)]


def _pair(rng: np.random.Generator, hand: Hand) -> list[np.ndarray]:
    """Two (or three) digits side by side, as one drawing."""
    count = 2 if rng.random() < 0.8 else 3
    keys = [STYLE_KEYS[i] for i in rng.integers(len(STYLE_KEYS), size=count)]
    strokes: list[np.ndarray] = []
    for i, (digit, style) in enumerate(keys):
        x = (i + 0.5) / count
        strokes += place(STYLES[digit][style], rng, hand, centre=(0.1 + 0.8 * x, 0.5), scale=1.2 / count)
    return strokes


def _from(table: dict[str, Glyph], turn: bool = False) -> Callable[[np.random.Generator], Glyph]:
    names = sorted(table)

    def pick(rng: np.random.Generator) -> Glyph:
        glyph = table[names[int(rng.integers(len(names)))]]
        return turned(glyph, rng) if turn else glyph

    return pick


# Printed letters and symbols, typeset in the font Pillow ships (Aileron): the same everywhere, and not one of
# the machine's fonts that scripts/bench_reading.py typesets its non-digits in.
PRINTED = "ACEFHKLMNPRUVWXYacdefhkmnpruvwx&?#%@+=<>~*"


def printed(rng: np.random.Generator) -> np.ndarray:
    """One printed character at a random size, slant and turn, ink high (uint8)."""
    from PIL import Image, ImageDraw, ImageFont

    size = 112
    img = Image.new("L", (size, size), 0)
    font = ImageFont.load_default(size=int(rng.integers(50, 80)))
    ImageDraw.Draw(img).text((size / 2, size / 2), PRINTED[int(rng.integers(len(PRINTED)))], fill=255, font=font,
                             anchor="mm")
    shear = rng.uniform(-0.3, 0.3)
    img = img.transform(img.size, Image.Transform.AFFINE, (1, shear, -shear * size / 2, 0, 1, 0),
                        Image.Resampling.BILINEAR).rotate(rng.normal(0, 6), Image.Resampling.BILINEAR)
    return np.asarray(img)


# Kinds and their shares of the negatives; a pair is a whole drawing, the others are glyphs placed in a hand.
KINDS: dict[str, tuple[float, Callable[[np.random.Generator], Glyph] | None]] = {
    "letter": (0.3, _from(LETTERS)),
    "symbol": (0.15, _from(SYMBOLS)),
    "shape": (0.15, _from(SHAPES, turn=True)),
    "scribble": (0.15, scribble),
    "pair": (0.1, None),
    "printed": (0.15, None),
}


def training_negatives(count: int, seed: int) -> np.ndarray:
    """``count`` non-digits by random training hands (and printed), as 28x28 network inputs (n, 28, 28) uint8."""
    rng = np.random.default_rng([seed, 2])
    names = list(KINDS)
    shares = np.array([KINDS[k][0] for k in names])
    drawings, pens, typeset = [], [], []
    for kind in rng.choice(names, size=count, p=shares / shares.sum()):
        if kind == "printed":
            typeset.append(printed(rng))
            continue
        hand = training_hand(rng)
        make = KINDS[kind][1]
        drawings.append(_pair(rng, hand) if make is None else place(make(rng), rng, hand))
        pens.append(hand.pen)
    return np.concatenate([inputs(drawings, pens), preprocessed_uint8(typeset)])

