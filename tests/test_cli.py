"""The command line end to end, in subprocesses: archs, train, eval, missing data, Ctrl-C, no Qt."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mnist_pad.cli import build_parser, run
from mnist_pad.core.checkpoint import load
from mnist_pad.core.data import DATASETS, ENV_VAR
from mnist_pad.core.models import ARCHS, build, parameter_count

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
        capture_output=True, text=True, timeout=timeout,
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
    by_script = subprocess.run([script, "archs"], env=cli_env(home), capture_output=True, text=True, timeout=120)
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
        [sys.executable, "-c", code], cwd=REPO, env=cli_env(home), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    modules = json.loads(result.stdout)
    assert "mnist_pad.core.train" in modules and "mnist_pad.core.explain" in modules
    assert [m for m in modules if m.split(".")[0] in QT_PACKAGES or m.startswith("mnist_pad.qt")] == []


@pytest.mark.parametrize("argv", [["--weights", "X.safetensors", "eval"], ["eval", "--weights", "X.safetensors"]])
def test_weights_given_before_or_after_the_subcommand_are_kept(argv):
    assert build_parser().parse_args(argv).weights == "X.safetensors"
    assert build_parser().parse_args(["eval"]).weights is None  # the shipped model
