"""The one training loop. :meth:`Trainer.run` is a generator that yields :class:`Progress` every
``log_every`` steps and at each epoch's end; the CLI prints it, the UI plots it from a worker thread, and
either cancels by no longer iterating (closing the generator). The whole dataset sits on the device as
one uint8 tensor and is shuffled and augmented there in batches (airbench's approach)."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace

import torch
import torch.nn.functional as F

from .augment import AugmentConfig, augment
from .data import Split, get_spec
from .device import resolve_device, synchronize
from .distributed import World
from .evaluate import EvalResult, evaluate_steps
from .inference import to_input
from .models import MNIST_MEAN_STD, ArchConfig, ConvNet, build, get_arch, init_weights, with_overrides
from .progress import Progress
from .steps import drive


@dataclass(frozen=True)
class TrainConfig:
    arch: str = "default"
    dataset: str = "mnist"
    epochs: int = 15
    batch_size: int = 128  # images per step
    optimizer: str = "adamw"  # one of OPTIMIZERS: adamw | adam | sgd (with momentum) | rmsprop | adagrad | adadelta
    lr: float = 4e-3  # peak learning rate
    momentum: float = 0.9  # SGD momentum
    nesterov: bool = False  # SGD's Nesterov momentum
    betas: tuple[float, float] = (0.9, 0.999)  # Adam's and AdamW's; short runs learn faster with lower ones
    fused: bool = False  # Adam's and AdamW's fused implementation: one kernel for all weights (about 10% on a CPU)
    weight_decay: float = 5e-4  # decoupled for adamw, L2 for the others
    l1: float = 0.0  # L1 penalty: this times the sum of |w| over the conv and linear weights, added to the loss
    # onecycle (linear warm-up then linear decay to 0) | step | cosine (from the peak down to 0) | constant
    schedule: str = "onecycle"
    warmup: float = 0.2  # onecycle: fraction of the steps spent warming up
    step_size: int = 5  # step schedule: epochs between decays
    gamma: float = 0.1  # step schedule: factor at each decay
    label_smoothing: float = 0.1  # softens the targets; helps calibration on drawn digits
    ema: float = 0.0  # decay of an exponential moving average of the weights (0 = off; 0.999 typical)
    # Drawings mixed into a digit dataset's training set (docs/reading.md): ``styles`` of each national style of
    # each digit (core.styles), ``negatives`` non-digits (core.negatives) whose target is a flat answer, their
    # loss weighted by ``outlier_weight`` (outlier exposure). 0: none.
    styles: int = 0
    negatives: int = 0
    outlier_weight: float = 0.5
    # Knowledge distillation: the dataset's own images learn ``distill`` of their target from ``teacher`` (a model's
    # name or file: its probabilities on each image, worked out once before training) and the rest from the label
    # (docs/reading.md: the MNIST-only model teaching the reader). 0: labels alone.
    teacher: str = ""
    distill: float = 0.0
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    normalize: tuple[float, float] = MNIST_MEAN_STD  # input mean and std on a 0..1 scale; (0, 1): pixels / 255
    init: str = "torch"  # initial weights (models.INITS): torch's own, or glorot (Keras's: glorot-uniform, zero biases)
    val_size: int = 5000  # images held out of the training set for validation each epoch
    # Stop after this many epochs without a better validation accuracy, and keep the best epoch's weights (0 = off).
    early_stopping: int = 0
    # The architecture with a technique changed (None or (): as the architecture has it): the dropout rate, batchnorm
    # on or off, the conv strides (one for every conv layer, or one per layer). See models.with_overrides.
    dropout: float | None = None
    batchnorm: bool | None = None
    stride: tuple[int, ...] = ()
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    amp: bool = True  # bfloat16 autocast on CUDA
    cpu_bf16: bool = False  # bfloat16 autocast on a CPU with bf16 instructions (AVX-512 BF16, AMX); fp32 elsewhere
    log_every: int = 50  # steps between progress reports

    def __post_init__(self) -> None:
        for name in ("styles", "negatives"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a whole number >= 0, not {getattr(self, name)!r}")
        if (self.styles or self.negatives) and self.dataset != "mnist":
            raise ValueError(f"styles and negatives are drawings of digits: they do not mix into {self.dataset}")
        for name in ("epochs", "batch_size", "log_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a whole number >= 1, not {getattr(self, name)!r}")
        if not isinstance(self.val_size, int) or self.val_size < 0:
            raise ValueError(f"val_size must be a whole number >= 0, not {self.val_size!r}")
        for name in ("lr", "weight_decay", "l1"):
            if not (isinstance(getattr(self, name), (int, float)) and math.isfinite(getattr(self, name))
                    and getattr(self, name) >= 0):
                raise ValueError(f"{name} must be a number >= 0, not {getattr(self, name)!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}: {' | '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}: {' | '.join(SCHEDULES)}")
        if self.nesterov and not (self.optimizer == "sgd" and self.momentum > 0):
            raise ValueError("Nesterov momentum is SGD's, and needs a momentum above 0")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), not {self.dropout!r}")
        if not (isinstance(self.distill, (int, float)) and 0 <= self.distill <= 1):
            raise ValueError(f"distill must be a fraction in [0, 1], not {self.distill!r}")
        if bool(self.distill) != bool(self.teacher):
            raise ValueError("distillation needs both a teacher and a fraction above 0 to learn from it")
        if self.early_stopping and not self.val_size:
            raise ValueError("early stopping watches the validation images: it needs val_size > 0")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        d = dict(d)
        d["augment"] = AugmentConfig(**d.get("augment", {}))
        d["normalize"] = tuple(d.get("normalize", MNIST_MEAN_STD))
        for name in ("betas", "stride"):
            if name in d:
                d[name] = tuple(d[name])
        return cls(**d)

    def arch_config(self) -> ArchConfig:
        """The architecture this recipe trains: ``arch`` with the recipe's dropout, batchnorm and strides."""
        return with_overrides(get_arch(self.arch), self.dropout, self.batchnorm, self.stride)


OPTIMIZERS = ("adamw", "adam", "sgd", "rmsprop", "adagrad", "adadelta")
SCHEDULES = ("onecycle", "step", "cosine", "constant")


def lr_factor(cfg: TrainConfig, step: int, total: int, steps_per_epoch: int) -> float:
    """Multiplier of the peak learning rate at ``step`` (a pure function, as in nanoGPT)."""
    if cfg.schedule == "constant":
        return 1.0
    if cfg.schedule == "step":
        return cfg.gamma ** (step // steps_per_epoch // cfg.step_size)
    if cfg.schedule == "onecycle":
        warm = max(1, int(cfg.warmup * total))
        return (step + 1) / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))
    if cfg.schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(step, total) / max(1, total)))
    raise ValueError(f"unknown schedule {cfg.schedule!r}")


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX-512 BF16 or AMX): elsewhere it is emulated, slower
    than float32, so ``cpu_bf16`` stays off there."""
    try:
        hardware = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        return bool(hardware and torch.backends.mkldnn.is_available())
    except (AttributeError, RuntimeError):  # private helpers: gone in some torch version, say no
        return False


def make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    fused = {"fused": True} if cfg.fused else {}
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay, **fused)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay, **fused)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay,
                               nesterov=cfg.nesterov)
    others = {"rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta}
    return others[cfg.optimizer](params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def with_drawings(train: Split, cfg: TrainConfig) -> Split:
    """``train`` with the recipe's styled digits and non-digits (label -1) appended, drawn for ``cfg.seed``."""
    if not (cfg.styles or cfg.negatives):
        return train
    from .negatives import training_negatives
    from .styles import training_styles

    images, labels = training_styles(cfg.styles, cfg.seed)
    negatives = training_negatives(cfg.negatives, cfg.seed)
    return Split(
        torch.cat([train.images, torch.from_numpy(images), torch.from_numpy(negatives)]),
        torch.cat([train.labels, torch.from_numpy(labels), torch.full((len(negatives),), -1, dtype=torch.int64)]),
    )


def warm_ema(decay: float) -> Callable:
    """The update of an exponential moving average of the weights whose decay warms up: min(``decay``, (1 + n) /
    (10 + n)) after n updates (as TensorFlow's ExponentialMovingAverage with num_updates). With 0.999 from the
    start, the average of a short run is mostly its random initial weights (86% of them after 156 steps: one
    epoch of 20,000 images read 49% where its net read 98%)."""

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], updates: torch.Tensor) -> None:
        n = int(updates)
        weight = 1 - min(decay, (1 + n) / (10 + n))
        if torch.is_floating_point(averaged[0]):
            torch._foreach_lerp_(averaged, current, weight)
        else:  # integer buffers (batchnorm's step count)
            for a, c in zip(averaged, current, strict=True):
                a.copy_(a + (c - a) * weight)

    return update


def teacher_answers(cfg: TrainConfig, train: Split, total: int, device: torch.device) -> torch.Tensor:
    """The teacher's probabilities on each of ``train``'s images, as rows of a (``total``, classes) tensor on
    ``device`` whose other rows (the drawings :func:`with_drawings` appends) are zeros: no teacher's answer."""
    from .catalog import resolve_model
    from .checkpoint import load

    teacher = load(resolve_model(cfg.teacher), device).model.eval()
    classes = len(get_spec(cfg.dataset).classes)
    answers = torch.zeros(total, classes, device=device)
    with torch.inference_mode():
        for start in range(0, len(train), 2000):
            batch = to_input(train.images[start : start + 2000].to(device))
            answers[start : start + len(batch)] = teacher(batch).float().softmax(1)
    return answers


def split_validation(train: Split, val_size: int, seed: int = 0) -> tuple[Split, Split | None]:
    """A fixed random part of the training set held out for validation (the test set stays unseen)."""
    if val_size <= 0:
        return train, None
    if val_size >= len(train):
        raise ValueError(f"val_size {val_size} leaves no training images out of {len(train)}")
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed + 12345))
    return train.subset(order[val_size:]), train.subset(order[:val_size])


class Trainer:
    """Trains ``cfg.arch`` (or a given model) on ``train``; after :meth:`run`, :attr:`model` holds the
    result (the EMA weights when EMA is on) and :attr:`history` the epoch reports. Among several processes
    (``world``, core/distributed.py) each trains on its share of every batch and rank 0 alone validates.
    ``run(watch)`` hands the net to ``watch(net, steps done, epoch)`` after every step (core.snapshots)."""

    def __init__(self, cfg: TrainConfig, train: Split, val: Split | None = None, model: ConvNet | None = None,
                 world: World = World()) -> None:
        self.cfg = cfg
        self.world = world
        world.check_batch(cfg.batch_size)
        self.device = resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        self.train_data = with_drawings(train, cfg).to(self.device)
        self.taught = teacher_answers(cfg, train, len(self.train_data), self.device) if cfg.distill else None
        self.val_data = val.to(self.device) if val is not None and world.is_main else None
        if cfg.early_stopping and val is None:
            raise ValueError("early stopping watches the validation images: none were given")
        net = model if model is not None else init_weights(build(cfg.arch_config(), cfg.normalize), cfg.init)
        self.net = net.to(self.device).to(memory_format=torch.channels_last)
        self._l1_weights = [p for p in self.net.parameters() if p.dim() > 1]  # conv and linear weights, not biases
        self.ema = (
            torch.optim.swa_utils.AveragedModel(self.net, multi_avg_fn=warm_ema(cfg.ema), use_buffers=True)
            if cfg.ema
            else None
        )
        self.history: list[Progress] = []
        self.best: Progress | None = None  # with early stopping: the epoch whose weights the model keeps
        self.val_result: EvalResult | None = None  # the last epoch's validation (confusion matrix included)
        self._best_state: dict[str, torch.Tensor] | None = None

    @property
    def model(self) -> ConvNet:
        return self.ema.module if self.ema is not None else self.net

    def _autocast(self):
        if self.device.type == "cuda":
            enabled = self.cfg.amp
        else:
            enabled = self.device.type == "cpu" and self.cfg.cpu_bf16 and cpu_has_bf16()
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def run(self, watch: Callable[[ConvNet, int, int], None] | None = None) -> Iterator[Progress]:
        cfg, data = self.cfg, self.train_data
        order_gen = torch.Generator(self.device).manual_seed(cfg.seed)  # the batch order: the same in every process
        gen = self.world.augment_generator(order_gen)
        n = len(data)
        steps_per_epoch = n // cfg.batch_size
        if steps_per_epoch == 0:
            raise ValueError(f"{n} training images are fewer than one batch of {cfg.batch_size}")
        total = steps_per_epoch * cfg.epochs
        self._replica = self.world.wrap(self.net)  # what the steps run: the net, or DDP around it while training
        opt = make_optimizer(cfg, self.net.parameters())
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(cfg, s, total, steps_per_epoch))
        step, reported, seconds, best, stale = 0, 0, 0.0, -1.0, 0
        self.net.train()
        for epoch in range(1, cfg.epochs + 1):
            synchronize(self.device)
            t0 = time.perf_counter()
            order = torch.randperm(n, device=self.device, generator=order_gen)
            loss_sum = torch.zeros((), device=self.device)
            correct = torch.zeros((), device=self.device)
            digits = torch.zeros((), device=self.device)  # the labelled ones: non-digits have no right answer
            for i in range(steps_per_epoch):
                idx = self.world.shard(order[i * cfg.batch_size : (i + 1) * cfg.batch_size])
                x = augment(to_input(data.images[idx]), cfg.augment, gen).contiguous(memory_format=torch.channels_last)
                y = data.labels[idx]
                loss, logits = self._step(x, y, None if self.taught is None else self.taught[idx], opt, sched)
                step += 1
                if watch is not None:
                    watch(self.net, step, epoch)
                loss_sum += loss.detach()
                correct += (logits.argmax(1) == y).sum()
                digits += (y >= 0).sum()
                last = i == steps_per_epoch - 1
                if step % cfg.log_every == 0 or last:
                    synchronize(self.device)
                    now = time.perf_counter()
                    seconds += now - t0
                    t0 = now
                    # over all the processes: the losses summed (each its share's mean), the right answers
                    losses, right, labelled = self.world.summed(torch.stack([loss_sum, correct, digits])).tolist()
                    report = Progress(
                        "step", step, total, epoch, cfg.epochs, losses / self.world.size / (step - reported),
                        right / max(1.0, labelled), sched.get_last_lr()[0], seconds, step * cfg.batch_size / seconds,
                    )
                    loss_sum.zero_()
                    correct.zero_()
                    digits.zero_()
                    reported = step
                    if last:
                        report = self._end_of_epoch(report)
                        self.history.append(report)
                    yield report
                    synchronize(self.device)
                    t0 = time.perf_counter()
            best, stale = self._patience(best, stale)
            if cfg.early_stopping and self.world.main_decides(stale >= cfg.early_stopping):
                break
        self._replica = self.net  # DDP let go of while its process group lives (distributed.joined)
        if self._best_state is not None:
            self.model.load_state_dict(self._best_state)
        self.model.eval()

    def _step(self, x: torch.Tensor, y: torch.Tensor, taught: torch.Tensor | None, opt: torch.optim.Optimizer,
              sched: torch.optim.lr_scheduler.LRScheduler) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimizer step on a batch; (the loss, the logits)."""
        with self._autocast():
            logits = self._replica(x)
            loss = self._loss(logits.float(), y, taught)
        if self.cfg.l1:
            loss = loss + self.cfg.l1 * torch.stack([w.abs().sum() for w in self._l1_weights]).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if self.ema is not None:
            self.ema.update_parameters(self.net)
        return loss, logits

    def _loss(self, logits: torch.Tensor, y: torch.Tensor, taught: torch.Tensor | None = None) -> torch.Tensor:
        """Cross-entropy on the digits, to the label mixed with the teacher's answer where there is one
        (``taught``: a row of zeros where there is not); on the non-digits (label -1), to a flat answer."""
        cfg = self.cfg
        if not cfg.negatives and taught is None:
            return F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing)
        ce = F.cross_entropy(logits, y.clamp_min(0), label_smoothing=cfg.label_smoothing, reduction="none")
        log_p = F.log_softmax(logits, 1)
        if taught is not None:  # the cross-entropy is linear in its target: this is the one to the mixed target
            ce = torch.where(taught.sum(1) > 0, (1 - cfg.distill) * ce - cfg.distill * (taught * log_p).sum(1), ce)
        return torch.where(y >= 0, ce, cfg.outlier_weight * -log_p.mean(1)).mean()

    def _patience(self, best: float, stale: int) -> tuple[float, int]:
        """(best validation accuracy so far, epochs since it improved) after the epoch just ended; with early
        stopping, a better epoch's weights are kept (:attr:`best`) to be restored at the end."""
        val = self.history[-1].val_accuracy if self.history else None
        if val is None:
            return best, stale
        if val <= best:
            return best, stale + 1
        if self.cfg.early_stopping:
            self.best = self.history[-1]
            self._best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        return val, 0

    def _end_of_epoch(self, report: Progress) -> Progress:
        if self.val_data is None:
            return replace(report, kind="epoch")
        model = self.model
        self.val_result = drive(evaluate_steps(model, self.val_data, get_spec(self.cfg.dataset).classes, self.device,
                                               2000, "torch"))
        with torch.inference_mode():
            model.eval()
            logits = model(to_input(self.val_data.images[:2000]))
            val_loss = float(F.cross_entropy(logits.float(), self.val_data.labels[:2000]))
        self.net.train()
        return replace(report, kind="epoch", val_accuracy=self.val_result.report.accuracy, val_loss=val_loss)
