"""Models of other tools (core.foreign): ONNX classifiers in each input layout, the PyTorch article's
``cnn.pth``, the Keras articles' ``.h5`` / ``.keras`` weights, each made here by the test, read as their own
code reads them; the input scaling's guess and the file kept beside the model; bad files refused in one line."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from bad_inputs import digit_image, one_error_line
from PIL import Image
from torch import nn

from mnist_pad import cli
from mnist_pad.cli import run
from mnist_pad.core import foreign
from mnist_pad.core.checkpoint import Checkpoint, load
from mnist_pad.core.attribution import model_of, occlusion, to_unit
from mnist_pad.core.export import export_onnx
from mnist_pad.core.foreign_onnx import OnnxClassifier, OnnxPredictor
from mnist_pad.core.models import ARCHS, MNIST_MEAN_STD, build
from mnist_pad.core.paths import models_dir
from mnist_pad.core.preprocess import load_image, preprocess
from mnist_pad.core.samples import SampleStore

h5py = pytest.importorskip("h5py", reason="Keras files are read with h5py")
LAYOUTS = {"nchw": (1, 28, 28), "nhwc": (28, 28, 1), "nhw": (28, 28), "flat": (784,)}


def seven() -> np.ndarray:
    """A drawn 7, ink high (as the canvas gives it)."""
    return 255 - digit_image()


def inputs(n: int = 3, seed: int = 0) -> np.ndarray:
    """``n`` images (n, 1, 28, 28) in 0..1: a drawn 7 (as the pad makes it) and random ones."""
    x = np.random.default_rng(seed).random((n, 1, 28, 28), dtype=np.float32)
    x[0, 0] = preprocess(seven()).image
    return x


@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "seven.png"
    Image.fromarray(digit_image()).save(path)
    return path


# --- ONNX -----------------------------------------------------------------------------------------------------
class SmallNet(nn.Module):
    """A small classifier taking its images in ``layout``; softmax probabilities out with ``softmax``."""

    def __init__(self, layout: str = "nchw", softmax: bool = False, classes: int = 10) -> None:
        super().__init__()
        self.layout, self.softmax = layout, softmax
        self.conv1, self.bn = nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4)
        self.conv2, self.fc = nn.Conv2d(4, 8, 3), nn.Linear(8 * 11 * 11, classes)
        with torch.no_grad():  # batchnorm statistics that are not the identity
            self.bn.running_mean.uniform_(-0.2, 0.2)
            self.bn.running_var.uniform_(0.5, 2.0)

    def maps(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = x.permute(0, 3, 1, 2) if self.layout == "nhwc" else x.reshape(-1, 1, 28, 28)
        a1 = F.relu(self.bn(self.conv1(x)))
        a2 = F.relu(self.conv2(F.max_pool2d(a1, 2)))
        y = self.fc(a2.flatten(1))
        return (torch.softmax(y, 1) if self.softmax else y), a1, a2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.maps(x)[0]


def export(net: nn.Module, path: Path, shape: tuple[int, ...], batch: int | None = None) -> Path:
    """``net`` as ONNX taking (N, *shape): the batch dynamic, or fixed at ``batch``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net.eval(), (torch.zeros(batch or 2, *shape),), str(path), input_names=["x"],
                          output_names=["y"], dynamic_axes=None if batch else {"x": {0: "n"}, "y": {0: "n"}},
                          dynamo=False)
    return path


@pytest.mark.parametrize("softmax", [False, True], ids=["logits", "probabilities"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_an_onnx_classifier_reads_as_its_torch_net_with_its_feature_maps(tmp_path, layout, softmax):
    torch.manual_seed(1)
    net = SmallNet(layout, softmax).eval()
    model = foreign.open_model(export(net, tmp_path / "net.onnx", LAYOUTS[layout]), "mnist")
    assert isinstance(model, OnnxClassifier) and model.layout == layout and model.probabilities is softmax
    x = inputs()
    mean, std = MNIST_MEAN_STD
    with torch.no_grad():
        out, a1, a2 = net.maps(torch.from_numpy((x - mean) / std).reshape(3, *LAYOUTS[layout]))
    expected = (out if softmax else torch.softmax(out, 1)).numpy()
    predictor = foreign.predictor_for(model)
    assert isinstance(predictor, OnnxPredictor) and predictor.gradients is False and predictor.model is None
    pred = predictor.predict(seven())
    assert np.allclose(pred.probabilities, expected[0], atol=1e-5)
    assert pred.status == predictor.reading.status(pred.probabilities)
    assert list(pred.activations) == ["conv1", "conv2"]  # after the batchnorm and the activation
    assert np.allclose(pred.activations["conv1"], a1[0].numpy(), atol=1e-5)
    assert np.allclose(pred.activations["conv2"], a2[0].numpy(), atol=1e-5)
    logits, maps = model(x)
    assert np.allclose(torch.softmax(torch.from_numpy(logits), 1).numpy(), expected, atol=1e-5)
    assert np.allclose(model.filters()["conv2"], net.conv2.weight.detach().numpy())


def test_a_fixed_batch_is_run_in_slices(tmp_path):
    torch.manual_seed(2)
    net = SmallNet().eval()
    model = foreign.open_model(export(net, tmp_path / "fixed.onnx", (1, 28, 28), batch=2), "unit")
    assert model.batch == 2
    x = inputs(5)  # two full slices and one padded
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    assert np.allclose(model(x)[0], expected, atol=1e-5) and model(x)[1]["conv1"].shape == (5, 4, 26, 26)


def test_eval_runs_an_onnx_model_and_keeps_the_chosen_scaling(tmp_path, capsys, mnist_test, mnist_dir):
    torch.manual_seed(3)
    net = SmallNet("flat").eval()
    path = export(net, tmp_path / "flat.onnx", (784,))
    argv = ["eval", "--weights", str(path), "--json", "--data-dir", str(mnist_dir), "--no-download"]
    assert run([*argv, "--input-norm", "symmetric"]) == 0
    report = json.loads(capsys.readouterr().out)
    with torch.no_grad():
        x = (mnist_test.images.float() / 255 - 0.5) / 0.5
        right = (net(x.reshape(-1, 784)).argmax(1) == mnist_test.labels).float().mean().item()
    assert report["weights"] == str(path) and report["n"] == 10_000
    assert report["accuracy"] == pytest.approx(right, abs=2e-4)  # a near-tie may round the other way
    assert foreign.saved_input_norm(path) == "symmetric"
    assert run(argv) == 0  # the scaling kept beside the file is used again
    assert json.loads(capsys.readouterr().out)["accuracy"] == report["accuracy"]


def test_occlusion_finds_the_only_pixel_an_onnx_model_looks_at(tmp_path):
    net = nn.Linear(784, 10)
    with torch.no_grad():
        net.weight.zero_(), net.bias.zero_()
        net.weight[3, 10 * 28 + 12] = 20.0  # class 3 is read from pixel (10, 12) alone
    predictor = foreign.predictor_for(foreign.open_model(export(net, tmp_path / "pixel.onnx", (784,)), "unit"))
    heat = to_unit(occlusion(model_of(predictor), np.ones((28, 28), np.float32), 3))
    assert heat[10, 12] == 1.0
    assert heat[np.abs(np.arange(28) - 10) > 4].max() == 0 and heat[:, np.abs(np.arange(28) - 12) > 4].max() == 0


# --- the PyTorch article's cnn.pth ---------------------------------------------------------------------------
class ArticleNet(nn.Module):
    """The PyTorch article's Net as its code writes it, with the flatten size 28x28 images give (``flat``)."""

    def __init__(self, flat: int = 64 * 4 * 4) -> None:
        super().__init__()
        self.flat = flat
        self.conv1, self.pool, self.conv2 = nn.Conv2d(1, 32, 5), nn.MaxPool2d(2, 2), nn.Conv2d(32, 64, 5)
        self.fc1, self.fc2 = nn.Linear(flat, 1024), nn.Linear(1024, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(x.view(-1, self.flat))))


def saved_article(folder: Path) -> tuple[ArticleNet, Path]:
    """The article's Net (seeded) and the ``cnn.pth`` its code saves of it, in ``folder``."""
    torch.manual_seed(4)
    net = ArticleNet().eval()
    path = folder / "cnn.pth"
    torch.save(net.state_dict(), path)  # what the article's code does
    return net, path


@pytest.fixture
def article(tmp_path) -> tuple[ArticleNet, Path]:
    return saved_article(tmp_path)


def test_the_pytorch_articles_state_dict_is_seed_torch_with_its_outputs(article, image, capsys):
    net, path = article
    guess = foreign.guess_input_norm(path)
    assert (guess.name, guess.certain) == ("symmetric", True)
    ckpt = foreign.open_model(path)
    assert isinstance(ckpt, Checkpoint) and ckpt.model.cfg.name == "seed-torch" and ckpt.path == path
    x = torch.from_numpy(inputs())
    with torch.no_grad():
        expected = net((x - 0.5) / 0.5)
        assert torch.allclose(ckpt.model(x), expected, atol=1e-5)
    assert run(["predict", "--weights", str(path), str(image), "--json"]) == 0
    out, err = capsys.readouterr()
    with torch.no_grad():
        drawn = torch.from_numpy(preprocess(load_image(image)).image).view(1, 1, 28, 28)
        probs = torch.softmax(net((drawn - 0.5) / 0.5), 1)[0].tolist()
    assert json.loads(out)["probabilities"] == pytest.approx(probs, abs=1e-5)
    assert "input scaling symmetric (-1..1): the PyTorch article" in err


def test_an_imported_article_model_is_a_checkpoint_of_the_users_that_fine_tunes(article, tmp_path, capsys):
    net, path = article
    saved = foreign.import_model(path)
    assert saved == models_dir() / "cnn.safetensors" and foreign.import_model(path).name == "cnn-2.safetensors"
    ckpt = load(saved)
    assert ckpt.name == "cnn" and ckpt.meta["source"]["format"] == "pytorch article"
    x = torch.from_numpy(inputs())
    with torch.no_grad():
        assert torch.allclose(ckpt.model(x), net((x - 0.5) / 0.5), atol=1e-5)
    store = SampleStore(tmp_path / "store")
    for label in range(10):
        store.add(label, seven())
    out = tmp_path / "tuned.safetensors"
    assert run(["finetune", "--samples", str(store.root), "--weights", str(path), "--out", str(out), "--steps", "2",
                "--replay", "0", "--mnist-eval", "0", "--holdout", "0", "--device", "cpu"]) == 0
    tuned = load(out)
    assert tuned.model.cfg.name == "seed-torch" and tuned.meta["base"] == "cnn"
    assert float(tuned.model.input_mean) == 0.5 and float(tuned.model.input_std) == 0.5


def test_a_state_dict_of_our_own_convnet_keeps_its_normalisation(tmp_path):
    torch.manual_seed(5)
    model = build("fast", (0.5, 0.5)).eval()
    path = tmp_path / "fast.pt"
    torch.save({"model_state_dict": model.state_dict(), "epoch": 3}, path)  # a training checkpoint's dict
    assert foreign.guess_input_norm(path).name == "symmetric"
    ckpt = foreign.open_model(path)
    assert ckpt.model.cfg.name == "fast"
    x = torch.from_numpy(inputs())
    with torch.no_grad():
        assert torch.allclose(ckpt.model(x), model(x), atol=1e-6)


# --- Keras ----------------------------------------------------------------------------------------------------
def keras_net(arch: str, seed: int = 0) -> list[tuple[str, str, list[np.ndarray]]]:
    """A Keras net of a seed article as (class, padding or activation, weights in Keras's layouts), with
    random weights: batchnorm variances small, so that Keras's epsilon matters."""
    rng = np.random.default_rng(seed)

    def conv(k: int, c_in: int, c_out: int, padding: str):
        return ("Conv2D", padding, [rng.normal(0, (k * k * c_in) ** -0.5, (k, k, c_in, c_out)),
                                    rng.normal(0, 0.1, c_out)])

    def dense(n_in: int, n_out: int, activation: str):
        return ("Dense", activation, [rng.normal(0, n_in ** -0.5, (n_in, n_out)), rng.normal(0, 0.1, n_out)])

    def bn(c: int):
        return ("BatchNormalization", "", [rng.uniform(0.5, 1.5, c), rng.normal(0, 0.1, c), rng.normal(0, 0.1, c),
                                           rng.uniform(0.005, 0.05, c)])

    pool, flat, drop = ("MaxPooling2D", "", []), ("Flatten", "", []), ("Dropout", "", [])
    nets = {
        "seed-keras": [conv(3, 1, 32, "valid"), pool, conv(3, 32, 64, "valid"), pool, flat,
                       dense(1600, 10, "softmax")],
        "seed-convnet": [conv(3, 1, 64, "same"), pool, conv(3, 64, 128, "same"), pool, flat,
                         dense(6272, 1024, "relu"), drop, dense(1024, 10, "softmax")],
        "seed-convnet-bn": [conv(3, 1, 64, "same"), pool, bn(64), conv(3, 64, 128, "same"), pool, bn(128), flat,
                            dense(6272, 1024, "relu"), bn(1024), drop, dense(1024, 10, "softmax")],
    }
    return [(kind, how, [w.astype(np.float32) for w in weights]) for kind, how, weights in nets[arch]]


def keras_logits(net, x: np.ndarray) -> np.ndarray:
    """The Keras net's output before its softmax, computed as Keras does: NHWC maps flattened as they are."""
    h = x.reshape(len(x), 28, 28, 1).astype(np.float64)
    for kind, how, w in net:
        if kind == "Conv2D":
            k = w[0].shape[0]
            padded = np.pad(h, ((0, 0), (k // 2, k // 2), (k // 2, k // 2), (0, 0))) if how == "same" else h
            side = padded.shape[1] - k + 1
            h = sum(padded[:, i : i + side, j : j + side] @ w[0][i, j] for i in range(k) for j in range(k)) + w[1]
            h = np.maximum(h, 0)
        elif kind == "MaxPooling2D":
            n, s, _, c = h.shape
            h = h[:, : s // 2 * 2, : s // 2 * 2].reshape(n, s // 2, 2, s // 2, 2, c).max((2, 4))
        elif kind == "BatchNormalization":
            h = (h - w[2]) / np.sqrt(w[3] + 1e-3) * w[0] + w[1]
        elif kind == "Flatten":
            h = h.reshape(len(h), -1)
        elif kind == "Dense":
            h = h @ w[0] + w[1]
            h = np.maximum(h, 0) if how == "relu" else h
    return h


def keras_names(net) -> list[str]:
    """Keras's layer names: conv2d, conv2d_1, max_pooling2d, ... (per class, in order)."""
    snake = {"Conv2D": "conv2d", "MaxPooling2D": "max_pooling2d", "BatchNormalization": "batch_normalization",
             "Flatten": "flatten", "Dense": "dense", "Dropout": "dropout"}
    seen: dict[str, int] = {}
    names = []
    for kind, _, _ in net:
        base = snake[kind]
        names.append(base if base not in seen else f"{base}_{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    return names


def write_keras2(path: Path, net, whole_model: bool = True) -> Path:
    """Keras 2's HDF5 layout: ``model.save`` (under model_weights, beside the optimizer's) or ``save_weights``."""
    short = {"Conv2D": ["kernel", "bias"], "Dense": ["kernel", "bias"],
             "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"]}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"], f.attrs["backend"] = b"2.13.1", b"tensorflow"
        root = f.create_group("model_weights") if whole_model else f
        names = keras_names(net)
        root.attrs["layer_names"] = np.array([n.encode() for n in names])
        for name, (kind, _, weights) in zip(names, net):
            group = root.create_group(name)
            wnames = [f"{name}/{s}:0".encode() for s in short.get(kind, [])]
            group.attrs["weight_names"] = np.array(wnames) if wnames else np.zeros(0)
            for wname, w in zip(wnames, weights):
                group.create_dataset(wname.decode(), data=w)
        if whole_model:
            f.create_dataset("optimizer_weights/Adam/iter:0", data=np.array(100))
    return path


def write_keras3(path: Path, net) -> Path:
    """A Keras 3 ``.keras`` archive: config, metadata and model.weights.h5 (layers/<name>/vars/<i>, and the
    optimizer's variables, shaped like the weights, which must be left alone)."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("vars")
        for name, (_, _, weights) in zip(keras_names(net), net):
            group = f.create_group(f"layers/{name}/vars")
            for i, w in enumerate(weights):
                group.create_dataset(str(i), data=w)
        moments = [w for _, _, weights in net for w in weights]
        for i, w in enumerate([np.array(100, np.int64), *[np.ones_like(m) for m in moments]]):
            f.create_dataset(f"optimizer/vars/{i}", data=w)
    config = {"class_name": "Sequential", "config": {"layers": [{"class_name": kind} for kind, _, _ in net]}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buf.getvalue())
    return path


KERAS_FILES = [("seed-keras", "keras2"), ("seed-keras", "keras2-weights"), ("seed-keras", "keras3"),
               ("seed-convnet", "keras3"), ("seed-convnet-bn", "keras2"), ("seed-convnet-bn", "keras3")]


@pytest.mark.parametrize(("arch", "layout"), KERAS_FILES)
def test_keras_weights_read_as_keras_computes_them(tmp_path, arch, layout):
    if arch not in ARCHS:
        pytest.skip(f"no {arch} in this version's architectures")
    net = keras_net(arch)
    path = (write_keras3(tmp_path / "model.keras", net) if layout == "keras3"
            else write_keras2(tmp_path / "model.h5", net, whole_model=layout == "keras2"))
    guess = foreign.guess_input_norm(path)
    assert (guess.name, guess.certain) == ("unit", True)
    ckpt = foreign.open_model(path)
    assert ckpt.model.cfg.name == arch
    assert ckpt.meta["source"]["format"] == ("keras 3" if layout == "keras3" else "keras 2")
    x = inputs()
    expected = keras_logits(net, x)
    with torch.no_grad():
        got = ckpt.model(torch.from_numpy(x)).double().numpy()
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


# --- the input scaling ----------------------------------------------------------------------------------------
def test_the_scaling_is_guessed_kept_beside_the_file_and_used_again(tmp_path, image, capsys):
    ours = export_onnx(build("fast"), tmp_path / "ours.onnx")
    assert foreign.guess_input_norm(ours) == foreign.NormGuess(
        "unit", "exported by mnist-pad, which normalises inside the graph", True)
    theirs = export(SmallNet(), tmp_path / "theirs.onnx", (1, 28, 28))
    guess = foreign.guess_input_norm(theirs)
    assert guess.name == "unit" and not guess.certain
    side = foreign.remember_input_norm(theirs, "mnist")
    assert side == tmp_path / "theirs.onnx.mnist-pad.json" and json.loads(side.read_text()) == {"input_norm": "mnist"}
    assert foreign.guess_input_norm(theirs).name == "mnist" and foreign.guess_input_norm(theirs).certain
    assert foreign.open_model(theirs).normalize == MNIST_MEAN_STD
    side.write_text("{not json")  # a damaged file of ours: the guess from the model again
    assert foreign.guess_input_norm(theirs) == guess

    def predicted(*args: str) -> list[float]:
        assert run(["predict", "--weights", str(theirs), str(image), "--json", *args]) == 0
        return json.loads(capsys.readouterr().out)["probabilities"]

    chosen = predicted("--input-norm", "symmetric")
    assert foreign.saved_input_norm(theirs) == "symmetric" and predicted() == chosen != predicted("--input-norm", "unit")
    assert set(cli.INPUT_NORMS) == set(foreign.INPUT_NORMS)


def test_input_norm_is_refused_for_our_own_checkpoints(capsys, image):
    assert run(["predict", "--input-norm", "unit", str(image)]) == 2
    assert "--input-norm is for models of other tools" in one_error_line(capsys.readouterr().err, "predict")


@pytest.mark.parametrize("argv", [["export", "--onnx", "OUT"], ["finetune", "--samples", "DIR", "--out", "OUT"]])
def test_an_onnx_model_cannot_be_exported_or_fine_tuned(tmp_path, capsys, argv):
    path = export(SmallNet(), tmp_path / "theirs.onnx", (1, 28, 28))
    out = tmp_path / "out.file"
    argv = [{"OUT": str(out), "DIR": str(tmp_path)}.get(a, a) for a in argv]
    assert run([*argv, "--weights", str(path)]) == 2
    line = one_error_line(capsys.readouterr().err, argv[0])
    assert line.startswith(f"mnist-pad {argv[0]}: error: {path}: an ONNX model cannot be ") and not out.exists()


# --- bad files ------------------------------------------------------------------------------------------------
def bad_file(kind: str, folder: Path) -> tuple[Path, str]:
    """A model file that cannot be used, and what its error line must say."""
    if kind == "truncated onnx":
        good = export(SmallNet(), folder / "good.onnx", (1, 28, 28)).read_bytes()
        (folder / "cut.onnx").write_bytes(good[: len(good) // 2])
        return folder / "cut.onnx", "not an ONNX model"
    if kind == "text renamed onnx":
        (folder / "notes.onnx").write_text("my model, version 2\n")
        return folder / "notes.onnx", "not an ONNX model"
    if kind == "wrong input shape":
        return export(nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10)), folder / "cifar.onnx", (3, 32, 32)), \
            "takes input of shape Nx3x32x32"
    if kind == "12 outputs":
        return export(SmallNet(classes=12), folder / "twelve.onnx", (1, 28, 28)), "gives 12 values per image"
    if kind == "truncated pth":
        torch.save(ArticleNet().state_dict(), folder / "whole.pth")
        data = (folder / "whole.pth").read_bytes()
        (folder / "cnn.pth").write_bytes(data[: len(data) // 3])
        return folder / "cnn.pth", "not a readable PyTorch file"
    if kind == "pickled model":
        torch.save(ArticleNet(), folder / "net.pth")
        return folder / "net.pth", "holds more than weights"
    if kind == "article's flatten slip":
        torch.save(ArticleNet(64 * 5 * 5).state_dict(), folder / "slip.pth")
        return folder / "slip.pth", "its fc1 takes 64*5*5 = 1600 inputs"
    if kind == "text renamed h5":
        (folder / "weights.h5").write_text("not hdf5")
        return folder / "weights.h5", "not readable Keras weights"
    if kind == "pth without input_std":
        state = build("fast").state_dict()
        del state["input_std"]
        torch.save(state, folder / "half.pth")
        return folder / "half.pth", "not a model mnist-pad can read"
    if kind == "pth with a 1-D fc1":
        state = ArticleNet().state_dict()
        state["fc1.weight"] = torch.zeros(1024)
        torch.save(state, folder / "flat.pth")
        return folder / "flat.pth", "not a model mnist-pad can read"
    if kind == "huge compressed h5 dataset":
        import h5py

        with h5py.File(folder / "bomb.h5", "w") as f:  # a few kB on disk, 256 MB of zeros unpacked
            f.attrs["layer_names"] = [b"conv2d"]
            group = f.create_group("conv2d")
            group.attrs["weight_names"] = [b"kernel:0"]
            group.create_dataset("kernel:0", shape=(8192, 8192), dtype="f4", compression="gzip", fillvalue=0.0)
        return folder / "bomb.h5", "more than a digit classifier's layer"
    if kind == "h5 linking another file":
        import h5py

        with h5py.File(folder / "link.h5", "w") as f:
            f.attrs["layer_names"] = [b"conv2d"]
            group = f.create_group("conv2d")
            group.attrs["weight_names"] = [b"kernel:0"]
            group["kernel:0"] = h5py.ExternalLink("/etc/secret.h5", "/data")
        return folder / "link.h5", "a link to data elsewhere"
    if kind == "truncated keras":
        data = write_keras3(folder / "whole.keras", keras_net("seed-keras")).read_bytes()
        (folder / "cut.keras").write_bytes(data[: len(data) // 2])
        return folder / "cut.keras", "not a readable Keras archive"
    net = keras_net("seed-keras")
    net[-1] = ("Dense", "softmax", [np.zeros((1600, 12), np.float32), np.zeros(12, np.float32)])
    return write_keras2(folder / "twelve.h5", net), "fit none of the seed articles' nets"


BAD = ["truncated onnx", "text renamed onnx", "wrong input shape", "12 outputs", "truncated pth", "pickled model",
       "article's flatten slip", "text renamed h5", "truncated keras", "keras net of 12 classes",
       "pth without input_std", "pth with a 1-D fc1", "huge compressed h5 dataset", "h5 linking another file"]


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_model_file_is_one_line_naming_it_and_exit_2(tmp_path, capsys, image, kind):
    path, says = bad_file(kind, tmp_path)
    for command in (["predict", str(image)], ["eval", "--data-dir", str(tmp_path), "--no-download"]):
        assert run([*command, "--weights", str(path)]) == 2
        out, err = capsys.readouterr()
        line = one_error_line(err, command[0])
        assert line.startswith(f"mnist-pad {command[0]}: error: {path}: ") and says in line, line
        assert out == ""


def test_a_colour_nets_state_dict_is_a_cifar10_model(tmp_path):
    torch.save(build("seed-cifar").state_dict(), tmp_path / "cif.pt")
    ckpt = foreign.open_model(tmp_path / "cif.pt", "unit")
    assert ckpt.model.cfg.input_shape == (3, 32, 32) and ckpt.meta["dataset"] == "cifar10"
    assert ckpt.meta["classes"][:2] == ["airplane", "automobile"]


def test_the_job_process_reads_an_onnx_model_with_the_scaling_chosen_last(tmp_path):
    from mnist_pad.core.eval_jobs import checkpoint_for

    path = export(SmallNet(), tmp_path / "net.onnx", (1, 28, 28))
    foreign.remember_input_norm(path, "unit")
    assert checkpoint_for(path, "cpu").model.normalize == foreign.INPUT_NORMS["unit"]
    foreign.remember_input_norm(path, "symmetric")  # opened again in the window with another choice
    assert checkpoint_for(path, "cpu").model.normalize == foreign.INPUT_NORMS["symmetric"]


def test_an_onnx_model_is_refused_for_cifar10_before_any_data_is_read(tmp_path, capsys):
    path = export(SmallNet(), tmp_path / "net.onnx", (1, 28, 28))
    assert run(["eval", "--weights", str(path), "--input-norm", "unit", "--dataset", "cifar10", "--data-dir", str(tmp_path / "none"),
                "--no-download"]) == 2
    line = one_error_line(capsys.readouterr().err, "eval")
    assert "reads 28x28 grey images; cifar10's are 3x32x32" in line
