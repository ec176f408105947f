"""What the user used lately, kept in the settings: model files and drawings, newest first, a click away
in the File menu, and the pad's drawing as it was when the window closed."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSettings

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


def strokes_to_json(strokes: Sequence[np.ndarray]) -> list:
    """Strokes ((N, 3) arrays of x, y, pressure in 0..1) as short JSON lists (4 decimals: 0.03 px on the
    canvas)."""
    return [np.round(np.asarray(s, np.float64), 4).tolist() for s in strokes]


def strokes_from_json(value: object) -> list[np.ndarray] | None:
    """The strokes back, or None when ``value`` is not a list of (N, 3) point lists in 0..1."""
    if not isinstance(value, list):
        return None
    try:
        strokes = [np.asarray(s, np.float32).reshape(-1, 3) for s in value]
    except (ValueError, TypeError):
        return None
    if any(len(s) == 0 or not np.all(np.isfinite(s)) or s.min() < 0 or s.max() > 1 for s in strokes):
        return None
    return strokes


def recent_drawings(settings: QSettings) -> list[dict]:
    """``{"strokes": [...], "label": int | None, "time": float}``, newest first (unreadable entries dropped)."""
    return [d for d in _read_list(settings, DRAWINGS_KEY)
            if isinstance(d, dict) and strokes_from_json(d.get("strokes")) is not None]


def add_recent_drawing(settings: QSettings, strokes: Sequence[np.ndarray], label: int | None) -> None:
    if not strokes:
        return
    entry = {"strokes": strokes_to_json(strokes), "label": label, "time": time.time()}
    drawings = [entry] + [d for d in recent_drawings(settings) if d["strokes"] != entry["strokes"]]
    settings.setValue(DRAWINGS_KEY, json.dumps(drawings[:MAX_DRAWINGS]))


def save_last_drawing(settings: QSettings, strokes: Sequence[np.ndarray]) -> None:
    settings.setValue(LAST_DRAWING_KEY, json.dumps(strokes_to_json(strokes)))


def last_drawing(settings: QSettings) -> list[np.ndarray] | None:
    return strokes_from_json(_read_list(settings, LAST_DRAWING_KEY)) or None
