"""The Evaluate tab, offscreen: evaluation in the worker, the confusion matrix and its cells (clicked with the
mouse), opening an image in the pad, comparison, nearest neighbours, export, a missing dataset, and that the
UI keeps running while it evaluates. Real MNIST images with an untrained (seeded) net: plenty of mistakes."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.data import load_split
from mnist_pad.core.models import build
from mnist_pad.core.paths import models_dir
from mnist_pad.qt.eval_tab import EvalTab
from mnist_pad.qt import data_prompt
from synthetic import FixedSplits, NoData
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.replay import replay
from mnist_pad.qt.stall import StallMeter

pytestmark = pytest.mark.timeout(120)
N_TEST = 1200
STALL_BAR_MS = 1000  # lenient (CI machines are loaded): evaluating on the UI thread would block for seconds


@pytest.fixture(scope="module")
def small_train(mnist_dir):
    return load_split("mnist", "train", mnist_dir).subset(slice(0, 2000))


@pytest.fixture
def opened():
    return []


@pytest.fixture
def tab(qtbot, tmp_path, mnist_test, small_train, opened):
    torch.manual_seed(0)
    state = AppState(load(save(tmp_path / "base.safetensors", build("fast"), name="base")),
                     settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    state.load_split = FixedSplits(mnist_test.subset(slice(0, N_TEST)), small_train)
    widget = EvalTab(state)
    widget.image_opened.connect(opened.append)
    qtbot.addWidget(widget)
    widget.resize(1300, 700)
    widget.show()
    yield widget
    widget.shutdown()  # no thread outlives a test
    state.close()  # nor the job process


def evaluate(qtbot, tab):
    with qtbot.waitSignal(tab.confusion.cells.sigImageChanged, timeout=60_000):
        tab.start_evaluation()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=10_000)


def click_cell(qtbot, tab, true: int, predicted: int) -> None:
    """A real left click in the middle of the cell, through the view's viewport."""
    view = tab.confusion

    def cell_pos():
        return view.mapFromScene(view.cells.mapToScene(QPointF(predicted + 0.5, true + 0.5)))

    qtbot.waitUntil(lambda: view.viewport().rect().contains(cell_pos()), timeout=5_000)  # pyqtgraph lays out lazily
    pos = cell_pos()
    QTest.mouseMove(view.viewport(), pos)  # pyqtgraph finds the item under the cursor from the last move
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def test_evaluation_shows_accuracy_metrics_and_a_confusion_matrix_summing_to_n(qtbot, tab, mnist_test):
    evaluate(qtbot, tab)
    res = tab.evaluated.result
    counts = np.asarray(res.report.confusion)
    assert counts.sum() == N_TEST == len(tab.evaluated.split)
    assert tab.progress.value() == tab.progress.maximum() == N_TEST
    assert f"{res.report.accuracy:.2%}" in tab.accuracy.text()
    st = tab.evaluated.statuses  # the pad's statuses, from the model's own reading
    assert st["ok"] + st["unsure"] + st["not_a_digit"] == N_TEST and st["no_ink"] == 0
    assert st["ok_wrong"] <= min(st["ok"], N_TEST - int(np.trace(counts)))
    assert f"ok {st['ok']:,} ({st['ok_wrong']:,} of them wrong), unsure {st['unsure']:,}" in tab.message.text()
    assert tab.metrics.rowCount() == 10
    assert tab.metrics.item(3, 4).text() == str(int((mnist_test.labels[:N_TEST] == 3).sum()))
    shown = sum(int(tab.confusion.text_of(i, j)) for i in range(10) for j in range(10))
    assert shown == N_TEST
    tab.normalised.setChecked(True)
    row = [float(tab.confusion.text_of(2, j)) for j in range(10)]
    assert sum(row) == pytest.approx(100, abs=0.6)  # percentages of the row, ten values rounded to 0.1
    assert [v == 0 for v in row] == [c == 0 for c in counts[2]]  # only empty cells show 0
    assert tab.export_button.isEnabled() and not tab.cancel_button.isEnabled()


def test_clicking_a_cell_lists_exactly_its_images_and_a_click_opens_one_in_the_pad(qtbot, tab, opened):
    evaluate(qtbot, tab)
    res = tab.evaluated.result
    counts = np.asarray(res.report.confusion)
    off = counts - np.diag(np.diag(counts))
    t, p = (int(v) for v in np.unravel_index(np.argmax(off), off.shape))
    click_cell(qtbot, tab, t, p)
    listed = tab.pages.cell_list.indices()
    expected = np.flatnonzero((res.labels == t) & (res.predictions == p))
    assert sorted(listed) == sorted(expected.tolist()) and len(listed) == counts[t, p] > 0
    assert np.all(np.diff(res.confidence[listed]) <= 0)  # most confident first
    assert f"{len(listed)} image" in tab.pages.cell_list.title.text()
    assert tab.pages.currentWidget() is tab.pages.cell_list

    view = tab.pages.cell_list.view
    rect = view.visualRect(tab.pages.cell_list.model.index(0))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert len(opened) == 1
    assert np.array_equal(opened[0], tab.evaluated.split.images[listed[0]].numpy())

    click_cell(qtbot, tab, 1, 1)  # the diagonal: every 1 read right
    assert len(tab.pages.cell_list.indices()) == counts[1, 1]


def test_confident_mistakes_gallery(qtbot, tab):
    evaluate(qtbot, tab)
    res = tab.evaluated.result
    shown = tab.pages.mistakes.indices()
    assert shown == res.mistakes(len(shown)).tolist() and len(shown) > 10
    assert all(res.labels[i] != res.predictions[i] for i in shown)


def test_a_model_compared_with_itself_shows_no_differences(qtbot, tab):
    evaluate(qtbot, tab)
    tab.model_b.setCurrentIndex(0)  # "current: base", the same model as A
    tab.start_comparison()
    qtbot.waitUntil(lambda: tab.comparison is not None, timeout=60_000)
    assert tab.comparison.identical
    assert tab.pages.only_a.indices() == [] and tab.pages.only_b.indices() == []
    assert [tab.pages.diff_table.item(r, 3).text() for r in range(10)] == ["±0.00 pp"] * 10
    assert "no differences" in tab.message.text()


def test_comparison_with_another_model_lists_images_one_gets_right(qtbot, tab):
    torch.manual_seed(1)
    save(models_dir() / "other.safetensors", build("fast"), name="other")
    tab.refresh_choices()
    evaluate(qtbot, tab)
    tab.model_b.setCurrentIndex(tab.model_b.findText("other"))
    tab.start_comparison()
    qtbot.waitUntil(lambda: tab.comparison is not None, timeout=60_000)
    a = tab.evaluated.result
    cmp = tab.comparison
    assert not cmp.identical
    assert tab.pages.only_b.indices() == cmp.only_b.tolist()
    assert all(a.predictions[i] != a.labels[i] for i in tab.pages.only_b.indices())
    assert all(a.predictions[i] == a.labels[i] for i in tab.pages.only_a.indices())


def test_nearest_neighbours_of_a_training_image_start_with_itself(qtbot, tab, small_train):
    tab.start_neighbours()
    assert "empty" in tab.message.text()  # nothing drawn yet
    tab.set_drawing(small_train.images[123].numpy().astype(np.float32) / 255)
    tab.start_neighbours()
    qtbot.waitUntil(lambda: not tab.is_running() and bool(tab.pages.neighbour_list.indices()), timeout=60_000)
    first = tab.pages.neighbour_list.model.images[0]
    assert np.array_equal(first, small_train.images[123].numpy())
    assert "MNIST train #123" in tab.pages.neighbour_list.model.data(tab.pages.neighbour_list.model.index(0), Qt.ItemDataRole.ToolTipRole)


def test_export_writes_valid_json_and_a_png(qtbot, tab, tmp_path):
    evaluate(qtbot, tab)
    json_path, png_path = tab.export(tmp_path / "report.json")
    data = json.loads(json_path.read_text())
    assert data["model"] == "base" and data["dataset"] == "MNIST test" and data["n"] == N_TEST
    assert np.asarray(data["confusion"]).sum() == N_TEST
    assert data["accuracy"] == pytest.approx(tab.evaluated.result.report.accuracy)
    with Image.open(png_path) as png:
        assert png.format == "PNG" and png_path.suffix == ".png"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_an_export_where_nothing_can_be_written_is_a_message_in_the_tab(qtbot, tab, monkeypatch):
    evaluate(qtbot, tab)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("/proc/report.json", ""))
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    assert tab.message.text().startswith("Export failed: report file /proc/report.json: cannot write in /proc")


def test_a_missing_dataset_is_a_question_in_the_windows_words(qtbot, tab, monkeypatch):
    tab.app.load_split = NoData()
    asked = []
    monkeypatch.setattr(data_prompt, "ask", lambda parent, missing: asked.append(missing.dataset))  # cancelled
    tab.start_evaluation()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=10_000)
    assert asked == ["mnist"] and "not on this computer" in tab.message.text()
    assert tab.evaluated is None and tab.evaluate_button.isEnabled()


def test_my_samples_without_samples_says_so_and_with_samples_evaluates_them(qtbot, tab, small_train):
    tab.dataset.setCurrentIndex(tab.dataset.findText("my samples"))
    tab.start_evaluation()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=10_000)
    assert "no samples yet" in tab.message.text()
    store = tab.app.samples
    for i in range(12):
        store.add(int(small_train.labels[i]), small_train.images[i].numpy())
    evaluate(qtbot, tab)
    assert tab.evaluated.result.report.n == 12 and tab.evaluated.dataset == "my samples"


def test_the_ui_keeps_running_during_evaluation_and_cancel_stops_it(qtbot, tab, mnist_test):
    tab.app.load_split = FixedSplits(mnist_test)  # all 10,000 images
    meter = StallMeter(interval_ms=5)
    meter.start()
    tab.start_evaluation()
    qtbot.waitUntil(lambda: tab.progress.value() > 0, timeout=60_000)
    assert tab.is_running()
    with qtbot.waitSignal(tab.runner.worker.cancelled, timeout=30_000):
        tab.cancel()
    meter.stop()
    assert tab.evaluated is None and "Cancelled" in tab.message.text()
    assert len(meter.gaps_ms) > 5
    assert meter.longest_ms < STALL_BAR_MS, meter.summary()


def test_the_main_window_has_the_tab_and_an_image_click_goes_to_the_pad(qtbot, tmp_path, mnist_test):
    from mnist_pad.qt.window import MainWindow

    torch.manual_seed(0)
    window = MainWindow(AppState(load(save(tmp_path / "m.safetensors", build("fast"), name="base"))))
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Evaluate" in titles
    tab = window.tabs.widget(titles.index("Evaluate"))
    window.tabs.setCurrentWidget(tab)
    window.app.load_split = FixedSplits(mnist_test.subset(slice(0, 300)))
    evaluate(qtbot, tab)
    first = int(tab.pages.mistakes.indices()[0])
    tab.pages.mistakes.chosen.emit(first)
    assert window.tabs.currentWidget() is window.pad
    shown = window.pad.prediction.pre.image.ravel()  # the pad reads that very image (after its preprocessing)
    assert np.corrcoef(shown, mnist_test.images[first].numpy().ravel())[0, 1] > 0.8

    window.pad.canvas.clear()
    window.pad.refresh()
    assert tab.drawing is None  # an empty pad: nothing to find neighbours of
    replay(window.pad.canvas, [[(0.5, 0.2), (0.5, 0.5), (0.5, 0.8)]])  # a 1, with real mouse events
    window.pad.refresh()
    drawing = tab.drawing
    assert drawing.shape == (28, 28) and drawing.max() > 0.5
    window.close()  # the tabs' threads and the job process end with the window


def test_fashion_mnist_is_offered_when_found_and_a_corrupt_file_is_reported(qtbot, tab, tmp_path):
    folder = tmp_path / "data" / "fashion-mnist"
    folder.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (folder / name).write_bytes(b"not an idx file")
    tab.app.set_data_dir(str(tmp_path / "data"))  # the choices follow the data folder
    tab.dataset.setCurrentIndex(tab.dataset.findText("Fashion-MNIST test"))
    assert tab.dataset.currentData().classes[9] == "Ankle boot"
    tab.app.load_split = None  # the real loader, reading the files above
    tab.start_evaluation()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=30_000)
    assert "t10k-images-idx3-ubyte" in tab.message.text() and tab.evaluated is None


def test_neighbours_include_the_users_samples(qtbot, tab, small_train):
    tab.app.samples.add(int(small_train.labels[5]), small_train.images[5].numpy())
    tab.set_drawing(small_train.images[5].numpy())
    tab.start_neighbours()
    qtbot.waitUntil(lambda: not tab.is_running() and bool(tab.pages.neighbour_list.indices()), timeout=60_000)
    model = tab.pages.neighbour_list.model
    tips = [model.data(model.index(r), Qt.ItemDataRole.ToolTipRole) for r in range(2)]
    assert sorted(t.split(",")[0] for t in tips) == ["MNIST train #5", "my samples #0"]  # both at distance 0
