"""PyTorch state dicts (``.pth`` / ``.pt``): the one the PyTorch article's code saves (``cnn.pth`` of its
``Net``: ``conv1``, ``conv2``, ``fc1``, ``fc2``), put into ``seed-torch``, and a state dict of our own ConvNet.
Read with ``torch.load(weights_only=True)``: tensors and plain containers only, never code."""

from __future__ import annotations

import io
import re
from pathlib import Path

import torch

from .foreign import ForeignModelError, NormGuess, norm_of
from .foreign_weights import Layers, seed_archs, to_convnet
from .models import ARCHS, ConvNet

_ARTICLE = re.compile(r"(conv|fc)(\d+)\.(weight|bias)")  # the article's Net: conv1, conv2, fc1, fc2
_WRAPPERS = ("state_dict", "model_state_dict", "model")  # {"model_state_dict": ..., "optimizer": ...} checkpoints


def guess_norm(path: Path, data: bytes) -> NormGuess:
    """Our own ConvNet carries its normalisation; the PyTorch article normalises with mean 0.5, std 0.5."""
    state = _state_dict(path, data)
    if "input_mean" in state:
        mean, std = float(state["input_mean"]), float(state["input_std"])
        name = norm_of(mean, std)
        if name is not None:
            return NormGuess(name, "the model's own normalisation", True)
        return NormGuess("mnist", f"its own normalisation (mean {mean:g}, std {std:g}) is none of the choices", False)
    return NormGuess("symmetric", "the PyTorch article normalises its inputs with mean 0.5, std 0.5", True)


def read_state_dict(path: Path, data: bytes) -> tuple[ConvNet, str]:
    """(the ConvNet the state dict in ``data`` fits, which kind of file it was)."""
    state = _state_dict(path, data)
    if "input_mean" in state:
        return _own(path, state), "mnist-pad state dict"
    if not state or not all(_ARTICLE.fullmatch(k) for k in state):
        names = ", ".join(list(state)[:4]) + (", ..." if len(state) > 4 else "")
        raise ForeignModelError(f"{path}: its tensors ({names or 'none'}) are neither the PyTorch article's Net "
                                "(conv1, conv2, fc1, fc2) nor an mnist-pad ConvNet")
    layers = Layers()
    for kind, target in (("conv", layers.convs), ("fc", layers.denses)):
        numbers = sorted({int(m[2]) for m in map(_ARTICLE.fullmatch, state) if m[1] == kind})
        for n in numbers:
            weight, bias = state.get(f"{kind}{n}.weight"), state.get(f"{kind}{n}.bias")
            if weight is None:
                raise ForeignModelError(f"{path}: {kind}{n} has a bias but no weight; the file is incomplete")
            target.append((weight.float().numpy(), None if bias is None else bias.float().numpy()))
    first = layers.denses[0][0].shape[1] if layers.denses else 0
    hint = ("; its fc1 takes 64*5*5 = 1600 inputs, the article's own slip: 28x28 images give 64*4*4 = 1024, so "
            "this Net cannot have been trained on MNIST as written") if first == 64 * 5 * 5 else ""
    return to_convnet(layers, path, seed_archs("seed-torch"), hint), "pytorch article"


def _state_dict(path: Path, data: bytes) -> dict[str, torch.Tensor]:
    """The tensors of the state dict in ``data`` (unwrapped from a training checkpoint's dict and from
    ``nn.DataParallel``'s ``module.`` prefix), on the CPU."""
    try:
        obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch.load raises many kinds on a damaged or foreign file
        if "Unsupported global" in str(exc):  # the weights-only unpickler met a class: a pickled object
            raise ForeignModelError(f"{path}: holds more than weights (a pickled model object?); mnist-pad reads "
                                    "only state dicts (torch.save(net.state_dict(), ...))") from None
        raise ForeignModelError(f"{path}: not a readable PyTorch file (truncated, damaged or of another "
                                "kind)") from None
    if isinstance(obj, dict):
        inner = next((obj[k] for k in _WRAPPERS if isinstance(obj.get(k), dict)), None)
        obj = inner if inner is not None else obj
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        raise ForeignModelError(f"{path}: not a state dict (a dict of tensors); mnist-pad reads what "
                                "torch.save(net.state_dict(), ...) writes")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def _own(path: Path, state: dict[str, torch.Tensor]) -> ConvNet:
    """The ConvNet whose architecture's state has exactly these names and shapes."""
    found = {k: tuple(v.shape) for k, v in state.items()}
    for cfg in ARCHS.values():
        with torch.device("meta"):
            expected = {k: tuple(v.shape) for k, v in ConvNet(cfg).state_dict().items()}
        if expected == found:
            if not all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point()):
                raise ForeignModelError(f"{path}: NaN or infinite weights; the model would predict nonsense")
            model = ConvNet(cfg)
            model.load_state_dict(state, strict=True)
            return model.eval()
    raise ForeignModelError(f"{path}: an mnist-pad ConvNet's state dict whose shapes fit none of its architectures "
                            f"({', '.join(ARCHS)})")
