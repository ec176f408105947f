"""The Evaluate tab's right-hand pages: the images of a confusion cell, the most confident mistakes, the
comparison of two models, and the nearest neighbours of the pad's drawing. Each lists images most telling
first; a click on one emits ``image_opened`` (the window shows it in the pad)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from ..core import analysis
from ..core.evaluate import EvalResult
from ..core.eval_jobs import Evaluated
from .eval_views import ImageList, fill_table, table

MISTAKES_SHOWN = 200  # the gallery of confident mistakes shows at most this many


class ResultPages(QTabWidget):
    image_opened = Signal(object)  # a (28, 28) uint8 image the user clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.evaluated: Evaluated | None = None
        self.neighbours: list[analysis.Neighbour] = []
        self.cell_list = ImageList("Click a cell of the confusion matrix to see its images.")
        self.mistakes = ImageList("The most confident mistakes appear here after an evaluation.")
        self.only_a, self.only_b = ImageList(""), ImageList("")
        self.neighbour_list = ImageList("Draw on the pad, then find the closest training images and samples.")
        for gallery in (self.cell_list, self.mistakes, self.only_a, self.only_b):
            gallery.chosen.connect(lambda i: self.image_opened.emit(self._images()[i]))
        self.neighbour_list.chosen.connect(lambda i: self.image_opened.emit(self.neighbours[i].image))
        self.diff_table = table(("class", "accuracy A", "accuracy B", "B − A"))
        compare_page = QSplitter(Qt.Orientation.Vertical)
        for w in (self.diff_table, self.only_a, self.only_b):
            compare_page.addWidget(w)
        self.neighbours_button = QPushButton("Find neighbours of the pad drawing")
        neighbours_page = QWidget()
        nv = QVBoxLayout(neighbours_page)
        nv.addWidget(self.neighbours_button)
        nv.addWidget(self.neighbour_list, 1)
        self.addTab(self.cell_list, "Cell")
        self.addTab(self.mistakes, "Mistakes")
        self.addTab(compare_page, "Compare")
        self.addTab(neighbours_page, "Neighbours")

    def show_evaluation(self, ev: Evaluated) -> None:
        self.evaluated = ev
        res = ev.result
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
        result = self.evaluated.result
        classes = result.report.classes
        index = result.cell(true, predicted)
        what = f"{classes[true]} read as {classes[predicted]}" if true != predicted else f"{classes[true]} read right"
        self.cell_list.show_items(f"{what}: {_count(len(index), 'image')}, most confident first", self._images(), index,
                                  lambda i: f"{result.confidence[i]:.0%}", self._describe)
        self.setCurrentWidget(self.cell_list)

    def show_comparison(self, name_b: str, result_b: EvalResult, cmp: analysis.Comparison) -> None:
        name_a = self.evaluated.model
        rows = [(c["class"], f"{c['accuracy_a']:.2%}", f"{c['accuracy_b']:.2%}", f"{c['difference'] * 100:+.2f} pt")
                for c in cmp.per_class]
        tints = [None if c["difference"] == 0 else "#1e8449" if c["difference"] > 0 else "#c0392b" for c in cmp.per_class]
        fill_table(self.diff_table, rows, tints)
        self.only_a.show_items(f"A ({name_a}) right, B ({name_b}) wrong: {_count(len(cmp.only_a), 'image')}",
                               self._images(), cmp.only_a, lambda i: self._read_as(i, result_b),
                               lambda i: self._describe(i, result_b))
        self.only_b.show_items(f"B ({name_b}) right, A ({name_a}) wrong: {_count(len(cmp.only_b), 'image')}",
                               self._images(), cmp.only_b, self._read_as, self._describe)
        self.setCurrentIndex(2)

    def show_neighbours(self, found: list[analysis.Neighbour], model_name: str) -> None:
        self.neighbours = found
        images = np.stack([n.image for n in found]) if found else np.zeros((0, 28, 28), np.uint8)
        self.neighbour_list.show_items(
            f"The {len(found)} nearest in {model_name}'s penultimate layer (cosine distance)",
            images, range(len(found)), lambda i: f"{found[i].label}  d={found[i].distance:.3f}",
            lambda i: f"{found[i].source} #{found[i].index}, label {found[i].label}, distance {found[i].distance:.4f}")
        self.setCurrentIndex(3)

    def _images(self) -> np.ndarray:
        return self.evaluated.split.images.numpy()

    def _read_as(self, i: int, result: EvalResult | None = None) -> str:
        result = result or self.evaluated.result
        classes = result.report.classes
        return f"{classes[result.labels[i]][:5]}→{classes[result.predictions[i]][:5]} {result.confidence[i]:.0%}"

    def _describe(self, i: int, result: EvalResult | None = None) -> str:
        result = result or self.evaluated.result
        classes = result.report.classes
        return (f"image #{i}: true {classes[result.labels[i]]}, read as {classes[result.predictions[i]]} "
                f"with {result.confidence[i]:.1%}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
