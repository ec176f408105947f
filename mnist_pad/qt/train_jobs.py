"""The training tab's two long jobs, as generators for :class:`~mnist_pad.qt.worker.Worker`: fine-tune the
current model on the user's samples, and train a model from scratch. Each loads its data, runs the core
generator (yielding its progress items), saves the result as a *new* checkpoint in the user's models folder
and returns it as a :class:`Checkpoint` ready for the shared ModelState.

Everything here runs in the worker thread and imports no Qt. A job that is cancelled (closed before its end)
saves nothing, so cancelling never touches the current model or any checkpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import torch

from ..core.catalog import new_model_path
from ..core.checkpoint import Checkpoint, load, save
from ..core.data import Split, get_spec, load_or_download
from ..core.evaluate import evaluate
from ..core.finetune import FinetuneConfig, FinetuneReport, finetune
from ..core.models import ConvNet
from ..core.recipes import recipe_for
from ..core.train import Progress, Trainer, split_validation

SplitLoader = Callable[[str, str], Split]  # (dataset, "train" | "test") -> Split


class DataSource:
    """Loads dataset splits from the user's data folder (or $MNIST_PAD_DATA, or the cache, downloading when
    missing) and keeps them for the session: the second fine-tune does not wait for MNIST again."""

    _cache: dict[tuple[str, str, str | None], Split] = {}
    _lock = threading.Lock()

    def __init__(self, data_dir: str | None = None) -> None:
        self.data_dir = data_dir or None

    def __call__(self, dataset: str, split: str) -> Split:
        key = (dataset, split, self.data_dir)
        with self._lock:
            cached = self._cache.get(key)
        if cached is None:
            cached = load_or_download(dataset, split, self.data_dir)
            with self._lock:
                self._cache[key] = cached
        return cached


@dataclass(frozen=True)
class FinetuneOutcome:
    checkpoint: Checkpoint  # the saved fine-tuned model, on the base model's device
    report: FinetuneReport


def finetune_job(base: Checkpoint, samples: Split, cfg: FinetuneConfig, data: SplitLoader) -> Iterator:
    """Fine-tune ``base`` (never modified) on ``samples`` with MNIST replay; yields the core's
    :class:`FinetuneProgress` items and returns a :class:`FinetuneOutcome`."""
    replay = data("mnist", "train") if cfg.replay > 0 else None
    mnist_test = data("mnist", "test") if cfg.mnist_eval else None
    result = None
    for item in finetune(base.model, samples, replay, cfg, mnist_test):
        yield item
        result = item.result or result
    if result is None:
        raise RuntimeError("fine-tuning ended without a result")
    report = result.report
    path = new_model_path(f"{base.name}-tuned")
    save(path, result.model, name=path.stem, base=base.name, dataset=base.meta.get("dataset", "mnist"),
         classes=base.meta.get("classes", [str(c) for c in range(10)]), test_accuracy=report.mnist_after,
         finetune=report.to_dict())
    return FinetuneOutcome(load(path, _device_of(base.model)), report)


def train_job(arch: str, dataset: str, epochs: int, data: SplitLoader, device: str = "auto",
              inference_device: torch.device | str = "cpu", **overrides) -> Iterator[Progress]:
    """Train ``arch`` on ``dataset`` with our recipe (on CUDA when present); yields :class:`Progress` and
    returns the saved :class:`Checkpoint`, loaded on ``inference_device`` (the pad's)."""
    cfg = replace(recipe_for(arch), epochs=epochs, dataset=dataset, device=device, **overrides)
    full, test = data(dataset, "train"), data(dataset, "test")
    train, val = split_validation(full, min(cfg.val_size, len(full) // 5), cfg.seed)
    trainer = Trainer(cfg, train, val)
    yield from trainer.run()
    last = trainer.history[-1]
    classes = get_spec(dataset).classes
    test_acc = evaluate(trainer.model, test, classes).accuracy
    path = new_model_path(f"{arch}-{dataset}")
    save(path, trainer.model, name=path.stem, dataset=dataset, classes=list(classes), val_accuracy=last.val_accuracy,
         test_accuracy=test_acc, train_seconds=last.seconds, epochs_run=last.epoch, recipe=cfg.to_dict(),
         train_images=len(train))
    return load(path, inference_device)


def _device_of(model: ConvNet) -> torch.device:
    return next(model.parameters()).device
