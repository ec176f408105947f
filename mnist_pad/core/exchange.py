"""The folders users exchange samples in (the Train tab's Import and Export, ``mnist-pad finetune
--samples DIR``): ``<label>/<id>.png`` (28x28, white ink on black as in MNIST) plus ``manifest.json``
carrying ids, creation times and strokes. The folder name is the label (so moving a file relabels it); the
manifest is optional, and a corrupt one is reported and ignored. Also NPZ and IDX files for other tools.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from .data import DIGITS
from .files import (
    BadInput, check_input_file, check_output, dumps_json, loads_json, read_limited, write_atomic, write_tree_atomic,
)
from .preprocess import SIZE, load_image
from .sample_file import (
    CLASSES, ID_RE, VERSION, LoadProblem, Sample, check_id, new_id, read_store, samples_to_split, to_image28,
)
from .strokes import Strokes, check_strokes

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1 << 30  # an exchange manifest holds every sample's strokes: a few KB each


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


def write_npz(samples: Sequence[Sample], path: str | os.PathLike) -> Path:
    """``images`` uint8 (n, 28, 28), ``labels`` int64, ``ids``, ``created``: for numpy users."""
    split = samples_to_split(samples)
    buf = io.BytesIO()
    np.savez_compressed(buf, images=split.images.numpy(), labels=split.labels.numpy(),
                        ids=np.array([s.id for s in samples]), created=np.array([s.created for s in samples]))
    return write_atomic(path, buf.getvalue())


def write_idx(samples: Sequence[Sample], folder: str | os.PathLike, prefix: str = "samples") -> tuple[Path, Path]:
    """``<prefix>-images-idx3-ubyte`` and ``<prefix>-labels-idx1-ubyte``, as MNIST's own files."""
    split = samples_to_split(samples)
    folder = Path(folder)
    n = len(split)
    images, labels = folder / f"{prefix}-images-idx3-ubyte", folder / f"{prefix}-labels-idx1-ubyte"
    header = lambda magic, *dims: b"".join(int(v).to_bytes(4, "big") for v in (magic, *dims))  # noqa: E731
    write_atomic(images, header(2051, n, SIZE, SIZE) + split.images.numpy().tobytes())
    write_atomic(labels, header(2049, n) + split.labels.numpy().astype(np.uint8).tobytes())
    return images, labels
