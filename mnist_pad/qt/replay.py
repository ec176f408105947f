"""Replay strokes into a canvas as real mouse events (press, moves with the button held, release), the way
a user draws: for the screenshot and latency scripts and the tests. A raw ``QMouseEvent`` is sent for the
moves because test helpers such as ``qtbot.mouseMove`` carry no button state (as labelme's tests note)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from .canvas import Canvas


def canvas_point(canvas: Canvas, x: float, y: float) -> QPointF:
    """Widget coordinates of (x, y) given as fractions of the canvas's height (of its side when square)."""
    return canvas.widget_point(x, y)


def send_mouse(canvas: Canvas, kind: QEvent.Type, pos: QPointF) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    button = none if kind == QEvent.Type.MouseMove else left
    buttons = none if kind == QEvent.Type.MouseButtonRelease else left
    event = QMouseEvent(kind, pos, canvas.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, event)


def replay(canvas: Canvas, strokes: Sequence[Sequence[tuple[float, float]]],
           after_move: Callable[[], None] | None = None) -> None:
    """Draw each stroke (a sequence of (x, y) in 0..1 of the canvas side) point by point;
    ``after_move`` runs after every event (e.g. ``QApplication.processEvents`` to let the pad update)."""
    for points in strokes:
        kinds = [QEvent.Type.MouseButtonPress] + [QEvent.Type.MouseMove] * (len(points) - 1)
        for kind, (x, y) in zip(kinds, points):
            send_mouse(canvas, kind, canvas_point(canvas, x, y))
            if after_move:
                after_move()
        send_mouse(canvas, QEvent.Type.MouseButtonRelease, canvas_point(canvas, *points[-1]))
        if after_move:
            after_move()
