"""Checkpoints: safetensors weights plus JSON metadata in the same file's header. Never pickle.

Saving is atomic (:func:`~mnist_pad.core.files.write_atomic`), so an interrupted save never leaves a
half-written file at the output path. Loading refuses, with a message that names the file, a missing,
truncated or foreign file, weights that do not fit the architecture they claim (checked on the shapes in the
header, before anything is built), and weights that are not finite.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from safetensors.torch import save as save_bytes

from .files import BadInput, check_input_file, dumps_json, loads_json, write_atomic
from .models import MNIST_MEAN_STD, ArchConfig, ConvNet

META_KEY = "mnist_pad"
FOREIGN_SUFFIXES = (".onnx", ".pth", ".pt", ".h5", ".keras")  # the formats of core.foreign
FORMAT_VERSION = 1
MAX_HEADER = 100_000_000  # bytes of safetensors header we are willing to parse


class CheckpointError(RuntimeError):
    """A checkpoint cannot be loaded or saved; the message says which file and why."""


@dataclass
class Checkpoint:
    model: ConvNet  # or, for an ONNX model of another tool, its core.foreign_onnx.OnnxClassifier (no training)
    meta: dict  # arch, dataset, classes, normalize, accuracies, recipe, version, created, ...
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.meta.get("name") or (self.path.stem if self.path else self.meta["arch"]["name"])


def _version() -> str:
    from .. import __version__

    return __version__


def metadata(model: ConvNet, **meta) -> dict:
    """What a checkpoint of ``model`` records beside its weights: the architecture, the input normalisation,
    this version, the time, and ``meta`` (JSON-serialisable: name, dataset, accuracies, recipe, ...); as
    plain JSON types, exactly as :func:`read_meta` will read it back."""
    return json.loads(dumps_json({
        "format": FORMAT_VERSION,
        "arch": model.cfg.to_dict(),
        "normalize": [float(model.input_mean), float(model.input_std)],
        "version": _version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **meta,
    }))


def weights(model: ConvNet) -> dict[str, torch.Tensor]:
    """The model's state as contiguous CPU tensors: what a checkpoint stores."""
    return {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}


def save(path: str | os.PathLike, model: ConvNet, **meta) -> Path:
    """Write ``model`` and :func:`metadata` to ``path`` atomically (see :func:`write_atomic`)."""
    return write(path, weights(model), metadata(model, **meta))


def write(path: str | os.PathLike, state: dict[str, torch.Tensor], meta: dict) -> Path:
    """Write weights and complete metadata (as :func:`metadata` makes it) to ``path`` atomically."""
    return write_atomic(path, save_bytes(state, metadata={META_KEY: dumps_json(meta)}))


def size_estimate(model: ConvNet) -> int:
    """Bytes a checkpoint of ``model`` takes, with room for the header: for checking the disk beforehand."""
    return sum(t.numel() * t.element_size() for t in model.state_dict().values()) + 65536


def _read_header(path: Path) -> tuple[dict, dict]:
    """(the safetensors header: tensor name -> dtype, shape, offsets; our metadata), checked."""
    check = check_input_file(path, "checkpoint file")
    try:
        with open(check, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            if not 0 < n < MAX_HEADER or check.stat().st_size < 8 + n:
                raise CheckpointError(f"{path}: not a safetensors checkpoint (bad or truncated header)")
            header = loads_json(f.read(n))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a safetensors checkpoint ({exc})") from exc
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    raw = metadata.get(META_KEY) if isinstance(metadata, dict) else None
    if raw is None:
        raise CheckpointError(f"{path}: a safetensors file, but not an mnist-pad checkpoint (no '{META_KEY}' metadata)")
    try:
        meta = loads_json(raw)
    except ValueError as exc:
        raise CheckpointError(f"{path}: its mnist-pad metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: its mnist-pad metadata is not a JSON object")
    if meta.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format {meta.get('format')!r}; this version reads {FORMAT_VERSION}")
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    return tensors, meta


def read_meta(path: str | os.PathLike) -> dict:
    """The metadata of a checkpoint without loading its weights."""
    try:
        return _read_header(Path(path))[1]
    except BadInput as exc:
        raise CheckpointError(str(exc)) from None


def _build(path: Path, meta: dict, shapes: dict) -> ConvNet:
    """The model the metadata describes, built only once its parameter shapes are known to match the
    file's tensors: a few bytes of metadata can ask for layers of billions of weights, and building those
    before looking would take minutes and gigabytes (or kill the process) before refusing."""
    try:
        cfg = ArchConfig.from_dict(meta["arch"])
        normalize = tuple(float(v) for v in meta.get("normalize", MNIST_MEAN_STD))
        if len(normalize) != 2 or not all(math.isfinite(v) for v in normalize) or normalize[1] <= 0:
            raise ValueError(f"input normalisation {normalize} is not a mean and a positive std")
        with torch.device("meta"):  # shapes only: no memory is allocated
            expected = {k: tuple(v.shape) for k, v in ConvNet(cfg, normalize).state_dict().items()}
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: its architecture description cannot be built ({exc})") from exc
    try:
        found = {k: tuple(int(d) for d in v["shape"]) for k, v in shapes.items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: its table of tensors is malformed ({exc!r}); the file is corrupt") from exc
    if found != expected:
        wrong = sorted(set(found) ^ set(expected)) or [k for k in expected if found[k] != expected[k]]
        raise CheckpointError(f"{path}: the weights do not fit architecture {cfg.name!r} "
                              f"({len(wrong)} tensors differ, e.g. {wrong[0]!r})")
    if sum(math.prod(shape) for shape in expected.values()) > path.stat().st_size:  # each weight >= 1 byte
        raise CheckpointError(f"{path}: its header describes more weights than the file holds; it is truncated or corrupt")
    return ConvNet(cfg, normalize)


def from_state(meta: dict, state: dict[str, torch.Tensor], path: Path | None = None,
               device: str | torch.device = "cpu") -> Checkpoint:
    """A checkpoint from metadata and weights already in memory and known to fit: a job's result, handed
    back from the job process without reading its file again."""
    model = ConvNet(ArchConfig.from_dict(meta["arch"]), tuple(meta.get("normalize", MNIST_MEAN_STD)))
    model.load_state_dict(state, strict=True)
    return Checkpoint(model.to(device).eval(), meta, path)


def load(path: str | os.PathLike, device: str | torch.device = "cpu") -> Checkpoint:
    """Load a checkpoint, refusing with a :class:`CheckpointError` that names the file anything that is not
    a whole mnist-pad checkpoint with finite weights that fit the architecture it describes. A model file of
    another tool (``.onnx``, ``.pth``, ``.h5``, ...) is opened by :func:`mnist_pad.core.foreign.open_checkpoint`
    with the input scaling kept beside it (or guessed), so that every place that loads models takes them."""
    path = Path(path)
    if path.suffix.lower() in FOREIGN_SUFFIXES:
        from .foreign import open_checkpoint

        try:
            return open_checkpoint(path, device)
        except BadInput as exc:
            raise CheckpointError(str(exc)) from None
    try:
        shapes, meta = _read_header(path)
    except BadInput as exc:
        raise CheckpointError(str(exc)) from None
    model = _build(path, meta, shapes)
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: the weights cannot be read; the file is truncated or corrupt ({exc})") from exc
    bad = [k for k, t in tensors.items() if t.is_floating_point() and not torch.isfinite(t).all()]
    if bad:
        raise CheckpointError(f"{path}: NaN or infinite values in {len(bad)} of its weight tensors (e.g. {bad[0]!r}); "
                              "the model would predict nonsense")
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0:3]
        raise CheckpointError(f"{path}: the weights do not fit architecture {model.cfg.name!r}: {' '.join(first)}") from exc
    model.to(device).eval()
    return Checkpoint(model, meta, path)

