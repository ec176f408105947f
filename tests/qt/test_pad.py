"""The drawing pad, driven with real mouse and key events (offscreen)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from mnist_pad.core.checkpoint import Checkpoint, load, save
from mnist_pad.core.models import build
from mnist_pad.core.paths import shipped_weights
from mnist_pad.qt.canvas import Canvas
from mnist_pad.qt.painting import render_strokes
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.pad import PadTab
from mnist_pad.qt.replay import canvas_point, send_mouse
from mnist_pad.qt.window import MainWindow
from synthetic import random_checkpoint


@pytest.fixture(scope="module")
def checkpoint() -> Checkpoint:
    """The shipped model when there is one; the UI does not need accuracy, so random weights otherwise."""
    path = shipped_weights("default")
    return load(path) if path.is_file() else random_checkpoint("small")


@pytest.fixture
def pad(qtbot, checkpoint) -> PadTab:
    widget = PadTab(AppState(checkpoint))
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _point(canvas: Canvas, x: float, y: float) -> QPoint:
    return canvas_point(canvas, x, y).toPoint()


def _move_with_button(canvas: Canvas, pos: QPoint) -> None:
    """qtbot.mouseMove carries no buttons: a raw move event with the left button held (as labelme does)."""
    send_mouse(canvas, QEvent.Type.MouseMove, QPointF(pos))


def draw(qtbot, canvas: Canvas, points: list[tuple[float, float]], steps: int = 6) -> None:
    """Press at the first point, move through the others (interpolated), release at the last."""
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=_point(canvas, *points[0]))
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for t in np.linspace(0, 1, steps + 1)[1:]:
            _move_with_button(canvas, _point(canvas, x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=_point(canvas, *points[-1]))


SEVEN = [(0.3, 0.25), (0.7, 0.25), (0.45, 0.8)]
BAR = [(0.4, 0.5), (0.62, 0.5)]


def test_drawing_with_the_mouse_gives_a_28x28_input_and_a_prediction(qtbot, pad):
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        draw(qtbot, pad.canvas, SEVEN)
    pred = pad.prediction
    assert pad.canvas.stroke_count() == 1
    stroke = pad.canvas.strokes()[0]
    assert stroke.shape[1] == 3 and len(stroke) >= 12
    assert np.allclose(stroke[0, :2], SEVEN[0], atol=0.01) and np.allclose(stroke[-1, :2], SEVEN[-1], atol=0.01)
    # painted a segment at a time while drawing, yet (up to antialiasing at a few joints) a full repaint
    diff = np.abs(pad.canvas.image() - render_strokes(pad.canvas.strokes(), pen=pad.canvas.pen_width()))
    assert diff.max() < 0.2 and (diff > 0).mean() < 0.002
    assert pred.pre.image.shape == (28, 28) and pred.pre.image.max() > 0.5
    assert pred.probabilities is not None and pred.probabilities.shape == (10,)
    assert pred.probabilities.sum() == pytest.approx(1.0, abs=1e-4)
    assert np.allclose(pad.chart.heights, pred.probabilities)
    if pred.confident:
        assert str(pred.top) in pad.answer.text()
    else:
        assert "unsure" in pad.answer.text()


ZIGZAG = [(0.2, 0.3), (0.35, 0.7), (0.5, 0.3), (0.65, 0.7), (0.8, 0.3)]


@pytest.fixture
def shipped_pad(qtbot) -> PadTab:
    """The pad on the shipped reader (issue 12: it learnt the world's styles and non-digits)."""
    widget = PadTab(AppState(load(shipped_weights("reader"))))
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_pad_says_when_a_drawing_is_not_a_digit_and_reads_a_digit(qtbot, shipped_pad):
    pad = shipped_pad
    reading = pad.app.predictor.reading
    assert reading.not_a_digit_below is not None  # the reader learnt non-digits and carries its thresholds
    for shape in (BAR, ZIGZAG):
        pad.clear_drawing()
        with qtbot.waitSignal(pad.predicted, timeout=5000):
            draw(qtbot, pad.canvas, shape)
        pred = pad.prediction
        assert pred.status == "not_a_digit" and pred.score < reading.not_a_digit_below
        assert pad.answer.text() == f"not a digit (score {pred.score:.0%})"
    assert f"{reading.not_a_digit_below:.0%}" in pad.answer.toolTip()
    pad.clear_drawing()
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        draw(qtbot, pad.canvas, SEVEN)
    assert pad.prediction.status == "ok" and pad.answer.text().startswith("it's a 7")


def test_two_digits_side_by_side_read_as_a_number_with_a_box_each(qtbot, shipped_pad):
    pad = shipped_pad
    one = [(0.22, 0.3), (0.22, 0.72)]
    seven = [(0.45, 0.3), (0.8, 0.3), (0.6, 0.72)]
    for stroke in (one, seven):
        with qtbot.waitSignal(pad.predicted, timeout=5000):
            draw(qtbot, pad.canvas, stroke)
    number = pad.number
    assert number.number == "17" and [d.prediction for d in number.digits] == [1, 7]
    boxes = pad.canvas.boxes()
    assert [label for _, label, _ in boxes] == ["1", "7"] and boxes[0][0][2] <= boxes[1][0][0]  # left to right
    marked = "".join(f"{d.prediction}{'' if d.status == 'ok' else '?'}" for d in number.digits)
    assert pad.answer.text() == f"the number {marked}" and "digit 2: 7" in pad.answer.toolTip()
    pad.canvas.undo()  # one digit left: the single-digit answer, no boxes
    qtbot.waitUntil(lambda: not pad.canvas.boxes(), timeout=5000)
    assert not pad.answer.text().startswith("the number")


def test_moves_while_drawing_are_coalesced_into_one_update(qtbot, pad):
    canvas = pad.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=_point(canvas, 0.3, 0.3))
    qtbot.wait(20)
    before = pad.updates
    for i in range(1, 41):  # delivered synchronously, with no event-loop pass in between
        _move_with_button(canvas, _point(canvas, 0.3 + i * 0.01, 0.3 + i * 0.01))
    assert pad.updates == before  # nothing ran yet: no prediction per mouse event
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        pass
    qtbot.wait(20)
    assert pad.updates == before + 1
    assert len(canvas.strokes()[0]) == 41  # yet every point was kept


def test_undo_and_clear(qtbot, pad):
    draw(qtbot, pad.canvas, SEVEN)
    draw(qtbot, pad.canvas, BAR)
    qtbot.waitUntil(lambda: len(pad.timeline.history) == 2, timeout=5000)
    two = pad.canvas.image()
    pad.canvas.setFocus()
    qtbot.keyClick(pad.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert pad.canvas.stroke_count() == 1
    assert (pad.canvas.image() < two).any()
    qtbot.waitUntil(lambda: len(pad.timeline.history) == 1, timeout=5000)
    qtbot.keyClick(pad.canvas, Qt.Key.Key_Escape)
    assert pad.canvas.is_empty()
    qtbot.waitUntil(lambda: pad.prediction.probabilities is None, timeout=5000)
    assert pad.answer.text() == "draw a digit"
    assert not pad.chart.heights.any()
    assert len(pad.timeline.history) == 0


def test_an_empty_canvas_shows_no_prediction(pad):
    assert pad.canvas.is_empty()
    assert pad.prediction is not None and pad.prediction.probabilities is None and pad.prediction.top is None
    assert pad.answer.text() == "draw a digit"
    assert not pad.chart.heights.any()
    assert pad.feature_maps.grid.count == 0


def test_an_unsure_model_says_so_instead_of_guessing(qtbot, pad):
    torch.manual_seed(0)
    undecided = build("small").eval()
    with torch.no_grad():
        undecided.classifier[-1].weight.zero_()  # every class equally likely, whatever is drawn
        undecided.classifier[-1].bias.zero_()
    pad.app.set_checkpoint(Checkpoint(undecided, {"arch": undecided.cfg.to_dict()}))
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        draw(qtbot, pad.canvas, SEVEN)
    assert pad.answer.text().startswith("unsure (maybe")


def test_the_feature_map_and_filter_views_show_one_image_per_channel(qtbot, pad):
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        draw(qtbot, pad.canvas, SEVEN)
    layers = pad.app.checkpoint.model.conv_layers()
    assert len(layers) >= 2
    assert pad.feature_maps.layer_box.count() == len(layers) == pad.filters.layer_box.count()
    for name, conv in layers.items():
        pad.feature_maps.set_layer(name)
        pad.filters.set_layer(name)
        assert pad.feature_maps.grid.count == conv.out_channels == pad.prediction.activations[name].shape[0]
        assert pad.filters.grid.count == conv.out_channels


def test_a_new_model_is_used_at_once(qtbot, pad):
    draw(qtbot, pad.canvas, SEVEN)
    qtbot.waitUntil(lambda: pad.prediction.probabilities is not None, timeout=5000)
    other = random_checkpoint("fast", seed=1)
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        pad.app.set_checkpoint(other)
    expected = pad.app.predictor.predict(pad.canvas.image()).probabilities
    assert np.allclose(pad.prediction.probabilities, expected)
    pad.filters.set_layer("conv1")
    assert pad.filters.grid.count == other.model.conv_layers()["conv1"].out_channels
    assert "random-fast" in pad.help.toPlainText()
    assert len(pad.timeline.history) == 1  # recomputed with the new model


def test_a_digit_key_keeps_the_drawing_as_a_labelled_sample(qtbot, pad):
    draw(qtbot, pad.canvas, SEVEN)
    strokes = pad.canvas.strokes()
    with qtbot.waitSignal(pad.sample_labelled, timeout=2000) as signal:
        qtbot.keyClick(pad.canvas, Qt.Key.Key_7)
    label, got_strokes, image = signal.args
    assert label == 7
    assert len(got_strokes) == 1 and np.allclose(got_strokes[0], strokes[0])
    assert image.shape == (280, 280) and image.max() > 0.5
    assert pad.canvas.is_empty()


def test_pen_width_keys_and_slider_agree(qtbot, pad):
    width = pad.canvas.pen_width()
    qtbot.keyClick(pad.canvas, Qt.Key.Key_BracketRight)
    assert pad.canvas.pen_width() > width
    assert pad.pen_slider.value() == round(pad.canvas.pen_width() * 1000)


def test_the_drawing_is_the_same_whatever_the_widget_size(qtbot):
    images = []
    for size in (250, 600):
        canvas = Canvas()
        qtbot.addWidget(canvas)
        canvas.resize(size, size + 100)  # not square either
        canvas.show()
        qtbot.waitExposed(canvas)
        draw(qtbot, canvas, SEVEN)
        assert canvas.image().shape == (280, 280)
        images.append(canvas.image())
    assert np.abs(images[0] - images[1]).mean() < 0.01


def test_strokes_round_trip(qtbot):
    canvas = Canvas()
    qtbot.addWidget(canvas)
    strokes = [np.array([(0.2, 0.2, 1.0), (0.8, 0.8, 0.5)], np.float32), np.array([(0.5, 0.5, 1.0)], np.float32)]
    canvas.set_strokes(strokes)
    assert all(np.allclose(a, b) for a, b in zip(canvas.strokes(), strokes))
    assert np.allclose(canvas.image(), render_strokes(strokes))
    with pytest.raises(ValueError, match="stroke 0"):
        canvas.set_strokes([np.zeros((3, 5))])


def test_saliency_follows_the_picked_class(qtbot, pad):
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        draw(qtbot, pad.canvas, SEVEN)
    qtbot.waitUntil(lambda: pad.saliency.target == pad.prediction.top, timeout=5000)
    pad.saliency.class_box.setCurrentText("2")
    assert pad.saliency.target == 2
    assert pad.saliency.panel.item.image.shape == (28, 28, 3)


def test_main_window_has_the_pad_first_and_shows_model_and_device(qtbot, checkpoint):
    window = MainWindow(AppState(checkpoint), "cpu (2 threads)")
    qtbot.addWidget(window)
    assert window.tabs.widget(0) is window.pad and window.tabs.tabText(0) == "Pad"
    assert "cpu" in window.device_label.text() and checkpoint.name in window.model_label.text()


def test_launch_with_bad_weights_explains_and_fails(monkeypatch, tmp_path):
    from mnist_pad.qt import app

    shown = []
    monkeypatch.setattr(app.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"not a checkpoint")
    assert app.launch(str(bad), "cpu") == 2
    assert shown and "broken.safetensors" in shown[0]


def test_launch_opens_the_window_with_given_weights(monkeypatch, tmp_path):
    from PySide6.QtCore import QSettings

    from mnist_pad.qt import app, app_state

    path = save(tmp_path / "tiny.safetensors", build("fast"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(app_state, "app_settings", lambda: settings)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # launch() installs its own: put ours back after
    shown = []

    def fake_exec(self) -> int:  # instead of the event loop: look at the window that is up
        shown.extend(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        for w in shown:
            w.close()
        return 0

    monkeypatch.setattr(app.QApplication, "exec", fake_exec)
    assert app.launch(str(path), "cpu") == 0
    assert len(shown) == 1 and "tiny" in shown[0].model_label.text()
    assert "cpu" in shown[0].device_label.text()
    assert settings.value("window/geometry") is not None


def test_tablet_pressure_sets_the_width(qtbot):
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent

    pen = QPointingDevice("pen", 1, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3)
    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind, x: float, pressure: float, button, buttons) -> None:
        pos = canvas_point(canvas, x, 0.5)
        event = QTabletEvent(kind, pen, pos, pos, pressure, 0, 0, 0, 0, 0, Qt.KeyboardModifier.NoModifier, button, buttons)
        QApplication.sendEvent(canvas, event)
        assert event.isAccepted()  # no synthesised mouse events on top

    ink = []
    for pressure in (0.3, 1.0):
        send(QEvent.Type.TabletPress, 0.2, pressure, left, left)
        send(QEvent.Type.TabletMove, 0.8, pressure, none, left)
        send(QEvent.Type.TabletRelease, 0.8, 0.0, left, none)
        assert canvas.strokes()[0][:, 2] == pytest.approx([pressure, pressure])
        ink.append(canvas.image().sum())
        canvas.clear()
    assert ink[0] < 0.5 * ink[1]


def test_an_image_shown_on_the_pad_is_read_and_drawn_over(qtbot, pad, mnist_test):
    """The Evaluate tab opens MNIST images in the pad: the canvas shows them, the network reads them through
    the same path as a drawing, strokes add to them and clear removes them."""
    digit = mnist_test.images[0].numpy()  # a 7
    pred = pad.show_image(digit)
    assert not pad.canvas.is_empty() and pred.top is not None
    assert np.abs(pred.pre.image - digit / 255).mean() < 0.05  # MNIST is already in MNIST's format
    assert pad.canvas.image().shape == (280, 280)
    before = pad.canvas.image().sum()
    draw(qtbot, pad.canvas, SEVEN)
    assert pad.canvas.image().sum() > before  # a stroke added on top of the picture
    pad.canvas.undo()
    assert np.isclose(pad.canvas.image().sum(), before)
    pad.canvas.undo()  # no strokes left: the picture goes
    assert pad.canvas.is_empty()
    pad.show_image(digit)
    pad.canvas.clear()
    assert pad.canvas.is_empty() and pad.canvas.image().max() == 0


def test_closing_the_window_stops_the_tabs_jobs(qtbot, checkpoint):
    window = MainWindow(AppState(checkpoint))
    qtbot.addWidget(window)
    stopped = []
    for i in range(window.tabs.count()):
        tab = window.tabs.widget(i)
        if hasattr(tab, "shutdown"):
            tab.shutdown = lambda name=window.tabs.tabText(i): stopped.append(name)
    window.show()
    window.close()
    assert sorted(stopped) == ["Evaluate", "Train"]


def test_garbage_is_collected_by_a_timer_of_the_ui_thread(qapp):
    """The app's cyclic garbage collection: off automatically (it could run in a background thread and
    destroy Qt objects there), done by a timer of the UI thread instead."""
    import gc
    import weakref

    from PySide6.QtCore import QThread

    from mnist_pad.qt.app import collect_garbage_on_the_ui_thread

    collector = collect_garbage_on_the_ui_thread()
    try:
        assert not gc.isenabled()
        assert collector.timer.isActive() and collector.timer.thread() is QThread.currentThread()
        assert gc.get_freeze_count() > 10_000  # what existed is out of every later collection

        class Node:
            pass

        cycle = Node()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        del cycle
        junk = [[] for _ in range(5000)]  # past the threshold: nothing collects by itself...
        assert gone() is not None
        collector.check()  # ...what the timer calls does
        assert gone() is None
        del junk
    finally:
        collector.timer.stop()
        gc.unfreeze()  # the app freezes what exists once its window is up; the test session must not


def test_launch_on_a_missing_gpu_falls_back_to_the_cpu_and_says_so(monkeypatch, tmp_path, capsys):
    from PySide6.QtCore import QSettings

    from mnist_pad.qt import app, app_state

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(app_state, "app_settings", lambda: settings)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    seen = []

    def fake_exec(self) -> int:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                seen.append((w.statusBar().currentMessage(), w.device_label.text()))
                w.close()
        return 0

    monkeypatch.setattr(app.QApplication, "exec", fake_exec)
    assert app.launch(str(save(tmp_path / "tiny.safetensors", build("fast"))), "cuda") == 0
    (message, device), = seen
    assert "No GPU here" in message and "the pad runs on the CPU" in message and device.startswith("inference: cpu")
    assert "warning: --device cuda was asked for" in capsys.readouterr().err
    refused = []
    monkeypatch.setattr(app.QMessageBox, "critical", lambda parent, title, text: refused.append(text))
    assert app.launch(None, "tpu") == 2 and "Cannot start on that device" in refused[0]  # not a device at all


def test_the_slow_attribution_methods_wait_for_the_pen_to_lift(qtbot, pad, monkeypatch):
    """Integrated gradients, SmoothGrad and occlusion take 20-80 ms: computed while the pen moves they would
    hold up the next repaint; the Attribution tab gets the drawing when the stroke is done."""
    given = []
    monkeypatch.setattr(pad.attribution, "show_prediction", lambda predictor, pred: given.append(pred))
    canvas = pad.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=_point(canvas, 0.3, 0.25))
    for x in np.linspace(0.3, 0.7, 8):
        with qtbot.waitSignal(pad.predicted, timeout=5000):
            _move_with_button(canvas, _point(canvas, float(x), 0.3))
    assert given == [] and canvas.is_drawing()
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=_point(canvas, 0.7, 0.3))
    assert len(given) == 1 and given[0].top is not None
