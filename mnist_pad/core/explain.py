"""What the pad shows: one drawing's prediction with every conv layer's feature maps, the filters, and
saliency / Grad-CAM maps. Inference runs on the CPU by default: for one 28x28 image that is faster than a
GPU launch (see the README's latency figures)."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

import numpy as np
from torch import nn

from .files import BadInput
from .models import ConvNet
from .preprocess import Preprocessed, preprocess
from .inference import TorchEngine, make_engine
from .reading import NO_INK, OK, Reading, digit_score


@dataclass(frozen=True)
class Prediction:
    pre: Preprocessed  # the 28x28 input and the steps that made it
    probabilities: np.ndarray | None  # (classes,) float32, calibrated; None for an empty drawing
    activations: dict[str, np.ndarray]  # conv layer name -> (channels, h, w) float32, after the activation
    status: str = NO_INK  # ok | unsure | not_a_digit | no_ink (core.reading)

    @property
    def top(self) -> int | None:
        return None if self.probabilities is None else int(self.probabilities.argmax())

    @property
    def confident(self) -> bool:
        return self.status == OK

    @property
    def score(self) -> float | None:
        """The not-a-digit score: the two likeliest classes' probability together (None without ink)."""
        return None if self.probabilities is None else float(digit_score(self.probabilities))


class NotForThePad(BadInput):
    """A model of other images than the pad's 28x28 grey digits (a CIFAR-10 net). Typed so that the window words
    the refusal itself (qt.i18n.refusal), in its language and with its own way out."""

    def __init__(self, name: str, shape: tuple[int, ...], dataset: str) -> None:
        self.name, self.shape, self.dataset = name, "x".join(map(str, shape)), dataset
        super().__init__(f"{name} reads {self.shape} images ({dataset}); the pad draws 28x28 grey digits. Evaluate "
                         "it with mnist-pad eval, or pick a digit model")


class Predictor:
    """Preprocess + forward pass with activations, for one drawing at a time. ``backend``: auto | torch |
    onnxruntime (see :mod:`mnist_pad.core.inference`); the model itself is left as it is.

    With ``background=True`` the predictor answers at once through torch and switches to the faster ONNX
    Runtime engine when a background thread has built it (an export takes up to a second, too long to
    block a window for)."""

    gradients = True  # its model is a torch ConvNet: saliency and Grad-CAM can be had (not so for ONNX models)

    def __init__(self, model: ConvNet, backend: str = "auto", background: bool = False, graph: bytes | None = None,
                 reading: Reading = Reading()) -> None:
        """``graph``: the model's ONNX graph for the pad (:class:`mnist_pad.core.jobs.SavedModel`) when it was
        made elsewhere; then only the ONNX Runtime session is built here. ``reading``: the model's temperature
        and thresholds (``Reading.from_meta(checkpoint.meta)``)."""
        self.model = model.eval()
        self.reading = reading
        if background and backend == "auto":
            self.engine = TorchEngine(model)
            self._builder = threading.Thread(target=self._build, args=(backend, graph), daemon=True)
            self._builder.start()
        else:
            self.engine = make_engine(model, backend, graph)
            self._builder = None

    @classmethod
    def for_checkpoint(cls, checkpoint, **options) -> "Predictor":
        """A predictor for a loaded :class:`~mnist_pad.core.checkpoint.Checkpoint`, with the reading its
        metadata carries (an ONNX model of another tool gets its ONNX Runtime predictor)."""
        model = checkpoint.model
        if isinstance(model, nn.Module) and model.cfg.input_shape != (1, 28, 28):
            raise NotForThePad(checkpoint.name, model.cfg.input_shape, checkpoint.meta.get("dataset", "?"))
        if not isinstance(model, nn.Module):
            from .foreign_onnx import OnnxPredictor

            return OnnxPredictor(checkpoint.model, Reading.from_meta(checkpoint.meta))
        return cls(checkpoint.model, reading=Reading.from_meta(checkpoint.meta), **options)

    def _build(self, backend: str, graph: bytes | None) -> None:
        # A copy: exporting switches the model's train/eval mode while the window may be predicting with it.
        self.engine = make_engine(copy.deepcopy(self.model) if graph is None else self.model, backend, graph)

    def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until the final engine is in place (for benchmarks and tests)."""
        if self._builder is not None:
            self._builder.join(timeout)

    def predict(self, drawing: np.ndarray) -> Prediction:
        return self.predict_preprocessed(preprocess(drawing))

    def predict_preprocessed(self, pre: Preprocessed) -> Prediction:
        if pre.empty:
            return Prediction(pre, None, {})
        logits, maps = self.engine(pre.image.reshape(1, 1, 28, 28))
        probs = self.reading.probabilities(logits[0])
        return Prediction(pre, probs, {k: v[0] for k, v in maps.items()}, self.reading.status(probs))


def filters(model: ConvNet) -> dict[str, np.ndarray]:
    """Each conv layer's kernels, (out_channels, in_channels, k, k) float32 (an ONNX model's: those its graph
    holds)."""
    if not isinstance(model, nn.Module):
        return model.filters()
    return {name: conv.weight.detach().float().cpu().numpy() for name, conv in model.conv_layers().items()}
