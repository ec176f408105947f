"""The main window: one tab per activity, all sharing one :class:`ModelState`.

The Pad is the first tab. Other tabs (Train, Evaluate, ...) are added in :func:`_extra_tabs`, one line each.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QWidget

from .model_state import ModelState
from .pad import PadTab


def _extra_tabs(window: "MainWindow") -> list[tuple[QWidget, str]]:
    """The tabs after the Pad, in order. ADD ONE LINE PER TAB HERE, importing inside this function so that
    a tab's module is only loaded with the window. ``window.model_state`` is the shared model and
    ``window.pad`` the pad (its ``sample_labelled`` signal gives labelled drawings)."""
    tabs: list[tuple[QWidget, str]] = []
    from .train_tab import for_window as train_tab
    tabs.append(train_tab(window))
    from .eval_tab import for_window as eval_tab
    tabs.append(eval_tab(window))
    return tabs


class MainWindow(QMainWindow):
    def __init__(self, model_state: ModelState, device: str = "cpu", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_state = model_state
        self.setWindowTitle("mnist-pad")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.pad = PadTab(model_state)
        self.add_tab(self.pad, "Pad")
        for widget, title in _extra_tabs(self):
            self.add_tab(widget, title)

        self._model_label = QLabel()
        self._device = device
        self._device_label = QLabel()
        self.statusBar().addPermanentWidget(self._model_label)
        self.statusBar().addPermanentWidget(self._device_label)
        model_state.changed.connect(self._show_model)
        self.pad.predicted.connect(self._show_engine)  # the ONNX Runtime engine arrives after a moment
        self._show_model()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)  # Ctrl+Q (Cmd+Q on macOS)
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        self.resize(1280, 800)

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Append a tab; returns its index."""
        return self.tabs.addTab(widget, title)

    def _show_model(self) -> None:
        ckpt = self.model_state.checkpoint
        acc = ckpt.meta.get("test_accuracy")
        self._model_label.setText(f"model: {ckpt.name}" + (f" ({acc * 100:.2f}% on MNIST test)" if acc else ""))
        self._show_engine()

    def _show_engine(self, *_) -> None:
        text = f"inference: {self._device}, {self.model_state.predictor.engine.name}"
        if text != self._device_label.text():
            self._device_label.setText(text)

    def closeEvent(self, event) -> None:
        """Stop the tabs' background jobs (training, evaluation) before the window goes."""
        for i in range(self.tabs.count()):
            shutdown = getattr(self.tabs.widget(i), "shutdown", None)
            if shutdown is not None:
                shutdown()
        super().closeEvent(event)
