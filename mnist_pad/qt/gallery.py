"""The gallery of the user's samples: per-class filter with counts, thumbnails, delete and relabel.

Thousands of samples stay smooth because nothing is built per sample up front: a :class:`QListView`
over :class:`SampleListModel` asks only for the rows it paints (uniform item sizes, so it never measures
the others), and each thumbnail is made on first paint and kept in a bounded cache.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.data import DIGITS
from ..core.files import FILE_ERRORS
from ..core.sample_file import CLASSES
from ..core.samples import SampleStore
from .theme import error_colour

THUMB = 56  # thumbnail side in pixels (2x the 28x28 sample)
THUMB_CACHE = 2000  # thumbnails kept in memory (about 12 MB); others are remade when scrolled back to
SampleIndex = QModelIndex | QPersistentModelIndex
ALL = CLASSES  # id of the filter button that shows every class (QButtonGroup reserves -1)


def thumbnail(image: np.ndarray, side: int = THUMB) -> QPixmap:
    """A 28x28 ink-high sample as dark ink on paper, scaled without blur so the pixels stay visible."""
    paper = np.ascontiguousarray(255 - image, np.uint8)
    img = QImage(paper.data, paper.shape[1], paper.shape[0], paper.shape[1], QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(img.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))


class SampleListModel(QAbstractListModel):
    """The store's samples (one class's, or all), oldest first. Row data: the label as text, the
    thumbnail as decoration, the sample id under :data:`ID_ROLE`."""

    ID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, store: SampleStore, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self._label: int | None = None
        self._ids: list[str] = []
        self._thumbs: OrderedDict[str, QPixmap] = OrderedDict()
        self.reload()

    def thumbnails(self) -> int:
        """How many thumbnails are made (they are made for the rows that are shown, and kept in a cache)."""
        return len(self._thumbs)

    def has_thumbnail(self, sample_id: str) -> bool:
        return sample_id in self._thumbs

    def set_label_filter(self, label: int | None) -> None:
        self._label = label
        self.reload()

    def reload(self) -> None:
        """Re-list the samples from the store (after changes made elsewhere, e.g. the pad)."""
        self.beginResetModel()
        self._ids = [s.id for s in self.store.samples(self._label)]
        self.endResetModel()

    def rowCount(self, parent: SampleIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: SampleIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        sample_id = self._ids[index.row()]
        if role == self.ID_ROLE:
            return sample_id
        if sample_id not in self.store:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self.store.get(sample_id).label)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(sample_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            s = self.store.get(sample_id)
            if s.strokes is None:
                return self.tr("label {0}, id {1} (from an image file)").format(s.label, s.id)
            return self.tr("label {0}, id {1}").format(s.label, s.id)
        return None

    def _thumbnail(self, sample_id: str) -> QPixmap:
        pix = self._thumbs.get(sample_id)
        if pix is None:
            pix = self._thumbs[sample_id] = thumbnail(self.store.get(sample_id).image)
            if len(self._thumbs) > THUMB_CACHE:
                self._thumbs.popitem(last=False)
        else:
            self._thumbs.move_to_end(sample_id)
        return pix

    def id_at(self, row: int) -> str:
        return self._ids[row]

    # --- edits: the store first (on disk), then the rows --------------------------------------------------
    def add(self, label: int, image: np.ndarray | None = None, strokes=None, meta: dict | None = None) -> str:
        sample_id = self.store.add(label, image, strokes, meta)
        self.sample_added(sample_id)
        return sample_id

    def sample_added(self, sample_id: str) -> None:
        """A sample was added to the store (here or elsewhere): show it if it passes the filter. New samples
        are the newest, so they go at the end."""
        if self._label is None or self.store.get(sample_id).label == self._label:
            row = len(self._ids)
            self.beginInsertRows(QModelIndex(), row, row)
            self._ids.append(sample_id)
            self.endInsertRows()

    def delete(self, ids: list[str]) -> None:
        for sample_id in ids:
            self.store.delete(sample_id)
            self._thumbs.pop(sample_id, None)
            self._remove_row(sample_id)

    def relabel(self, ids: list[str], label: int) -> None:
        for sample_id in ids:
            self.store.relabel(sample_id, label)
            if self._label is not None and label != self._label:
                self._remove_row(sample_id)
            elif sample_id in self._ids:
                index = self.index(self._ids.index(sample_id))
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole])

    def _remove_row(self, sample_id: str) -> None:
        if sample_id in self._ids:
            row = self._ids.index(sample_id)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._ids[row]
            self.endRemoveRows()


class Gallery(QWidget):
    """Class filter buttons with counts, the thumbnail grid, delete / relabel of the selection, import and
    export. ``counts_changed`` fires after every change, with the per-class counts (for the prompts)."""

    counts_changed = Signal(list)
    sample_opened = Signal(str)  # a sample was double-clicked: its id
    message = Signal(str)  # what an import or export did, for the tab's status line
    failed = Signal(str)  # an import or export that could not be done, and why

    def __init__(self, store: SampleStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = SampleListModel(store, self)

        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        filters = QGridLayout()  # two rows of class buttons: the panel stays narrow on a small screen
        filters.setSpacing(2)
        for key in [ALL, *range(CLASSES)]:
            button = QToolButton()
            button.setCheckable(True)
            button.setAutoRaise(True)
            self.filter_group.addButton(button, key)
            row, col = (0, 0) if key == ALL else divmod(key, 5)
            filters.addWidget(button, row, col + (0 if key == ALL else 1))
        filters.setColumnStretch(6, 1)
        self.filter_group.button(ALL).setChecked(True)
        self.filter_group.idClicked.connect(lambda key: self.model.set_label_filter(None if key == ALL else key))

        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setUniformItemSizes(True)  # no per-row measuring: 5,000 rows lay out at once
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(500)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setGridSize(QSize(THUMB + 12, THUMB + 22))
        self.view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.view.setSpacing(2)

        self.delete_button = QPushButton(self.tr("Delete"))
        self.delete_button.setToolTip(self.tr("Delete the selected samples (Del)"))
        self.delete_button.clicked.connect(self.delete_selected)
        QShortcut(QKeySequence.StandardKey.Delete, self.view, self.delete_selected)
        self.relabel_box = QComboBox()
        self.relabel_box.addItems(list(DIGITS))
        self.relabel_button = QPushButton(self.tr("Relabel as"))
        self.relabel_button.clicked.connect(lambda: self.relabel_selected(self.relabel_box.currentIndex()))
        self.view.doubleClicked.connect(lambda index: self.sample_opened.emit(self.model.id_at(index.row())))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)

        self.import_button = QPushButton(self.tr("Import..."))
        self.import_button.setToolTip(self.tr("Add the samples of a folder <label>/*.png (with or without manifest.json)"))
        self.import_button.clicked.connect(self._ask_import)
        self.export_button = QPushButton(self.tr("Export..."))
        self.export_button.setToolTip(self.tr("Write every sample as <label>/<id>.png plus manifest.json into a folder"))
        self.export_button.clicked.connect(self._ask_export)

        actions = QGridLayout()
        actions.addWidget(self.delete_button, 0, 0)
        actions.addWidget(self.relabel_button, 0, 2)
        actions.addWidget(self.relabel_box, 0, 3)
        actions.addWidget(self.import_button, 1, 0)
        actions.addWidget(self.export_button, 1, 2, 1, 2)
        actions.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {error_colour(self.palette())}")
        layout.addWidget(self.problems)
        self._show_problems()
        self.update_counts()
        self._update_buttons()

    def context_menu(self) -> QMenu:
        """Right-click on the samples: open, relabel or delete the selected ones."""
        menu = QMenu(self)
        ids = self.selected_ids()
        menu.addAction(self.tr("Open in the canvas"), lambda: self.sample_opened.emit(ids[0])).setEnabled(len(ids) == 1)
        relabel = menu.addMenu(self.tr("Relabel as"))
        relabel.setEnabled(bool(ids))
        for digit in range(CLASSES):
            relabel.addAction(str(digit), lambda d=digit: self.relabel_selected(d))
        menu.addAction(self.tr("Delete"), self.delete_selected).setEnabled(bool(ids))
        menu.addSeparator()
        menu.addAction(self.tr("Import..."), self._ask_import)
        menu.addAction(self.tr("Export..."), self._ask_export).setEnabled(len(self.store) > 0)
        return menu

    def _context_menu(self, pos) -> None:
        menu = self.context_menu()
        menu.exec(self.view.mapToGlobal(pos))
        menu.deleteLater()

    def selected_ids(self) -> list[str]:
        return [self.model.id_at(i.row()) for i in sorted(self.view.selectionModel().selectedIndexes(), key=lambda i: i.row())]

    def add(self, label: int, image: np.ndarray | None = None, strokes=None, meta: dict | None = None) -> str:
        sample_id = self.model.add(label, image, strokes, meta)
        self.update_counts()
        self.view.scrollToBottom()
        return sample_id

    def delete_selected(self) -> None:
        self._edit(lambda ids: self.model.delete(ids), self.tr("Delete failed"))

    def relabel_selected(self, label: int) -> None:
        self._edit(lambda ids: self.model.relabel(ids, label), self.tr("Relabel failed"))

    def _edit(self, change, failure: str) -> None:
        """Apply ``change`` to the selected samples; a file-system error is emitted as ``failed``."""
        ids = self.selected_ids()
        if not ids:
            return
        try:
            change(ids)
        except FILE_ERRORS as exc:
            self.failed.emit(f"{failure}: {exc}")
        self.update_counts()

    def import_folder(self, folder: str) -> int:
        """Add an exported folder's samples; returns how many were added. Unreadable files are listed."""
        ids, problems = self.store.import_folder(folder)
        for sample_id in ids:
            self.model.sample_added(sample_id)
        self.update_counts()
        self._show_problems(problems)
        if problems:
            self.message.emit(self.tr("Imported {0} sample(s) from {1}; {2} file(s) skipped (listed below)").format(
                len(ids), folder, len(problems)))
        else:
            self.message.emit(self.tr("Imported {0} sample(s) from {1}").format(len(ids), folder))
        return len(ids)

    def export_folder(self, folder: str) -> Path:
        """Export every sample into ``folder``, or into a new folder inside it when it holds files already
        (an export overwrites nothing); says where."""
        target = Path(folder)
        if target.is_dir() and any(target.iterdir()):
            target = target / time.strftime("mnist-pad-samples-%Y%m%d-%H%M%S")
        written = self.store.export_folder(target)
        self._show_problems([])
        self.message.emit(self.tr("Exported {0} sample(s) to {1}").format(len(self.store), written))
        return written

    def _ask_import(self) -> None:
        self._with_folder(self.tr("Import samples from a folder"), self.import_folder, self.tr("Import failed"))

    def _ask_export(self) -> None:
        self._with_folder(self.tr("Export samples into a folder"), self.export_folder, self.tr("Export failed"))

    def _with_folder(self, title: str, action, failure: str) -> None:
        """Ask for a folder and run ``action`` on it; a file-system error is emitted as ``failed``, not raised."""
        folder = QFileDialog.getExistingDirectory(self, title)
        if folder:
            try:
                action(folder)
            except FILE_ERRORS as exc:
                self.failed.emit(f"{failure}: {exc}")

    def update_counts(self) -> None:
        counts = self.store.counts()
        self.filter_group.button(ALL).setText(self.tr("All {0}").format(sum(counts)))
        for c in range(CLASSES):
            self.filter_group.button(c).setText(f"{c}: {counts[c]}")
        self.counts_changed.emit(counts)

    def _show_problems(self, problems: Sequence | None = None) -> None:
        """Files that could not be read (the store's damaged files by default), reported and skipped."""
        problems = list(self.store.problems if problems is None else problems)
        self.problems.setVisible(bool(problems))
        if problems:
            lines = [str(p) for p in problems[:3]] + (
                [self.tr("... and {0} more (point here for all)").format(len(problems) - 3)] if len(problems) > 3 else [])
            self.problems.setText("\n".join([self.tr("{0} file(s) could not be read and were skipped:").format(
                len(problems)), *lines]))
            self.problems.setToolTip("\n".join(str(p) for p in problems))

    def _update_buttons(self) -> None:
        has_selection = self.view.selectionModel().hasSelection()
        self.delete_button.setEnabled(has_selection)
        self.relabel_button.setEnabled(has_selection)
