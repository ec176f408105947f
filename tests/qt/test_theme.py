"""Light and dark themes, offscreen: the palette, pyqtgraph's defaults and the plots that already exist follow
``apply_theme``; "system" follows the system's colour scheme, also when it changes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from mnist_pad.qt import theme
from mnist_pad.qt.curves import LiveCurves
from mnist_pad.qt.eval_views import ConfusionView
from mnist_pad.qt.images import ImagePanel
from mnist_pad.qt.probabilities import ProbabilityChart, Timeline

PLOTS = [LiveCurves, ConfusionView, ProbabilityChart, Timeline, ImagePanel]


@pytest.fixture
def app(qapp):
    """The application, given back as it was: palette, style, pyqtgraph's defaults, no theme chosen."""
    palette, style = QPalette(qapp.palette()), qapp.style().name()
    options = {key: pg.getConfigOption(key) for key in ("background", "foreground")}
    yield qapp
    qapp.setProperty("mnist_pad_theme", None)  # a system change no longer applies anything
    qapp.setStyle(style)
    qapp.setPalette(palette)
    pg.setConfigOptions(**options)


def dark(colour: QColor) -> bool:
    return colour.lightness() < 128


def window_is_dark(app: QApplication) -> bool:
    return dark(app.palette().color(QPalette.ColorRole.Window))


def background(plot: pg.GraphicsView) -> QColor:
    return plot.backgroundBrush().color()


@pytest.mark.parametrize("kind", PLOTS, ids=lambda kind: kind.__name__)
def test_an_existing_plot_follows_the_theme_live(qtbot, app, kind):
    plot = kind()
    qtbot.addWidget(plot)
    assert not dark(background(plot))
    assert theme.apply_theme(app, "dark") == "dark"
    assert window_is_dark(app)
    assert not dark(QColor(pg.getConfigOption("foreground")))  # what pyqtgraph makes later starts right
    qtbot.waitUntil(lambda: dark(background(plot)), timeout=2000)  # Qt tells the widgets in the event loop
    assert background(plot) == app.palette().color(QPalette.ColorRole.Base)
    assert theme.apply_theme(app, "light") == "light"
    assert not window_is_dark(app)
    qtbot.waitUntil(lambda: not dark(background(plot)), timeout=2000)


def test_axes_titles_and_legends_take_the_text_colour(qtbot, app):
    curves = LiveCurves()
    qtbot.addWidget(curves)
    curves.add_point("loss", "train", 1, 0.5)  # a legend entry made before the change
    theme.apply_theme(app, "dark")
    text = app.palette().color(QPalette.ColorRole.WindowText)
    loss = curves.plots["loss"]
    qtbot.waitUntil(lambda: loss.getAxis("left").textPen().color() == text, timeout=2000)
    assert loss.getAxis("bottom").pen().color() == text
    assert text.name() in loss.titleLabel.item.toHtml()
    assert text.name() in loss.legend.items[0][1].item.toHtml()


def test_a_plot_made_after_the_change_starts_in_the_theme(qtbot, app):
    """(Its palette is the application's from the start, before any event.)"""
    theme.apply_theme(app, "dark")
    chart = ProbabilityChart()
    qtbot.addWidget(chart)
    assert dark(background(chart))


def test_system_gives_light_or_dark_and_follows_the_system(app):
    effective = theme.apply_theme(app, "system")
    assert effective in ("light", "dark")
    assert window_is_dark(app) == (effective == "dark")
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what Qt sends when the system changes
    assert window_is_dark(app)
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not window_is_dark(app)
    theme.apply_theme(app, "light")  # a theme of its own: the system's changes no longer apply
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not window_is_dark(app)


def test_an_unknown_theme_is_refused(app):
    with pytest.raises(ValueError, match="system, light, dark"):
        theme.apply_theme(app, "sepia")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_reads_on_its_background_in_both_themes(scheme):
    """Text, window text and highlighted text differ from what they are drawn on by far (a progress bar's
    text is Text on Base, and HighlightedText on the Highlight-coloured chunk)."""
    palette = theme.make_palette(scheme)

    def differ(a: QPalette.ColorRole, b: QPalette.ColorRole) -> int:
        return abs(palette.color(a).lightness() - palette.color(b).lightness())

    role = QPalette.ColorRole
    assert differ(role.Text, role.Base) > 150 and differ(role.WindowText, role.Window) > 150
    assert differ(role.HighlightedText, role.Highlight) > 80


def test_the_app_uses_fusion(app):
    """Fusion draws everything from the palette; a native style may not (a progress bar's text, say)."""
    app.setStyle("Windows")
    assert app.style().name().lower() == "windows"
    theme.apply_theme(app, "dark")
    assert app.style().name().lower() == "fusion"


def test_error_colour_differs_by_theme():
    assert theme.error_colour(theme.make_palette("light")) != theme.error_colour(theme.make_palette("dark"))
    assert not dark(QColor(theme.error_colour(theme.make_palette("dark"))))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("p", [0.96, 0.3])
def test_the_top_bar_label_reads_on_what_is_behind_it(qtbot, app, scheme, p):
    """Inside the bar (no room above it): dark text on a patch of the bar's colour; above it: the theme's
    text colour on the plot's background."""
    theme.apply_theme(app, scheme)
    chart = ProbabilityChart()
    qtbot.addWidget(chart)
    chart.resize(360, 240)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_probabilities(np.array([p] + [(1 - p) / 9] * 9), confident=p > 0.5)
    label = chart.top_text
    behind = label.fill.color() if label.fill.style() != Qt.BrushStyle.NoBrush else background(chart)
    assert abs(label.color.lightness() - behind.lightness()) > 100, (label.color.name(), behind.name())
