"""The attribution view (offscreen): one map per chosen method, recomputed when the class or the layer
changes, nothing computed while hidden, and only occlusion for a model given as a probability function."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mnist_pad.core.attribution import GRADIENT_FREE, LAYERED, METHODS
from mnist_pad.core.explain import Predictor
from mnist_pad.core.models import build
from mnist_pad.core.preprocess import preprocess
from mnist_pad.qt.attribution_view import PREDICTED, REFRESH_MS, SENTENCES, AttributionView


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build("fast").eval()


@pytest.fixture
def image() -> np.ndarray:
    a = np.zeros((28, 28), np.float32)
    a[5:23, 12:16] = 1.0  # a 1
    a[5:8, 9:16] = 1.0  # with a flag
    return a


@pytest.fixture
def view(qtbot) -> AttributionView:
    widget = AttributionView()
    qtbot.addWidget(widget)
    widget.resize(700, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _shown(qtbot, view: AttributionView, action) -> None:
    with qtbot.waitSignal(view.maps_shown, timeout=10_000):
        action()


def test_it_shows_one_map_per_chosen_method(qtbot, view, model, image):
    view.set_methods(["Grad-CAM", "Grad-CAM++", "occlusion"])
    _shown(qtbot, view, lambda: view.show_input(model, image, 1))
    assert list(view.maps) == list(view.panels) == ["Grad-CAM", "Grad-CAM++", "occlusion"]
    assert all(panel.isVisible() and not panel.panel.is_blank() for panel in view.panels.values())
    _shown(qtbot, view, lambda: view.set_methods(list(METHODS)))
    assert set(view.maps) == set(METHODS) and list(view.panels) == list(METHODS)
    assert all(not panel.panel.is_blank() for panel in view.panels.values())
    view.set_methods(["SmoothGrad"])
    assert list(view.panels) == ["SmoothGrad"] and list(view.maps) == ["SmoothGrad"]  # kept: same input and class
    assert view.panels["SmoothGrad"].toolTip() == SENTENCES["SmoothGrad"]


def test_changing_the_class_recomputes_every_map(qtbot, view, model, image):
    view.set_methods(["Grad-CAM", "integrated gradients"])
    _shown(qtbot, view, lambda: view.show_input(model, image, 1))
    assert view.target() == PREDICTED and "for 1" in view.panels["Grad-CAM"].title.text()
    before, computed = dict(view.maps), view.computed
    _shown(qtbot, view, lambda: view.set_target(7))
    assert view.computed == computed + 2
    assert "for 7" in view.panels["Grad-CAM"].title.text()
    assert not np.allclose(view.maps["integrated gradients"], before["integrated gradients"])


def test_changing_the_layer_recomputes_only_the_grad_cam_maps(qtbot, view, model, image):
    view.set_methods(["Grad-CAM", "Grad-CAM++", "occlusion"])
    _shown(qtbot, view, lambda: view.show_input(model, image, 1))
    assert view.layer() == list(model.conv_layers())[-1]
    occlusion, computed = view.maps["occlusion"], view.computed
    _shown(qtbot, view, lambda: view.set_layer("conv1"))
    assert view.computed == computed + len(LAYERED) and view.maps["occlusion"] is occlusion
    assert "conv1" in view.panels["Grad-CAM"].title.text()


def test_a_hidden_view_computes_when_shown(qtbot, model, image):
    view = AttributionView()
    qtbot.addWidget(view)
    view.show_input(model, image, 1)
    qtbot.wait(2 * REFRESH_MS)
    assert view.computed == 0 and view.maps == {}
    _shown(qtbot, view, view.show)
    assert list(view.maps) == view.methods() and view.computed == len(view.methods())


def test_nothing_drawn_shows_blank_paper(qtbot, view, model):
    _shown(qtbot, view, lambda: view.show_input(model, None, None))
    assert view.maps == {} and all(panel.panel.is_blank() for panel in view.panels.values())


def test_a_probability_function_gets_occlusion_only(qtbot, view, model, image):
    def probabilities(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(model(torch.from_numpy(batch)), 1).numpy()

    view.set_methods(["Grad-CAM", "occlusion"])
    _shown(qtbot, view, lambda: view.show_input(probabilities, image, 1))
    assert list(view.maps) == list(GRADIENT_FREE) and not view.layer_box.count()
    assert view.panels["Grad-CAM"].panel.is_blank() and "PyTorch" in view.panels["Grad-CAM"].title.text()


def test_the_pads_prediction_is_shown_through_its_predictor(qtbot, view, model, image):
    predictor = Predictor(model, backend="torch")
    pred = predictor.predict_preprocessed(preprocess(np.kron(image, np.ones((10, 10), np.float32))))
    _shown(qtbot, view, lambda: view.show_prediction(predictor, pred))
    assert view.model is model and view.predicted == pred.top is not None
    np.testing.assert_array_equal(view.image, pred.pre.image)
    assert set(view.maps) == set(view.methods())


def test_the_captions_are_the_cores_sentences():
    assert SENTENCES == {name: method.sentence for name, method in METHODS.items()}
