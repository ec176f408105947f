"""The Train tab: collect labelled drawings, fine-tune the current model on them, train from scratch, and
pick the model the whole window uses.

Long jobs run through the tab's :class:`JobRunner` in its job process (one at a time): a job in a thread of
this process would stall the window (see core.jobhost). The tab plots the progress and, when a job hands
back its saved model, sets it on the shared :class:`AppState`, so the pad uses it at once; a fine-tune's
MNIST check follows as a second job. Cancel stops a job at its next report and saves nothing. Missing
datasets show the core's :class:`DataError` message here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.catalog import new_model_path
from ..core.data import DATASETS, ENV_VAR
from ..core.device import resolve_device
from ..core.files import FILE_ERRORS
from ..core.finetune import LAYERS, FinetuneConfig, FinetuneReport
from ..core.jobhost import JobHost
from ..core.jobs import SavedModel, finetune_job, forgetting_job, prefetch, train_job
from ..core.models import ARCHS
from ..core.recipes import recipe_for
from ..core.progress import Progress
from .app_state import AppState
from .collect import CollectPanel
from .job_runner import JobRunner
from .curves import LiveCurves
from .gallery import Gallery
from .model_picker import ModelPicker, skipped_models_message
from .results import FinetuneResults

LAYER_LABELS = {  # how the layer choices of core.finetune read in the menu (a new choice shows its key)
    "top": "last conv block + classifier",
    "head": "classifier only",
    "all": "all layers",
    "all-bn-frozen": "all layers, batch-norm statistics kept",
}


class TrainTab(QWidget):
    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.store = app.samples
        self.runner = JobRunner(self, JobHost())
        self.runner.progress.connect(self._on_progress)
        self.runner.message.connect(lambda text, error: self._show_error(text) if error else self._set_status(text))
        self.runner.running_changed.connect(self._on_running)

        self.collect = CollectPanel()
        self.gallery = Gallery(self.store)
        self.collect.sample_ready.connect(self.add_labelled)
        self.gallery.counts_changed.connect(self.collect.show_counts)
        self.gallery.counts_changed.connect(lambda _: self.app.samples_changed.emit())
        self.gallery.message.connect(self._set_status)
        self.gallery.failed.connect(self._show_error)
        self.gallery.sample_opened.connect(
            lambda sample_id: self.collect.show_sample(self.store.get(sample_id).strokes, self.store.get(sample_id).label))
        self.collect.show_counts(self.store.counts())

        self.picker = ModelPicker(app)
        self.picker.error.connect(self._show_error)
        self.curves = LiveCurves()
        self.curves.setMinimumHeight(180)
        self.results = FinetuneResults()
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel("Ready.")
        self.status.setWordWrap(True)
        # Two lines at least: a progress message that wraps onto a second line must not grow the label, which
        # would resize the curves below it, and a resized plot re-lays out its axes (tens of ms of the UI thread).
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing() + 4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        jobs = QTabWidget()
        jobs.addTab(self._finetune_options(), "Fine-tune")
        jobs.addTab(self._scratch_options(), "Train from scratch")
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.picker)
        right_layout.addWidget(self._data_row())
        right_layout.addWidget(jobs)
        right_layout.addLayout(running)
        right_layout.addWidget(self.status)
        right_layout.addWidget(self.curves, 1)
        right_layout.addWidget(self.results)

        collect_box = QGroupBox("Draw and label")
        QVBoxLayout(collect_box).addWidget(self.collect)
        gallery_box = QGroupBox("Your samples")
        QVBoxLayout(gallery_box).addWidget(self.gallery)
        split = QSplitter(Qt.Orientation.Horizontal)
        for widget, stretch in ((collect_box, 0), (gallery_box, 1), (right, 1)):
            split.addWidget(widget)
            split.setStretchFactor(split.count() - 1, stretch)
        split.setSizes([300, 420, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

        if self.picker.problems:  # found while the picker was built, before its error signal was connected
            self._show_error(skipped_models_message(self.picker.problems), "\n".join(self.picker.problems))

    # --- building the option panels ---------------------------------------------------------------------
    def _finetune_options(self) -> QWidget:
        defaults = FinetuneConfig()
        self.ft_layers = QComboBox()
        for key in LAYERS:
            self.ft_layers.addItem(LAYER_LABELS.get(key, key), key)
        self.ft_layers.setCurrentIndex(self.ft_layers.findData(defaults.layers))
        self.ft_steps = _spin(1, 10_000, defaults.steps, "optimizer steps")
        self.ft_lr = QDoubleSpinBox()
        self.ft_lr.setDecimals(5)
        self.ft_lr.setRange(1e-5, 0.1)
        self.ft_lr.setSingleStep(1e-4)
        self.ft_lr.setValue(defaults.lr)
        self.ft_replay = QDoubleSpinBox()
        self.ft_replay.setRange(0.0, 16.0)
        self.ft_replay.setSingleStep(0.5)
        self.ft_replay.setValue(defaults.replay)
        self.ft_replay.setToolTip("MNIST training images mixed into each batch per sample of yours (0: none). "
                                  "Replay keeps the model's MNIST skill.")
        self.finetune_button = QPushButton("Fine-tune on my samples")
        self.finetune_button.clicked.connect(self.start_finetune)
        return _form([("Layers to train", self.ft_layers), ("Steps", self.ft_steps), ("Learning rate", self.ft_lr),
                      ("MNIST replay", self.ft_replay)], self.finetune_button)

    def _scratch_options(self) -> QWidget:
        self.tr_arch = QComboBox()
        self.tr_arch.addItems(list(ARCHS))
        self.tr_arch.setCurrentText("fast")
        for i, name in enumerate(ARCHS):
            self.tr_arch.setItemData(i, ARCHS[name].description, Qt.ItemDataRole.ToolTipRole)
        self.tr_dataset = QComboBox()
        self.tr_dataset.addItems(list(DATASETS))
        self.tr_epochs = _spin(1, 200, recipe_for("fast").epochs, "passes over the training set")
        self.tr_arch.currentTextChanged.connect(lambda arch: self.tr_epochs.setValue(recipe_for(arch).epochs))
        self.train_button = QPushButton(f"Train from scratch on {resolve_device('auto').type}")
        self.train_button.clicked.connect(self.start_training)
        return _form([("Architecture", self.tr_arch), ("Dataset", self.tr_dataset), ("Epochs", self.tr_epochs)],
                     self.train_button)

    def _data_row(self) -> QWidget:
        self.data_dir_edit = QLineEdit(self.app.data_dir or "")
        self.data_dir_edit.setPlaceholderText(f"MNIST folder (default: ${ENV_VAR} or the cache)")
        self.data_dir_edit.setToolTip("Folder with the MNIST (or Fashion-MNIST) IDX files; empty: $" + ENV_VAR
                                      + ", then the download cache (downloading when missing)")
        self.data_dir_edit.editingFinished.connect(lambda: self.app.set_data_dir(self.data_dir_edit.text()))
        self.app.data_dir_changed.connect(self.data_dir_edit.setText)
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse_data_dir)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Data:"))
        layout.addWidget(self.data_dir_edit, 1)
        layout.addWidget(browse)
        return row

    # --- samples -----------------------------------------------------------------------------------------
    def add_labelled(self, label: int, strokes: Sequence, image: np.ndarray) -> str | None:
        """Keep a labelled drawing (from this tab's canvas or the pad's correct-and-learn); returns its id,
        or None (with the reason shown) when the drawing cannot be kept."""
        try:
            return self.gallery.add(int(label), image, list(strokes) or None)
        except (ValueError, OSError) as exc:
            self._show_error(f"sample not kept: {exc}")
            return None

    # --- data --------------------------------------------------------------------------------------------
    def _browse_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the MNIST files", self.app.data_dir or "")
        if folder:
            self.app.set_data_dir(folder)

    # --- jobs --------------------------------------------------------------------------------------------
    def finetune_config(self) -> FinetuneConfig:
        return FinetuneConfig(layers=self.ft_layers.currentData(), steps=self.ft_steps.value(), lr=self.ft_lr.value(),
                              replay=self.ft_replay.value())

    def start_finetune(self, cfg: FinetuneConfig | None = None) -> None:
        cfg = cfg or self.finetune_config()
        if len(self.store) == 0:
            self._show_error("No samples yet: draw a few digits, label them and press Add first.")
            return
        base, samples, data = self.app.checkpoint, self.store.as_split(), self.app.data_source()
        out = self._new_model_path(f"{base.name}-tuned")
        if out is None:
            return
        self.results.clear()
        self._start(self.runner.in_process(finetune_job, base.path, samples, cfg, data, out),
                    lambda saved: self._tuned(saved, base.path, data),
                    f"Fine-tuning {base.name} on {len(samples)} samples ({cfg.steps} steps)...")

    def start_training(self, **overrides) -> None:
        arch, dataset, epochs = self.tr_arch.currentText(), self.tr_dataset.currentText(), self.tr_epochs.value()
        data, out = self.app.data_source(), self._new_model_path(f"{arch}-{dataset}")
        if out is None:
            return
        self._start(self.runner.in_process(train_job, arch, dataset, epochs, data, out, **overrides), self._trained,
                    f"Training {arch} on {dataset} for {epochs} epoch(s) on {resolve_device('auto').type}...")

    def _new_model_path(self, stem: str) -> Path | None:
        """Where the job will save its model (in the user's models folder), or None with the reason shown."""
        try:
            return new_model_path(stem)
        except FILE_ERRORS as exc:
            self._show_error(f"Cannot save models: {exc}")
            return None

    def _start(self, job, on_done, message: str) -> None:
        if self.runner.run(job, on_done, message, cancelled="Cancelled: nothing was saved and the model in use is unchanged."):
            self.curves.clear_curves()
            self.progress.setRange(0, 0)  # busy until the first report: loading data, evaluating the base

    def is_running(self) -> bool:
        return self.runner.is_running()

    def cancel(self) -> None:
        if self.runner.is_running():
            self.runner.cancel()
            self._set_status("Cancelling...")

    def shutdown(self) -> None:
        """Stop any job, wait for its thread and end the job process (the window is closing)."""
        self.runner.shutdown()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """The first look at the tab starts the job process: it imports torch and loads MNIST while the user
        draws samples, so that the first fine-tune waits for neither."""
        super().showEvent(event)
        self.runner.host.start(warmup=(prefetch, (self.app.data_source(),)))

    def _on_progress(self, p: Progress) -> None:
        self.curves.set_steps(p.steps)
        self.progress.setRange(0, p.steps)
        self.progress.setValue(p.step)
        if p.loss is None:  # a fine-tune's start: the held-out samples were evaluated
            return
        self.curves.add_point("loss", "train", p.step, p.loss)
        self.curves.add_point("accuracy", "train", p.step, p.accuracy * 100)
        if p.val_accuracy is not None:
            self.curves.add_point("accuracy", "validation", p.step, p.val_accuracy * 100)
            self.curves.add_point("loss", "validation", p.step, p.val_loss)
        epoch = f"epoch {p.epoch}/{p.epochs}, " if p.epochs > 1 else ""
        eta = f", {p.eta:.0f} s left" if p.step < p.steps else ""
        self._set_status(f"{epoch}step {p.step}/{p.steps}, loss {p.loss:.3f}, {p.images_per_s:,.0f} images/s{eta}")

    def _use(self, saved: SavedModel) -> None:
        """Put a job's saved model in use, as it was handed back (its file is not read again)."""
        self.app.set_checkpoint(saved.checkpoint(self._pad_device()), saved.graph)
        self.picker.refresh()

    def _pad_device(self) -> torch.device:
        return next(self.app.checkpoint.model.parameters()).device

    def _trained(self, saved: SavedModel) -> None:
        self._use(saved)
        self._say_saved(saved.path, saved.meta)

    def _tuned(self, saved: SavedModel, base: Path, data) -> None:
        """The fine-tuned model is in use; now measure, in the job process, what it kept of MNIST."""
        self._use(saved)
        self.results.show_report(saved.report)
        self.runner.run(self.runner.in_process(forgetting_job, base, saved.path, saved.report, data),
                        lambda report: self._measured(report, saved.path),
                        f"Saved {saved.path} and switched to it; measuring what it kept of MNIST...",
                        cancelled=f"Cancelled the MNIST check; {saved.path} is saved and in use.")

    def _measured(self, report: FinetuneReport, path: Path) -> None:
        self.results.show_report(report)
        meta = {"test_accuracy": report.mnist_after, "dataset": "mnist"}
        if self.app.checkpoint.path == path:  # still the model in use (the user may have picked another)
            meta = self.app.update_meta(test_accuracy=report.mnist_after, finetune=report.to_dict())
        self.picker.refresh()
        self._say_saved(path, meta)

    def _say_saved(self, path: Path, meta: dict) -> None:
        acc = meta.get("test_accuracy")
        self._set_status(f"Saved {path} and switched to it"
                         + (f" ({acc * 100:.2f}% on {meta.get('dataset', 'mnist')} test)." if acc is not None else "."))

    def _on_running(self, running: bool) -> None:
        self.finetune_button.setEnabled(not running)
        self.train_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if not running and self.progress.maximum() == 0:  # stopped before the first report: leave the busy state
            self.progress.setRange(0, 1)
            self.progress.setValue(0)

    def _set_status(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.status.setToolTip("")

    def _show_error(self, message: str, details: str = "") -> None:
        self.status.setStyleSheet("color: #b00020")
        self.status.setText(message)
        self.status.setToolTip(details)


def _form(rows: list[tuple[str, QWidget]], button: QPushButton) -> QWidget:
    """A page of labelled fields with the button that starts the job below them."""
    page = QWidget()
    form = QFormLayout(page)
    for label, field in rows:
        form.addRow(label, field)
    form.addRow(button)
    return page


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box
