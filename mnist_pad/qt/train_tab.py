"""The Train tab: collect labelled drawings, fine-tune the current model on them, train from scratch, and
pick the model the whole window uses.

Long jobs run through the tab's :class:`JobRunner` in its job process (one at a time): a job in a thread of
this process would stall the window (see core.jobhost). The tab plots the progress and, when a job hands
back its saved model, sets it on the shared :class:`AppState`, so the pad uses it at once; a fine-tune's
MNIST check follows as a second job. Cancel stops a job at its next report and saves nothing. Missing
datasets show the core's :class:`DataError` message here. Both jobs keep snapshots of the net as it learns
(core.snapshots), of the pad's drawing (:meth:`TrainTab.set_probe`), which Replay shows (qt.snapshot_view).
"""

from __future__ import annotations

import math
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
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.foreign import is_trainable
from ..core.data import dataset_title
from ..core.catalog import new_model_path, tuned_stem
from ..core.device import resolve_device
from ..core.files import FILE_ERRORS, BadInput
from ..core.finetune import FinetuneConfig, FinetuneReport
from ..core.jobs import SavedModel, finetune_job, forgetting_job, train_job
from ..core.progress import Progress
from .app_state import AppState
from .collect import CollectPanel
from .job_options import DataFolderRow, FinetuneOptions, ScratchOptions
from .data_prompt import offer_data
from .job_runner import JobRunner
from .curves import LiveCurves
from .gallery import Gallery
from .i18n import refusal
from .model_picker import ModelPicker, skipped_models_message
from .results import FinetuneResults
from .snapshot_view import ReplayButton
from .theme import error_colour

class TrainTab(QWidget):
    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.store = app.samples
        self.runner = JobRunner(self, app.jobs)
        self._busy_elsewhere = False  # the Evaluate tab's job holds the job process
        self.runner.progress.connect(self._on_progress)
        self.runner.message.connect(lambda text, error: self._show_error(text) if error else self._set_status(text))
        self.runner.running_changed.connect(self._on_running)
        self.runner.needs_data.connect(lambda missing, retry: offer_data(self, app, missing, retry, self._show_error))

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
        self.picker.message.connect(self._set_status)
        app.model_changed.connect(self._model_switched)
        self.curves = LiveCurves()
        self.curves.setMinimumHeight(180)
        self.results = FinetuneResults()
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.replay_button = ReplayButton(app)  # how the model a job here handed back, or the one in use, learnt
        self.replay_button.failed.connect(self._show_error)
        self._probe: np.ndarray | None = None  # the pad's drawing: what the next job's snapshots follow
        self.status = QLabel(self.tr("Ready."))
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
        jobs.addTab(self.finetune_options, self.tr("Fine-tune"))
        jobs.addTab(self.scratch_options, self.tr("Train from scratch"))
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        running.addWidget(self.replay_button)

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

        collect_box = QGroupBox(self.tr("Draw and label"))
        QVBoxLayout(collect_box).addWidget(self.collect)
        gallery_box = QGroupBox(self.tr("Your samples"))
        QVBoxLayout(gallery_box).addWidget(self.gallery)
        samples = QSplitter(Qt.Orientation.Horizontal)
        samples.addWidget(collect_box)
        samples.addWidget(gallery_box)
        samples.setSizes([300, 420])
        # The left side shows what the chosen job works on: the samples to fine-tune on, or the net to train
        # from scratch and its techniques.
        self.material = QStackedWidget()
        self.material.addWidget(samples)
        self.material.addWidget(self._net_page())
        jobs.currentChanged.connect(self.material.setCurrentIndex)
        self.scratch_options.editor.changed.connect(lambda: self._enable_starts(self.is_running()))
        split = QSplitter(Qt.Orientation.Horizontal)
        for widget, stretch in ((self.material, 2), (right, 1)):
            split.addWidget(widget)
            split.setStretchFactor(split.count() - 1, stretch)
        split.setSizes([720, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

        if self.picker.problems:  # found while the picker was built, before its error signal was connected
            self._show_error(skipped_models_message(self.picker.problems), "\n".join(self.picker.problems))

    def _net_page(self) -> QWidget:
        """The architecture editor and the techniques of Train from scratch."""
        options = self.scratch_options
        net_box = QGroupBox(self.tr("The net: layers"))
        QVBoxLayout(net_box).addWidget(options.editor)
        techniques_box = QGroupBox(self.tr("Techniques"))
        QVBoxLayout(techniques_box).addWidget(options.techniques)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(net_box, 1)
        layout.addWidget(techniques_box)
        return page

    # --- samples -----------------------------------------------------------------------------------------
    def add_labelled(self, label: int, strokes: Sequence, image: np.ndarray) -> str | None:
        """Keep a labelled drawing (from this tab's canvas or the pad's correct-and-learn); returns its id,
        or None (with the reason shown) when the drawing cannot be kept."""
        try:
            sample_id = self.gallery.add(int(label), image, list(strokes) or None)
        except (ValueError, *FILE_ERRORS) as exc:
            self._show_error(self.tr("sample not kept: {0}").format(exc))
            return None
        if not self.is_running():  # a running job's progress keeps the status line
            self._set_status(self.tr("Kept a sample of {0} ({1} samples).").format(int(label), len(self.store)))
        return sample_id

    # --- jobs --------------------------------------------------------------------------------------------
    def start_finetune(self, cfg: FinetuneConfig | None = None) -> None:
        cfg = cfg or self.finetune_options.config()
        if len(self.store) == 0:
            self._show_error(self.tr("No samples yet: draw a few digits, label them and press Add first."))
            return
        base, samples, data = self.app.checkpoint, self.store.as_split(), self.app.data_source()
        if not is_trainable(base):
            self._show_error(self.tr("{0} is an ONNX model: ONNX Runtime runs it but cannot train it. Fine-tune one "
                                     "of mnist-pad's models, or open the PyTorch or Keras file it came from.").format(base.name))
            return
        out = self._new_model_path(tuned_stem(base.name))
        if out is None:
            return
        self.results.clear()
        self._start(self.runner.in_process(finetune_job, base.path, samples, cfg, data, out,
                                           snapshots=None, probe=self._probe),
                    lambda saved: self._tuned(saved, base.path, data),
                    self.tr("Fine-tuning {0} on {1} samples ({2} steps)...").format(base.name, len(samples), cfg.steps),
                    lambda: self.start_finetune(cfg))

    def start_training(self, **overrides) -> None:
        """Train the editor's net with the recipe and techniques chosen (``overrides``: TrainConfig fields over
        them, for tests and benchmarks) in the job process, with a TensorBoard log when asked."""
        options = self.scratch_options
        arch, dataset, epochs = options.arch.currentText(), options.dataset.currentText(), options.epochs.value()
        try:
            net = options.custom_net()
            options.train_config(**overrides)  # what does not go together is refused here, not in the job
        except ValueError as exc:
            self._show_error(self.tr("Cannot train: {0}").format(exc))
            return
        name = arch if net is None else net.name
        data, out = self.app.data_source(), self._new_model_path(f"{name}-{dataset}")
        if out is None:
            return
        try:
            logdir = options.log_folder(out.stem)
        except ValueError as exc:
            self._show_error(self.tr("Cannot write the TensorBoard log: {0}").format(exc))
            return
        techniques = {"recipe": options.techniques.recipe_name(), "net": net, "logdir": logdir, "snapshots": None,
                      "probe": self._probe, **options.techniques.overrides(), **overrides}
        self.results.clear()
        self._start(self.runner.in_process(train_job, arch, dataset, epochs, data, out, **techniques),
                    lambda saved: self._trained(saved, logdir),
                    self.tr("Training {0} on {1} for {2} epoch(s) on {3}...").format(name, dataset, epochs,
                                                                                 resolve_device("auto").type),
                    lambda: self.start_training(**overrides))

    def _new_model_path(self, stem: str) -> Path | None:
        """Where the job will save its model (in the user's models folder), or None with the reason shown."""
        try:
            return new_model_path(stem)
        except FILE_ERRORS as exc:
            self._show_error(self.tr("Cannot save models: {0}").format(exc))
            return None

    def _start(self, job, on_done, message: str, retry) -> None:
        if self.runner.run(job, on_done, message, retry=retry,
                           cancelled=self.tr("Cancelled: nothing was saved and the model in use is unchanged.")):
            self.curves.clear_curves()
            self.progress.setRange(0, 0)  # busy until the first report: loading data, evaluating the base

    def is_running(self) -> bool:
        return self.runner.is_running()

    def cancel(self) -> None:
        if self.runner.is_running():
            self.runner.cancel()
            self._set_status(self.tr("Cancelling..."))

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
        line = self.tr("step {0}/{1}, loss {2:.3f}, {3:,.0f} images/s").format(p.step, p.steps, p.loss,
                                                                              p.images_per_s)
        if p.epochs > 1:
            line = self.tr("epoch {0}/{1}, {2}").format(p.epoch, p.epochs, line)
        if p.step < p.steps:
            line = self.tr("{0}, {1:.0f} s left").format(line, max(1, math.ceil(p.eta)))
        self._set_status(line)

    def _use(self, saved: SavedModel) -> None:
        """Put a job's saved model in use, as it was handed back (its file is not read again)."""
        self.app.set_checkpoint(saved.checkpoint(self.app.device), saved.graph)
        self.picker.refresh()

    @property
    def probe(self) -> np.ndarray | None:
        """The drawing the next job's snapshots follow (:meth:`set_probe`)."""
        return self._probe

    def set_probe(self, image: np.ndarray | None) -> None:
        """The pad's 28x28 network input (None when it is empty): the drawing the next job's snapshots follow
        (without one, a validation digit)."""
        self._probe = None if image is None else np.array(image, np.float32)

    def _trained(self, saved: SavedModel, logdir: Path | None = None) -> None:
        """Use the new model, unless it reads the same test set worse than the model in use: then keep that
        one and say so (the new one is a click away in the model list). Say where its TensorBoard log is."""
        self.replay_button.offer(saved.path, saved.snapshots)
        current = self.app.checkpoint
        new, old = saved.meta.get("test_accuracy"), current.meta.get("test_accuracy")
        if (new is not None and old is not None and new < old
                and saved.meta.get("dataset") == current.meta.get("dataset", "mnist")):
            self.picker.refresh()
            self._set_status(self.tr("Saved {0} ({1:.2%} on {2} test). Still using {3} ({4:.2%}), which reads it "
                                     "better: pick the new model in the Model list to use it anyway.").format(
                saved.path.stem, new, dataset_title(saved.meta["dataset"]), current.name, old), str(saved.path))
        else:
            try:
                self._use(saved)
            except BadInput as exc:  # a net for other images (CIFAR-10): saved and listed, not for the pad
                self.picker.refresh()
                self._set_status(self.tr("Saved {0}; still using {1}: {2}").format(saved.path.stem, current.name,
                                                                                 refusal(exc)),
                                 str(saved.path))
                return
            self._say_saved(saved.path, saved.meta)
        if logdir is not None:
            self.status.setText(self.tr("{0} Its TensorBoard log: tensorboard --logdir {1}").format(
                self.status.text(), logdir.parent))

    def _tuned(self, saved: SavedModel, base: Path, data) -> None:
        """The fine-tuned model is in use; now measure, in the job process, what it kept of MNIST."""
        self.replay_button.offer(saved.path, saved.snapshots)
        self._use(saved)
        self.results.show_report(saved.report)
        self._check_mnist(saved, base, data)

    def _check_mnist(self, saved: SavedModel, base: Path, data) -> None:
        """The second job of a fine-tune; when MNIST turns out to be missing, the data prompt runs it again."""
        self.runner.run(self.runner.in_process(forgetting_job, base, saved.path, saved.report, data),
                        lambda report: self._measured(report, saved.path),
                        self.tr("Saved {0} and switched to it; measuring what it kept of MNIST...").format(
                            saved.path.stem),
                        cancelled=self.tr("Cancelled the MNIST check; {0} is saved and in use.").format(saved.path.stem),
                        retry=lambda: self._check_mnist(saved, base, self.app.data_source()))

    def _measured(self, report: FinetuneReport, path: Path) -> None:
        self.results.show_report(report)
        meta = {"test_accuracy": report.mnist_after, "dataset": "mnist"}
        if self.app.checkpoint.path == path:  # still the model in use (the user may have picked another)
            meta = self.app.update_meta(test_accuracy=report.mnist_after, finetune=report.to_dict())
        self.picker.refresh()
        self._say_saved(path, meta)

    def _model_switched(self) -> None:
        """Say which model is in use now (after Revert or a pick in the list; a job's end says more)."""
        if not self.is_running():
            ckpt = self.app.checkpoint
            acc = ckpt.meta.get("test_accuracy")
            self._set_status(self.tr("Now using {0} ({1:.2%} on {2} test).").format(
                ckpt.name, acc, dataset_title(ckpt.meta.get("dataset", "mnist"))) if acc is not None
                             else self.tr("Now using {0}.").format(ckpt.name))

    def _say_saved(self, path: Path, meta: dict) -> None:
        acc = meta.get("test_accuracy")
        if acc is not None:
            self._set_status(self.tr("Saved {0} and switched to it ({1:.2f}% on {2} test).").format(
                path.stem, acc * 100, dataset_title(meta.get("dataset", "mnist"))), str(path))
        else:
            self._set_status(self.tr("Saved {0} and switched to it.").format(path.stem), str(path))

    def set_busy_elsewhere(self, busy: bool) -> None:
        """The Evaluate tab's job holds the session's job process: the start buttons wait for it."""
        self._busy_elsewhere = busy
        self._enable_starts(self.is_running())

    def _enable_starts(self, running: bool) -> None:
        """The start buttons wait for a running job; Train from scratch also for a net that can be built."""
        waiting = self._busy_elsewhere and not running
        tip = self.tr("Another job is running; this is available again when it has ended.") if waiting else ""
        problem = self.scratch_options.editor.summary().error
        for button, ready, reason in ((self.finetune_options.button, True, ""),
                                      (self.scratch_options.button, not problem,
                                       self.tr("The net cannot be built: {0}").format(problem) if problem else "")):
            button.setEnabled(not running and not self._busy_elsewhere and ready)
            button.setToolTip(tip or reason)

    def _on_running(self, running: bool) -> None:
        self._enable_starts(running)
        self.cancel_button.setEnabled(running)
        if not running and self.progress.maximum() == 0:  # stopped before the first report: leave the busy state
            self.progress.setRange(0, 1)
            self.progress.setValue(0)

    def _set_status(self, text: str, details: str = "") -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.status.setToolTip(details)

    def _show_error(self, message: str, details: str = "") -> None:
        self.status.setStyleSheet(f"color: {error_colour(self.palette())}")
        self.status.setText(message)
        self.status.setToolTip(details)
