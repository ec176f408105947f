"""The drawing canvas (in the spirit of labelme's ``Canvas``: a plain ``QWidget`` with typed signals and
small painting functions). What is drawn lives in a :class:`~mnist_pad.core.drawing.Drawing` (no Qt, tested
on its own); this widget turns pointer events into calls on it and paints it.

Strokes are resolution-independent, in the core format (:mod:`mnist_pad.core.strokes`): x and y fractions
(0..1) of the canvas square, the pen width a fraction of its side. So the same drawing renders identically
whatever the widget size or the screen's device pixel ratio, and :func:`render_strokes` turns it into the
fixed-size grayscale image (ink high) that the model path reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..core.drawing import DEFAULT_PEN, Drawing, Stroke, strokes_from
from ..core.strokes import pen_scale

IMAGE_SIZE = 280  # side of the image handed to the model path, pixels (10x MNIST, like most draw-a-digit pads)
PAPER = QColor("#fbfbf8")
INK = QColor("#111111")
BOX_COLOURS = {"ok": QColor("#2e8b57"), "unsure": QColor("#e08a00"), "not_a_digit": QColor("#c0392b")}


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
    """Paint strokes into a square of ``side`` pixels at the painter's origin, antialiased."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for stroke in strokes:
        _paint_stroke(painter, stroke, side, color)


def _blank(size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_Grayscale8)
    img.fill(0)
    return img


def _paint_into(img: QImage, strokes: list[Stroke]) -> None:
    painter = QPainter(img)
    paint_strokes(painter, strokes, img.width(), QColor(255, 255, 255))
    painter.end()


def _paint_tail(img: QImage, stroke: Stroke, first_segment: int) -> None:
    """Paint only the part of ``stroke`` from ``first_segment`` on (0: the whole stroke, with its dot)."""
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _paint_stroke(painter, stroke, img.width(), QColor(255, 255, 255), first_segment)
    painter.end()


def array_to_qimage(a: np.ndarray, size: int) -> QImage:
    """A 2-D image (uint8 0..255 or float 0..1, ink high) fitted into a (size, size) Grayscale8 QImage, its aspect
    ratio kept and centred (a photo of a number is not squeezed into a square)."""
    a = np.asarray(a)
    a = a.astype(np.float32) / 255 if a.dtype == np.uint8 else a.astype(np.float32)
    scale = size / max(a.shape)
    h, w = max(1, round(a.shape[0] * scale)), max(1, round(a.shape[1] * scale))
    fitted = np.asarray(Image.fromarray(np.clip(a, 0, 1), mode="F").resize((w, h), Image.Resampling.BILINEAR))
    square = np.zeros((size, size), np.float32)
    top, left = (size - h) // 2, (size - w) // 2
    square[top : top + h, left : left + w] = fitted
    data = np.ascontiguousarray(square * 255, dtype=np.uint8)
    return QImage(data.data, size, size, size, QImage.Format.Format_Grayscale8).copy()  # copy: owns its pixels


def qimage_to_array(img: QImage) -> np.ndarray:
    """A Grayscale8 QImage as float32 (h, w) in 0..1 (copied: the QImage may change afterwards)."""
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, img.bytesPerLine())
    return buf[:, :w].astype(np.float32) / 255.0


def render_strokes(strokes: Sequence, size: int = IMAGE_SIZE, pen: float = DEFAULT_PEN) -> np.ndarray:
    """(N, 3) x, y, pressure strokes as a (size, size) float32 image in 0..1, ink high on 0, painted exactly
    as the canvas paints them: what the model path reads."""
    img = _blank(size)
    _paint_into(img, strokes_from(strokes, pen))
    return qimage_to_array(img)


class Canvas(QWidget):
    """Draw with the mouse or a tablet pen (pressure honoured). Ctrl+Z undoes the last stroke, Esc clears.

    ``drawing_changed`` fires on every change (each point added while drawing, undo, clear, set_strokes);
    ``stroke_finished`` when the pen lifts. Listeners should coalesce their work (see the pad)."""

    drawing_changed = Signal()
    stroke_finished = Signal()
    pen_width_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None, image_size: int = IMAGE_SIZE) -> None:
        super().__init__(parent)
        self.drawing = Drawing()  # the strokes and picture; this widget paints them and feeds it pointer events
        self._image_size = image_size
        self._done = _blank(image_size)  # completed strokes, rendered once
        self._live: QImage | None = None  # _done plus the stroke in progress, painted a segment at a time
        self._boxes: list[tuple[tuple[int, int, int, int], str, str]] = []  # (box in image pixels, label, status)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip(self.tr("Draw a digit. Ctrl+Z: undo the last stroke, Esc: clear"))

    # --- the drawing --------------------------------------------------------------------------------------
    def strokes(self) -> list[np.ndarray]:
        """Completed strokes plus the one in progress, each a float32 (N, 3) array of x, y, pressure (the
        core format that core.strokes and the sample store use)."""
        return self.drawing.arrays()

    def set_strokes(self, strokes: Sequence, pen: float | None = None) -> None:
        """Replace the drawing (e.g. reload a saved sample), drawn with ``pen`` (default: the current pen)."""
        self.drawing.replace(strokes, pen)
        self._rerender()

    def set_picture(self, image: np.ndarray) -> None:
        """Show a raster digit (an MNIST image, say: 2-D, ink high, any size) as the drawing, scaled to the
        canvas; strokes drawn afterwards add to it. Clear, or undo with no strokes left, removes it."""
        self.drawing.set_picture(array_to_qimage(image, self._image_size))
        self._rerender()

    def _base(self) -> QImage:
        picture = self.drawing.picture
        return _blank(self._image_size) if picture is None else picture.copy()

    def image(self) -> np.ndarray:
        """The drawing as a (image_size, image_size) float32 array in 0..1, ink high."""
        return qimage_to_array(self._done if self._live is None else self._live)

    def prefix_image(self, count: int) -> np.ndarray:
        """The image of only the first ``count`` completed strokes (how the drawing looked back then)."""
        img = self._base()
        _paint_into(img, self.drawing.strokes[:count])
        return qimage_to_array(img)

    def is_empty(self) -> bool:
        return self.drawing.is_empty()

    def set_boxes(self, boxes: list[tuple[tuple[int, int, int, int], str, str]]) -> None:
        """Frame parts of the drawing: (x0, y0, x1, y1 in :meth:`image` pixels, a label, a status of
        core.reading), e.g. the digits of a number; [] removes them."""
        if boxes != self._boxes:
            self._boxes = list(boxes)
            self.update()

    def boxes(self) -> list[tuple[tuple[int, int, int, int], str, str]]:
        return list(self._boxes)

    def is_drawing(self) -> bool:
        """A stroke is in progress (the pen is down)."""
        return self.drawing.is_drawing()

    def stroke_count(self) -> int:
        """Completed strokes."""
        return len(self.drawing.strokes)

    def undo(self) -> None:
        if self.drawing.undo():
            self._rerender()

    def clear(self) -> None:
        if self.drawing.clear():
            self._rerender()

    def pen_width(self) -> float:
        return self.drawing.pen

    def set_pen_width(self, width: float) -> None:
        """Pen width as a fraction of the canvas side, clamped to :data:`~mnist_pad.core.drawing.PEN_RANGE`."""
        if self.drawing.set_pen(width):
            self.pen_width_changed.emit(self.drawing.pen)

    def _rerender(self) -> None:
        self._live = None
        self._done = self._base()
        _paint_into(self._done, self.drawing.strokes)
        self.update()
        self.drawing_changed.emit()

    # --- input ----------------------------------------------------------------------------------------------
    def _square(self) -> QRectF:
        """The drawing square: the largest centred square in the widget."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_unit(self, pos: QPointF) -> tuple[float, float]:
        sq = self._square()
        return (pos.x() - sq.x()) / sq.width(), (pos.y() - sq.y()) / sq.height()

    def _begin(self, pos: QPointF, pressure: float) -> None:
        self.drawing.begin(*self._to_unit(pos), pressure)
        self._live = self._done.copy()
        _paint_tail(self._live, self.drawing.current, 0)
        self.update()
        self.drawing_changed.emit()

    def _extend(self, pos: QPointF, pressure: float) -> None:
        x, y = self._to_unit(pos)
        if not self.drawing.extend(x, y, pressure):
            return
        stroke = self.drawing.current
        _paint_tail(self._live, stroke, len(stroke.points) - 2)
        self._update_around(stroke.points[-2], (x, y))
        self.drawing_changed.emit()

    def _update_around(self, a: tuple, b: tuple) -> None:
        """Repaint only the new segment's neighbourhood, not the whole canvas."""
        sq = self._square()
        reach = sq.width() * self.drawing.pen / 2 + 2
        x0, x1 = sorted((a[0], b[0]))
        y0, y1 = sorted((a[1], b[1]))
        rect = QRectF(sq.x() + x0 * sq.width(), sq.y() + y0 * sq.height(), (x1 - x0) * sq.width(), (y1 - y0) * sq.height())
        self.update(rect.adjusted(-reach, -reach, reach, reach).toAlignedRect())

    def _end(self) -> None:
        if not self.drawing.end():
            return
        self._done, self._live = self._live, None
        self.update()
        self.stroke_finished.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._end()

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Pen input with pressure; accepted, so that Qt does not also synthesise mouse events."""
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletMove and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        elif event.key() == Qt.Key.Key_Escape:
            self.clear()
        else:
            super().keyPressEvent(event)

    # --- painting (ordered layers, as labelme does) ---------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        sq = self._square()
        self._paint_background(painter, sq)
        painter.translate(sq.topLeft())
        painter.setClipRect(QRectF(0, 0, sq.width(), sq.height()))
        if self.drawing.picture is not None:
            self._paint_picture(painter, sq.width())
        paint_strokes(painter, self.drawing.all_strokes(), sq.width(), INK)
        if self.is_empty():
            self._paint_hint(painter, sq.width())
        self._paint_boxes(painter, sq.width())
        painter.end()

    def _paint_boxes(self, painter: QPainter, side: float) -> None:
        scale = side / self._image_size
        font = painter.font()
        font.setPointSizeF(max(8.0, side / 32))
        painter.setFont(font)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for (x0, y0, x1, y1), label, status in self._boxes:
            colour = BOX_COLOURS.get(status, BOX_COLOURS["unsure"])
            painter.setPen(QPen(colour, 1.5, Qt.PenStyle.DashLine))
            rect = QRectF(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale).adjusted(-3, -3, 3, 3)
            painter.drawRect(rect)
            painter.drawText(rect.adjusted(0, -font.pointSizeF() * 2, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)

    def _paint_background(self, painter: QPainter, sq: QRectF) -> None:
        painter.fillRect(self.rect(), self.palette().window())
        painter.fillRect(sq, PAPER)
        painter.setPen(QPen(QColor("#c8c8c0"), 1))
        painter.drawRect(sq.adjusted(0, 0, -1, -1))

    def _paint_picture(self, painter: QPainter, side: float) -> None:
        """The raster digit as dark ink on the paper: inverted, multiplied onto the paper colour."""
        ink_dark = self.drawing.picture.copy()
        ink_dark.invertPixels()
        painter.save()
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(0, 0, side, side), ink_dark)
        painter.restore()

    def _paint_hint(self, painter: QPainter, side: float) -> None:
        painter.setPen(QColor("#9a9a92"))
        font = painter.font()
        font.setPointSizeF(max(9.0, side / 28))
        painter.setFont(font)
        painter.drawText(QRectF(0, 0, side, side), Qt.AlignmentFlag.AlignCenter, self.tr("draw a digit here"))
