"""The user's labelled drawings: a folder with one JSON file per sample that keeps the strokes (to redraw
them on the canvas) and the preprocessed 28x28 image (what the network is trained on).

Why one file per sample and no manifest: every add is a temporary file, fsync, then ``os.replace``, so a
crash or SIGKILL mid-write loses at most that one sample, and a damaged file is reported in
:attr:`SampleStore.problems` and skipped without touching the others. There is nothing shared to corrupt.

The exchange format (:meth:`SampleStore.export_folder`, :meth:`SampleStore.import_folder`, and what
``mnist-pad finetune --samples DIR`` reads) is a folder ``<label>/<id>.png`` (28x28, white ink on black as
in MNIST) plus ``manifest.json`` carrying ids, creation times and strokes. The folder name is the label
(so moving a file relabels it); the manifest is optional, and a corrupt one is reported and ignored.
"""

from __future__ import annotations

import base64
import io
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .data import DIGITS, Split
from .files import (
    BadInput, check_input_file, check_output, dumps_json, fsync_dir, is_temp_name, loads_json, read_limited,
    remove_stale_temps, write_atomic, write_tree_atomic,
)
from .paths import samples_dir
from .preprocess import SIZE, PreprocessError, load_image, preprocess
from .strokes import Strokes, check_strokes, render

CLASSES = len(DIGITS)  # digits 0-9
FORMAT = "mnist-pad-sample"
VERSION = 1
MANIFEST = "manifest.json"
SUFFIX = ".json"
ID_RE = re.compile(r"[0-9]{13}-[0-9a-f]{8}")  # what new_id() makes; the only ids a file name is built from
MAX_SAMPLE_BYTES = 16 << 20  # a sample file is a few KB; one larger than this is not ours
MAX_MANIFEST_BYTES = 1 << 30  # an exchange manifest holds every sample's strokes: a few KB each



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


class SampleStore:
    """The sample folder, loaded once into memory and written through on every change. Thread-safe: the
    training tab may add samples while a worker holds a :meth:`as_split` snapshot."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else samples_dir()
        self._lock = threading.RLock()
        self._samples: dict[str, Sample] = {}
        self.problems: list[LoadProblem] = []  # damaged files found by the last load, reported and skipped
        self.reload()

    # --- reading ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read every sample file again (after another process changed the folder)."""
        samples, problems = read_store(self.root)
        with self._lock:
            self._samples = {s.id: s for s in samples}
            self.problems = problems

    def __len__(self) -> int:
        return len(self._samples)

    def __contains__(self, sample_id: str) -> bool:
        return sample_id in self._samples

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples())

    def samples(self, label: int | None = None) -> list[Sample]:
        """All samples (or one class's), oldest first."""
        with self._lock:
            items = list(self._samples.values())
        if label is not None:
            items = [s for s in items if s.label == label]
        return sorted(items, key=lambda s: (s.created, s.id))

    def get(self, sample_id: str) -> Sample:
        try:
            return self._samples[sample_id]
        except KeyError:
            raise KeyError(f"no sample {sample_id!r} in {self.root}") from None

    def counts(self) -> list[int]:
        """Number of samples of each class 0..9."""
        with self._lock:
            labels = [s.label for s in self._samples.values()]
        return np.bincount(np.asarray(labels, np.int64), minlength=CLASSES).tolist()

    def fewest(self, k: int = 3) -> list[int]:
        """The ``k`` classes with the fewest samples (ties: the lower digit first): the ones to ask for."""
        counts = self.counts()
        return sorted(range(CLASSES), key=lambda c: (counts[c], c))[:k]

    def as_split(self, ids: Sequence[str] | None = None) -> Split:
        """A snapshot for evaluation and fine-tuning: uint8 images (n, 28, 28), labels (n,), oldest first."""
        items = self.samples() if ids is None else [self.get(i) for i in ids]
        return samples_to_split(items)

    # --- writing ---------------------------------------------------------------------------------------
    def add(self, label: int, image: np.ndarray | None = None, strokes: Sequence | None = None,
            meta: dict | None = None) -> str:
        """Keep a labelled drawing; returns its id. ``image`` is the canvas drawing (any size, ink high;
        preprocessed here) or the 28x28 network input; without it, ``strokes`` are rendered (Qt-free) and
        preprocessed. The file is on disk (fsynced) when this returns."""
        label = check_label(label)
        checked = check_strokes(strokes) if strokes is not None else None
        if image is None:
            if not checked:
                raise ValueError("give the drawing's image or its strokes")
            image = render(checked)
        sample = Sample(new_id(), label, to_image28(image), checked, time.time(), dict(meta or {}))
        self._write(sample)
        return sample.id

    def add_sample(self, sample: Sample) -> str:
        """Store an existing :class:`Sample` (an import) under a new id if its id is taken."""
        if sample.id in self._samples or not ID_RE.fullmatch(sample.id):
            sample = Sample(new_id(), sample.label, sample.image, sample.strokes, sample.created, sample.meta)
        self._write(sample)
        return sample.id

    def relabel(self, sample_id: str, label: int) -> None:
        s = self.get(sample_id)
        self._write(Sample(s.id, check_label(label), s.image, s.strokes, s.created, s.meta))

    def delete(self, sample_id: str) -> None:
        self.get(sample_id)
        with self._lock:
            (self.root / f"{check_id(sample_id)}{SUFFIX}").unlink(missing_ok=True)
            fsync_dir(self.root)
            del self._samples[sample_id]

    def _write(self, sample: Sample) -> None:
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(self.root / f"{check_id(sample.id)}{SUFFIX}", encode(sample), tidy=False)
            self._samples[sample.id] = sample

    # --- exchange ----------------------------------------------------------------------------------------
    def export_folder(self, folder: str | os.PathLike) -> Path:
        """Write ``<label>/<id>.png`` and ``manifest.json`` (ids, labels, files, times, strokes)."""
        return write_folder(self.samples(), folder)

    def import_folder(self, folder: str | os.PathLike) -> tuple[list[str], list[LoadProblem]]:
        """Add every sample of an exported folder (or a plain ``<label>/*.png`` tree); returns the new ids
        and the files that could not be read (skipped)."""
        samples, problems = read_folder(folder)
        return [self.add_sample(s) for s in samples], problems

    def export_npz(self, path: str | os.PathLike) -> Path:
        """``images`` uint8 (n, 28, 28), ``labels`` int64, ``ids``, ``created``: for numpy users."""
        items = self.samples()
        split = samples_to_split(items)
        buf = io.BytesIO()
        np.savez_compressed(buf, images=split.images.numpy(), labels=split.labels.numpy(),
                            ids=np.array([s.id for s in items]), created=np.array([s.created for s in items]))
        return write_atomic(path, buf.getvalue())

    def export_idx(self, folder: str | os.PathLike, prefix: str = "samples") -> tuple[Path, Path]:
        """``<prefix>-images-idx3-ubyte`` and ``<prefix>-labels-idx1-ubyte``, as MNIST's own files."""
        split = self.as_split()
        folder = Path(folder)
        n = len(split)
        images, labels = folder / f"{prefix}-images-idx3-ubyte", folder / f"{prefix}-labels-idx1-ubyte"
        header = lambda magic, *dims: b"".join(int(v).to_bytes(4, "big") for v in (magic, *dims))  # noqa: E731
        write_atomic(images, header(2051, n, SIZE, SIZE) + split.images.numpy().tobytes())
        write_atomic(labels, header(2049, n) + split.labels.numpy().astype(np.uint8).tobytes())
        return images, labels


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


def _strokes_to_json(strokes: Strokes | None) -> list | None:
    return None if strokes is None else [np.round(s.astype(np.float64), 5).tolist() for s in strokes]


def _png(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def write_folder(samples: Sequence[Sample], folder: str | os.PathLike) -> Path:
    """The exchange format: ``<label>/<id>.png`` (white ink on black, 28x28) plus ``manifest.json``, into a
    new or empty ``folder`` (one that holds anything is refused: an export overwrites nothing). The folder
    appears whole or not at all: it is written beside, then renamed into place."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        what = "holds files already" if folder.is_dir() else "is a file"
        raise BadInput(f"{folder}: {what}; export into a new or empty folder")
    check_output(folder / MANIFEST, "export folder")
    entries, files = [], {}
    for s in samples:
        rel = f"{s.label}/{check_id(s.id)}.png"
        files[rel] = _png(s.image)
        entries.append({"id": s.id, "label": s.label, "file": rel, "created": s.created,
                        "strokes": _strokes_to_json(s.strokes), "meta": s.meta})
    manifest = {"format": "mnist-pad-samples", "version": VERSION, "classes": list(DIGITS),
                "samples": entries}
    files[MANIFEST] = dumps_json(manifest, separators=(",", ":")).encode()
    return write_tree_atomic(folder, files)


def _read_manifest(folder: Path, problems: list[LoadProblem]) -> dict[str, dict]:
    """Manifest entries keyed by relative file path; a missing manifest is fine, a broken one a problem."""
    path = folder / MANIFEST
    if not (path.exists() or path.is_symlink()):
        return {}
    try:
        doc = loads_json(read_limited(path, MAX_MANIFEST_BYTES, "manifest"))
        entries = doc["samples"]
        return {str(e["file"]): e for e in entries if isinstance(e, dict) and "file" in e}
    except BadInput as exc:
        problems.append(LoadProblem(path, f"manifest unreadable, labels taken from folder names "
                                          f"({str(exc).removeprefix(f'{path}: ')})"))
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(LoadProblem(path, f"manifest unreadable, labels taken from folder names ({exc})"))
    return {}


def read_image_file(path: Path) -> np.ndarray:
    """A PNG as the 28x28 uint8 network input: 28x28 files are taken as they are (either polarity),
    larger images of a digit are preprocessed like a drawing."""
    return to_image28(load_image(path))


def _from_file(path: Path, label: int, entry: dict) -> Sample:
    """One exchange-format image and its manifest entry. The manifest is untrusted: an id that is not in
    the store's own format is replaced by a new one (ids become file names), times must be times."""
    image = read_image_file(path)
    strokes = check_strokes(entry["strokes"]) if entry.get("strokes") is not None else None
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    candidate = entry.get("id") or path.stem
    sample_id = candidate if isinstance(candidate, str) and ID_RE.fullmatch(candidate) else new_id()
    created = float(entry.get("created") or path.stat().st_mtime)
    if not math.isfinite(created):
        raise ValueError(f"creation time {created} in the manifest is not a time")
    return Sample(sample_id, label, image, strokes, created, meta)


def read_folder(folder: str | os.PathLike) -> tuple[list[Sample], list[LoadProblem]]:
    """Read the exchange format (``<label>/*.png`` [+ ``manifest.json``]) or a store folder (``*.json``
    sample files); unreadable entries, and folders that are not a label 0-9, are reported and skipped.
    Raises :class:`BadInput` when ``folder`` is not a folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"{folder}: {'is not a folder' if folder.exists() else 'no such samples folder'}")
    labels = [c for c in range(CLASSES) if (folder / str(c)).is_dir()]
    if not (folder / MANIFEST).exists() and not labels:
        return read_store(folder)
    problems: list[LoadProblem] = []
    manifest = _read_manifest(folder, problems)
    samples = []
    for path in _listing(folder, problems):
        if path.is_dir() and not path.name.startswith(".") and path.name not in map(str, labels):
            problems.append(LoadProblem(path, "not a label folder (0-9)"))
    for c in labels:
        for path in _listing(folder / str(c), problems):
            if path.name.startswith("."):
                continue
            rel = f"{c}/{path.name}"
            try:
                samples.append(_from_file(check_input_file(path, "image"), c, manifest.pop(rel, {})))
            except (OSError, ValueError, TypeError) as exc:
                problems.append(LoadProblem(path, str(exc).removeprefix(f"{path}: ")))
    problems += [LoadProblem(folder / rel, "listed in the manifest but missing") for rel in manifest]
    # In creation order, as the store lists them (file names sort by id, whose random part decides between
    # samples made in the same millisecond).
    samples.sort(key=lambda s: (s.created, s.id))
    return samples, problems


def _listing(folder: Path, problems: list[LoadProblem]) -> list[Path]:
    """The entries of ``folder`` by name; one that cannot be listed is a problem, not a crash."""
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        problems.append(LoadProblem(folder, f"cannot be listed ({exc.strerror or exc})"))
        return []
