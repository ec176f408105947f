"""Every way the app runs a model, in one place: the pad's single-image engines (logits and every conv
layer's feature maps) and the cached batch engines of evaluation, embedding and fine-tuning's forgetting
check. ONNX Runtime on the CPU when it is installed, torch otherwise.

Why ONNX Runtime: one 28x28 image through the default net costs about 3x less than in eager torch
(per-operator overhead dominates at this size), which keeps the pad's stroke-to-repaint latency within a
frame; batches of digits need 3-4x less CPU time (figures in the README's Results and docs/evaluation.md).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Generator

import numpy as np
import torch
from torch import nn

from .models import ConvNet
from .progress import Progress

log = logging.getLogger(__name__)

Outputs = tuple[np.ndarray, dict[str, np.ndarray]]  # logits (n, classes), layer -> feature maps (n, c, h, w)
Forward = Callable[[torch.Tensor], torch.Tensor]  # uint8 images (n, 28, 28) -> float (n, d) on the CPU
ONNX_FROM = 1000  # images: below this, exporting a model for ONNX Runtime costs more than it saves


# --- input ----------------------------------------------------------------------------------------------------
def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (n, 28, 28) or float (n, 28, 28) / (n, 1, 28, 28) -> float (n, 1, 28, 28) in 0..1: what every
    model takes (it normalises by itself); colour images (n, c, h, w) keep their shape."""
    x = images.float() / 255 if images.dtype == torch.uint8 else images.float()
    return x.unsqueeze(1) if x.dim() == 3 else x


def to_array(images: torch.Tensor) -> np.ndarray:
    """:func:`to_input` in numpy, for ONNX Runtime: no torch operation runs beside its session (torch's
    OpenMP threads would fight its threads for the cores)."""
    a = images.cpu().numpy()
    x = a.astype(np.float32) / 255 if a.dtype == np.uint8 else a.astype(np.float32, copy=False)
    return np.ascontiguousarray(x[:, None] if x.ndim == 3 else x)


# --- single images with activations (the pad) ----------------------------------------------------------------
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
        from .export import onnx_bytes

        self.layers = list(model.conv_layers()) if with_activations else []
        data = graph if graph is not None else onnx_bytes(model, with_activations=with_activations)
        self.session = onnx_session(data, threads)

    def __call__(self, x: np.ndarray) -> Outputs:
        logits, *maps = self.session.run(None, {"image": np.ascontiguousarray(x, np.float32)})
        return logits, dict(zip(self.layers, maps))


def onnx_session(graph: bytes, threads: int = 1):
    """An ONNX Runtime session of ``graph`` on the CPU with ``threads`` threads (0: ONNX Runtime's choice)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 4  # fatal only: a failure is raised to the caller, which says it once (not twice)
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


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


# --- batches (evaluation, embeddings) ---------------------------------------------------------------------
class _Logits(nn.Module):
    def __init__(self, model: ConvNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class _Probabilities(_Logits):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), 1)


class _Embedding(_Logits):
    """Unit-length penultimate features: the space nearest neighbours are searched in (cosine distance)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.model.penultimate(x), dim=1)


HEADS = {"logits": _Logits, "probabilities": _Probabilities, "embedding": _Embedding}

# ONNX Runtime engines made for a model, per (device, head), with the weights' version they were made from.
# Weak keys: a model no longer used takes its engines along. The export they save holds the GIL for up to
# ~0.1 s (a UI hiccup). A model changed in place (training updates its weights every step) has a new version:
# its engine is made again.
_ENGINES: weakref.WeakKeyDictionary[nn.Module, dict[tuple[str, str], tuple[int, Forward]]] = weakref.WeakKeyDictionary()


def engine(model: ConvNet, device: torch.device | str = "cpu", backend: str = "auto",
           head: str = "probabilities") -> tuple[str, Forward]:
    """(engine name, forward) running an inference copy of ``model`` (batchnorm folded) on ``device``: its
    logits, class probabilities or, with ``head="embedding"``, unit-length penultimate features. On the CPU,
    ``auto`` (and ``onnxruntime``) run ONNX Runtime on torch's thread count (the window leaves a core to its UI
    thread, and so does this), falling back to torch if it cannot be had; ``torch`` forces torch."""
    if not isinstance(model, nn.Module):  # an ONNX model of another tool (core.foreign_onnx): it is its engine
        if head != "probabilities":
            raise ValueError(f"{model.path.name}: an ONNX model gives its class scores only, not the {head} asked "
                             "for (the nearest neighbours need a model of mnist-pad's own)")
        return model.name, model.forward
    device = torch.device(device)
    if device.type != "cpu" or backend == "torch":
        net = HEADS[head](model.fused().to(device)).eval()
        return "torch", lambda images: net(to_input(images.to(device, non_blocking=True))).float().cpu()
    engines = _ENGINES.setdefault(model, {})
    version, key = _version(model), (str(device), head)
    if key not in engines or engines[key][0] != version:
        session = _onnx_session(HEADS[head](model.fused()).eval(), required=backend == "onnxruntime")
        if session is None:
            return engine(model, device, "torch", head)
        engines[key] = version, lambda images: torch.from_numpy(session(to_array(images))[0])
    return "onnxruntime", engines[key][1]


def backend_for(backend: str, n: int) -> str:
    """``auto`` for ``n`` images: torch for fewer than :data:`ONNX_FROM` (not worth an export), else ``auto``."""
    return "torch" if backend == "auto" and n < ONNX_FROM else backend


def _version(model: nn.Module) -> int:
    """Changes whenever a weight or buffer of ``model`` is changed in place (torch counts those changes)."""
    return sum(t._version for t in model.state_dict(keep_vars=True).values())


def _onnx_session(net: nn.Module, required: bool) -> OnnxEngine | None:
    """An ONNX Runtime session giving ``net``'s output for batches, or None, logged, when it cannot be had: it
    is only a speed-up, so callers fall back to torch unless ``required``."""
    try:
        return OnnxEngine(net, threads=torch.get_num_threads(), with_activations=False)
    except Exception:  # noqa: BLE001 - any failure of the export or of ONNX Runtime
        if required:
            raise
        log.warning("ONNX export failed; running torch instead", exc_info=True)
        return None


def run_batches(forward: Forward, images: torch.Tensor, batch_size: int) -> Generator[Progress, None, torch.Tensor]:
    """``forward`` over ``images`` batch by batch, yielding progress (``step`` counts images); returns the
    outputs concatenated."""
    out, n = [], len(images)
    for start in range(0, n, batch_size):
        with torch.inference_mode():
            out.append(forward(images[start : start + batch_size]))
        yield Progress("batch", min(start + batch_size, n), n)
    return torch.cat(out) if out else torch.empty(0)


@torch.inference_mode()
def predict_proba(model: ConvNet, images: torch.Tensor, batch_size: int = 2000, backend: str = "torch") -> torch.Tensor:
    """Class probabilities (n, classes) on the CPU, in batches, through :func:`engine`."""
    forward = engine(model, next(model.parameters()).device, backend_for(backend, len(images)))[1]
    out = [forward(images[i : i + batch_size]) for i in range(0, len(images), batch_size)]
    return torch.cat(out) if out else torch.empty(0, model.cfg.classes)
