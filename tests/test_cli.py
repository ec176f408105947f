"""The command line end to end, in subprocesses and in this process: archs, train, eval, missing data, Ctrl-C,
no Qt; models by name, train's default output, the help, predict's device."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from bad_inputs import digit_image, one_error_line
from PIL import Image

from mnist_pad.cli import build_parser, run
from mnist_pad.core import device, evaluate
from mnist_pad.core.catalog import list_models
from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.data import DATASETS, ENV_VAR
from mnist_pad.core.explain import Predictor
from mnist_pad.core.models import ARCHS, build, parameter_count
from mnist_pad.core.paths import models_dir, shipped_weights
from mnist_pad.core.preprocess import load_image

REPO = Path(__file__).resolve().parent.parent
QT_PACKAGES = ("PySide6", "shiboken6", "pyqtgraph")
TINY = ["--arch", "fast", "--epochs", "1", "--limit", "3000", "--val-size", "500", "--device", "cpu", "--no-download"]


def cli_env(home: Path) -> dict[str, str]:
    """The environment of a CLI subprocess: this checkout importable, a private user folder and cache, one
    thread (tiny batches run faster on one on the shared 2-core machine), no data folder from the caller."""
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        MNIST_PAD_HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"),
        OMP_NUM_THREADS="1",
    )
    return env


def cli(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """``python -m mnist_pad ARGS``, with ``-X importtime`` so that :func:`qt_imports` can list its imports."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mnist_pad", *args], cwd=REPO, env=cli_env(home),
        check=False, capture_output=True, text=True, timeout=timeout,
    )


def qt_imports(result: subprocess.CompletedProcess) -> list[str]:
    """Qt modules (and our Qt layer) that a :func:`cli` run imported, from its ``-X importtime`` lines."""
    names = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert "mnist_pad.cli" in names  # the listing works
    return [n for n in names if n.split(".")[0] in QT_PACKAGES or n.startswith("mnist_pad.qt")]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli-home")


@pytest.fixture(scope="module")
def trained(home, mnist_dir, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A checkpoint written by ``mnist-pad train`` with tiny settings (shared by the tests below)."""
    out = tmp_path_factory.mktemp("cli-train") / "tiny.safetensors"
    result = cli(home, "train", *TINY, "--data-dir", str(mnist_dir), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert qt_imports(result) == []
    return out, result


def test_archs_lists_every_architecture_with_its_parameter_count(home):
    result = cli(home, "archs")
    assert result.returncode == 0, result.stderr
    assert qt_imports(result) == []
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()}
    assert rows == {name: f"{parameter_count(build(cfg)):,d}" for name, cfg in ARCHS.items()}


def test_train_writes_a_loadable_checkpoint(trained):
    out, result = trained
    assert f"wrote {out}" in result.stdout
    assert "epoch 1:" in result.stdout + result.stderr and "2500 images, 500 validation" in result.stderr
    ckpt = load(out)
    meta = ckpt.meta
    assert meta["arch"]["name"] == "fast" and meta["dataset"] == "mnist" and meta["epochs_run"] == 1
    assert meta["train_images"] == 2500 and meta["recipe"]["epochs"] == 1
    assert 0.3 < meta["test_accuracy"] <= 1 and meta["val_accuracy"] is not None
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temp file left beside it


def test_eval_json_gives_a_consistent_report(trained, home, mnist_dir):
    out, _ = trained
    result = cli(home, "eval", "--weights", str(out), "--json", "--data-dir", str(mnist_dir), "--no-download")
    assert result.returncode == 0, result.stderr
    assert qt_imports(result) == []
    report = json.loads(result.stdout)
    assert report["n"] == 10_000 and report["dataset"] == "mnist"
    confusion = report["confusion"]
    assert len(confusion) == 10 and sum(map(sum, confusion)) == report["n"]
    assert report["accuracy"] == pytest.approx(sum(confusion[i][i] for i in range(10)) / report["n"])
    assert report["accuracy"] == pytest.approx(load(out).meta["test_accuracy"])  # train evaluated the same way
    assert [c["class"] for c in report["per_class"]] == list("0123456789")
    assert [c["support"] for c in report["per_class"]] == [sum(row) for row in confusion]
    assert all({"precision", "recall", "f1"} <= set(c) for c in report["per_class"])


def test_missing_data_exits_2_naming_files_and_folders(home, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "never.safetensors"
    result = cli(home, "train", *TINY, "--data-dir", str(empty), "--out", str(out))
    assert result.returncode == 2
    for name in DATASETS["mnist"].files.values():
        assert name in result.stderr
    assert str(empty) in result.stderr  # the folder named is used or refused: no other is searched
    assert str(home / "cache") not in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_unknown_architecture_exits_2(tmp_path, capsys):
    assert run(["train", "--arch", "resnet", "--out", str(tmp_path / "x.safetensors")]) == 2
    assert "unknown architecture 'resnet'" in capsys.readouterr().err


def test_ctrl_c_during_training_leaves_no_file(home, mnist_dir, tmp_path):
    out_dir = tmp_path / "out"
    out = out_dir / "interrupted.safetensors"
    args = ["train", "--arch", "fast", "--epochs", "20", "--limit", "20000", "--device", "cpu", "--no-download"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mnist_pad", *args, "--data-dir", str(mnist_dir), "--out", str(out)],
        cwd=REPO, env=cli_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    stderr = bytearray()
    reader = threading.Thread(target=lambda: [stderr.extend(b) for b in iter(lambda: proc.stderr.read1(4096), b"")])
    reader.start()
    try:
        deadline = time.monotonic() + 150
        while b"ep 1/20" not in stderr:  # the progress bar's first report
            assert proc.poll() is None, f"train ended before any progress: {stderr.decode(errors='replace')}"
            assert time.monotonic() < deadline, "no progress output within 150 s"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(10)
    assert b"interrupted: nothing written" in stderr
    assert not out.exists()
    assert not out_dir.exists() or not list(out_dir.iterdir())


def test_console_script_and_python_m_agree(home):
    script = shutil.which("mnist-pad", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    if script is None:
        pytest.skip("the 'mnist-pad' console script is not installed here (pip install -e .); test_install covers it")
    by_script = subprocess.run([script, "archs"], env=cli_env(home), check=False, capture_output=True, text=True, timeout=120)
    assert by_script.returncode == 0, by_script.stderr
    assert by_script.stdout == cli(home, "archs").stdout


def test_core_never_imports_qt(home):
    """Every module under core/ (train, eval and archs runs are checked above by their import lists)."""
    code = (
        "import importlib, json, pkgutil, sys, mnist_pad.core, mnist_pad.cli\n"
        "for m in pkgutil.iter_modules(mnist_pad.core.__path__):\n"
        "    importlib.import_module('mnist_pad.core.' + m.name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=cli_env(home), check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    assert "mnist_pad.core.train" in modules and "mnist_pad.core.explain" in modules
    assert [m for m in modules if m.split(".")[0] in QT_PACKAGES or m.startswith("mnist_pad.qt")] == []


@pytest.mark.parametrize("argv", [["--weights", "X.safetensors", "eval"], ["eval", "--weights", "X.safetensors"]])
def test_weights_given_before_or_after_the_subcommand_are_kept(argv):
    assert build_parser().parse_args(argv).weights == "X.safetensors"
    assert build_parser().parse_args(["eval"]).weights is None  # the shipped model


# --- --weights takes the names the window shows ---------------------------------------------------------------
def user_model(name: str, seed: int = 0) -> Path:
    """A checkpoint of the fast architecture (random weights from ``seed``) in the user's models folder."""
    torch.manual_seed(seed)
    models_dir().mkdir(parents=True, exist_ok=True)
    return save(models_dir() / f"{name}.safetensors", build("fast"), name=name, dataset="mnist")


@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "seven.png"
    Image.fromarray(digit_image()).save(path)
    return path


def predicted(capsys, *args: str) -> list[float]:
    """The probabilities ``mnist-pad [ARGS] --json`` prints for one image."""
    assert run([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["probabilities"]


def test_predict_takes_a_user_model_by_name_before_or_after_the_subcommand(capsys, image):
    mine = user_model("mine")
    expected = Predictor.for_checkpoint(load(mine)).predict(load_image(image)).probabilities
    for argv in (["predict", "--weights", "mine", str(image)], ["--weights", "mine", "predict", str(image)]):
        assert predicted(capsys, *argv) == pytest.approx(expected.tolist(), abs=1e-5)
    assert predicted(capsys, "predict", "--weights", "mine", str(image)) != predicted(capsys, "predict", str(image))


def test_a_shipped_name_is_the_shipped_file_and_an_existing_file_wins(capsys, image, tmp_path, monkeypatch):
    by_path = predicted(capsys, "predict", "--weights", str(shipped_weights("small")), str(image))
    assert predicted(capsys, "predict", "--weights", "small", str(image)) == by_path
    assert by_path != predicted(capsys, "predict", "--weights", "default", str(image))
    monkeypatch.chdir(tmp_path)
    shutil.copy(user_model("mine"), tmp_path / "small")  # a file called 'small' here is taken over the name
    assert predicted(capsys, "predict", "--weights", "small", str(image)) == predicted(
        capsys, "predict", "--weights", "mine", str(image))


def test_eval_takes_a_name(capsys, mnist_dir):
    assert run(["eval", "--weights", "small", "--json", "--data-dir", str(mnist_dir), "--no-download"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["weights"] == str(shipped_weights("small")) and report["n"] == 10_000


def test_export_takes_a_name(capsys, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="checking the export needs onnxruntime (the 'onnx' extra)")
    pytest.importorskip("onnx", reason="ONNX export needs the 'onnx' extra")
    mine, out = user_model("mine"), tmp_path / "mine.onnx"
    assert run(["export", "--weights", "mine", "--onnx", str(out)]) == 0
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        expected = load(mine).model(x).numpy()
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert np.allclose(session.run(None, {session.get_inputs()[0].name: x.numpy()})[0], expected, atol=1e-4)
    capsys.readouterr()
    assert run(["export", "--weights", "mine", "--onnx", str(mine)]) == 2  # the name's file is the input
    assert "is this command's input" in capsys.readouterr().err and load(mine).name == "mine"


@pytest.mark.parametrize("argv", [
    ["eval", "--weights", "mnie"], ["predict", "--weights", "mnie", "IMAGE"], ["--weights", "mnie", "predict", "IMAGE"],
    ["export", "--weights", "mnie", "--onnx", "OUT"], ["finetune", "--samples", "TMP", "--weights", "mnie", "--out", "OUT"],
])
def test_an_unknown_name_is_one_line_listing_the_models(capsys, argv, image, tmp_path):
    user_model("mine")
    out = tmp_path / "out.file"
    argv = [{"IMAGE": str(image), "OUT": str(out), "TMP": str(tmp_path)}.get(a, a) for a in argv]
    assert run(argv) == 2
    command = next(a for a in argv if a in ("eval", "predict", "export", "finetune"))
    line = one_error_line(capsys.readouterr().err, command)
    assert line.endswith("mnie: no such checkpoint file, and no model of that name (models: default, small, reader, mine)")
    assert not out.exists()


def test_the_window_opens_on_a_named_model_or_refuses_in_one_line(capsys, monkeypatch):
    opened = []
    fake = types.ModuleType("mnist_pad.qt.app")
    fake.launch = lambda weights, device: opened.append((weights, device)) or 0
    monkeypatch.setitem(sys.modules, "mnist_pad.qt.app", fake)
    mine = user_model("mine")
    assert run(["--weights", "mine", "--device", "cpu"]) == 0 and run(["--weights", "small"]) == 0 and run([]) == 0
    assert opened == [(str(mine), "cpu"), (str(shipped_weights("small")), "auto"), (None, "auto")]
    assert run(["--weights", "nope"]) == 2 and len(opened) == 3
    assert capsys.readouterr().err == "mnist-pad: error: nope: no such checkpoint file, and no model of that name " \
                                      "(models: default, small, reader, mine)\n"


# --- train without --out ----------------------------------------------------------------------------------------
def test_train_without_out_saves_a_new_model_in_the_models_folder(capsys, mnist_dir, monkeypatch):
    models_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped_weights("small"), models_dir() / "fast-mnist.safetensors")
    real_evaluate = evaluate.evaluate

    def another_run_saves_first(*args, **kwargs):  # takes the name this run chose, while it trains
        shutil.copy(shipped_weights("default"), models_dir() / "fast-mnist-2.safetensors")
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(evaluate, "evaluate", another_run_saves_first)
    assert run(["train", "--arch", "fast", "--epochs", "1", "--limit", "640", "--val-size", "0", "--device", "cpu",
                "--data-dir", str(mnist_dir), "--no-download"]) == 0
    out = models_dir() / "fast-mnist-3.safetensors"
    assert capsys.readouterr().out.strip().endswith(f"wrote {out} (model 'fast-mnist-3')")
    ckpt = load(out)
    assert ckpt.name == "fast-mnist-3" and ckpt.meta["arch"]["name"] == "fast" and ckpt.meta["train_images"] == 640
    assert {e.name: e.path for e in list_models()[0]}["fast-mnist-3"] == out  # the window lists it; --weights takes it
    for name, shipped in (("fast-mnist", "small"), ("fast-mnist-2", "default")):  # neither written over
        assert (models_dir() / f"{name}.safetensors").read_bytes() == shipped_weights(shipped).read_bytes()
    assert len(list(models_dir().iterdir())) == 3


def test_train_without_out_refuses_a_models_folder_that_is_a_file(capsys):
    models_dir().parent.mkdir(parents=True, exist_ok=True)
    models_dir().write_text("not a folder")
    assert run(["train", "--arch", "fast", "--no-download"]) == 2
    assert one_error_line(capsys.readouterr().err, "train").endswith(f"{models_dir()}: the models folder is a file")
    assert models_dir().read_text() == "not a folder"


# --- help -------------------------------------------------------------------------------------------------------
def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def option_help(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each option's help text as ``--help`` shows it: option -> text."""
    parser.format_help()
    return {a.option_strings[-1]: a.help for a in parser._actions if a.option_strings}


def test_train_help_lists_the_architectures_and_the_recipe_defaults(capsys):
    with pytest.raises(SystemExit) as done:
        run(["train", "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert f"one of: {', '.join(ARCHS)}" in shown.replace("- ", "-")  # argparse may wrap at a hyphen
    helps = option_help(subcommands()["train"])
    for option in ("--batch-size", "--lr"):
        assert helps[option].endswith("(default: the recipe's)")
    assert "random seed" in helps["--seed"] and "(default: 0)" in helps["--seed"]
    assert "models folder" in helps["--out"]
    assert helps["--arch"].startswith(f"architecture, one of: {', '.join(ARCHS)} ")


def test_every_option_has_a_help_text():
    for name, parser in subcommands().items():
        for action in parser._actions:
            assert action.help and len(action.help) > 10, f"{name} {action.option_strings or action.dest}"


def test_parsing_and_version_import_no_torch(home):
    code = ("import sys, mnist_pad.cli as c\nc.build_parser().parse_args(['train', '--arch', 'fast'])\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], check=False, cwd=REPO, env=cli_env(home),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == "False\n", result.stderr


# --- predict --device -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("before", [True, False])
def test_predict_honours_device_before_or_after_the_subcommand(capsys, monkeypatch, image, before):
    asked = []
    real = device.resolve_device
    monkeypatch.setattr(device, "resolve_device", lambda name="auto": asked.append(name) or real(name))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    def argv(dev: str) -> list[str]:
        return ["--device", dev, "predict", str(image)] if before else ["predict", "--device", dev, str(image)]

    assert run(argv("cpu")) == 0 and run(["predict", str(image)]) == 0
    assert asked == ["cpu", "cpu"]  # auto is the CPU for single images, as in the window
    capsys.readouterr()
    assert run(argv("cuda")) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and one_error_line(captured.err, "predict").endswith(
        "--device cuda was asked for, but this torch build sees no CUDA GPU")


@pytest.mark.parametrize("argv", [["--device", "cpu", "predict", "x.png"], ["predict", "--device", "cpu", "x.png"]])
def test_device_given_before_or_after_predict_is_kept(argv):
    assert build_parser().parse_args(argv).device == "cpu"
    assert build_parser().parse_args(["predict", "x.png"]).device == "auto"
