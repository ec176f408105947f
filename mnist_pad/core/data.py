"""Datasets: IDX sets (MNIST, Fashion-MNIST, any 28x28 IDX set) and CIFAR-10's python batches
(:mod:`mnist_pad.core.cifar`): locate, verify, load. (Downloading, and the loader jobs use, are
:mod:`mnist_pad.core.download`.)

Files are searched in order: an explicit ``data_dir``, the ``MNIST_PAD_DATA`` environment variable
(either the folder itself or a parent holding ``<dataset>/``), then the user cache directory. Known files
are checked against their published md5 sums; every file is checked for magic, shape and length, so a
truncated or corrupt file raises :class:`DataError` naming it instead of producing garbage tensors.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

ENV_VAR = "MNIST_PAD_DATA"
DIGITS = tuple(str(i) for i in range(10))  # MNIST's classes, and those of the user's samples
IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension


def dataset_title(name: str) -> str:
    """How a dataset's name is written for people: ``mnist`` -> MNIST, ``fashion-mnist`` -> Fashion-MNIST."""
    return {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}.get(name, name)


class DataError(RuntimeError):
    """A dataset file is missing, truncated or not what it claims to be."""


class DataMissing(DataError):
    """None of the searched folders holds the dataset's files. ``dataset`` names the set (the window asks the
    user for a folder, or leave to download it, in its own words); ``folder`` is the folder the user gave, if
    any."""

    def __init__(self, message: str, dataset: str = "", folder: str | None = None) -> None:
        super().__init__(message, dataset, folder)  # every argument in args: the exception survives pickling

    def __str__(self) -> str:
        return str(self.args[0])

    @property
    def dataset(self) -> str:
        return self.args[1]

    @property
    def folder(self) -> str | None:
        return self.args[2]


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    files: dict[str, str]  # role ("train-images", ...) -> file name
    md5: dict[str, str]  # file name -> published md5 of the .gz file, checked on download
    mirrors: tuple[str, ...]  # base URLs tried in order
    classes: tuple[str, ...]
    # File name -> md5 of the decompressed IDX bytes, checked on every load: it holds for the raw file and for
    # any re-compression of it (Debian's dataset-fashion-mnist ships re-gzipped files, for one).
    content_md5: dict[str, str] = field(default_factory=dict)
    format: str = "idx"  # idx | cifar (CIFAR-10's python batches)
    channels: int = 1  # colour planes of each image
    size: int = 28  # side of the square images, pixels
    # A set published as one archive (CIFAR-10's python version): its file name, and the folder in it that holds
    # ``files``. It is found as that archive or with its files unpacked, alone or in that folder; downloading
    # fetches the archive (its md5 in ``md5``), which is read as it is.
    archive: str = ""
    archive_folder: str = ""

    @property
    def downloads(self) -> tuple[str, ...]:
        """The files :func:`mnist_pad.core.download.download` fetches from the mirrors."""
        return (self.archive,) if self.archive else tuple(self.files.values())

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image as a network takes it."""
        return self.channels, self.size, self.size


_ROLES = ("train-images", "train-labels", "test-images", "test-labels")
_STD_FILES = dict(
    zip(
        _ROLES,
        (
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        ),
    )
)

DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        files=_STD_FILES,
        md5={
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
        content_md5={
            "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
            "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
            "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
            "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
        },
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        classes=DIGITS,
    ),
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        files=_STD_FILES,
        md5={},  # the .gz files are not all byte-identical across mirrors: contents are checked
        content_md5={
            "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
            "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
            "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
        },
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        classes=(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ),
    ),
    # The python version of https://www.cs.toronto.edu/~kriz/cifar.html: 50,000 training images in five batches
    # and 10,000 test images, 32x32 RGB; md5 sums as published there (the archive) and by torchvision (the batches).
    "cifar10": DatasetSpec(
        name="cifar10",
        files={**{f"train-{i}": f"data_batch_{i}" for i in range(1, 6)}, "test": "test_batch"},
        md5={"cifar-10-python.tar.gz": "c58f30108f718f92721af3b95e74349a"},
        content_md5={
            "data_batch_1": "c99cafc152244af753f735de768cd75f",
            "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
            "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
            "data_batch_4": "634d18415352ddfa80567beed471001a",
            "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
            "test_batch": "40351d587109b95175f43aff81a1287e",
        },
        mirrors=("https://www.cs.toronto.edu/~kriz/",),
        classes=("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        format="cifar",
        channels=3,
        size=32,
        archive="cifar-10-python.tar.gz",
        archive_folder="cifar-10-batches-py",
    ),
}

# Folders where a system package may have put a dataset (Debian's dataset-fashion-mnist, for one).
_SYSTEM_DIRS = {"fashion-mnist": (Path("/usr/share/datasets/fashion-mnist"),)}


@dataclass(frozen=True)
class Split:
    """One split of a dataset: ``images`` uint8 (N, 28, 28) for a grey set, (N, channels, size, size) for a colour
    one (CIFAR-10: (N, 3, 32, 32)); ``labels`` int64 (N,)."""

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def to(self, device: torch.device | str) -> "Split":
        return Split(self.images.to(device), self.labels.to(device))

    def subset(self, index: torch.Tensor | slice) -> "Split":
        return Split(self.images[index], self.labels[index])


def cache_dir() -> Path:
    import platformdirs  # here: the headless training path runs where only torch and numpy are (gpu_check.py)

    return Path(platformdirs.user_cache_dir("mnist-pad")) / "datasets"


def candidate_dirs(dataset: str, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for ``dataset``'s files, in order of preference. An explicit ``data_dir`` is the
    only place looked at (it or its ``<dataset>/``): a folder the user named is used or refused, never
    silently replaced by another."""
    if data_dir is not None:
        return [Path(data_dir), Path(data_dir) / dataset]
    dirs: list[Path] = []
    env = os.environ.get(ENV_VAR)
    if env:
        dirs += [Path(env), Path(env) / dataset]
    dirs.append(cache_dir() / dataset)
    dirs += list(_SYSTEM_DIRS.get(dataset, ()))
    return list(dict.fromkeys(dirs))


def _find(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder``, gzipped or raw (``.gz`` stripped)."""
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _found(spec: DatasetSpec, folder: Path) -> dict[str, Path] | None:
    """The path of each of ``spec``'s files in ``folder`` (for a set published as an archive: unpacked in its
    folder, unpacked here, or the archive itself for every file), or None when some are not there."""
    places = (folder / spec.archive_folder, folder) if spec.archive_folder else (folder,)
    for place in places:
        found = {role: _find(place, name) for role, name in spec.files.items()}
        if all(found.values()):
            return found  # type: ignore[return-value]
    if spec.archive and (folder / spec.archive).is_file():
        return dict.fromkeys(spec.files, folder / spec.archive)
    return None


def locate(dataset: str = "mnist", data_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """Paths of the files of ``dataset`` (role -> path; for a set read from its archive, the archive for every
    role); raises :class:`DataError` saying what to put where."""
    spec = get_spec(dataset)
    if data_dir is not None and not Path(data_dir).is_dir():
        what = "is not a folder" if Path(data_dir).exists() else "no such folder"
        raise DataMissing(f"{data_dir}: {what} (the data folder given for {spec.name})", spec.name, str(data_dir))
    dirs = candidate_dirs(dataset, data_dir)
    others = []
    for folder in dirs:
        found = _found(spec, folder)
        if found is None:
            continue
        if spec.format == "idx" and _is_other_dataset(spec, found["test-labels"]):
            others.append(folder)
            continue
        return found
    message = missing_message(spec, dirs, explicit=data_dir is not None)
    if others:
        message += "\n(" + ", ".join(map(str, others)) + f" hold files of these names, but of another data set than {spec.name})"
    raise DataMissing(message, spec.name, None if data_dir is None else str(data_dir))


def _is_other_dataset(spec: DatasetSpec, test_labels: Path) -> bool:
    """MNIST and Fashion-MNIST share file names: a folder found through a general setting ($MNIST_PAD_DATA
    pointing at the MNIST folder, say) may hold the other set. The small test-labels file tells them apart;
    one that cannot be read is not 'another set' (loading it reports the damage)."""
    try:
        digest = hashlib.md5(_read_bytes(test_labels)).hexdigest()
    except DataError:
        return False
    name = _STD_FILES["test-labels"]
    return any(other.content_md5.get(name) == digest for other in DATASETS.values() if other.name != spec.name)


def missing_message(spec: DatasetSpec, dirs: list[Path], explicit: bool = False) -> str:
    where = "\n".join(f"  {d}" for d in dirs)
    if spec.archive:
        needed = f"{spec.archive}, or its files {', '.join(spec.files.values())}, alone or in {spec.archive_folder}/"
        md5 = f" (md5 {spec.md5[spec.archive]})" if spec.archive in spec.md5 else ""
        put = f"Put {spec.mirrors[0] if spec.mirrors else ''}{spec.archive}{md5}, as it is or unpacked,"
    else:
        needed = f"{', '.join(spec.files.values())}, gzipped or not"
        names = "\n".join(f"  {name}" for name in spec.files.values())
        put = f"Put these four files (gzipped or not):\n{names}"
    if explicit:
        return f"{dirs[0]}: the {spec.name} files are not there, nor in {dirs[1].name}/ inside it (needed: {needed})"
    return (
        f"{spec.name} data not found. {put}\n"
        f"into one of these folders (searched in this order):\n{where}\n"
        f"or pass --data-dir DIR, or set {ENV_VAR}=DIR, "
        f"or run 'mnist-pad download --dataset {spec.name}' on a machine with internet."
    )


def get_spec(dataset: str) -> DatasetSpec:
    try:
        return DATASETS[dataset]
    except KeyError:
        raise DataError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}") from None


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError; a broken deflate stream a zlib.error
        raise DataError(f"{path}: cannot be read ({exc}); the file is truncated or corrupt") from exc


def check_md5(raw: bytes, where: str | os.PathLike, expect_md5: str | None) -> None:
    """Refuse ``raw``, the contents of the file ``where`` names, when its published md5 is known and differs."""
    if expect_md5 and hashlib.md5(raw).hexdigest() != expect_md5:
        raise DataError(f"{where}: md5 checksum of its contents does not match the published data ({expect_md5}); "
                        "the file is corrupt or another data set's")


def read_idx(path: str | os.PathLike, expect_magic: int | None = None, expect_md5: str | None = None) -> np.ndarray:
    """Parse one IDX file (raw or .gz) of unsigned bytes, checking magic, length and, if given, the md5 of
    the decompressed bytes."""
    path = Path(path)
    raw = _read_bytes(path)
    check_md5(raw, path, expect_md5)
    if len(raw) < 4:
        raise DataError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    magic = struct.unpack(">I", raw[:4])[0]
    if magic >> 8 != 0x08 or not 1 <= (magic & 0xFF) <= 4:
        raise DataError(f"{path}: not an IDX file of unsigned bytes (magic {magic:#010x})")
    if expect_magic is not None and magic != expect_magic:
        raise DataError(f"{path}: magic {magic} but {expect_magic} was expected (wrong file?)")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: header truncated")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape)) + header
    if len(raw) != expected:
        raise DataError(
            f"{path}: {len(raw)} bytes but the header {shape} needs {expected}; the file is truncated or corrupt"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def check_labels(labels: np.ndarray, classes: tuple[str, ...], where: str | os.PathLike) -> None:
    """Refuse labels out of range for ``classes``, naming the file ``where`` they came from."""
    if labels.size and (labels.min() < 0 or labels.max() >= len(classes)):
        bad = labels.max() if labels.max() >= len(classes) else labels.min()
        raise DataError(f"{where}: label {bad} out of range for {len(classes)} classes")


def load_split(dataset: str, split: str, data_dir: str | os.PathLike | None = None) -> Split:
    """Load ``split`` ("train" or "test") of ``dataset`` as CPU tensors, verified."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    spec = get_spec(dataset)
    paths = locate(dataset, data_dir)
    if spec.format == "cifar":
        from .cifar import read_split

        images, labels = read_split(spec, paths, split)
    else:
        images, labels = _read_idx_split(spec, paths, split)
    return Split(torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))


def _read_idx_split(spec: DatasetSpec, paths: dict[str, Path], split: str) -> tuple[np.ndarray, np.ndarray]:
    img_path, lbl_path = paths[f"{split}-images"], paths[f"{split}-labels"]
    img_name, lbl_name = spec.files[f"{split}-images"], spec.files[f"{split}-labels"]
    images = read_idx(img_path, IMAGES_MAGIC, spec.content_md5.get(img_name))
    labels = read_idx(lbl_path, LABELS_MAGIC, spec.content_md5.get(lbl_name))
    if images.shape[1:] != (spec.size, spec.size):
        raise DataError(f"{img_path}: images are {images.shape[1:]}, not {spec.size}x{spec.size}")
    if len(images) != len(labels):
        raise DataError(f"{img_path} has {len(images)} images but {lbl_path} has {len(labels)} labels")
    check_labels(labels, spec.classes, lbl_path)
    return images, labels
