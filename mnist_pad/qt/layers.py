"""What each conv layer sees and what it looks for: feature maps of the current drawing and the filters,
each as a grid with one image per channel and a layer selector."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.explain import filters
from ..core.models import ConvNet
from .images import ImageGrid


class _LayerGrid(QWidget):
    """A layer selector, a caption and an :class:`ImageGrid`."""

    def __init__(self, cmap: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_box = QComboBox()
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.grid = ImageGrid(cmap)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Layer")))
        top.addWidget(self.layer_box)
        top.addWidget(self.caption, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.grid, 1)
        self.layer_box.currentTextChanged.connect(lambda _: self._show())

    def _set_layers(self, names: list[str]) -> None:
        """Offer ``names``, keeping the selected layer when it still exists."""
        if names == [self.layer_box.itemText(i) for i in range(self.layer_box.count())]:
            return
        current = self.layer_box.currentText()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems(names)
        if current in names:
            self.layer_box.setCurrentText(current)
        self.layer_box.blockSignals(False)

    def layer(self) -> str:
        return self.layer_box.currentText()

    def set_layer(self, name: str) -> None:
        self.layer_box.setCurrentText(name)

    def _show(self) -> None:
        raise NotImplementedError


class FeatureMapsView(_LayerGrid):
    """Feature maps (after the activation) of the selected conv layer, one image per channel, all with the
    same levels (0 to the layer's maximum) so that weak and strong channels can be compared."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("viridis", parent)
        self._maps: dict[str, np.ndarray] = {}

    def set_activations(self, maps: dict[str, np.ndarray]) -> None:
        self._maps = maps
        if maps:
            self._set_layers(list(maps))
        self._show()

    def _show(self) -> None:
        fmap = self._maps.get(self.layer())
        if fmap is None:
            self.grid.clear_images()
            self.caption.setText(self.tr("draw a digit to see what each channel responds to"))
            return
        lo, hi = float(fmap.min()), float(fmap.max())
        self.grid.set_images(fmap, (min(lo, 0.0), hi if hi > lo else lo + 1e-6))
        c, h, w = fmap.shape
        self.caption.setText(self.tr("{0} channels, {1}x{2} each; bright = strong response").format(c, h, w))


class FiltersView(_LayerGrid):
    """Each conv layer's kernels, one image per output channel. The first layer's kernels are images of
    what they detect; a deeper filter spans many input channels, so its strongest input channel (largest
    L2 norm) is shown. Blue negative, red positive, levels symmetric around 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("CET-D1", parent)
        self._kernels: dict[str, np.ndarray] = {}

    def set_model(self, model: ConvNet) -> None:
        self._kernels = filters(model)
        self._set_layers(list(self._kernels))
        self._show()

    def _show(self) -> None:
        k = self._kernels.get(self.layer())
        if k is None:
            self.grid.clear_images()
            return
        out_c, in_c, kh, kw = k.shape
        strongest = np.square(k).sum((2, 3)).argmax(1)  # (out,) index of each filter's strongest input
        images = k[np.arange(out_c), strongest]
        bound = float(np.abs(images).max()) or 1.0
        self.grid.set_images(images, (-bound, bound))
        if in_c == 1:
            self.caption.setText(self.tr("{0} filters, {1}x{2} kernels; red positive, blue negative").format(out_c, kh, kw))
        else:
            self.caption.setText(self.tr("{0} filters, {1}x{2} kernels, strongest of {3} input channels each; "
                                         "red positive, blue negative").format(out_c, kh, kw, in_c))
