"""The replay of how a model learnt (qt/snapshot_view.py): after a training job in the Train tab, of the pad's drawing,
the Replay button opens a slider over its snapshots whose every move changes the filters and probabilities shown,
ending at the model in use; the model reopened later replays the same snapshots from its sidecar, a damaged sidecar
is refused in one line, and it all fits small screens. Tiny nets and synthetic data keep it fast."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSize, Qt
from qt_setups import close_train_tab, make_train_tab, placed, window_at
from synthetic import synthetic_split

from mnist_pad.core.checkpoint import save
from mnist_pad.core.models import build
from mnist_pad.core.snapshots import sidecar_path, start_recording
from mnist_pad.core.train import split_validation
from mnist_pad.qt.snapshot_view import ReplayDialog


def shown(view) -> tuple[np.ndarray, np.ndarray]:
    """(the filters' mosaic, the probability bars) on screen."""
    return view.filters.grid.item.image.copy(), view.chart.heights.copy()


def probabilities(model, image: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return torch.softmax(model.eval()(torch.from_numpy(image)[None, None]), 1)[0].numpy()


@pytest.fixture
def tab(qtbot, tmp_path):
    torch.manual_seed(0)
    widget = make_train_tab(qtbot, save(tmp_path / "base.safetensors", build("fast"), name="base", dataset="mnist"), tmp_path)
    yield widget
    close_train_tab(widget, qtbot)


def test_a_training_replays_the_drawing_step_by_step_and_reopens_from_its_sidecar(tab, qtbot, tmp_path):
    drawing = synthetic_split(10, seed=5).images[3].numpy().astype(np.float32) / 255
    tab.set_probe(drawing)  # what the window hands over from the pad
    assert not tab.replay_button.isEnabled()  # the base was not trained here: no snapshots
    tab.scratch_options.arch.setCurrentText("fast")
    tab.scratch_options.epochs.setValue(1)
    with qtbot.waitSignal(tab.app.model_changed, timeout=60_000):
        tab.start_training(batch_size=50, val_size=50, log_every=2)  # 250 images: 5 steps
    assert tab.replay_button.isEnabled()
    qtbot.mouseClick(tab.replay_button, Qt.MouseButton.LeftButton)
    dialog = tab.replay_button.dialog
    view = dialog.view
    assert dialog.isVisible() and tab.app.checkpoint.name in dialog.windowTitle()
    assert view.slider.maximum() + 1 == 6 == len(view.recording.snapshots)  # step 0, then after each of 5 steps
    assert view.recording.probe_label is None and np.array_equal(view.recording.probe[0], drawing)
    first = shown(view)
    qtbot.keyClick(view.slider, Qt.Key.Key_End)
    last = shown(view)
    assert not np.array_equal(first[0], last[0], equal_nan=True) and not np.allclose(first[1], last[1])
    assert np.allclose(last[1], probabilities(tab.app.checkpoint.model, drawing), atol=1e-4)  # the model in use
    assert "Step 5 of 5" in view.caption.text()
    view.timer.setInterval(10)  # the test's pace
    view.play()  # from the end: again from the start, then stops at the end
    assert view.slider.value() == 0
    qtbot.waitUntil(lambda: not view.play_button.isChecked(), timeout=10_000)
    assert view.slider.value() == view.slider.maximum()

    path = tab.app.checkpoint.path
    assert sidecar_path(path).is_file()
    reopened = make_train_tab(qtbot, path, tmp_path)  # the next session, with this model in use
    try:
        qtbot.mouseClick(reopened.replay_button, Qt.MouseButton.LeftButton)
        again = reopened.replay_button.dialog.view
        assert again.slider.maximum() == view.slider.maximum()
        for i in range(view.slider.maximum() + 1):
            view.slider.setValue(i)
            again.slider.setValue(i)
            a, b = shown(view), shown(again)
            assert np.array_equal(a[0], b[0], equal_nan=True) and np.array_equal(a[1], b[1])
    finally:
        close_train_tab(reopened, qtbot)


def test_a_damaged_sidecar_is_said_in_one_line_and_opens_nothing(qtbot, tmp_path):
    path = save(tmp_path / "m.safetensors", build("fast"), name="m")
    sidecar_path(path).write_bytes(b"not snapshots")
    tab = make_train_tab(qtbot, path, tmp_path)
    try:
        assert tab.replay_button.isEnabled()  # there is a file; reading it is the click's work
        qtbot.mouseClick(tab.replay_button, Qt.MouseButton.LeftButton)
        text = tab.status.text()
        assert text.startswith(f"{sidecar_path(path)}: not a readable snapshots file") and "\n" not in text
        assert tab.replay_button.dialog is None
    finally:
        close_train_tab(tab, qtbot)


@pytest.mark.parametrize("size", [(1366, 768), (1024, 768)])
def test_the_replay_and_its_button_fit_small_screens(qtbot, tmp_path, size):
    window = window_at(qtbot, tmp_path, size)
    window.tabs.setCurrentWidget(window.train)
    qtbot.wait(10)
    button = window.train.replay_button
    rect = placed(button, window)
    assert button.isVisible() and window.rect().contains(rect), (rect, window.rect())

    _, val = split_validation(synthetic_split(60, seed=1), 20)
    recorder = start_recording(1, 2, build("fast"), val)
    dialog = ReplayDialog(window)
    qtbot.addWidget(dialog)
    dialog.show_recording(recorder.recording(), "m")
    dialog.fit(QSize(size[0], size[1] - 40))  # the screen less a panel
    qtbot.wait(10)
    assert dialog.width() <= size[0] - 40 and dialog.height() <= size[1] - 80
    view = dialog.view
    for widget in (view.slider, view.play_button, view.filters, view.maps, view.chart, view.confusion, view.caption):
        rect = placed(widget, dialog)
        assert widget.isVisible() and dialog.rect().contains(rect), (type(widget).__name__, rect, dialog.rect())
    for plot in (view.filters.grid, view.maps.grid, view.confusion):
        assert plot.width() >= 200 and plot.height() >= 200, (type(plot).__name__, plot.size())
