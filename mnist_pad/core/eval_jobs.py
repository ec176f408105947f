"""The Evaluate tab's jobs, run by its :class:`~mnist_pad.qt.job_runner.JobRunner`: which datasets can be
picked, evaluating a model on one, comparing a second model on the same images, and the nearest neighbours of
a drawing. They run in the session's job process (their arguments travel pickled: checkpoint paths, splits),
where MNIST is loaded once for the fine-tunes and the evaluations alike."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import analysis
from .evaluate import EvalResult, evaluate_steps
from .data import DIGITS, DataError, Split, get_spec, locate
from .download import SplitLoader
from .checkpoint import Checkpoint, from_state, load
from .files import file_key
from .foreign import is_foreign, saved_input_norm
from .progress import Progress
from .reading import OK, STATUSES, Reading
from .sample_file import samples_to_split
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
    statuses: dict[str, int]  # how many images got each status the pad would give (core.reading), and "ok_wrong"


ModelSource = Path | tuple[dict, dict]  # a checkpoint file, or (metadata, weights) of a model that has none

# In the job process: the last few checkpoints evaluated, by file and version, so that their batch engines
# (core.inference) and reference embeddings (_INDEX) are made once, not at every evaluation.
_MODELS: OrderedDict[tuple, Checkpoint] = OrderedDict()
_KEEP = 4
_INDEX: dict[str, analysis.NeighbourIndex] = {}  # per device


def checkpoint_for(source: ModelSource, device: str) -> Checkpoint:
    """The model of ``source`` in the job process, loaded once per file and version (the last few kept). A
    model of another tool is known by its input scaling too (kept beside it: the user may open it again with
    another)."""
    if isinstance(source, tuple):
        return from_state(*source, None, device)
    key = (*file_key(source), device, saved_input_norm(source) if is_foreign(source) else None)
    if key not in _MODELS:
        _MODELS[key] = load(source, device)
        while len(_MODELS) > _KEEP:
            _MODELS.popitem(last=False)
    _MODELS.move_to_end(key)
    return _MODELS[key]


def evaluation_job(source: ModelSource, choice: DatasetChoice, data: SplitLoader, samples: Split | None,
                   device: str) -> Generator[Progress, None, Evaluated]:
    """Evaluate a model on the test split of ``choice`` (or the user's ``samples``); the result keeps the
    images, so that a comparison runs the second model on exactly these."""
    split = samples if choice.dataset == SAMPLES else data(choice.dataset, "test")
    ckpt = checkpoint_for(source, device)
    _check_reads(ckpt, split)
    result = yield from evaluate_steps(ckpt.model, split, choice.classes, device)
    return Evaluated(result, split, ckpt.name, choice.label, device, count_statuses(result, Reading.from_meta(ckpt.meta)))


def _check_reads(ckpt: Checkpoint, split: Split) -> None:
    """A ValueError saying so when the model takes images of another shape than the split's (a CIFAR-10 net
    asked to read MNIST), instead of the engine's own error halfway."""
    shape = tuple(split.images.shape[1:]) if split.images.dim() == 4 else (1, *split.images.shape[1:])
    wanted = getattr(getattr(ckpt.model, "cfg", None), "input_shape", (1, 28, 28))
    if shape != tuple(wanted):
        raise ValueError(f"{ckpt.name} reads {'x'.join(map(str, wanted))} images; these are "
                         f"{'x'.join(map(str, shape))}")


def count_statuses(result: EvalResult, reading: Reading) -> dict[str, int]:
    """The statuses the pad would give these images (the evaluation's probabilities recalibrated with the
    model's ``reading``), and how many were ``ok`` yet wrong."""
    # softmax(log p / T) is softmax(logits / T): the logits' offset cancels
    calibrated = reading.probabilities(np.log(np.maximum(result.probabilities, 1e-30)))
    statuses = reading.statuses(calibrated)
    counts = {s: int((statuses == s).sum()) for s in STATUSES}
    counts["ok_wrong"] = int(((statuses == OK) & (result.predictions != result.labels)).sum())
    return counts


def comparison_job(source: ModelSource, split: Split, classes: tuple[str, ...],
                   device: str) -> Generator[Progress, None, tuple[str, EvalResult]]:
    """The second model of a comparison on the images of the first evaluation: (its name, its result)."""
    ckpt = checkpoint_for(source, device)
    _check_reads(ckpt, split)
    result = yield from evaluate_steps(ckpt.model, split, classes, device)
    return ckpt.name, result


def neighbours_job(source: ModelSource, image: np.ndarray, data: SplitLoader, samples: Split, samples_key: str,
                   device: str, k: int) -> Generator[Progress, None, tuple[str, list[analysis.Neighbour]]]:
    """(the model's name, the ``k`` MNIST training images and user samples nearest to ``image`` in its
    penultimate layer), embedding the references once per model and sample set."""
    ckpt = checkpoint_for(source, device)
    refs = neighbour_refs(data, samples, samples_key)
    index = _INDEX.setdefault(device, analysis.NeighbourIndex(device))
    yield from index.build(ckpt.model, refs)
    return ckpt.name, index.nearest(ckpt.model, image, refs, k)


def neighbour_refs(data: SplitLoader, samples: Split, samples_key: str) -> list[analysis.ReferenceSet]:
    """MNIST training images and the user's samples (when there are any)."""
    train = data("mnist", "train")
    refs = [analysis.ReferenceSet("MNIST train", "mnist-train", train.images, train.labels)]
    if len(samples):
        refs.append(analysis.ReferenceSet("my samples", samples_key, samples.images, samples.labels))
    return refs


def samples_split(store: SampleStore) -> tuple[Split, str]:
    """The user's labelled drawings as they are now (the Train tab and the pad add to the same store), and a
    key that changes when they do."""
    items = store.samples()
    split = samples_to_split(items)
    return split, f"samples:{len(items)}:{items[-1].id if items else ''}"
