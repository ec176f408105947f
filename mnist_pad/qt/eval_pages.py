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
from .eval_views import ImageList, comparison_rows, fill_table, table
from .i18n import translate

MISTAKES_SHOWN = 200  # the gallery of confident mistakes shows at most this many


class ResultPages(QTabWidget):
    image_opened = Signal(object)  # a (28, 28) uint8 image the user clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.evaluated: Evaluated | None = None
        self.neighbours: list[analysis.Neighbour] = []
        self.cell_list = ImageList(self.tr("Click a cell of the confusion matrix to see its images."))
        self.mistakes = ImageList(self.tr("The most confident mistakes appear here after an evaluation."))
        self.only_a, self.only_b = ImageList(""), ImageList("")
        self.neighbour_list = ImageList(self.tr("Draw on the pad, then find the closest training images and samples."))
        for gallery in (self.cell_list, self.mistakes, self.only_a, self.only_b):
            gallery.chosen.connect(lambda i: self.image_opened.emit(self._images()[i]))
        self.neighbour_list.chosen.connect(lambda i: self.image_opened.emit(self.neighbours[i].image))
        self.diff_table = table((self.tr("class"), self.tr("accuracy A"), self.tr("accuracy B"), self.tr("B − A")))
        compare_page = QSplitter(Qt.Orientation.Vertical)
        for w in (self.diff_table, self.only_a, self.only_b):
            compare_page.addWidget(w)
        self.neighbours_button = QPushButton(self.tr("Find neighbours of the pad drawing"))
        neighbours_page = QWidget()
        nv = QVBoxLayout(neighbours_page)
        nv.addWidget(self.neighbours_button)
        nv.addWidget(self.neighbour_list, 1)
        self.addTab(self.cell_list, self.tr("Cell"))
        self.addTab(self.mistakes, self.tr("Mistakes"))
        self.addTab(compare_page, self.tr("Compare"))
        self.addTab(neighbours_page, self.tr("Neighbours"))

    def show_evaluation(self, ev: Evaluated) -> None:
        self.evaluated = ev
        res = ev.result
        self.cell_list.show_items(self.tr("Click a cell of the confusion matrix to see its images."), self._images(), [],
                                  str)
        worst = res.mistakes(MISTAKES_SHOWN)
        wrong = int((res.predictions != res.labels).sum())
        title = (self.tr("all {0} mistakes, most confident first (click one to open it in the pad)").format(wrong)
                 if len(worst) == wrong else
                 self.tr("the {0} most confident of {1} mistakes, most confident first (click one to open it in the "
                         "pad)").format(len(worst), wrong))
        self.mistakes.show_items(title, self._images(), worst, self._read_as, self._describe)
        fill_table(self.diff_table, [])
        for gallery in (self.only_a, self.only_b):
            gallery.show_items("", self._images(), [], str)

    def show_cell(self, true: int, predicted: int) -> None:
        """List the images of class ``true`` read as ``predicted``, most confident first."""
        result = self.evaluated.result
        classes = result.report.classes
        index = result.cell(true, predicted)
        count = _images_count(len(index))
        title = (self.tr("{0} read as {1}: {2}, most confident first").format(classes[true], classes[predicted], count)
                 if true != predicted else
                 self.tr("{0} read right: {1}, most confident first").format(classes[true], count))
        self.cell_list.show_items(title, self._images(), index, lambda i: f"{result.confidence[i]:.0%}", self._describe)
        self.setCurrentWidget(self.cell_list)

    def show_comparison(self, name_b: str, result_b: EvalResult, cmp: analysis.Comparison) -> None:
        name_a = self.evaluated.model
        rows, tints = comparison_rows(cmp)
        fill_table(self.diff_table, rows, tints)
        self.only_a.show_items(self.tr("A ({0}) right, B ({1}) wrong: {2}").format(
                                   name_a, name_b, _images_count(len(cmp.only_a))),
                               self._images(), cmp.only_a, lambda i: self._read_as(i, result_b),
                               lambda i: self._describe(i, result_b))
        self.only_b.show_items(self.tr("B ({0}) right, A ({1}) wrong: {2}").format(
                                   name_b, name_a, _images_count(len(cmp.only_b))),
                               self._images(), cmp.only_b, self._read_as, self._describe)
        self.setCurrentIndex(2)

    def show_neighbours(self, found: list[analysis.Neighbour], model_name: str) -> None:
        self.neighbours = found
        images = np.stack([n.image for n in found]) if found else np.zeros((0, 28, 28), np.uint8)
        describe = self.tr("{0} #{1}, label {2}, distance {3:.4f}")
        self.neighbour_list.show_items(
            self.tr("The {0} nearest in {1}'s penultimate layer (cosine distance)").format(len(found), model_name),
            images, range(len(found)), lambda i: f"{found[i].label}  d={found[i].distance:.3f}",
            lambda i: describe.format(found[i].source, found[i].index, found[i].label, found[i].distance))
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
        return self.tr("image #{0}: true {1}, read as {2} with {3:.1%}").format(
            i, classes[result.labels[i]], classes[result.predictions[i]], result.confidence[i])


def _images_count(n: int) -> str:
    """The count as the lists show it: "1 image", "2 images", "1,234 images"."""
    if n == 1:
        return translate("ResultPages", "{0:,} image").format(n)
    return translate("ResultPages", "{0:,} images").format(n)
