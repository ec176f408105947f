"""Small pyqtgraph image widgets: one image, or a grid of same-sized images drawn as ONE mosaic image.

A mosaic costs one ``setImage`` however many channels a layer has, which keeps live updates within a frame.
Data is always float32, C-contiguous and row-major, with explicit levels and a colour map (no auto-levels:
auto-levelling per frame makes a fading activation look as bright as a strong one). The images keep their
colour maps in either theme; the background around and between them follows the palette, and so does the
blank "paper" (a faint frame around the palette's alternate base colour) that a panel with nothing to show
shows instead of a black square.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QWidget

from .theme import FollowsPalette, plot_colours


@cache
def colormap(name: str) -> pg.ColorMap:
    return pg.colormap.get(name)


def _view(widget: pg.GraphicsLayoutWidget) -> pg.ViewBox:
    box = widget.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
    box.setMenuEnabled(False)
    box.setDefaultPadding(0.01)
    return box


def as_float_image(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


class ImagePanel(FollowsPalette, pg.GraphicsLayoutWidget):
    """One image with fixed levels and a colour map (grayscale images: 'CET-L1'... any pyqtgraph map)."""

    def __init__(self, cmap: str = "CET-L1", levels: tuple[float, float] = (0.0, 1.0), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ci.setContentsMargins(1, 1, 1, 1)
        self.levels = levels
        self.view = _view(self)
        self.item = pg.ImageItem(axisOrder="row-major", colorMap=colormap(cmap))
        self.view.addItem(self.item)
        self.blank = QGraphicsRectItem(0, 0, 28, 28)  # the paper of :meth:`show_empty`
        self.blank.setVisible(False)
        self.view.addItem(self.blank)
        self.shape: tuple[int, ...] | None = None
        self.follow_palette()

    def recolour(self) -> None:
        palette = self.palette()
        background, foreground = plot_colours(palette)
        self.setBackground(background)
        frame = QColor(foreground)
        frame.setAlpha(60)
        pen = QPen(frame, 1)
        pen.setCosmetic(True)  # a pixel wide however large the panel
        self.blank.setPen(pen)
        self.blank.setBrush(palette.color(QPalette.ColorRole.AlternateBase))

    def is_blank(self) -> bool:
        """Showing the empty paper of :meth:`show_empty` (no image)."""
        return self.blank.isVisible()

    def set_image(self, image: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        """Grayscale (h, w) mapped through the colour map, or RGB (h, w, 3) in 0..1."""
        image = as_float_image(image)
        self.blank.setVisible(False)
        self.item.setImage(image, levels=levels or self.levels, autoLevels=False)
        if image.shape != self.shape:  # refit the view only when the size changes (cheap updates)
            self.shape = image.shape
            self.view.autoRange(padding=0.01)

    def show_empty(self, height: int = 28, width: int = 28) -> None:
        """Nothing to show (no ink yet): blank paper of the image's size in the palette's colours, with a faint
        frame, where a black image would look like a fault."""
        self.item.clear()
        self.blank.setRect(0, 0, width, height)
        self.blank.setVisible(True)
        self.shape = None  # the next image refits the view
        self.view.autoRange(padding=0.01)


def mosaic(stack: np.ndarray, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """(n, h, w) images tiled row by row into one 2-D array, tiles separated by NaN (drawn transparent)."""
    n, h, w = stack.shape
    cols = columns or max(1, math.ceil(math.sqrt(n * h / w)))
    rows = math.ceil(n / cols)
    tiles = np.full((rows * cols, h + gap, w + gap), np.nan, np.float32)
    tiles[:n, :h, :w] = stack
    out = tiles.reshape(rows, cols, h + gap, w + gap).transpose(0, 2, 1, 3).reshape(rows * (h + gap), cols * (w + gap))
    return np.ascontiguousarray(out[: out.shape[0] - gap, : out.shape[1] - gap])


class ImageGrid(ImagePanel):
    """A grid of same-sized images (feature maps, filters). ``count`` is how many images it shows."""

    def __init__(self, cmap: str = "viridis", parent: QWidget | None = None) -> None:
        super().__init__(cmap, parent=parent)
        self.count = 0

    def set_images(self, stack: np.ndarray, levels: tuple[float, float]) -> None:
        stack = np.asarray(stack, np.float32)
        if stack.ndim != 3:
            raise ValueError(f"expected (n, h, w) images, got shape {stack.shape}")
        self.count = len(stack)
        gap = 1 if stack.shape[1] < 12 else 2
        self.set_image(mosaic(stack, gap=gap), levels)

    def clear_images(self) -> None:
        self.count = 0
        self.item.clear()
        self.shape = None
