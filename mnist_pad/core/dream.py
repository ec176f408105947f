"""What a filter wants: activation maximisation ("dream a 7").

Gradient ascent on the input raises one unit: one class's logit, or the mean of one channel of a conv layer,
taken before the layer's activation (a ReLU passes no gradient where it is off, so a channel silent on the
start image would never move). Every unit starts from the same noise image (a fixed seed) and takes the same
number of steps, so a dream is reproducible and two units' images can be compared. Three regularisers keep
the image one a person can read rather than high-frequency noise that happens to excite the unit (Yosinski et
al. 2015; Olah et al. 2017, "Feature Visualization"): *jitter* (a random shift of a pixel or two every step:
the pattern must work wherever it lies), *blur* (a small Gaussian blur every few steps damps high
frequencies) and *total variation* (a penalty on the differences between neighbouring pixels). Pixels stay in
0..1, the range the model was trained on.

Many units are dreamed together, one image each in one batch (the model is in eval mode, so the images do not
interact): a layer's 128 channels cost little more than one. Dreams are cached per model (a hash of its
weights), layer, unit and configuration, in the process that computes them (the job process, through
:func:`dream_job`), so each is computed once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import from_state, load
from .models import ConvNet
from .progress import Progress

CLASSES = None  # the ``layer`` of a dream of class logits


@dataclass(frozen=True)
class DreamConfig:
    steps: int = 128  # gradient steps, the same for every unit
    lr: float = 0.05  # Adam's step size on 0..1 pixels
    jitter: int = 2  # largest random shift per step, pixels
    blur_every: int = 4  # steps between two blurs
    # of the Gaussian blur, pixels: at 0.7 (with noise 0.2) a quarter of the shipped default model's conv3 channels,
    # which like fine texture, ended lower than on the start noise (docs/attribution.md)
    blur_sigma: float = 0.5
    # weight of total variation (summed absolute neighbour differences) against the unit's rise, whose gradient
    # is scaled to a mean of 1 per image: at 0.4 one of the shipped default model's class dreams no longer
    # reads as its class and fewer conv3 channels rise (docs/attribution.md)
    tv: float = 0.1
    noise: float = 0.1  # the start image: uniform noise in 0..noise (MNIST's background is 0)
    seed: int = 0  # of the start image and the jitter
    batch: int = 64  # units dreamed together


@dataclass(frozen=True)
class Dream:
    layer: str | None  # a conv layer's name, or None (CLASSES) for a class logit
    unit: int  # the channel, or the class
    image: np.ndarray  # (28, 28) float32, 0..1
    before: float  # the unit's value on the start image (a channel's mean before its activation, or the logit)
    after: float  # its value on the dreamed image


def weights_key(model: torch.nn.Module) -> str:
    """A hash of the model's weights and buffers: the same model however it was loaded, a new key after any
    change (a fine-tune saved over the same file included)."""
    digest = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


# In the process that dreams: each recent model's dreams, by (layer, unit, config); the last few models only.
_CACHE: OrderedDict[str, dict[tuple, Dream]] = OrderedDict()
_KEEP_MODELS = 4


def _unit_values(model: ConvNet, layer: str | None, units: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """(n,) the value of unit ``units[i]`` on image ``x[i]``."""
    if layer is CLASSES:
        return model(x).gather(1, units[:, None])[:, 0]
    index = list(model.features).index(layer)
    block = model.features[layer]
    pre = block.norm(block.conv(model.trunk(x, blocks=index)))
    return pre[torch.arange(len(units)), units].mean((1, 2))


def _blur_kernel(sigma: float) -> torch.Tensor:
    t = torch.arange(-1.0, 2.0)
    g = torch.exp(-t.square() / (2 * sigma * sigma))
    return (torch.outer(g, g) / g.sum().square()).view(1, 1, 3, 3)


def _total_variation(x: torch.Tensor) -> torch.Tensor:
    """(n,) summed absolute differences between vertical and horizontal neighbours."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().sum((1, 2, 3)) + (x[..., 1:] - x[..., :-1]).abs().sum((1, 2, 3))


def _ascend(model: ConvNet, layer: str | None, units: list[int], cfg: DreamConfig, done: int,
            total: int) -> Generator[Progress, None, list[Dream]]:
    """Dream ``units`` in one batch; yields a step report every tenth of the way (``done`` of ``total``
    units before this batch)."""
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(cfg.seed)
    start = (torch.rand(1, 1, 28, 28, generator=gen) * cfg.noise).to(device)
    x = start.repeat(len(units), 1, 1, 1).requires_grad_(True)
    index = torch.tensor(units, device=device)
    kernel = _blur_kernel(cfg.blur_sigma).to(device)
    optimiser = torch.optim.Adam([x], lr=cfg.lr)
    every = max(1, cfg.steps // 10)
    with torch.enable_grad():
        for step in range(1, cfg.steps + 1):
            dy, dx = torch.randint(-cfg.jitter, cfg.jitter + 1, (2,), generator=gen).tolist()
            values = _unit_values(model, layer, index, torch.roll(x, (dy, dx), (2, 3)))
            (rise,) = torch.autograd.grad(values.sum(), x)
            (smooth,) = torch.autograd.grad(_total_variation(x).sum(), x)
            # Each image's rise in its own units (mean |gradient| 1): a unit whose values are small (a deep channel
            # after batchnorm) weighs as much against the total variation as a class's logit does.
            x.grad = cfg.tv * smooth - rise / rise.abs().mean((1, 2, 3), keepdim=True).clamp_min(1e-12)
            optimiser.step()
            with torch.no_grad():
                if step % cfg.blur_every == 0:
                    x.copy_(F.conv2d(x, kernel, padding=1))
                x.clamp_(0.0, 1.0)
            if step % every == 0 or step == cfg.steps:
                yield Progress("step", done * cfg.steps + step * len(units), total * cfg.steps)
    with torch.no_grad():
        before = _unit_values(model, layer, index, start.expand(len(units), -1, -1, -1)).tolist()
        after = _unit_values(model, layer, index, x).tolist()
    images = x.detach()[:, 0].float().cpu().numpy()
    return [Dream(layer, u, images[i], before[i], after[i]) for i, u in enumerate(units)]


def dream(model: ConvNet, layer: str | None, units: Sequence[int],
          cfg: DreamConfig = DreamConfig()) -> Generator[Progress, None, dict[int, Dream]]:
    """The dreams of ``units`` (classes when ``layer`` is None, else channels of that conv layer), by unit:
    cached ones at once, the others computed ``cfg.batch`` at a time, yielding step reports."""
    if layer is not CLASSES and layer not in model.conv_layers():
        raise ValueError(f"no conv layer {layer!r}; the model has {', '.join(model.conv_layers())}")
    model.eval()
    key = weights_key(model)
    cache = _CACHE.setdefault(key, {})
    _CACHE.move_to_end(key)
    while len(_CACHE) > _KEEP_MODELS:
        _CACHE.popitem(last=False)
    missing = [u for u in dict.fromkeys(units) if (layer, u, cfg) not in cache]
    for i in range(0, len(missing), cfg.batch):
        for d in (yield from _ascend(model, layer, missing[i:i + cfg.batch], cfg, i, len(missing))):
            cache[(layer, d.unit, cfg)] = d
    return {u: cache[(layer, u, cfg)] for u in units}


def dream_job(source: Path | tuple[dict, dict], layer: str | None, units: Sequence[int],
              cfg: DreamConfig = DreamConfig()) -> Generator[Progress, None, dict[int, Dream]]:
    """:func:`dream` for :class:`~mnist_pad.core.jobhost.JobHost`: ``source`` is a checkpoint file or the
    (metadata, weights) of a model without one (:data:`mnist_pad.core.eval_jobs.ModelSource`)."""
    ckpt = from_state(*source) if isinstance(source, tuple) else load(source)
    return (yield from dream(ckpt.model, layer, units, cfg))
