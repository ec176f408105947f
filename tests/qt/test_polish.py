"""Details of the plots and tables, offscreen: the empty confusion matrix's axes, the top bar's label inside
the plot, "–" for a class without samples (not 0%), differences without a negative zero, a square canvas
in the Train tab that grows with its panel, blank paper (not black squares) before any ink, no per-class
table when nothing was held out, curves' ranges that neither zoom into noise nor touch the frame."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtGui import QImage, QPainter, QPalette

from mnist_pad.core.analysis import Comparison
from mnist_pad.core.data import DIGITS
from mnist_pad.core.evaluate import report
from mnist_pad.core.explain import Prediction
from mnist_pad.core.finetune import FinetuneConfig, FinetuneReport
from mnist_pad.core.preprocess import preprocess
from mnist_pad.qt.collect import CollectPanel
from mnist_pad.qt.curves import LiveCurves
from mnist_pad.qt.eval_views import ConfusionView, comparison_rows, metrics_rows
from mnist_pad.qt.probabilities import ProbabilityChart
from mnist_pad.qt.results import NO_SAMPLES, FinetuneResults, signed_pp
from mnist_pad.qt.saliency import SaliencyView
from mnist_pad.qt.steps import StepsView


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


# --- empty states -----------------------------------------------------------------------------------------
def centre_colour(panel):
    """The colour drawn in the middle of an image panel."""
    image = panel.grab().toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2)


def a_drawing() -> np.ndarray:
    image = np.zeros((280, 280), np.float32)
    image[60:220, 130:150] = 1.0  # a "1"
    return image


def test_the_steps_and_the_saliency_map_show_blank_paper_before_any_ink(qtbot):
    steps, saliency = shown(qtbot, StepsView(), 420, 140), shown(qtbot, SaliencyView(), 300, 330)
    blank = preprocess(np.zeros((280, 280), np.float32))
    assert blank.empty
    steps.show_steps(blank)
    saliency.show_for(None, Prediction(blank, None, {}))  # no answer: the model is not needed
    for panel in (*steps.panels.values(), saliency.panel):
        assert panel.is_blank() and panel.item.image is None
        paper = panel.palette().color(QPalette.ColorRole.AlternateBase)
        assert centre_colour(panel) == paper  # the paper, not a black square
    assert saliency.caption.text() == "" and steps.note.text() == ""
    steps.show_steps(preprocess(a_drawing()))  # ink: the images replace the paper
    for panel in steps.panels.values():
        assert not panel.is_blank() and panel.item.image is not None
    assert "stroke width" in steps.note.text()
    steps.show_steps(blank)  # and the paper comes back when the drawing is cleared
    assert all(panel.is_blank() for panel in steps.panels.values())


def a_finetune_report(before, after, heldout: int) -> FinetuneReport:
    return FinetuneReport(samples_used=20, heldout=heldout, heldout_before=before, heldout_after=after,
                          mnist_before=0.99, mnist_after=0.99, seconds=1.0, total_seconds=2.0, config=FinetuneConfig())


def test_fine_tune_results_without_held_out_samples_show_the_message_and_no_table(qtbot):
    results = shown(qtbot, FinetuneResults(), 420, 200)
    results.show_report(a_finetune_report(None, None, 0))
    assert "No samples were held out" in results.summary.text()
    assert not results.table.isVisible()  # no table of zeros and dashes
    results.show_report(a_finetune_report(a_report([0, 1], [0, 1]), a_report([0, 1], [0, 0]), 2))
    assert results.table.isVisible() and results.table.item(0, 10).text() == "2"
    results.show_report(a_finetune_report(None, None, 0))
    results.clear()  # ready for the next fine-tune: the table's headers say what will come
    assert results.table.isVisible()


def test_the_curves_ranges_neither_zoom_into_noise_nor_touch_the_frame(qtbot):
    curves = shown(qtbot, LiveCurves(), 420, 260)
    step_axis = curves.plots["loss"].getAxis("bottom")
    assert not step_axis.style["showValues"]  # no meaningless 0-1 step axis before the first report
    curves.set_steps(100)
    for step, loss in ((10, 0.537), (20, 0.513), (30, 0.525)):
        curves.add_point("loss", "train", step, loss)
        curves.add_point("accuracy", "train", step, 100.0)
    assert step_axis.style["showValues"]
    low, high = curves.plots["loss"].viewRange()[1]
    assert low <= 0 and high - low >= 0.1 and high > 0.537
    assert curves.plots["accuracy"].viewRange()[1][1] > 101  # 100% clear of the top frame
    legend = curves.legend.sceneBoundingRect()
    for plot in curves.plots.values():  # the legend lies beneath the plots, over no curve
        assert not legend.intersects(plot.getViewBox().sceneBoundingRect())
    assert [label.text for _, label in curves.legend.items] == ["train"]  # one entry per series, for both plots
    curves.clear_curves()
    assert not step_axis.style["showValues"] and curves.legend.items == []


def test_the_confusion_matrix_fills_a_view_that_is_not_square(qtbot):
    view = shown(qtbot, ConfusionView(), 420, 600)
    for low, high in view.viewRange():  # the cells fill the plot: no empty bands above and below
        assert -0.5 < low <= 0 and 10 <= high < 10.5
