"""Live training curves: loss and accuracy against the step, one line per series (train, validation).

Points are appended as progress reports arrive; each append is one ``setData`` of a few hundred points,
cheap enough to run on the UI thread at every report. What is expensive is pyqtgraph re-laying out an axis:
with a grid and an x range that grows with every point, one report cost 17-40 ms of the UI thread on a
2-core machine; without the grid and with the step axis fixed to the job's length (:meth:`set_steps`),
2-10 ms. So: no grid, the x axis spans the whole job from its first report (which also shows how far
along it is), the loss axis only moves when the largest loss passes a tenth (it starts at 0), and the
y axes have a fixed width, so that tick labels of another width do not resize and re-lay out the plots.

Until the first report the plots show no step numbers (an axis from 0 to 1 would mean nothing). One legend
for both plots lies beneath them, where it covers no curve.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QSizePolicy, QWidget

from .i18n import translate
from .theme import FollowsPalette, plot_colours, recolour_plot

AXIS_WIDTH = 52  # pixels for the y axis' tick labels, "0.535" or "100" included
COLOURS = {"train": "#4c8bf5", "validation": "#f5a04c", "held-out": "#4cc38a"}
# a series' key (what add_point is called with) -> its name in the legend
SERIES = {"train": QT_TRANSLATE_NOOP("LiveCurves", "train"),
          "validation": QT_TRANSLATE_NOOP("LiveCurves", "validation"),
          "held-out": QT_TRANSLATE_NOOP("LiveCurves", "held-out")}
ACCURACY_RANGE = (-2.0, 104.0)  # a fixed scale (99.9% must not look like a dive), 100% clear of the top frame
MIN_LOSS_TOP = 0.1  # the loss axis spans 0 to at least this: a loss moving by 0.02 must not look like a swing


def series_name(series: str) -> str:
    """The legend's name of ``series`` in the interface's language."""
    return translate("LiveCurves", SERIES[series]) if series in SERIES else series


def loss_top(largest: float) -> float:
    """The top of the loss axis for a largest loss of ``largest``: a tenth above it or more, rounded up to a
    tenth (so that the axis moves only now and then), and at least :data:`MIN_LOSS_TOP`."""
    return max(MIN_LOSS_TOP, math.ceil(largest * 1.05 * 10) / 10)


class LiveCurves(FollowsPalette, pg.GraphicsLayoutWidget):
    """Two plots side by side, ``loss`` and ``accuracy`` (in %), sharing the step axis, and their legend
    beneath them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots = {
            "loss": self.addPlot(row=0, col=0, title=self.tr("loss")),
            "accuracy": self.addPlot(row=0, col=1, title=self.tr("accuracy (%)")),
        }
        self.legend = pg.LegendItem(colCount=len(SERIES), frame=False)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # as wide as its entries
        self.addItem(self.legend, row=1, col=0, colspan=2)
        self.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        for plot in self.plots.values():
            plot.setLabel("bottom", self.tr("step"))
            plot.getAxis("left").setWidth(AXIS_WIDTH)  # fixed: tick labels of a new width would re-lay out the plot
            plot.legend = self.legend  # one legend for both plots (entries are added once per series, below)
            plot.setMenuEnabled(False)
        self.plots["accuracy"].setXLink(self.plots["loss"])
        self.plots["accuracy"].setYRange(*ACCURACY_RANGE, padding=0)
        self.plots["accuracy"].enableAutoRange(axis="y", enable=False)
        self.plots["loss"].enableAutoRange(axis="y", enable=False)  # from 0, set as points come (:func:`loss_top`)
        self._series: dict[tuple[str, str], tuple[pg.PlotDataItem, list[float], list[float]]] = {}
        self._named: set[str] = set()  # the series in the legend
        self._steps = 0
        self._loss_top = 0.0
        self._show_numbers(False)
        self.follow_palette()

    def recolour(self) -> None:
        background, foreground = plot_colours(self.palette())
        self.setBackground(background)
        for plot in self.plots.values():
            recolour_plot(plot, foreground)

    def is_empty(self) -> bool:
        return not self._series and not self._steps

    def set_steps(self, steps: int) -> None:
        """Fix the step axis to 0..``steps`` (the plots share it); until then it follows the points."""
        if steps > 0 and steps != self._steps:
            self._show_numbers(True)
            self._steps = steps
            self.plots["loss"].setXRange(0, steps, padding=0.02)
            self.plots["loss"].enableAutoRange(axis="x", enable=False)

    def add_point(self, plot: str, series: str, x: float, y: float) -> None:
        key = (plot, series)
        if key not in self._series:
            self._show_numbers(True)
            colour = COLOURS.get(series, "#888888")
            item = self.plots[plot].plot(pen=pg.mkPen(colour, width=2), symbol="o" if series != "train" else None,
                                         symbolSize=5, symbolBrush=colour, symbolPen=None)
            if series not in self._named:
                self._named.add(series)
                self.legend.addItem(item, series_name(series))
            self._series[key] = (item, [], [])
        item, xs, ys = self._series[key]
        xs.append(float(x))
        ys.append(float(y))
        item.setData(np.asarray(xs), np.asarray(ys))
        if plot == "loss" and math.isfinite(y) and y > self._loss_top * 0.95:
            self._fit_loss()

    def points(self, plot: str, series: str) -> list[tuple[float, float]]:
        _, xs, ys = self._series.get((plot, series), (None, [], []))
        return list(zip(xs, ys))

    def clear_curves(self) -> None:
        for plot in self.plots.values():
            plot.clear()
        self.legend.clear()
        self._named.clear()
        self._series.clear()
        self._steps = 0
        self._loss_top = 0.0
        self.plots["loss"].enableAutoRange(axis="x", enable=True)
        self._show_numbers(False)

    def _fit_loss(self) -> None:
        largest = max((max((v for v in ys if math.isfinite(v)), default=0.0)
                       for (plot, _), (_, _, ys) in self._series.items() if plot == "loss"), default=0.0)
        top = loss_top(largest)
        if top != self._loss_top:
            self._loss_top = top
            self.plots["loss"].setYRange(0, top, padding=0.02)

    def _show_numbers(self, on: bool) -> None:
        """Tick numbers on the step axes and the loss axis: none while there is nothing to plot (the
        accuracy axis keeps its fixed 0-100 scale)."""
        for axis in (self.plots["loss"].getAxis("bottom"), self.plots["accuracy"].getAxis("bottom"),
                     self.plots["loss"].getAxis("left")):
            if axis.style["showValues"] != on:
                axis.setStyle(showValues=on)
        if not on:
            self.plots["loss"].setYRange(0, 1, padding=0.02)
