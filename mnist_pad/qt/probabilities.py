"""The 10 class probabilities as a bar chart (top class highlighted) and the stroke-by-stroke timeline."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from .theme import FollowsPalette, plot_colours, recolour_plot

BAR = "#5b6b7f"
TOP = "#f0a030"  # the top class when the model is confident
TOP_UNSURE = "#a08a60"  # the top class when it is not
ON_BAR = "#1b1b1b"  # a label inside a bar: dark on the top class's light bar colours, in either theme
# one colour per class, told apart easily (matplotlib's "tab10")
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _plot(widget: pg.PlotWidget) -> None:
    widget.setMenuEnabled(False)
    widget.setMouseEnabled(False, False)
    widget.hideButtons()
    widget.getPlotItem().setDefaultPadding(0.0)


class ProbabilityChart(FollowsPalette, pg.PlotWidget):
    """The top class's bar carries its probability as a label: above the bar where the label fits below the
    top of the plot, else inside the bar, under its top, on a patch of the bar's colour as wide as the text
    (a 96% bar leaves no room above it, and "96%" is wider than a bar)."""

    def __init__(self, classes: int = 10, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _plot(self)
        self.classes = classes
        self.setYRange(0, 1.08, padding=0)
        self.setXRange(-0.6, classes - 0.4, padding=0)
        self.getAxis("bottom").setTicks([[(i, str(i)) for i in range(classes)]])
        self.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        self.showGrid(y=True, alpha=0.15)
        self.bars = pg.BarGraphItem(x=np.arange(classes), height=np.zeros(classes), width=0.72, brushes=[BAR] * classes, pen=None)
        self.addItem(self.bars)
        self.top_text = pg.TextItem(anchor=(0.5, 1.0))
        self.addItem(self.top_text)
        self.heights = np.zeros(classes)
        self._top: int | None = None
        self._top_colour = TOP
        self.getViewBox().sigResized.connect(lambda _: self._place_label())  # the room above a bar is in pixels
        self.follow_palette()

    def recolour(self) -> None:
        background, foreground = plot_colours(self.palette())
        self.setBackground(background)
        recolour_plot(self.getPlotItem(), foreground)
        self._place_label()

    def set_probabilities(self, probs: np.ndarray | None, confident: bool) -> None:
        """``None`` (an empty drawing) empties the chart."""
        if probs is None:
            self.heights = np.zeros(self.classes)
            self.bars.setOpts(height=self.heights, brushes=[BAR] * self.classes)
            self._top = None
            self.top_text.setText("")
            return
        self._top = int(probs.argmax())
        self._top_colour = TOP if confident else TOP_UNSURE
        brushes = [BAR] * self.classes
        brushes[self._top] = self._top_colour
        self.heights = np.asarray(probs, float)
        self.bars.setOpts(height=self.heights, brushes=brushes)
        self.top_text.setText(f"{probs[self._top]:.0%}")
        self._place_label()

    def _place_label(self) -> None:
        """Above the top bar or inside it, and moved sideways as far as needed to stay within the plot."""
        if self._top is None:
            return
        (x0, x1), (_, y1) = self.viewRange()
        per_px_x, per_px_y = self.getViewBox().viewPixelSize()
        text = self.top_text.boundingRect()  # in pixels, with the text's margins
        height = float(self.heights[self._top])
        inside = height + text.height() * per_px_y > y1
        half = (text.width() / 2 + 1) * per_px_x  # a pixel clear of the edge
        self.top_text.setPos(min(max(float(self._top), x0 + half), x1 - half), height)
        self.top_text.setAnchor((0.5, 0.0 if inside else 1.0))
        self.top_text.setColor(QColor(ON_BAR) if inside else plot_colours(self.palette())[1])
        self.top_text.fill = pg.mkBrush(self._top_colour if inside else None)
        self.top_text.update()


class Timeline(FollowsPalette, pg.PlotWidget):
    """Each class's probability after each stroke of the current drawing: how the answer formed."""

    def __init__(self, classes: int = 10, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _plot(self)
        self.setYRange(0, 1.3, padding=0.02)  # the legend sits above the 100% line, clear of the curves
        self.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        self.setLabel("bottom", self.tr("strokes"))
        self.addLegend(offset=(-4, 4), colCount=5)
        colours = [CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(classes)]
        self.curves = [
            self.plot([], [], pen=pg.mkPen(c, width=2), symbol="o", symbolSize=6, symbolBrush=c, symbolPen=None, name=str(i))
            for i, c in enumerate(colours)
        ]
        self.history = np.zeros((0, classes))
        self.labels: list[str] | None = None
        self.follow_palette()

    def _ticks(self, last: int) -> list[tuple[int, str]]:
        """Each stroke's count, or its label; labels that would overlap (long numbers, many strokes) are
        thinned to every k-th, the last one always shown."""
        if not self.labels:
            return [(i, str(i)) for i in range(1, last + 1)]
        room = max(self.width() - 60, 100) / last
        needed = max(self.fontMetrics().horizontalAdvance(t) for t in self.labels) + 8
        every = max(1, -(-round(needed) // max(1, round(room))))
        n = len(self.labels)
        return [(i, self.labels[i - 1]) for i in range(1, n + 1) if (n - i) % every == 0]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "labels", None):  # pyqtgraph resizes once inside the base class's __init__
            self.getAxis("bottom").setTicks([self._ticks(max(len(self.history), 4))])

    def recolour(self) -> None:
        background, foreground = plot_colours(self.palette())
        self.setBackground(background)
        legend = QColor(background)
        legend.setAlpha(200)
        self.getPlotItem().legend.setBrush(legend)
        recolour_plot(self.getPlotItem(), foreground)

    def set_history(self, history: list[np.ndarray], labels: list[str] | None = None) -> None:
        """One probability vector per stroke (NaN rows for strokes that left no ink on the canvas); ``labels``,
        when given, name each stroke on the axis (the number read after it) instead of its count."""
        self.history = np.array(history, float).reshape(len(history), len(self.curves))
        self.labels = list(labels) if labels is not None else None
        x = np.arange(1, len(history) + 1)
        for i, curve in enumerate(self.curves):
            curve.setData(x, self.history[:, i])
        last = max(len(history), 4)
        self.setXRange(0.5, last + (0.5 if labels is None else 1.0), padding=0)  # room for the last number
        self.getAxis("bottom").setTicks([self._ticks(last)])
        self.setLabel("bottom", self.tr("strokes") if labels is None else self.tr("the number after each stroke"))
