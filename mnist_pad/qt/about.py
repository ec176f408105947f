"""Help > About (versions, the model in use, licences, where MNIST comes from) and Help > Help (F1): what each
tab does and every key."""

from __future__ import annotations

import html
import platform
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from .. import __version__
from ..core.checkpoint import Checkpoint
from ..core.data import dataset_title
from .help_panel import translated_shortcuts
from .i18n import translate

# (library, licence): what the app is built on, as each project licenses itself
LICENCES = (
    ("mnist-pad", "MIT"),
    ("Qt 6 / PySide6", "LGPL-3.0"),
    ("PyTorch", "BSD-3-Clause"),
    ("ONNX Runtime", "MIT"),
    ("pyqtgraph", "MIT"),
    ("NumPy", "BSD-3-Clause"),
    ("safetensors", "Apache-2.0"),
    ("platformdirs", "MIT"),
    ("tqdm", "MPL-2.0 and MIT"),
)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return translate("About", "not installed")


def versions() -> list[tuple[str, str]]:
    """(component, version) of the app and what it runs on; read from the installed packages' metadata, so
    nothing heavy is imported for it."""
    return [("mnist-pad", __version__), ("Python", platform.python_version()), ("Qt", qVersion()),
            ("PySide6", PySide6.__version__), ("torch", _version("torch")), ("ONNX Runtime", _version("onnxruntime")),
            ("NumPy", _version("numpy")), ("pyqtgraph", _version("pyqtgraph"))]


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table cellspacing=3>" + "".join(
        f"<tr><td><b>{html.escape(a)}</b></td><td>{html.escape(b)}</td></tr>" for a, b in rows) + "</table>"


def about_html(ckpt: Checkpoint) -> str:
    acc = ckpt.meta.get("test_accuracy")
    model = (translate("About", "{0} ({1:.2%} on {2} test)").format(
        ckpt.name, acc, dataset_title(ckpt.meta.get("dataset", "mnist"))) if acc is not None else ckpt.name)
    return (
        "<h2>mnist-pad " + html.escape(__version__) + "</h2><p>"
        + translate("About", "Draw digits, watch a convolutional network read them, and teach it your handwriting.")
        + "</p><h3>" + translate("About", "Model in use") + "</h3><p>" + html.escape(model) + "<br>"
        + html.escape(str(ckpt.path or "")) + "</p><h3>" + translate("About", "Versions") + "</h3>"
        + _table(versions()) + "<h3>" + translate("About", "Licences") + "</h3>" + _table(list(LICENCES))
        + "<h3>" + translate("About", "Data") + "</h3><p>"
        + translate("About", "The MNIST database of handwritten digits: Yann LeCun, Corinna Cortes and Christopher "
                    "J. C. Burges, made from NIST's Special Databases 1 and 3; used under CC BY-SA 3.0. "
                    "Fashion-MNIST: Zalando Research, MIT licence. The shipped models were trained on MNIST.")
        + "</p>")


def help_html(shortcuts: list[tuple[str, str]]) -> str:
    """What each tab does and the keys: ``shortcuts`` as help_panel.SHORTCUTS has them (English, marked for the
    "HelpPanel" context), translated here."""
    tabs = [
        (translate("About", "Pad"), translate("About", "Draw a digit with the mouse or a pen. The answer, the ten "
                                              "probabilities, the 28x28 image the network receives, where the "
                                              "evidence is (Grad-CAM), the feature maps and the filters follow every "
                                              "stroke. A digit key keeps the drawing as a sample for fine-tuning.")),
        (translate("About", "Train"), translate("About", "Draw and label samples of your handwriting, then fine-tune "
                                                "the model on them (MNIST is mixed in so that it keeps what it knew), "
                                                "or train a model from scratch. Pick, rename or delete models at the "
                                                "top right.")),
        (translate("About", "Evaluate"), translate("About", "Measure a model on MNIST, Fashion-MNIST or your samples: "
                                                   "accuracy, a confusion matrix whose cells open their images, the "
                                                   "most confident mistakes, a comparison of two models, and the "
                                                   "training images nearest to your drawing.")),
    ]
    return ("<h2>" + translate("About", "How to use mnist-pad") + "</h2>" + _table(tabs)
            + "<h3>" + translate("About", "Keys") + "</h3>"
            + _table(translated_shortcuts(shortcuts))
            + "<p>" + translate("About", "The data folder (for fine-tuning and evaluation) is chosen in the Train tab "
                                "with Browse...; without one, mnist-pad offers to download MNIST.") + "</p>")


def show_html(parent: QWidget, title: str, text: str) -> QDialog:
    """A non-modal dialog with ``text`` (links open outside); returned so tests can read it."""
    dialog = QDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # each F1 makes a new one: none piles up
    dialog.setWindowTitle(title)
    browser = QTextBrowser()
    browser.setOpenExternalLinks(True)
    browser.setHtml(text)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    screen = parent.screen().availableGeometry() if parent is not None else None
    dialog.resize(min(620, screen.width() - 40) if screen else 620, min(640, screen.height() - 80) if screen else 640)
    dialog.show()
    return dialog
