"""Single-image inference for the pad: ONNX Runtime on the CPU when it is installed, torch otherwise.

Why: one 28x28 image through the default net costs about 3x less in ONNX Runtime than in eager torch
(per-operator overhead dominates at this size; figures in the README's Results), which keeps the pad's
stroke-to-repaint latency within a frame. Both engines give the logits and every conv layer's feature map.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from .models import ConvNet

log = logging.getLogger(__name__)

Outputs = tuple[np.ndarray, dict[str, np.ndarray]]  # logits (n, classes), layer -> feature maps (n, c, h, w)


class TorchEngine:
    name = "torch"

    def __init__(self, model: ConvNet) -> None:
        self.model = model.eval()
        self.device = next(model.parameters()).device

    @torch.inference_mode()
    def __call__(self, x: np.ndarray) -> Outputs:
        logits, maps = self.model.forward_with_activations(torch.from_numpy(x).to(self.device))
        return logits.float().cpu().numpy(), {k: v.float().cpu().numpy() for k, v in maps.items()}


class OnnxEngine:
    name = "onnxruntime"

    def __init__(self, model: ConvNet, threads: int = 1, with_activations: bool = True, graph: bytes | None = None) -> None:
        """``threads``: 1 for single images (more cost more than they give), 0 for ONNX Runtime's choice (all
        cores: batches). Without activations only the logits are computed and returned (evaluation).
        ``graph``: the model's ONNX export with these outputs, when it was made elsewhere (the job process
        makes it for the models it saves: :class:`mnist_pad.core.jobs.SavedModel`); else it is made here."""
        import onnxruntime as ort

        from .export import onnx_bytes

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.layers = list(model.conv_layers()) if with_activations else []
        data = graph if graph is not None else onnx_bytes(model, with_activations=with_activations)
        self.session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])

    def __call__(self, x: np.ndarray) -> Outputs:
        logits, *maps = self.session.run(None, {"image": np.ascontiguousarray(x, np.float32)})
        return logits, dict(zip(self.layers, maps))


def batch_engine(model: ConvNet, threads: int, required: bool = False) -> OnnxEngine | None:
    """An ONNX Runtime session giving logits for batches (evaluation), or None, logged, when it cannot be had:
    it is only a speed-up, so callers fall back to torch unless ``required``."""
    try:
        return OnnxEngine(model, threads=threads, with_activations=False)
    except Exception:  # noqa: BLE001 - any failure of the export or of ONNX Runtime
        if required:
            raise
        log.warning("ONNX export for evaluation failed; evaluating with torch", exc_info=True)
        return None


def make_engine(model: ConvNet, backend: str = "auto", graph: bytes | None = None) -> TorchEngine | OnnxEngine:
    """``auto``: ONNX Runtime for a model on the CPU when onnxruntime and onnx are installed, else torch.
    ``graph``: the model's ONNX graph with activations, if already made."""
    on_cpu = next(model.parameters()).device.type == "cpu"
    if backend == "torch" or (backend == "auto" and not on_cpu):
        return TorchEngine(model)
    try:
        return OnnxEngine(model, graph=graph)
    except (ImportError, RuntimeError):
        if backend == "onnxruntime":
            raise
        return TorchEngine(model)
