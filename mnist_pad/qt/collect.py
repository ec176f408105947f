"""Collecting labelled drawings in the training tab: a canvas, label buttons 0-9, Add, and a prompt that
asks for the classes with the fewest samples.

The canvas is square and as wide as the panel; the prompt, canvas and buttons stay together at the top,
the panel's spare height below them (a canvas taller than wide would only add empty bands around the
drawing square, between the drawing and its label buttons)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..core.sample_file import CLASSES
from .canvas import Canvas
from .i18n import translate

PROMPT_CLASSES = 3  # how many of the least-collected classes the prompt asks for


def prompt_text(counts: Sequence[int], k: int = PROMPT_CLASSES) -> str:
    """'Draw more 3, 5 and 8 (fewest samples: 0, 1, 1)': the classes fine-tuning needs most. Each sentence
    is one text to translate (the word order differs between languages)."""
    if min(counts) == max(counts) and counts[0] > 0:
        return translate("CollectPanel", "Every digit has {0} samples. Keep going: any digit helps.").format(counts[0])
    fewest = sorted(range(len(counts)), key=lambda c: (counts[c], c))[:k]
    values = [*fewest, *(counts[c] for c in fewest)]
    if len(fewest) == 3:
        return translate("CollectPanel", "Draw more {0}, {1} and {2} (fewest samples: {3}, {4}, {5})").format(*values)
    if len(fewest) == 2:
        return translate("CollectPanel", "Draw more {0} and {1} (fewest samples: {2}, {3})").format(*values)
    if len(fewest) == 1:
        return translate("CollectPanel", "Draw more {0} (fewest samples: {1})").format(*values)
    listed = translate("CollectPanel", "{0} and {1}").format(", ".join(str(c) for c in fewest[:-1]), fewest[-1])
    return translate("CollectPanel", "Draw more {0} (fewest samples: {1})").format(
        listed, ", ".join(str(counts[c]) for c in fewest))


class SquareCanvas(Canvas):
    """A canvas as tall as it is wide (Canvas.heightForWidth, always asked)."""

    def hasHeightForWidth(self) -> bool:
        return True


class CollectPanel(QWidget):
    """Draw, pick the label, Add. ``sample_ready(label, strokes, image)`` has the same signature as the
    pad's ``sample_labelled``, so both feed the same store."""

    sample_ready = Signal(int, list, object)  # label, strokes ((N, 3) arrays), image (280x280 float32)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = SquareCanvas()
        self.canvas.setMinimumSize(220, 220)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.labels = QButtonGroup(self)
        self.labels.setExclusive(True)
        grid = QGridLayout()
        grid.setSpacing(3)
        for c in range(CLASSES):
            button = QPushButton(str(c))
            button.setCheckable(True)
            button.setMinimumWidth(34)
            button.setToolTip(self.tr("Label the drawing as {0} (key {0})").format(c))
            self.labels.addButton(button, c)
            grid.addWidget(button, c // 5, c % 5)
            QShortcut(QKeySequence(str(c)), self, lambda c=c: self.key_label(c),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.labels.idToggled.connect(lambda *_: self._update_add())
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setDefault(True)
        self.add_button.setToolTip(self.tr("Keep the drawing with the chosen label (Enter)"))
        self.add_button.clicked.connect(self.add)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self, self.add, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        clear = QPushButton(self.tr("Clear"))
        clear.setToolTip(self.tr("Clear the canvas (Esc)"))
        clear.clicked.connect(self.canvas.clear)
        self.canvas.drawing_changed.connect(self._update_add)
        self.canvas.stroke_finished.connect(self._update_add)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setForegroundRole(QPalette.ColorRole.Link)  # blue in either theme, from the palette
        font = self.prompt.font()
        font.setBold(True)
        self.prompt.setFont(font)

        buttons = QHBoxLayout()
        buttons.addWidget(clear)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.prompt)
        layout.addWidget(self.canvas)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._update_add()

    def label(self) -> int | None:
        c = self.labels.checkedId()
        return None if c < 0 else c

    def set_label(self, label: int) -> None:
        self.labels.button(label).setChecked(True)

    def key_label(self, label: int) -> None:
        """A digit key, as on the pad: a drawing is kept at once as a sample of that digit; on an empty canvas
        the key only picks the label for the next Add."""
        self.set_label(label)
        self.add()

    def add(self) -> None:
        label = self.label()
        if label is None or self.canvas.is_empty():
            return
        self.sample_ready.emit(label, self.canvas.strokes(), self.canvas.image())
        self.canvas.clear()

    def show_sample(self, strokes: Sequence | None, label: int) -> None:
        """Put a kept sample back on the canvas (to look at it, or draw it again)."""
        if strokes:
            self.canvas.set_strokes(strokes)
        self.set_label(label)

    def show_counts(self, counts: Sequence[int]) -> None:
        self.prompt.setText(prompt_text(counts))

    def _update_add(self) -> None:
        self.add_button.setEnabled(self.label() is not None and not self.canvas.is_empty())
