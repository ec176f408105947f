"""Light and dark themes: Qt's Fusion style with a light or a dark palette, pyqtgraph's defaults to match,
and plots that follow.

No list of plots is kept anywhere. When the application palette changes, Qt sends every widget a
``PaletteChange`` event; a plot that mixes in :class:`FollowsPalette` re-colours itself from its own palette
then, so existing plots change live and a plot made later starts in the right colours. A plot's background
is the palette's Base colour (as for any view of content: lists, tables), its axes and text WindowText.

Fusion is used for both themes: it draws everything from the palette, so the same palette looks the same on
every desktop (a native style may ignore parts of it, e.g. draw a progress bar's text in its own colour).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
_CHOSEN, _APPLIED, _FOLLOWING = "mnist_pad_theme", "mnist_pad_applied_theme", "mnist_pad_follows_system"

Role = QPalette.ColorRole
_COLOURS = {
    "light": {
        Role.Window: "#efefef", Role.WindowText: "#1b1b1b", Role.Base: "#ffffff", Role.AlternateBase: "#f5f5f5",
        Role.ToolTipBase: "#ffffdc", Role.ToolTipText: "#1b1b1b", Role.PlaceholderText: "#7f7f7f",
        Role.Text: "#1b1b1b", Role.Button: "#efefef", Role.ButtonText: "#1b1b1b", Role.BrightText: "#ffffff",
        Role.Light: "#ffffff", Role.Midlight: "#e3e3e3", Role.Mid: "#b8b8b8", Role.Dark: "#9f9f9f",
        Role.Shadow: "#767676", Role.Highlight: "#308cc6", Role.HighlightedText: "#ffffff", Role.Accent: "#308cc6",
        Role.Link: "#2b5fad", Role.LinkVisited: "#6a3daa",
    },
    "dark": {
        Role.Window: "#2b2c30", Role.WindowText: "#e4e4e4", Role.Base: "#1e1f22", Role.AlternateBase: "#26272b",
        Role.ToolTipBase: "#3a3b40", Role.ToolTipText: "#e4e4e4", Role.PlaceholderText: "#8c8c8c",
        Role.Text: "#e4e4e4", Role.Button: "#35363b", Role.ButtonText: "#e4e4e4", Role.BrightText: "#ffffff",
        Role.Light: "#4a4b51", Role.Midlight: "#3d3e43", Role.Mid: "#26272b", Role.Dark: "#18191b",
        Role.Shadow: "#0b0b0c", Role.Highlight: "#2f6fca", Role.HighlightedText: "#ffffff", Role.Accent: "#2f6fca",
        Role.Link: "#78aef5", Role.LinkVisited: "#b99af0",
    },
}
_DISABLED = {  # greyed-out text and selection of disabled widgets
    "light": {Role.WindowText: "#9a9a9a", Role.Text: "#9a9a9a", Role.ButtonText: "#9a9a9a", Role.Highlight: "#919191"},
    "dark": {Role.WindowText: "#74757a", Role.Text: "#74757a", Role.ButtonText: "#74757a", Role.Highlight: "#4a4b51"},
}


def make_palette(scheme: str) -> QPalette:
    """The palette of ``scheme`` ("light" or "dark"), every colour role set (none left over from another)."""
    palette = QPalette()
    for role, colour in _COLOURS[scheme].items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DISABLED[scheme].items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def scheme_of(colour_scheme: Qt.ColorScheme) -> str:
    """The theme of a system colour scheme: "dark" for Dark; "light" for Light and for Unknown (a system
    that does not say)."""
    return "dark" if colour_scheme == Qt.ColorScheme.Dark else "light"


def apply_theme(app: QApplication, name: str) -> str:
    """Use theme ``name`` (one of :data:`THEMES`) in the whole application, plots included; returns the
    effective scheme, "light" or "dark". With "system" the application follows the system's colour scheme,
    also when it changes while the application runs."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}: use one of {', '.join(THEMES)}")
    app.setProperty(_CHOSEN, name)
    if not app.property(_FOLLOWING):
        app.setProperty(_FOLLOWING, True)
        app.styleHints().colorSchemeChanged.connect(lambda scheme: _system_changed(app, scheme))
    return _apply(app, scheme_of(app.styleHints().colorScheme()) if name == "system" else name)


def _system_changed(app: QApplication, colour_scheme: Qt.ColorScheme) -> None:
    """Re-apply when the system's scheme changes under "system". Only a real change of scheme applies a
    palette: a platform that derives its reported scheme from the application palette then stays put."""
    scheme = scheme_of(colour_scheme)
    if app.property(_CHOSEN) == "system" and app.property(_APPLIED) != scheme:
        _apply(app, scheme)


def _apply(app: QApplication, scheme: str) -> str:
    palette = make_palette(scheme)
    background, foreground = plot_colours(palette)
    pg.setConfigOptions(background=background, foreground=foreground)  # before the palette: plots made on its change
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette)
    app.setProperty(_APPLIED, scheme)
    return scheme


def is_dark(palette: QPalette) -> bool:
    return palette.color(Role.Window).lightness() < 128


def error_colour(palette: QPalette) -> str:
    """A red for warnings and errors that reads well on ``palette``'s window colour (a dark red does not
    on a dark window)."""
    return "#ff7b72" if is_dark(palette) else "#b00020"


def plot_colours(palette: QPalette) -> tuple[QColor, QColor]:
    """A plot's (background, foreground) in ``palette``: Base, and WindowText for axes and text."""
    return palette.color(Role.Base), palette.color(Role.WindowText)


def recolour_plot(plot: pg.PlotItem, foreground: QColor) -> None:
    """Draw ``plot``'s axes (lines, ticks, labels), its title and its legend's text in ``foreground``."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(foreground)
        axis.setTextPen(foreground)
    labels = [plot.titleLabel]
    if plot.legend is not None:
        plot.legend.setLabelTextColor(foreground)  # for the legend's labels to come
        labels += [label for _, label in plot.legend.items]
    for label in labels:  # a label's colour is only its default; its text is redrawn with it
        label.setAttr("color", foreground)
        if label.isVisible():
            label.setText(label.text)


class FollowsPalette:
    """Mixin for a widget drawn in colours of its own palette (a pyqtgraph view): :meth:`recolour` runs
    at every palette change (Qt delivers those of the application palette when the event loop next runs).
    The widget calls :meth:`follow_palette` at the end of its ``__init__``: a palette change that arrives
    earlier (a parent given to the constructor) would find it half made. A closed pyqtgraph view is left
    alone: its ``close()`` deletes the items it drew."""

    _following = False

    def follow_palette(self) -> None:
        self._following = True
        self.recolour()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self._following and event.type() == QEvent.Type.PaletteChange and not getattr(self, "closed", False):
            self.recolour()

    def recolour(self) -> None:
        raise NotImplementedError
