"""The weighted layers of a net from another tool, put into one of our seed architectures: the PyTorch
article's state dict (:mod:`~mnist_pad.core.foreign_torch`) and the Keras articles' weights
(:mod:`~mnist_pad.core.foreign_keras`) both come here as :class:`Layers` in torch's layouts.

Which architecture a file holds is told by its shapes alone: the seed nets differ in every layer. What
weights cannot tell (the activation, the pooling) is the seed net's own; docs/foreign-models.md says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .foreign import ForeignModelError
from .models import ARCHS, ArchConfig, ConvNet

TORCH_BN_EPS = 1e-5  # the epsilon of torch's batchnorms, which our ConvNet uses
Pair = tuple[np.ndarray, np.ndarray | None]  # weight, bias (None: the layer has none)


@dataclass
class Layers:
    """A net's weighted layers, each kind in the order the net applies them, in torch's layouts."""

    convs: list[Pair] = field(default_factory=list)  # (out, in, kh, kw), (out,)
    norms: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # scale, shift, running mean, running var
    denses: list[Pair] = field(default_factory=list)  # (out, in), (out,)
    channels_last: bool = False  # the first dense reads the flattened maps in (h, w, c) order (Keras)

    def describe(self) -> str:
        """'conv 32x1x5x5, conv 64x32x5x5, dense 1024x1024, ...': what an error message shows."""
        parts = [f"conv {'x'.join(map(str, w.shape))}" for w, _ in self.convs]
        parts += [f"batchnorm {len(n[0])}" for n in self.norms]
        return ", ".join(parts + [f"dense {'x'.join(map(str, w.shape))}" for w, _ in self.denses]) or "none"


def seed_archs(first: str) -> list[str]:
    """The seed articles' architectures, ``first`` first: the candidates a foreign net is matched against."""
    return [first] + [name for name in ARCHS if name.startswith("seed-") and name != first]


def to_convnet(layers: Layers, path: Path, candidates: list[str], hint: str = "") -> ConvNet:
    """A ConvNet of the first of ``candidates`` whose every weight shape ``layers`` fit, loaded with them.
    Refused, naming ``path``, when the weights are not finite or fit none (``hint`` is added to that message)."""
    arrays = [a for pair in layers.convs + layers.denses for a in pair if a is not None]
    if not all(np.isfinite(a).all() for a in arrays + [a for n in layers.norms for a in n]):
        raise ForeignModelError(f"{path}: NaN or infinite weights; the model would predict nonsense")
    for name in candidates:
        with torch.device("meta"):  # shapes only: nothing is allocated
            expected = {k: tuple(v.shape) for k, v in ConvNet(ARCHS[name]).state_dict().items()}
        state = _state(layers, ARCHS[name], expected)
        if state is not None:
            model = ConvNet(ARCHS[name])
            model.load_state_dict({**model.state_dict(), **state}, strict=True)
            return model.eval()
    raise ForeignModelError(f"{path}: its layers ({layers.describe()}) fit none of the seed articles' nets "
                            f"({', '.join(candidates)}){hint}")


def _state(layers: Layers, cfg: ArchConfig, expected: dict[str, tuple]) -> dict[str, torch.Tensor] | None:
    """``layers`` under the names of ``cfg``'s ConvNet (each kind in the order the net holds its modules), or
    None when they do not fit its shapes."""
    modules = list(dict.fromkeys(k.rsplit(".", 1)[0] for k in expected))
    convs = [m for m in modules if m.startswith("features.") and m.endswith(".conv")]
    norms = [m for m in modules if f"{m}.running_mean" in expected]
    linears = [m for m in modules if m.startswith("classifier.") and len(expected.get(f"{m}.weight", ())) == 2]
    if (len(convs), len(norms), len(linears)) != (len(layers.convs), len(layers.norms), len(layers.denses)):
        return None
    state: dict[str, np.ndarray] = {}
    for i, (module, (w, b)) in enumerate(zip(convs + linears, layers.convs + layers.denses)):
        if i == len(convs) and layers.channels_last and not cfg.global_pool:  # the dense after the flatten
            w = _hwc_to_chw(w, layers.convs[-1][0].shape[0]) if layers.convs else w
            if w is None:
                return None
        state[f"{module}.weight"] = w
        if b is not None:
            state[f"{module}.bias"] = b
    for module, values in zip(norms, layers.norms):
        state.update(zip((f"{module}.{k}" for k in ("weight", "bias", "running_mean", "running_var")), values))
    ours = {k for k in expected if not k.endswith(("num_batches_tracked", "input_mean", "input_std"))}
    if set(state) != ours or any(tuple(state[k].shape) != expected[k] for k in ours):
        return None
    return {k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in state.items()}


def _hwc_to_chw(w: np.ndarray, channels: int) -> np.ndarray | None:
    """A dense weight (out, h*w*c) reading maps flattened as (h, w, c) rearranged to read them flattened as
    (c, h, w), torch's order; None when its inputs are not square maps of ``channels`` channels."""
    out, n = w.shape
    side = math.isqrt(n // channels) if n % channels == 0 else 0
    if side * side * channels != n:
        return None
    return w.reshape(out, side, side, channels).transpose(0, 3, 1, 2).reshape(out, n)
