"""CIFAR-10's python version: its batches, read from the published archive (``cifar-10-python.tar.gz``) as it is
or from its files unpacked.

Each batch is a pickle written by Python 2's cPickle: a dict whose ``data`` is a numpy uint8 array (n, 3072),
each row the red, green and blue planes of a 32x32 image in turn, and whose ``labels`` is a list of n class
numbers (also ``batch_label`` and ``filenames``). A pickle can run any code it names, so these are read by
:class:`_BatchUnpickler`, which knows only what such a batch holds: plain lists, dicts, strings and numbers,
and numpy arrays of unsigned bytes, which it rebuilds itself from their bytes. A pickle that asks for anything
else is refused before anything of it runs.
"""

from __future__ import annotations

import io
import math
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np

from .data import DataError, DatasetSpec, check_labels, check_md5
from .files import BadInput, read_limited

MAX_BATCH = 64 << 20  # bytes: a batch of 10,000 images is 30.7 MB


class _Refused(pickle.UnpicklingError):
    """The pickle asks for something a batch does not hold (the message says what)."""


class _DType:
    """A numpy dtype as a pickle names it: only its name is kept (``u1`` is numpy's name for uint8)."""

    def __init__(self, name: str | bytes, align: bool = False, copy: bool = True) -> None:
        self.name = name.decode("latin1") if isinstance(name, bytes) else name

    def __setstate__(self, state: tuple) -> None:
        """The byte order and field layout, which mean nothing for single bytes."""


class _Array:
    """A numpy array as a pickle describes it, rebuilt from its bytes; only arrays of unsigned bytes."""

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: tuple) -> None:
        try:
            _version, shape, dtype, fortran_order, raw = state
        except (TypeError, ValueError):
            raise pickle.UnpicklingError("an array pickled in an unknown form") from None
        if not isinstance(dtype, _DType) or dtype.name != "u1" or fortran_order:
            raise _Refused("an array that is not of unsigned bytes in C order")
        if isinstance(raw, str):  # Python 2's str read as text: its code points are the bytes
            raw = raw.encode("latin1")
        if not (isinstance(shape, tuple) and all(isinstance(d, int) and d >= 0 for d in shape)
                and isinstance(raw, bytes) and len(raw) == math.prod(shape)):
            raise pickle.UnpicklingError(f"an array whose {len(raw) if isinstance(raw, bytes) else '?'} bytes do "
                                         f"not fill its shape {shape!r}")
        self.array = np.frombuffer(raw, np.uint8).reshape(shape)


def _reconstruct(cls: type, shape: tuple, typecode: bytes | str) -> _Array:
    """numpy's ``_reconstruct``, for ndarrays only: the empty array that the pickle's state then fills."""
    if cls is not _Array:
        raise _Refused("numpy's _reconstruct of something other than an ndarray")
    return _Array()


def _encode(text: str, encoding: str) -> bytes:
    """``_codecs.encode``, which a Python 3 pickle of protocol 2 calls to make bytes: latin-1 only."""
    if not isinstance(text, str) or encoding != "latin1":
        raise _Refused(f"_codecs.encode to {encoding!r}")
    return text.encode("latin1")


# What a pickled batch may name, and what stands in for it here. numpy 1 wrote numpy.core, numpy 2 numpy._core.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _Array,
    ("numpy", "dtype"): _DType,
    ("_codecs", "encode"): _encode,
}


class _BatchUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(f"{module}.{name}") from None

    def persistent_load(self, pid):
        raise _Refused("a persistent id")


def read_batch(raw: bytes, where: str, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, 3, size, size), labels int64 (n,)) of one pickled batch; ``where`` names it in errors."""
    try:
        batch = _BatchUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except _Refused as exc:
        raise DataError(f"{where}: refused: its pickle asks for {exc}, which a CIFAR-10 batch does not hold "
                        "(nothing of it was run)") from None
    except Exception as exc:  # noqa: BLE001 - whatever a damaged pickle makes the unpickler raise
        raise DataError(f"{where}: not a CIFAR-10 batch ({type(exc).__name__}: {exc}); the file is truncated or "
                        "corrupt") from None
    data = batch.get(b"data") if isinstance(batch, dict) else None
    labels = batch.get(b"labels") if isinstance(batch, dict) else None
    if not isinstance(data, _Array) or not isinstance(labels, list):
        raise DataError(f"{where}: not a CIFAR-10 batch (no 'data' array and 'labels' list in it)")
    pixels = 3 * size * size
    if data.array is None or data.array.ndim != 2 or data.array.shape[1] != pixels:
        shape = None if data.array is None else data.array.shape
        raise DataError(f"{where}: its data is {shape}, not (n, {pixels}): {size}x{size} RGB images")
    if len(labels) != len(data.array):
        raise DataError(f"{where}: {len(data.array)} images but {len(labels)} labels")
    if not all(type(label) is int for label in labels):
        raise DataError(f"{where}: its labels are not all whole numbers")
    return data.array.reshape(-1, 3, size, size), np.asarray(labels, np.int64)


def _batches_from_archive(archive: Path, members: dict[str, str]) -> dict[str, bytes]:
    """The bytes of ``members`` (member path -> file name) of a .tar.gz, read in one pass over it."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for member in tar:
                if member.name in members and member.isfile() and member.size <= MAX_BATCH:
                    found[members[member.name]] = tar.extractfile(member).read()
                    if len(found) == len(members):
                        break
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{archive}: cannot be read ({exc}); the file is truncated or corrupt") from None
    missing = [path for path, name in members.items() if name not in found]
    if missing:
        raise DataError(f"{archive}: has no {missing[0]}; not the CIFAR-10 python archive")
    return found


def read_split(spec: DatasetSpec, paths: dict[str, Path], split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, 3, size, size), labels int64 (n,)) of ``split``: its batches in order (data_batch_1 to
    5, or test_batch) from the archive or the files of ``paths`` (as :func:`mnist_pad.core.data.locate` gives
    them), each checked against its published md5 before it is unpickled."""
    roles = [role for role in spec.files if role.split("-")[0] == split]
    names = [spec.files[role] for role in roles]
    if paths[roles[0]].name == spec.archive:
        archive = paths[roles[0]]
        raws = _batches_from_archive(archive, {f"{spec.archive_folder}/{name}": name for name in names})
        where = {name: f"{archive}:{spec.archive_folder}/{name}" for name in names}
    else:
        raws, where = {}, {}
        for role, name in zip(roles, names):
            try:
                raws[name] = read_limited(paths[role], MAX_BATCH, "CIFAR-10 batch")
            except BadInput as exc:
                raise DataError(str(exc)) from None
            where[name] = str(paths[role])
    images, labels = [], []
    for name in names:
        check_md5(raws[name], where[name], spec.content_md5.get(name))
        batch_images, batch_labels = read_batch(raws[name], where[name], spec.size)
        check_labels(batch_labels, spec.classes, where[name])
        images.append(batch_images)
        labels.append(batch_labels)
    return np.concatenate(images), np.concatenate(labels)
