"""The embedding map view (offscreen): it maps the model in use when shown, a dot per digit in its class's
colour and the samples as stars; the drawing's ring follows show_drawing without computing on the caller's
path; a click on the ring lists the nearest digits as thumbnails; a new model is mapped again; an ONNX model of
another tool is said, not mapped. Its jobs run in the runner's worker thread here instead of the job process
(the process itself is tested in tests/test_jobhost.py; starting one per test would cost seconds)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from mnist_pad.core.checkpoint import load
from mnist_pad.core.embedding_map import drawing_features
from mnist_pad.core.export import export_onnx
from mnist_pad.core.models import build
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.embedding_view import NEIGHBOURS, EmbeddingView
from mnist_pad.qt.probabilities import CLASS_COLOURS
from synthetic import Synthetic, random_checkpoint, synthetic_split

pytestmark = [pytest.mark.usefixtures("one_torch_thread"), pytest.mark.timeout(60)]
N_TEST, N_SAMPLES = 120, 4


@pytest.fixture
def app(monkeypatch) -> AppState:
    state = AppState(random_checkpoint(seed=0))
    state.load_split = Synthetic(test=N_TEST)
    samples = synthetic_split(N_SAMPLES, seed=7)
    for image, label in zip(samples.images.numpy(), samples.labels.tolist()):
        state.samples.add(label, image)
    monkeypatch.setattr(state, "start_jobs", lambda: None)
    return state


@pytest.fixture
def view(qtbot, app) -> EmbeddingView:
    widget = EmbeddingView(app)
    qtbot.addWidget(widget)
    widget.runner.in_process = lambda fn, *args: (lambda: fn(*args))  # in the worker thread
    widget.resize(700, 600)
    yield widget
    widget.runner.shutdown()


def _shown(qtbot, view: EmbeddingView, action) -> None:
    with qtbot.waitSignal(view.map_shown, timeout=30_000):
        action()


def test_it_maps_every_digit_in_its_class_colour_and_the_samples_as_stars(qtbot, view):
    assert view.map is None  # hidden: nothing computed
    _shown(qtbot, view, view.show)
    m = view.map
    assert m.method == "pca" and len(m) == N_TEST + N_SAMPLES and m.model == "random-fast-0"
    digits = ~m.is_sample
    assert sum(len(item.data) for item in view.plot.classes) == N_TEST
    for c, item in enumerate(view.plot.classes):
        shown = np.array([[p.pos().x(), p.pos().y()] for p in item.points()]).reshape(-1, 2)
        np.testing.assert_allclose(shown, m.points[digits & (m.labels == c)])
        assert item.opts["brush"].color().name() == CLASS_COLOURS[c]
    stars = view.plot.samples.points()
    assert len(stars) == N_SAMPLES and {s.symbol() for s in stars} == {"star"}
    assert [s.brush().color().name() for s in stars] == [CLASS_COLOURS[c] for c in m.labels[m.is_sample]]
    assert f"{N_TEST:,} MNIST test digits and {N_SAMPLES:,} of your samples" in view.status.text()


def test_the_ring_follows_the_drawing_off_the_callers_path(qtbot, view, app):
    _shown(qtbot, view, view.show)
    m = view.map
    assert view.dot is None and len(view.plot.dot.data) == 0  # nothing drawn yet
    view.show_drawing(m.images[5].astype(np.float32) / 255)  # as the pad gives it
    assert view.dot is None  # stored only: placed on the view's timer
    with qtbot.waitSignal(view.dot_moved, timeout=2_000):
        pass
    np.testing.assert_allclose(view.dot, m.points[5], atol=1e-4)
    features = drawing_features(app.checkpoint.model, m.images[60])
    with qtbot.waitSignal(view.dot_moved, timeout=2_000):
        view.show_drawing(features)  # features work too
    np.testing.assert_allclose(view.dot, m.points[60], atol=1e-4)
    ring = view.plot.dot.points()[0].pos()
    assert (ring.x(), ring.y()) == pytest.approx(tuple(view.dot))
    with qtbot.waitSignal(view.dot_moved, timeout=2_000):
        view.show_drawing(None)
    assert view.dot is None and len(view.plot.dot.data) == 0


def test_a_click_on_the_ring_lists_the_nearest_digits_as_thumbnails(qtbot, view):
    _shown(qtbot, view, view.show)
    m = view.map
    with qtbot.waitSignal(view.dot_moved, timeout=2_000):
        view.show_drawing(m.images[17])
    qtbot.waitExposed(view)
    plot = view.plot
    QApplication.processEvents()
    pos = plot.mapFromScene(plot.plot_item.vb.mapViewToScene(plot.dot.points()[0].pos()))
    QTest.mouseMove(plot.viewport(), pos)
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
    listed = view.neighbour_list.indices()
    assert len(listed) == NEIGHBOURS and listed[0] == 17 and listed == view.neighbours.tolist()
    model = view.neighbour_list.model
    assert all(isinstance(model.data(model.index(r), Qt.ItemDataRole.DecorationRole), QPixmap)
               for r in range(NEIGHBOURS))
    assert len(plot.neighbours.data) == NEIGHBOURS
    opened = []
    view.image_opened.connect(opened.append)
    rect = view.neighbour_list.view.visualRect(model.index(2))
    QTest.mouseClick(view.neighbour_list.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert len(opened) == 1 and np.array_equal(opened[0], m.images[listed[2]])


def test_a_new_model_is_mapped_again_and_an_onnx_model_is_said(qtbot, view, app, tmp_path):
    _shown(qtbot, view, view.show)
    before = view.map.points
    _shown(qtbot, view, lambda: app.set_checkpoint(random_checkpoint(seed=1)))
    assert view.map.model == "random-fast-1" and not np.allclose(view.map.points, before)
    app.set_checkpoint(load(export_onnx(build("fast"), tmp_path / "theirs.onnx")))
    assert view.map is None and len(view.plot.classes[0].data) == 0
    assert "ONNX model of another tool" in view.status.text() and not view.runner.is_running()
