"""Set-ups the Qt tests share: a Train tab on synthetic data and its shutdown, the main window shown at a screen
size, and whether a widget lies inside a window."""

from __future__ import annotations

import torch
from PySide6.QtCore import QRect, QSettings
from PySide6.QtWidgets import QWidget
from synthetic import Synthetic

from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.models import build
from mnist_pad.core.samples import SampleStore
from mnist_pad.qt.app_state import AppState


def make_train_tab(qtbot, path, tmp_path):
    """A Train tab with the model at ``path`` in use, its samples and settings in ``tmp_path``, and synthetic
    data in place of MNIST."""
    from mnist_pad.qt.train_tab import TrainTab

    state = AppState(load(path), SampleStore(tmp_path / "samples"),
                     QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    state.load_split = Synthetic()
    tab = TrainTab(state)
    qtbot.addWidget(tab)
    return tab


def close_train_tab(tab, qtbot) -> None:
    """No thread outlives a test, nor the job process."""
    tab.shutdown()
    tab.app.close()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)


def window_at(qtbot, tmp_path, size: tuple[int, int], checkpoint=None):
    """The main window shown at ``size``, with a fresh ``fast`` net in use unless a checkpoint is given."""
    from mnist_pad.qt.window import MainWindow

    if checkpoint is None:
        torch.manual_seed(0)
        checkpoint = load(save(tmp_path / "m.safetensors", build("fast"), name="m"))
    window = MainWindow(AppState(checkpoint))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def placed(widget: QWidget, window: QWidget) -> QRect:
    """Where ``widget`` lies in ``window``."""
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
