"""Why the model answers what it does: a Grad-CAM or gradient-times-input map over the 28x28 input, for the
top class or a class the user picks."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.data import DIGITS
from ..core.explain import Prediction, gradcam, saliency
from ..core.models import ConvNet
from .images import ImagePanel, colormap

METHODS = {"Grad-CAM": gradcam, "gradient x input": saliency}
TOP_CLASS = "top class"


def overlay(image: np.ndarray, heat: np.ndarray, cmap: str = "CET-L3") -> np.ndarray:
    """Grayscale ``image`` (0..1) with ``heat`` (0..1) laid over it in colour, as (h, w, 3) float32 RGB."""
    gray = np.repeat(image[..., None] * 0.6, 3, axis=2)
    colour = colormap(cmap).map(np.clip(heat, 0, 1).ravel(), mode="float")[:, :3].reshape(*heat.shape, 3)
    alpha = 0.8 * np.clip(heat, 0, 1)[..., None]
    return np.ascontiguousarray((1 - alpha) * gray + alpha * colour, np.float32)


class SaliencyView(QWidget):
    target_changed = Signal()  # the user picked another class or method: recompute

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method_box = QComboBox()
        self.method_box.addItems(list(METHODS))
        self.class_box = QComboBox()
        self.class_box.addItems([TOP_CLASS, *DIGITS])
        self.panel = ImagePanel(levels=(0.0, 1.0))
        self.caption = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.method_box)
        top.addWidget(QLabel("for"))
        top.addWidget(self.class_box)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.panel, 1)
        lay.addWidget(self.caption)
        self.method_box.currentTextChanged.connect(lambda _: self.target_changed.emit())
        self.class_box.currentTextChanged.connect(lambda _: self.target_changed.emit())
        self.target: int | None = None

    def show_for(self, model: ConvNet, pred: Prediction) -> None:
        image = pred.pre.image
        if pred.top is None:
            self.target = None
            self.panel.set_image(overlay(image, np.zeros_like(image)))
            self.caption.setText("")
            return
        picked = self.class_box.currentText()
        self.target = pred.top if picked == TOP_CLASS else int(picked)
        method = self.method_box.currentText()
        # On the UI thread with torch's thread count as the app set it (all cores but one): changing that count
        # here would change it under a worker running torch at the same moment (the count is process-wide).
        heat = METHODS[method](model, image, self.target)
        self.panel.set_image(overlay(image, heat))
        self.caption.setText(f"{method} for {self.target}: bright = pushes towards {self.target}")
