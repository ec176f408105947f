"""The preprocessing steps that turned the drawing into the 28x28 input (core.preprocess keeps them)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from ..core.preprocess import STROKE_TARGET, Preprocessed
from .i18n import translate
from .images import ImagePanel

# step name in Preprocessed.steps -> caption; "drawing" is the canvas itself and is not repeated here
STEPS = {"crop": QT_TRANSLATE_NOOP("StepsView", "1 crop to ink"),
         "stroke": QT_TRANSLATE_NOOP("StepsView", "2 stroke width"),
         "fit 20x20": QT_TRANSLATE_NOOP("StepsView", "3 fit 20x20"),
         "input": QT_TRANSLATE_NOOP("StepsView", "4 centre by mass")}


class StepsView(QWidget):
    """Until there is ink, every step shows blank paper (a black square would look like a fault)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        self.panels: dict[str, ImagePanel] = {}
        self.captions: dict[str, QLabel] = {}
        for col, (name, caption) in enumerate(STEPS.items()):
            self.panels[name] = ImagePanel("CET-L1")
            self.panels[name].setFixedHeight(96)
            self.panels[name].show_empty()
            self.captions[name] = QLabel(translate("StepsView", caption))
            self.captions[name].setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.captions[name].setWordWrap(True)
            grid.addWidget(self.panels[name], 0, col)
            grid.addWidget(self.captions[name], 1, col)
            grid.setColumnStretch(col, 1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        grid.addWidget(self.note, 2, 0, 1, len(STEPS))

    def show_steps(self, pre: Preprocessed) -> None:
        """A skipped step (the stroke width was already MNIST-like) shows the image it was given."""
        if pre.empty:
            for panel in self.panels.values():
                panel.show_empty()
            self.note.setText("")
            return
        shown = np.zeros((28, 28), np.float32)
        for name, panel in self.panels.items():
            shown = pre.steps.get(name, shown)
            panel.set_image(shown)
        if "stroke" in pre.steps:
            self.note.setText(self.tr("stroke width {0:.1f} px (in the 20 px box) brought to MNIST's {1}").format(
                pre.stroke_width, STROKE_TARGET))
        else:
            self.note.setText(self.tr("stroke width {0:.1f} px in the 20 px box, like MNIST's: kept").format(
                pre.stroke_width))
