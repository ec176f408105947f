"""One labelled drawing and its file: the JSON that keeps the strokes (to redraw them on the canvas) and the
preprocessed 28x28 image (what the network is trained on), and the checks every field read from a file goes
through. :mod:`mnist_pad.core.samples` keeps a folder of these; :mod:`mnist_pad.core.exchange` reads and
writes the folders users exchange."""

from __future__ import annotations

import base64
import math
import os
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .data import DIGITS, Split
from .files import BadInput, dumps_json, is_temp_name, loads_json, read_limited, remove_stale_temps
from .preprocess import SIZE, PreprocessError, preprocess
from .strokes import Strokes

CLASSES = len(DIGITS)  # digits 0-9
FORMAT = "mnist-pad-sample"
VERSION = 1
SUFFIX = ".json"
ID_RE = re.compile(r"[0-9]{13}-[0-9a-f]{8}")  # what new_id() makes; the only ids a file name is built from
MAX_SAMPLE_BYTES = 16 << 20  # a sample file is a few KB; one larger than this is not ours



@dataclass(frozen=True)
class Sample:
    id: str
    label: int  # 0..9
    image: np.ndarray  # (28, 28) uint8, ink high: the network input
    strokes: Strokes | None  # None for samples that came from image files
    created: float  # Unix time, seconds
    meta: dict = field(default_factory=dict)  # free-form JSON (e.g. the canvas pen width)


@dataclass(frozen=True)
class LoadProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def new_id() -> str:
    """Sortable by creation time (milliseconds) and unique across processes (random suffix)."""
    return f"{time.time_ns() // 1_000_000:013d}-{secrets.token_hex(4)}"


def check_id(sample_id: object) -> str:
    """A sample id read from a file, if it has the store's own format: ids become file names, so anything
    else (``../../x``, an absolute path, ``sub/x``) is refused."""
    if not isinstance(sample_id, str) or not ID_RE.fullmatch(sample_id):
        raise ValueError(f"id {str(sample_id)[:40]!r} is not a sample id")
    return sample_id


def check_label(label: int) -> int:
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= int(label) < CLASSES:
        raise ValueError(f"label must be a digit 0-{CLASSES - 1}, not {label!r}")
    return int(label)


def to_image28(image: np.ndarray) -> np.ndarray:
    """The stored network input from a drawing: a (28, 28) array is taken as already preprocessed
    (uint8 0..255 or float 0..1, ink high); anything larger goes through :func:`preprocess` first."""
    a = np.asarray(image)
    if a.shape != (SIZE, SIZE):
        pre = preprocess(a)
        if pre.empty:
            raise PreprocessError("the drawing has no ink; nothing to keep")
        a = pre.image
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if not np.issubdtype(a.dtype, np.number):
        raise PreprocessError(f"expected numbers, got dtype {a.dtype}")
    return np.round(np.clip(np.nan_to_num(a.astype(np.float32)), 0, 1) * 255).astype(np.uint8)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def encode(sample: Sample) -> bytes:
    """The JSON bytes of one sample file (image and strokes as base64 so that 5,000 load fast)."""
    doc = {
        "format": FORMAT, "version": VERSION, "id": sample.id, "label": sample.label, "created": sample.created,
        "image": _b64(sample.image.tobytes()), "meta": sample.meta, "strokes": None,
    }
    if sample.strokes is not None:
        points = np.concatenate(sample.strokes) if sample.strokes else np.zeros((0, 3), np.float32)
        doc["strokes"] = {"lengths": [len(s) for s in sample.strokes], "points": _b64(points.astype("<f4").tobytes())}
    return dumps_json(doc, separators=(",", ":")).encode()


def decode(raw: bytes) -> Sample:
    """Parse and validate one sample file's bytes; ValueError (with the reason) when it is damaged."""
    try:
        doc = loads_json(raw)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not an mnist-pad sample file")
    if doc.get("version") != VERSION:
        raise ValueError(f"sample format version {doc.get('version')!r}; this version reads {VERSION}")
    try:
        image = np.frombuffer(base64.b64decode(doc["image"], validate=True), np.uint8)
        if image.size != SIZE * SIZE:
            raise ValueError(f"image has {image.size} bytes, not {SIZE * SIZE}")
        strokes = None
        if doc.get("strokes") is not None:
            lengths = [int(n) for n in doc["strokes"]["lengths"]]
            points = np.frombuffer(base64.b64decode(doc["strokes"]["points"], validate=True), "<f4")
            if points.size != 3 * sum(lengths) or min(lengths, default=1) < 1:
                raise ValueError("stroke points do not match their lengths")
            strokes = np.split(points.reshape(-1, 3).astype(np.float32), np.cumsum(lengths)[:-1])
        meta = doc.get("meta") or {}
        if not isinstance(meta, dict):
            raise ValueError("meta is not an object")
        created = float(doc["created"])
        if not math.isfinite(created):
            raise ValueError(f"creation time {created} is not a time")
        return Sample(check_id(doc["id"]), check_label(doc["label"]), image.reshape(SIZE, SIZE), strokes, created, meta)
    except (KeyError, TypeError, base64.binascii.Error) as exc:
        raise ValueError(f"missing or malformed field ({type(exc).__name__}: {exc})") from None


def samples_to_split(items: Sequence[Sample]) -> Split:
    images = np.stack([s.image for s in items]) if items else np.zeros((0, SIZE, SIZE), np.uint8)
    labels = np.array([s.label for s in items], np.int64)
    return Split(torch.from_numpy(images), torch.from_numpy(labels))


def read_store(root: str | os.PathLike) -> tuple[list[Sample], list[LoadProblem]]:
    """Every sample file in a store folder; damaged ones become problems, reported once and skipped.
    Another process may be adding or deleting samples meanwhile: a file that vanishes between the listing
    and the reading is simply gone, not damaged. Temporary files whose writer is gone are removed."""
    root = Path(root)
    samples, problems = [], []
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return samples, problems
    except OSError as exc:
        return samples, [LoadProblem(root, f"the samples folder cannot be read ({exc.strerror or exc})")]
    if any(is_temp_name(e.name) for e in entries):
        remove_stale_temps(root)
    for entry in entries:
        name = entry.name
        if name.startswith(".") or not name.endswith(SUFFIX):
            continue
        path = Path(entry.path)
        try:
            sample = decode(read_limited(path, MAX_SAMPLE_BYTES, "sample file", regular=_is_regular(entry)))
            if sample.id != name[: -len(SUFFIX)]:
                raise ValueError(f"its id {sample.id!r} does not match the file name")
            samples.append(sample)
        except BadInput as exc:
            if path.exists() or path.is_symlink():  # else deleted by another process since the listing
                problems.append(LoadProblem(path, str(exc).removeprefix(f"{path}: ")))
        except ValueError as exc:
            problems.append(LoadProblem(path, str(exc)))
    return samples, problems


def _is_regular(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:  # a link loop: read_limited says so
        return False
