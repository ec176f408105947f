"""Shared fixtures. Every test runs offline with a private user data folder; Qt runs offscreen."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ.get("MNIST_PAD_DATA"):  # absolute: tests run subprocesses and symlinks from other folders
    os.environ["MNIST_PAD_DATA"] = str(Path(os.environ["MNIST_PAD_DATA"]).resolve())

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def one_torch_thread():
    """Torch on one thread for a test module, as the window and its job process run it on the 2-core machine
    (qt/app.py: all cores but one); the small batches of tests are faster so anyway. Modules ask for it with
    ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True, scope="session")
def _no_automatic_garbage_collection():
    """As the app does (mnist_pad/qt/app.py): the cyclic collector must never run in a background thread,
    where it could destroy a finished test's Qt widgets off the main thread (a segfault seen once)."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test():
    """...on the main thread instead, after each test: the oldest generation past its threshold, as the
    automatic collector would (a full collection after every test costs about a minute in all)."""
    yield
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = [generation for generation in range(3) if counts[generation] > thresholds[generation]]
    if due:
        gc.collect(due[-1])


@pytest.fixture(autouse=True)
def _private_user_dir(tmp_path_factory, monkeypatch):
    """Samples, models and caches go to a fresh folder, never the real user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MNIST_PAD_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    try:  # the window's settings (model in use, theme, recent files) too
        from PySide6.QtCore import QSettings
    except ImportError:
        return home
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(home / "config"))
    return home


def _mnist_dir() -> Path | None:
    for candidate in (os.environ.get("MNIST_PAD_DATA"), REPO.parent / "shared" / "datasets" / "mnist"):
        if candidate and (Path(candidate) / "t10k-images-idx3-ubyte.gz").is_file():
            return Path(candidate).resolve()
    return None


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The real MNIST files. CI has them beside the checkout, so there a missing set fails the test."""
    found = _mnist_dir()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but MNIST is not at $MNIST_PAD_DATA or ../shared/datasets/mnist")
        pytest.skip("real MNIST not found (set MNIST_PAD_DATA)")
    return found


@pytest.fixture(scope="session")
def mnist_test(mnist_dir):
    from mnist_pad.core.data import load_split

    return load_split("mnist", "test", mnist_dir)


@pytest.fixture(autouse=True)
def _no_modal_dialog(monkeypatch):
    """A question the window asks (QMessageBox/QDialog ``exec``) would wait forever offscreen: a test that
    reaches one without answering it (by replacing mnist_pad.qt.dialogs or data_prompt.ask) fails at once."""
    try:
        from PySide6.QtWidgets import QDialog, QMessageBox
    except ImportError:
        return

    def refuse(self, *args):
        raise AssertionError(f"a modal dialog opened in a test: {self.windowTitle()!r} {getattr(self, 'text', str)()!r}")

    def refuse_static(*args):
        raise AssertionError(f"a message box opened in a test: {args[1:3]!r}")

    for cls in (QDialog, QMessageBox):
        monkeypatch.setattr(cls, "exec", refuse)
    for name in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse_static))
