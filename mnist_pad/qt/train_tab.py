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
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.catalog import new_model_path
from ..core.device import resolve_device
from ..core.files import FILE_ERRORS
from ..core.finetune import FinetuneConfig, FinetuneReport
from ..core.jobs import SavedModel, finetune_job, forgetting_job, train_job
from ..core.progress import Progress
from .app_state import AppState
from .collect import CollectPanel
from .job_options import DataFolderRow, FinetuneOptions, ScratchOptions
from .job_runner import JobRunner
from .curves import LiveCurves
from .gallery import Gallery
from .model_picker import ModelPicker, skipped_models_message
from .results import FinetuneResults

class TrainTab(QWidget):
    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.store = app.samples
        self.runner = JobRunner(self, app.jobs)
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
        self.finetune_options, self.scratch_options = FinetuneOptions(), ScratchOptions()
        self.finetune_options.button.clicked.connect(lambda: self.start_finetune())
        self.scratch_options.button.clicked.connect(lambda: self.start_training())
        self.data_row = DataFolderRow(app)
        jobs.addTab(self.finetune_options, "Fine-tune")
        jobs.addTab(self.scratch_options, "Train from scratch")
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.picker)
        right_layout.addWidget(self.data_row)
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

    # --- samples -----------------------------------------------------------------------------------------
    def add_labelled(self, label: int, strokes: Sequence, image: np.ndarray) -> str | None:
        """Keep a labelled drawing (from this tab's canvas or the pad's correct-and-learn); returns its id,
        or None (with the reason shown) when the drawing cannot be kept."""
        try:
            return self.gallery.add(int(label), image, list(strokes) or None)
        except (ValueError, *FILE_ERRORS) as exc:
            self._show_error(f"sample not kept: {exc}")
            return None

    # --- jobs --------------------------------------------------------------------------------------------
    def start_finetune(self, cfg: FinetuneConfig | None = None) -> None:
        cfg = cfg or self.finetune_options.config()
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
        options = self.scratch_options
        arch, dataset, epochs = options.arch.currentText(), options.dataset.currentText(), options.epochs.value()
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
        self.app.start_jobs()

    def _on_progress(self, p: Progress) -> None:
        self.progress.setRange(0, p.steps)
        self.progress.setValue(p.step)
        if p.kind == "batch":  # the forgetting check's evaluations: nothing to plot
            return
        self.curves.set_steps(p.steps)
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
        self.app.set_checkpoint(saved.checkpoint(self.app.device), saved.graph)
        self.picker.refresh()

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
        self.finetune_options.button.setEnabled(not running)
        self.scratch_options.button.setEnabled(not running)
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
