"""The Evaluate tab: where does a model fail?

Pick a model and a dataset; the evaluation runs in a :class:`Worker` (on CUDA when present) and shows the
accuracy, per-class precision/recall/F1 and a colour-mapped confusion matrix. Clicking a cell lists exactly
its images, most confident first; clicking an image opens it in the pad. Also: the most confident mistakes,
a comparison with a second model on the same images, the nearest neighbours of the pad's drawing among the
MNIST training images and the user's samples, and export of the report (JSON + PNG).

Every computation is in :mod:`mnist_pad.core.analysis`; this module only wires it to widgets.
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core import analysis
from ..core.evaluate import EvalResult, evaluate_steps
from ..core.report import export_report
from ..core.catalog import list_models
from ..core.checkpoint import load as load_checkpoint
from ..core.data import Split
from ..core.device import resolve_device
from ..core.files import FILE_ERRORS
from ..core.models import ConvNet
from ..core.progress import Progress
from .eval_jobs import SAMPLES, DatasetChoice, Evaluated, ModelLoader, dataset_choices, eval_job, neighbour_refs, samples_split
from .eval_views import ConfusionView, ImageList, fill_table, table
from .app_state import AppState
from .job_runner import JobRunner

MISTAKES_SHOWN = 200  # the gallery of confident mistakes shows at most this many
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
        self.runner = JobRunner(self)  # evaluation jobs run in its worker thread, in this process
        self.neighbour_index = analysis.NeighbourIndex(self.device)
        self._build()
        self.refresh_choices()
        app.model_changed.connect(self.refresh_choices)
        app.data_dir_changed.connect(lambda _: self.refresh_choices())
        self.runner.progress.connect(self._on_progress)
        self.runner.message.connect(lambda text, error: self._say(text, error))
        self.runner.running_changed.connect(self._set_running)

    # --- layout ------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_a, self.model_b, self.dataset = QComboBox(), QComboBox(), QComboBox()
        for combo in (self.model_a, self.model_b):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.evaluate_button = QPushButton("Evaluate")
        self.compare_button = QPushButton("Compare")
        self.cancel_button = QPushButton("Cancel")
        self.export_button = QPushButton("Export report…")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.message = QLabel("Pick a model and a dataset, then Evaluate.")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evaluate_button.clicked.connect(self.start_evaluation)
        self.compare_button.clicked.connect(self.start_comparison)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self._export_dialog)

        controls = QGridLayout()
        controls.addWidget(QLabel("Model"), 0, 0)
        controls.addWidget(self.model_a, 0, 1)
        controls.addWidget(QLabel("Dataset"), 0, 2)
        controls.addWidget(self.dataset, 0, 3)
        controls.addWidget(self.evaluate_button, 0, 4)
        controls.addWidget(self.cancel_button, 0, 5)
        controls.addWidget(self.progress, 0, 6)
        controls.addWidget(QLabel("Compare with"), 1, 0)
        controls.addWidget(self.model_b, 1, 1)
        controls.addWidget(self.compare_button, 1, 4)
        controls.addWidget(self.export_button, 1, 5)
        controls.setColumnStretch(7, 1)

        self.accuracy = QLabel("–")
        font = QFont(self.accuracy.font())
        font.setPointSize(16)
        self.accuracy.setFont(font)
        self.metrics = table(("class", "precision", "recall", "F1", "support"))
        left = QWidget()
        left.setMinimumWidth(300)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.accuracy)
        lv.addWidget(self.metrics, 1)

        self.confusion = ConfusionView()
        self.confusion.cell_clicked.connect(self.show_cell)
        self.normalised = QCheckBox("normalised (% of each true class)")
        self.normalised.toggled.connect(self.confusion.set_normalised)
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        mv.addWidget(self.confusion, 1)
        mv.addWidget(self.normalised)

        self.cell_list = ImageList("Click a cell of the confusion matrix to see its images.")
        self.mistakes = ImageList("The most confident mistakes appear here after an evaluation.")
        self.only_a, self.only_b = ImageList(""), ImageList("")
        self.neighbour_list = ImageList("Draw on the pad, then find the closest training images and samples.")
        for gallery in (self.cell_list, self.mistakes, self.only_a, self.only_b):
            gallery.chosen.connect(self._open_evaluated)
        self.neighbour_list.chosen.connect(self._open_neighbour)
        self.diff_table = table(("class", "accuracy A", "accuracy B", "B − A"))
        compare_page = QSplitter(Qt.Orientation.Vertical)
        for w in (self.diff_table, self.only_a, self.only_b):
            compare_page.addWidget(w)
        self.neighbours_button = QPushButton("Find neighbours of the pad drawing")
        self.neighbours_button.clicked.connect(self.start_neighbours)
        neighbours_page = QWidget()
        nv = QVBoxLayout(neighbours_page)
        nv.addWidget(self.neighbours_button)
        nv.addWidget(self.neighbour_list, 1)
        self.pages = QTabWidget()
        self.pages.addTab(self.cell_list, "Cell")
        self.pages.addTab(self.mistakes, "Mistakes")
        self.pages.addTab(compare_page, "Compare")
        self.pages.addTab(neighbours_page, "Neighbours")

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
        items = [(f"current: {current.name}", None)] + [(e.name + (" (shipped)" if e.shipped else ""), e.path) for e in entries]
        for combo in (self.model_a, self.model_b):
            _refill(combo, items)
        _refill(self.dataset, [(c.label, c) for c in dataset_choices(self.app.data_dir)])
        if problems:
            self._say("Some model files were skipped: " + "; ".join(problems), error=True)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self.is_running():
            self.refresh_choices()
        super().showEvent(event)

    # --- jobs --------------------------------------------------------------------------------------------
    def set_drawing(self, image: np.ndarray | None) -> None:
        """The pad's current 28x28 network input (None when it is empty): what Neighbours searches for."""
        self.drawing = image

    def _model_loader(self, combo: QComboBox) -> ModelLoader:
        path: Path | None = combo.currentData()
        ckpt, predictor, device = self.app.checkpoint, self.app.predictor, self.device

        def load() -> tuple[ConvNet, str]:
            # torch.onnx.export is not thread-safe: let the pad's background export finish before ours
            predictor.wait_ready()
            chosen = ckpt if path is None else load_checkpoint(path, device)
            return chosen.model, chosen.name

        return load

    def _data_loader(self, choice: DatasetChoice) -> Callable[[], Split]:
        if choice.dataset == SAMPLES:
            store = self.app.samples
            return lambda: samples_split(store)
        loader = self.app.data_source()
        return lambda: loader(choice.dataset, "test")

    def start_evaluation(self) -> None:
        choice: DatasetChoice = self.dataset.currentData()
        job = lambda: eval_job(self._model_loader(self.model_a), self._data_loader(choice), choice, self.device)  # noqa: E731
        self._run(job, self._show_evaluation, f"evaluating on {choice.label} ({self.device})…")

    def start_comparison(self) -> None:
        if self.evaluated is None:
            self._say("Evaluate a model first; the comparison runs the second model on the same images.", error=True)
            return
        ev, load_b = self.evaluated, self._model_loader(self.model_b)

        def job() -> Iterator:
            model, name = load_b()
            result = yield from evaluate_steps(model, ev.split, ev.result.report.classes, self.device)
            return name, result

        self._run(job, self._show_comparison, f"evaluating {self.model_b.currentText()} on the same images…")

    def start_neighbours(self) -> None:
        image = self.drawing
        if image is None:
            self._say("The pad is empty: draw a digit there first.", error=True)
            return
        model, index, loader, store = self.app.checkpoint.model, self.neighbour_index, self.app.data_source(), self.app.samples

        def job() -> Iterator:
            refs = neighbour_refs(loader, store)
            yield from index.build(model, refs)
            return index.nearest(model, image, refs, NEIGHBOURS)

        self._run(job, self._show_neighbours, "embedding the reference images (once per model)…")

    def _run(self, job: Callable[[], Iterator], on_done: Callable[[object], None], message: str) -> None:
        if self.runner.run(job, on_done, message):
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

    def _set_running(self, running: bool) -> None:
        for w in (self.evaluate_button, self.compare_button, self.neighbours_button, self.model_a, self.model_b, self.dataset):
            w.setEnabled(not running)
        self.export_button.setEnabled(not running and self.evaluated is not None)
        self.cancel_button.setEnabled(running)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    # --- results -----------------------------------------------------------------------------------------
    def _show_evaluation(self, ev: Evaluated) -> None:
        self.evaluated, self.comparison = ev, None
        rep, res = ev.result.report, ev.result
        self.accuracy.setText(f"{rep.accuracy:.2%} correct")
        self._say(f"{ev.model} on {ev.dataset}: {rep.n:,} images in {res.seconds:.2f} s on {ev.device} ({res.engine}).")
        fill_table(self.metrics, [(c, f"{m['precision']:.1%}", f"{m['recall']:.1%}", f"{m['f1']:.1%}", f"{int(m['support'])}")
                                  for c, m in zip(rep.classes, rep.per_class)])
        self.confusion.set_result(res, f"{ev.model} on {ev.dataset}")
        self.cell_list.show_items("Click a cell of the confusion matrix to see its images.", self._images(), [], str)
        worst = res.mistakes(MISTAKES_SHOWN)
        wrong = int((res.predictions != res.labels).sum())
        shown = f"all {wrong}" if len(worst) == wrong else f"the {len(worst)} most confident of {wrong}"
        self.mistakes.show_items(f"{shown} mistakes, most confident first (click one to open it in the pad)",
                                 self._images(), worst, self._read_as, self._describe)
        fill_table(self.diff_table, [])
        for gallery in (self.only_a, self.only_b):
            gallery.show_items("", self._images(), [], str)

    def show_cell(self, true: int, predicted: int) -> None:
        """List the images of class ``true`` read as ``predicted``, most confident first."""
        if self.evaluated is None:
            return
        classes = self.evaluated.result.report.classes
        index = self.evaluated.result.cell(true, predicted)
        self.confusion.select(true, predicted)
        what = f"{classes[true]} read as {classes[predicted]}" if true != predicted else f"{classes[true]} read right"
        self.cell_list.show_items(f"{what}: {_count(len(index), 'image')}, most confident first", self._images(), index,
                                  self._confidence, self._describe)
        self.pages.setCurrentWidget(self.cell_list)

    def _show_comparison(self, outcome: tuple[str, EvalResult]) -> None:
        name_b, result_b = outcome
        ev = self.evaluated
        try:
            cmp = analysis.compare(ev.result, result_b)
        except ValueError as exc:
            self._say(str(exc), error=True)
            return
        self.comparison = cmp
        rows = [(c["class"], f"{c['accuracy_a']:.2%}", f"{c['accuracy_b']:.2%}", f"{c['difference'] * 100:+.2f} pt")
                for c in cmp.per_class]
        tints = [None if c["difference"] == 0 else "#1e8449" if c["difference"] > 0 else "#c0392b" for c in cmp.per_class]
        fill_table(self.diff_table, rows, tints)
        self.only_a.show_items(f"A ({ev.model}) right, B ({name_b}) wrong: {_count(len(cmp.only_a), 'image')}", self._images(),
                               cmp.only_a, lambda i: self._read_as(i, result_b), lambda i: self._describe(i, result_b))
        self.only_b.show_items(f"B ({name_b}) right, A ({ev.model}) wrong: {_count(len(cmp.only_b), 'image')}", self._images(),
                               cmp.only_b, self._read_as, self._describe)
        verdict = "no differences" if cmp.identical else f"{(cmp.accuracy[1] - cmp.accuracy[0]) * 100:+.2f} pt"
        self._say(f"A = {ev.model}: {cmp.accuracy[0]:.2%}, B = {name_b}: {cmp.accuracy[1]:.2%} on {ev.dataset} ({verdict}).")
        self.pages.setCurrentIndex(2)

    def _show_neighbours(self, found: list[analysis.Neighbour]) -> None:
        self._neighbours = found
        images = np.stack([n.image for n in found]) if found else np.zeros((0, 28, 28), np.uint8)
        self.neighbour_list.show_items(
            f"The {len(found)} nearest in {self.app.checkpoint.name}'s penultimate layer (cosine distance)",
            images, range(len(found)), lambda i: f"{found[i].label}  d={found[i].distance:.3f}",
            lambda i: f"{found[i].source} #{found[i].index}, label {found[i].label}, distance {found[i].distance:.4f}")
        self._say(f"Nearest neighbours found among {', '.join(sorted({n.source for n in found}))}.")
        self.pages.setCurrentIndex(3)

    def _images(self) -> np.ndarray:
        return self.evaluated.split.images.numpy()

    def _confidence(self, i: int) -> str:
        return f"{self.evaluated.result.confidence[i]:.0%}"

    def _read_as(self, i: int, result: EvalResult | None = None) -> str:
        result = result or self.evaluated.result
        classes = result.report.classes
        return f"{classes[result.labels[i]][:5]}→{classes[result.predictions[i]][:5]} {result.confidence[i]:.0%}"

    def _describe(self, i: int, result: EvalResult | None = None) -> str:
        result = result or self.evaluated.result
        classes = result.report.classes
        return (f"image #{i}: true {classes[result.labels[i]]}, read as {classes[result.predictions[i]]} "
                f"with {result.confidence[i]:.1%}")

    def _open_evaluated(self, i: int) -> None:
        self.image_opened.emit(self._images()[i])

    def _open_neighbour(self, i: int) -> None:
        self.image_opened.emit(self._neighbours[i].image)

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
        path, _ = QFileDialog.getSaveFileName(self, "Export report", "evaluation.json", "JSON report (*.json)")
        if path:
            try:
                written = self.export(path)
            except FILE_ERRORS as exc:
                self._say(f"Export failed: {exc}", error=True)
                return
            self._say("Exported " + " and ".join(str(p) for p in written))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


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
