"""The 10 class probabilities as a bar chart (top class highlighted) and the stroke-by-stroke timeline."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from .images import BACKGROUND

BAR = "#5b6b7f"
TOP = "#f0a030"  # the top class when the model is confident
TOP_UNSURE = "#a08a60"  # the top class when it is not
# one colour per class, told apart easily (matplotlib's "tab10")
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _plot(widget: pg.PlotWidget) -> None:
    widget.setBackground(BACKGROUND)
    widget.setMenuEnabled(False)
    widget.setMouseEnabled(False, False)
    widget.hideButtons()
    widget.getPlotItem().setDefaultPadding(0.0)


class ProbabilityChart(pg.PlotWidget):
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
        self.top_text = pg.TextItem(anchor=(0.5, 1.0), color="#e8e8e8")
        self.addItem(self.top_text)
        self.heights = np.zeros(classes)

    def set_probabilities(self, probs: np.ndarray | None, confident: bool) -> None:
        """``None`` (an empty drawing) empties the chart."""
        if probs is None:
            self.heights = np.zeros(self.classes)
            self.bars.setOpts(height=self.heights, brushes=[BAR] * self.classes)
            self.top_text.setText("")
            return
        top = int(probs.argmax())
        brushes = [BAR] * self.classes
        brushes[top] = TOP if confident else TOP_UNSURE
        self.heights = np.asarray(probs, float)
        self.bars.setOpts(height=self.heights, brushes=brushes)
        self.top_text.setText(f"{probs[top]:.0%}")
        self.top_text.setPos(top, min(float(probs[top]) + 0.08, 1.08))


class Timeline(pg.PlotWidget):
    """Each class's probability after each stroke of the current drawing: how the answer formed."""

    def __init__(self, classes: int = 10, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _plot(self)
        self.setYRange(0, 1.3, padding=0.02)  # the legend sits above the 100% line, clear of the curves
        self.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        self.setLabel("bottom", "strokes")
        self.addLegend(offset=(-4, 4), colCount=5, labelTextColor="#dddddd", brush=pg.mkBrush(30, 31, 34, 200))
        colours = [CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(classes)]
        self.curves = [
            self.plot([], [], pen=pg.mkPen(c, width=2), symbol="o", symbolSize=6, symbolBrush=c, symbolPen=None, name=str(i))
            for i, c in enumerate(colours)
        ]
        self.history = np.zeros((0, classes))

    def set_history(self, history: list[np.ndarray]) -> None:
        """One probability vector per stroke (NaN rows for strokes that left no ink on the canvas)."""
        self.history = np.array(history, float).reshape(len(history), len(self.curves))
        x = np.arange(1, len(history) + 1)
        for i, curve in enumerate(self.curves):
            curve.setData(x, self.history[:, i])
        last = max(len(history), 4)
        self.setXRange(0.5, last + 0.5, padding=0)
        self.getAxis("bottom").setTicks([[(i, str(i)) for i in range(1, last + 1)]])
