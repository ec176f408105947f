"""ONNX export (the ``onnx`` extra: onnx, onnxscript; ``onnxruntime`` to check the result)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from .models import ConvNet


def export_onnx(model: ConvNet, path: str | os.PathLike) -> Path:
    """Write ``model`` as ONNX taking float (batch, 1, 28, 28) in 0..1 and giving logits (batch, classes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.eval().to("cpu")
    x = torch.zeros(1, 1, 28, 28)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.onnx.export(
            model, (x,), tmp, input_names=["image"], output_names=["logits"],
            dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False,
        )
        os.replace(tmp, path)
    except ImportError as exc:
        raise RuntimeError(f"ONNX export needs the 'onnx' extra: pip install 'mnist-pad[onnx]' ({exc})") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
