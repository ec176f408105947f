"""Helpers shared by the tests of jobs: small synthetic digit splits, a picklable loader of them (jobs run in
the job process, which receives their arguments pickled), and running a generator to its end."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import torch

from mnist_pad.core.checkpoint import Checkpoint
from mnist_pad.core.data import Split
from mnist_pad.core.models import build


def synthetic_split(n: int, seed: int = 0) -> Split:
    """MNIST-like: a bright bar whose height on the image says the class, with noise."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = (torch.rand(n, 28, 28, generator=gen) * 40).to(torch.uint8)
    for i, c in enumerate(labels.tolist()):
        images[i, 3 + 2 * c : 5 + 2 * c, 4:24] = 255
    return Split(images, labels)


@dataclass(frozen=True)
class Synthetic:
    """A loader of synthetic splits for jobs, in place of a DataSource: ``train`` and ``test`` images."""

    train: int = 300
    test: int = 100

    def __call__(self, dataset: str, split: str) -> Split:
        return synthetic_split(self.train if split == "train" else self.test, seed=1 if split == "train" else 2)


def drain(generator: Generator) -> tuple[list, object]:
    """(the items a generator yields, its return value)."""
    items = []
    while True:
        try:
            items.append(next(generator))
        except StopIteration as stop:
            return items, stop.value


@dataclass(frozen=True)
class FixedSplits:
    """A loader of given splits for jobs (picklable: the splits travel with it to the job process)."""

    test: Split
    train: Split | None = None

    def __call__(self, dataset: str, split: str) -> Split:
        return self.test if split == "test" else self.train


@dataclass(frozen=True)
class NoData:
    """A loader that finds nothing, as when the MNIST files are missing (picklable)."""

    message: str = "mnist data not found. Put these four files ..."

    def __call__(self, dataset: str, split: str) -> Split:
        from mnist_pad.core.data import DataMissing

        raise DataMissing(self.message, dataset)


def random_checkpoint(arch: str = "fast", seed: int = 0) -> Checkpoint:
    """A freshly initialised model of ``arch`` (seeded), as a checkpoint without a file."""
    torch.manual_seed(seed)
    model = build(arch).eval()
    return Checkpoint(model, {"arch": model.cfg.to_dict(), "name": f"random-{arch}-{seed}"}, None)
