"""Models made with other tools, opened by their file's suffix (docs/foreign-models.md):

- ``.onnx``: any digit classifier taking one 28x28 grey image and giving 10 values (logits or probabilities),
  run by ONNX Runtime (:mod:`~mnist_pad.core.foreign_onnx`): probabilities, statuses, feature maps,
  occlusion; no gradients.
- ``.pth`` / ``.pt``: the state dict the PyTorch article's code saves (``cnn.pth`` of its ``Net``), or one of
  our own ConvNet (:mod:`~mnist_pad.core.foreign_torch`); ``.h5`` / ``.keras``: the Keras articles' saved
  weights (:mod:`~mnist_pad.core.foreign_keras`). Both become a :class:`~mnist_pad.core.models.ConvNet` of a
  seed architecture, so everything the app does for its own models works, fine-tuning included.

The input scaling a model was trained with is not in these files. It is a choice (:data:`INPUT_NORMS`),
guessed from the file where it can be (:func:`guess_input_norm`) and kept beside it in a small JSON file
(:func:`remember_input_norm`), which later guesses read first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from .checkpoint import Checkpoint, metadata, weights, write
from .data import DIGITS, get_spec
from .explain import Predictor
from .files import BadInput, check_input_file, dumps_json, loads_json, read_limited, write_atomic
from .models import MNIST_MEAN_STD, ConvNet
from .recipes import datasets_for

if TYPE_CHECKING:
    from .foreign_onnx import OnnxClassifier

# name -> (mean, std) on a 0..1 scale: the model receives (pixel - mean) / std
INPUT_NORMS: dict[str, tuple[float, float]] = {"unit": (0.0, 1.0), "mnist": MNIST_MEAN_STD, "symmetric": (0.5, 0.5)}
NORM_TEXT = {"unit": "0..1", "mnist": "MNIST mean/std", "symmetric": "-1..1"}
FORMATS = {".onnx": "onnx", ".pth": "torch", ".pt": "torch", ".h5": "keras", ".keras": "keras"}
MAX_BYTES = 1 << 30  # a model file larger than this is not a small digit classifier
SIDECAR = ".mnist-pad.json"  # beside the model: model.onnx -> model.onnx.mnist-pad.json
MAX_SIDECAR = 4096


class ForeignModelError(BadInput):
    """A model file of another tool that cannot be used; the message names the file and says why (exit code 2)."""


@dataclass(frozen=True)
class NormGuess:
    """The input scaling to offer for a file: ``name`` (a key of :data:`INPUT_NORMS`), why, and whether the
    file (or an earlier choice) says so (``certain``) or it is only the usual default."""

    name: str
    reason: str
    certain: bool


def is_foreign(path: str | os.PathLike) -> bool:
    """Whether ``path`` has the suffix of a model file of another tool (:data:`FORMATS`)."""
    return Path(path).suffix.lower() in FORMATS


def sidecar_path(path: str | os.PathLike) -> Path:
    """Where the input scaling chosen for the model ``path`` is kept."""
    path = Path(path)
    return path.with_name(path.name + SIDECAR)


def remember_input_norm(path: str | os.PathLike, name: str) -> Path:
    """Keep ``name`` as the input scaling of the model ``path``, beside it (written atomically); returns the
    file written. A folder that cannot be written raises :class:`~mnist_pad.core.files.WriteFailed`."""
    _check_norm(name)
    return write_atomic(sidecar_path(path), (dumps_json({"input_norm": name}) + "\n").encode())


def saved_input_norm(path: str | os.PathLike) -> str | None:
    """The scaling kept beside ``path`` by :func:`remember_input_norm`; None without one (or with a damaged one,
    which a new choice replaces: the file is ours, and the model opens without it)."""
    side = sidecar_path(path)
    if not side.exists():
        return None
    try:
        name = loads_json(read_limited(side, MAX_SIDECAR, "scaling file")).get("input_norm")
    except (BadInput, ValueError, AttributeError):
        return None
    return name if name in INPUT_NORMS else None


def guess_input_norm(path: str | os.PathLike) -> NormGuess:
    """The input scaling to offer for the model file ``path``: the one chosen before (kept beside it), else
    what the file tells (our own normalisation in a ConvNet state dict or an mnist-pad ONNX export; the
    PyTorch article's -1..1; the Keras articles' 0..1), else 0..1, not certain."""
    saved = saved_input_norm(path)
    if saved is not None:
        return NormGuess(saved, f"chosen before (kept in {sidecar_path(path).name})", True)
    kind, data = _read(path)
    if kind == "onnx":
        from .foreign_onnx import guess_norm
    elif kind == "torch":
        from .foreign_torch import guess_norm
    else:
        from .foreign_keras import guess_norm
    with _unexpected(path):
        return guess_norm(Path(path), data)


@contextmanager
def _unexpected(path: str | os.PathLike) -> Iterator[None]:
    """A file that parses but holds what the readers did not foresee (a tensor of another rank, a missing
    entry, a group where a dataset should be) is refused as unreadable, naming it, not a traceback."""
    try:
        yield
    except ForeignModelError:
        raise
    except (KeyError, IndexError, AttributeError, TypeError, ValueError, RuntimeError) as exc:
        raise ForeignModelError(f"{path}: not a model mnist-pad can read ({type(exc).__name__}: "
                                f"{str(exc).splitlines()[0][:120] if str(exc) else 'unexpected contents'})") from None


def open_model(path: str | os.PathLike, input_norm: str | None = None,
               device: str | torch.device = "cpu") -> Checkpoint | OnnxClassifier:
    """The model in ``path`` with ``input_norm`` (default: :func:`guess_input_norm`): a
    :class:`~mnist_pad.core.foreign_onnx.OnnxClassifier` for ONNX (on the CPU), else a
    :class:`~mnist_pad.core.checkpoint.Checkpoint` of a ConvNet on ``device`` whose ``path`` is the file read
    (it is not a safetensors checkpoint: :func:`import_model` writes one). Refused with a
    :class:`ForeignModelError` naming the file."""
    name = input_norm or guess_input_norm(path).name
    _check_norm(name)
    kind, data = _read(path)
    path = Path(path)
    if kind == "onnx":
        from .foreign_onnx import OnnxClassifier

        with _unexpected(path):
            return OnnxClassifier(path, data, INPUT_NORMS[name])
    if kind == "torch":
        from .foreign_torch import read_state_dict as read
    else:
        from .foreign_keras import read_keras as read
    with _unexpected(path):
        model, source = read(path, data)
        set_input_norm(model, name)
    spec = get_spec((datasets_for(model.cfg) or ["mnist"])[0])  # a colour net's state dict is a CIFAR-10 model
    meta = metadata(model, name=path.stem, dataset=spec.name, classes=list(spec.classes),
                    source={"file": str(path.resolve()), "format": source, "input_norm": name})
    return Checkpoint(model.to(device).eval(), meta, path)


def predictor_for(model: Checkpoint | OnnxClassifier, **options) -> Predictor:
    """The pad's predictor for what :func:`open_model` gave: a :class:`~mnist_pad.core.explain.Predictor` of
    the checkpoint (``options`` as :meth:`~mnist_pad.core.explain.Predictor.for_checkpoint` takes them), or an
    :class:`~mnist_pad.core.foreign_onnx.OnnxPredictor` (``gradients`` False: occlusion only)."""
    if isinstance(model, Checkpoint):
        return Predictor.for_checkpoint(model, **options)
    from .foreign_onnx import OnnxPredictor

    return OnnxPredictor(model)  # an OnnxClassifier as open_model gives it


def open_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu",
                    input_norm: str | None = None) -> Checkpoint:
    """The model in ``path`` as the window and the jobs hold a model (:func:`mnist_pad.core.checkpoint.load`
    comes here for these formats): a converted PyTorch or Keras model as :func:`open_model` gives it, or an
    ONNX model as a Checkpoint whose ``model`` is the :class:`~mnist_pad.core.foreign_onnx.OnnxClassifier`
    (predicted, evaluated and looked into by occlusion; not trained)."""
    model = open_model(path, input_norm, device)
    if isinstance(model, Checkpoint):
        return model
    path = Path(path)
    name = norm_of(*model.normalize)
    meta = {"name": path.stem, "arch": {"name": "onnx"}, "dataset": "mnist", "classes": list(DIGITS),
            "source": {"file": str(path.resolve()), "format": "onnx", "input_norm": name}}
    return Checkpoint(model, meta, path)


def is_trainable(checkpoint: Checkpoint) -> bool:
    """Whether the model is a torch net (ours, or converted): not an ONNX model run as it is."""
    return isinstance(checkpoint.model, torch.nn.Module)


def import_model(path: str | os.PathLike, input_norm: str | None = None) -> Path:
    """Convert the PyTorch or Keras model ``path`` into a new checkpoint in the user's models folder (named
    after the file: ``cnn.pth`` -> ``cnn``, ``cnn-2``, ...) and return its path: a model the window lists,
    fine-tunes, evaluates and renames like its own (its jobs load models by path). ONNX models are refused:
    they are run as they are (:func:`open_model`)."""
    from .catalog import new_model_path

    if FORMATS.get(Path(path).suffix.lower()) == "onnx":
        raise ForeignModelError(f"{path}: an ONNX model is run as it is, not converted (it cannot be fine-tuned)")
    ckpt = open_model(path, input_norm)
    out = new_model_path(Path(path).stem)
    return write(out, weights(ckpt.model), {**ckpt.meta, "name": out.stem})


def set_input_norm(model: ConvNet, name: str) -> None:
    """Make ``model`` normalise its 0..1 inputs as ``name`` says (its ``input_mean`` / ``input_std``)."""
    mean, std = INPUT_NORMS[name]
    with torch.no_grad():
        model.input_mean.fill_(mean)
        model.input_std.fill_(std)


def norm_of(mean: float, std: float) -> str | None:
    """The name of the scaling (mean, std), if it is one of :data:`INPUT_NORMS`."""
    return next((n for n, (m, s) in INPUT_NORMS.items() if abs(m - mean) < 1e-4 and abs(s - std) < 1e-4), None)


def _check_norm(name: str) -> None:
    if name not in INPUT_NORMS:
        raise BadInput(f"--input-norm {name}: not a scaling; choose {', '.join(INPUT_NORMS)}")


def _read(path: str | os.PathLike) -> tuple[str, bytes]:
    """(the format by the suffix, the file's bytes), read with a size bound."""
    kind = FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise ForeignModelError(f"{path}: not a model file of another tool (expected {', '.join(FORMATS)})")
    check_input_file(path, "model file")
    return kind, read_limited(path, MAX_BYTES, "model file")
