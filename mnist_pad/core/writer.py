"""Synthetic handwriting: "another person's hand" for the fine-tuning benchmark, tests and scripts
(the app itself never draws with it). Digits are made of strokes in the :mod:`mnist_pad.core.strokes` format
and rendered with :func:`~mnist_pad.core.strokes.render`, as the canvas would.
"""

from __future__ import annotations

import numpy as np

from .strokes import render
from .styles import Hand, arc as _arc, join as _join, line as _line, place

# --- synthetic handwriting ---------------------------------------------------------------------------------
# "Another person's handwriting" for the fine-tuning benchmark and tests: per-digit strokes in a writer's
# habits (a slashed 0, a 1 with flag and base, a flat-topped 3, a closed 4, a crossed 7, an 8 of two
# circles, a 9 with a straight stem...), wide and strongly slanted, each drawing jittered so that no two are
# alike. The shipped model reads MNIST with 0.3% errors and this hand with about 6-7%.


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


def writer_digit(digit: int, rng: np.random.Generator, slant: float = 30.0, aspect: float = 1.2) -> list[np.ndarray]:
    """One drawing of ``digit`` in the synthetic writer's hand: strokes in canvas coordinates (0..1),
    with the writer's slant (degrees, top to the right), width (``aspect``: width / height, MNIST's digits
    are about 0.6; this writer's are wider than tall) and a fresh random jitter, size and position."""
    return place(WRITER_GLYPHS[int(digit)], rng, Hand(slant=slant, aspect=aspect))


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
