"""The keys the pad understands and the model in use."""

from __future__ import annotations

import html

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QTextBrowser, QWidget

from ..core.checkpoint import Checkpoint
from ..core.foreign import NORM_TEXT, is_trainable
from ..core.models import parameter_count
from ..core.data import dataset_title
from ..core.reading import Reading
from .i18n import translate

# (key, what it does), shown in the Keys tab and in Help > Help: marked for translation here, translated where
# shown (``translate("HelpPanel", text)``); key names such as Ctrl+Z have no translation and stay as they are
SHORTCUTS = (
    (QT_TRANSLATE_NOOP("HelpPanel", "draw"),
     QT_TRANSLATE_NOOP("HelpPanel", "left mouse button, or a tablet pen (pressure changes the width)")),
    ("Ctrl+Z", QT_TRANSLATE_NOOP("HelpPanel", "undo the last stroke")),
    ("Esc", QT_TRANSLATE_NOOP("HelpPanel", "clear the canvas")),
    (QT_TRANSLATE_NOOP("HelpPanel", "[ and ]"), QT_TRANSLATE_NOOP("HelpPanel", "thinner / thicker pen")),
    ("0 - 9", QT_TRANSLATE_NOOP("HelpPanel", "keep the drawing as a labelled sample of that digit (for fine-tuning), "
                                             "then clear")),
    ("N", QT_TRANSLATE_NOOP("HelpPanel", "a wide canvas for a number (about eight digits), or back to the square one; "
                                         "click a digit's tag to see its input, feature maps and saliency")),
    ("Ctrl+1 / 2 / 3", QT_TRANSLATE_NOOP("HelpPanel", "the Pad, Train and Evaluate tabs")),
    ("Ctrl+O", QT_TRANSLATE_NOOP("HelpPanel", "open an image of a digit (a scan or a photo) in the pad")),
    ("Ctrl+S", QT_TRANSLATE_NOOP("HelpPanel", "save the drawing as a PNG image, and its strokes beside it "
                                              "(name.strokes.json: Ctrl+O opens them again to draw on)")),
    (QT_TRANSLATE_NOOP("HelpPanel", "Enter (Train tab)"),
     QT_TRANSLATE_NOOP("HelpPanel", "add the drawing as a sample with the chosen label")),
    (QT_TRANSLATE_NOOP("HelpPanel", "Del (Train tab)"), QT_TRANSLATE_NOOP("HelpPanel", "delete the selected samples")),
    (QT_TRANSLATE_NOOP("HelpPanel", "right click"),
     QT_TRANSLATE_NOOP("HelpPanel", "more actions on the drawing, the samples and the model list")),
    ("F1", QT_TRANSLATE_NOOP("HelpPanel", "help")),
    ("Ctrl+Q", QT_TRANSLATE_NOOP("HelpPanel", "quit (it asks first when a job is running: stopping it saves nothing "
                                              "half-done)")),
)


def translated_shortcuts(shortcuts=SHORTCUTS) -> list[tuple[str, str]]:
    """``shortcuts`` in the interface's language."""
    return [(translate("HelpPanel", key), translate("HelpPanel", text)) for key, text in shortcuts]


class HelpPanel(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)

    def _reading_text(self, reading: Reading) -> str:
        text = self.tr("The probabilities are calibrated (temperature {0:.2f}): when the pad says 90%, it is right "
                       "about nine times in ten. Under {1:.0%} for the top class it says it is unsure instead of "
                       "guessing.").format(reading.temperature, reading.unsure_below)
        if reading.not_a_digit_below is not None:
            text += " " + self.tr("When the two likeliest classes together get under {0:.0%}, it says the drawing is "
                                  "not a digit.").format(reading.not_a_digit_below)
        return text

    def show_model(self, ckpt: Checkpoint) -> None:
        meta = ckpt.meta
        trainable = is_trainable(ckpt)
        rows = [(self.tr("name"), ckpt.name),
                (self.tr("architecture"), f"{meta['arch']['name']}: {meta['arch'].get('description', '')}" if trainable
                 else self.tr("an ONNX model run by ONNX Runtime (no gradients: occlusion shows the evidence; "
                              "it cannot be fine-tuned)")),
                (self.tr("parameters"), f"{parameter_count(ckpt.model):,d}" if trainable else "-")]
        norm = (meta.get("source") or {}).get("input_norm")
        if norm:
            rows.append((self.tr("input scaling"), NORM_TEXT.get(norm, norm)))
        if meta.get("test_accuracy") is not None:
            rows.append((self.tr("{0} test accuracy").format(dataset_title(meta.get("dataset", "mnist"))),
                         f"{meta['test_accuracy'] * 100:.2f}%"))
        for key, label in (("dataset", self.tr("dataset")), ("created", self.tr("created"))):
            if meta.get(key):
                rows.append((label, str(meta[key])))
        rows.append((self.tr("file"), str(ckpt.path or self.tr("(not saved)"))))

        def table(pairs) -> str:
            return "<table cellspacing=4>" + "".join(
                f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in pairs) + "</table>"

        self.setHtml(
            "<h3>" + self.tr("Keys") + "</h3>" + table(translated_shortcuts()) + "<h3>" + self.tr("Model in use")
            + "</h3>" + table(rows) + "<h3>" + self.tr("How the drawing is read") + "</h3><p>"
            + self.tr("The drawing is cropped to its ink, its stroke width brought to MNIST's, fitted into 20x20 pixels "
                      "keeping its aspect ratio and placed in 28x28 with its centre of mass in the middle: the way "
                      "MNIST itself was made.")
            + "</p><p>" + self._reading_text(Reading.from_meta(meta)) + "</p>"
        )
