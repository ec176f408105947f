"""The Train tab's forms: the fine-tuning options, the from-scratch options, and the data folder row. Each
holds its fields and the button that starts its job; the tab connects the buttons and reads the fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from ..core.data import ENV_VAR, DataError, locate
from ..core.device import resolve_device
from ..core.finetune import LAYERS, FinetuneConfig
from ..core.models import ArchConfig
from ..core.paths import models_dir
from ..core.recipes import datasets_for, recipe_for
from ..core.train import TrainConfig
from .app_state import AppState
from .arch_editor import ArchEditor
from .i18n import translate
from .technique_options import TechniqueOptions

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
    """Train from scratch: the dataset, the epochs, the TensorBoard log and the button; the net (:attr:`editor`,
    whose preset list is :attr:`arch`) and the techniques (:attr:`techniques`) need more room than this form
    has, so the tab lays them out beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = ArchEditor("fast")
        self.arch = self.editor.preset  # the net the editor starts from, whose recipe the techniques show
        self.techniques = TechniqueOptions()
        self.dataset = QComboBox()
        self.epochs = _spin(1, 200, recipe_for("fast").epochs, self.tr("passes over the training set"))
        self.tensorboard = QCheckBox(self.tr("TensorBoard log"))
        self.tensorboard.setToolTip(self.tr(
            "Write the run for TensorBoard (loss, accuracy and learning rate; weight histograms, the validation "
            "confusion matrix and the first conv layer's filters each epoch; the graph) and the curves as "
            "curves.csv, in a folder named after the model, inside this one: tensorboard --logdir FOLDER"))
        self.logdir = QLineEdit()
        self.logdir.setPlaceholderText(str(runs_dir()))
        self.logdir.setEnabled(False)
        self.tensorboard.toggled.connect(self.logdir.setEnabled)
        browse = QToolButton()
        browse.setText(self.tr("..."))
        browse.setToolTip(self.tr("Choose the folder of the TensorBoard logs"))
        browse.clicked.connect(self._browse)
        self.net = QLabel()
        self.net.setWordWrap(True)
        self.button = QPushButton(self.tr("Train from scratch on {0}").format(resolve_device("auto").type))
        self.techniques.recipe_loaded.connect(lambda cfg: self.epochs.setValue(cfg.epochs))
        self.arch.currentTextChanged.connect(self._preset_chosen)
        self.editor.changed.connect(self._show_net)
        log = QHBoxLayout()
        log.addWidget(self.tensorboard)
        log.addWidget(self.logdir, 1)
        log.addWidget(browse)
        _form(self, [(self.tr("Dataset"), self.dataset), (self.tr("Epochs"), self.epochs)], self.button,
              extra=[log, self.net])
        self._preset_chosen(self.arch.currentText())
        self._show_net()

    def train_config(self, **overrides) -> TrainConfig:
        """The recipe the job will train with (the chosen one, with the techniques changed and ``overrides``);
        a ValueError says what does not go together."""
        return replace(recipe_for(self.arch.currentText(), self.techniques.recipe_name(), self.dataset.currentText()),
                       epochs=self.epochs.value(), **{**self.techniques.overrides(), **overrides})

    def custom_net(self) -> ArchConfig | None:
        """The edited net to train, or None for the preset as it is; a ValueError when it cannot be built."""
        arch = self.editor.arch()
        if arch is None:
            raise ValueError(self.editor.summary().error)
        return arch if self.editor.edited() else None

    def log_folder(self, stem: str) -> Path | None:
        """Where the run's TensorBoard log goes, a new folder named after its model (None: no log); a ValueError
        when the chosen folder cannot hold it."""
        if not self.tensorboard.isChecked():
            return None
        base = Path(self.logdir.text().strip() or runs_dir())
        if base.exists() and not base.is_dir():
            raise ValueError(self.tr("{0} is a file, not a folder").format(base))
        folder, i = base / stem, 1
        while folder.exists():
            i += 1
            folder = base / f"{stem}-{i}"
        return folder

    def _preset_chosen(self, arch: str) -> None:
        """The datasets the net takes (the one chosen kept when it is among them), and its recipe (the epochs with
        it)."""
        chosen = self.dataset.currentText()
        self.dataset.clear()
        self.dataset.addItems(datasets_for(arch))
        self.dataset.setCurrentText(chosen)
        self.techniques.load(arch)

    def _show_net(self) -> None:
        arch, summary = self.editor.arch(), self.editor.summary()
        if arch is None:
            self.net.setText(self.tr("The net cannot be built: see the layers on the left."))
        else:
            self.net.setText(self.tr("Net: {0}, {1:,} parameters; its layers and the techniques are on the "
                                     "left.").format(arch.name, summary.total))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of the TensorBoard logs"),
                                                  self.logdir.text() or str(runs_dir()))
        if folder:
            self.logdir.setText(folder)


def runs_dir() -> Path:
    """Where TensorBoard logs go unless another folder is chosen: beside the models they trained."""
    return models_dir() / "runs"


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


def _form(page: QWidget, rows: list[tuple[str, QWidget]], button: QPushButton,
          extra: Sequence[QWidget | QLayout] = ()) -> None:
    """Labelled fields on ``page``, then ``extra`` rows across, with the button that starts the job below them."""
    form = QFormLayout(page)
    for label, field in rows:
        form.addRow(label, field)
    for row in extra:
        form.addRow(row)
    form.addRow(button)


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box
