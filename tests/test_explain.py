"""What the pad computes for one drawing: engines agree, the background switch to ONNX Runtime, saliency
and Grad-CAM maps, filters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mnist_pad.core.attribution import gradcam, gradient_x_input, to_unit
from mnist_pad.core.explain import Predictor, filters
from mnist_pad.core.models import build
from mnist_pad.core.inference import OnnxEngine, TorchEngine, make_engine


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    net = build("small").eval()
    for m in net.modules():  # non-trivial batchnorm statistics, so that train/eval mode matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return net


@pytest.fixture
def drawing():
    img = np.zeros((280, 280), np.float32)
    img[40:240, 130:150] = 1.0  # a "1"
    img[40:60, 100:150] = 1.0
    return img


def test_onnx_and_torch_engines_give_the_same_logits_and_maps(model):
    x = np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32)
    t_logits, t_maps = TorchEngine(model)(x)
    o_logits, o_maps = OnnxEngine(model)(x)
    np.testing.assert_allclose(o_logits, t_logits, atol=1e-4)
    assert list(o_maps) == list(t_maps) == list(model.conv_layers())
    for name in t_maps:
        np.testing.assert_allclose(o_maps[name], t_maps[name], atol=1e-4)
    assert not model.training  # exporting left the model as it was


def test_make_engine_picks_onnxruntime_on_the_cpu_and_torch_on_request(model):
    assert make_engine(model).name == "onnxruntime"
    assert make_engine(model, "torch").name == "torch"


def test_background_predictor_answers_at_once_and_then_switches(model, drawing):
    p = Predictor(model, background=True)
    first = p.predict(drawing)
    p.wait_ready(timeout=60)
    assert p.engine.name == "onnxruntime"
    second = p.predict(drawing)
    np.testing.assert_allclose(first.probabilities, second.probabilities, atol=1e-5)
    assert abs(float(second.probabilities.sum()) - 1) < 1e-5
    assert set(second.activations) == set(model.conv_layers())
    assert not model.training


def test_empty_drawing_gives_no_prediction(model):
    pred = Predictor(model, "torch").predict(np.zeros((100, 100), np.float32))
    assert pred.probabilities is None and pred.top is None and not pred.confident


def test_gradient_x_input_and_gradcam_are_maps_on_the_ink(model, drawing):
    pre = Predictor(model, "torch").predict(drawing).pre
    for m in (gradient_x_input(model, pre.image, 1), to_unit(gradcam(model, pre.image, 1))):
        assert m.shape == (28, 28) and m.min() >= 0 and m.max() == pytest.approx(1.0)
    s = gradient_x_input(model, pre.image, 1)
    assert s[pre.image == 0].max() == 0  # gradient x input: no saliency off the ink


def test_filters_are_the_conv_weights(model):
    f = filters(model)
    for name, conv in model.conv_layers().items():
        assert f[name].shape == tuple(conv.weight.shape)
        np.testing.assert_array_equal(f[name], conv.weight.detach().numpy())
