"""What the user used lately, kept in the settings: model files and drawings, newest first, a click away
in the File menu, and the pad's drawing as it was when the window closed."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSettings

from ..core import drawing_file
from ..core.drawing_file import SavedDrawing

MODELS_KEY = "recent/models"
DRAWINGS_KEY = "recent/drawings"
LAST_DRAWING_KEY = "pad/drawing"
MAX_MODELS = 8
MAX_DRAWINGS = 10


def _read_list(settings: QSettings, key: str) -> list:
    try:
        value = json.loads(str(settings.value(key, "[]") or "[]"))
    except ValueError:  # an edited or damaged settings file: start the list again
        return []
    return value if isinstance(value, list) else []


def recent_models(settings: QSettings) -> list[str]:
    return [p for p in _read_list(settings, MODELS_KEY) if isinstance(p, str)]


def add_recent_model(settings: QSettings, path: str) -> None:
    paths = [path] + [p for p in recent_models(settings) if p != path]
    settings.setValue(MODELS_KEY, json.dumps(paths[:MAX_MODELS]))


def _drawing(value: object) -> SavedDrawing | None:
    """A kept drawing (a dict of core.drawing_file, or the bare list of strokes older versions kept), or None
    when it is unreadable (an edited or damaged settings file)."""
    try:
        return drawing_file.from_json(value)
    except ValueError:
        return None


def recent_drawings(settings: QSettings) -> list[dict]:
    """``{"strokes": [...], "aspect": float, "label": int | None, "time": float}``, newest first (unreadable
    entries dropped)."""
    return [d for d in _read_list(settings, DRAWINGS_KEY) if isinstance(d, dict) and _drawing(d) is not None]


def drawing_of(entry: dict) -> SavedDrawing:
    """The drawing of an entry of :func:`recent_drawings`."""
    return drawing_file.from_json(entry)


def add_recent_drawing(settings: QSettings, strokes: Sequence[np.ndarray], label: int | None,
                       aspect: float = 1.0) -> None:
    if not strokes:
        return
    entry = {"strokes": drawing_file.strokes_to_json(strokes), "aspect": aspect, "label": label, "time": time.time()}
    drawings = [entry] + [d for d in recent_drawings(settings)
                          if (d["strokes"], d.get("aspect", 1.0)) != (entry["strokes"], aspect)]
    settings.setValue(DRAWINGS_KEY, json.dumps(drawings[:MAX_DRAWINGS]))


def save_last_drawing(settings: QSettings, strokes: Sequence[np.ndarray], aspect: float = 1.0) -> None:
    settings.setValue(LAST_DRAWING_KEY, json.dumps(drawing_file.to_json(SavedDrawing(strokes, aspect))))


def last_drawing(settings: QSettings) -> SavedDrawing | None:
    try:
        value = json.loads(str(settings.value(LAST_DRAWING_KEY, "[]") or "[]"))
    except ValueError:
        return None
    drawing = _drawing(value)
    return drawing if drawing is not None and drawing.strokes else None
