"""Keras weights (``.h5`` / ``.keras``) read with h5py, without TensorFlow, and put into the seed net they fit
(``seed-keras``, ``seed-convnet``, ...: :mod:`~mnist_pad.core.foreign_weights`).

Two layouts:
- Keras 2 ``.h5`` (``model.save`` or ``save_weights``): ``[model_weights/]<layer>/<layer>/kernel:0``, the
  layers in the order of the ``layer_names`` attribute, each layer's weights in its ``weight_names`` order;
- Keras 3 (``model.weights.h5`` inside a ``.keras`` zip archive, or a ``.weights.h5`` file):
  ``layers/<class name>[_<n>]/vars/<i>``, numbered in the model's order per class of layer.

Keras stores conv kernels as (kh, kw, in, out), dense kernels as (in, out), normalises with epsilon 1e-3 and
flattens (h, w, c) maps; all of it is turned into torch's layouts here and in :class:`Layers`.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np

from .foreign import MAX_BYTES, ForeignModelError, NormGuess
from .foreign_weights import TORCH_BN_EPS, Layers, seed_archs, to_convnet
from .models import ConvNet

KERAS_BN_EPS = 1e-3  # BatchNormalization's default epsilon
WEIGHTS_IN_ZIP = "model.weights.h5"
MAX_WEIGHTS = 16_000_000  # values in one weight array: seed-convnet's largest layer has 6.4 million
_NUMBERED = re.compile(r"(.*?)(?:_(\d+))?$")


def guess_norm(path: Path, data: bytes) -> NormGuess:
    """The Keras articles divide the pixels by 255."""
    return NormGuess("unit", "the Keras articles scale pixels to 0..1", True)


def read_keras(path: Path, data: bytes) -> tuple[ConvNet, str]:
    """(the seed ConvNet the Keras weights in ``data`` fit, which layout they were in)."""
    try:
        import h5py
    except ImportError:
        raise ForeignModelError(f"{path}: reading Keras weights needs h5py (pip install h5py)") from None
    if path.suffix.lower() == ".keras" or zipfile.is_zipfile(io.BytesIO(data)):  # Keras 3's archive
        data = _weights_in_archive(path, data)
    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            keras3 = "layers" in f or "_layer_checkpoint_dependencies" in f
            named = _keras3_layers(f) if keras3 else _keras2_layers(f)
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ForeignModelError(f"{path}: not readable Keras weights (truncated, damaged or of another kind: "
                                f"{str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__})") from None
    layers = _layers(path, named)
    return to_convnet(layers, path, seed_archs("seed-keras")), "keras 3" if keras3 else "keras 2"


def _weights_in_archive(path: Path, data: bytes) -> bytes:
    """The weights file of a ``.keras`` archive (refused when it would unpack to more than a model can be)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = archive.getinfo(WEIGHTS_IN_ZIP).file_size
            weights = archive.read(WEIGHTS_IN_ZIP) if size <= MAX_BYTES else None
    except KeyError:
        raise ForeignModelError(f"{path}: a zip archive without {WEIGHTS_IN_ZIP}: not a Keras 3 model") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ForeignModelError(f"{path}: not a readable Keras archive (truncated or damaged: {exc})") from None
    if weights is None:
        raise ForeignModelError(f"{path}: its {WEIGHTS_IN_ZIP} unpacks to {size:,} bytes, more than a model can be")
    return weights


def _array(group, name: str) -> np.ndarray:
    """A weight of the file: a float dataset held in it (no link to another file, no virtual or external data:
    h5py would open those files) of at most :data:`MAX_WEIGHTS` values (a small file can hold a compressed
    dataset of gigabytes)."""
    import h5py

    link = group.get(name, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"{name!r} is a link to data elsewhere")
    ds = group[name]
    if not isinstance(ds, h5py.Dataset) or ds.dtype.kind != "f" or ds.is_virtual or ds.external:
        raise ValueError(f"{name!r} is not an array of numbers")
    if ds.size > MAX_WEIGHTS:
        raise ValueError(f"{name!r} holds {ds.size:,} values, more than a digit classifier's layer")
    return np.asarray(ds)


def _keras2_layers(f) -> list[tuple[str, list[np.ndarray]]]:
    root = f["model_weights"] if "model_weights" in f else f
    if "layer_names" not in root.attrs:
        raise ValueError("no layer_names attribute")
    out = []
    for name in map(_text, root.attrs["layer_names"]):
        group = root[name]
        out.append((name, [_array(group, _text(w)) for w in group.attrs.get("weight_names", [])]))
    return out


def _keras3_layers(f) -> list[tuple[str, list[np.ndarray]]]:
    root = f["layers"] if "layers" in f else f["_layer_checkpoint_dependencies"]
    out = []
    for name in sorted(root, key=_class_and_number):
        variables = root[name].get("vars", {})
        out.append((name, [_array(variables, k) for k in sorted(variables, key=int)]))
    return out


def _class_and_number(name: str) -> tuple[str, int]:
    """``conv2d`` -> ("conv2d", 0), ``conv2d_1`` -> ("conv2d", 1): Keras 3 numbers each class's layers in order."""
    m = _NUMBERED.fullmatch(name)
    return m[1], int(m[2] or 0)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _layers(path: Path, named: list[tuple[str, list[np.ndarray]]]) -> Layers:
    """The weighted layers, sorted by kind (by their shapes) in torch's layouts; the flattened dense reads
    Keras's (h, w, c) order."""
    layers = Layers(channels_last=True)
    for name, arrays in named:
        shapes = [a.shape for a in arrays]
        arrays = [a.astype(np.float32) for a in arrays]
        if not arrays:
            continue
        if len(shapes[0]) == 4 and shapes[1:] in ([], [(shapes[0][3],)]):
            layers.convs.append((arrays[0].transpose(3, 2, 0, 1), arrays[1] if len(arrays) > 1 else None))
        elif len(shapes[0]) == 2 and shapes[1:] in ([], [(shapes[0][1],)]):
            layers.denses.append((arrays[0].T, arrays[1] if len(arrays) > 1 else None))
        elif len(shapes) == 4 and len(set(shapes)) == 1 and len(shapes[0]) == 1:
            scale, shift, mean, var = arrays
            layers.norms.append((scale, shift, mean, var + KERAS_BN_EPS - TORCH_BN_EPS))  # same sqrt(var + eps)
        else:
            raise ForeignModelError(f"{path}: layer {name!r} holds weights mnist-pad cannot place "
                                    f"(shapes {', '.join(map(str, shapes))})")
    if not layers.convs and not layers.denses:
        raise ForeignModelError(f"{path}: no layer weights found (an untrained or empty model?)")
    return layers
