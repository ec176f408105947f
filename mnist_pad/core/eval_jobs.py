"""The Evaluate tab's jobs, run by its :class:`~mnist_pad.qt.job_runner.JobRunner`: which datasets can be
picked, loading one, evaluating a model on it, and the reference sets of the nearest-neighbour search."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import analysis
from .evaluate import EvalResult, evaluate_steps
from .data import DIGITS, DataError, Split, get_spec, locate
from .download import SplitLoader
from .models import ConvNet
from .samples import SampleStore

SAMPLES = "samples"  # DatasetChoice.dataset of the user's own labelled drawings


@dataclass(frozen=True)
class DatasetChoice:
    label: str  # shown in the picker and the report
    dataset: str  # a core.data dataset name, or SAMPLES

    @property
    def classes(self) -> tuple[str, ...]:
        return DIGITS if self.dataset == SAMPLES else get_spec(self.dataset).classes


def dataset_choices(data_dir: str | None) -> list[DatasetChoice]:
    """MNIST test (its absence is reported when evaluating), Fashion-MNIST test when its files are found,
    and the user's samples."""
    choices = [DatasetChoice("MNIST test", "mnist")]
    try:
        locate("fashion-mnist", data_dir)
        choices.append(DatasetChoice("Fashion-MNIST test", "fashion-mnist"))
    except DataError:
        pass
    return choices + [DatasetChoice("my samples", SAMPLES)]


@dataclass(frozen=True)
class Evaluated:
    result: EvalResult
    split: Split  # the images evaluated (a comparison reuses exactly these)
    model: str
    dataset: str
    device: str


ModelLoader = Callable[[], tuple[ConvNet, str]]  # called in the worker: (model, its name)


def eval_job(load_model: ModelLoader, load_data: Callable[[], Split], choice: DatasetChoice, device: str) -> Iterator:
    split = load_data()
    model, name = load_model()
    result = yield from evaluate_steps(model, split, choice.classes, device)
    return Evaluated(result, split, name, choice.label, device)


def neighbour_refs(data: SplitLoader, store: SampleStore) -> list[analysis.ReferenceSet]:
    """MNIST training images and the user's samples (when there are any)."""
    train = data("mnist", "train")
    refs = [analysis.ReferenceSet("MNIST train", "mnist-train", train.images, train.labels)]
    samples = store.as_split()
    if len(samples):
        newest = store.samples()[-1].id
        refs.append(analysis.ReferenceSet("my samples", f"samples:{len(samples)}:{newest}", samples.images, samples.labels))
    return refs


def samples_split(store: SampleStore) -> Split:
    """The user's labelled drawings as they are now (the Train tab and the pad add to the same store)."""
    split = store.as_split()
    if not len(split):
        raise DataError("You have no samples yet: label drawings on the pad or in the Train tab first.")
    return split
