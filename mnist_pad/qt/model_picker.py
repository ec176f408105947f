"""Pick the model the whole window uses: the shipped ones, and the user's fine-tuned and trained ones.

Choosing an entry loads it and sets it on the shared :class:`AppState` (so the pad and the other tabs
switch at once). *Revert to base* returns to the model the window started with.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from ..core.catalog import ModelEntry, list_models
from ..core.checkpoint import Checkpoint, CheckpointError, load
from .app_state import AppState


def describe(entry: ModelEntry) -> str:
    """``name (arch, 99.06% MNIST)``, the facts that tell models apart in the list."""
    meta = entry.meta
    facts = [str((meta.get("arch") or {}).get("name", "?"))]
    if meta.get("test_accuracy") is not None:
        facts.append(f"{meta['test_accuracy'] * 100:.2f}% {meta.get('dataset', 'mnist')}")
    if meta.get("base"):
        facts.append(f"tuned from {meta['base']}")
    return f"{entry.name}{' (shipped)' if entry.shipped else ''} - {', '.join(facts)}"


class ModelPicker(QWidget):
    """A combo box of :func:`list_models` entries plus *Revert to base*. ``error`` carries messages about
    files that could not be listed or loaded (the tab shows them)."""

    error = Signal(str)

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.base: Checkpoint = app.checkpoint
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumContentsLength(16)  # the full description is in the list and the tooltip
        self.combo.activated.connect(self._choose)
        self.revert_button = QPushButton("Revert to base")
        self.revert_button.setToolTip(f"Use the model the window started with again: {self.base.name}")
        self.revert_button.clicked.connect(self.revert)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Model:"))
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.revert_button)
        self.entries: list[ModelEntry] = []
        self.problems: list[str] = []  # model files the last refresh skipped, each with its reason
        app.model_changed.connect(self._select_current)
        self.refresh()

    def refresh(self) -> None:
        """List the models again (after one was saved)."""
        self.entries, problems = list_models()
        for ckpt in (self.app.checkpoint, self.base):
            if ckpt.path is not None and not any(_same(e.path, ckpt.path) for e in self.entries):
                # the window was started with --weights outside the catalog: keep it choosable
                self.entries.insert(0, ModelEntry(Path(ckpt.path).stem, Path(ckpt.path), False, ckpt.meta))
        self.combo.blockSignals(True)
        self.combo.clear()
        for entry in self.entries:
            self.combo.addItem(describe(entry), str(entry.path))
        self.combo.blockSignals(False)
        self._select_current()
        self.problems = problems
        if problems:
            self.error.emit(skipped_models_message(problems))

    def revert(self) -> None:
        self.app.set_checkpoint(self.base)

    def _choose(self, row: int) -> None:
        path = Path(self.combo.itemData(row))
        if _same(path, self.app.checkpoint.path):
            return
        if self.base.path is not None and _same(path, self.base.path):
            self.app.set_checkpoint(self.base)
            return
        try:
            self.app.set_checkpoint(load(path, self.app.device))
        except CheckpointError as exc:
            self.error.emit(str(exc))
            self._select_current()

    def _select_current(self) -> None:
        current = self.app.checkpoint.path
        for row, entry in enumerate(self.entries):
            if current is not None and _same(entry.path, current):
                self.combo.blockSignals(True)
                self.combo.setCurrentIndex(row)
                self.combo.blockSignals(False)
                break
        self.revert_button.setEnabled(self.app.checkpoint is not self.base)


def skipped_models_message(problems: list[str]) -> str:
    """One message for the model files that could not be listed (each names its file and why)."""
    return f"{len(problems)} model file(s) skipped:\n" + "\n".join(problems[:3]) + (
        f"\n... and {len(problems) - 3} more (point here for all)" if len(problems) > 3 else "")


def _same(a: Path | None, b: Path | None) -> bool:
    return a is not None and b is not None and Path(a).resolve() == Path(b).resolve()
