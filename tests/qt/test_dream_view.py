"""The dream view (offscreen): it dreams what is chosen when shown, once per model and choice, and waits while
another job holds the job process. Its jobs run in the runner's worker thread here instead of the job process
(the process itself is tested in tests/test_jobhost.py; starting one per test would cost seconds)."""

from __future__ import annotations

import pytest

from mnist_pad.core.checkpoint import Checkpoint
from mnist_pad.core.dream import CLASSES, DreamConfig
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.dream_view import DreamView
from synthetic import random_checkpoint

pytestmark = pytest.mark.usefixtures("one_torch_thread")


QUICK = DreamConfig(steps=16)  # what is shown, not how well it is dreamed (tests/test_dream.py)


@pytest.fixture
def app(monkeypatch) -> AppState:
    state = AppState(random_checkpoint(seed=0))
    monkeypatch.setattr(state, "start_jobs", lambda: None)
    state.predictor.wait_ready()  # its ONNX engine is built in a thread: none is left running at exit
    return state


@pytest.fixture
def view(qtbot, app) -> DreamView:
    widget = DreamView(app)
    qtbot.addWidget(widget)
    widget.runner.in_process = lambda fn, *args: (lambda: fn(*args, QUICK))  # in the worker thread, quicker
    widget.resize(500, 400)
    return widget


def _dreamed(qtbot, view: DreamView, action, layer) -> None:
    with qtbot.waitSignal(view.dreamed, timeout=30_000, check_params_cb=lambda shown: shown == layer):
        action()


def test_it_dreams_each_class_when_shown_then_a_layers_channels(qtbot, view):
    assert view.dreams == {}  # hidden: nothing started
    _dreamed(qtbot, view, view.show, CLASSES)
    assert sorted(view.dreams) == list(range(10)) and view.grid.count == 10
    assert all(d.layer is CLASSES for d in view.dreams.values())
    _dreamed(qtbot, view, lambda: view.set_layer("conv1"), "conv1")
    channels = view.app.checkpoint.model.conv_layers()["conv1"].out_channels
    assert sorted(view.dreams) == list(range(channels)) and view.grid.count == channels
    worker = view.runner.worker
    _dreamed(qtbot, view, lambda: view.set_layer(CLASSES), CLASSES)  # known: shown without a job
    assert view.runner.worker is worker and view.grid.count == 10


def test_a_new_model_is_dreamed_again(qtbot, view, app):
    _dreamed(qtbot, view, view.show, CLASSES)
    old = view.dreams[3].image
    _dreamed(qtbot, view, lambda: app.set_checkpoint(random_checkpoint(seed=1)), CLASSES)
    app.predictor.wait_ready()
    assert not (view.dreams[3].image == old).all()


def test_it_waits_while_another_job_holds_the_process(qtbot, view):
    view.set_busy_elsewhere(True)
    view.show()
    qtbot.waitExposed(view)
    assert view.runner.worker is None and view.dreams == {}
    _dreamed(qtbot, view, lambda: view.set_busy_elsewhere(False), CLASSES)
    assert len(view.dreams) == 10


def test_a_model_without_gradients_does_not_dream(qtbot, view, app, monkeypatch):
    """An ONNX model of another tool (its checkpoint's model is no ConvNet): nothing to choose, nothing started."""
    onnx_like = Checkpoint(object(), {"arch": {"name": "onnx"}, "name": "foreign"}, None)
    monkeypatch.setattr(AppState, "checkpoint", property(lambda self: onnx_like))
    app.model_changed.emit()
    view.show()
    qtbot.waitExposed(view)
    assert view.choice.count() == 0 and not view.choice.isEnabled()
    assert view.runner.worker is None and "gradients" in view.status.text()


def test_in_the_window_dreaming_makes_the_other_tabs_wait_and_ends(qtbot, monkeypatch):
    """The Dreams tab is one of the views that share the job process: while it dreams, Train and Evaluate wait,
    and when it ends they are free again (telling a view the process is free may start its job at once: the
    window must not tell it again and again)."""
    from mnist_pad.qt.window import MainWindow

    state = AppState(random_checkpoint(seed=0))
    monkeypatch.setattr(state, "start_jobs", lambda: None)
    state.predictor.wait_ready()
    window = MainWindow(state)
    qtbot.addWidget(window)
    dreams = window.pad.dreams
    dreams.runner.in_process = lambda fn, *args: (lambda: fn(*args, QUICK))
    told = []
    original = window.train.set_busy_elsewhere
    monkeypatch.setattr(window.train, "set_busy_elsewhere", lambda busy: (told.append(busy), original(busy)))
    window.show()
    window.pad.side_tabs.setCurrentWidget(dreams)
    with qtbot.waitSignal(dreams.dreamed, timeout=30_000):
        qtbot.waitUntil(lambda: dreams.runner.is_running() or bool(dreams.dreams), timeout=10_000)
    qtbot.waitUntil(lambda: not dreams.runner.is_running(), timeout=10_000)
    assert told == [True, False] and sorted(dreams.dreams) == list(range(10))
    assert window.evaluate.evaluate_button.isEnabled()
