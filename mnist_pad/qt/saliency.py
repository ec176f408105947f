"""Why the model answers what it does: a Grad-CAM, Grad-CAM++ or gradient-times-input map over the 28x28
input (:mod:`mnist_pad.core.attribution`: the methods quick enough to follow the pen; the pad's Attribution
tab puts the slower ones side by side), for the top class or a class the user picks.

The pickers' items carry their keys as item data (a method's key in :data:`METHODS`, a class's number, -1
for the top class): their texts are translated. Until there is ink, the map shows blank paper."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.data import DIGITS
from ..core.attribution import attribute, model_of, to_unit
from ..core.explain import Prediction, Predictor
from .i18n import translate
from .images import ImagePanel, colormap

METHODS = ("Grad-CAM", "Grad-CAM++", "gradient x input")  # keys of core.attribution.METHODS, in the box's order
METHOD_NAMES = {"gradient x input": QT_TRANSLATE_NOOP("SaliencyView", "gradient x input")}  # shown; Grad-CAM is a name
NO_GRADIENTS = "occlusion"  # what a model without gradients (ONNX) gets, whatever the box says
TOP_CLASS = QT_TRANSLATE_NOOP("SaliencyView", "top class")  # shown as the class box's first item (data -1)


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
        for key in METHODS:
            self.method_box.addItem(translate("SaliencyView", METHOD_NAMES[key]) if key in METHOD_NAMES else key, key)
        self.class_box = QComboBox()
        self.class_box.addItem(translate("SaliencyView", TOP_CLASS), -1)
        for digit in DIGITS:
            self.class_box.addItem(digit, int(digit))
        self.panel = ImagePanel(levels=(0.0, 1.0))
        self.panel.show_empty()
        self.caption = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.method_box)
        top.addWidget(QLabel(self.tr("for")))
        top.addWidget(self.class_box)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.panel, 1)
        lay.addWidget(self.caption)
        self.method_box.currentIndexChanged.connect(lambda _: self.target_changed.emit())
        self.class_box.currentIndexChanged.connect(lambda _: self.target_changed.emit())
        self.target: int | None = None

    def show_for(self, predictor: Predictor, pred: Prediction) -> None:
        """The chosen method's map for ``pred`` (made by ``predictor``); a model without gradients (an ONNX
        model of another tool) gets occlusion, which needs forward passes only."""
        image = pred.pre.image
        if pred.top is None:
            self.target = None
            self.panel.show_empty(*image.shape)
            self.caption.setText("")
            return
        picked = self.class_box.currentData()
        self.target = pred.top if picked is None or picked < 0 else int(picked)
        self.method_box.setEnabled(predictor.gradients)
        self.setToolTip("" if predictor.gradients else self.tr(
            "This model has no gradients (an ONNX model run by ONNX Runtime): occlusion shows the evidence."))
        if predictor.gradients:
            method, name = self.method_box.currentData() or METHODS[0], self.method_box.currentText()
        else:
            method, name = NO_GRADIENTS, self.tr("occlusion")
        # On the UI thread with torch's thread count as the app set it (all cores but one): changing that count
        # here would change it under a worker running torch at the same moment (the count is process-wide).
        heat = to_unit(attribute(method, model_of(predictor), image, self.target))
        self.panel.set_image(overlay(image, heat))
        self.caption.setText(self.tr("{0} for {1}: bright = pushes towards {1}").format(name, self.target))
