"""The user's labelled drawings: a folder with one file per sample (:mod:`mnist_pad.core.sample_file`),
loaded once into memory and written through on every change.

Why one file per sample and no manifest: every add is a temporary file, fsync, then ``os.replace``, so a
crash or SIGKILL mid-write loses at most that one sample, and a damaged file is reported in
:attr:`SampleStore.problems` and skipped without touching the others. There is nothing shared to corrupt.
Exchange formats (folders of PNGs, NPZ, IDX) are in :mod:`mnist_pad.core.exchange`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from .data import Split
from .exchange import read_folder, write_folder, write_idx, write_npz
from .files import fsync_dir, write_atomic
from .paths import samples_dir
from .sample_file import (
    CLASSES, ID_RE, SUFFIX, LoadProblem, Sample, check_id, check_label, encode, new_id, read_store, samples_to_split,
    to_image28,
)
from .strokes import check_strokes, render


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
        return write_npz(self.samples(), path)

    def export_idx(self, folder: str | os.PathLike, prefix: str = "samples") -> tuple[Path, Path]:
        """``<prefix>-images-idx3-ubyte`` and ``<prefix>-labels-idx1-ubyte``, as MNIST's own files."""
        return write_idx(self.samples(), folder, prefix)
