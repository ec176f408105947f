"""Issue 16 in the window: a model made with the PyTorch article's code opens from File > Open model file,
after the user confirms its input scaling, and is then a model of theirs like any other."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mnist_pad.core import foreign
from mnist_pad.core.checkpoint import load
from mnist_pad.core.paths import models_dir, shipped_weights
from mnist_pad.qt import dialogs
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.window import MainWindow
from test_foreign import ArticleNet


@pytest.fixture
def window(qtbot) -> MainWindow:
    widget = MainWindow(AppState(load(shipped_weights("default"))))
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    return widget


@pytest.fixture
def cnn_pth(tmp_path):
    torch.manual_seed(4)
    net = ArticleNet().eval()
    path = tmp_path / "cnn.pth"
    torch.save(net.state_dict(), path)  # what the article's code does
    return net, path


def test_the_pytorch_articles_model_opens_in_the_window_with_the_scaling_chosen(window, cnn_pth, monkeypatch):
    net, path = cnn_pth
    asked = []

    def answer(parent, title, label, options, current):
        asked.append((title, current, list(options)))
        return "unit"  # the user overrides the guess (-1..1, the article's)

    monkeypatch.setattr(dialogs, "ask_choice", answer)
    messages = []
    window.train.picker.message.connect(messages.append)
    assert window.train.picker.open_file(str(path))
    assert asked == [("Input scaling", "symmetric", ["unit", "mnist", "symmetric"])]
    ckpt = window.app.checkpoint
    assert ckpt.model.cfg.name == "seed-torch" and ckpt.path.parent == models_dir() and ckpt.path.stem == "cnn"
    assert messages == ["Imported cnn.pth as the model cnn (input 0..1)."]
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        np.testing.assert_allclose(ckpt.model(x).numpy(), net(x).numpy(), atol=1e-5)  # 0..1: fed as it is
    assert foreign.saved_input_norm(path) == "unit"  # asked again next time with this answer preselected
    window.pad.refresh()
    assert window.pad.prediction.probabilities is None or window.pad.prediction.probabilities.shape == (10,)
    assert window.train.picker.current_entry().path == ckpt.path  # listed with the user's models


def test_cancelling_the_scaling_question_opens_nothing(window, cnn_pth, monkeypatch):
    _, path = cnn_pth
    monkeypatch.setattr(dialogs, "ask_choice", lambda *args: None)
    before = window.app.checkpoint
    assert not window.train.picker.open_file(str(path))
    assert window.app.checkpoint is before and not list(models_dir().glob("cnn*"))


def test_a_broken_model_file_is_a_message_in_the_window(window, tmp_path, monkeypatch):
    bad = tmp_path / "broken.pth"
    bad.write_bytes(b"not a pickle at all")
    monkeypatch.setattr(dialogs, "ask_choice", lambda *args: pytest.fail("asked about a file that cannot be read"))
    errors = []
    window.train.picker.error.connect(errors.append)
    before = window.app.checkpoint
    assert not window.train.picker.open_file(str(bad))
    assert window.app.checkpoint is before and len(errors) == 1 and "broken.pth" in errors[0]
