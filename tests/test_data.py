"""IDX datasets: parsing (raw and .gz), refusal of bad files, locating, offline download, real MNIST."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import struct
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from mnist_pad.core import data
from mnist_pad.core.download import download, load_or_download
from mnist_pad.core.data import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    DataError,
    DataMissing,
    DatasetSpec,
    candidate_dirs,
    load_split,
    locate,
    read_idx,
)

NAMES = dict(data.DATASETS["mnist"].files)  # role -> standard file name (.gz)
# Published per-class counts of MNIST (LeCun et al.'s page; torchvision's docs list the same).
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An IDX file of unsigned bytes holding ``array`` (magic 0x0803 for 3-d, 0x0801 for 1-d)."""
    array = np.ascontiguousarray(array, np.uint8)
    magic = 0x0800 | array.ndim if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def write_idx(path: Path, array: np.ndarray, magic: int | None = None) -> Path:
    raw = idx_bytes(array, magic)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


def toy_arrays(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def write_set(folder: Path, n_train: int, n_test: int | None = None, gz: bool = True, seed: int = 0) -> Path:
    """The four standard files in ``folder`` with ``n_train`` / ``n_test`` random images."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test or n_train)):
        images, labels = toy_arrays(n, seed)
        for role, array in ((f"{split}-images", images), (f"{split}-labels", labels)):
            name = NAMES[role] if gz else NAMES[role].removesuffix(".gz")
            write_idx(folder / name, array)
    return folder


@pytest.fixture
def toy(monkeypatch) -> DatasetSpec:
    """A 28x28 IDX set with the standard file names but no known checksums, registered as 'toy'."""
    spec = DatasetSpec("toy", dict(NAMES), {}, (), tuple("0123456789"))
    monkeypatch.setitem(data.DATASETS, "toy", spec)
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    return spec


# --- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_round_trips_raw_and_gzipped(tmp_path, suffix):
    images, labels = toy_arrays(7)
    got_images = read_idx(write_idx(tmp_path / f"img{suffix}", images), IMAGES_MAGIC)
    got_labels = read_idx(write_idx(tmp_path / f"lbl{suffix}", labels), LABELS_MAGIC)
    assert got_images.shape == (7, 28, 28) and np.array_equal(got_images, images)
    assert np.array_equal(got_labels, labels)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_truncated_file_is_refused_naming_it(tmp_path, suffix):
    images, _ = toy_arrays(5)
    path = tmp_path / f"images{suffix}"
    raw = idx_bytes(images)[:-100]  # a file whose data stops short of what its header promises
    path.write_bytes(gzip.compress(raw) if suffix else raw)
    with pytest.raises(DataError, match="truncated") as err:
        read_idx(path, IMAGES_MAGIC)
    assert str(path) in str(err.value)


def test_cut_gzip_stream_is_refused_naming_it(tmp_path):
    path = write_idx(tmp_path / "images.gz", toy_arrays(20)[0])
    path.write_bytes(path.read_bytes()[:-30])  # the compressed stream itself ends early
    with pytest.raises(DataError, match="truncated or corrupt") as err:
        read_idx(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("offset", [12, 20, 200])
def test_corrupt_gzip_is_refused_naming_it(tmp_path, offset):
    path = write_idx(tmp_path / "images.gz", toy_arrays(20)[0])
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF  # early offsets break the deflate stream (zlib.error), later ones the CRC
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="corrupt") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_not_gzip_at_all_is_refused(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(b"<html>404 not found</html>")
    with pytest.raises(DataError, match="cannot be read") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_wrong_magic_is_refused(tmp_path):
    path = write_idx(tmp_path / "labels", toy_arrays(5)[1])
    with pytest.raises(DataError, match="magic") as err:
        read_idx(path, IMAGES_MAGIC)  # a labels file where images are expected
    assert str(path) in str(err.value)
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x12\x34\x56\x78" + bytes(100))
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(garbage)
    tiny = tmp_path / "tiny"
    tiny.write_bytes(b"\x00\x00")
    with pytest.raises(DataError, match="too short"):
        read_idx(tiny)


def test_wrong_image_size_is_refused(toy, tmp_path):
    folder = write_set(tmp_path / "d", 4)
    write_idx(folder / NAMES["test-images"], np.zeros((4, 20, 20), np.uint8))
    with pytest.raises(DataError, match="not 28x28") as err:
        load_split("toy", "test", folder)
    assert NAMES["test-images"] in str(err.value)


def test_label_image_count_mismatch_is_refused(toy, tmp_path):
    folder = write_set(tmp_path / "d", 4)
    write_idx(folder / NAMES["test-labels"], np.zeros(3, np.uint8))
    with pytest.raises(DataError, match="4 images but .* 3 labels") as err:
        load_split("toy", "test", folder)
    assert NAMES["test-images"] in str(err.value) and NAMES["test-labels"] in str(err.value)


def test_label_out_of_range_is_refused(toy, tmp_path):
    folder = write_set(tmp_path / "d", 4)
    write_idx(folder / NAMES["test-labels"], np.array([0, 1, 2, 10], np.uint8))
    with pytest.raises(DataError, match="label 10 out of range"):
        load_split("toy", "test", folder)


def test_md5_mismatch_of_a_known_file_is_refused(tmp_path, monkeypatch):
    """Files named like MNIST's but with other contents fail the published checksum."""
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    folder = write_set(tmp_path / "fake-mnist", 4)
    with pytest.raises(DataError, match="md5") as err:
        load_split("mnist", "test", folder)
    assert str(folder) in str(err.value)


def test_load_split_gives_tensors_of_the_file_contents(toy, tmp_path):
    folder = write_set(tmp_path / "d", 6, gz=False)  # raw files are found under the .gz names too
    split = load_split("toy", "train", folder)
    images, labels = toy_arrays(6)
    assert split.images.dtype == torch.uint8 and split.images.shape == (6, 28, 28)
    assert split.labels.dtype == torch.int64
    assert np.array_equal(split.images.numpy(), images) and np.array_equal(split.labels.numpy(), labels)
    with pytest.raises(ValueError, match="split"):
        load_split("toy", "validation", folder)


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(DataError, match="mnist, fashion-mnist"):
        load_split("kmnist", "test")


# --- locating --------------------------------------------------------------------------------------


def test_missing_data_message_names_the_files_and_folders(toy, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataMissing) as err:
        locate("toy", empty)
    message = str(err.value)
    for name in NAMES.values():
        assert name in message
    assert message.startswith(f"{empty}: the toy files are not there, nor in toy/ inside it")
    assert "\n" not in message  # a folder the user named: one line

    with pytest.raises(DataMissing) as err:
        locate("toy")
    message = str(err.value)
    assert f"  {data.cache_dir() / 'toy'}\n" in message
    assert "--data-dir" in message and data.ENV_VAR in message


def test_search_order_is_data_dir_then_env_then_cache(toy, tmp_path, monkeypatch):
    explicit = write_set(tmp_path / "explicit", 3)
    env_parent = tmp_path / "env"
    write_set(env_parent / "toy", 4)  # $MNIST_PAD_DATA may name a parent holding <dataset>/
    write_set(data.cache_dir() / "toy", 5)
    monkeypatch.setenv(data.ENV_VAR, str(env_parent))

    assert candidate_dirs("toy", explicit) == [explicit, explicit / "toy"]
    assert candidate_dirs("toy")[:3] == [env_parent, env_parent / "toy", data.cache_dir() / "toy"]
    assert len(load_split("toy", "test", explicit)) == 3
    assert len(load_split("toy", "test")) == 4
    monkeypatch.delenv(data.ENV_VAR)
    assert len(load_split("toy", "test")) == 5


def test_env_var_may_name_the_folder_itself(toy, tmp_path, monkeypatch):
    folder = write_set(tmp_path / "files", 4)
    monkeypatch.setenv(data.ENV_VAR, str(folder))
    assert locate("toy")["test-images"] == folder / NAMES["test-images"]


def test_a_folder_with_some_files_missing_is_passed_over(toy, tmp_path, monkeypatch):
    partial = write_set(tmp_path / "partial", 3)
    (partial / NAMES["train-labels"]).unlink()
    write_set(data.cache_dir() / "toy", 5)
    monkeypatch.setenv(data.ENV_VAR, str(partial))
    assert len(load_split("toy", "test")) == 5


def test_an_explicit_folder_is_used_or_refused_never_replaced(toy, tmp_path, monkeypatch):
    write_set(data.cache_dir() / "toy", 5)
    monkeypatch.setenv(data.ENV_VAR, str(write_set(tmp_path / "env", 4)))
    partial = write_set(tmp_path / "partial", 3)
    (partial / NAMES["train-labels"]).unlink()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for folder, message in ((partial, "the toy files are not there"), (tmp_path / "missing", "no such folder"),
                            (a_file, "is not a folder")):
        with pytest.raises(DataMissing, match=message):
            load_or_download("toy", "test", folder)


# --- download from a local server ------------------------------------------------------------------


class _Server:
    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def mirror(tmp_path, toy, monkeypatch):
    """A local HTTP mirror of the toy set; the 'toy' spec points at it with the files' real md5 sums."""
    served = write_set(tmp_path / "served", 6)
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    server = _Server(served)
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in served.iterdir()}
    monkeypatch.setitem(data.DATASETS, "toy", replace(toy, mirrors=(server.url,), md5=md5))
    yield server
    server.close()


def test_download_fetches_and_verifies(mirror, tmp_path):
    dest = download("toy", tmp_path / "dest", progress=False)
    assert sorted(p.name for p in dest.iterdir()) == sorted(NAMES.values())
    assert len(load_split("toy", "train", dest)) == 6
    before = len(mirror.requests)
    download("toy", dest, progress=False)  # verified files already there are not fetched again
    assert len(mirror.requests) == before


def test_download_falls_back_to_the_next_mirror(mirror, tmp_path, monkeypatch):
    spec = data.DATASETS["toy"]
    monkeypatch.setitem(data.DATASETS, "toy", replace(spec, mirrors=(mirror.url + "missing/", mirror.url)))
    dest = download("toy", tmp_path / "dest", progress=False)
    assert len(load_split("toy", "test", dest)) == 6
    assert any(r.startswith("/missing/") for r in mirror.requests)


def test_download_checksum_failure_leaves_no_file(mirror, tmp_path, monkeypatch):
    spec = data.DATASETS["toy"]
    bad = NAMES["test-images"]
    monkeypatch.setitem(data.DATASETS, "toy", replace(spec, md5={**spec.md5, bad: "0" * 32}))
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match=f"could not download {bad}") as err:
        download("toy", dest, progress=False)
    assert "md5" in str(err.value)
    assert not (dest / bad).exists()
    assert not [p for p in dest.iterdir() if p.name.endswith(".part")]


def test_load_or_download_fills_the_cache_when_data_is_missing(mirror, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataMissing):
        load_or_download("toy", "test", empty)  # a folder the user named: never downloaded around
    with pytest.raises(DataMissing):
        load_or_download("toy", "test", allow_download=False)
    assert not mirror.requests
    split = load_or_download("toy", "test")
    assert len(split) == 6
    assert (data.cache_dir() / "toy" / NAMES["test-labels"]).is_file()


# --- the real MNIST --------------------------------------------------------------------------------


def test_real_mnist_has_the_published_class_counts(mnist_dir):
    for split, counts in (("train", MNIST_TRAIN_COUNTS), ("test", MNIST_TEST_COUNTS)):
        s = load_split("mnist", split, mnist_dir)
        assert s.images.shape == (sum(counts), 28, 28) and s.images.dtype == torch.uint8
        assert s.labels.bincount(minlength=10).tolist() == counts


def test_recompressed_or_raw_mnist_passes_the_content_checksum(mnist_dir, tmp_path, monkeypatch):
    """The checksum is of the IDX contents, so a re-gzipped or decompressed copy loads; altered contents don't."""
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):  # located as a set of four
        (tmp_path / name).symlink_to(mnist_dir / name)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        raw = gzip.open(mnist_dir / name).read()
        (tmp_path / name).write_bytes(gzip.compress(raw, compresslevel=1))  # other bytes than the original .gz
    assert len(load_split("mnist", "test", tmp_path)) == 10_000
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.open(labels).read())
    raw[-1] = (raw[-1] + 1) % 10  # one label changed: still a valid IDX file
    labels.unlink()
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="md5"):
        load_split("mnist", "test", tmp_path)


@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").is_dir(), reason="dataset-fashion-mnist not installed")
def test_fashion_mnist_from_the_system_package(monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    split = load_split("fashion-mnist", "test")
    assert split.images.shape == (10_000, 28, 28)
    assert split.labels.bincount().tolist() == [1000] * 10


def test_a_folder_of_the_other_dataset_is_skipped_and_named(mnist_dir, monkeypatch):
    """$MNIST_PAD_DATA pointing at the MNIST folder must not serve MNIST as Fashion-MNIST."""
    monkeypatch.setenv(data.ENV_VAR, str(mnist_dir))
    monkeypatch.setattr(data, "_SYSTEM_DIRS", {})
    with pytest.raises(DataMissing) as err:
        data.locate("fashion-mnist")
    assert "another data set" in str(err.value) and str(mnist_dir) in str(err.value)
    assert data.locate("mnist")["test-labels"].parent == mnist_dir
