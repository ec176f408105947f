"""An ONNX digit classifier of another tool, run by ONNX Runtime as the pad's engine.

What it may be: one float image input of 28x28 pixels laid out as (N, 1, 28, 28), (N, 28, 28, 1),
(N, 28, 28) or (N, 784), the batch dynamic or fixed; a first output of 10 values per image, logits or
probabilities (told apart on a few probe images: rows of non-negative values summing to 1 are
probabilities, and their logarithm is read as logits, which softmax turns back into the same numbers).
The feature maps shown are those of every ``Conv`` node of the graph, after the batchnorm and activation
that follow it (as the pad shows its own models'), added to the graph as extra outputs. No gradients: the
attribution is occlusion (:func:`mnist_pad.core.attribution.occlusion`)."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from .data import DIGITS, Split
from .evaluate import Report, report
from .explain import Predictor
from .foreign import ForeignModelError, NormGuess
from .inference import Outputs, onnx_session, run_batches, to_array
from .reading import Reading
from .steps import drive

LAYOUTS = {"nchw": (1, 28, 28), "nhwc": (28, 28, 1), "nhw": (28, 28), "flat": (784,)}  # after the batch axis
# What may follow a Conv before its map is shown: the pad shows maps after the activation.
_FOLLOW = {"BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Sigmoid", "Tanh", "Clip",
           "HardSigmoid", "HardSwish", "Softplus"}
PROBES = 6  # images run once at opening: the output's size, finiteness, and whether it is probabilities
TINY = 1e-30  # the probability a log is taken of, at least


def _load(path: Path, data: bytes):
    import onnx

    try:
        proto = onnx.load_from_string(data)
    except Exception:  # noqa: BLE001 - protobuf raises its own kinds on damaged bytes
        raise ForeignModelError(f"{path}: not an ONNX model (truncated, damaged or of another kind)") from None
    if not proto.graph.node or not proto.graph.output:
        raise ForeignModelError(f"{path}: not an ONNX model (truncated, damaged or of another kind: an empty graph)")
    return proto


def guess_norm(path: Path, data: bytes) -> NormGuess:
    """An export of mnist-pad (input ``image``, output ``logits``) normalises inside its graph; other files
    do not tell."""
    graph = _load(path, data).graph
    if [i.name for i in graph.input][:1] == ["image"] and graph.output[0].name == "logits":
        return NormGuess("unit", "exported by mnist-pad, which normalises inside the graph", True)
    return NormGuess("unit", "nothing in the file tells; 0..1 is the usual choice", False)


class OnnxClassifier:
    """Called with images (n, 1, 28, 28) in 0..1 (ink high), gives (logits (n, 10), each conv's feature maps
    (n, c, h, w)): the engine protocol of :mod:`mnist_pad.core.inference`, so :class:`OnnxPredictor` and
    :func:`mnist_pad.core.number.read_number` run it as they run our own models."""

    name = "onnxruntime"

    def __init__(self, path: Path, data: bytes, normalize: tuple[float, float]) -> None:
        import onnx

        proto = _load(path, data)
        self.path, self.normalize, self._data = Path(path), normalize, data
        graph = proto.graph
        initialized = {t.name for t in graph.initializer}
        inputs = [i for i in graph.input if i.name not in initialized]
        if len(inputs) != 1:
            raise ForeignModelError(f"{path}: has {len(inputs)} inputs ({', '.join(i.name for i in inputs)}); "
                                    "mnist-pad gives a model one image")
        self.input_name = inputs[0].name
        self.layout, self.batch = _layout(path, inputs[0])
        self.output_name = graph.output[0].name
        self.layers = _conv_maps(graph)
        known = {o.name for o in graph.output}
        graph.output.extend(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT, None)
                            for t in self.layers.values() if t not in known)
        self.session = _session(path, proto.SerializeToString(), 1)
        self.probabilities = self._probe()
        self._filters = _conv_filters(graph, initialized)

    def __call__(self, x: np.ndarray) -> Outputs:
        out, *maps = self._run(self.session, x, [self.output_name, *self.layers.values()])
        return self._logits(out), {name: m for name, m in zip(self.layers, maps) if m.ndim == 4}

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class probabilities (n, 10) of uint8 images (n, 28, 28): a batch engine for evaluation."""
        (out,) = self._run(self._batch_session, to_array(images), [self.output_name])
        return torch.from_numpy(Reading().probabilities(self._logits(out)))

    def filters(self) -> dict[str, np.ndarray]:
        """Each conv layer's kernels (out, in, k, k) float32, for the convs whose weights the graph holds."""
        return dict(self._filters)

    def evaluate(self, split: Split, classes: tuple[str, ...] = DIGITS, batch_size: int = 1000) -> Report:
        """Accuracy, per-class figures and the confusion matrix on ``split``."""
        if len(split) == 0:
            return report(split.labels, split.labels, classes)
        probs = drive(run_batches(self.forward, split.images, batch_size))
        return report(split.labels, probs.argmax(1), classes)

    @cached_property
    def _batch_session(self):
        """The graph as it came (no feature maps), on torch's thread count: for batches."""
        return _session(self.path, self._data, torch.get_num_threads())

    def _logits(self, out: np.ndarray) -> np.ndarray:
        out = out.reshape(len(out), -1).astype(np.float32)
        return np.log(np.maximum(out, TINY)) if self.probabilities else out

    def _run(self, session, x: np.ndarray, names: list[str]) -> list[np.ndarray]:
        """``names`` outputs for images ``x`` (n >= 1, 1, 28, 28) in 0..1: normalised, laid out as the graph
        takes them, in slices of its batch size when it is fixed (the last one padded with blank images)."""
        n = len(x)
        x = (np.asarray(x, np.float32).reshape(n, *LAYOUTS[self.layout]) - self.normalize[0]) / self.normalize[1]
        step = self.batch or max(n, 1)
        parts = []
        for start in range(0, n, step):
            chunk = x[start : start + step]
            if len(chunk) < step:
                chunk = np.concatenate([chunk, np.zeros((step - len(chunk), *chunk.shape[1:]), np.float32)])
            try:
                outs = session.run(names, {self.input_name: np.ascontiguousarray(chunk)})
            except Exception as exc:  # noqa: BLE001 - ONNX Runtime's errors have their own classes
                raise ForeignModelError(f"{self.path}: ONNX Runtime cannot run it on 28x28 images "
                                        f"({_first_line(exc)})") from None
            parts.append([np.atleast_1d(o)[: min(step, n - start)] for o in outs])
        return [np.concatenate(column) for column in zip(*parts)]

    def _probe(self) -> bool:
        """Run blank and random images once: refuse an output that is not 10 finite values per image; say
        whether it is probabilities."""
        x = np.random.default_rng(0).random((PROBES, 1, 28, 28), dtype=np.float32)
        x[0] = 0
        (out,) = self._run(self.session, x, [self.output_name])
        if out.ndim == 0 or len(out) != PROBES or not np.issubdtype(out.dtype, np.floating):
            raise ForeignModelError(f"{self.path}: its first output ({self.output_name}, shape {list(out.shape)}, "
                                    f"{out.dtype}) is not one row of class scores per image")
        values = out.reshape(PROBES, -1)
        if values.shape[1] != len(DIGITS):
            raise ForeignModelError(f"{self.path}: gives {values.shape[1]} values per image; a digit classifier "
                                    f"gives {len(DIGITS)}")
        if not np.isfinite(values).all():
            raise ForeignModelError(f"{self.path}: gives NaN or infinite values; the model would predict nonsense")
        return bool((values >= 0).all() and np.allclose(values.sum(1), 1, atol=1e-3))


class OnnxPredictor(Predictor):
    """The pad's :class:`~mnist_pad.core.explain.Predictor` for an :class:`OnnxClassifier`: the same
    predictions, statuses and feature maps; no torch model (``model`` is None), so no gradient methods
    (``gradients`` is False: occlusion is the attribution)."""

    gradients = False

    def __init__(self, classifier: OnnxClassifier, reading: Reading = Reading()) -> None:
        self.model, self.engine, self.reading, self._builder = None, classifier, reading, None


def _layout(path: Path, value) -> tuple[str, int | None]:
    """(the layout of the image input, its fixed batch size or None when dynamic); refused when it is not
    one image of 28x28 grey pixels in float32."""
    import onnx

    tensor = value.type.tensor_type
    if tensor.elem_type != onnx.TensorProto.FLOAT:
        kind = onnx.TensorProto.DataType.Name(tensor.elem_type) if tensor.elem_type else "not a tensor"
        raise ForeignModelError(f"{path}: its input {value.name!r} is {kind}; mnist-pad gives float32 images")
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
    for layout, shape in LAYOUTS.items():
        if len(dims) == len(shape) + 1 and all(d is None or d == s for d, s in zip(dims[1:], shape)):
            return layout, dims[0] or None
    shown = "x".join("N" if d is None else str(d) for d in dims) or "unknown"
    raise ForeignModelError(f"{path}: takes input of shape {shown}; mnist-pad gives 28x28 grey images "
                            "(Nx1x28x28, Nx28x28x1, Nx28x28 or Nx784)")


def _conv_maps(graph) -> dict[str, str]:
    """``conv1``, ``conv2``, ... -> the tensor each Conv node's map is read from (graph order): its output, or
    the output of the batchnorm and activation that alone consume it."""
    consumers = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    maps: dict[str, str] = {}
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        out = node.output[0]
        while len(consumers[out]) == 1 and consumers[out][0].op_type in _FOLLOW and consumers[out][0].input[0] == out:
            out = consumers[out][0].output[0]
        maps[f"conv{len(maps) + 1}"] = out
    return maps


def _conv_filters(graph, initialized: set[str]) -> dict[str, np.ndarray]:
    """The kernels of the Conv nodes whose weights are initializers, named as :func:`_conv_maps` names them."""
    from onnx import numpy_helper

    weights = {t.name: t for t in graph.initializer}
    convs = [node for node in graph.node if node.op_type == "Conv"]
    return {f"conv{i}": numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
            for i, node in enumerate(convs, 1) if node.input[1] in initialized}


def _session(path: Path, graph: bytes, threads: int):
    try:
        return onnx_session(graph, threads)
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime's errors have their own classes
        raise ForeignModelError(f"{path}: ONNX Runtime cannot load it ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
