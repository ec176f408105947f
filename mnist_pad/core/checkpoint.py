"""Checkpoints: safetensors weights plus JSON metadata in the same file's header. Never pickle.

Saving is atomic (a temporary file beside the target, fsync, then rename), so an interrupted save never
leaves a half-written file at the output path. Loading refuses, with a message that names the file, a
missing, truncated or foreign file and weights that do not fit the architecture they claim.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .models import ArchConfig, ConvNet

META_KEY = "mnist_pad"
FORMAT_VERSION = 1


class CheckpointError(RuntimeError):
    """A checkpoint cannot be loaded or saved; the message says which file and why."""


@dataclass
class Checkpoint:
    model: ConvNet
    meta: dict  # arch, dataset, classes, normalize, accuracies, recipe, version, created, ...
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.meta.get("name") or (self.path.stem if self.path else self.meta["arch"]["name"])


def _version() -> str:
    from .. import __version__

    return __version__


def save(path: str | os.PathLike, model: ConvNet, **meta) -> Path:
    """Write ``model`` and ``meta`` (JSON-serialisable) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT_VERSION,
        "arch": model.cfg.to_dict(),
        "normalize": [float(model.input_mean), float(model.input_std)],
        "version": _version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **meta,
    }
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={META_KEY: json.dumps(header)})
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_meta(path: str | os.PathLike) -> dict:
    """The metadata of a checkpoint without loading its weights."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            if not 0 < n < 100_000_000 or path.stat().st_size < 8 + n:
                raise CheckpointError(f"{path}: not a safetensors checkpoint (bad or truncated header)")
            header = json.loads(f.read(n))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: not a safetensors checkpoint ({exc})") from exc
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    raw = metadata.get(META_KEY) if isinstance(metadata, dict) else None
    if raw is None:
        raise CheckpointError(f"{path}: a safetensors file, but not an mnist-pad checkpoint (no '{META_KEY}' metadata)")
    try:
        meta = json.loads(raw)
    except ValueError as exc:
        raise CheckpointError(f"{path}: its mnist-pad metadata is not valid JSON") from exc
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: its mnist-pad metadata is not a JSON object")
    if meta.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format {meta.get('format')!r}; this version reads {FORMAT_VERSION}")
    return meta


def load(path: str | os.PathLike, device: str | torch.device = "cpu") -> Checkpoint:
    path = Path(path)
    meta = read_meta(path)
    try:
        cfg = ArchConfig.from_dict(meta["arch"])
        model = ConvNet(cfg, tuple(meta.get("normalize", (0.1307, 0.3081))))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: its architecture description cannot be built ({exc})") from exc
    try:
        tensors = load_file(path)
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: the weights cannot be read; the file is truncated or corrupt ({exc})") from exc
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0:3]
        raise CheckpointError(f"{path}: the weights do not fit architecture {cfg.name!r}: {' '.join(first)}") from exc
    model.to(device).eval()
    return Checkpoint(model, meta, path)

