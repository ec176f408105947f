"""The training tab's two long jobs, as generator functions for :class:`~mnist_pad.core.jobhost.JobHost`:
fine-tune a model on the user's samples, and train a model from scratch. Each loads its data, runs the core
generator (yielding its progress items), and saves the result as a *new* checkpoint at the ``out`` path the
caller chose. They run in the job host's process, so their arguments are picklable: paths rather than loaded
models, a :class:`DataSource` rather than a closure.

A job that is cancelled (closed before its end) saves nothing, so cancelling never touches the current
model or any checkpoint.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .checkpoint import load, save
from .data import ENV_VAR, Split, get_spec, load_or_download
from .evaluate import evaluate
from .finetune import FinetuneConfig, FinetuneProgress, finetune
from .recipes import recipe_for
from .train import Progress, Trainer, split_validation

SplitLoader = Callable[[str, str], Split]  # (dataset, "train" | "test") -> Split


@dataclass(frozen=True)
class DataSource:
    """Loads dataset splits from ``data_dir`` (else $MNIST_PAD_DATA, else the cache, downloading when missing
    and allowed) and keeps them for the process's lifetime: the second fine-tune does not wait for MNIST
    again."""

    data_dir: str | None = None
    allow_download: bool = True

    def __call__(self, dataset: str, split: str) -> Split:
        key = (dataset, split, self.data_dir or None, os.environ.get(ENV_VAR))
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
        if cached is None:
            cached = load_or_download(dataset, split, self.data_dir or None, self.allow_download)
            with _CACHE_LOCK:
                _CACHE[key] = cached
        return cached


_CACHE: dict[tuple, Split] = {}
_CACHE_LOCK = threading.Lock()


def finetune_job(base: Path, samples: Split, cfg: FinetuneConfig, data: SplitLoader, out: Path) -> Iterator[FinetuneProgress]:
    """Fine-tune the checkpoint at ``base`` (never modified) on ``samples`` with MNIST replay and save the
    result at ``out``; yields the core's :class:`FinetuneProgress` items (the model left out) and returns the
    :class:`FinetuneReport`."""
    ckpt = load(base)
    replay = data("mnist", "train") if cfg.replay > 0 else None
    mnist_test = data("mnist", "test") if cfg.mnist_eval else None
    base_key = _accuracy_key(base, mnist_test, cfg.mnist_eval)
    known = _MNIST_ACCURACY.get(base_key)
    result = None
    for item in finetune(ckpt.model, samples, replay, cfg, mnist_test, mnist_before=known):
        result = item.result or result
        yield replace(item, result=None)
    if result is None:
        raise RuntimeError("fine-tuning ended without a result")
    report = result.report
    save(out, result.model, name=Path(out).stem, base=ckpt.name, dataset=ckpt.meta.get("dataset", "mnist"),
         classes=ckpt.meta.get("classes", [str(c) for c in range(10)]), test_accuracy=report.mnist_after,
         finetune=report.to_dict())
    if mnist_test is not None:
        _MNIST_ACCURACY[base_key] = report.mnist_before
        _MNIST_ACCURACY[_accuracy_key(out, mnist_test, cfg.mnist_eval)] = report.mnist_after
    return report


# MNIST test accuracy per checkpoint file (as it is on disk) and test images: the forgetting monitor's "before"
# costs a full evaluation (about 3 s on one core), and the next fine-tune usually starts from the model the
# last one saved, whose accuracy the last one measured.
_MNIST_ACCURACY: dict[tuple, float | None] = {}


def _accuracy_key(path: Path, test: Split | None, n: int) -> tuple:
    stat = Path(path).stat()
    digest = hashlib.sha1()
    if test is not None:
        digest.update(test.images[:n].contiguous().numpy().tobytes())
        digest.update(test.labels[:n].contiguous().numpy().tobytes())
    return str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size, digest.hexdigest()


def train_job(arch: str, dataset: str, epochs: int, data: SplitLoader, out: Path, device: str = "auto",
              **overrides) -> Iterator[Progress]:
    """Train ``arch`` on ``dataset`` with our recipe (on CUDA when present) and save it at ``out``; yields
    :class:`Progress` and returns the saved path."""
    cfg = replace(recipe_for(arch), epochs=epochs, dataset=dataset, device=device, **overrides)
    full, test = data(dataset, "train"), data(dataset, "test")
    train, val = split_validation(full, min(cfg.val_size, len(full) // 5), cfg.seed)
    trainer = Trainer(cfg, train, val)
    yield from trainer.run()
    last = trainer.history[-1]
    classes = get_spec(dataset).classes
    test_acc = evaluate(trainer.model, test, classes, backend="auto").accuracy
    return save(out, trainer.model, name=Path(out).stem, dataset=dataset, classes=list(classes),
                val_accuracy=last.val_accuracy, test_accuracy=test_acc, train_seconds=last.seconds,
                epochs_run=last.epoch, recipe=cfg.to_dict(), train_images=len(train))
