"""CIFAR-10 (article 001): its python batches read safely, from the archive or unpacked, channels in order;
seed-cifar's parameters by hand; train and eval end to end on a tiny set in the real format; 3-channel
checkpoints and ONNX; old checkpoints still 1x28x28; download and its offline message."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import struct
import tarfile
import urllib.error
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from bad_inputs import cli, one_error_line
from test_data import _Server

from mnist_pad.core import data, download as download_module
from mnist_pad.core.checkpoint import load, metadata, read_meta, save, weights, write
from mnist_pad.core.cifar import read_batch
from mnist_pad.core.data import DataError, DataMissing, load_split, locate
from mnist_pad.core.download import download
from mnist_pad.core.evaluate import evaluate
from mnist_pad.core.export import export_onnx
from mnist_pad.core.inference import engine
from mnist_pad.core.models import build, parameter_count
from mnist_pad.core.recipes import ARTICLE, CLAIMS, recipe_for

SPEC = data.DATASETS["cifar10"]
BATCHES = list(SPEC.files.values())  # data_batch_1..5, test_batch
PER_BATCH = {name: 10 for name in BATCHES[:-1]} | {"test_batch": 20}  # 50 training images, 20 test


# --- writing batches in the published format ---------------------------------------------------------------
def _py2_str(s: bytes) -> bytes:
    return (b"U" + bytes([len(s)]) if len(s) < 256 else b"T" + struct.pack("<i", len(s))) + s


def _py2_int(i: int) -> bytes:
    return b"K" + bytes([i]) if i < 256 else b"M" + struct.pack("<H", i) if i < 65536 else b"J" + struct.pack("<i", i)


def _py2_array(a: np.ndarray) -> bytes:
    """A uint8 array as numpy under Python 2 pickled it: _reconstruct, then its state (version, shape, dtype
    with its own state, Fortran order, the bytes as a str)."""
    return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + _py2_int(0) + b"\x85" + _py2_str(b"b")
            + b"\x87R(" + _py2_int(1) + b"".join(map(_py2_int, a.shape)) + b"\x86"
            + b"cnumpy\ndtype\n" + _py2_str(b"u1") + _py2_int(0) + _py2_int(1) + b"\x87R("
            + _py2_int(3) + _py2_str(b"|") + b"NNN" + b"J\xff\xff\xff\xff" * 2 + _py2_int(0) + b"tb"
            + b"\x89" + _py2_str(a.tobytes()) + b"tb")


def py2_batch(images: np.ndarray, labels: list[int], name: bytes) -> bytes:
    """One batch as Python 2's cPickle wrote CIFAR-10's files (protocol 2; str keys read back as bytes)."""
    items = [(b"batch_label", _py2_str(b"batch " + name)),
             (b"labels", b"](" + b"".join(map(_py2_int, labels)) + b"e"),
             (b"data", _py2_array(images.reshape(len(images), -1))),
             (b"filenames", b"](" + b"".join(_py2_str(b"%s_%d.png" % (name, i)) for i in range(len(labels))) + b"e")]
    return b"\x80\x02}(" + b"".join(_py2_str(k) + v for k, v in items) + b"u."


def py3_batch(images: np.ndarray, labels: list[int], name: bytes) -> bytes:
    """The same batch pickled by Python 3 with protocol 2 (bytes through _codecs.encode, numpy._core)."""
    return pickle.dumps({b"batch_label": b"batch " + name, b"labels": labels,
                         b"data": images.reshape(len(images), -1), b"filenames": [b"%d.png" % i for i in labels]},
                        protocol=2)


def make_set(seed: int = 0) -> dict[str, tuple[np.ndarray, list[int]]]:
    """Random images (n, 3, 32, 32), channels first as the batches hold them, and labels, per batch file."""
    rng = np.random.default_rng(seed)
    return {name: (rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, n).tolist())
            for name, n in PER_BATCH.items()}


def write_set(folder: Path, batches: dict, writer=py2_batch) -> dict[str, str]:
    """The batch files in ``folder``; their md5 sums."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (images, labels) in batches.items():
        (folder / name).write_bytes(writer(images, labels, name.encode()))
    return {name: hashlib.md5((folder / name).read_bytes()).hexdigest() for name in batches}


def write_archive(path: Path, source: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        tar.add(source / "test_batch", f"{SPEC.archive_folder}/readme.html")  # other members come and go
        for name in BATCHES:
            tar.add(source / name, f"{SPEC.archive_folder}/{name}")
    return path


@pytest.fixture
def cifar(tmp_path, monkeypatch) -> tuple[Path, dict]:
    """A tiny CIFAR-10 in ``<dir>/cifar-10-batches-py/`` with 'cifar10' checking the md5 sums of these files."""
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    batches = make_set()
    md5 = write_set(tmp_path / "cifar" / SPEC.archive_folder, batches)
    monkeypatch.setitem(data.DATASETS, "cifar10", replace(SPEC, content_md5=md5))
    return tmp_path / "cifar", batches


# --- reading --------------------------------------------------------------------------------------------------
def test_batches_load_in_order_with_the_channels_as_published(cifar):
    folder, batches = cifar
    train, test = load_split("cifar10", "train", folder), load_split("cifar10", "test", folder)
    assert train.images.shape == (50, 3, 32, 32) and train.images.dtype == torch.uint8
    assert test.images.shape == (20, 3, 32, 32) and test.labels.dtype == torch.int64
    assert train.labels.tolist() == sum((batches[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert test.labels.tolist() == batches["test_batch"][1]
    assert torch.equal(train.images, published(batches, "train")[0])
    # A row of the published data: 1024 red values row by row, then 1024 green, then 1024 blue.
    row = batches["data_batch_2"][0][3].reshape(-1)
    image = train.images[13]  # the 4th image of the 2nd batch
    assert image[0, 0, 1] == row[1] and image[0, 1, 0] == row[32] and image[1, 0, 0] == row[1024]
    assert image[2, 0, 0] == row[2048] and image[2, 31, 31] == row[3071]


def published(batches: dict, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The images and labels of ``split`` as written, its batches in order."""
    names = [n for n in batches if n.startswith("data_batch")] if split == "train" else ["test_batch"]
    return (torch.from_numpy(np.concatenate([batches[n][0] for n in names])),
            torch.tensor(sum((batches[n][1] for n in names), [])))


@pytest.mark.parametrize("layout", ["archive", "files alone", "python 3 pickles"])
def test_the_archive_the_bare_files_and_python3_pickles_load_alike(cifar, tmp_path, layout, monkeypatch):
    folder, batches = cifar
    other = tmp_path / "other"
    if layout == "archive":
        other.mkdir()
        write_archive(other / SPEC.archive, folder / SPEC.archive_folder)
    else:
        md5 = write_set(other, batches, py3_batch if layout == "python 3 pickles" else py2_batch)
        monkeypatch.setitem(data.DATASETS, "cifar10", replace(SPEC, content_md5=md5))
    paths = locate("cifar10", other)
    assert set(paths.values()) == ({other / SPEC.archive} if layout == "archive" else {other / n for n in BATCHES})
    for split in ("train", "test"):
        got, (images, labels) = load_split("cifar10", split, other), published(batches, split)
        assert torch.equal(got.images, images) and torch.equal(got.labels, labels)


def test_the_python2_batch_written_here_is_what_numpy_itself_reads():
    """The check of the test's own writer: plain pickle with numpy reads it as the CIFAR page says."""
    images, labels = make_set()["test_batch"]
    raw = py2_batch(images, labels, b"test_batch")
    plain = pickle.loads(raw, encoding="bytes")
    assert plain[b"labels"] == labels and np.array_equal(plain[b"data"], images.reshape(20, 3072))
    got_images, got_labels = read_batch(raw, "batch")
    assert np.array_equal(got_images, images) and got_labels.tolist() == labels


class _System:
    def __reduce__(self):
        return os.system, ("touch pwned",)


@pytest.mark.parametrize("payload, asks", [
    ({b"data": _System(), b"labels": []}, "system"),
    ({b"data": np.array([1, "x"], object), b"labels": [0, 1]}, "not of unsigned bytes"),
    (pickle.dumps({b"data": 1}, protocol=2)[:-4], "truncated or corrupt"),
])
def test_a_malicious_or_damaged_batch_is_refused_in_one_line(cifar, tmp_path, capsys, monkeypatch, payload, asks):
    folder, _ = cifar
    bad = folder / SPEC.archive_folder / "test_batch"
    bad.write_bytes(payload if isinstance(payload, bytes) else pickle.dumps(payload, protocol=2))
    spec = data.DATASETS["cifar10"]
    monkeypatch.setitem(data.DATASETS, "cifar10", replace(spec, content_md5={**spec.content_md5, "test_batch": ""}))
    monkeypatch.chdir(tmp_path)
    model = save(tmp_path / "net.safetensors", build("seed-cifar"))
    code, _, err = cli(capsys, "eval", "--dataset", "cifar10", "--weights", str(model), "--data-dir", str(folder),
                       "--no-download")
    line = one_error_line(err.removeprefix(f"cifar10 data: {bad.parent}\n"), "eval")  # the folder, then the error
    assert code == 2 and str(bad) in line and asks in line
    assert not (tmp_path / "pwned").exists()


def test_a_changed_batch_fails_its_md5_before_it_is_unpickled(cifar):
    folder, _ = cifar
    path = folder / SPEC.archive_folder / "data_batch_3"
    raw = bytearray(path.read_bytes())
    raw[-100] ^= 1  # a pixel: still a valid pickle
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="md5") as err:
        load_split("cifar10", "train", folder)
    assert str(path) in str(err.value)


def test_wrong_shapes_and_labels_are_refused(cifar, monkeypatch):
    folder, batches = cifar
    images, labels = batches["test_batch"]
    path = folder / SPEC.archive_folder / "test_batch"
    monkeypatch.setitem(data.DATASETS, "cifar10", replace(SPEC, content_md5={}))
    for raw, message in ((py2_batch(images[:, :, :16], labels, b"t"), "not \\(n, 3072\\)"),
                         (py2_batch(images, labels[:-1], b"t"), "20 images but 19 labels"),
                         (py2_batch(images, [10] + labels[1:], b"t"), "label 10 out of range")):
        path.write_bytes(raw)
        with pytest.raises(DataError, match=message):
            load_split("cifar10", "test", folder)


def test_missing_cifar_says_what_to_put_where(tmp_path, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    with pytest.raises(DataMissing) as err:
        locate("cifar10")
    message = str(err.value)
    assert f"{SPEC.mirrors[0]}{SPEC.archive} (md5 {SPEC.md5[SPEC.archive]})" in message
    assert f"  {data.cache_dir() / 'cifar10'}\n" in message and "--data-dir" in message
    with pytest.raises(DataMissing) as err:
        locate("cifar10", tmp_path)
    assert "\n" not in str(err.value) and SPEC.archive in str(err.value) and "test_batch" in str(err.value)


# --- the net, training and evaluation --------------------------------------------------------------------------
def test_seed_cifar_parameters_by_hand():
    # conv3x3x32 valid on 3 channels (32->30, pool 15), conv3x3x64 valid (15->13, pool 6), conv3x3x64 valid
    # (6->4), dense 64*4*4 -> 64, dense 64 -> 10: 122,570, as the Keras tutorial's model.summary() prints.
    by_hand = (9 * 3 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 64 + 64) + (64 * 4 * 4 * 64 + 64) + (64 * 10 + 10)
    model = build("seed-cifar")
    assert parameter_count(model) == by_hand == 122_570
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    assert ARTICLE["seed-cifar"].dataset == "cifar10" and "seed-cifar" in CLAIMS


def test_train_and_eval_on_cifar_end_to_end(cifar, tmp_path, capsys):
    folder, _ = cifar
    out = tmp_path / "cifar.safetensors"
    code, stdout, err = cli(capsys, "train", "--dataset", "cifar10", "--arch", "seed-cifar", "--recipe", "article",
                            "--epochs", "1", "--limit", "50", "--val-size", "10", "--batch-size", "8", "--device",
                            "cpu", "--data-dir", str(folder), "--no-download", "--out", str(out),
                            "--logdir", str(tmp_path / "logs"))
    assert code == 0, err
    assert f"cifar10 data: {folder / SPEC.archive_folder}" in err and "wrote" in stdout
    assert list((tmp_path / "logs").glob("events.out.tfevents.*"))  # the graph traced on a colour image
    code, stdout, err = cli(capsys, "eval", "--dataset", "cifar10", "--weights", str(out), "--data-dir", str(folder),
                            "--no-download", "--json")
    assert code == 0, err
    report = json.loads(stdout)
    assert report["n"] == 20 and [c["class"] for c in report["per_class"]] == list(SPEC.classes)
    ckpt = load(out)
    assert ckpt.model.cfg.input_shape == (3, 32, 32) and read_meta(out)["arch"]["in_channels"] == 3
    assert ckpt.meta["dataset"] == "cifar10" and ckpt.meta["classes"] == list(SPEC.classes)
    assert evaluate(ckpt.model, load_split("cifar10", "test", folder), SPEC.classes).accuracy == report["accuracy"]


def test_a_net_and_a_dataset_that_do_not_fit_are_refused_before_any_work(cifar, tmp_path, capsys):
    folder, _ = cifar
    code, _, err = cli(capsys, "train", "--dataset", "cifar10", "--arch", "default", "--no-download",
                       "--data-dir", str(folder), "--out", str(tmp_path / "x.safetensors"))
    assert code == 2 and "default takes 1x28x28 images, cifar10's are 3x32x32" in one_error_line(err, "train")
    code, _, err = cli(capsys, "train", "--arch", "seed-cifar", "--no-download", "--out", str(tmp_path / "y.safetensors"))
    assert code == 2 and "nets for mnist" in one_error_line(err, "train")
    code, _, err = cli(capsys, "eval", "--dataset", "cifar10", "--weights", "default", "--data-dir", str(folder),
                       "--no-download")
    assert code == 2 and "seed-cifar" in one_error_line(err, "eval")
    assert not list(tmp_path.glob("*.safetensors"))
    with pytest.raises(ValueError, match="takes 3x32x32"):
        recipe_for("seed-cifar", dataset="fashion-mnist")
    assert recipe_for("seed-cifar").dataset == "cifar10" and recipe_for("default").dataset == "mnist"


def test_colour_nets_train_with_the_augmentations(cifar):
    """Our recipe warps and shifts every channel alike; a short run on 3 channels trains and changes the net."""
    from mnist_pad.core.steps import drive
    from mnist_pad.core.train import Trainer

    folder, _ = cifar
    cfg = replace(recipe_for("seed-cifar", dataset="cifar10"), epochs=1, batch_size=10, device="cpu", ema=0.0)
    assert cfg.augment.warps
    trainer = Trainer(cfg, load_split("cifar10", "train", folder))
    before = {k: v.clone() for k, v in trainer.net.state_dict().items()}
    drive(trainer.run())
    assert trainer.history[-1].step == 5 and np.isfinite(trainer.history[-1].loss)
    assert any(not torch.equal(before[k], v) for k, v in trainer.net.state_dict().items())


def test_a_colour_checkpoint_reloads_and_exports_with_its_input(tmp_path):
    torch.manual_seed(0)
    model = build("seed-cifar").eval()
    ckpt = load(save(tmp_path / "c.safetensors", model))
    x = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8)
    want = torch.softmax(model(x.float() / 255), 1)
    assert torch.allclose(engine(ckpt.model, "cpu", "torch")[1](x), want, atol=1e-5)
    name, forward = engine(ckpt.model, "cpu", "onnxruntime")
    assert name == "onnxruntime" and torch.allclose(forward(x), want, atol=1e-4)
    import onnxruntime

    session = onnxruntime.InferenceSession(str(export_onnx(model, tmp_path / "c.onnx")))
    assert session.get_inputs()[0].shape[1:] == [3, 32, 32]


def test_a_checkpoint_from_before_input_shapes_loads_as_grey_28x28(tmp_path):
    model = build("fast")
    meta = metadata(model, name="old")
    for key in ("in_channels", "in_size"):
        del meta["arch"][key]
    ckpt = load(write(tmp_path / "old.safetensors", weights(model), meta))
    assert ckpt.model.cfg.input_shape == (1, 28, 28) and ckpt.model.cfg == model.cfg


# --- download --------------------------------------------------------------------------------------------------
def test_download_fetches_and_checks_the_archive(cifar, tmp_path, monkeypatch):
    folder, _ = cifar
    served = tmp_path / "served"
    served.mkdir()
    archive = write_archive(served / SPEC.archive, folder / SPEC.archive_folder)
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    server = _Server(served)
    try:
        spec = data.DATASETS["cifar10"]
        monkeypatch.setitem(data.DATASETS, "cifar10", replace(spec, mirrors=(server.url,), md5={SPEC.archive: "0" * 32}))
        with pytest.raises(DataError, match="md5"):
            download("cifar10", tmp_path / "dest", progress=False)
        assert not list((tmp_path / "dest").iterdir())
        md5 = hashlib.md5(archive.read_bytes()).hexdigest()
        monkeypatch.setitem(data.DATASETS, "cifar10", replace(spec, mirrors=(server.url,), md5={SPEC.archive: md5}))
        dest = download("cifar10", tmp_path / "dest", progress=False)
    finally:
        server.close()
    assert [p.name for p in dest.iterdir()] == [SPEC.archive]
    assert len(load_split("cifar10", "train", dest)) == 50


def test_download_offline_says_which_file_from_where_into_which_folder(tmp_path, capsys, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(download_module.urllib.request, "urlopen", offline)
    codes = {}
    for dataset in ("mnist", "cifar10"):
        dest = tmp_path / dataset
        codes[dataset], _, err = cli(capsys, "download", "--dataset", dataset, "--dest", str(dest))
        assert "no route to host" in err and "Traceback" not in err
    assert codes["cifar10"] == codes["mnist"] == 1  # a failure while running, as for MNIST
    url = f"{SPEC.mirrors[0]}{SPEC.archive} (md5 {SPEC.md5[SPEC.archive]})"
    assert f"download this file on a machine that has it:\n  {url}\nand put it, under that name, into {dest}" in err
    assert not list(dest.iterdir())


def test_a_set_read_from_an_archive_must_hold_every_batch(cifar, tmp_path):
    folder, _ = cifar
    archive = tmp_path / "short" / SPEC.archive
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(f"{SPEC.archive_folder}/data_batch_1")
        raw = (folder / SPEC.archive_folder / "data_batch_1").read_bytes()
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    with pytest.raises(DataError, match=f"has no {SPEC.archive_folder}/data_batch_2"):
        load_split("cifar10", "train", archive.parent)
    archive.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(DataError, match="truncated or corrupt"):
        load_split("cifar10", "train", archive.parent)
