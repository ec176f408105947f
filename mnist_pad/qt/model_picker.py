"""Pick the model the whole window uses: the shipped ones, and the user's fine-tuned and trained ones.

Choosing an entry loads it and sets it on the shared :class:`AppState` (so the pad and the other tabs
switch at once). *Revert to base* returns to the model the window started with. The model in use can be
renamed or deleted (the user's own models only) from the button beside the list or its context menu, and
any checkpoint file opened.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from ..core import foreign
from ..core.catalog import ModelEntry, delete_model, list_models, rename_model
from ..core.data import dataset_title
from ..core.checkpoint import Checkpoint, CheckpointError, load
from ..core.files import FILE_ERRORS, BadInput
from ..core.paths import models_dir, shipped_weights
from . import dialogs
from .app_state import AppState
from .i18n import refusal, translate


def describe(entry: ModelEntry) -> str:
    """``name - arch, 99.06% MNIST, tuned from base``: the facts that tell models apart in the list (the
    architecture only when the name does not say it already)."""
    meta = entry.meta
    arch = str((meta.get("arch") or {}).get("name", "?"))
    facts = [] if arch == entry.name else [arch]
    if meta.get("test_accuracy") is not None:
        facts.append(f"{meta['test_accuracy'] * 100:.2f}% {dataset_title(meta.get('dataset', 'mnist'))}")
    if meta.get("base"):
        facts.append(translate("ModelPicker", "tuned from {0}").format(meta["base"]))
    name = translate("ModelPicker", "{0} (shipped)").format(entry.name) if entry.shipped else entry.name
    return f"{name} - {', '.join(facts)}" if facts else name


class ModelPicker(QWidget):
    """A combo box of :func:`list_models` entries plus *Revert to base*. ``error`` carries messages about
    files that could not be listed or loaded (the tab shows them)."""

    error = Signal(str)
    message = Signal(str)  # what a rename or delete did
    opened = Signal(str)  # a model file was opened (its path: for the recent files)

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.base: Checkpoint = app.checkpoint
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumContentsLength(16)  # the full description is in the list and the tooltip
        self.combo.activated.connect(self._choose)
        self.revert_button = QPushButton(self.tr("Revert to base"))
        self.revert_button.clicked.connect(self.revert)
        self.rename_action = QAction(self.tr("Rename model..."), self)
        self.rename_action.triggered.connect(self.rename_current)
        self.delete_action = QAction(self.tr("Delete model..."), self)
        self.delete_action.triggered.connect(self.delete_current)
        self.open_action = QAction(self.tr("Open model file..."), self)
        self.revert_action = QAction(self.tr("Revert to base"), self)
        self.revert_action.triggered.connect(self.revert)
        self._busy = False  # a job runs: it may be reading the model's file, which must not move now
        self.open_action.triggered.connect(self.open_file)
        self.combo.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.combo.addActions([self.rename_action, self.delete_action, self.open_action])
        self.more_button = QToolButton()
        self.more_button.setText("...")
        self.more_button.setToolTip(self.tr("Rename or delete the model in use, or open a model file"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")  # "..." says it
        self.more_button.addActions([self.rename_action, self.delete_action, self.open_action])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Model:")))
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.more_button)
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
        texts = [describe(entry) for entry in self.entries]
        for row, (entry, text) in enumerate(zip(self.entries, texts)):
            self.combo.addItem(text, str(entry.path))
            self.combo.setItemData(row, text, Qt.ItemDataRole.ToolTipRole)
        # the list opens as wide as its longest entry, however narrow the box itself is
        widest = max((self.combo.fontMetrics().horizontalAdvance(text) for text in texts), default=0)
        self.combo.view().setMinimumWidth(widest + 40)
        self.combo.blockSignals(False)
        self._select_current()
        self.problems = problems
        if problems:
            self.error.emit(skipped_models_message(problems))

    def revert(self) -> None:
        self.app.set_checkpoint(self.base)

    def set_busy(self, busy: bool) -> None:
        """Rename and Delete wait while a job runs (it may read or write the model's file)."""
        self._busy = busy
        self._select_current()

    def set_base(self, base: Checkpoint) -> None:
        """What Revert goes back to: the shipped model (or the one given on the command line), also when the
        window started with the model used last time."""
        self.base = base
        self.refresh()

    def current_entry(self) -> ModelEntry | None:
        return next((e for e in self.entries if _same(e.path, self.app.checkpoint.path)), None)

    def rename_current(self) -> None:
        """Give the model in use (one of the user's) a new name: its file is renamed, nothing else changes."""
        entry, ckpt = self.current_entry(), self.app.checkpoint
        if entry is None or entry.shipped:
            self.error.emit(self.tr("Shipped models keep their names; fine-tune or train one of your own to name it."))
            return
        name = dialogs.ask_text(self, self.tr("Rename model"), self.tr("New name:"), entry.name)
        name = re.sub(r"\s+", "-", (name or "").strip())  # "my hand" is my-hand: a file name without spaces
        if not name or name == entry.name:
            return
        try:
            path = rename_model(entry.path, name)
        except (BadInput, *FILE_ERRORS) as exc:
            self.error.emit(self.tr("Not renamed: {0}").format(exc))
            return
        ckpt.path = path
        if self.base.path is not None and _same(self.base.path, entry.path):
            self.base.path = path
        self.refresh()
        self.app.update_meta(name=path.stem)
        self.message.emit(self.tr("Renamed {0} to {1}.").format(entry.name, path.stem))

    def delete_current(self) -> None:
        """Delete the model in use (one of the user's), after asking; the window goes back to its base model
        (or to the shipped default when the base is the one deleted)."""
        entry = self.current_entry()
        if entry is None or entry.shipped:
            self.error.emit(self.tr("Shipped models cannot be deleted."))
            return
        if not dialogs.confirm(self, self.tr("Delete model"),
                               self.tr("Delete {0} ({1})? This cannot be undone.").format(entry.name, entry.path),
                               self.tr("Delete")):
            return
        try:
            fallback = self.base if not _same(self.base.path, entry.path) else load(shipped_weights("default"),
                                                                                   self.app.device)
            delete_model(entry.path)
        except (BadInput, CheckpointError, *FILE_ERRORS) as exc:
            self.error.emit(self.tr("Not deleted: {0}").format(exc))
            return
        self.base = fallback
        self.app.set_checkpoint(fallback)
        self.refresh()
        self.message.emit(self.tr("Deleted {0}; now using {1}.").format(entry.name, fallback.name))

    def open_file(self, path: str | None = None) -> bool:
        """Use a model file from anywhere (asked for when ``path`` is None); True when it is in use. A PyTorch or
        Keras file (core.foreign) is imported into the models folder first, with the input scaling the user
        confirms, so that it fine-tunes and evaluates like the app's own models."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a model"), "", ";;".join(
                (self.tr("Models (*.safetensors *.onnx *.pth *.pt *.h5 *.keras)"),
                 self.tr("mnist-pad models (*.safetensors)"), self.tr("ONNX models (*.onnx)"),
                 self.tr("PyTorch state dicts (*.pth *.pt)"), self.tr("Keras weights (*.h5 *.keras)"))))
            if not path:
                return False
        try:
            ckpt = self._open_foreign(path) if foreign.is_foreign(path) else load(path, self.app.device)
            if ckpt is None:
                return False
            self.app.set_checkpoint(ckpt)
        except (BadInput, CheckpointError, *FILE_ERRORS) as exc:
            self.error.emit(refusal(exc))
            return False
        self.refresh()
        self.opened.emit(str(Path(ckpt.path).resolve()))
        return True

    def _open_foreign(self, path: str) -> Checkpoint | None:
        """A model of another tool, after the user chose its input scaling (the guess preselected, the choice
        kept beside the file); None when they cancelled. A PyTorch or Keras model is imported as a new
        checkpoint in the models folder (it then fine-tunes and evaluates like the app's own); an ONNX model is
        run as it is."""
        guess = foreign.guess_input_norm(path)
        options = {name: self.tr("{0} (pixels as {1})").format(name, foreign.NORM_TEXT[name]) for name in foreign.INPUT_NORMS}
        choice = dialogs.ask_choice(self, self.tr("Input scaling"), self.tr(
            "How did this model see its input when it was trained?\nGuess: {0} ({1})").format(guess.name, guess.reason),
            options, guess.name)
        if choice is None:
            return None
        try:
            foreign.remember_input_norm(path, choice)
        except FILE_ERRORS:  # a read-only folder: the model still opens, the choice is asked again next time
            pass
        if foreign.FORMATS[Path(path).suffix.lower()] == "onnx":
            ckpt = foreign.open_checkpoint(path, input_norm=choice)
            self.message.emit(self.tr("Opened the ONNX model {0} (input {1}): it predicts and is evaluated here; "
                                      "it cannot be fine-tuned.").format(Path(path).name, foreign.NORM_TEXT[choice]))
            return ckpt
        out = foreign.import_model(path, choice)
        self.message.emit(self.tr("Imported {0} as the model {1} (input {2}).").format(
            Path(path).name, out.stem, foreign.NORM_TEXT[choice]))
        return load(out, self.app.device)

    def _choose(self, row: int) -> None:
        path = Path(self.combo.itemData(row))
        if _same(path, self.app.checkpoint.path):
            return
        if self.base.path is not None and _same(path, self.base.path):
            self.app.set_checkpoint(self.base)
            return
        try:
            self.app.set_checkpoint(load(path, self.app.device))
        except (BadInput, CheckpointError) as exc:
            self.error.emit(refusal(exc))
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
        self.revert_button.setToolTip(self.tr("Use {0} again").format(self.base.name))
        entry = self.current_entry()
        mine = entry is not None and entry.path.parent.resolve() == models_dir().resolve()  # not shipped, not elsewhere
        for action in (self.rename_action, self.delete_action):
            action.setEnabled(mine and not self._busy)
        self.revert_action.setEnabled(self.revert_button.isEnabled())


def skipped_models_message(problems: list[str]) -> str:
    """One message for the model files that could not be listed (each names its file and why)."""
    lines = problems[:3] + ([translate("ModelPicker", "... and {0} more (point here for all)").format(len(problems) - 3)]
                            if len(problems) > 3 else [])
    return "\n".join([translate("ModelPicker", "{0} model file(s) skipped:").format(len(problems)), *lines])


def _same(a: Path | None, b: Path | None) -> bool:
    return a is not None and b is not None and Path(a).resolve() == Path(b).resolve()
