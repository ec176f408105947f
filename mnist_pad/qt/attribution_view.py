"""Attribution side by side: for the current input and a class, the maps of the chosen methods
(:mod:`mnist_pad.core.attribution`), each titled, with its one sentence on what it shows as caption and tooltip.

    view = AttributionView(parent=None)
    view.show_input(model, image, predicted)  # call on every update: it only stores them and starts a timer
        # model: a ConvNet, or a function from a batch (n, 1, 28, 28) to probabilities (occlusion only);
        # image: the (28, 28) network input, or None (nothing drawn); predicted: the model's class, or None
    view.show_prediction(predictor, prediction)  # the same for the pad's Predictor and a Prediction of it:
        # pad.predicted.connect(lambda pred: view.show_prediction(app.predictor, pred))
    view.set_methods(["Grad-CAM", "occlusion"]); view.methods()  # keys of core.attribution.METHODS, in order
    view.set_target(-1 or 0..9); view.target()                    # -1: the predicted class
    view.set_layer("conv2"); view.layer()                         # the Grad-CAM methods' conv layer
    view.maps                  # method -> the (28, 28) map on screen for the current input, class and layer
    view.panels                # method -> its panel (.title, .panel: the ImagePanel, .caption), in the chosen order
    view.maps_shown            # signal: every chosen map is on screen

Off the drawing's fast path, like the pad's saliency: :meth:`show_input` returns at once, and
:data:`REFRESH_MS` after the first change (however many strokes come meanwhile) the maps are computed, one
method per turn of the event loop, so the window keeps answering between them (the slowest, occlusion, takes
about 31 ms on one core for the shipped default model: docs/attribution.md). A hidden view computes nothing
until it is shown. The pickers' items carry their keys as item data; their texts are translated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QVBoxLayout, QWidget,
)

from ..core.attribution import GRADIENT_FREE, LAYERED, METHODS, attribute, model_of, to_unit
from ..core.data import DIGITS
from ..core.explain import Prediction, Predictor
from ..core.models import ConvNet
from .i18n import translate
from .images import ImagePanel
from .saliency import overlay

REFRESH_MS = 100  # at most ten refreshes a second while drawing, as the pad's slow views (SLOW_INTERVAL_MS)
DEFAULT_METHODS = ("Grad-CAM", "integrated gradients", "SmoothGrad", "occlusion")
PREDICTED = -1  # the class box's item data for "the predicted class"

# The methods' names and sentences in the window's words: the same English as core.attribution.METHODS
# (tests/qt/test_attribution_view.py checks), spelt out here so that lupdate finds them.
NAMES = {
    "integrated gradients": QT_TRANSLATE_NOOP("AttributionView", "integrated gradients"),
    "SmoothGrad": QT_TRANSLATE_NOOP("AttributionView", "SmoothGrad"),
    "occlusion": QT_TRANSLATE_NOOP("AttributionView", "occlusion"),
    "gradient x input": QT_TRANSLATE_NOOP("AttributionView", "gradient x input"),
}  # Grad-CAM and Grad-CAM++ are names
SENTENCES = {
    "Grad-CAM": QT_TRANSLATE_NOOP("AttributionView", "Where the chosen layer's features that raise the class's "
                                                     "score are active: coarse regions, at that layer's resolution."),
    "Grad-CAM++": QT_TRANSLATE_NOOP("AttributionView", "Grad-CAM that lets every part of the digit that raises "
                                                       "the score count, not only the strongest one."),
    "integrated gradients": QT_TRANSLATE_NOOP("AttributionView", "Each pixel's share of the score's rise from a "
                                                                 "blank image to this drawing; the shares add up to "
                                                                 "the rise."),
    "SmoothGrad": QT_TRANSLATE_NOOP("AttributionView", "Gradient x input averaged over noisy copies of the drawing: "
                                                       "the same question with less speckle."),
    "occlusion": QT_TRANSLATE_NOOP("AttributionView", "How much the score falls when a small square around each "
                                                      "pixel is blanked: slow, but needs no gradients."),
    "gradient x input": QT_TRANSLATE_NOOP("AttributionView", "Ink pixels whose change would move the score most: "
                                                             "one backward pass, fast and noisy."),
}


def method_name(method: str) -> str:
    return translate("AttributionView", NAMES[method]) if method in NAMES else method


class _MapPanel(QWidget):
    """One method's map: a title, the map over the input, its sentence below (and as the tooltip)."""

    def __init__(self, method: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method = method
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)  # a long title ("...: needs a PyTorch model") must not widen the window
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.panel = ImagePanel(levels=(0.0, 1.0))
        self.panel.show_empty()
        self.caption = QLabel(translate("AttributionView", SENTENCES[method]))
        self.caption.setWordWrap(True)
        font = self.caption.font()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self.caption.setFont(font)
        self.setToolTip(self.caption.text())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.title)
        lay.addWidget(self.panel, 1)
        lay.addWidget(self.caption)


class AttributionView(QWidget):
    maps_shown = Signal()  # every chosen method's map is on screen for the current input, class and layer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: ConvNet | Callable[[np.ndarray], np.ndarray] | None = None
        self.image: np.ndarray | None = None
        self.predicted: int | None = None
        self.maps: dict[str, np.ndarray] = {}
        self.computed = 0  # how many maps were computed (tests count recomputations with it)
        self._pending: list[str] = []
        self.panels: dict[str, _MapPanel] = {}

        self.method_button = QToolButton()
        self.method_button.setText(self.tr("Methods"))
        self.method_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.method_button)
        self.method_actions: dict[str, QAction] = {}
        for method in METHODS:
            action = menu.addAction(method_name(method))
            action.setCheckable(True)
            action.setChecked(method in DEFAULT_METHODS)
            action.setToolTip(translate("AttributionView", SENTENCES[method]))
            action.toggled.connect(lambda _: self._methods_changed())
            self.method_actions[method] = action
        menu.setToolTipsVisible(True)
        self.method_button.setMenu(menu)
        self.class_box = QComboBox()
        self.class_box.addItem(self.tr("predicted"), PREDICTED)
        for digit in DIGITS:
            self.class_box.addItem(digit, int(digit))
        self.layer_box = QComboBox()
        self.layer_box.setToolTip(self.tr("the conv layer of the Grad-CAM maps"))
        top = QHBoxLayout()
        top.addWidget(self.method_button)
        top.addWidget(QLabel(self.tr("for")))
        top.addWidget(self.class_box)
        top.addWidget(QLabel(self.tr("Layer")))
        top.addWidget(self.layer_box)
        top.addStretch(1)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addLayout(self.grid, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._compute_next)
        self.class_box.currentIndexChanged.connect(lambda _: self._invalidate(list(METHODS)))
        self.layer_box.currentIndexChanged.connect(lambda _: self._invalidate(list(LAYERED)))
        self._methods_changed()

    # --- what to show ------------------------------------------------------------------------------------
    def show_input(self, model: ConvNet | Callable[[np.ndarray], np.ndarray] | None, image: np.ndarray | None,
                   predicted: int | None) -> None:
        """The model, its (28, 28) input (None: nothing drawn) and its predicted class; the maps follow
        :data:`REFRESH_MS` after the first of a run of calls (one per stroke event while drawing)."""
        if model is not self.model:
            self.model = model
            self._set_layers(list(model.conv_layers()) if isinstance(model, ConvNet) else [])
        self.image = None if image is None else np.array(image, np.float32)
        self.predicted = predicted
        self._invalidate(list(METHODS), REFRESH_MS)

    def show_prediction(self, predictor: Predictor, pred: Prediction) -> None:
        """:meth:`show_input` for the pad: ``pred`` made by ``predictor`` (a model without gradients, an ONNX
        model of another tool, gets occlusion only)."""
        self.show_input(model_of(predictor), None if pred.top is None else pred.pre.image, pred.top)

    def methods(self) -> list[str]:
        return [m for m, action in self.method_actions.items() if action.isChecked()]

    def set_methods(self, methods: Sequence[str]) -> None:
        for method, action in self.method_actions.items():
            action.blockSignals(True)
            action.setChecked(method in methods)
            action.blockSignals(False)
        self._methods_changed()

    def target(self) -> int:
        """The chosen class, or :data:`PREDICTED`."""
        return self.class_box.currentData()

    def set_target(self, target: int) -> None:
        self.class_box.setCurrentIndex(self.class_box.findData(target))

    def layer(self) -> str | None:
        return self.layer_box.currentText() or None

    def set_layer(self, name: str) -> None:
        self.layer_box.setCurrentText(name)

    def _set_layers(self, names: list[str]) -> None:
        """Offer ``names``, keeping the chosen layer when the new model has it (else its last conv layer)."""
        current = self.layer_box.currentText()
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems(names)
        if names:
            self.layer_box.setCurrentText(current if current in names else names[-1])
        self.layer_box.blockSignals(False)

    def _class(self) -> int | None:
        return self.predicted if self.target() == PREDICTED else self.target()

    # --- the panels ---------------------------------------------------------------------------------------
    def _methods_changed(self) -> None:
        """Lay out one panel per chosen method (kept ones keep their maps); compute the new ones."""
        chosen = self.methods()
        for method in list(self.panels):
            if method not in chosen:
                self.panels.pop(method).deleteLater()
                self.maps.pop(method, None)
        self.panels = {method: self.panels.get(method) or _MapPanel(method) for method in chosen}
        columns = max(1, math.ceil(math.sqrt(len(chosen))))
        for i, method in enumerate(chosen):
            self.grid.addWidget(self.panels[method], i // columns, i % columns)
        self.layer_box.setEnabled(any(m in LAYERED for m in chosen))
        self._pending = [m for m in chosen if m not in self.maps]
        self._titles()
        self._schedule(0)

    def _titles(self) -> None:
        target = self._class()
        for method, panel in self.panels.items():
            name = method_name(method)
            if method in LAYERED and self.layer():
                name = self.tr("{0} at {1}").format(name, self.layer())
            panel.title.setText(name if target is None else self.tr("{0} for {1}").format(name, target))

    def _invalidate(self, methods: list[str], delay: int = 0) -> None:
        """``methods``' maps no longer fit what is asked: recompute the chosen ones (``delay`` ms from the first
        change; a pending refresh is not pushed back, so drawing still refreshes every :data:`REFRESH_MS`)."""
        for method in methods:
            self.maps.pop(method, None)
        self._pending = [m for m in self.methods() if m not in self.maps]
        self._titles()
        self._schedule(delay)

    def _schedule(self, delay: int) -> None:
        if self._pending and self.isVisible() and not self._timer.isActive():
            self._timer.start(delay)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """What was asked while hidden is computed now."""
        super().showEvent(event)
        self._schedule(0)

    def _compute_next(self) -> None:
        """One method's map per turn of the event loop; the next turn gets the next."""
        if not self._pending or not self.isVisible():
            return
        method = self._pending.pop(0)
        panel, target = self.panels[method], self._class()
        if self.image is None or target is None or self.model is None:
            panel.panel.show_empty()
        elif isinstance(self.model, ConvNet) or method in GRADIENT_FREE:
            heat = attribute(method, self.model, self.image, target, self.layer())
            self.computed += 1
            self.maps[method] = heat
            panel.panel.set_image(overlay(self.image, to_unit(heat)))
        else:
            panel.panel.show_empty()
            panel.title.setText(self.tr("{0}: needs a PyTorch model (gradients)").format(method_name(method)))
        if self._pending:
            self._timer.start(0)
        else:
            self.maps_shown.emit()
