"""The interface in Chinese: every text of the code has a translation in the shipped files, the shipped .qm
is made from the shipped .ts, and the window built in zh_CN shows no English left untranslated."""

from __future__ import annotations

import importlib.util
import re

import pytest
import torch
from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabWidget,
    QWidget,
)

from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.explain import NotForThePad, Predictor
from mnist_pad.core.catalog import SHIPPED
from mnist_pad.core.models import ARCHS, build
from mnist_pad.core.samples import SampleStore
from mnist_pad.qt import i18n
from mnist_pad.qt.app_state import AppState
from mnist_pad.qt.window import MainWindow

from conftest import REPO

spec = importlib.util.spec_from_file_location("update_translations", REPO / "scripts" / "update_translations.py")
update_translations = importlib.util.module_from_spec(spec)
spec.loader.exec_module(update_translations)

# Words that stay as they are in any language: names of things, units, keys, and the architectures' names
KEEP = {"mnist", "fashion", "onnx", "onnxruntime", "grad", "cam", "cpu", "cuda", "png", "json", "ctrl", "esc",
        "shift", "thread", "threads", "pytorch", "torch", "qt", "pyside", "numpy", "pyqtgraph", "english",
        "safetensors", "relu", "conv", "gpu", "mps", "pad", "del", "enter", "pca", "sne", "umap", "learn"} | {
        word for name in (*ARCHS, *SHIPPED) for word in re.findall(r"[a-z]+", name.lower())}  # names stay names


def english_words(text: str) -> list[str]:
    """Runs of three or more Latin letters that are not names kept in every language."""
    words = re.findall(r"[A-Za-z]{3,}", re.sub(r"\$\w+|(/|\\)[^\s]*|\S+\.(py|png|json|safetensors)\b", " ", text))
    return [w for w in words if w.lower() not in KEEP]


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(what, text) of every text a user reads in ``root``: labels, buttons, titles, tabs, menus, tooltips."""
    texts = []
    for w in [root, *root.findChildren(QWidget)]:
        kind = type(w).__name__
        if isinstance(w, QLabel) and not w.text().startswith("<"):  # rich text: tables of model facts
            texts.append((kind, w.text()))
        if isinstance(w, QAbstractButton):
            texts.append((kind, w.text()))
        if isinstance(w, QGroupBox):
            texts.append((kind, w.title()))
        if isinstance(w, QLineEdit):
            texts.append((kind, w.placeholderText()))
        if isinstance(w, QTabWidget):
            texts.extend((kind, w.tabText(i)) for i in range(w.count()))
        if isinstance(w, QComboBox):
            texts.extend((kind, w.itemText(i)) for i in range(w.count()))
        if isinstance(w, QMenu):
            texts.extend((kind, a.text()) for a in w.actions())
        texts.append((kind + " tooltip", w.toolTip()))
    return [(what, text) for what, text in texts if text]


@pytest.fixture
def chinese(qapp):
    translators = i18n.install_translators(qapp, "zh_CN")
    yield translators
    for translator in translators:
        qapp.removeTranslator(translator)


def test_every_text_of_the_code_has_a_chinese_translation():
    assert update_translations.stale("zh_CN") == []


def test_the_shipped_qm_is_made_from_the_shipped_ts(tmp_path):
    ts = update_translations.ts_path("zh_CN")
    update_translations.lrelease(ts, tmp_path / "made.qm")
    assert (tmp_path / "made.qm").read_bytes() == ts.with_suffix(".qm").read_bytes()


def test_the_window_in_chinese_shows_no_english_left(qtbot, tmp_path, chinese):
    assert chinese, "the zh_CN translations did not load"
    torch.manual_seed(0)
    ckpt = load(save(tmp_path / "m.safetensors", build("fast"), name="m"))
    window = MainWindow(AppState(ckpt, SampleStore(tmp_path / "s"), QSettings(str(tmp_path / "s.ini"),
                                                                              QSettings.Format.IniFormat)))
    qtbot.addWidget(window)
    window.pad.refresh()
    left = [(what, text, english_words(text)) for what, text in visible_texts(window) if english_words(text)]
    window.close()
    assert left == []
    assert any("\u4e00" <= ch <= "\u9fff" for ch in window.tabs.tabText(0))


def test_the_language_follows_the_system_or_the_choice(tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert i18n.chosen_language(settings) == "system"
    assert i18n.effective_language("system", QLocale("zh_CN")) == "zh_CN"
    assert i18n.effective_language("system", QLocale("en_GB")) == "en"
    assert i18n.effective_language("en", QLocale("zh_CN")) == "en"
    settings.setValue(i18n.SETTINGS_KEY, "klingon")
    assert i18n.chosen_language(settings) == "system"



def test_a_refusal_of_the_core_is_in_the_windows_language(tmp_path, chinese):
    """A net for other images than the pad's is refused in Chinese, naming the net and its images."""
    net = build("seed-cifar")
    ckpt = load(save(tmp_path / "colour.safetensors", net, dataset="cifar10"))
    with pytest.raises(NotForThePad) as refused:
        Predictor.for_checkpoint(ckpt)
    text = i18n.refusal(refused.value)
    assert text.startswith("colour 读取 3x32x32 的图像（cifar10）") and not english_words(text.replace("colour", ""))
    assert i18n.refusal(ValueError("x.png: not an image")) == "x.png: not an image"  # the others as the core words them
