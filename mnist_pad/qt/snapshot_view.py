"""The replay of a run's snapshots (:mod:`mnist_pad.core.snapshots`): a slider over them, and Play, showing at each
the first conv layers' filters moving away from their noise, the probe drawing's feature maps and probabilities
settling, the confusion matrix on the held-out images, and the step, epoch and accuracy.

    view = SnapshotView()
    view.set_recording(recording)  # a core.snapshots.Recording: handed back by a job, or loaded from a sidecar
    view.slider.setValue(i)        # the i-th snapshot; view.play() runs through them

Moving the slider repaints four views from arrays in memory (one mosaic image each, the matrix's 100 labels):
nothing is computed, about 10 ms a move (docs/snapshots.md). :class:`ReplayDialog` holds one as a window beside
the main one; :class:`ReplayButton` (the Train tab's) opens it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ..core.files import FILE_ERRORS
from ..core.reading import OK, Reading
from ..core.snapshots import Recording, load_for, sidecar_path
from .app_state import AppState
from .eval_views import ConfusionView
from .images import ImagePanel
from .layers import FeatureMapsView, FiltersView
from .probabilities import ProbabilityChart

FRAME_MS = 150  # Play's pace: about seven snapshots a second


class SnapshotFilters(FiltersView):
    """:class:`FiltersView` of kernels a snapshot kept, rather than of a live model's."""

    def set_kernels(self, kernels: dict[str, np.ndarray]) -> None:
        self._kernels = {name: np.asarray(k, np.float32) for name, k in kernels.items()}
        self._set_layers(list(self._kernels))
        self._show()


def _boxed(title: str, widget: QWidget) -> QGroupBox:
    """``widget`` under a title, sized by the grid's stretch alone: the four views share the room equally
    (a plot squeezed under an image grid's large size hint repaints its cell labels ten times slower)."""
    box = QGroupBox(title)
    box.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
    box.setMinimumSize(180, 140)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(widget)
    return box


class SnapshotView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording: Recording | None = None
        self.probe = ImagePanel("CET-L1")
        self.probe.setFixedSize(72, 72)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self.show_snapshot)
        self.position = QLabel()
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._toggle_play)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._advance)
        self.filters = SnapshotFilters()
        self.maps = FeatureMapsView()
        self.chart = ProbabilityChart()
        self.confusion = ConfusionView()

        top = QHBoxLayout()
        top.addWidget(self.probe)
        top.addWidget(self.caption, 1)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.position)
        grid = QGridLayout()
        grid.addWidget(_boxed(self.tr("Filters"), self.filters), 0, 0)
        grid.addWidget(_boxed(self.tr("The drawing's feature maps"), self.maps), 0, 1)
        grid.addWidget(_boxed(self.tr("Confusion on the held-out images"), self.confusion), 0, 2)
        grid.addWidget(_boxed(self.tr("The drawing's probabilities"), self.chart), 1, 0, 1, 3)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 1)
        for i in range(3):
            grid.setColumnStretch(i, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(controls)
        layout.addLayout(grid, 1)
        self.set_recording(None)

    def set_recording(self, recording: Recording | None) -> None:
        """Show ``recording`` from its first snapshot (None: nothing to replay)."""
        self.play_button.setChecked(False)
        self.recording = recording
        count = len(recording.snapshots) if recording is not None else 0
        self.slider.setEnabled(count > 1)
        self.play_button.setEnabled(count > 1)
        if recording is None:
            self.probe.show_empty()
            self.caption.setText(self.tr("Nothing to replay: train or fine-tune a model in this tab to record "
                                         "how it learns."))
            self.position.clear()
            return
        probe = recording.probe
        self.probe.set_image(probe[0] if len(probe) == 1 else probe.transpose(1, 2, 0))
        self.slider.blockSignals(True)
        self.slider.setRange(0, count - 1)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.show_snapshot(0)

    def show_snapshot(self, index: int) -> None:
        recording = self.recording
        snap = recording.snapshots[index]
        last = recording.snapshots[-1]
        self.filters.set_kernels(snap.filters)
        self.maps.set_activations({name: np.asarray(m, np.float32) for name, m in snap.maps.items()})
        self.chart.set_probabilities(snap.probabilities, Reading().status(snap.probabilities) == OK)
        self.confusion.set_result(snap.result(recording.classes))
        self.position.setText(f"{index + 1}/{len(recording.snapshots)}")
        drawing = (self.tr("Your drawing") if recording.probe_label is None
                   else self.tr("A held-out image of {0}").format(recording.classes[recording.probe_label]))
        self.caption.setText(self.tr("Step {0:,} of {1:,}, epoch {2}: {3:.1%} of {4} held-out images read right. "
                                     "{5}: read as {6} ({7:.0%}).").format(
            snap.step, last.step, snap.epoch, snap.val_accuracy, int(snap.confusion.sum()), drawing,
            recording.classes[int(snap.probabilities.argmax())], float(snap.probabilities.max())))

    def play(self) -> None:
        self.play_button.setChecked(True)

    def _toggle_play(self, on: bool) -> None:
        self.play_button.setText(self.tr("Pause") if on else self.tr("Play"))
        if not on:
            self.timer.stop()
            return
        if self.slider.value() == self.slider.maximum():  # played to the end: again from the start
            self.slider.setValue(0)
        self.timer.start()

    def _advance(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + 1)


class ReplayDialog(QDialog):
    """A window of its own for the replay: the main window stays usable beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = SnapshotView()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.fit(self.screen().availableGeometry().size())

    def fit(self, available: QSize) -> None:
        """Take as much of a screen of ``available`` size as the views need, leaving room for the frame."""
        self.resize(min(1240, available.width() - 60), min(720, available.height() - 60))

    def show_recording(self, recording: Recording, name: str) -> None:
        self.setWindowTitle(self.tr("How {0} learnt").format(name))
        self.view.set_recording(recording)
        self.show()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.view.play_button.setChecked(False)
        super().closeEvent(event)


class ReplayButton(QPushButton):
    """Opens the replay of the model a job just handed back (:meth:`offer`), or of the model in use when snapshots
    were saved beside it (read when first asked for: reading them is the click's work, not a model switch's).
    Disabled, saying why, when there is nothing to replay; ``failed(message)`` when the snapshots are damaged."""

    failed = Signal(str)

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(self.tr("Replay..."))
        self.app = app
        self.dialog: ReplayDialog | None = None
        self.source: tuple[Path, Recording | None] | None = None
        self.clicked.connect(self.open_replay)
        app.model_changed.connect(self._model_changed)
        self._model_changed()

    def offer(self, path: Path | None, recording: Recording | None = None) -> None:
        """Replay ``recording`` of the model at ``path``, or (None) the snapshots saved beside it, if any."""
        has = path is not None and (recording is not None or sidecar_path(path).is_file())
        self.source = (path, recording) if has else None
        self.setEnabled(has)
        self.setToolTip(self.tr("Replay how {0} learnt: the filters, the drawing's feature maps and probabilities "
                                "and the confusion matrix, snapshot by snapshot").format(path.stem) if has else
                        self.tr("No snapshots of this model: a model trained or fine-tuned here keeps them"))

    def _model_changed(self) -> None:
        path = self.app.checkpoint.path
        if self.source is None or self.source[0] != path:
            self.offer(path)

    def open_replay(self) -> None:
        if self.source is None:
            return
        path, recording = self.source
        if recording is None:
            try:
                recording = load_for(path, self.app.checkpoint.meta)
            except FILE_ERRORS as exc:
                self.failed.emit(str(exc))
                return
            if recording is None:  # removed meanwhile
                self.offer(None)
                return
            self.source = (path, recording)
        if self.dialog is None:
            self.dialog = ReplayDialog(self.window())
        self.dialog.show_recording(recording, path.stem)
