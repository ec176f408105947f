"""The window with a poisoned user folder (issue 9): it starts, lists every bad sample and model file once in
the Train tab, and file failures in the window are messages in the window, never only a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bad_inputs import digit_image, poison_models, poison_store, tiny_checkpoint
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from mnist_pad.core.checkpoint import load
from mnist_pad.core.paths import models_dir, samples_dir
from mnist_pad.qt.app_state import AppState

REPO = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs and symlinks as Linux makes them")


@pytest.fixture
def poisoned(tmp_path) -> tuple[dict, list[str]]:
    weights = tiny_checkpoint(tmp_path / "tiny.safetensors")
    return poison_store(samples_dir()), poison_models(models_dir(), weights)


def test_the_app_starts_and_quits_with_a_poisoned_user_folder(poisoned, tmp_path):
    script = ("from PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication\n"
              "from mnist_pad.qt.app import launch\napp = QApplication([])\n"
              "QTimer.singleShot(1500, app.quit)\nraise SystemExit(launch())")
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_the_train_tab_lists_every_bad_file_once(poisoned, qtbot):
    from mnist_pad.qt.train_tab import TrainTab
    from mnist_pad.qt.window import MainWindow

    bad_samples, bad_models = poisoned
    window = MainWindow(AppState(load(tiny_checkpoint(samples_dir().parent / "base.safetensors"))))
    qtbot.addWidget(window)
    train = next(window.tabs.widget(i) for i in range(window.tabs.count())
                 if isinstance(window.tabs.widget(i), TrainTab))
    try:
        assert train.gallery.model.rowCount() == 1  # the good sample
        shown = train.gallery.problems.text()
        assert shown.startswith(f"{len(bad_samples) - 1} file(s) could not be read and were skipped")
        assert f"{len(bad_models)} model file(s) skipped" in train.status.text()
        assert [e.name for e in train.picker.entries if not e.shipped][-1] == "mine"
        window.pad.canvas.set_strokes([np.array([[0.3, 0.2, 1.0], [0.5, 0.8, 1.0]], np.float32)])
        assert window.pad.prediction is not None  # the pad works
    finally:
        window.close()


def test_file_failures_in_the_window_are_messages(qtbot, tmp_path, monkeypatch):
    from mnist_pad.core.samples import SampleStore
    from mnist_pad.qt.gallery import Gallery

    gallery = Gallery(SampleStore(tmp_path / "store"))
    qtbot.addWidget(gallery)
    gallery.add(3, digit_image())
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for button, folder, message in ((gallery.import_button, str(a_file), f"Import failed: {a_file}: is not a folder"),
                                    (gallery.export_button, "/proc", "Export failed: export folder /proc/")):
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, folder=folder, **k: folder)
        with qtbot.waitSignal(gallery.failed) as failure:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert failure.args[0].startswith(message)
    exported = []
    gallery.message.connect(exported.append)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    written = gallery.export_folder(str(tmp_path / "busy"))
    assert written.parent == tmp_path / "busy" and (written / "manifest.json").is_file()
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"
    assert exported == [f"Exported 1 sample(s) to {written}"]
