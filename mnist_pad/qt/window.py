"""The main window: the Pad, Train and Evaluate tabs, all sharing one :class:`AppState`. This is the one
place that connects a tab to another: the pad's labelled drawings go to the Train tab's samples, an image
clicked in the Evaluate tab opens in the pad, and the pad's drawing is what Evaluate's neighbours search for.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QWidget

from .app_state import AppState
from .eval_tab import EvalTab
from .pad import PadTab
from .train_tab import TrainTab


class MainWindow(QMainWindow):
    def __init__(self, app: AppState, device: str = "cpu", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("mnist-pad")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.pad = PadTab(app)
        self.train = TrainTab(app)
        self.evaluate = EvalTab(app)
        for widget, title in ((self.pad, "Pad"), (self.train, "Train"), (self.evaluate, "Evaluate")):
            self.tabs.addTab(widget, title)
        self.pad.sample_labelled.connect(self.train.add_labelled)  # correct-and-learn
        self.evaluate.image_opened.connect(self.open_in_pad)
        self.pad.predicted.connect(lambda pred: self.evaluate.set_drawing(None if pred.pre.empty else pred.pre.image))

        self.model_label = QLabel()
        self._device = device
        self.device_label = QLabel()
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().addPermanentWidget(self.device_label)
        app.model_changed.connect(self._show_model)
        app.model_described.connect(self._show_model)
        self.pad.predicted.connect(self._show_engine)  # the ONNX Runtime engine arrives after a moment
        self._show_model()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)  # Ctrl+Q (Cmd+Q on macOS)
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        screen = self.screen().availableGeometry()  # a laptop's 1366x768 or 1024x768: open within it
        self.resize(min(1280, screen.width()), min(800, screen.height()))

    def open_in_pad(self, image) -> None:
        """Show a (28, 28) image in the pad and bring the pad to the front."""
        self.pad.show_image(image)
        self.tabs.setCurrentWidget(self.pad)

    def _show_model(self) -> None:
        ckpt = self.app.checkpoint
        acc = ckpt.meta.get("test_accuracy")
        self.model_label.setText(f"model: {ckpt.name}" + (f" ({acc * 100:.2f}% on MNIST test)" if acc else ""))
        self._show_engine()

    def _show_engine(self, *_) -> None:
        text = f"inference: {self._device}, {self.app.predictor.engine.name}"
        if text != self.device_label.text():
            self.device_label.setText(text)

    def closeEvent(self, event) -> None:
        """Stop the tabs' background jobs (training, evaluation) before the window goes."""
        self.train.shutdown()
        self.evaluate.shutdown()
        self.app.close()
        super().closeEvent(event)
