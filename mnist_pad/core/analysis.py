"""Where a model fails: evaluation that keeps every probability, the images behind a confusion cell, the most
confident mistakes, the comparison of two models on the same data, nearest neighbours in the model's
penultimate-layer space, and export of a report as JSON and a confusion-matrix PNG.

Evaluation and embedding are generators that yield :class:`~mnist_pad.core.progress.Progress` after each batch and ``return``
their result, so the UI runs them in its worker (cancel = stop iterating) and the CLI just exhausts them.
Both work on a private copy of the model (:func:`inference_copy`): the pad keeps using the shared model on
the UI thread while a worker evaluates, and the copy may live on the GPU while the pad stays on the CPU.
"""

from __future__ import annotations

import io
import os
import time
import weakref
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from .data import DIGITS, Split
from .evaluate import Report, report, to_input
from .files import check_output, dumps_json, write_atomic
from .models import ConvNet
from .progress import Progress
from .runtime import batch_engine

BATCH = 1000  # images per forward pass: one progress report each; larger batches were no faster on 2 cores


def inference_copy(model: ConvNet, device: torch.device | str = "cpu") -> ConvNet:
    """An eval-mode copy of ``model`` on ``device`` with each batchnorm folded into its conv (same outputs,
    one pass over the feature map fewer). The original is left untouched."""
    return model.fused().to(device)


Forward = Callable[[torch.Tensor], torch.Tensor]  # uint8 images (n, 28, 28) -> float (n, d) on the CPU


def _batches(forward: Forward, images: torch.Tensor, batch_size: int) -> Generator[Progress, None, torch.Tensor]:
    """``forward`` over ``images`` batch by batch, yielding progress; the concatenated result."""
    out, n = [], len(images)
    for start in range(0, n, batch_size):
        with torch.inference_mode():
            out.append(forward(images[start : start + batch_size]))
        yield Progress("batch", min(start + batch_size, n), n)
    return torch.cat(out) if out else torch.empty(0)


class _Probabilities(nn.Module):
    def __init__(self, model: ConvNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), 1)


class _Embedding(_Probabilities):
    """Unit-length penultimate features: the space nearest neighbours are searched in (cosine distance)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.model.penultimate(x), dim=1)


HEADS = {"probabilities": _Probabilities, "embedding": _Embedding}

# Engines made for a model, per (device, backend, head). Weak keys: a model no longer used takes its engines
# along. Models are never changed in place here (fine-tuning and training make new model objects), so a
# cached engine stays right; it saves the ONNX export, which holds the GIL for up to ~0.1 s (a UI hiccup).
_ENGINES: weakref.WeakKeyDictionary[nn.Module, dict[tuple[str, str, str], tuple[str, Forward]]] = weakref.WeakKeyDictionary()


def engine(model: ConvNet, device: torch.device | str = "cpu", backend: str = "auto",
           head: str = "probabilities") -> tuple[str, Forward]:
    """(engine name, forward) running a private copy of ``model`` on ``device``, giving class probabilities
    or, with ``head="embedding"``, unit-length penultimate features. Cached per model object.

    On the CPU, ``auto`` uses ONNX Runtime when it is installed: for batches of MNIST digits it needs about
    3-4x less CPU time than eager torch on the 2-core benchmark machine (docs/evaluation.md). ``torch``
    forces torch."""
    engines = _ENGINES.setdefault(model, {})
    key = (str(torch.device(device)), backend, head)
    if key not in engines:
        engines[key] = _make_engine(HEADS[head](inference_copy(model, device)).eval(), torch.device(device), backend)
    return engines[key]


def _input_array(images: torch.Tensor) -> np.ndarray:
    """uint8 (n, 28, 28) or float images -> float32 (n, 1, 28, 28) in 0..1, as :func:`to_input` does."""
    a = images.cpu().numpy()
    x = a.astype(np.float32) / 255 if a.dtype == np.uint8 else a.astype(np.float32, copy=False)
    return np.ascontiguousarray(x.reshape(len(x), 1, 28, 28))


def _make_engine(net: nn.Module, device: torch.device, backend: str) -> tuple[str, Forward]:
    if device.type == "cpu" and backend in ("auto", "onnxruntime"):
        onnx = batch_engine(net, threads=0, required=backend == "onnxruntime")  # threads=0: all cores
        if onnx is not None:
            # numpy around the session, no torch op: torch's OpenMP threads would fight ORT's for the cores
            return "onnxruntime", lambda images: torch.from_numpy(onnx(_input_array(images))[0])
    return "torch", lambda images: net(to_input(images.to(device, non_blocking=True))).float().cpu()


@dataclass(frozen=True)
class EvalResult:
    probabilities: np.ndarray  # (n, classes) float32
    labels: np.ndarray  # (n,) int64
    report: Report
    seconds: float  # wall-clock time of the forward passes
    engine: str = "torch"  # what ran them: "torch" or "onnxruntime"

    @cached_property  # cached: captions of image lists read it once per painted thumbnail
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(1)

    @cached_property
    def confidence(self) -> np.ndarray:
        """The probability of the predicted class: how sure the model was of its answer."""
        return self.probabilities.max(1)

    def _by_confidence(self, mask: np.ndarray) -> np.ndarray:
        index = np.flatnonzero(mask)
        return index[np.argsort(-self.confidence[index], kind="stable")]

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Indices of the images of class ``true`` read as ``predicted``, most confident first."""
        return self._by_confidence((self.labels == true) & (self.predictions == predicted))

    def mistakes(self, limit: int | None = None) -> np.ndarray:
        """Indices of the wrongly read images, most confident first."""
        return self._by_confidence(self.labels != self.predictions)[:limit]

    def normalised_confusion(self) -> np.ndarray:
        """Each row divided by its class's count (rows of absent classes stay 0): recall on the diagonal."""
        counts = np.asarray(self.report.confusion, np.float64)
        return counts / np.maximum(counts.sum(1, keepdims=True), 1)


def evaluate_steps(model: ConvNet, split: Split, classes: tuple[str, ...] = DIGITS, device: torch.device | str = "cpu",
                   batch_size: int = BATCH, backend: str = "auto") -> Generator[Progress, None, EvalResult]:
    """Evaluate ``model`` (a copy of it on ``device``) on ``split``, yielding progress after each batch."""
    if len(split) == 0:
        raise ValueError("the dataset is empty: there is nothing to evaluate")
    engine_name, forward = engine(model, device, backend)
    start = time.perf_counter()
    probs = yield from _batches(forward, split.images, batch_size)
    seconds = time.perf_counter() - start
    labels = split.labels.cpu()
    return EvalResult(probs.numpy(), labels.numpy(), report(labels, probs.argmax(1), classes), seconds, engine_name)


def evaluate_all(model: ConvNet, split: Split, classes: tuple[str, ...] = DIGITS, device: torch.device | str = "cpu",
                 batch_size: int = BATCH, backend: str = "auto") -> EvalResult:
    """:func:`evaluate_steps` run to its end (scripts, tests)."""
    return _exhaust(evaluate_steps(model, split, classes, device, batch_size, backend))


def _exhaust(steps: Generator):
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


# --- comparison --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    accuracy: tuple[float, float]  # (model a, model b), 0..1
    per_class: list[dict]  # class, accuracy_a, accuracy_b, difference (b - a), support
    only_a: np.ndarray  # indices a reads right and b wrong, b's most confident mistakes first
    only_b: np.ndarray  # indices b reads right and a wrong, a's most confident mistakes first

    @property
    def identical(self) -> bool:
        return not len(self.only_a) and not len(self.only_b) and all(c["difference"] == 0 for c in self.per_class)


def compare(a: EvalResult, b: EvalResult) -> Comparison:
    """Two models' results on the same images (same labels in the same order)."""
    if a.labels.shape != b.labels.shape or not np.array_equal(a.labels, b.labels):
        raise ValueError("the two results are not on the same images: evaluate both models on one dataset")
    right_a, right_b = a.predictions == a.labels, b.predictions == b.labels
    per_class = []
    for cls, ma, mb in zip(a.report.classes, a.report.per_class, b.report.per_class):
        per_class.append({"class": cls, "accuracy_a": ma["recall"], "accuracy_b": mb["recall"],
                          "difference": mb["recall"] - ma["recall"], "support": int(ma["support"])})
    return Comparison((a.report.accuracy, b.report.accuracy), per_class,
                      b._by_confidence(right_a & ~right_b), a._by_confidence(right_b & ~right_a))


# --- nearest neighbours ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReferenceSet:
    """Images to search among. ``key`` names the content for the embedding cache: give a new key when the
    images change (e.g. ``"samples:<count>:<newest id>"``)."""

    name: str  # shown to the user: "MNIST train", "my samples"
    key: str
    images: torch.Tensor  # uint8 (n, 28, 28)
    labels: torch.Tensor  # int64 (n,)


@dataclass(frozen=True)
class Neighbour:
    source: str  # the reference set's name
    index: int  # in that set
    label: int
    distance: float  # cosine distance in penultimate space: 0 identical direction, 2 opposite
    image: np.ndarray  # (28, 28) uint8, ink high


class NeighbourIndex:
    """Unit-length penultimate embeddings of reference sets, cached per model (weakly: a model that is no
    longer used takes its embeddings with it) and per reference key. Embedding 60,000 training images takes
    seconds, so :meth:`build` is a generator for the worker; :meth:`nearest` is one matrix product."""

    def __init__(self, device: torch.device | str = "cpu", batch_size: int = BATCH, backend: str = "auto") -> None:
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.backend = backend
        self._embeddings: weakref.WeakKeyDictionary[nn.Module, dict[str, torch.Tensor]] = weakref.WeakKeyDictionary()

    def _forward(self, model: ConvNet) -> Forward:
        return engine(model, self.device, self.backend, "embedding")[1]

    def has(self, model: ConvNet, ref: ReferenceSet) -> bool:
        return ref.key in self._embeddings.get(model, {})

    def build(self, model: ConvNet, refs: list[ReferenceSet]) -> Generator[Progress, None, None]:
        """Embed the reference sets not cached yet for ``model``."""
        forward = self._forward(model)
        for ref in refs:
            if not self.has(model, ref):
                emb = yield from _batches(forward, ref.images, self.batch_size)
                self._embeddings.setdefault(model, {})[ref.key] = emb.to(self.device)

    def nearest(self, model: ConvNet, image: np.ndarray, refs: list[ReferenceSet], k: int = 8) -> list[Neighbour]:
        """The ``k`` reference images closest to ``image`` ((28, 28) float 0..1 or uint8, ink high), nearest
        first, over all ``refs`` together. Every set must have been built for this model."""
        missing = [r.name for r in refs if not self.has(model, r)]
        if missing:
            raise RuntimeError(f"embeddings not built for {', '.join(missing)}: run build() first")
        with torch.inference_mode():
            query = self._forward(model)(torch.as_tensor(np.asarray(image)).view(1, 28, 28))[0].to(self.device)
            found = []
            for ref in refs:
                emb = self._embeddings[model][ref.key]
                dist = 1 - emb @ query
                top = torch.topk(dist, min(k, len(dist)), largest=False)
                found += [(float(d), int(i), ref) for d, i in zip(top.values.cpu(), top.indices.cpu())]
        found.sort(key=lambda t: t[0])
        return [Neighbour(ref.name, i, int(ref.labels[i]), d, ref.images[i].cpu().numpy()) for d, i, ref in found[:k]]


# --- export ------------------------------------------------------------------------------------------------
# Viridis at five stops (matplotlib's values): the PNG and the tab share this colour map.
COLOUR_GAMMA = 0.3  # colour = fraction ** gamma, so that a 1% confusion shows (0.25) beside a 99% diagonal
VIRIDIS = ((0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)), (1.0, (253, 231, 37)))


def colour(value: float) -> tuple[int, int, int]:
    """A fraction 0..1 through :data:`COLOUR_GAMMA` and :data:`VIRIDIS`, linearly interpolated."""
    value = min(max(float(value), 0.0), 1.0) ** COLOUR_GAMMA
    for (p0, c0), (p1, c1) in zip(VIRIDIS, VIRIDIS[1:]):
        if value <= p1:
            t = (value - p0) / (p1 - p0)
            return tuple(round(a + (b - a) * t) for a, b in zip(c0, c1))  # type: ignore[return-value]
    return VIRIDIS[-1][1]


def cell_text(count: int, fraction: float, normalised: bool) -> str:
    """A confusion cell's label: the count, or the percentage of its row (0 only when no image at all)."""
    if not normalised:
        return str(count)
    return "0" if count == 0 else f"{fraction * 100:.1f}"


def report_dict(result: EvalResult, **meta) -> dict:
    """The report as plain JSON types: ``meta`` (model, dataset, device, ...) first, then the metrics."""
    return {**meta, "engine": result.engine, "seconds": result.seconds, **result.report.to_dict(),
            "confusion_normalised": result.normalised_confusion().round(6).tolist()}


def confusion_image(result: EvalResult, normalised: bool = False, title: str = "", cell: int = 48) -> Image.Image:
    """The confusion matrix drawn with PIL: rows true class, columns predicted, colour = row fraction."""
    k = len(result.report.classes)
    fractions = result.normalised_confusion()
    counts = np.asarray(result.report.confusion)
    font = ImageFont.load_default(size=max(10, cell // 4))
    margin_left, margin_top = cell * 2, cell * 3 // 2 + (cell // 2 if title else 0)
    img = Image.new("RGB", (margin_left + k * cell + cell // 2, margin_top + k * cell + cell), "white")
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((margin_left, cell // 6), title, fill="black", font=font)
    draw.text((margin_left + k * cell // 2, margin_top - cell), "predicted", fill="black", font=font, anchor="mm")
    draw.text((cell // 6, margin_top + k * cell + cell // 2), "rows: true class", fill="black", font=font, anchor="lm")
    for i, name in enumerate(result.report.classes):
        short = name[:7]
        draw.text((margin_left - 6, margin_top + i * cell + cell // 2), short, fill="black", font=font, anchor="rm")
        draw.text((margin_left + i * cell + cell // 2, margin_top - 6), short[:3], fill="black", font=font, anchor="md")
        for j in range(k):
            x, y = margin_left + j * cell, margin_top + i * cell
            fill = colour(fractions[i, j])
            draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=fill)
            text = cell_text(counts[i, j], fractions[i, j], normalised)
            ink = "black" if sum(fill) > 380 else "white"
            draw.text((x + cell // 2, y + cell // 2), text, fill=ink, font=font, anchor="mm")
    return img


def export_report(result: EvalResult, json_path: str | os.PathLike, png_path: str | os.PathLike | None = None,
                  normalised: bool = False, **meta) -> list[Path]:
    """Write the report as JSON (and the confusion matrix as PNG), each atomically; returns the paths."""
    outputs = [json_path] + ([png_path] if png_path is not None else [])
    for path in outputs:
        check_output(path, "report file")
    written = [write_atomic(json_path, dumps_json(report_dict(result, **meta), indent=2).encode())]
    if png_path is not None:
        title = " - ".join(str(meta[k]) for k in ("model", "dataset") if k in meta)
        png = io.BytesIO()
        confusion_image(result, normalised, title).save(png, format="PNG")
        written.append(write_atomic(png_path, png.getvalue()))
    return written
