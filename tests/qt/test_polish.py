"""Details of the plots and tables, offscreen: the empty confusion matrix's axes, the top bar's label inside
the plot, "–" for a class without samples (not 0%), differences without a negative zero, a square canvas
in the Train tab that grows with its panel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtGui import QImage, QPainter

from mnist_pad.core.analysis import Comparison
from mnist_pad.core.data import DIGITS
from mnist_pad.core.evaluate import report
from mnist_pad.core.finetune import FinetuneConfig, FinetuneReport
from mnist_pad.qt.collect import CollectPanel
from mnist_pad.qt.eval_views import ConfusionView, comparison_rows, metrics_rows
from mnist_pad.qt.probabilities import ProbabilityChart
from mnist_pad.qt.results import NO_SAMPLES, FinetuneResults, signed_pp


def shown(qtbot, widget, width: int, height: int):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def tick_texts(axis) -> list[str]:
    """The tick labels the axis draws."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]]


def test_the_empty_confusion_matrix_names_its_axes_and_classes(qtbot):
    view = shown(qtbot, ConfusionView(), 420, 420)
    for name, what in (("left", "true"), ("bottom", "predicted")):
        axis = view.getAxis(name)
        assert tick_texts(axis) == list(DIGITS), name
        assert what in axis.labelText


def test_the_confusion_matrix_keeps_its_ticks_after_a_result_is_cleared(qtbot):
    view = shown(qtbot, ConfusionView(), 420, 420)
    view.set_result(None)
    assert tick_texts(view.getAxis("bottom")) == list(DIGITS)


@pytest.mark.parametrize("size", [(360, 240), (220, 110)], ids=["roomy", "small"])
@pytest.mark.parametrize(("top", "p"), [(9, 0.96), (0, 1.0), (4, 0.30), (0, 0.12)])
def test_the_top_bar_label_lies_within_the_plot(qtbot, size, top, p):
    chart = shown(qtbot, ProbabilityChart(), *size)
    probs = np.full(10, (1 - p) / 9)
    probs[top] = p
    chart.set_probabilities(probs, confident=p > 0.5)
    label, view = chart.top_text.sceneBoundingRect(), chart.getViewBox().sceneBoundingRect()
    assert view.contains(label), (label, view)
    assert chart.top_text.toPlainText() == f"{p:.0%}"


def test_the_label_stays_within_the_plot_when_the_plot_shrinks(qtbot):
    chart = shown(qtbot, ProbabilityChart(), 360, 300)
    chart.set_probabilities(np.array([0.02] * 9 + [0.82]), confident=True)
    chart.resize(360, 110)
    qtbot.waitUntil(lambda: chart.getViewBox().sceneBoundingRect().height() < 100, timeout=2000)
    assert chart.getViewBox().sceneBoundingRect().contains(chart.top_text.sceneBoundingRect())


@pytest.mark.parametrize(("delta", "text"), [(-0.004, "±0.00 pp"), (-0.0, "±0.00 pp"), (0.0, "±0.00 pp"),
                                             (0.004, "±0.00 pp"), (-1e-12, "±0.00 pp"), (0.25, "+0.25 pp"),
                                             (-1.5, "-1.50 pp"), (-0.005001, "-0.01 pp")])
def test_signed_pp_never_shows_a_negative_zero(delta, text):
    assert signed_pp(delta) == text
    assert "-0.00" not in signed_pp(delta)


def a_report(labels: list[int], predictions: list[int]):
    return report(torch.tensor(labels), torch.tensor(predictions))


def test_a_class_without_samples_has_no_metrics_rather_than_zero():
    # no 3 at all; no 4 either, but two images read as 4
    rows = metrics_rows(a_report([0, 1, 2, 2, 5, 5], [0, 1, 2, 4, 5, 4]))
    assert rows[3] == ("3", NO_SAMPLES, NO_SAMPLES, NO_SAMPLES, "0")
    assert rows[4] == ("4", "0.0%", NO_SAMPLES, NO_SAMPLES, "0")  # predicted twice, wrong twice: 0% precise
    assert rows[2] == ("2", "100.0%", "50.0%", "66.7%", "2")
    assert all("0.0%" not in cell for row in rows for cell in row if row[4] == "0" and row[0] != "4")


def test_the_comparison_shows_no_accuracy_for_a_class_without_samples():
    per_class = [{"class": str(c), "accuracy_a": 0.0 if c == 3 else 0.9, "accuracy_b": 0.0 if c == 3 else 0.9,
                  "difference": 0.0, "support": 0 if c == 3 else 10} for c in range(10)]
    per_class[1].update(accuracy_b=0.9 - 1e-9, difference=-1e-9)  # rounds to zero: no sign, no tint
    per_class[2].update(accuracy_b=1.0, difference=0.1)
    rows, tints = comparison_rows(Comparison((0.9, 0.91), per_class, np.zeros(0, int), np.zeros(0, int)))
    assert rows[3] == ("3", NO_SAMPLES, NO_SAMPLES, NO_SAMPLES) and tints[3] is None
    assert rows[1][3] == "±0.00 pp" and tints[1] is None
    assert rows[2] == ("2", "90.00%", "100.00%", "+10.00 pp") and tints[2] is not None


def test_fine_tune_results_show_no_accuracy_for_a_class_without_held_out_samples(qtbot):
    results = FinetuneResults()
    qtbot.addWidget(results)
    before = a_report([0, 1, 2, 7], [0, 1, 2, 1])
    after = a_report([0, 1, 2, 7], [0, 1, 2, 7])
    results.show_report(FinetuneReport(samples_used=20, heldout=4, heldout_before=before, heldout_after=after,
                                       mnist_before=0.99720, mnist_after=0.99719, seconds=1.0, total_seconds=2.0,
                                       config=FinetuneConfig()))
    assert [results.table.item(1, c).text() for c in (3, 7)] == [NO_SAMPLES, "0"]
    assert [results.table.item(2, c).text() for c in (3, 7)] == [NO_SAMPLES, "100"]
    assert "±0.00 pp" in results.summary.text() and "-0.00" not in results.summary.text()


@pytest.mark.parametrize("width", [300, 460])
def test_the_train_tabs_canvas_is_square_and_as_wide_as_its_panel(qtbot, width):
    panel = shown(qtbot, CollectPanel(), width, 900)
    canvas = panel.canvas
    assert canvas.width() == canvas.height()
    assert canvas.width() >= width - 4  # it grows with the panel
    first_label = panel.labels.button(0)
    gap = first_label.mapTo(panel, first_label.rect().topLeft()).y() - canvas.geometry().bottom()
    assert 0 < gap < 20  # the label buttons right under the drawing, the spare height below them
