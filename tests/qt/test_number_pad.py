"""Issue 13 in the window: the wide canvas for a number, a digit's own views a click on its tag away, the
timeline over the whole number, and a drawing's strokes saved and opened again."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from mnist_pad.core import drawing_file
from mnist_pad.core.checkpoint import load
from mnist_pad.core.files import BadInput
from mnist_pad.core.paths import shipped_weights
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.canvas import WIDE_ASPECT
from mnist_pad.qt.pad import PadTab
from mnist_pad.qt.stroke_history import marked_number
from mnist_pad.qt.window import MainWindow

from test_pad import draw

ONE = [[(0.5, 0.2), (0.5, 0.8)]]
SEVEN = [[(0.3, 0.25), (0.7, 0.25), (0.45, 0.8)]]
ZERO = [[(0.5 + 0.2 * np.sin(a), 0.5 - 0.3 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 24)]]
FOUR = [[(0.45, 0.2), (0.3, 0.6), (0.7, 0.6)], [(0.58, 0.38), (0.58, 0.85)]]
NUMBER = [ONE, SEVEN, ZERO, FOUR]  # 1704, written left to right in five strokes


def _write(qtbot, pad: PadTab, digits=NUMBER, start: float = 0.1, step: float = 0.55) -> None:
    """Write digits side by side with the mouse, one stroke at a time."""
    for k, digit in enumerate(digits):
        for stroke in digit:
            with qtbot.waitSignal(pad.predicted, timeout=5000):
                draw(qtbot, pad.canvas, [(start + x + k * step, y) for x, y in stroke], steps=3)


@pytest.fixture(scope="module")
def reader():
    return load(shipped_weights("reader"))


@pytest.fixture
def window(qtbot, reader) -> MainWindow:
    widget = MainWindow(AppState(reader))
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_number_key_widens_the_canvas_for_a_number_written_with_the_mouse(qtbot, window):
    pad = window.pad
    pad.canvas.setFocus()
    qtbot.keyClick(pad.canvas, Qt.Key.Key_N)
    assert pad.canvas.aspect() == WIDE_ASPECT and pad.wide_button.isChecked()
    assert pad.canvas.image_shape() == (280, round(280 * WIDE_ASPECT))
    # the wide canvas spans the tab above the views, not squeezed into the left column
    qtbot.waitUntil(lambda: pad.canvas.width() > 0.8 * pad.width(), timeout=3000)
    assert pad.canvas.geometry().bottom() < pad.chart.mapTo(pad, pad.chart.rect().topLeft()).y()
    _write(qtbot, pad)
    number = pad.number
    assert number.number == "1704" and pad.answer.text() == f"the number {marked_number(number)}"
    assert [label for _, label, _ in pad.canvas.boxes()] == ["1", "7", "0", "4"]
    qtbot.keyClick(pad.canvas, Qt.Key.Key_N)  # back to the square: the number does not fit, so it is kept
    assert pad.canvas.aspect() == 1 and pad.canvas.is_empty()
    window._fill_recent_drawings()
    latest = window.recent_drawings_menu.actions()[0]
    latest.trigger()
    assert pad.canvas.aspect() == WIDE_ASPECT and pad.canvas.stroke_count() == 5
    qtbot.waitUntil(lambda: pad.number is not None and pad.number.number == "1704", timeout=5000)


def test_clicking_a_digits_tag_shows_that_digit_and_draws_nothing(qtbot, window):
    pad = window.pad
    pad.set_wide(True)
    _write(qtbot, pad)
    assert pad.selected is None
    # by default the views follow the digit being written: the last stroke ended in the 4
    assert pad.shown.top == 4 and np.array_equal(pad.shown.pre.image, pad.number.digits[3].pre.image)
    strokes = pad.canvas.stroke_count()
    tag = pad.canvas.box_tag(1)
    qtbot.mouseClick(pad.canvas, Qt.MouseButton.LeftButton, pos=tag.center().toPoint())
    assert pad.selected == 1 and pad.canvas.stroke_count() == strokes
    seven = pad.number.digits[1]
    assert np.array_equal(pad.shown.pre.image, seven.pre.image) and pad.shown.top == 7
    np.testing.assert_allclose(pad.chart.heights, seven.probabilities, atol=1e-5)
    assert pad.answer.text() == "the number 1704"  # the answer is still the whole number
    # the timeline follows the 7: nothing before its stroke, then its probabilities, the number on the axis
    labels = pad.timeline.labels
    assert len(labels) == strokes and labels[-1] == "1704" and labels[0] == "1"
    assert np.isnan(pad.timeline.history[0]).all() and pad.timeline.history[1:, 7].min() > 0.5
    # a new stroke follows what is written again
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        draw(qtbot, pad.canvas, [(0.1 + 4 * 0.55 + 0.5, 0.2), (0.1 + 4 * 0.55 + 0.5, 0.8)], steps=3)
    assert pad.selected is None and pad.number.number == "17041"


def test_the_timeline_of_one_digit_is_as_before(qtbot, window):
    pad = window.pad
    _write(qtbot, pad, [SEVEN], start=0.0)
    assert pad.timeline.labels is None and len(pad.timeline.history) == 1
    np.testing.assert_allclose(pad.timeline.history[0], pad.prediction.probabilities, atol=1e-6)


def test_a_saved_number_opens_again_as_strokes_to_draw_on(qtbot, window, tmp_path):
    pad = window.pad
    pad.set_wide(True)
    _write(qtbot, pad)
    out = tmp_path / "number.png"
    assert window.save_drawing(str(out))
    assert Image.open(out).size == (round(280 * WIDE_ASPECT), 280)
    saved = tmp_path / "number.strokes.json"
    assert json.loads(saved.read_text())["aspect"] == WIDE_ASPECT
    strokes = pad.canvas.strokes()
    pad.clear_drawing()
    pad.set_wide(False)
    assert window.open_image(str(saved))
    assert pad.canvas.aspect() == WIDE_ASPECT and len(pad.canvas.strokes()) == len(strokes)
    for a, b in zip(pad.canvas.strokes(), strokes):
        np.testing.assert_allclose(a, b, atol=1e-4)
    pad.refresh()
    assert pad.number.number == "1704"
    pad.canvas.undo()  # strokes, not a picture: the 4's last stroke goes
    assert pad.canvas.stroke_count() == len(strokes) - 1
    # the PNG reads back as the same number too
    pad.clear_drawing()
    assert window.open_image(str(out))
    assert pad.number.number == "1704"


def test_a_broken_strokes_file_is_refused_in_the_windows_words(qtbot, window, tmp_path, monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append((title, text)))
    pad = window.pad
    _write(qtbot, pad, [SEVEN], start=0.0)
    bad = tmp_path / "bad.strokes.json"
    bad.write_text(json.dumps({"aspect": 2.0, "strokes": [[[3.5, 0.5, 1.0], [0.2, 0.5, 1.0]]]}))
    assert not window.open_image(str(bad))
    assert said and said[0][0] == "Cannot open the drawing" and "bad.strokes.json" in said[0][1]
    assert "leaves the canvas" in said[0][1]
    assert pad.canvas.stroke_count() == 1 and pad.canvas.aspect() == 1  # the drawing is untouched


def test_a_wide_picture_of_a_number_opens_on_the_wide_canvas(qtbot, window, tmp_path):
    pad = window.pad
    pad.set_wide(True)
    _write(qtbot, pad)
    png = tmp_path / "number.png"
    assert window.save_drawing(str(png))
    window.pad.set_wide(False)
    assert pad.canvas.aspect() == 1
    assert window.open_image(str(png))  # a photo or scan: read as a picture, not as strokes
    assert pad.canvas.aspect() == WIDE_ASPECT and pad.canvas.stroke_count() == 0
    assert pad.number.number == "1704"


def test_digit_keys_keep_no_sample_from_the_wide_canvas(qtbot, window):
    pad = window.pad
    pad.set_wide(True)
    kept = []
    pad.sample_labelled.connect(lambda *args: kept.append(args))
    _write(qtbot, pad, [SEVEN])
    pad.label_sample(7)
    assert not kept and pad.canvas.stroke_count() == 1 and "square canvas" in pad.answer.text()


def test_the_wide_drawing_comes_back_after_a_restart(qtbot, reader):
    first = MainWindow(AppState(reader))
    qtbot.addWidget(first)
    first.pad.set_wide(True)
    first.pad.canvas.set_strokes([np.array([[3.2, 0.2, 1.0], [3.2, 0.8, 1.0]], np.float32)])
    first.save_state()
    second = MainWindow(AppState(reader, settings=first.app.settings))
    qtbot.addWidget(second)
    second.restore_state()
    assert second.pad.canvas.aspect() == WIDE_ASPECT
    np.testing.assert_allclose(second.pad.canvas.strokes()[0][:, 0], 3.2)


def test_drawing_files_are_checked_before_use(tmp_path):
    good = drawing_file.SavedDrawing([np.array([[0.1, 0.2, 1.0], [3.9, 0.8, 0.5]], np.float32)], 4.0, 0.05)
    path = drawing_file.save(tmp_path / "n.strokes.json", good)
    back = drawing_file.load(path)
    assert back.aspect == 4.0 and back.pen == 0.05 and np.allclose(back.strokes[0], good.strokes[0], atol=1e-4)
    assert drawing_file.drawing_path(tmp_path / "n.png") == tmp_path / "n.strokes.json"
    for text, fault in (("{", "JSON"), ('{"strokes": 3}', "not a drawing"),
                        ('{"aspect": 20, "strokes": []}', "aspect"), ('{"pen": 2, "strokes": []}', "pen"),
                        ('{"strokes": [[[0.5, 1.5, 1]]]}', "leaves the canvas"),
                        ('{"strokes": [[1, 2]]}', "bad strokes")):
        bad = tmp_path / "bad.strokes.json"
        bad.write_text(text)
        with pytest.raises(BadInput, match="bad.strokes.json") as caught:
            drawing_file.load(bad)
        assert fault.lower() in str(caught.value).lower()
    with pytest.raises(BadInput, match="no such drawing file"):
        drawing_file.load(tmp_path / "missing.strokes.json")


def test_saving_a_picture_over_a_drawing_leaves_no_old_strokes_beside_it(qtbot, window, tmp_path):
    pad = window.pad
    _write(qtbot, pad, [SEVEN], start=0.0)
    out = tmp_path / "mine.png"
    assert window.save_drawing(str(out)) and (tmp_path / "mine.strokes.json").exists()
    pad.clear_drawing()
    pad.show_image(np.pad(np.ones((10, 4), np.float32), 9))  # a picture, no strokes
    assert window.save_drawing(str(out))
    assert out.exists() and not (tmp_path / "mine.strokes.json").exists()
