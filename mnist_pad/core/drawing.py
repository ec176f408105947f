"""A drawing being made, without any widget: completed strokes, the stroke in progress, a raster picture under
them, undo and clear, the pen width. The canvas (:class:`mnist_pad.qt.canvas.Canvas`) turns pointer events
into calls here and paints what it holds; tests drive it directly (as labelme keeps its canvas's geometry in
pure functions).

Coordinates are fractions (0..1) of the drawing square and pressure is 0..1, so a drawing is independent of
the widget's size: the core stroke format (:mod:`mnist_pad.core.strokes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .strokes import check_strokes

DEFAULT_PEN = 0.05  # pen width as a fraction of the canvas side: 14 px on a 280 px image
PEN_RANGE = (0.01, 0.15)  # pen widths offered to the user
JITTER = 1e-4  # a pointer move shorter than this (fraction of the side) adds no point


@dataclass
class Stroke:
    """One pen-down to pen-up: ``width`` is the pen width (fraction of the side) it was drawn with."""

    width: float
    points: list[tuple[float, float, float]] = field(default_factory=list)

    def array(self) -> np.ndarray:
        return np.array(self.points, np.float32).reshape(-1, 3)


def strokes_from(arrays: Sequence, pen: float) -> list[Stroke]:
    """(N, 3) x, y, pressure or (N, 2) x, y arrays (checked by core.strokes) as strokes drawn with ``pen``."""
    return [Stroke(pen, [(float(x), float(y), float(p)) for x, y, p in a]) for a in check_strokes(arrays)]


class Drawing:
    """The state of one drawing. Every change returns whether anything changed, so that the canvas repaints
    (and tells its listeners) only then."""

    def __init__(self, pen: float = DEFAULT_PEN) -> None:
        self.strokes: list[Stroke] = []  # completed
        self.current: Stroke | None = None  # in progress (the pen is down)
        self.picture: object | None = None  # a raster digit under the strokes (the canvas's image of it)
        self.pen = pen

    # --- reading --------------------------------------------------------------------------------------------
    def all_strokes(self) -> list[Stroke]:
        """Completed strokes, then the one in progress."""
        return self.strokes + ([self.current] if self.current else [])

    def arrays(self) -> list[np.ndarray]:
        """Every stroke as a float32 (N, 3) array of x, y, pressure (the core format)."""
        return [s.array() for s in self.all_strokes()]

    def is_empty(self) -> bool:
        return not self.strokes and self.current is None and self.picture is None

    def is_drawing(self) -> bool:
        return self.current is not None

    # --- drawing --------------------------------------------------------------------------------------------
    def begin(self, x: float, y: float, pressure: float) -> None:
        self.current = Stroke(self.pen, [(x, y, pressure)])

    def extend(self, x: float, y: float, pressure: float) -> bool:
        """Add a point to the stroke in progress; False when there is none or the move is only jitter."""
        if self.current is None:
            return False
        last = self.current.points[-1]
        if abs(x - last[0]) < JITTER and abs(y - last[1]) < JITTER:
            return False
        self.current.points.append((x, y, pressure))
        return True

    def end(self) -> bool:
        """Complete the stroke in progress; False when there is none."""
        if self.current is None:
            return False
        self.strokes.append(self.current)
        self.current = None
        return True

    # --- editing --------------------------------------------------------------------------------------------
    def undo(self) -> bool:
        """Drop the stroke in progress, else the last stroke, else the picture."""
        if self.current is not None:
            self.current = None
        elif self.strokes:
            self.strokes.pop()
        elif self.picture is not None:
            self.picture = None
        else:
            return False
        return True

    def clear(self) -> bool:
        if self.is_empty():
            return False
        self.strokes, self.current, self.picture = [], None, None
        return True

    def replace(self, arrays: Sequence, pen: float | None = None) -> None:
        """The drawing becomes these strokes (drawn with ``pen``, default the current pen); no picture."""
        self.strokes, self.current, self.picture = strokes_from(arrays, self.pen if pen is None else pen), None, None

    def set_picture(self, picture: object) -> None:
        """A raster digit becomes the drawing; strokes drawn afterwards add to it."""
        self.strokes, self.current, self.picture = [], None, picture

    def set_pen(self, width: float) -> bool:
        """The pen width, clamped to :data:`PEN_RANGE`; False when it did not change."""
        width = min(max(float(width), PEN_RANGE[0]), PEN_RANGE[1])
        if width == self.pen:
            return False
        self.pen = width
        return True
