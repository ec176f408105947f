"""The drawing canvas (in the spirit of labelme's ``Canvas``: a plain ``QWidget`` with typed signals and
small painting functions). What is drawn lives in a :class:`~mnist_pad.core.drawing.Drawing` (no Qt, tested
on its own); this widget turns pointer events into calls on it and paints it.

Strokes are resolution-independent, in the core format (:mod:`mnist_pad.core.strokes`): x and y fractions
(0..1) of the canvas square, the pen width a fraction of its side. So the same drawing renders identically
whatever the widget size or the screen's device pixel ratio, and :func:`mnist_pad.qt.painting.render_strokes`
turns it into the fixed-size grayscale image (ink high) that the model path reads, painted as the canvas paints.

A wide canvas (:meth:`Canvas.set_aspect`, for a number) keeps the same units: x and y are fractions of the
canvas *height* (x runs from 0 to the aspect ratio), so a digit has the same size and pen on either canvas.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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
    QPixmap,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..core.drawing import Drawing
from .painting import IMAGE_SIZE, array_to_qimage, blank, paint_into, paint_strokes, paint_tail, qimage_to_array

PAPER = QColor("#fbfbf8")
INK = QColor("#111111")
BOX_COLOURS = {"ok": QColor("#2e8b57"), "unsure": QColor("#e08a00"), "not_a_digit": QColor("#c0392b")}
WIDE_ASPECT = 4.0  # the wide canvas's width over its height: room for about eight digits side by side


class Canvas(QWidget):
    """Draw with the mouse or a tablet pen (pressure honoured). Ctrl+Z undoes the last stroke, Esc clears.

    ``drawing_changed`` fires on every change (each point added while drawing, undo, clear, set_strokes);
    ``stroke_finished`` when the pen lifts. Listeners should coalesce their work (see the pad)."""

    drawing_changed = Signal()
    stroke_finished = Signal()
    pen_width_changed = Signal(float)
    aspect_changed = Signal(float)
    box_clicked = Signal(int)  # the index of a box (set_boxes) whose tag was clicked

    def __init__(self, parent: QWidget | None = None, image_size: int = IMAGE_SIZE) -> None:
        super().__init__(parent)
        self.drawing = Drawing()  # the strokes and picture; this widget paints them and feeds it pointer events
        self._image_size = image_size  # the image's height; its width is this times the aspect
        self._aspect = 1.0
        self._done = blank(image_size, image_size)  # completed strokes, rendered once
        self._live: QImage | None = None  # _done plus the stroke in progress, painted a segment at a time
        self._boxes: list[tuple[tuple[int, int, int, int], str, str]] = []  # (box in image pixels, label, status)
        self._selected: int | None = None  # the box drawn bolder
        self._pixmap: QPixmap | None = None  # the completed strokes as shown (_strokes_pixmap)
        self._pixmap_key: tuple = ()
        self._version = 0
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
        self.drawing.set_picture(array_to_qimage(image, *self.image_shape()[::-1]))
        self._rerender()

    def aspect(self) -> float:
        """The canvas's width over its height: 1 (a digit) or :data:`WIDE_ASPECT` (a number)."""
        return self._aspect

    def set_aspect(self, aspect: float) -> None:
        """Widen the canvas for a number (or narrow it back to the square). The drawing stays where it is; a
        picture is fitted into the new shape again; strokes beyond a narrower canvas are cleared with the rest."""
        aspect = float(aspect)
        if aspect == self._aspect:
            return
        if aspect < self._aspect and any(s.points and max(p[0] for p in s.points) > aspect
                                         for s in self.drawing.strokes):
            self.drawing.clear()
        picture = None if self.drawing.picture is None else qimage_to_array(self.drawing.picture)
        self._aspect = aspect
        if picture is not None:
            strokes = self.drawing.strokes
            self.drawing.set_picture(array_to_qimage(picture, *self.image_shape()[::-1]))
            self.drawing.strokes = strokes
        self._boxes = []
        self.updateGeometry()
        self.aspect_changed.emit(aspect)
        self._rerender()

    def image_shape(self) -> tuple[int, int]:
        """(height, width) of :meth:`image`."""
        return self._image_size, round(self._image_size * self._aspect)

    def _base(self) -> QImage:
        picture = self.drawing.picture
        return blank(*self.image_shape()[::-1]) if picture is None else picture.copy()

    def image(self) -> np.ndarray:
        """The drawing as a float32 array of :meth:`image_shape` in 0..1, ink high."""
        return qimage_to_array(self._done if self._live is None else self._live)

    def prefix_image(self, count: int) -> np.ndarray:
        """The image of only the first ``count`` completed strokes (how the drawing looked back then)."""
        img = self._base()
        paint_into(img, self.drawing.strokes[:count])
        return qimage_to_array(img)

    def is_empty(self) -> bool:
        return self.drawing.is_empty()

    def set_boxes(self, boxes: list[tuple[tuple[int, int, int, int], str, str]]) -> None:
        """Frame parts of the drawing: (x0, y0, x1, y1 in :meth:`image` pixels, a label, a status of
        core.reading), e.g. the digits of a number; [] removes them."""
        if boxes != self._boxes:
            self._boxes = list(boxes)
            if self._selected is not None and self._selected >= len(boxes):
                self._selected = None
            self.update()

    def boxes(self) -> list[tuple[tuple[int, int, int, int], str, str]]:
        return list(self._boxes)

    def box_tag(self, index: int) -> QRectF:
        """Where box ``index``'s tag (its label, above its top-left corner) is, in widget coordinates: a press
        there emits ``box_clicked`` instead of starting a stroke."""
        area = self._area()
        scale = area.height() / self._image_size
        x0, y0 = self._boxes[index][0][:2]
        size = max(16.0, area.height() / 14)
        return QRectF(area.x() + x0 * scale - 3, area.y() + y0 * scale - 3 - size, size, size)

    def _tag_at(self, pos: QPointF) -> int | None:
        return next((i for i in range(len(self._boxes)) if self.box_tag(i).contains(pos)), None)

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
        self._version += 1  # the strokes may have changed in any way: the painted ones are painted again
        self._done = self._base()
        paint_into(self._done, self.drawing.strokes)
        self.update()
        self.drawing_changed.emit()

    # --- input ----------------------------------------------------------------------------------------------
    def _area(self) -> QRectF:
        """The drawing area: the largest centred rectangle of the canvas's aspect in the widget."""
        height = min(self.height(), self.width() / self._aspect)
        width = height * self._aspect
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def hasHeightForWidth(self) -> bool:
        return self._aspect > 1

    def heightForWidth(self, width: int) -> int:
        """A wide canvas asks for no more height than its width needs: the pad's other views get the rest."""
        return max(self.minimumHeight(), round(width / self._aspect))

    def widget_point(self, x: float, y: float) -> QPointF:
        """Widget coordinates of (x, y) in the strokes' units (fractions of the canvas height)."""
        area = self._area()
        return QPointF(area.x() + x * area.height(), area.y() + y * area.height())

    def _to_unit(self, pos: QPointF) -> tuple[float, float]:
        area = self._area()
        return (pos.x() - area.x()) / area.height(), (pos.y() - area.y()) / area.height()

    def _begin(self, pos: QPointF, pressure: float) -> None:
        self.drawing.begin(*self._to_unit(pos), pressure)
        self._live = self._done.copy()
        paint_tail(self._live, self.drawing.current, 0)
        self.update()
        self.drawing_changed.emit()

    def _extend(self, pos: QPointF, pressure: float) -> None:
        x, y = self._to_unit(pos)
        if not self.drawing.extend(x, y, pressure):
            return
        stroke = self.drawing.current
        paint_tail(self._live, stroke, len(stroke.points) - 2)
        self._update_around(stroke.points[-2], (x, y))
        self.drawing_changed.emit()

    def _update_around(self, a: tuple, b: tuple) -> None:
        """Repaint only the new segment's neighbourhood, not the whole canvas."""
        area = self._area()
        side = area.height()
        reach = side * self.drawing.pen / 2 + 2
        x0, x1 = sorted((a[0], b[0]))
        y0, y1 = sorted((a[1], b[1]))
        rect = QRectF(area.x() + x0 * side, area.y() + y0 * side, (x1 - x0) * side, (y1 - y0) * side)
        self.update(rect.adjusted(-reach, -reach, reach, reach).toAlignedRect())

    def _end(self) -> None:
        if not self.drawing.end():
            return
        self._done, self._live = self._live, None
        self.update()
        self.stroke_finished.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            tag = self._tag_at(event.position())
            if tag is not None:
                self.box_clicked.emit(tag)
            else:
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
        area = self._area()
        self._paint_background(painter, area)
        painter.save()
        painter.translate(area.topLeft())
        painter.setClipRect(QRectF(0, 0, area.width(), area.height()))
        if self.drawing.picture is not None:
            self._paint_picture(painter, area)
        painter.drawPixmap(QPointF(0, 0), self._strokes_pixmap(area))
        if self.drawing.current is not None:
            paint_strokes(painter, [self.drawing.current], area.height(), INK)
        if self.is_empty():
            self._paint_hint(painter, area)
        painter.restore()
        self._paint_boxes(painter, area)
        painter.end()

    def _strokes_pixmap(self, area: QRectF) -> QPixmap:
        """The completed strokes painted once at the screen's resolution, kept until they or the widget's size
        change: a repaint while drawing then paints only the stroke in progress (with many strokes on a wide
        canvas, painting every segment again took 3 ms a move)."""
        ratio = self.devicePixelRatioF()
        key = (round(area.width()), round(area.height()), ratio, len(self.drawing.strokes), self._version)
        if self._pixmap is None or self._pixmap_key != key:
            pixmap = QPixmap(max(1, round(area.width() * ratio)), max(1, round(area.height() * ratio)))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            paint_strokes(painter, self.drawing.strokes, area.height(), INK)
            painter.end()
            self._pixmap, self._pixmap_key = pixmap, key
        return self._pixmap

    def _paint_boxes(self, painter: QPainter, area: QRectF) -> None:
        """Each box dashed in its status's colour, its label on a tag above it (click it to look at the digit)."""
        scale = area.height() / self._image_size
        font = painter.font()
        font.setBold(True)
        for i, ((x0, y0, x1, y1), label, status) in enumerate(self._boxes):
            colour = BOX_COLOURS.get(status, BOX_COLOURS["unsure"])
            painter.setPen(QPen(colour, 1.5 if i != self._selected else 3.0, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            rect = QRectF(area.x() + x0 * scale, area.y() + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale)
            painter.drawRect(rect.adjusted(-3, -3, 3, 3))
            tag = self.box_tag(i)
            painter.fillRect(tag, colour)
            font.setPixelSize(max(10, round(tag.height() * 0.8)))
            painter.setFont(font)
            painter.setPen(QColor("white"))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)

    def select_box(self, index: int | None) -> None:
        """Draw box ``index`` bolder (the digit the pad's views show), or none."""
        if index != self._selected:
            self._selected = index
            self.update()

    def _paint_background(self, painter: QPainter, area: QRectF) -> None:
        painter.fillRect(self.rect(), self.palette().window())
        painter.fillRect(area, PAPER)
        painter.setPen(QPen(QColor("#c8c8c0"), 1))
        painter.drawRect(area.adjusted(0, 0, -1, -1))

    def _paint_picture(self, painter: QPainter, area: QRectF) -> None:
        """The raster digit as dark ink on the paper: inverted, multiplied onto the paper colour."""
        ink_dark = self.drawing.picture.copy()
        ink_dark.invertPixels()
        painter.save()
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(0, 0, area.width(), area.height()), ink_dark)
        painter.restore()

    def _paint_hint(self, painter: QPainter, area: QRectF) -> None:
        painter.setPen(QColor("#9a9a92"))
        font = painter.font()
        font.setPointSizeF(max(9.0, area.height() / 28))
        painter.setFont(font)
        hint = self.tr("draw a digit here") if self._aspect == 1 else self.tr("write a number here")
        painter.drawText(QRectF(0, 0, area.width(), area.height()), Qt.AlignmentFlag.AlignCenter, hint)
