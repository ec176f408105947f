"""Live training curves: loss and accuracy against the step, one line per series (train, validation).

Points are appended as progress reports arrive; each append is one ``setData`` of a few hundred points,
cheap enough to run on the UI thread at every report. What is expensive is pyqtgraph re-laying out an axis:
with a grid and an x range that grows with every point, one report cost 17-40 ms of the UI thread on a
2-core machine; without the grid and with the step axis fixed to the job's length (:meth:`set_steps`),
2-10 ms. So: no grid, the x axis spans the whole job from its first report (which also shows how far
along it is), and the y axes have a fixed width, so that tick labels of another width do not resize and
re-lay out the plots.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from .theme import FollowsPalette, plot_colours, recolour_plot

AXIS_WIDTH = 52  # pixels for the y axis' tick labels, "0.535" or "100" included
COLOURS = {"train": "#4c8bf5", "validation": "#f5a04c", "held-out": "#4cc38a"}


class LiveCurves(FollowsPalette, pg.GraphicsLayoutWidget):
    """Two plots side by side, ``loss`` and ``accuracy`` (in %), sharing the step axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots = {
            "loss": self.addPlot(row=0, col=0, title="loss"),
            "accuracy": self.addPlot(row=0, col=1, title="accuracy (%)"),
        }
        for plot in self.plots.values():
            plot.setLabel("bottom", "step")
            plot.getAxis("left").setWidth(AXIS_WIDTH)  # fixed: tick labels of a new width would re-lay out the plot
            plot.addLegend(offset=(-10, 10))
            plot.setMenuEnabled(False)
        self.plots["accuracy"].setXLink(self.plots["loss"])
        self.plots["accuracy"].setYRange(0, 100, padding=0.02)  # a fixed scale: 99.9% must not look like a dive
        self.plots["accuracy"].enableAutoRange(axis="y", enable=False)
        self._series: dict[tuple[str, str], tuple[pg.PlotDataItem, list[float], list[float]]] = {}
        self._steps = 0
        self.follow_palette()

    def recolour(self) -> None:
        background, foreground = plot_colours(self.palette())
        self.setBackground(background)
        for plot in self.plots.values():
            recolour_plot(plot, foreground)

    def set_steps(self, steps: int) -> None:
        """Fix the step axis to 0..``steps`` (the plots share it); until then it follows the points."""
        if steps > 0 and steps != self._steps:
            self._steps = steps
            self.plots["loss"].setXRange(0, steps, padding=0.02)
            self.plots["loss"].enableAutoRange(axis="x", enable=False)

    def add_point(self, plot: str, series: str, x: float, y: float) -> None:
        key = (plot, series)
        if key not in self._series:
            colour = COLOURS.get(series, "#888888")
            item = self.plots[plot].plot(name=series, pen=pg.mkPen(colour, width=2), symbol="o" if series != "train" else None,
                                         symbolSize=5, symbolBrush=colour, symbolPen=None)
            self._series[key] = (item, [], [])
        item, xs, ys = self._series[key]
        xs.append(float(x))
        ys.append(float(y))
        item.setData(np.asarray(xs), np.asarray(ys))

    def points(self, plot: str, series: str) -> list[tuple[float, float]]:
        _, xs, ys = self._series.get((plot, series), (None, [], []))
        return list(zip(xs, ys))

    def clear_curves(self) -> None:
        for plot in self.plots.values():
            plot.clear()
            if plot.legend is not None:
                plot.legend.clear()
        self._series.clear()
        self._steps = 0
        self.plots["loss"].enableAutoRange(axis="x", enable=True)
