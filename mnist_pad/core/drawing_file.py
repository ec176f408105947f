"""A drawing's strokes as a file: what File > Save drawing writes beside the PNG, File > Open reads back
(editable again: undo works, the pen is the one it was drawn with), and the recent drawings keep.

``{"format": "mnist-pad drawing", "version": 1, "aspect": 1.0, "pen": 0.05, "strokes": [[[x, y, p], ...], ...]}``
x and y are fractions of the canvas height (so x runs from 0 to ``aspect``: 1 for the digit pad, wider for a
number), pressure 0..1, the pen a fraction of the height (:mod:`mnist_pad.core.drawing`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .drawing import PEN_RANGE
from .files import BadInput, dumps_json, loads_json, read_limited, write_atomic
from .strokes import Strokes, check_strokes

FORMAT = "mnist-pad drawing"
VERSION = 1
SUFFIX = ".strokes.json"  # beside drawing.png: drawing.strokes.json
MAX_ASPECT = 8.0
MAX_BYTES = 16 << 20  # a drawing of thousands of strokes is well under 1 MB


@dataclass(frozen=True)
class SavedDrawing:
    strokes: Strokes
    aspect: float = 1.0
    pen: float | None = None  # None: draw it with the current pen


def strokes_to_json(strokes: Sequence[np.ndarray]) -> list:
    """Strokes as short JSON lists (4 decimals: 0.03 px on a 280 px canvas)."""
    return [np.round(np.asarray(s, np.float64), 4).tolist() for s in strokes]


def to_json(drawing: SavedDrawing) -> dict:
    return {"format": FORMAT, "version": VERSION, "aspect": drawing.aspect, "pen": drawing.pen,
            "strokes": strokes_to_json(drawing.strokes)}


def from_json(value: object, aspect: float = 1.0) -> SavedDrawing:
    """A drawing from its JSON (a dict as :func:`to_json` makes, or a bare list of strokes on a canvas of
    ``aspect``); ValueError saying what is wrong otherwise."""
    if isinstance(value, list):
        value = {"strokes": value, "aspect": aspect}
    if not isinstance(value, dict) or not isinstance(value.get("strokes"), list):
        raise ValueError("not a drawing: expected an object with a list of strokes")
    aspect, pen = value.get("aspect", 1.0), value.get("pen")
    if type(aspect) not in (int, float) or not 1.0 <= aspect <= MAX_ASPECT:
        raise ValueError(f"the aspect must be a number from 1 to {MAX_ASPECT:g}, not {aspect!r}")
    if pen is not None and (type(pen) not in (int, float) or not PEN_RANGE[0] <= pen <= PEN_RANGE[1]):
        raise ValueError(f"the pen must be a number from {PEN_RANGE[0]} to {PEN_RANGE[1]}, not {pen!r}")
    try:
        strokes = check_strokes(value["strokes"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad strokes: {exc}") from None
    for i, s in enumerate(strokes):
        if s[:, 0].min() < 0 or s[:, 0].max() > aspect or s[:, 1].min() < 0 or s[:, 1].max() > 1:
            raise ValueError(f"stroke {i} leaves the canvas (x from 0 to {aspect:g}, y from 0 to 1)")
    return SavedDrawing(strokes, float(aspect), None if pen is None else float(pen))


def drawing_path(png: str | os.PathLike) -> Path:
    """Where the strokes of a drawing saved as ``png`` go: ``name.png`` -> ``name.strokes.json``."""
    p = Path(png)
    return p.with_name(p.stem + SUFFIX) if p.suffix.lower() == ".png" else p.with_name(p.name + SUFFIX)


def save(path: str | os.PathLike, drawing: SavedDrawing) -> Path:
    return write_atomic(path, dumps_json(to_json(drawing)).encode())


def load(path: str | os.PathLike) -> SavedDrawing:
    """A drawing file; :class:`BadInput` naming the file and the fault otherwise."""
    raw = read_limited(path, MAX_BYTES, "drawing file")
    try:
        return from_json(loads_json(raw))
    except ValueError as exc:
        raise BadInput(f"{path}: {exc}") from None


def is_drawing_file(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(".json")
