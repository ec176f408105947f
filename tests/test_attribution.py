"""Attribution methods with known answers, on small hand-made models whose gradients are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mnist_pad.core import attribution
from mnist_pad.core.attribution import METHODS, attribute, model_of, to_unit
from mnist_pad.core.explain import Predictor
from mnist_pad.core.models import ArchConfig, Conv, ConvNet, build
from mnist_pad.core.reading import Reading

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PIXEL = (11, 17)  # the one pixel the one-pixel model reads
TARGET = 3


def _pixel_model(bias: float = 0.0, classifier: torch.Tensor | None = None) -> ConvNet:
    """One 1x1 conv channel copying the input (weight 1, ``bias``), a ReLU, then a linear layer over the 784
    pixels: by default class TARGET's logit is 2 * the pixel at PIXEL and every other logit is 0."""
    cfg = ArchConfig("pixel", (Conv(1, kernel=1, padding=0),), batchnorm=False)
    model = ConvNet(cfg, normalize=(0.0, 1.0)).eval()
    with torch.no_grad():
        conv = model.features["conv1"].conv
        conv.weight.fill_(1.0)
        conv.bias.fill_(bias)
        linear = model.classifier[-1]
        linear.bias.zero_()
        if classifier is None:
            linear.weight.zero_()
            linear.weight[TARGET, PIXEL[0] * 28 + PIXEL[1]] = 2.0
        else:
            linear.weight.copy_(classifier)
    return model


@pytest.fixture
def ink() -> np.ndarray:
    """Ink everywhere (0.2..1), so that every pixel could count and only the model decides which does."""
    return np.random.default_rng(0).uniform(0.2, 1.0, (28, 28)).astype(np.float32)


def _lit(heat: np.ndarray) -> list[tuple[int, int]]:
    return [tuple(int(i) for i in p) for p in np.argwhere(np.abs(heat) > 1e-6 * np.abs(heat).max())]


def test_occlusion_and_integrated_gradients_light_only_the_pixel_the_model_reads(ink):
    model = _pixel_model()
    single = attribution.occlusion(model, ink, TARGET, window=1, stride=1)
    ig = attribution.integrated_gradients(model, ink, TARGET)
    assert _lit(single) == [PIXEL] and _lit(ig) == [PIXEL]
    assert single[PIXEL] == pytest.approx(2 * ink[PIXEL], rel=1e-5)  # the logit's fall when the pixel is blanked
    assert ig[PIXEL] == pytest.approx(2 * ink[PIXEL], rel=1e-3)  # IG's completeness: all of the logit's rise
    # The default 4x4 windows: the pixel is as lit as anything, and nothing beyond a window's reach is lit.
    coarse = attribution.occlusion(model, ink, TARGET)
    assert coarse[PIXEL] == coarse.max() > 0
    assert all(abs(r - PIXEL[0]) < 4 and abs(c - PIXEL[1]) < 4 for r, c in _lit(coarse))


def test_occlusion_needs_only_a_probability_function(ink):
    """As for an ONNX model: plain numpy in, probabilities out, no torch and no gradients."""
    def probabilities(batch: np.ndarray) -> np.ndarray:
        logits = np.zeros((len(batch), 10), np.float32)
        logits[:, TARGET] = 2 * batch[:, 0, PIXEL[0], PIXEL[1]]
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    heat = attribute("occlusion", probabilities, ink, TARGET)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert heat[PIXEL] == heat.max() > 0
    blanked = ink.copy()
    blanked[PIXEL] = 0
    single = attribution.occlusion(probabilities, ink, TARGET, window=1, stride=1)
    fall = probabilities(ink[None, None])[0, TARGET] - probabilities(blanked[None, None])[0, TARGET]
    assert _lit(single) == [PIXEL] and single[PIXEL] == pytest.approx(fall, rel=1e-5)


def test_the_pads_predictor_is_given_as_its_model_or_its_probabilities(ink):
    model = _pixel_model()
    assert model_of(Predictor(model, backend="torch")) is model

    class Forward(Predictor):  # as an ONNX model of another tool: an engine and a reading, no gradients
        gradients = False

    predictor = Forward(model, backend="torch", reading=Reading(temperature=2.0))
    function = model_of(predictor)
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(ink)[None, None]) / 2.0, 1).numpy()
    np.testing.assert_allclose(function(ink[None, None]), expected, rtol=1e-5)
    assert attribute("occlusion", function, ink, TARGET)[PIXEL] > 0


def test_gradcam_of_a_one_channel_layer_is_that_channels_map(ink):
    """With one channel whose gradient is positive, Grad-CAM and Grad-CAM++ weigh it alone: both maps are
    the channel's activation (here the input itself), whatever the scale."""
    model = _pixel_model()
    for method in ("Grad-CAM", "Grad-CAM++"):
        heat = attribute(method, model, ink, TARGET, "conv1")
        np.testing.assert_allclose(to_unit(heat), ink / ink.max(), atol=1e-5)


@pytest.mark.parametrize("method", ["Grad-CAM", "Grad-CAM++"])
def test_gradcam_at_every_layer_has_the_input_shape_and_is_not_negative(method):
    torch.manual_seed(0)
    model = build("fast").eval()
    image = np.random.default_rng(1).uniform(0, 1, (28, 28)).astype(np.float32)
    for layer in model.conv_layers():
        heat = attribute(method, model, image, 7, layer)
        assert heat.shape == (28, 28) and heat.dtype == np.float32
        assert np.isfinite(heat).all() and heat.min() >= 0 and heat.max() > 0
    with pytest.raises(ValueError, match="no conv layer 'conv9'"):
        attribute(method, model, image, 7, "conv9")


def test_the_pads_gradcam_is_captums():
    """The Grad-CAM written here (the pad's fast view: no Captum import) is Captum's LayerGradCam at every layer."""
    from captum.attr import LayerAttribution, LayerGradCam

    torch.manual_seed(0)
    model = build("small").eval()
    image = np.random.default_rng(2).uniform(0, 1, (28, 28)).astype(np.float32)
    x = torch.from_numpy(image).view(1, 1, 28, 28)
    for layer, block in model.features.items():
        cam = LayerGradCam(model, block.act).attribute(x, target=4, relu_attributions=True)
        captum = LayerAttribution.interpolate(cam, (28, 28), "bilinear")[0, 0].detach().numpy()
        np.testing.assert_allclose(attribution.gradcam(model, image, 4, layer), captum, atol=1e-5)


def test_smoothgrad_of_a_linear_model_is_its_gradient_times_input_up_to_noise(ink):
    """The conv's bias of 1 keeps the ReLU open under the noise, so the model is linear: its gradient is the
    classifier's row W, and SmoothGrad's mean of W * (x + noise) is W * x but for the noise."""
    w = torch.randn(10, 784, generator=torch.Generator().manual_seed(3))
    model = _pixel_model(bias=1.0, classifier=w)
    heat = attribute("SmoothGrad", model, ink, TARGET)
    expected = w[TARGET].view(28, 28).numpy() * ink
    assert np.corrcoef(heat.ravel(), expected.ravel())[0, 1] > 0.99
    noise = attribution.SMOOTHGRAD_SIGMA / np.sqrt(attribution.SMOOTHGRAD_SAMPLES) * np.abs(w[TARGET].numpy())
    assert (np.abs(heat - expected).ravel() < 5 * noise + 1e-6).all()  # within five standard errors everywhere
    np.testing.assert_array_equal(heat, attribute("SmoothGrad", model, ink, TARGET))  # the same map every time


def test_every_method_gives_a_map_for_any_class_and_says_what_it_shows():
    torch.manual_seed(0)
    model = build("fast").eval()
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = 1.0  # a 1
    for name, (function, sentence) in METHODS.items():
        assert sentence.endswith(".") and len(sentence.split()) >= 8
        for target in (1, 8):
            heat = function(model, image, target)
            assert heat.shape == (28, 28) and heat.dtype == np.float32 and np.isfinite(heat).all(), name
            unit = to_unit(heat)
            assert unit.min() >= 0 and unit.max() <= 1
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribute("LIME", model, image, 1)
