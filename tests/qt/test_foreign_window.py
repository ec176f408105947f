"""Issue 16 in the window: a model made with the PyTorch article's code opens from File > Open model file,
after the user confirms its input scaling, and is then a model of theirs like any other."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mnist_pad.core import foreign
from mnist_pad.core.checkpoint import load
from mnist_pad.core.eval_jobs import DatasetChoice, evaluation_job
from mnist_pad.core.explain import Predictor
from mnist_pad.core.steps import drive
from mnist_pad.core.paths import models_dir, shipped_weights
from mnist_pad.qt import dialogs
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.window import MainWindow
from test_foreign import saved_article
from test_pad import SEVEN, draw


@pytest.fixture
def window(qtbot) -> MainWindow:
    widget = MainWindow(AppState(load(shipped_weights("default"))))
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    return widget


@pytest.fixture
def cnn_pth(tmp_path):
    return saved_article(tmp_path)


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


@pytest.fixture(scope="module")
def default_onnx(tmp_path_factory):
    """The shipped default model exported as a plain ONNX classifier: a model "made elsewhere" that reads."""
    from mnist_pad.core.export import export_onnx

    path = tmp_path_factory.mktemp("onnx") / "digits.onnx"
    return export_onnx(load(shipped_weights("default")).model, path)


def test_an_onnx_model_runs_the_pad_and_the_evaluation_and_refuses_fine_tuning(qtbot, window, default_onnx,
                                                                              monkeypatch, mnist_test):

    guesses = []

    def take_the_guess(parent, title, label, options, current):
        guesses.append(current)
        return current

    monkeypatch.setattr(dialogs, "ask_choice", take_the_guess)
    messages = []
    window.train.picker.message.connect(messages.append)
    assert window.train.picker.open_file(str(default_onnx))
    ckpt = window.app.checkpoint
    assert guesses == ["unit"]  # an mnist-pad export normalises inside its graph: it takes 0..1
    assert not foreign.is_trainable(ckpt) and ckpt.path == default_onnx and "ONNX model digits.onnx" in messages[0]
    assert not window.app.predictor.gradients and window.app.device.type == "cpu"
    window.show()
    qtbot.waitExposed(window)
    pad = window.pad
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        draw(qtbot, pad.canvas, SEVEN)
    native = load(shipped_weights("default"))
    expected = Predictor(native.model, backend="torch").predict(pad.canvas.image())
    np.testing.assert_allclose(pad.prediction.probabilities, expected.probabilities, atol=1e-4)
    assert pad.prediction.activations  # the conv nodes' feature maps
    assert set(pad.filters._kernels) and pad.filters.layer() is not None  # the filters the graph holds
    pad._update_slow_views()  # the saliency falls back to occlusion: no gradients in ONNX Runtime
    assert "occlusion" in pad.saliency.caption.text() and not pad.saliency.method_box.isEnabled()
    assert "ONNX Runtime" in pad.help.toPlainText()
    # the Evaluate tab's job loads it by its path in the job process: run that job here
    evaluated = drive(evaluation_job(ckpt.path, DatasetChoice("MNIST test", "mnist"),
                                     lambda dataset, split: mnist_test, None, "cpu"))
    assert evaluated.model == "digits" and evaluated.result.report.accuracy == pytest.approx(0.9972, abs=0.0005)
    # fine-tuning needs gradients: refused in the window's words, nothing started
    window.app.samples.add(7, pad.canvas.image(), pad.canvas.strokes())
    window.train.start_finetune()
    assert not window.train.runner.is_running() and "digits is an ONNX model" in window.train.status.text()


def test_a_cifar_model_is_not_put_on_the_pad(window, tmp_path, monkeypatch):
    """A net for CIFAR-10's 3x32x32 colour images cannot read the pad's drawings: refused in the window's
    words, at the start and when picked, and the model in use stays."""
    from mnist_pad.core.checkpoint import save
    from mnist_pad.core.models import build
    from mnist_pad.qt import app

    path = save(tmp_path / "colour.safetensors", build("seed-cifar"), dataset="cifar10")
    errors = []
    window.train.picker.error.connect(errors.append)
    before = window.app.checkpoint
    assert not window.train.picker.open_file(str(path))
    assert window.app.checkpoint is before and len(errors) == 1
    assert "colour reads 3x32x32 images (cifar10); the pad reads 28x28 grey digits. Pick it in the Evaluate tab" in errors[0]
    shown = []
    monkeypatch.setattr(app.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert app.launch(str(path), "cpu") == 2
    assert shown and "3x32x32" in shown[0]


def test_a_cifar_net_trained_in_the_tab_is_saved_but_not_put_on_the_pad(window, tmp_path):
    from mnist_pad.core.checkpoint import metadata, weights
    from mnist_pad.core.jobs import SavedModel
    from mnist_pad.core.models import build

    net = build("seed-cifar")
    saved = SavedModel(tmp_path / "seed-cifar-cifar10.safetensors", metadata(net, dataset="cifar10"), weights(net), None)
    before = window.app.checkpoint
    window.train._trained(saved)
    assert window.app.checkpoint is before
    assert window.train.status.text().startswith(f"Saved seed-cifar-cifar10; still using {before.name}: ")
    assert "the pad reads 28x28 grey digits. Pick it in the Evaluate tab" in window.train.status.text()


def test_an_evaluation_of_a_cifar_net_on_mnist_says_why_not(tmp_path, mnist_test):
    from mnist_pad.core.checkpoint import save
    from mnist_pad.core.models import build

    path = save(tmp_path / "colour.safetensors", build("seed-cifar"), dataset="cifar10")
    with pytest.raises(ValueError, match="colour reads 3x32x32 images; these are 1x28x28"):
        drive(evaluation_job(path, DatasetChoice("MNIST test", "mnist"), lambda dataset, split: mnist_test, None,
                             "cpu"))


def test_with_an_onnx_model_the_neighbours_button_says_why_it_waits(window, default_onnx, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_choice", lambda parent, title, label, options, current: current)
    button = window.evaluate.pages.neighbours_button
    assert button.isEnabled()
    assert window.train.picker.open_file(str(default_onnx))
    assert not button.isEnabled() and "ONNX model" in button.toolTip()
    window.train.picker.revert()
    assert button.isEnabled()
