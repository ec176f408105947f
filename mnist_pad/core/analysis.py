"""Where a model fails, beyond its accuracy: the comparison of two models on the same images, and the nearest
neighbours of a drawing among reference images in a model's penultimate-layer space. (Evaluation itself is
:mod:`mnist_pad.core.evaluate`, the exported report :mod:`mnist_pad.core.report`.)
"""

from __future__ import annotations

import weakref
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .evaluate import BATCH, EvalResult
from .inference import Forward, engine, run_batches
from .models import ConvNet
from .progress import Progress


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
                emb = yield from run_batches(forward, ref.images, self.batch_size)
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
