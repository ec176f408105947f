"""Views of the evaluation tab: the clickable confusion matrix, image lists and metric tables (and their
rows: a class without samples shows "–", not 0%).

The confusion matrix is coloured with exactly the mapping of the exported PNG (:func:`core.report.colour`).
Image lists are a :class:`QListView` over a model that makes each thumbnail only when it is painted, so a
cell of a thousand images opens at once and lists every one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsRectItem,
    QHeaderView,
    QLabel,
    QListView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.analysis import Comparison
from ..core.data import DIGITS
from ..core.evaluate import EvalResult, Report
from ..core.report import cell_text, colour
from .gallery import THUMB, thumbnail
from .results import NO_SAMPLES, signed_pp
from .theme import FollowsPalette, plot_colours, recolour_plot

AnyIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invalid index: a list model's parent


class _Cells(pg.ImageItem):
    """The matrix image; a left click reports the cell (row = true class, column = predicted class)."""

    clicked = Signal(int, int)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.image is None:
            return
        row, col = int(ev.pos().y()), int(ev.pos().x())
        if 0 <= row < self.image.shape[0] and 0 <= col < self.image.shape[1]:
            ev.accept()
            self.clicked.emit(row, col)


class ConfusionView(FollowsPalette, pg.PlotWidget):
    """Counts or row-normalised fractions of a result, colour-mapped; ``cell_clicked(true, predicted)``.
    Before the first result it shows the empty matrix of the digits: its axes already say what they are.
    The aspect is free: the cells fill the whole plot, however wide or tall (square cells in a view of
    another shape would leave empty bands around the matrix)."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseEnabled(False, False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.invertY(True)
        self.setAspectLocked(False)
        self.setLabel("left", self.tr("true class"))
        self.setLabel("bottom", self.tr("predicted class"))
        self.setTitle("")  # the title's row from the start: a result's title then moves no cell
        self.cells = _Cells(axisOrder="row-major")
        self.cells.clicked.connect(self.cell_clicked)
        self.addItem(self.cells)
        self.marker = QGraphicsRectItem(0, 0, 1, 1)
        pen = QPen(QColor("#e8491d"), 3)
        pen.setCosmetic(True)  # 3 pixels wide along every side, however the cells are stretched
        self.marker.setPen(pen)
        self.marker.setVisible(False)
        self.addItem(self.marker)
        self._texts: list[pg.TextItem] = []
        self._make_texts(len(DIGITS))  # at construction, so that showing the first result does not stall
        self.normalised = False
        self.result: EvalResult | None = None
        self._set_axes(DIGITS)
        self.follow_palette()

    def recolour(self) -> None:
        background, foreground = plot_colours(self.palette())
        self.setBackground(background)
        recolour_plot(self.getPlotItem(), foreground)

    def set_result(self, result: EvalResult | None, title: str = "") -> None:
        self.result = result
        self.setTitle(title)
        self.marker.setVisible(False)
        self._draw()

    def set_normalised(self, on: bool) -> None:
        self.normalised = on
        self._draw()

    def select(self, true: int, predicted: int) -> None:
        self.marker.setRect(QRectF(predicted, true, 1, 1))
        self.marker.setVisible(True)

    def text_of(self, true: int, predicted: int) -> str:
        """What the cell shows (tests read it)."""
        return self._texts[true * len(self.result.report.classes) + predicted].textItem.toPlainText()

    def _draw(self) -> None:
        if self.result is None:
            self.cells.clear()
            self._make_texts(0)
            self._set_axes(DIGITS)
            return
        classes = self.result.report.classes
        k = len(classes)
        fractions = self.result.normalised_confusion()
        counts = np.asarray(self.result.report.confusion)
        rgb = np.array([[colour(f) for f in row] for row in fractions], np.uint8)
        self.cells.setImage(rgb, levels=(0, 255), autoLevels=False)
        self._make_texts(k)
        for i in range(k):
            for j in range(k):
                text = cell_text(int(counts[i, j]), fractions[i, j], self.normalised)
                self._texts[i * k + j].setText(text, color="k" if sum(rgb[i, j].tolist()) > 380 else "w")
        self._set_axes(classes)

    def _set_axes(self, classes: Sequence[str]) -> None:
        """One tick per class, in the middle of its row and column; the view spans the whole matrix."""
        ticks = [[(i + 0.5, name[:7]) for i, name in enumerate(classes)]]
        self.getAxis("left").setTicks(ticks)
        self.getAxis("bottom").setTicks(ticks)
        self.setRange(xRange=(0, len(classes)), yRange=(0, len(classes)), padding=0.02)

    def _make_texts(self, k: int) -> None:
        """One text item per cell, made once per matrix size (making 100 items costs a visible stall)."""
        if len(self._texts) == k * k:
            return
        for item in self._texts:
            self.removeItem(item)
        self._texts = []
        for i in range(k):
            for j in range(k):
                item = pg.TextItem(anchor=(0.5, 0.5))
                item.setPos(j + 0.5, i + 0.5)
                self.addItem(item)
                self._texts.append(item)


class ImageListModel(QAbstractListModel):
    """Rows are indices into ``images`` (uint8 (n, 28, 28), ink high); thumbnails are made when painted."""

    def __init__(self) -> None:
        super().__init__()
        self.images = np.zeros((0, 28, 28), np.uint8)
        self.indices = np.zeros(0, np.int64)
        self._caption: Callable[[int], str] = str
        self._tooltip: Callable[[int], str] = str

    def set_items(self, images: np.ndarray, indices: Sequence[int], caption: Callable[[int], str],
                  tooltip: Callable[[int], str] | None = None) -> None:
        """``caption(i)`` and ``tooltip(i)`` take an index into ``images``."""
        self.beginResetModel()
        self.images, self.indices = images, np.asarray(indices, np.int64)
        self._caption, self._tooltip = caption, tooltip or caption
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.indices)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        i = int(self.indices[index.row()])
        if role == Qt.ItemDataRole.DecorationRole:
            return thumbnail(self.images[i])
        if role == Qt.ItemDataRole.DisplayRole:
            return self._caption(i)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(i)
        return None


class ImageList(QWidget):
    """A titled grid of thumbnails; clicking one emits ``chosen(index into images)``."""

    chosen = Signal(int)

    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(hint)
        self.title.setWordWrap(True)
        self.model = ImageListModel()
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setGridSize(QSize(THUMB + 48, THUMB + 24))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setModel(self.model)
        self.view.clicked.connect(lambda index: self.chosen.emit(int(self.model.indices[index.row()])))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)

    def show_items(self, title: str, images: np.ndarray, indices: Sequence[int], caption: Callable[[int], str],
                   tooltip: Callable[[int], str] | None = None) -> None:
        self.title.setText(title)
        self.model.set_items(images, indices, caption, tooltip)
        self.view.scrollToTop()

    def indices(self) -> list[int]:
        return self.model.indices.tolist()


def table(headers: Sequence[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    return t


def fill_table(t: QTableWidget, rows: Sequence[Sequence[str]], colours: Sequence[str | None] | None = None) -> None:
    """Set every cell's text; ``colours[r]`` (a CSS colour or None) tints row r's last column: its background,
    translucent, so that the text keeps the theme's colour and reads in a light and a dark table alike."""
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if colours and colours[r] and c == len(row) - 1:
                tint = QColor(colours[r])
                tint.setAlpha(70)
                item.setBackground(QBrush(tint))
            t.setItem(r, c, item)


def metrics_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """Rows of the per-class table: class, precision, recall, F1, support. A class without samples has no
    recall nor F1, and no precision unless the model predicted it (then 0%: every such prediction is wrong)."""
    predicted = np.asarray(report.confusion).sum(0)
    rows = []
    for c, m, n in zip(report.classes, report.per_class, predicted):
        sampled = m["support"] > 0
        rows.append((c, f"{m['precision']:.1%}" if sampled or n else NO_SAMPLES,
                     f"{m['recall']:.1%}" if sampled else NO_SAMPLES, f"{m['f1']:.1%}" if sampled else NO_SAMPLES,
                     f"{int(m['support'])}"))
    return rows


def comparison_rows(cmp: Comparison) -> tuple[list[tuple[str, str, str, str]], list[str | None]]:
    """Rows of the per-class comparison table (class, accuracy A, accuracy B, B − A) and the tints of their
    differences for :func:`fill_table`: green where B is better, red where it is worse."""
    rows, tints = [], []
    for c in cmp.per_class:
        if not c["support"]:
            rows.append((c["class"], NO_SAMPLES, NO_SAMPLES, NO_SAMPLES))
            tints.append(None)
            continue
        difference = signed_pp(c["difference"] * 100)
        rows.append((c["class"], f"{c['accuracy_a']:.2%}", f"{c['accuracy_b']:.2%}", difference))
        tints.append(None if difference.startswith("±") else "#1e8449" if c["difference"] > 0 else "#c0392b")
    return rows, tints
