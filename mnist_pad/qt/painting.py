"""Strokes and pictures as Qt images: how the canvas paints a drawing, segment by segment or whole, and the
conversions between numpy arrays and grayscale QImages. The same painting makes what the model path reads
(:func:`render_strokes`) and what the user sees, so the two never differ.

Coordinates are in units of the canvas height (:mod:`mnist_pad.qt.canvas`): a square canvas's x and y run
from 0 to 1, a wide one's x to its aspect ratio.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from ..core.drawing import DEFAULT_PEN, Stroke, strokes_from
from ..core.strokes import pen_scale

IMAGE_SIZE = 280  # height of the image handed to the model path, pixels (10x MNIST, like most draw-a-digit pads)


def _pressure_scale(pressure: float) -> float:
    """The same law as core.strokes.render (:func:`~mnist_pad.core.strokes.pen_scale`)."""
    return float(pen_scale(pressure))


def _paint_stroke(painter: QPainter, stroke: Stroke, side: float, color: QColor, first_segment: int = 0) -> None:
    """A round dot at the first point, then each segment from ``first_segment`` on as a line with round
    caps, as wide as the pen at the pressure of its ends. Segment by segment, so that the stroke being drawn
    can be painted incrementally and still come out pixel for pixel as a full repaint."""
    pts = stroke.points
    if not pts:
        return
    if first_segment == 0:
        x, y, p = pts[0]
        r = side * stroke.width * _pressure_scale(p) / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(x * side, y * side), r, r)
    pen = QPen(color, 1.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for (x0, y0, p0), (x1, y1, p1) in zip(pts[first_segment:], pts[first_segment + 1 :]):
        pen.setWidthF(side * stroke.width * _pressure_scale((p0 + p1) / 2))
        painter.setPen(pen)
        painter.drawLine(QPointF(x0 * side, y0 * side), QPointF(x1 * side, y1 * side))


def paint_strokes(painter: QPainter, strokes: list[Stroke], side: float, color: QColor) -> None:
    """Paint strokes at the painter's origin, antialiased; ``side`` is the canvas height in pixels (the unit of
    the strokes' coordinates and pen)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for stroke in strokes:
        _paint_stroke(painter, stroke, side, color)


def blank(width: int, height: int) -> QImage:
    img = QImage(width, height, QImage.Format.Format_Grayscale8)
    img.fill(0)
    return img


def paint_into(img: QImage, strokes: list[Stroke]) -> None:
    painter = QPainter(img)
    paint_strokes(painter, strokes, img.height(), QColor(255, 255, 255))
    painter.end()


def paint_tail(img: QImage, stroke: Stroke, first_segment: int) -> None:
    """Paint only the part of ``stroke`` from ``first_segment`` on (0: the whole stroke, with its dot)."""
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _paint_stroke(painter, stroke, img.height(), QColor(255, 255, 255), first_segment)
    painter.end()


def array_to_qimage(a: np.ndarray, width: int, height: int | None = None) -> QImage:
    """A 2-D image (uint8 0..255 or float 0..1, ink high) fitted into a (width, height) Grayscale8 QImage (square
    when ``height`` is None), its aspect ratio kept and centred (a photo of a number is not squeezed)."""
    a = np.asarray(a)
    a = a.astype(np.float32) / 255 if a.dtype == np.uint8 else a.astype(np.float32)
    height = width if height is None else height
    scale = min(width / a.shape[1], height / a.shape[0])
    h, w = max(1, round(a.shape[0] * scale)), max(1, round(a.shape[1] * scale))
    fitted = np.asarray(Image.fromarray(np.clip(a, 0, 1), mode="F").resize((w, h), Image.Resampling.BILINEAR))
    frame = np.zeros((height, width), np.float32)
    top, left = (height - h) // 2, (width - w) // 2
    frame[top : top + h, left : left + w] = fitted
    data = np.ascontiguousarray(frame * 255, dtype=np.uint8)
    return QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8).copy()  # copy: owns its pixels


def qimage_to_array(img: QImage) -> np.ndarray:
    """A Grayscale8 QImage as float32 (h, w) in 0..1 (copied: the QImage may change afterwards)."""
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, img.bytesPerLine())
    return buf[:, :w].astype(np.float32) / 255.0


def render_strokes(strokes: Sequence, size: int = IMAGE_SIZE, pen: float = DEFAULT_PEN,
                   aspect: float = 1.0) -> np.ndarray:
    """(N, 3) x, y, pressure strokes as a (size, round(size * aspect)) float32 image in 0..1, ink high on 0,
    painted exactly as the canvas paints them: what the model path reads."""
    img = blank(round(size * aspect), size)
    paint_into(img, strokes_from(strokes, pen))
    return qimage_to_array(img)
