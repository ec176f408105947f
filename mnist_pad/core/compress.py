"""Compression (issue 15, after seed article 001): magnitude pruning with a short fine-tune, and static int8
quantisation for ONNX Runtime. Measured in docs/compression.md (``scripts/bench_compress.py``).

Pruning zeroes the smallest conv and linear weights of the whole net at once (one global threshold: a layer
of many small weights loses more of them than one of few large ones), then trains briefly on training images
to recover. The training is the project's one loop, :class:`~mnist_pad.core.train.Trainer`, handed the pruned
model with torch's pruning masks still on (``weight = weight_orig * weight_mask`` before every forward pass),
so the zeros stay zeros while the other weights adapt; the masks are made permanent afterwards. The tensors
keep their dense shapes: a pruned checkpoint is as large as its base and no faster (ONNX Runtime does not skip
scattered zeros); only its compressed size (zip) shrinks.

Quantisation is ONNX Runtime's static int8 in the QDQ format: weights int8 per output channel, activations
uint8 with ranges measured on a few hundred training images. ONNX Runtime fuses each quantise / dequantise
pair around a conv into one integer conv, which makes a single image about twice as fast on this CPU.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from .augment import AugmentConfig
from .checkpoint import Checkpoint
from .data import Split
from .files import write_atomic
from .inference import to_array
from .models import ConvNet
from .progress import Progress
from .train import TrainConfig, Trainer

CALIBRATION_IMAGES = 300  # training images whose activation ranges set the int8 scales; no accuracy lost with 300
CALIBRATION_BATCH = 100


@dataclass(frozen=True)
class PruneConfig:
    amount: float = 0.5  # fraction of the conv and linear weights set to zero, the smallest |w| of the whole net
    steps: int = 300  # fine-tuning optimizer steps after pruning (0: none); 300 brought 80% back within 0.25 point
    batch_size: int = 128  # training images per step, drawn at random without repeats
    # peak learning rate (AdamW, one-cycle); 80% of `small` pruned, 300 steps: 99.40% at 3e-3, 99.24% at 1e-3
    lr: float = 3e-3
    seed: int = 0
    device: str = "cpu"  # cpu | cuda | auto
    log_every: int = 25  # steps between progress reports

    def __post_init__(self) -> None:
        if not 0 < self.amount < 1:
            raise ValueError(f"amount must be a fraction in (0, 1), not {self.amount!r}")
        if self.steps < 0 or self.batch_size < 1:
            raise ValueError("steps must be >= 0 and batch_size >= 1")

    def to_dict(self) -> dict:
        return asdict(self)


# --- pruning ----------------------------------------------------------------------------------------------------
def prunable(model: nn.Module) -> list[tuple[nn.Module, str]]:
    """(module, "weight") for every conv and linear layer: what pruning may zero (biases and batchnorm stay)."""
    return [(m, "weight") for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def sparsity(model: nn.Module) -> float:
    """The fraction of the conv and linear weights that are exactly zero."""
    weights = [getattr(m, name) for m, name in prunable(model)]
    return sum(int((w == 0).sum()) for w in weights) / sum(w.numel() for w in weights)


def prune(model: ConvNet, train: Split | None, cfg: PruneConfig = PruneConfig()) -> Generator[Progress, None, ConvNet]:
    """A copy of ``model`` with ``cfg.amount`` of its conv and linear weights zeroed (global magnitude pruning),
    then fine-tuned for ``cfg.steps`` steps on random ``train`` images (uint8 (n, 28, 28) and labels; None: no
    fine-tune) with the zeros held. The job: it yields the training's progress and returns the copy, in eval
    mode, its masks made permanent; ``model`` is left as it was. Too few images are refused now, not when the
    job starts."""
    need = cfg.steps * cfg.batch_size
    if train is not None and len(train) < need:
        raise ValueError(f"{cfg.steps} fine-tuning steps need {need} training images ({cfg.batch_size} a step, "
                         f"none twice); there are {len(train)}")
    return _pruned(model, train, cfg)


def _pruned(model: ConvNet, train: Split | None, cfg: PruneConfig) -> Generator[Progress, None, ConvNet]:
    home = next(model.parameters()).device
    net = copy.deepcopy(model)
    params = prunable(net)
    torch_prune.global_unstructured(params, pruning_method=torch_prune.L1Unstructured, amount=cfg.amount)
    if cfg.steps and train is not None:
        yield from _recover(net, train, cfg)
    for module, name in params:
        torch_prune.remove(module, name)
    return net.to(home).eval()


def _recover(net: ConvNet, train: Split, cfg: PruneConfig) -> Generator[Progress, None, None]:
    """``cfg.steps`` steps of :class:`Trainer` on ``net`` (masks on) over one epoch of just that many random images
    of ``train``: the training recipe's loss, augmentation and one-cycle schedule, at a lower peak rate."""
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(cfg.seed))[: cfg.steps * cfg.batch_size]
    recipe = TrainConfig(epochs=1, batch_size=cfg.batch_size, lr=cfg.lr, warmup=0.1, augment=AugmentConfig(),
                         seed=cfg.seed, device=cfg.device, log_every=cfg.log_every)
    yield from Trainer(recipe, train.subset(order), model=net).run()


def pruned_meta(out: str | os.PathLike, base: Checkpoint, cfg: PruneConfig, pruned: ConvNet,
                test_accuracy: float | None) -> dict:
    """What a pruned checkpoint records: its name, its base's name, dataset, classes and reading (as a fine-tune
    does: the temperature is not chosen again), the pruning (as asked, and the sparsity measured) and its test
    accuracy."""
    kept = {k: base.meta[k] for k in ("dataset", "classes", "reading") if k in base.meta}
    return {**kept, "name": Path(out).stem, "base": base.name, "test_accuracy": test_accuracy,
            "pruned": {**cfg.to_dict(), "sparsity": sparsity(pruned)}}


# --- int8 quantisation ------------------------------------------------------------------------------------------
def calibration_images(train: Split, n: int = CALIBRATION_IMAGES, seed: int = 0) -> np.ndarray:
    """``n`` random images of ``train`` as the graph takes them: float32 (n, 1, 28, 28) in 0..1."""
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:n]
    return to_array(train.images[pick])


class _Calibration:
    """ONNX Runtime's CalibrationDataReader protocol (``get_next`` until None) over ``images`` in batches."""

    def __init__(self, input_name: str, images: np.ndarray) -> None:
        self._batches: Iterator[dict[str, np.ndarray]] = (
            {input_name: images[i : i + CALIBRATION_BATCH]} for i in range(0, len(images), CALIBRATION_BATCH))

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._batches, None)


def quantize_onnx(graph: bytes | str | os.PathLike, calibration: np.ndarray) -> bytes:
    """The float ONNX ``graph`` (bytes or a file) quantised to int8 (QDQ: weights int8 per output channel,
    activations uint8), with the activation ranges of ``calibration`` images (float32 (n, 1, 28, 28), 0..1).
    Inputs and outputs keep their names and float types: whatever ran the float graph runs this one."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if len(calibration) == 0:
        raise ValueError("no calibration images: int8 ranges are measured on some")
    proto = onnx.load_from_string(graph) if isinstance(graph, bytes) else onnx.load(os.fspath(graph))
    initialized = {t.name for t in proto.graph.initializer}
    input_name = next(i.name for i in proto.graph.input if i.name not in initialized)
    with tempfile.TemporaryDirectory(prefix="mnist-pad-int8-") as folder:
        prepared, out = Path(folder) / "prepared.onnx", Path(folder) / "int8.onnx"
        # ONNX Runtime's recommended first step (shapes inferred, constants folded); it also marks the graph as
        # prepared, without which quantize_static warns on every call.
        quant_pre_process(proto, prepared)
        quantize_static(prepared, out, _Calibration(input_name, calibration), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)
        return out.read_bytes()


def export_int8(model: ConvNet, path: str | os.PathLike, calibration: np.ndarray) -> Path:
    """Write ``model``'s classifier graph (``export``'s: image in, logits out) quantised to int8 to ``path``,
    atomically. Without the pad's feature-map outputs: other tools want the logits, and the pad runs its own
    float graph (:func:`quantize_onnx` also takes that graph: the maps come out dequantised, within a step)."""
    from .export import onnx_bytes

    return write_atomic(path, quantize_onnx(onnx_bytes(model), calibration))
