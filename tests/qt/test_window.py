"""The window as a desktop app: its menus, Help and About, opening and saving drawings, recent drawings and
models, the state it remembers across a restart, and asking before a close stops a running job."""

from __future__ import annotations

import time

import numpy as np
import PySide6
import pytest
import torch
from PySide6.QtCore import QSettings
from PIL import Image
from PySide6.QtWidgets import QApplication, QTextBrowser

from mnist_pad import __version__
from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.models import build
from mnist_pad.core.paths import models_dir
from mnist_pad.core.samples import SampleStore
from mnist_pad.qt import dialogs
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.window import MainWindow

from synthetic import Synthetic, synthetic_split


def stroke(x0: float, y0: float, x1: float, y1: float, n: int = 20) -> np.ndarray:
    t = np.linspace(0, 1, n, dtype=np.float32)
    return np.stack([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, np.ones_like(t)], axis=1)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def model_path(tmp_path):
    torch.manual_seed(0)
    return save(tmp_path / "m.safetensors", build("fast"), name="m", test_accuracy=0.99)


def make_window(qtbot, tmp_path, settings, path) -> MainWindow:
    window = MainWindow(AppState(load(path), SampleStore(tmp_path / "samples"), settings))
    qtbot.addWidget(window)
    return window


@pytest.fixture
def window(qtbot, tmp_path, settings, model_path):
    w = make_window(qtbot, tmp_path, settings, model_path)
    yield w
    w.close()


def menu_titles(window: MainWindow) -> dict[str, list[str]]:
    return {action.text(): [a.text() for a in action.menu().actions() if a.text()]
            for action in window.menuBar().actions()}


def test_the_menu_bar_has_file_model_view_and_help(window):
    menus = menu_titles(window)
    assert set(menus) == {"&File", "&Model", "&View", "&Help"}
    assert {"Open image...", "Open model file...", "Save drawing...", "Recent drawings", "Recent models",
            "Quit"} <= set(menus["&File"])
    assert {"Theme", "Language"} <= set(menus["&View"])
    assert {"Help", "About mnist-pad"} <= set(menus["&Help"])


def test_f1_opens_help_with_the_keys_and_about_names_versions_model_and_mnist(window, qtbot):
    help_action = next(a for a in window.menuBar().actions()[-1].menu().actions() if a.text() == "Help")
    assert help_action.shortcut().toString() == "F1"
    help_action.trigger()
    text = window.dialog.findChild(QTextBrowser).toPlainText()
    assert "Ctrl+Z" in text and "fine-tune" in text.lower() and "Evaluate" in text
    window.dialog.close()
    window.show_about()
    text = window.dialog.findChild(QTextBrowser).toPlainText()
    assert __version__ in text and torch.__version__ in text and "LeCun" in text and "CC BY-SA" in text
    assert PySide6.__version__ in text and "not installed" not in text
    assert "m (99.00% on MNIST test)" in text and "LGPL" in text


def test_a_drawing_saved_as_png_opens_again_and_reads_the_same(window, tmp_path):
    window.pad.canvas.set_strokes([stroke(0.5, 0.2, 0.5, 0.8)])
    before = window.pad.refresh()
    out = tmp_path / "one.png"
    assert window.save_drawing(str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    window.pad.clear_drawing()
    assert window.open_image(str(out))
    after = window.pad.prediction
    assert after.top == before.top
    np.testing.assert_allclose(after.probabilities, before.probabilities, atol=0.05)


def test_saving_an_empty_pad_or_opening_a_bad_file_says_so(window, tmp_path, monkeypatch):
    assert not window.save_drawing(str(tmp_path / "empty.png"))
    assert not (tmp_path / "empty.png").exists() and "empty" in window.statusBar().currentMessage()
    warned = []
    monkeypatch.setattr("mnist_pad.qt.window.QMessageBox.warning", lambda *a: warned.append(a[2]))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert not window.open_image(str(bad))
    assert warned and "bad.png" in warned[0]


def test_a_digit_key_on_the_pad_keeps_the_sample_and_says_so(window, qtbot):
    window.show()
    window.pad.canvas.set_strokes([stroke(0.5, 0.2, 0.5, 0.8)])
    window.pad.label_sample(1)
    window.pad.refresh()  # the cleared canvas is read again: the message stays until the next stroke
    assert "kept as a sample of 1" in window.pad.answer.text()
    status = window.statusBar().currentMessage()
    assert "Kept as a sample of 1" in status and "Train tab: 1)" in status
    assert len(window.app.samples) == 1 and window.train.status.text().startswith("Kept a sample of 1")
    window.pad.canvas.set_strokes([stroke(0.3, 0.3, 0.7, 0.7)])
    window.pad.refresh()
    assert "kept" not in window.pad.answer.text()


def test_cleared_drawings_come_back_from_recent_drawings(window):
    first = [stroke(0.5, 0.2, 0.5, 0.8)]
    window.pad.canvas.set_strokes(first)
    window.pad.clear_drawing()
    window.pad.canvas.set_strokes([stroke(0.2, 0.5, 0.8, 0.5)])
    window.pad.label_sample(7)
    window._fill_recent_drawings()
    actions = window.recent_drawings_menu.actions()
    assert [a.text() for a in actions] == ["1. kept as 7", "2. drawing (1 strokes)"]
    actions[1].trigger()
    np.testing.assert_allclose(window.pad.canvas.strokes()[0][:, :2], first[0][:, :2], atol=1e-3)


def test_the_window_comes_back_as_it_was(qtbot, tmp_path, settings, model_path):
    other = save(models_dir() / "mine.safetensors", build("fast"), name="mine")
    window = make_window(qtbot, tmp_path, settings, model_path)
    window.train.picker.open_file(str(other))
    window.pad.canvas.set_pen_width(0.07)
    window.pad.saliency.method_box.setCurrentIndex(1)
    window.pad.saliency.class_box.setCurrentIndex(4)
    window.pad.canvas.set_strokes([stroke(0.5, 0.2, 0.5, 0.8)])
    window.tabs.setCurrentIndex(2)
    window.close()
    assert settings.value("model/path") == str(other)

    again = make_window(qtbot, tmp_path, settings, model_path)
    again.restore_state()
    assert again.tabs.currentIndex() == 2
    assert again.pad.canvas.pen_width() == pytest.approx(0.07)
    assert again.pad.saliency.method_box.currentIndex() == 1 and again.pad.saliency.class_box.currentIndex() == 4
    assert again.pad.canvas.stroke_count() == 1
    again._fill_recent_models()
    assert str(other.resolve()) in again.recent_models_menu.actions()[0].text()
    again.close()


def test_the_remembered_model_is_the_one_the_app_starts_with(monkeypatch, tmp_path, settings):
    from mnist_pad.qt import app

    mine = save(tmp_path / "mine.safetensors", build("fast"), name="mine")
    settings.setValue("model/path", str(mine))
    ckpt, note = app._start_model(None, settings, torch.device("cpu"))
    assert ckpt.name == "mine" and note is None
    mine.write_bytes(b"damaged")
    ckpt, note = app._start_model(None, settings, torch.device("cpu"))
    assert ckpt.name == "default" and "could not be loaded" in note
    given = save(tmp_path / "given.safetensors", build("fast"), name="given")
    assert app._start_model(str(given), settings, torch.device("cpu"))[0].name == "given"


def test_closing_during_a_job_asks_and_stays_open_when_told_no(window, qtbot, monkeypatch):
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *a: asked.append(a[2]) or False)
    monkeypatch.setattr(window.train, "is_running", lambda: True)
    window.show()
    assert not window.close()
    assert window.isVisible() and asked and "Quitting stops it" in asked[0]
    monkeypatch.setattr(dialogs, "confirm", lambda *a: True)
    assert window.close()


def test_closing_while_a_fine_tune_runs_stops_it_at_once(qtbot, tmp_path, settings, model_path, monkeypatch):
    window = make_window(qtbot, tmp_path, settings, model_path)
    window.app.load_split = Synthetic()
    split = synthetic_split(40, seed=3)
    for image, label in zip(split.images.numpy(), split.labels.tolist()):
        window.app.samples.add(int(label), image)
    monkeypatch.setattr(dialogs, "confirm", lambda *a: True)
    tab = window.train
    tab.finetune_options.replay.setValue(0)
    tab.finetune_options.steps.setValue(10_000)
    tab.start_finetune()
    qtbot.waitUntil(lambda: tab.progress.value() > 0, timeout=60_000)
    start = time.perf_counter()
    assert window.close()
    assert time.perf_counter() - start < 2.0
    assert tab.runner.worker.wait(0) and not window.app.jobs.is_alive()  # its thread and process have ended
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=1000)
    assert list(models_dir().glob("*.safetensors")) == []  # nothing half-done was saved


def test_choosing_a_language_keeps_it_and_offers_a_restart(window, monkeypatch):
    from mnist_pad.qt import i18n, window as window_module

    started = []
    monkeypatch.setattr(window_module.QProcess, "startDetached", lambda *a: started.append(a) or True)
    monkeypatch.setattr(dialogs, "confirm", lambda *a: False)  # "later"
    window.show()
    window.language_actions["zh_CN"].trigger()
    assert i18n.chosen_language(window.app.settings) == "zh_CN" and window.isVisible() and not started
    monkeypatch.setattr(dialogs, "confirm", lambda *a: True)  # "Restart now"
    window.language_actions["en"].trigger()
    assert i18n.chosen_language(window.app.settings) == "en" and not window.isVisible()
    assert started and started[0][1][:2] == ["-m", "mnist_pad"]


def test_the_theme_menu_switches_and_keeps_the_theme(window, qtbot):
    from mnist_pad.qt.window import THEME_KEY

    window.theme_actions["dark"].trigger()
    qtbot.waitUntil(lambda: window.palette().window().color().lightness() < 100, timeout=2000)
    assert window.app.settings.value(THEME_KEY) == "dark"
    window.theme_actions["light"].trigger()
    qtbot.waitUntil(lambda: window.palette().window().color().lightness() > 150, timeout=2000)
    assert window.app.settings.value(THEME_KEY) == "light"


def test_the_clear_button_keeps_the_drawing_in_recent_drawings_without_a_label(window):
    from PySide6.QtWidgets import QPushButton

    window.pad.canvas.set_strokes([stroke(0.5, 0.2, 0.5, 0.8)])
    (clear,) = [b for b in window.pad.findChildren(QPushButton) if b.text() == "Clear"]
    clear.click()
    window._fill_recent_drawings()
    assert [a.text() for a in window.recent_drawings_menu.actions()] == ["1. drawing (1 strokes)"]


def test_a_phone_photo_of_a_number_opens_on_the_pad_and_reads_as_the_number(qtbot, tmp_path, settings, mnist_test):
    """File > Open on a photo of ruled, shaded paper, stored turned with an EXIF orientation: the pad shows the
    ink it found, upright and unsqueezed, and reads the number."""
    from PIL import Image

    from mnist_pad.core.paths import shipped_weights
    from tests.test_photo import jpeg, page

    inks = []
    for image in mnist_test.images[:3].numpy():  # 7, 2, 1
        ink = image.astype(np.float32) / 255
        rows, cols = np.flatnonzero(ink.max(1) > 0.1), np.flatnonzero(ink.max(0) > 0.1)
        ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        inks.append(np.asarray(Image.fromarray(ink, mode="F").resize((round(ink.shape[1] * 90 / ink.shape[0]), 90))))
    row = np.zeros((90, sum(i.shape[1] for i in inks) + 60), np.float32)
    x = 0
    for ink in inks:
        row[:, x : x + ink.shape[1]] = ink
        x += ink.shape[1] + 30
    photo = tmp_path / "photo.jpg"
    jpeg(page(row), photo, orientation=6)
    window = make_window(qtbot, tmp_path, settings, shipped_weights("reader"))
    assert window.open_image(str(photo))
    expected = "".join(str(int(v)) for v in mnist_test.labels[:3])
    assert window.pad.number.number == expected
    boxes = [box for box, _, _ in window.pad.canvas.boxes()]
    heights = {y1 - y0 for _, y0, _, y1 in boxes}
    assert len(boxes) == 3 and max(heights) < 1.6 * min(heights)  # upright digits of one size, not squeezed
    assert all(x1 - x0 < y1 - y0 for x0, y0, x1, y1 in boxes)  # each taller than wide, as written
    window.close()


def test_a_picture_pasted_or_dropped_opens_on_the_pad(qtbot, window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent, QImage

    sheet = np.full((120, 200, 3), 245, np.uint8)  # a dark bar on light paper, as a photo or a screenshot has it
    sheet[20:100, 95:108] = 30
    image = QImage(sheet.data, 200, 120, 600, QImage.Format.Format_RGB888).copy()
    QApplication.clipboard().setImage(image)
    assert window.paste_image()
    pasted = window.pad.canvas.image()
    assert window.pad.prediction.probabilities is not None and pasted.max() > 0.5
    rows, cols = np.flatnonzero(pasted.max(1) > 0.5), np.flatnonzero(pasted.max(0) > 0.5)
    assert rows[-1] - rows[0] > 3 * (cols[-1] - cols[0])  # the tall bar stays tall: the ink, not the paper

    window.pad.clear_drawing()
    path = tmp_path / "bar.png"
    Image.fromarray(sheet).save(path)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    assert np.allclose(window.pad.canvas.image(), pasted, atol=0.02)  # the same picture by file reads the same

    QApplication.clipboard().setText("not a picture")
    assert not window.paste_image() and "no picture" in window.statusBar().currentMessage()


def test_the_pads_drawing_is_what_training_snapshots_follow(window):
    window.pad.canvas.set_strokes([stroke(0.5, 0.2, 0.5, 0.8)])
    pred = window.pad.refresh()
    np.testing.assert_array_equal(window.train.probe, pred.pre.image)
    window.pad.clear_drawing()
    window.pad.refresh()
    assert window.train.probe is None
