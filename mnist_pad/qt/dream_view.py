"""What the network wants to see: dreamed images (:mod:`mnist_pad.core.dream`) for each class, or for each
channel of a conv layer, in one grid.

    view = DreamView(app)        # the application state: the model in use, and the job process that dreams
    view.set_layer(None)         # the classes; or a conv layer's name: its channels
    view.layer()
    view.dreams                  # unit -> core.dream.Dream of the grid on screen ({} while none is)
    view.dreamed                 # signal(layer): a grid was shown (layer None: the classes)
    view.runner                  # its JobRunner: the window wires runner.running_changed to the other tabs'
    view.set_busy_elsewhere(b)   #   set_busy_elsewhere, and theirs to this one's, as between the two tabs

Dreaming takes the job process (:attr:`AppState.jobs`, one job at a time) for seconds (128 gradient steps per
image, batched; the shipped default model on one core: the 10 classes 1-2 s, conv4's 128 channels 11 s or more:
docs/attribution.md): the view starts it by itself when it is visible and what it should show is not known yet
(at first showing, after a change of model or of the choice), unless another job holds the process; then it
starts when that one has ended. The job process keeps every dream it made per model
(its weights' hash), and the view keeps the grids it got for the model in use, so going back to a choice
costs nothing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.checkpoint import weights
from ..core.data import DIGITS
from ..core.dream import CLASSES, Dream, dream_job
from ..core.models import ConvNet
from ..core.progress import Progress
from .app_state import AppState
from .images import ImageGrid, mosaic
from .job_view import JobView


class DreamView(JobView):
    dreamed = Signal(object)  # the layer whose grid is shown (None: the classes)

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.dreams: dict[int, Dream] = {}
        self._known: dict[str | None, dict[int, Dream]] = {}  # the model in use's grids, by layer
        self._running: str | None = None  # the layer of the last job started
        self.choice = QComboBox()
        self.choice.setToolTip(self.tr("what to dream: an image that each class's score, or each channel of a "
                                       "conv layer, likes most"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.grid = ImageGrid("CET-L1")
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Dream")))
        top.addWidget(self.choice, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.grid, 1)
        lay.addWidget(self.status)
        self.choice.currentIndexChanged.connect(lambda _: self._show())
        self.runner.progress.connect(self._progress)
        self.runner.message.connect(self._message)
        self.runner.running_changed.connect(lambda running: None if running else self._show())
        app.model_changed.connect(self._model_changed)
        self._model_changed()

    def layer(self) -> str | None:
        return self.choice.currentData()

    def set_layer(self, layer: str | None) -> None:
        self.choice.setCurrentIndex(self.choice.findData(layer))

    def _model_changed(self) -> None:
        """Offer the new model's layers (keeping the choice when it has it); its dreams are not known yet. A model
        without gradients (an ONNX model of another tool) cannot dream."""
        self.runner.cancel()
        self._known.clear()
        self._failed.clear()
        current = self.layer()
        model = self.app.checkpoint.model
        self.choice.blockSignals(True)
        self.choice.clear()
        if isinstance(model, ConvNet):
            self.choice.addItem(self.tr("each class"), CLASSES)
            for name in model.conv_layers():
                self.choice.addItem(self.tr("each channel of {0}").format(name), name)
            self.choice.setCurrentIndex(max(0, self.choice.findData(current)))
        self.choice.setEnabled(isinstance(model, ConvNet))
        self.choice.blockSignals(False)
        self._show()

    def _show(self) -> None:
        """The chosen grid when it is known; else start dreaming it (when visible and the process is free)."""
        layer = self.layer()
        known = self._known.get(layer)
        if known is not None:
            self._show_grid(layer, known)
            return
        self.dreams = {}
        self.grid.clear_images()
        if not isinstance(self.app.checkpoint.model, ConvNet):
            self.status.setText(self.tr("Dreaming needs a PyTorch model's gradients; this model has none."))
            return
        if not self.isVisible() or self.runner.is_running() or layer in self._failed:
            return
        if self._busy_elsewhere:
            self.status.setText(self.tr("Another job is running; the dreams follow when it has ended."))
            return
        model = self.app.checkpoint.model
        units = range(len(DIGITS)) if layer is CLASSES else range(model.conv_layers()[layer].out_channels)
        ckpt = self.app.checkpoint
        source = ckpt.path if ckpt.path is not None else (ckpt.meta, weights(ckpt.model))
        job = self.runner.in_process(dream_job, source, layer, list(units))
        self._running = layer
        self.runner.run(job, lambda result: self._dreamed(ckpt, layer, result),
                        self.tr("dreaming {0} images…").format(len(units)))

    def _dreamed(self, ckpt, layer: str | None, result: dict[int, Dream]) -> None:
        """Keep the result for the model that dreamed it; the run's end (``running_changed``) shows it."""
        if ckpt is self.app.checkpoint:
            self._known[layer] = result

    def _message(self, text: str, error: bool) -> None:
        self.status.setText(text)
        if error:
            self._failed.add(self._running)

    def _progress(self, p: Progress) -> None:
        self.status.setText(self.tr("dreaming… {0:.0%}").format(p.step / max(p.steps, 1)))

    def _show_grid(self, layer: str | None, dreams: dict[int, Dream]) -> None:
        """Each image scaled to its own brightest pixel: a weak channel's pattern shows as well as a strong one's."""
        self.dreams = dreams
        stack = np.stack([d.image for d in dreams.values()])
        stack = stack / np.maximum(stack.max((1, 2), keepdims=True), 1e-6)
        self.grid.set_image(mosaic(stack, columns=5 if layer is CLASSES else None), (0.0, 1.0))
        self.grid.count = len(stack)
        rise = np.mean([d.after - d.before for d in dreams.values()])
        if layer is CLASSES:
            text = self.tr("0-4 above, 5-9 below: the image each class's score likes most (it rose by {0:.1f} "
                           "on average from the start noise)").format(rise)
        else:
            text = self.tr("{0} channels of {1}, row by row: the image each likes most (its mean rose by {2:.1f} "
                           "on average)").format(len(stack), layer, rise)
        self.status.setText(text)
        self.dreamed.emit(layer)
