"""The training tab's two long jobs, as generator functions for :class:`~mnist_pad.core.jobhost.JobHost`:
fine-tune a model on the user's samples, and train a model from scratch. Each loads its data, runs the core
generator (yielding its progress items), and saves the result as a *new* checkpoint at the ``out`` path the
caller chose, handing it back whole (:class:`SavedModel`). They run in the job host's process, so their
arguments are picklable: paths rather than loaded models, a :class:`DataSource` rather than a closure.

A job that is cancelled (closed before its end) saves nothing, so cancelling never touches the current
model or any checkpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from .calibrate import calibrate
from .checkpoint import Checkpoint, from_state, load, metadata, weights, write
from .data import DIGITS, DataError, Split, get_spec
from .download import SplitLoader
from .evaluate import evaluate
from .files import file_key
from .finetune import FinetuneConfig, FinetuneReport, finetune, forgetting
from .models import ArchConfig, ConvNet, build, init_weights
from .recipes import recipe_for
from .progress import Progress
from .snapshots import FINETUNE_TARGET, Recorder, Recording, save_beside, start_recording
from .train import TrainConfig, Trainer, split_validation

@dataclass(frozen=True)
class SavedModel:
    """A model a job saved, handed back whole (weights, metadata and the pad's ONNX graph): the window puts it
    in use without reading the file again."""

    path: Path
    meta: dict
    state: dict[str, torch.Tensor]
    graph: bytes | None  # the pad's graph (logits and every conv layer's activations); None without ONNX
    report: FinetuneReport | None = None  # a fine-tune's held-out figures (MNIST's come from forgetting_job)
    snapshots: Recording | None = None  # how it learnt (core.snapshots), also saved beside it

    def checkpoint(self, device: torch.device | str = "cpu") -> Checkpoint:
        return from_state(self.meta, self.state, self.path, device)


def _saved(out: Path, model: ConvNet, meta: dict, report: FinetuneReport | None = None,
           recorder: Recorder | None = None) -> SavedModel:
    """Save ``model`` at ``out`` (and the ``recorder``'s snapshots beside it) and hand it back with the pad's ONNX
    graph, made here (tracing it in the window's process would hold its GIL for tens of milliseconds)."""
    from .export import onnx_bytes

    state, header = weights(model), metadata(model, **meta)
    recording = None if recorder is None else save_beside(out, recorder.recording(), header)
    write(out, state, header)
    try:
        graph = onnx_bytes(model, with_activations=True)
    except (ImportError, RuntimeError):
        graph = None
    return SavedModel(Path(out), header, state, graph, report, recording)


def prefetch(data: SplitLoader) -> None:
    """What the job process does as soon as it starts, while the user is still drawing: load the MNIST
    training images (the replay needs them) and import what a fine-tune uses, so that the first fine-tune
    after launch waits for neither. (The test images are loaded after the new model is in use, for the
    forgetting check.) A missing dataset is left for the job itself to report."""
    from . import export, finetune  # noqa: F401 - imported for their import time

    try:
        data("mnist", "train")
    except DataError:
        pass


def finetune_job(base: Path, samples: Split, cfg: FinetuneConfig, data: SplitLoader, out: Path,
                 snapshots: int | None = 0, probe: np.ndarray | None = None) -> Generator[Progress, None, SavedModel]:
    """Fine-tune the checkpoint at ``base`` (never modified) on ``samples`` with MNIST replay, save the result
    at ``out`` and return it as a :class:`SavedModel` (with the held-out figures): the window uses it at once,
    then runs :func:`forgetting_job` for the MNIST figures. ``snapshots``: steps between two snapshots (None: about
    12 in the run; 0: none), on the first test images of the base's dataset, of ``probe`` (the pad's drawing)."""
    ckpt = load(base)
    replay = data("mnist", "train") if cfg.replay > 0 else None
    dataset = ckpt.meta.get("dataset", "mnist")
    recorder = None if snapshots == 0 else start_recording(
        snapshots, cfg.steps, ckpt.model, data(dataset, "test"), probe, get_spec(dataset).classes, FINETUNE_TARGET)
    result = yield from finetune(ckpt.model, samples, replay, cfg, watch=recorder)
    if recorder is not None:
        recorder.take(result.model, cfg.steps, 1)
    return _saved(out, result.model, tuned_meta(out, ckpt, result.report), result.report, recorder)


def tuned_meta(out: Path, base: Checkpoint, report: FinetuneReport) -> dict:
    """What a fine-tuned checkpoint records (the window's and the CLI's alike): its name, its base's name,
    the base's dataset and classes, the report (and the MNIST accuracy after, when it was measured)."""
    return {"name": Path(out).stem, "base": base.name, "dataset": base.meta.get("dataset", "mnist"),
            "classes": base.meta.get("classes", list(DIGITS)), "test_accuracy": report.mnist_after,
            "finetune": report.to_dict(), **({"reading": base.meta["reading"]} if "reading" in base.meta else {})}


def trained_meta(out: Path, cfg: TrainConfig, trainer: Trainer, test_accuracy: float, val: Split | None) -> dict:
    """What a checkpoint trained from scratch records (the window's and the CLI's alike); a digit model also
    its reading (temperature and thresholds, chosen on ``val``: core.calibrate)."""
    last, kept = trainer.history[-1], trainer.best or trainer.history[-1]  # kept: early stopping's best epoch
    meta = {"name": Path(out).stem, "dataset": cfg.dataset, "classes": list(get_spec(cfg.dataset).classes),
            "val_accuracy": kept.val_accuracy, "test_accuracy": test_accuracy, "train_seconds": last.seconds,
            "epochs_run": last.epoch, "recipe": cfg.to_dict(), "train_images": len(trainer.train_data)}
    if cfg.dataset == "mnist" and val is not None and len(val):
        meta["reading"] = calibrate(trainer.model, val, cfg.seed, negatives=cfg.negatives > 0).to_dict()
    return meta


def forgetting_job(base: Path, tuned: Path, report: FinetuneReport,
                   data: SplitLoader) -> Generator[Progress, None, FinetuneReport]:
    """How much MNIST the fine-tune at ``tuned`` (from ``base``) forgot: ``report`` with its MNIST test accuracy
    before and after, also written into the tuned checkpoint's metadata. The base's accuracy is measured once
    per checkpoint file and test set (a full evaluation costs seconds). Cancelled, it writes nothing."""
    if not report.config.mnist_eval:
        return report
    test = data("mnist", "test")
    base_key, tuned_ckpt = _accuracy_key(base, test, report.config.mnist_eval), load(tuned)
    report = yield from forgetting(report, load(base).model, tuned_ckpt.model, test, _MNIST_ACCURACY.get(base_key))
    write(tuned, weights(tuned_ckpt.model),
          {**tuned_ckpt.meta, "test_accuracy": report.mnist_after, "finetune": report.to_dict()})
    _MNIST_ACCURACY[base_key] = report.mnist_before
    _MNIST_ACCURACY[_accuracy_key(tuned, test, report.config.mnist_eval)] = report.mnist_after
    return report


# MNIST test accuracy per checkpoint file (as it is on disk) and test images: the forgetting check's "before"
# costs a full evaluation (about 3 s on one core), and the next fine-tune usually starts from the model the
# last one saved, whose accuracy the last one measured.
_MNIST_ACCURACY: dict[tuple, float | None] = {}


def _accuracy_key(path: Path, test: Split, n: int) -> tuple:
    digest = hashlib.sha1()
    digest.update(test.images[:n].contiguous().numpy().tobytes())
    digest.update(test.labels[:n].contiguous().numpy().tobytes())
    return (*file_key(path), digest.hexdigest())


def train_job(arch: str, dataset: str, epochs: int, data: SplitLoader, out: Path, device: str = "auto",
              recipe: str = "ours", net: ArchConfig | None = None, logdir: Path | None = None,
              snapshots: int | None = 0, probe: np.ndarray | None = None,
              **overrides) -> Generator[Progress, None, SavedModel]:
    """Train ``arch`` on ``dataset`` with its ``recipe`` (ours, quick or article: recipes.recipe_for; on CUDA when
    present) changed by ``overrides`` (TrainConfig fields), and save it at ``out``; yields :class:`Progress` and
    returns the :class:`SavedModel`. ``net``: a net of one's own (the Train tab's editor) trained in ``arch``'s
    place with its recipe, the recipe then naming it; ``logdir``: a TensorBoard log of the run
    (core.tensorboard_log); ``snapshots``: steps between two snapshots of the net (core.snapshots; None: about
    64 in the run, 0: none), of ``probe`` (the pad's drawing; None: a validation digit)."""
    cfg = replace(recipe_for(arch, recipe, dataset), epochs=epochs, device=device, **overrides)
    model = None
    if net is not None:
        if cfg.dropout is not None or cfg.batchnorm is not None or cfg.stride:
            raise ValueError("the dropout, batchnorm and stride of a net of one's own are the net's: change them there")
        cfg = replace(cfg, arch=net.name)
        torch.manual_seed(cfg.seed)  # the initial weights, as the Trainer draws them for a net of the registry
        model = init_weights(build(net, cfg.normalize), cfg.init)
    full, test = data(dataset, "train"), data(dataset, "test")
    train, val = split_validation(full, min(cfg.val_size, len(full) // 5), cfg.seed)
    trainer = Trainer(cfg, train, val, model)
    recorder = start_recording(snapshots, len(trainer.train_data) // cfg.batch_size * cfg.epochs, trainer.net, val,
                               probe, get_spec(dataset).classes)
    if logdir is None:
        yield from trainer.run(recorder)
    else:
        from .tensorboard_log import TrainingLog

        with TrainingLog(logdir, trainer) as log:
            for report in trainer.run(recorder):
                log.add(report)
                yield report
    if recorder is not None:
        recorder.take(trainer.model, trainer.history[-1].step, trainer.history[-1].epoch)
    test_acc = evaluate(trainer.model, test, get_spec(dataset).classes, backend="auto").accuracy
    return _saved(out, trainer.model.cpu(), trained_meta(out, cfg, trainer, test_acc, val), recorder=recorder)
