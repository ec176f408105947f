"""The Train tab: collecting samples into the gallery and the store, fine-tuning and training in the worker
(progress, the new model in use, cancel), missing data, and UI responsiveness. Tiny random-weight models
and small synthetic splits keep it fast; no real MNIST is loaded."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import QItemSelectionModel

from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.inference import predict_proba
from mnist_pad.core.finetune import FinetuneConfig
from mnist_pad.core.download import DataSource
from mnist_pad.core.models import build
from mnist_pad.core.paths import models_dir
from mnist_pad.core.samples import SampleStore
from mnist_pad.qt import data_prompt
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.stall import StallMeter
from mnist_pad.qt.train_tab import TrainTab
from qt_setups import close_train_tab, make_train_tab
from synthetic import Synthetic, synthetic_split

STALL_BAR_MS = 1000  # lenient: CI machines are shared; scripts/bench_ui_stall.py measures the 50 ms bar


def sample_image(label: int) -> np.ndarray:
    return synthetic_split(10, seed=label).images[label].numpy()


def a_stroke() -> list[np.ndarray]:
    return [np.array([[0.3, 0.2, 1.0], [0.5, 0.5, 1.0], [0.55, 0.8, 1.0]], np.float32)]


@pytest.fixture
def base_path(tmp_path):
    torch.manual_seed(0)
    return save(tmp_path / "base.safetensors", build("fast"), name="base", dataset="mnist")


@pytest.fixture
def tab(qtbot, tmp_path, base_path):
    widget = make_train_tab(qtbot, base_path, tmp_path)
    yield widget
    close_train_tab(widget, qtbot)
    assert widget.runner.worker is None or widget.runner.worker.wait(0)  # its thread has ended


def fill(tab: TrainTab, per_class: int) -> None:
    for c in range(10):
        for _ in range(per_class):
            tab.add_labelled(c, a_stroke(), sample_image(c))


def select_rows(tab: TrainTab, rows: list[int]) -> None:
    selection = tab.gallery.view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(tab.gallery.model.index(row), QItemSelectionModel.SelectionFlag.Select)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- collecting -------------------------------------------------------------------------------------------
def test_add_from_the_canvas_updates_gallery_store_and_prompt(tab, qtbot):
    tab.collect.canvas.set_strokes(a_stroke())
    assert not tab.collect.add_button.isEnabled()  # no label chosen yet
    tab.collect.set_label(7)
    assert tab.collect.add_button.isEnabled()
    tab.collect.add_button.click()
    assert tab.store.counts()[7] == 1
    assert tab.gallery.model.rowCount() == 1
    assert tab.gallery.filter_group.button(7).text() == "7: 1"
    assert tab.collect.canvas.is_empty()
    sample = tab.store.samples()[0]
    assert sample.label == 7 and sample.strokes is not None and sample.image.max() > 0
    assert "7" not in tab.collect.prompt.text().split("(")[0]  # 7 is no longer among those asked for
    assert SampleStore(tab.store.root).counts()[7] == 1  # on disk


def test_double_click_puts_a_sample_back_on_the_canvas(tab):
    tab.add_labelled(6, a_stroke(), sample_image(6))
    tab.gallery.view.doubleClicked.emit(tab.gallery.model.index(0))
    assert tab.collect.label() == 6
    np.testing.assert_allclose(tab.collect.canvas.strokes()[0], a_stroke()[0])


def test_delete_and_relabel_update_gallery_and_store(tab):
    for c in (1, 1, 2):
        tab.add_labelled(c, a_stroke(), sample_image(c))
    ids = [s.id for s in tab.store.samples()]
    select_rows(tab, [0])
    tab.gallery.relabel_selected(9)
    assert tab.store.get(ids[0]).label == 9
    assert tab.store.counts()[1] == 1 and tab.store.counts()[9] == 1
    assert tab.gallery.model.data(tab.gallery.model.index(0)) == "9"
    assert tab.gallery.filter_group.button(9).text() == "9: 1"

    select_rows(tab, [1, 2])
    tab.gallery.delete_selected()
    assert [s.id for s in tab.store.samples()] == [ids[0]]
    assert tab.gallery.model.rowCount() == 1
    assert SampleStore(tab.store.root).counts() == tab.store.counts()


def test_class_filter_shows_one_class_and_relabel_moves_a_sample_out(tab):
    for c in (3, 3, 4):
        tab.add_labelled(c, a_stroke(), sample_image(c))
    tab.gallery.filter_group.button(3).click()
    assert tab.gallery.model.rowCount() == 2
    select_rows(tab, [0])
    tab.gallery.relabel_selected(4)
    assert tab.gallery.model.rowCount() == 1
    tab.gallery.filter_group.button(4).click()
    assert tab.gallery.model.rowCount() == 2


def test_gallery_lists_thousands_of_samples_lazily(tab, qtbot):
    image = sample_image(5)
    for i in range(1500):
        tab.store.add(i % 10, image)
    tab.gallery.model.reload()
    tab.show()
    qtbot.waitExposed(tab)
    assert tab.gallery.model.rowCount() == 1500
    made = tab.gallery.model.thumbnails()
    assert 0 < made < 1500  # only the visible rows made thumbnails
    tab.gallery.view.scrollToBottom()
    qtbot.wait(20)
    assert tab.gallery.model.has_thumbnail(tab.gallery.model.id_at(1499))


def test_an_empty_drawing_is_refused_with_a_message(tab):
    assert tab.add_labelled(3, [], np.zeros((280, 280), np.float32)) is None
    assert "no ink" in tab.status.text()
    assert len(tab.store) == 0


# --- fine-tuning ------------------------------------------------------------------------------------------
def test_finetune_runs_in_the_worker_and_the_pad_then_uses_the_new_model(tab, qtbot, base_path):
    from mnist_pad.qt.pad import PadTab

    pad = PadTab(tab.app)
    qtbot.addWidget(pad)
    fill(tab, 3)
    base_model = tab.app.checkpoint.model
    steps: list[int] = []
    with qtbot.waitSignal(tab.app.model_changed, timeout=60_000):
        tab.start_finetune(FinetuneConfig(steps=4, batch_size=8, log_every=2, mnist_eval=100))
        tab.runner.progress.connect(lambda p: steps.append(p.step) if p.kind == "step" else None)
        assert tab.is_running() and not tab.finetune_options.button.isEnabled()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)
    assert steps == [2, 4]
    assert tab.curves.points("loss", "train")[-1][0] == 4
    low, high = tab.curves.plots["loss"].viewRange()[0]
    assert low <= 0 and 4 <= high < 4.5  # the step axis spans the whole job from its first report
    assert tab.progress.value() == tab.progress.maximum() > 0  # full at the end (the MNIST check was the last part)
    assert tab.runner.host.is_alive() and tab.runner.host.pid != os.getpid()  # it ran in the job process, which stays for the next
    ckpt = tab.app.checkpoint
    assert ckpt.path.parent == models_dir() and ckpt.path != base_path
    assert ckpt.meta["base"] == "base" and ckpt.meta["finetune"]["samples_used"] > 0
    assert tab.app.predictor.model is ckpt.model is not base_model
    assert any(not torch.equal(a, b) for a, b in zip(ckpt.model.state_dict().values(), base_model.state_dict().values()))
    # the pad predicts with the fine-tuned model, through the ONNX graph the job process made
    tab.app.predictor.wait_ready(30)
    assert tab.app.predictor.engine.name == "onnxruntime"
    pad.canvas.set_strokes(a_stroke())
    pred = pad.refresh()
    image = torch.from_numpy(pred.pre.image)[None]
    np.testing.assert_allclose(pred.probabilities, predict_proba(ckpt.model, image)[0].numpy(), atol=1e-5)
    assert not np.allclose(pred.probabilities, predict_proba(base_model, image)[0].numpy(), atol=1e-5)
    # results: held-out per class before/after and MNIST before/after
    assert tab.results.report is not None
    report = tab.results.report
    assert tab.results.table.item(2, 10).text() == f"{report.heldout_after.accuracy * 100:.0f}"
    assert "MNIST test" in tab.results.summary.text()
    # the picker lists it and can revert to the base
    assert any(e.path == ckpt.path for e in tab.picker.entries)
    tab.picker.revert()
    assert tab.app.checkpoint.path == base_path


def test_cancel_mid_finetune_keeps_the_model_and_every_checkpoint(tab, qtbot, base_path):
    fill(tab, 2)
    before = sha(base_path)
    current = tab.app.checkpoint
    models_dir().mkdir(parents=True, exist_ok=True)
    tab.start_finetune(FinetuneConfig(steps=100_000, log_every=1, mnist_eval=100))
    qtbot.waitUntil(lambda: len(tab.curves.points("loss", "train")) > 0, timeout=30_000)
    with qtbot.waitSignal(tab.runner.worker.cancelled, timeout=10_000):
        tab.cancel_button.click()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)
    assert tab.runner.worker.wait(0)
    assert tab.app.checkpoint is current
    assert sha(base_path) == before
    assert list(models_dir().iterdir()) == []
    assert "Cancelled" in tab.status.text()
    assert tab.finetune_options.button.isEnabled() and not tab.cancel_button.isEnabled()


def test_finetune_without_samples_says_so(tab):
    tab.finetune_options.button.click()
    assert not tab.is_running()
    assert "No samples" in tab.status.text()


def test_missing_mnist_shows_the_data_error_in_the_tab(tab, qtbot, tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_PAD_DATA", raising=False)
    empty = str(tmp_path / "empty")
    tab.app.load_split = None
    tab.data_row.edit.setText(empty)
    tab.data_row.edit.editingFinished.emit()  # as when the user types a folder and leaves the field
    # the folder chosen in the tab is where the job looks; the window downloads nothing without asking
    assert tab.app.data_source() == DataSource(empty, allow_download=False)
    asked = []
    monkeypatch.setattr(data_prompt, "ask", lambda parent, missing: asked.append(missing.folder))  # then cancelled
    fill(tab, 1)
    current = tab.app.checkpoint
    tab.start_finetune()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=30_000)
    assert tab.app.checkpoint is current
    assert asked == [empty]
    assert "The data folder" in tab.status.text() and empty in tab.status.text() and "Data field" in tab.status.text()
    assert tab.finetune_options.button.isEnabled()


# --- training from scratch --------------------------------------------------------------------------------
def test_train_from_scratch_plots_and_joins_the_picker(tab, qtbot, base_path):
    tab.scratch_options.arch.setCurrentText("fast")
    tab.scratch_options.epochs.setValue(2)
    with qtbot.waitSignal(tab.app.model_changed, timeout=60_000):
        tab.start_training(batch_size=50, val_size=50, log_every=2)
    ckpt = tab.app.checkpoint
    assert ckpt.path.parent == models_dir() and ckpt.meta["epochs_run"] == 2
    assert tab.picker.combo.currentData() == str(ckpt.path)
    assert len(tab.curves.points("accuracy", "validation")) == 2
    assert next(ckpt.model.parameters()).device.type == "cpu"  # the pad's device
    # picking the base (a --weights file outside the catalog stays listed) switches back to it
    row = tab.picker.combo.findData(str(base_path))
    assert row >= 0
    tab.picker.combo.activated.emit(row)
    assert tab.app.checkpoint.path == base_path and not tab.picker.revert_button.isEnabled()


def test_ui_never_stalls_long_while_training(tab, qtbot):
    """Lenient bars that hold on a loaded 2-core machine (scripts/bench_ui_stall.py has the real figures) but
    fail if the job's work lands on the UI thread: the timer must keep firing all along."""
    meter = StallMeter(interval_ms=5)
    tab.scratch_options.epochs.setValue(3)
    tab.app.load_split = Synthetic(train=1000)
    meter.start()
    t0 = time.perf_counter()
    with qtbot.waitSignal(tab.app.model_changed, timeout=120_000):
        tab.start_training(batch_size=50, val_size=100, log_every=2)
    meter.stop()
    elapsed_ms = (time.perf_counter() - t0) * 1000
    gaps = sorted(meter.gaps_ms)
    assert len(gaps) >= 0.25 * elapsed_ms / meter.interval_ms, f"{len(gaps)} ticks in {elapsed_ms:.0f} ms"
    assert gaps[len(gaps) // 2] <= 20, f"median gap {gaps[len(gaps) // 2]:.1f} ms"
    assert meter.longest_ms <= STALL_BAR_MS, f"longest UI stall {meter.longest_ms:.0f} ms"


def test_export_then_import_through_the_gallery(tab, tmp_path):
    fill(tab, 1)
    tab.gallery.export_folder(str(tmp_path / "exported"))
    assert sorted(p.parent.name for p in (tmp_path / "exported").glob("*/*.png")) == [str(c) for c in range(10)]
    (tmp_path / "exported" / "3" / "broken.png").write_bytes(b"not a png")
    other = TrainTab(AppState(tab.app.checkpoint, SampleStore(tmp_path / "other"), tab.app.settings))
    try:
        assert other.gallery.import_folder(str(tmp_path / "exported")) == 10
        assert other.store.counts() == [1] * 10 and other.gallery.model.rowCount() == 10
        assert "broken.png" in other.gallery.problems.text()
    finally:
        other.deleteLater()


def test_the_main_window_has_the_train_tab_fed_by_the_pad(qtbot, base_path):
    from mnist_pad.qt.window import MainWindow

    window = MainWindow(AppState(load(base_path)))
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    train = window.tabs.widget(titles.index("Train"))
    assert isinstance(train, TrainTab) and train.app is window.app
    window.pad.canvas.set_strokes(a_stroke())
    window.pad.label_sample(2)
    assert train.store.counts()[2] == 1 and train.gallery.model.rowCount() == 1
    window.close()  # the tabs' threads and the job process end with the window


def test_the_job_process_starts_with_a_look_at_the_tab_and_ends_with_the_window(qtbot, base_path):
    from PySide6.QtGui import QKeySequence

    from mnist_pad.qt.window import MainWindow

    window = MainWindow(AppState(load(base_path)))
    qtbot.addWidget(window)
    window.show()
    train = next(window.tabs.widget(i) for i in range(window.tabs.count()) if isinstance(window.tabs.widget(i), TrainTab))
    assert not train.runner.host.is_alive()  # nobody has opened the tab yet
    window.tabs.setCurrentWidget(train)
    qtbot.waitUntil(train.runner.host.is_alive, timeout=5000)  # importing torch there while the user draws
    file_menu = window.menuBar().actions()[0].menu()
    (quit_action,) = [a for a in file_menu.actions() if a.shortcut() == QKeySequence("Ctrl+Q")]
    quit_action.trigger()
    assert not window.isVisible() and not train.runner.host.is_alive()


def test_a_sample_that_cannot_be_written_is_a_message(tab, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert tab.add_labelled(3, a_stroke(), sample_image(3)) is None
    assert "sample not kept" in tab.status.text() and "No space left on device" in tab.status.text()
    assert len(tab.store) == 0


def test_a_digit_key_keeps_the_train_tabs_drawing_at_once_as_on_the_pad(tab, qtbot):
    from PySide6.QtCore import Qt

    tab.show()
    qtbot.waitExposed(tab)
    canvas = tab.collect.canvas
    canvas.setFocus()  # where the window puts it when the tab is shown (MainWindow._focus_tab)
    qtbot.waitUntil(canvas.hasFocus, timeout=2000)
    qtbot.keyClick(canvas, Qt.Key.Key_4)  # nothing drawn: the key picks the label only
    assert tab.collect.label() == 4 and len(tab.store) == 0
    canvas.set_strokes(a_stroke())
    qtbot.keyClick(canvas, Qt.Key.Key_7)
    assert tab.store.counts()[7] == 1 and canvas.is_empty() and tab.collect.label() == 7


def test_the_start_buttons_stay_greyed_while_the_tabs_own_job_runs(qtbot, tab):
    """The window tells each view whether another view's job holds the job process; the tab's own job must
    keep its start buttons greyed whatever it hears (the tour saw Fine-tune enabled under a running fine-tune)."""
    gate = threading.Event()

    def job():
        gate.wait(10)
        yield from ()
        return None

    # as the window does: whoever hears that a job started may tell the tab the process is otherwise free
    tab.runner.running_changed.connect(lambda running: tab.set_busy_elsewhere(False))
    assert tab.runner.run(job(), lambda result: None, "waiting")
    assert not tab.finetune_options.button.isEnabled() and not tab.scratch_options.button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: not tab.runner.is_running(), timeout=5000)
    qtbot.waitUntil(tab.finetune_options.button.isEnabled, timeout=5000)
