"""ONNX export: for other tools (``mnist-pad export``) and for the pad's fast single-image inference
through ONNX Runtime (see :mod:`mnist_pad.core.inference`)."""

from __future__ import annotations

import io
import os
import threading
import warnings
from pathlib import Path

import torch
from torch import nn

from .files import write_atomic
from .models import ConvNet


# torch.onnx.export keeps global state: two exports at once (the pad's background engine and an evaluation)
# fail with "GLOBALS.in_onnx_export must be False". One at a time.
_EXPORT_LOCK = threading.Lock()


class _WithActivations(nn.Module):
    """The model's logits followed by each conv layer's feature map, as separate outputs."""

    def __init__(self, model: ConvNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits, maps = self.model.forward_with_activations(x)
        return (logits, *maps.values())


def onnx_bytes(model: nn.Module, with_activations: bool = False) -> bytes:
    """The model (a :class:`ConvNet`, or a module around one) as an ONNX graph taking float (batch, channels,
    size, size) in 0..1 as the net takes them (digits: (batch, 1, 28, 28)), giving logits (batch, classes) and,
    with ``with_activations``, one output per conv layer named like the layer."""
    model = model.eval()
    shape = next(m for m in model.modules() if isinstance(m, ConvNet)).cfg.input_shape
    device = next(model.parameters()).device
    # eval(): torch.onnx.export restores the wrapper's mode on every submodule, the model included.
    net = _WithActivations(model).eval() if with_activations else model
    outputs = ["logits", *model.conv_layers()] if with_activations else ["logits"]
    buf = io.BytesIO()
    try:
        # dynamo=False: the TorchScript exporter takes a fraction of a second for these small nets and needs no
        # onnxscript; torch deprecates it, and says so on every call, which is noise for our users.
        with _EXPORT_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(
                net, (torch.zeros(1, *shape, device=device),), buf, input_names=["image"], output_names=outputs,
                dynamic_axes={name: {0: "batch"} for name in ["image", *outputs]}, dynamo=False,
            )
    except ImportError as exc:
        raise RuntimeError(f"ONNX export needs the 'onnx' package: pip install onnx ({exc})") from exc
    return buf.getvalue()


def export_onnx(model: ConvNet, path: str | os.PathLike) -> Path:
    """Write the model as ONNX to ``path`` atomically."""
    return write_atomic(path, onnx_bytes(model))
