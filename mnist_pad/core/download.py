"""Getting the datasets: downloading them from their mirrors (verified), loading a split and downloading it
first when it is nowhere to be found, and the :class:`DataSource` that jobs load through (cached for the
process's lifetime). Locating and reading the files is :mod:`mnist_pad.core.data`."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .data import ENV_VAR, DataError, DataMissing, DatasetSpec, Split, cache_dir, get_spec, load_split, read_idx


class DownloadFailed(DataError):
    """No mirror gave a verified file: a failure while running (the network), not bad input."""


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify_md5(spec: DatasetSpec, path: Path) -> None:
    """Check a downloaded file: the md5 of its contents when known, else the published md5 of the file."""
    if path.name in spec.content_md5:
        read_idx(path, expect_md5=spec.content_md5[path.name])
        return
    want = spec.md5.get(path.name)
    if want and md5sum(path) != want:
        raise DataError(f"{path}: md5 checksum does not match the published {want}; the file is corrupt")


def _verified(spec: DatasetSpec, path: Path) -> bool:
    try:
        _verify_md5(spec, path)
        return True
    except DataError:
        return False


def download(dataset: str = "mnist", dest: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Fetch missing files of ``dataset`` from its mirrors into ``dest`` (default: the cache), verified. When
    none gives a file, the error says where to get it by other means and where to put it."""
    spec = get_spec(dataset)
    folder = Path(dest) if dest is not None else cache_dir() / dataset
    folder.mkdir(parents=True, exist_ok=True)
    for name in spec.downloads:
        target = folder / name
        if target.is_file() and _verified(spec, target):
            continue
        errors = []
        for mirror in spec.mirrors:
            try:
                _fetch(mirror + name, target, progress)
                _verify_md5(spec, target)
                break
            except (OSError, DataError) as exc:
                target.unlink(missing_ok=True)
                errors.append(f"{mirror}: {exc}")
        else:
            raise DownloadFailed(f"could not download {name}:\n  " + "\n  ".join(errors) + _by_hand(spec, folder))
    return folder


def _by_hand(spec: DatasetSpec, folder: Path) -> str:
    """What to do without a connection here: the exact addresses, and the folder to put the files in."""
    if not spec.mirrors:
        return ""
    urls = "\n".join(f"  {spec.mirrors[0]}{name}" + (f" (md5 {spec.md5[name]})" if name in spec.md5 else "")
                     for name in spec.downloads)
    one = len(spec.downloads) == 1
    return (f"\nWithout internet here, download {'this file' if one else 'these files'} on a machine that has it:\n"
            f"{urls}\nand put {'it' if one else 'them'}, under {'that name' if one else 'those names'}, into {folder}")


def _fetch(url: str, target: Path, progress: bool) -> None:
    from tqdm import tqdm

    with urllib.request.urlopen(url, timeout=30) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, tqdm(
                total=total, unit="B", unit_scale=True, desc=target.name, disable=not progress
            ) as bar:
                while block := response.read(1 << 16):
                    out.write(block)
                    bar.update(len(block))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def load_or_download(dataset: str, split: str, data_dir: str | os.PathLike | None = None, allow_download: bool = True) -> Split:
    """:func:`load_split`, downloading into the cache first if the files are nowhere to be found (never when
    ``data_dir`` is given: that folder is used or refused)."""
    try:
        return load_split(dataset, split, data_dir)
    except DataMissing as missing:
        if not allow_download or data_dir is not None:
            raise
        try:
            download(dataset)
        except DataError as exc:
            raise DataError(f"{missing}\n\nDownload failed too: {exc}") from exc
        return load_split(dataset, split, data_dir)


SplitLoader = Callable[[str, str], Split]  # (dataset, "train" | "test") -> Split


@dataclass(frozen=True)
class DataSource:
    """Loads dataset splits from ``data_dir`` (else $MNIST_PAD_DATA, else the cache, downloading when missing
    and allowed) and keeps them for the process's lifetime: the second fine-tune does not wait for MNIST
    again."""

    data_dir: str | None = None
    allow_download: bool = True

    def __call__(self, dataset: str, split: str) -> Split:
        key = (dataset, split, self.data_dir or None, os.environ.get(ENV_VAR))
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
        if cached is None:
            cached = load_or_download(dataset, split, self.data_dir or None, self.allow_download)
            with _CACHE_LOCK:
                _CACHE[key] = cached
        return cached


_CACHE: dict[tuple, Split] = {}
_CACHE_LOCK = threading.Lock()
