"""Fine-tuning on the user's own drawings, with MNIST replay so that the model keeps its MNIST skill.

:func:`finetune` is a generator, like :meth:`Trainer.run`: it yields :class:`~mnist_pad.core.progress.Progress` every
``log_every`` steps and returns the :class:`FinetuneResult` (the new model and a before/after report). It
trains a deep copy: the model passed in is never modified, so the pad keeps predicting with it meanwhile,
and cancelling (no longer iterating, or ``close()``) leaves it intact. :func:`forgetting` measures the MNIST
accuracy before and after, apart, so that the window can use the new model before that is known.

The user's samples are split per class into a fine-tuning part and a held-out part (deterministic, by
seed); accuracy on the held-out part before and after says whether it learnt the handwriting, MNIST test
accuracy before and after says whether it forgot MNIST.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field, replace

import torch
import torch.nn.functional as F
from torch import nn

from .augment import AugmentConfig, augment
from .data import Split
from .device import resolve_device, synchronize
from .evaluate import Report, evaluate
from .inference import to_input
from .models import ConvNet
from .progress import Progress
from .steps import drive
from .train import lr_factor

LAYERS = ("top", "head", "all", "all-bn-frozen")
Forward = Callable[[torch.Tensor], torch.Tensor]
FORGET_WARN_PP = 0.5  # the UI warns when MNIST test accuracy falls by more than this (percentage points)


@dataclass(frozen=True)
class FinetuneConfig:
    # Which weights train (docs/finetune.md compares them): top = the last conv block and the classifier,
    # head = the classifier only, all, all-bn-frozen = all weights with the batchnorm statistics kept.
    # top won: the writer's quirks are learnt while the early features, which MNIST needs, stay as they are.
    layers: str = "top"
    steps: int = 60  # optimizer steps; about 3.5 CPU-seconds for the default net (docs/finetune.md)
    batch_size: int = 32  # user samples per step, drawn with replacement and augmented anew each time
    replay: float = 1.0  # MNIST training images per user sample in each batch (0: no replay)
    distill: float = 3.0  # weight of matching the base model's outputs on the replay images (0: off)
    lr: float = 3e-3  # peak learning rate (AdamW); only the top trains, so it can be a training-like rate
    weight_decay: float = 0.0  # decoupled; pulling towards 0 is not pulling towards the base weights
    schedule: str = "onecycle"  # see train.lr_factor: onecycle | constant
    warmup: float = 0.1  # onecycle: fraction of the steps spent warming up
    label_smoothing: float = 0.1  # as in training the base model
    augment: AugmentConfig = field(default_factory=lambda: AugmentConfig(rotate=12.0, scale=0.12, shear=0.15,
                                                                         translate=2.0, elastic=0.0))
    holdout: float = 0.2  # fraction of each class's samples held out for the before/after accuracy
    mnist_eval: int = 10_000  # MNIST test images for the forgetting monitor (0: skip it)
    seed: int = 0
    device: str = "cpu"  # cpu | cuda | auto; the result is moved back to the input model's device
    log_every: int = 5  # steps between progress reports

    def __post_init__(self) -> None:
        if self.layers not in LAYERS:
            raise ValueError(f"layers must be one of {', '.join(LAYERS)}, not {self.layers!r}")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("steps and batch_size must be at least 1")
        if not 0 <= self.holdout < 1:
            raise ValueError(f"holdout must be a fraction in [0, 1), not {self.holdout}")
        if self.replay < 0:
            raise ValueError(f"replay must be >= 0, not {self.replay}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "FinetuneConfig":
        d = dict(d)
        if "augment" in d:
            d["augment"] = AugmentConfig(**d["augment"])
        return cls(**d)


@dataclass(frozen=True)
class FinetuneReport:
    samples_used: int  # user samples trained on
    heldout: int  # user samples held out
    heldout_before: Report | None  # None when nothing was held out
    heldout_after: Report | None
    mnist_before: float | None  # MNIST test accuracy 0..1; None without a test split
    mnist_after: float | None
    seconds: float  # fine-tuning time, evaluations excluded
    total_seconds: float  # with the before/after evaluations
    config: FinetuneConfig

    @property
    def mnist_drop_pp(self) -> float | None:
        if self.mnist_before is None or self.mnist_after is None:
            return None
        return (self.mnist_before - self.mnist_after) * 100

    @property
    def forgot(self) -> bool:
        """MNIST accuracy fell by more than :data:`FORGET_WARN_PP`: the UI shows a warning."""
        return (self.mnist_drop_pp or 0.0) > FORGET_WARN_PP

    def to_dict(self) -> dict:
        def acc(r: Report | None):
            return None if r is None else r.accuracy

        def per_class(r: Report | None):
            return None if r is None else [m["recall"] if m["support"] else None for m in r.per_class]

        return {
            "samples_used": self.samples_used, "heldout": self.heldout,
            "heldout_accuracy_before": acc(self.heldout_before), "heldout_accuracy_after": acc(self.heldout_after),
            "heldout_per_class_before": per_class(self.heldout_before),
            "heldout_per_class_after": per_class(self.heldout_after),
            "mnist_accuracy_before": self.mnist_before, "mnist_accuracy_after": self.mnist_after,
            "mnist_drop_pp": self.mnist_drop_pp, "seconds": self.seconds, "total_seconds": self.total_seconds,
            "config": self.config.to_dict(),
        }


@dataclass(frozen=True)
class FinetuneResult:
    model: ConvNet  # the fine-tuned copy, in eval mode, on the input model's device
    report: FinetuneReport


def split_holdout(samples: Split, fraction: float, seed: int = 0) -> tuple[Split, Split | None]:
    """Per class, a fixed random ``fraction`` of the samples held out (rounded, and always leaving at least
    one sample of the class to train on). Deterministic for a given seed and sample order."""
    if fraction <= 0:
        return samples, None
    gen = torch.Generator().manual_seed(seed + 4321)
    keep, held = [], []
    labels = samples.labels.cpu()
    for c in torch.unique(labels).tolist():
        idx = torch.nonzero(labels == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        k = min(len(idx) - 1, round(len(idx) * fraction))
        held.append(idx[:k])
        keep.append(idx[k:])
    held_idx = torch.sort(torch.cat(held)).values
    keep_idx = torch.sort(torch.cat(keep)).values
    return samples.subset(keep_idx), (samples.subset(held_idx) if len(held_idx) else None)


def _prepare(model: ConvNet, cfg: FinetuneConfig, device: torch.device) -> tuple[ConvNet, list[nn.Parameter]]:
    """A trainable deep copy on ``device`` and the parameters to optimise; the frozen part runs without
    gradients, which also makes head and top cheaper per step."""
    net = copy.deepcopy(model).to(device)
    trained: list[nn.Module] = {
        "head": [net.classifier],
        "top": [net.features[list(net.features)[-1]], net.classifier],
    }.get(cfg.layers, [net])
    for p in net.parameters():
        p.requires_grad_(False)
    params = [p for m in trained for p in m.parameters()]
    for p in params:
        p.requires_grad_(True)
    return net, params


def split_forward(net: ConvNet, layers: str) -> tuple[Forward, Forward]:
    """(frozen trunk, trained top) with ``top(trunk(x)) == net(x)``. For head and top the trunk's output
    is computed once per batch without gradients and shared with the teacher, whose trunk is identical:
    a third less work per step than two full forward passes."""
    frozen = {"head": len(net.features), "top": len(net.features) - 1}.get(layers)
    if frozen is None:
        return (lambda x: x), net
    return (lambda x: net.trunk(x, frozen)), (lambda h: net.head(h, frozen))


def _train_mode(net: ConvNet, cfg: FinetuneConfig) -> None:
    """``all``: everything trains (BN statistics follow the batches); ``all-bn-frozen``: BN layers keep the
    base model's statistics; ``head`` and ``top``: the features run as at inference (BN statistics kept),
    the classifier in training mode (its dropout, if any, active)."""
    if cfg.layers in ("head", "top"):
        net.eval()
        net.classifier.train()
        return
    net.train()
    if cfg.layers == "all-bn-frozen":
        for m in net.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()


def finetune(
    model: ConvNet,
    samples: Split,
    replay: Split | None = None,
    cfg: FinetuneConfig = FinetuneConfig(),
    heldout: Split | None = None,
    watch: Callable[[ConvNet, int, int], None] | None = None,
) -> Generator[Progress, None, FinetuneResult]:
    """Fine-tune a copy of ``model`` on ``samples`` (the user's labelled 28x28 uint8 images), mixing in
    ``replay`` images (the MNIST training set) at ``cfg.replay`` per user sample; yields progress and
    returns the :class:`FinetuneResult`. ``heldout``, when given, is the evaluation set and every sample is
    trained on; otherwise ``cfg.holdout`` of each class is split off. How much MNIST was forgotten is
    measured apart (:func:`forgetting`), so that the new model can be in use before that is known. ``watch(net,
    steps done, 1)`` sees the copy after every step (core.snapshots)."""
    if len(samples) == 0:
        raise ValueError("no samples to fine-tune on")
    t_start = time.perf_counter()
    device = resolve_device(cfg.device)
    home = next(model.parameters()).device
    train, held = (samples, heldout) if heldout is not None else split_holdout(samples, cfg.holdout, cfg.seed)
    torch.manual_seed(cfg.seed)
    net, params = _prepare(model, cfg, device)
    held_before = evaluate(net, held.to(device)) if held is not None and len(held) else None
    yield Progress("start", 0, cfg.steps)
    mnist = replay.to(device) if replay is not None and cfg.replay > 0 and len(replay) else None
    seconds = yield from _steps(net, params, model, train.to(device), mnist, cfg, device, watch)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(True)
    held_after = evaluate(net, held.to(device)) if held_before is not None else None
    net = net.to(home).eval()
    report = FinetuneReport(len(train), len(held) if held is not None else 0, held_before, held_after,
                            None, None, seconds, time.perf_counter() - t_start, cfg)
    return FinetuneResult(net, report)


def _steps(net: ConvNet, params: list[nn.Parameter], base: ConvNet, user: Split, mnist: Split | None,
           cfg: FinetuneConfig, device: torch.device,
           watch: Callable[[ConvNet, int, int], None] | None = None) -> Generator[Progress, None, float]:
    """The optimisation itself: ``cfg.steps`` batches of user samples (and replayed MNIST images), a report
    every ``cfg.log_every`` steps; returns the seconds it took."""
    gen = torch.Generator(device).manual_seed(cfg.seed)
    n_replay = round(cfg.batch_size * cfg.replay) if mnist is not None else 0
    # Distillation (as in "Learning without Forgetting"): on the replay images the copy is pulled towards
    # the base model's full output distribution, which holds the MNIST skill more tightly than the labels.
    teacher = copy.deepcopy(base).to(device).eval() if n_replay and cfg.distill > 0 else None
    trunk, top = split_forward(net, cfg.layers)
    teacher_top = split_forward(teacher, cfg.layers)[1] if teacher is not None else None
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(cfg, s, cfg.steps, cfg.steps))
    _train_mode(net, cfg)
    seconds, loss_sum, correct, since = 0.0, 0.0, 0, 0
    synchronize(device)
    t0 = time.perf_counter()
    for step in range(1, cfg.steps + 1):
        images, labels = _batch(user, mnist, n_replay, cfg.batch_size, gen)
        x = augment(to_input(images), cfg.augment, gen)
        with torch.no_grad():
            h = trunk(x)
        logits = top(h)
        loss = F.cross_entropy(logits, labels, label_smoothing=cfg.label_smoothing)
        if teacher_top is not None:
            loss = loss + cfg.distill * _distillation(logits[cfg.batch_size :], teacher_top, h[cfg.batch_size :])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if watch is not None:
            watch(net, step, 1)
        loss_sum += float(loss.detach())
        correct += int((logits[: cfg.batch_size].argmax(1) == labels[: cfg.batch_size]).sum())
        since += 1
        if step % cfg.log_every == 0 or step == cfg.steps:
            synchronize(device)
            seconds += time.perf_counter() - t0
            yield Progress("step", step, cfg.steps, loss=loss_sum / since, accuracy=correct / (since * cfg.batch_size),
                           lr=sched.get_last_lr()[0], seconds=seconds, images_per_s=step * cfg.batch_size / seconds)
            loss_sum, correct, since = 0.0, 0, 0
            t0 = time.perf_counter()
    return seconds


def _batch(user: Split, mnist: Split | None, n_replay: int, size: int,
           gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``size`` user samples drawn with replacement, then ``n_replay`` MNIST images (on the samples' device)."""
    idx = torch.randint(len(user), (size,), device=user.labels.device, generator=gen)
    images, labels = user.images[idx], user.labels[idx]
    if n_replay:
        ridx = torch.randint(len(mnist), (n_replay,), device=user.labels.device, generator=gen)
        images, labels = torch.cat([images, mnist.images[ridx]]), torch.cat([labels, mnist.labels[ridx]])
    return images, labels


def _distillation(student_logits: torch.Tensor, teacher_top: Forward, h: torch.Tensor) -> torch.Tensor:
    """KL divergence of the copy's distribution from the base model's, on the same trunk output ``h``."""
    with torch.no_grad():
        target = F.log_softmax(teacher_top(h), 1)
    return F.kl_div(F.log_softmax(student_logits, 1), target, reduction="batchmean", log_target=True)


def forgetting(report: FinetuneReport, base: ConvNet, tuned: ConvNet, mnist_test: Split,
               before: float | None = None) -> Generator[Progress, None, FinetuneReport]:
    """What fine-tuning cost the skill the model came with: ``report`` with the base's and the tuned model's
    accuracy on the first ``mnist_eval`` MNIST test images. ``before``: the base's accuracy when the caller
    already knows it. A report after each evaluation (a place to cancel)."""
    t = time.perf_counter()
    test = mnist_test.subset(slice(0, report.config.mnist_eval))
    if before is None:
        before = evaluate(base, test, backend="auto").accuracy
    yield Progress("batch", 1, 2)
    after = evaluate(tuned, test, backend="auto").accuracy
    yield Progress("batch", 2, 2)
    return replace(report, mnist_before=before, mnist_after=after,
                   total_seconds=report.total_seconds + time.perf_counter() - t)


def with_forgetting(result: FinetuneResult, base: ConvNet, mnist_test: Split | None) -> FinetuneResult:
    """``result`` with its report's MNIST before/after filled in (left None without a test split)."""
    if mnist_test is None or not result.report.config.mnist_eval:
        return result
    return FinetuneResult(result.model, drive(forgetting(result.report, base, result.model, mnist_test)))


def run_finetune(model: ConvNet, samples: Split, replay: Split | None = None, cfg: FinetuneConfig = FinetuneConfig(),
                 mnist_test: Split | None = None, heldout: Split | None = None) -> FinetuneResult:
    """Fine-tuning and the forgetting check run to the end, for scripts and tests."""
    return with_forgetting(drive(finetune(model, samples, replay, cfg, heldout)), model, mnist_test)
