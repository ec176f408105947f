"""The model the whole window uses right now. Every tab reads it from here and listens to ``changed``; the
model picker, fine-tuning and training set it. (napari-style: views subscribe to a shared model.)"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ..core.checkpoint import Checkpoint
from ..core.inspect import Predictor


class ModelState(QObject):
    changed = Signal()  # a different checkpoint is in use

    def __init__(self, checkpoint: Checkpoint, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checkpoint = checkpoint
        self._predictor = Predictor(checkpoint.model, background=True)

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    @property
    def predictor(self) -> Predictor:
        return self._predictor

    def set_checkpoint(self, checkpoint: Checkpoint, graph: bytes | None = None) -> None:
        """``graph``: the model's ONNX graph for the pad, when a job process has made it already."""
        self._checkpoint = checkpoint
        self._predictor = Predictor(checkpoint.model, background=True, graph=graph)
        self.changed.emit()
