"""The Evaluate tab: where does a model fail?

Pick a model and a dataset; the evaluation runs in the session's job process (on CUDA when present) and
shows the accuracy, per-class precision/recall/F1 and a colour-mapped confusion matrix. Clicking a cell lists
exactly its images, most confident first; clicking an image opens it in the pad. Also: the most confident
mistakes, a comparison with a second model on the same images, the nearest neighbours of the pad's drawing
among the MNIST training images and the user's samples, and export of the report (JSON + PNG).

Every computation is in core (:mod:`~mnist_pad.core.eval_jobs`, :mod:`~mnist_pad.core.evaluate`,
:mod:`~mnist_pad.core.analysis`, :mod:`~mnist_pad.core.report`); this module only wires it to widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core.foreign import is_trainable
from ..core import analysis
from ..core.evaluate import EvalResult
from ..core.report import export_report
from ..core.catalog import list_models
from ..core.checkpoint import weights
from ..core.device import resolve_device
from ..core.files import FILE_ERRORS
from ..core.progress import Progress
from ..core.eval_jobs import (
    SAMPLES, DatasetChoice, Evaluated, ModelSource, comparison_job, dataset_choices, evaluation_job, neighbours_job,
    samples_split,
)
from .eval_pages import ResultPages
from .eval_views import ConfusionView, fill_table, metrics_rows, table
from .results import signed_pp
from .theme import error_colour
from .app_state import AppState
from .data_prompt import offer_data
from .job_runner import JobRunner

NEIGHBOURS = 12
class EvalTab(QWidget):
    image_opened = Signal(object)  # a (28, 28) uint8 image the user clicked, to show in the pad

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.drawing: np.ndarray | None = None  # the pad's 28x28 network input (set_drawing), for the neighbours
        self.device = str(resolve_device("auto"))
        self.evaluated: Evaluated | None = None
        self.comparison: analysis.Comparison | None = None
        self.runner = JobRunner(self, app.jobs)  # evaluations run in the session's job process
        self._busy_elsewhere = False  # the Train tab's job holds that process
        self._labels: dict[str, str] = {}  # the datasets' labels from core -> as shown
        self._build()
        self.refresh_choices()
        app.model_changed.connect(self.refresh_choices)
        app.model_changed.connect(lambda: self._set_running(self.is_running()))
        app.data_dir_changed.connect(lambda _: self.refresh_choices())
        self.runner.progress.connect(self._on_progress)
        self.runner.message.connect(lambda text, error: self._say(text, error))
        self.runner.needs_data.connect(
            lambda missing, retry: offer_data(self, app, missing, retry, lambda text: self._say(text, error=True)))
        self.runner.running_changed.connect(self._set_running)

    # --- layout ------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_a, self.model_b, self.dataset = QComboBox(), QComboBox(), QComboBox()
        for combo in (self.model_a, self.model_b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.evaluate_button = QPushButton(self.tr("Evaluate"))
        self.compare_button = QPushButton(self.tr("Compare"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.export_button = QPushButton(self.tr("Export report…"))
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.message = QLabel(self.tr("Pick a model and a dataset, then Evaluate."))
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evaluate_button.clicked.connect(self.start_evaluation)
        self.compare_button.clicked.connect(self.start_comparison)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self._export_dialog)

        controls = QGridLayout()
        controls.addWidget(QLabel(self.tr("Model")), 0, 0)
        controls.addWidget(self.model_a, 0, 1)
        controls.addWidget(QLabel(self.tr("Dataset")), 0, 2)
        controls.addWidget(self.dataset, 0, 3)
        controls.addWidget(self.evaluate_button, 0, 4)
        controls.addWidget(self.cancel_button, 0, 5)
        controls.addWidget(self.progress, 0, 6)
        controls.addWidget(QLabel(self.tr("Compare with")), 1, 0)
        controls.addWidget(self.model_b, 1, 1)
        controls.addWidget(self.compare_button, 1, 4)
        controls.addWidget(self.export_button, 1, 5)
        controls.setColumnStretch(7, 1)

        self.accuracy = QLabel(self.tr("not evaluated yet"))
        font = QFont(self.accuracy.font())
        font.setPointSize(16)
        self.accuracy.setFont(font)
        self.metrics = table((self.tr("class"), self.tr("precision"), self.tr("recall"), self.tr("F1"), self.tr("support")))
        left = QWidget()
        left.setMinimumWidth(300)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.accuracy)
        lv.addWidget(self.metrics, 1)

        self.confusion = ConfusionView()
        self.confusion.cell_clicked.connect(self.show_cell)
        self.normalised = QCheckBox(self.tr("normalised (% of each true class)"))
        self.normalised.toggled.connect(self.confusion.set_normalised)
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        mv.addWidget(self.confusion, 1)
        mv.addWidget(self.normalised)

        self.pages = ResultPages()
        self.pages.image_opened.connect(self.image_opened)
        self.pages.neighbours_button.clicked.connect(self.start_neighbours)

        split = QSplitter()
        for w in (left, middle, self.pages):
            split.addWidget(w)
        split.setSizes([320, 560, 440])
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        self._set_running(False)

    def refresh_choices(self) -> None:
        """Re-read the model catalog (new fine-tuned models appear) and the datasets, keeping selections."""
        entries, problems = list_models()
        current = self.app.checkpoint
        shipped = self.tr(" (shipped)")
        items = [(self.tr("current: {0}").format(current.name), None)] + [
            (e.name + (shipped if e.shipped else ""), e.path) for e in entries]
        first = self.model_b.count() == 0
        for combo in (self.model_a, self.model_b):
            _refill(combo, items)
        if first and len(items) > 1:  # compare with another model than the current one, to begin with
            self.model_b.setCurrentIndex(next((i for i, (_, path) in enumerate(items[1:], 1) if path != current.path), 1))
        labels = {"mnist": self.tr("MNIST test"), "fashion-mnist": self.tr("Fashion-MNIST test"),
                  SAMPLES: self.tr("my samples")}
        choices = dataset_choices(self.app.data_dir)
        self._labels = {c.label: labels.get(c.dataset, c.label) for c in choices}  # core's label -> the shown one
        _refill(self.dataset, [(self._labels[c.label], c) for c in choices])
        if problems:
            self._say(self.tr("Some model files were skipped: {0}").format("; ".join(problems)), error=True)

    def _label(self, core_label: str) -> str:
        """A dataset choice as the dataset box shows it (translated), for the messages about it."""
        return self._labels.get(core_label, core_label)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self.is_running():
            self.refresh_choices()
        super().showEvent(event)
        self.app.start_jobs()

    # --- jobs --------------------------------------------------------------------------------------------
    def set_drawing(self, image: np.ndarray | None) -> None:
        """The pad's current 28x28 network input (None when it is empty): what Neighbours searches for."""
        self.drawing = image

    def _source(self, combo: QComboBox) -> ModelSource:
        """The chosen model as the job process can load it: its file, or its weights when it has none."""
        path: Path | None = combo.currentData()
        if path is not None:
            return path
        ckpt = self.app.checkpoint
        return ckpt.path if ckpt.path is not None else (ckpt.meta, weights(ckpt.model))

    def start_evaluation(self) -> None:
        choice: DatasetChoice = self.dataset.currentData()
        samples = samples_split(self.app.samples)[0] if choice.dataset == SAMPLES else None
        if samples is not None and not len(samples):
            self._say(self.tr("You have no samples yet: label drawings on the pad or in the Train tab first."), error=True)
            return
        job = self.runner.in_process(evaluation_job, self._source(self.model_a), choice, self.app.data_source(),
                                     samples, self.device)
        self._run(job, self._show_evaluation, self.tr("evaluating on {0} ({1})…").format(self._label(choice.label), self.device),
                  self.start_evaluation)

    def start_comparison(self) -> None:
        if self.evaluated is None:
            self._say(self.tr("Evaluate a model first; the comparison runs the second model on the same images."), error=True)
            return
        ev = self.evaluated
        job = self.runner.in_process(comparison_job, self._source(self.model_b), ev.split, ev.result.report.classes,
                                     self.device)
        self._run(job, self._show_comparison,
                  self.tr("evaluating {0} on the same images…").format(self.model_b.currentText()))

    def start_neighbours(self) -> None:
        if self.drawing is None:
            self._say(self.tr("The pad is empty: draw a digit there first."), error=True)
            return
        samples, key = samples_split(self.app.samples)
        job = self.runner.in_process(neighbours_job, self._source(self.model_a), self.drawing, self.app.data_source(),
                                     samples, key, self.device, NEIGHBOURS)
        self._run(job, self._show_neighbours, self.tr("embedding the reference images (once per model)…"),
                  self.start_neighbours)

    def _run(self, job: Callable[[], Iterator], on_done: Callable[[object], None], message: str,
             retry: Callable[[], None] | None = None) -> None:
        if self.runner.run(job, on_done, message, retry=retry):
            self.progress.setValue(0)

    def is_running(self) -> bool:
        return self.runner.is_running()

    def cancel(self) -> None:
        self.runner.cancel()

    def shutdown(self) -> None:
        """Stop a running job and wait for its thread (the window calls this when closing)."""
        self.runner.shutdown()

    def _on_progress(self, p: Progress) -> None:
        self.progress.setMaximum(p.steps)
        self.progress.setValue(p.step)

    def set_busy_elsewhere(self, busy: bool) -> None:
        """Another tab's job holds the session's job process: the buttons that would start a job wait for it."""
        self._busy_elsewhere = busy
        self._set_running(self.is_running())

    def _set_running(self, running: bool) -> None:
        busy = running or self._busy_elsewhere
        for w in (self.evaluate_button, self.compare_button, self.pages.neighbours_button):
            w.setEnabled(not busy)
            w.setToolTip(self.tr("Another job is running; this is available again when it has ended.")
                         if busy and not running else "")
        if not is_trainable(self.app.checkpoint):  # an ONNX model of another tool: no penultimate features
            self.pages.neighbours_button.setEnabled(False)
            self.pages.neighbours_button.setToolTip(self.tr(
                "The model in use is an ONNX model: it gives its class scores only, so there is no feature space to "
                "search for neighbours in."))
        for w in (self.model_a, self.model_b, self.dataset):
            w.setEnabled(not running)
        self.export_button.setEnabled(not running and self.evaluated is not None)
        self.cancel_button.setEnabled(running)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {error_colour(self.palette())};" if error else "")
        self.message.setText(text)

    # --- results -----------------------------------------------------------------------------------------
    def _show_evaluation(self, ev: Evaluated) -> None:
        self.evaluated, self.comparison = ev, None
        rep, res = ev.result.report, ev.result
        self.accuracy.setText(self.tr("{0:.2%} correct").format(rep.accuracy))
        self._say(self.tr("{0} on {1}: {2:,} images in {3:.2f} s on {4} ({5}).").format(
            ev.model, self._label(ev.dataset), rep.n, res.seconds, ev.device, res.engine) + "\n" + self.tr(
            "As the pad would say: ok {0:,} ({1:,} of them wrong), unsure {2:,}, not a digit {3:,}.").format(
            ev.statuses["ok"], ev.statuses["ok_wrong"], ev.statuses["unsure"], ev.statuses["not_a_digit"]))
        fill_table(self.metrics, metrics_rows(rep))
        self.confusion.set_result(res, self.tr("{0} on {1}").format(ev.model, self._label(ev.dataset)))
        self.pages.show_evaluation(ev)

    def show_cell(self, true: int, predicted: int) -> None:
        """List the images of class ``true`` read as ``predicted``, most confident first."""
        if self.evaluated is not None:
            self.confusion.select(true, predicted)
            self.pages.show_cell(true, predicted)

    def _show_comparison(self, outcome: tuple[str, EvalResult]) -> None:
        name_b, result_b = outcome
        ev = self.evaluated
        try:
            cmp = analysis.compare(ev.result, result_b)
        except ValueError as exc:
            self._say(str(exc), error=True)
            return
        self.comparison = cmp
        self.pages.show_comparison(name_b, result_b, cmp)
        verdict = (self.tr("no differences") if cmp.identical
                   else signed_pp((cmp.accuracy[1] - cmp.accuracy[0]) * 100))
        self._say(self.tr("A = {0}: {1:.2%}, B = {2}: {3:.2%} on {4} ({5}).").format(
            ev.model, cmp.accuracy[0], name_b, cmp.accuracy[1], self._label(ev.dataset), verdict))

    def _show_neighbours(self, outcome: tuple[str, list[analysis.Neighbour]]) -> None:
        name, found = outcome
        self.pages.show_neighbours(found, name)
        self._say(self.tr("Nearest neighbours found among {0}.").format(", ".join(sorted({n.source for n in found}))))

    # --- export ------------------------------------------------------------------------------------------
    def export(self, json_path: str | Path) -> list[Path]:
        """Write the report as JSON and the confusion matrix as a PNG beside it (same name, .png)."""
        ev = self.evaluated
        json_path = Path(json_path)
        return export_report(ev.result, json_path, json_path.with_suffix(".png"), self.normalised.isChecked(),
                                      model=ev.model, dataset=ev.dataset, device=ev.device)

    def _export_dialog(self) -> None:
        if self.evaluated is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export report"), "evaluation.json",
                                              self.tr("JSON report (*.json)"))
        if path:
            try:
                written = self.export(path)
            except FILE_ERRORS as exc:
                self._say(self.tr("Export failed: {0}").format(exc), error=True)
                return
            self._say(self.tr("Exported {0}").format(self.tr(" and ").join(str(p) for p in written)))


def _refill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace ``combo``'s items, keeping the selected one when it is still there."""
    previous = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    found = combo.findText(previous)
    combo.setCurrentIndex(max(found, 0))
    combo.blockSignals(False)
