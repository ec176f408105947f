"""Attribution: which pixels of the 28x28 input make a model say a class, by six methods side by side.

Every method takes a model, a (28, 28) input (0..1, ink high), a class and, for the Grad-CAM methods, a conv
layer (default: the last), and returns a (28, 28) float32 map in the method's own units: positive where the
pixel (or region) is evidence for the class. Integrated gradients, SmoothGrad and occlusion can also be
negative (evidence against); :func:`to_unit` scales any map's positive part to 0..1 for display.
:data:`METHODS` gives each method with one sentence on what it shows.

Where the methods come from: integrated gradients (``IntegratedGradients``), SmoothGrad (``NoiseTunnel``
over ``InputXGradient``) and occlusion (``Occlusion``) are Captum's, PyTorch's maintained attribution
library, rather than written again here; Grad-CAM, Grad-CAM++ (Captum has none) and gradient x input are a
few lines each given the feature map and its gradient, and are the pad's fast views while drawing: they
must not import Captum, which (with the matplotlib it imports) costs about half a second, on first use.

Occlusion needs no gradients: :func:`occlusion` also takes a plain function from a batch of inputs
(n, 1, 28, 28) to class probabilities (n, classes), such as an ONNX Runtime session's, and then measures the
fall of the class's probability instead of its logit. :func:`model_of` gives the pad's predictor in the form
the methods take.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from .explain import Predictor
from .models import ConvNet

ProbabilityFunction = Callable[[np.ndarray], np.ndarray]  # (n, 1, 28, 28) float32 -> (n, classes) probabilities

# Integrated gradients' path steps: on 20 MNIST test digits and the shipped default model, the map correlates
# with 256 steps' at 0.999 (median; 0.995 at worst); 16 steps 0.997, 8 steps 0.987 (docs/attribution.md)
IG_STEPS = 32
# SmoothGrad's noisy copies: the map correlates with 400 copies' at 0.951 (median of the same 20 digits);
# Smilkov et al.'s 50 reach 0.968 at 1.6 times the cost, 24 reach 0.938
SMOOTHGRAD_SAMPLES = 32
SMOOTHGRAD_SIGMA = 0.15  # noise std on the 0..1 input: 15% of the range, in the paper's 10-20% band
OCCLUSION_WINDOW = 4  # side of the blanked square, pixels: a little more than an MNIST stroke's width (2-3 px)
# pixels between windows: 9x9 windows on a 28x28 input, about 30 ms for the shipped default model on one core
# (a stride of 2, 13x13 windows, took 65-72 ms: too long a pause for the window)
OCCLUSION_STRIDE = 3


def _input(model: torch.nn.Module, image: np.ndarray) -> torch.Tensor:
    """``image`` as a (1, 1, 28, 28) float32 tensor on the model's device."""
    device = next(model.parameters()).device
    return torch.from_numpy(np.ascontiguousarray(image, np.float32)).view(1, 1, 28, 28).to(device)


def _map(attribution: torch.Tensor) -> np.ndarray:
    """A (1, 1, 28, 28) attribution as a (28, 28) float32 array."""
    return attribution.detach()[0, 0].float().cpu().numpy()


def _layer(model: ConvNet, layer: str | None) -> str:
    names = list(model.conv_layers())
    layer = layer or names[-1]
    if layer not in names:
        raise ValueError(f"no conv layer {layer!r}; the model has {', '.join(names)}")
    return layer


def _feature_map_and_gradient(model: ConvNet, image: np.ndarray, target: int,
                              layer: str | None) -> tuple[torch.Tensor, torch.Tensor]:
    """``layer``'s feature map (after its activation) for ``image``, and the class logit's gradient on it."""
    name = _layer(model, layer)
    model.eval()
    with torch.enable_grad():
        logits, maps = model.forward_with_activations(_input(model, image))
        (grad,) = torch.autograd.grad(logits[0, target], maps[name])
    return maps[name].detach(), grad


def gradcam(model: ConvNet, image: np.ndarray, target: int, layer: str | None = None) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017) at ``layer``'s feature map (after its activation, as the pad shows
    it): the map weighted by its gradient's spatial mean, upsampled bilinearly to 28x28, non-negative. Written
    here, not taken from Captum: it is the pad's default view, refreshed while drawing, and importing Captum
    would cost the first stroke half a second (tests/test_attribution.py checks it against Captum's
    ``LayerGradCam``)."""
    fmap, grad = _feature_map_and_gradient(model, image, target, layer)
    cam = F.relu((grad.mean((2, 3), keepdim=True) * fmap).sum(1, keepdim=True))
    return _map(F.interpolate(cam, size=(28, 28), mode="bilinear", align_corners=False))


def gradcam_plus_plus(model: ConvNet, image: np.ndarray, target: int, layer: str | None = None) -> np.ndarray:
    """Grad-CAM++ (Chattopadhyay et al. 2018): each channel weighted by its positive gradients, each scaled by
    the closed-form alpha (exact for an exponential of the logit), so several parts of a digit can count;
    upsampled to 28x28, non-negative."""
    fmap, grad = _feature_map_and_gradient(model, image, target, layer)
    g2 = grad.square()
    denominator = 2 * g2 + fmap.sum((2, 3), keepdim=True) * g2 * grad
    alpha = g2 / torch.where(denominator != 0, denominator, torch.ones_like(denominator))  # 0 where grad is 0
    weights = (alpha * F.relu(grad)).sum((2, 3), keepdim=True)
    cam = F.relu((weights * fmap).sum(1, keepdim=True))
    return _map(F.interpolate(cam, size=(28, 28), mode="bilinear", align_corners=False))


def integrated_gradients(model: ConvNet, image: np.ndarray, target: int, layer: str | None = None) -> np.ndarray:
    """Integrated gradients (Sundararajan et al. 2017) from a blank image (no ink) to ``image``, through
    Captum: the attributions add up to the logit's change from the blank image to this one."""
    from captum.attr import IntegratedGradients

    model.eval()
    x = _input(model, image)
    with torch.enable_grad():
        attribution = IntegratedGradients(model).attribute(x, torch.zeros_like(x), target=target, n_steps=IG_STEPS)
    return _map(attribution)


def smoothgrad(model: ConvNet, image: np.ndarray, target: int, layer: str | None = None) -> np.ndarray:
    """SmoothGrad (Smilkov et al. 2017) of gradient x input, through Captum's ``NoiseTunnel``: the mean over
    noisy copies of the input. Signed (the pad's gradient x input is its absolute value), so the noise on
    blank pixels averages away instead of adding up."""
    from captum.attr import InputXGradient, NoiseTunnel

    model.eval()
    with torch.random.fork_rng(devices=[]), torch.enable_grad():
        torch.manual_seed(0)  # the same drawing gives the same map (Captum draws its noise from torch's generator)
        attribution = NoiseTunnel(InputXGradient(model)).attribute(
            _input(model, image), nt_type="smoothgrad", nt_samples=SMOOTHGRAD_SAMPLES, stdevs=SMOOTHGRAD_SIGMA,
            target=target)
    return _map(attribution)


def occlusion(model: ConvNet | ProbabilityFunction, image: np.ndarray, target: int, layer: str | None = None,
              window: int = OCCLUSION_WINDOW, stride: int = OCCLUSION_STRIDE) -> np.ndarray:
    """Occlusion (Zeiler and Fergus 2014), through Captum: how much the class's logit falls when a
    ``window``-pixel square around each pixel is blanked (0, no ink), averaged over the squares that cover
    it. ``model`` may be a function from a batch of inputs to probabilities (no gradients needed): then the
    fall of the class's probability."""
    from captum.attr import Occlusion

    if isinstance(model, torch.nn.Module):
        model.eval()
        forward, x = model, _input(model, image)
    else:
        def forward(batch: torch.Tensor) -> torch.Tensor:
            return torch.from_numpy(np.asarray(model(batch.numpy()), np.float32))

        x = torch.from_numpy(np.ascontiguousarray(image, np.float32)).view(1, 1, 28, 28)
    with torch.no_grad():
        attribution = Occlusion(forward).attribute(x, (1, window, window), strides=(1, stride, stride), baselines=0.0,
                                                   target=target, perturbations_per_eval=64)
    return _map(attribution)


def gradient_x_input(model: ConvNet, image: np.ndarray, target: int, layer: str | None = None) -> np.ndarray:
    """|d logit[target] / d pixel| * pixel: which ink pixels push the class up, scaled to 0..1."""
    x = _input(model, image).requires_grad_(True)
    model.eval()
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model(x)[0, target], x)  # not .backward(): the weights get no gradients
    s = (grad * x).abs()[0, 0]
    return (s / s.max().clamp_min(1e-12)).detach().cpu().numpy()


def model_of(predictor: Predictor) -> ConvNet | ProbabilityFunction:
    """What the methods take for the pad's predictor: its torch model, or, for a model without gradients (an
    ONNX model of another tool), its calibrated probabilities through its engine (occlusion only)."""
    if predictor.gradients:
        return predictor.model
    return lambda batch: predictor.reading.probabilities(predictor.engine(batch)[0])


def to_unit(heat: np.ndarray) -> np.ndarray:
    """A map's positive part (the evidence for the class) scaled to 0..1 by its maximum; all 0 when it has
    none. (28, 28) float32."""
    positive = np.clip(np.nan_to_num(np.asarray(heat, np.float32)), 0.0, None)
    top = float(positive.max(initial=0.0))
    return positive / top if top > 0 else positive


class Method(NamedTuple):
    function: Callable[..., np.ndarray]  # (model, image, target, layer=None) -> (28, 28) float32
    sentence: str  # what its map shows, in one sentence (the view's caption and tooltip)


METHODS: dict[str, Method] = {
    "Grad-CAM": Method(gradcam, "Where the chosen layer's features that raise the class's score are active: "
                                "coarse regions, at that layer's resolution."),
    "Grad-CAM++": Method(gradcam_plus_plus, "Grad-CAM that lets every part of the digit that raises the score "
                                            "count, not only the strongest one."),
    "integrated gradients": Method(integrated_gradients, "Each pixel's share of the score's rise from a blank "
                                                         "image to this drawing; the shares add up to the rise."),
    "SmoothGrad": Method(smoothgrad, "Gradient x input averaged over noisy copies of the drawing: the same "
                                     "question with less speckle."),
    "occlusion": Method(occlusion, "How much the score falls when a small square around each pixel is blanked: "
                                   "slow, but needs no gradients."),
    "gradient x input": Method(gradient_x_input, "Ink pixels whose change would move the score most: one "
                                                 "backward pass, fast and noisy."),
}
LAYERED = ("Grad-CAM", "Grad-CAM++")  # the methods whose map depends on the chosen conv layer
GRADIENT_FREE = ("occlusion",)  # the methods that also work on a model given only as a probability function


def attribute(method: str, model: ConvNet | ProbabilityFunction, image: np.ndarray, target: int,
              layer: str | None = None) -> np.ndarray:
    """The map of ``METHODS[method]``; a ValueError naming the known methods for an unknown one."""
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r}; known: {', '.join(METHODS)}")
    return METHODS[method].function(model, image, target, layer)
