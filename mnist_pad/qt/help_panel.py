"""The keys the pad understands and the model in use."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser, QWidget

from ..core.checkpoint import Checkpoint
from ..core.models import parameter_count

SHORTCUTS = (
    ("draw", "left mouse button, or a tablet pen (pressure changes the width)"),
    ("Ctrl+Z", "undo the last stroke"),
    ("Esc", "clear the canvas"),
    ("[ and ]", "thinner / thicker pen"),
    ("0 - 9", "keep the drawing as a labelled sample of that digit (for fine-tuning), then clear"),
    ("Ctrl+Q", "quit (a running fine-tune or training is cancelled; nothing half-done is saved)"),
)


class HelpPanel(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)

    def show_model(self, ckpt: Checkpoint) -> None:
        meta = ckpt.meta
        rows = [("name", ckpt.name), ("architecture", f"{meta['arch']['name']}: {meta['arch'].get('description', '')}"),
                ("parameters", f"{parameter_count(ckpt.model):,d}")]
        if meta.get("test_accuracy") is not None:
            rows.append(("MNIST test accuracy", f"{meta['test_accuracy'] * 100:.2f}%"))
        for key in ("dataset", "created"):
            if meta.get(key):
                rows.append((key, str(meta[key])))
        rows.append(("file", str(ckpt.path or "(not saved)")))

        def table(pairs) -> str:
            return "<table cellspacing=4>" + "".join(
                f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in pairs) + "</table>"

        self.setHtml(
            "<h3>Keys</h3>" + table(SHORTCUTS) + "<h3>Model in use</h3>" + table(rows)
            + "<h3>How the drawing is read</h3><p>The drawing is cropped to its ink, its stroke width brought to "
            "MNIST's, fitted into 20x20 pixels keeping its aspect ratio and placed in 28x28 with its centre of "
            "mass in the middle: the way MNIST itself was made. When the top probability is under 60% the pad "
            "says it is unsure instead of guessing.</p>"
        )
