"""The Train tab's forms: the fine-tuning options, the from-scratch options, and the data folder row. Each
holds its fields and the button that starts its job; the tab connects the buttons and reads the fields."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ..core.data import DATASETS, ENV_VAR, DataError, locate
from ..core.device import resolve_device
from ..core.finetune import LAYERS, FinetuneConfig
from ..core.models import ARCHS
from ..core.recipes import recipe_for
from .app_state import AppState
from .i18n import translate

LAYER_LABELS = {  # how the layer choices of core.finetune read in the menu (a new choice shows its key)
    "top": QT_TRANSLATE_NOOP("FinetuneOptions", "last conv block + classifier"),
    "head": QT_TRANSLATE_NOOP("FinetuneOptions", "classifier only"),
    "all": QT_TRANSLATE_NOOP("FinetuneOptions", "all layers"),
    "all-bn-frozen": QT_TRANSLATE_NOOP("FinetuneOptions", "all layers, batch-norm statistics kept"),
}


class FinetuneOptions(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = FinetuneConfig()
        self.layers = QComboBox()
        for key in LAYERS:
            self.layers.addItem(translate("FinetuneOptions", LAYER_LABELS[key]) if key in LAYER_LABELS else key, key)
        self.layers.setCurrentIndex(self.layers.findData(defaults.layers))
        self.steps = _spin(1, 10_000, defaults.steps, self.tr("optimizer steps"))
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(1e-5, 0.1)
        self.lr.setSingleStep(1e-4)
        self.lr.setValue(defaults.lr)
        self.replay = QDoubleSpinBox()
        self.replay.setRange(0.0, 16.0)
        self.replay.setSingleStep(0.5)
        self.replay.setValue(defaults.replay)
        self.replay.setToolTip(self.tr("MNIST training images mixed into each batch per sample of yours (0: none). "
                                       "Replay keeps the model's MNIST skill."))
        self.button = QPushButton(self.tr("Fine-tune on my samples"))
        _form(self, [(self.tr("Layers to train"), self.layers), (self.tr("Steps"), self.steps),
                     (self.tr("Learning rate"), self.lr), (self.tr("MNIST replay"), self.replay)], self.button)

    def config(self) -> FinetuneConfig:
        return FinetuneConfig(layers=self.layers.currentData(), steps=self.steps.value(), lr=self.lr.value(),
                              replay=self.replay.value())


class ScratchOptions(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.arch = QComboBox()
        self.arch.addItems(list(ARCHS))
        self.arch.setCurrentText("fast")
        for i, name in enumerate(ARCHS):
            self.arch.setItemData(i, ARCHS[name].description, Qt.ItemDataRole.ToolTipRole)
        self.dataset = QComboBox()
        self.dataset.addItems(list(DATASETS))
        self.epochs = _spin(1, 200, recipe_for("fast").epochs, self.tr("passes over the training set"))
        self.arch.currentTextChanged.connect(lambda arch: self.epochs.setValue(recipe_for(arch).epochs))
        self.button = QPushButton(self.tr("Train from scratch on {0}").format(resolve_device("auto").type))
        _form(self, [(self.tr("Architecture"), self.arch), (self.tr("Dataset"), self.dataset), (self.tr("Epochs"), self.epochs)],
              self.button)


class DataFolderRow(QWidget):
    """The data folder of the shared :class:`AppState`: typed, or picked with Browse."""

    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.edit = QLineEdit(app.data_dir or "")
        self.edit.setToolTip(self.tr("Folder with the MNIST (or Fashion-MNIST) files; empty: ${0}, then the download "
                                     "cache. When MNIST is missing, mnist-pad asks before downloading it.").format(ENV_VAR))
        self.edit.editingFinished.connect(lambda: app.set_data_dir(self.edit.text()))
        app.data_dir_changed.connect(self.edit.setText)
        app.data_dir_changed.connect(lambda _: self._show_found())
        self._show_found()
        browse = QPushButton(self.tr("Browse..."))
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Data:")))
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def _show_found(self) -> None:
        """With the field empty, say where MNIST was found (or that it was not): the folder jobs will use."""
        try:
            folder = str(locate("mnist")["test-labels"].parent)
        except DataError:
            self.edit.setPlaceholderText(self.tr("MNIST not found: Browse... to its folder"))
        else:
            self.edit.setPlaceholderText(self.tr("MNIST found in {0}").format(folder))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder with the MNIST files"), self.app.data_dir or "")
        if folder:
            self.app.set_data_dir(folder)


def _form(page: QWidget, rows: list[tuple[str, QWidget]], button: QPushButton) -> None:
    """Labelled fields on ``page`` with the button that starts the job below them."""
    form = QFormLayout(page)
    for label, field in rows:
        form.addRow(label, field)
    form.addRow(button)


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box
