"""Evaluation: accuracy, per-class precision/recall/F1 and the confusion matrix of a model on a split, keeping
every probability (:class:`EvalResult`). :func:`evaluate_steps` is the generator the Evaluate tab's jobs run
(a progress report per batch); :func:`evaluate` is the same run to its end (training's validation,
fine-tuning's checks, the CLI). The engines are :mod:`mnist_pad.core.inference`'s."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from .data import DIGITS, Split
from .inference import backend_for, engine, run_batches
from .models import ConvNet
from .progress import Progress
from .steps import drive

BATCH = 1000  # images per forward pass of the Evaluate tab: one progress report each (larger were no faster on 2 cores)


@dataclass(frozen=True)
class Report:
    accuracy: float  # fraction correct, 0..1
    n: int
    confusion: list[list[int]]  # confusion[true][predicted]
    per_class: list[dict[str, float]]  # precision, recall, f1, support for each class
    classes: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "n": self.n,
            "per_class": [{"class": c, **m} for c, m in zip(self.classes, self.per_class)],
            "confusion": self.confusion,
        }

    def format(self) -> str:
        lines = [f"accuracy {self.accuracy * 100:.2f}% on {self.n} images", "", "class  precision  recall    f1   support"]
        for c, m in zip(self.classes, self.per_class):
            lines.append(f"{c:>5}  {m['precision'] * 100:8.2f}% {m['recall'] * 100:6.2f}% {m['f1'] * 100:6.2f}% {int(m['support']):6d}")
        lines += ["", "confusion (rows: true, columns: predicted)", "      " + " ".join(f"{i:>5}" for i in range(len(self.classes)))]
        lines += [f"{i:>5} " + " ".join(f"{v:>5}" for v in row) for i, row in enumerate(self.confusion)]
        return "\n".join(lines)


def report(labels: torch.Tensor, predictions: torch.Tensor, classes: tuple[str, ...] = DIGITS) -> Report:
    k = len(classes)
    labels, predictions = labels.cpu().long(), predictions.cpu().long()
    confusion = torch.bincount(labels * k + predictions, minlength=k * k).view(k, k)
    tp = confusion.diag().double()
    predicted, support = confusion.sum(0).double(), confusion.sum(1).double()
    precision = torch.where(predicted > 0, tp / predicted.clamp_min(1), 0.0)
    recall = torch.where(support > 0, tp / support.clamp_min(1), 0.0)
    f1 = torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall).clamp_min(1e-12), 0.0)
    per_class = [
        {"precision": float(p), "recall": float(r), "f1": float(f), "support": float(s)}
        for p, r, f, s in zip(precision, recall, f1, support)
    ]
    n = len(labels)
    return Report(float(tp.sum() / n) if n else 0.0, n, confusion.tolist(), per_class, classes)


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
    probs = yield from run_batches(forward, split.images, batch_size)
    seconds = time.perf_counter() - start
    labels = split.labels.cpu()
    return EvalResult(probs.numpy(), labels.numpy(), report(labels, probs.argmax(1), classes), seconds, engine_name)


def evaluate(model: ConvNet, split: Split, classes: tuple[str, ...] = DIGITS, batch_size: int = 2000,
             backend: str = "torch") -> Report:
    """:func:`evaluate_steps` run to its end on the model's device, its report. ``backend="auto"`` runs ONNX
    Runtime on the CPU for enough images (:func:`~mnist_pad.core.inference.backend_for`)."""
    if len(split) == 0:
        return report(split.labels, split.labels, classes)
    device = next(model.parameters()).device
    return drive(evaluate_steps(model, split, classes, device, batch_size, backend_for(backend, len(split)))).report
