"""The training techniques of Train from scratch, the ones the seed articles teach: the optimiser (SGD with
momentum or Nesterov momentum, Adam, AdamW, RMSprop, Adagrad, Adadelta), its learning rate and batch size, L2 and
L1 regularisation, the learning-rate schedule, the initial weights, augmentation switches and early stopping.

Each field starts at the chosen recipe's value (ours, the quick one, or the article's for a seed net:
core.recipes); :meth:`TechniqueOptions.overrides` hands the job the fields that differ from it, so that the
trained model's recipe records the recipe with what was changed. The net's own techniques (dropout rate,
batchnorm, conv strides) are in the architecture editor.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from ..core.augment import AugmentConfig, parse_augment
from ..core.models import INITS
from ..core.recipes import ARTICLE, recipe_for
from ..core.train import OPTIMIZERS, SCHEDULES, TrainConfig
from .i18n import translate

RECIPES = {  # the recipes offered, as they read in the list (the article's only for the seed articles' nets)
    "ours": QT_TRANSLATE_NOOP("TechniqueOptions", "ours"),
    "quick": QT_TRANSLATE_NOOP("TechniqueOptions", "quick"),
    "article": QT_TRANSLATE_NOOP("TechniqueOptions", "the article's"),
}
LABELS = {  # the optimizers, schedules and initialisations, as their lists read
    "adamw": QT_TRANSLATE_NOOP("TechniqueOptions", "AdamW"),
    "adam": QT_TRANSLATE_NOOP("TechniqueOptions", "Adam"),
    "sgd": QT_TRANSLATE_NOOP("TechniqueOptions", "SGD"),
    "rmsprop": QT_TRANSLATE_NOOP("TechniqueOptions", "RMSprop"),
    "adagrad": QT_TRANSLATE_NOOP("TechniqueOptions", "Adagrad"),
    "adadelta": QT_TRANSLATE_NOOP("TechniqueOptions", "Adadelta"),
    "onecycle": QT_TRANSLATE_NOOP("TechniqueOptions", "one-cycle"),
    "step": QT_TRANSLATE_NOOP("TechniqueOptions", "step"),
    "cosine": QT_TRANSLATE_NOOP("TechniqueOptions", "cosine"),
    "constant": QT_TRANSLATE_NOOP("TechniqueOptions", "constant"),
    "torch": QT_TRANSLATE_NOOP("TechniqueOptions", "PyTorch's"),
    "glorot": QT_TRANSLATE_NOOP("TechniqueOptions", "Glorot (Keras's)"),
}
ELASTIC = 2.5  # the elastic switch's amplitude in pixels (2-3 looks like handwriting: core.augment)
SWITCHES = ("affine", "shift", f"elastic={ELASTIC:g}")  # parse_augment's terms of the three check boxes


def switches_of(cfg: AugmentConfig) -> tuple[bool, bool, bool]:
    """Which of the affine warp, the whole-pixel shift and the elastic distortion ``cfg`` does."""
    return cfg.rotate + cfg.scale + cfg.shear + cfg.translate > 0, cfg.shift > 0, cfg.elastic > 0


class TechniqueOptions(QWidget):
    recipe_loaded = Signal(object)  # the TrainConfig just shown (the tab takes its epochs)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recipe = QComboBox()
        self.recipe.setToolTip(self.tr("Whose recipe the fields start from: ours, the quick one, or the seed "
                                       "article's own"))
        self.optimizer = _choices(OPTIMIZERS)
        self.lr = _number(5, 1e-5, 10.0, 1e-4, self.tr("peak learning rate"))
        self.batch_size = QSpinBox()
        self.batch_size.setRange(8, 4096)
        self.batch_size.setToolTip(self.tr("images per optimizer step"))
        self.momentum = _number(3, 0.0, 0.999, 0.05, self.tr("SGD's momentum"))
        self.nesterov = QCheckBox(self.tr("Nesterov"))
        self.nesterov.setToolTip(self.tr("SGD's Nesterov momentum: the gradient taken a step ahead"))
        self.l2 = _number(6, 0.0, 1.0, 1e-4, self.tr("weight decay: L2 for all but adamw, whose decay is decoupled"))
        self.l1 = _number(6, 0.0, 1.0, 1e-5, self.tr("L1 penalty: this times the sum of |w| of the conv and linear "
                                                     "weights, added to the loss"))
        self.schedule = _choices(SCHEDULES)
        self.schedule.setToolTip(self.tr("the learning rate over the run: onecycle (warm-up, then down to 0), step "
                                         "(x0.1 every 5 epochs), cosine (down to 0), constant"))
        self.init = _choices(INITS)
        self.init.setToolTip(self.tr("initial weights: PyTorch's, or Keras's glorot-uniform with zero biases"))
        self.affine, self.shift, self.elastic = (QCheckBox(self.tr("affine")), QCheckBox(self.tr("shift")),
                                                 QCheckBox(self.tr("elastic")))
        self.affine.setToolTip(self.tr("random rotation, zoom, shear and shift of each training image"))
        self.shift.setToolTip(self.tr("random whole-pixel shifts of up to 2 pixels"))
        self.elastic.setToolTip(self.tr("random elastic distortion, {0} pixels").format(ELASTIC))
        self.patience = QSpinBox()
        self.patience.setRange(0, 100)
        self.patience.setSpecialValueText(self.tr("off"))
        self.patience.setSuffix(self.tr(" epochs"))
        self.patience.setToolTip(self.tr("early stopping: stop after this many epochs without a better validation "
                                         "accuracy, and keep the best epoch's weights"))
        self.optimizer.currentIndexChanged.connect(lambda _: self._enable_sgd())
        self.recipe.activated.connect(lambda _: self.load(self._arch))

        augment = QHBoxLayout()
        for box in (self.affine, self.shift, self.elastic):
            augment.addWidget(box)
        augment.addStretch(1)
        sgd = QHBoxLayout()
        sgd.addWidget(self.momentum, 1)
        sgd.addWidget(self.nesterov)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        rows = [[(self.tr("Recipe"), self.recipe), (self.tr("Optimizer"), self.optimizer)],
                [(self.tr("Learning rate"), self.lr), (self.tr("Batch size"), self.batch_size)],
                [(self.tr("Momentum"), sgd), (self.tr("Schedule"), self.schedule)],
                [(self.tr("L2"), self.l2), (self.tr("L1"), self.l1)],
                [(self.tr("Init"), self.init), (self.tr("Early stop"), self.patience)],
                [(self.tr("Augment"), augment)]]
        for r, row in enumerate(rows):
            for c, (label, field) in enumerate(row):
                grid.addWidget(QLabel(label), r, 2 * c)
                span = 3 if len(row) == 1 else 1
                if isinstance(field, QHBoxLayout):
                    grid.addLayout(field, r, 2 * c + 1, 1, span)
                else:
                    grid.addWidget(field, r, 2 * c + 1, 1, span)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self._arch = ""
        self._recipe = TrainConfig()

    def load(self, arch: str) -> TrainConfig:
        """Show ``arch``'s recipe, the one chosen in the Recipe list (ours when ``arch`` has no article's)."""
        chosen = self.recipe.currentData() or "ours"
        names = [name for name in RECIPES if name != "article" or arch in ARTICLE]
        self.recipe.clear()
        for name in names:
            self.recipe.addItem(translate("TechniqueOptions", RECIPES[name]), name)
        self.recipe.setCurrentIndex(names.index(chosen) if chosen in names else 0)
        self._arch, self._recipe = arch, recipe_for(arch, self.recipe_name())
        cfg = self._recipe
        for box, key in ((self.optimizer, cfg.optimizer), (self.schedule, cfg.schedule), (self.init, cfg.init)):
            box.setCurrentIndex(box.findData(key))
        for box, value in ((self.lr, cfg.lr), (self.batch_size, cfg.batch_size), (self.momentum, cfg.momentum),
                           (self.l2, cfg.weight_decay), (self.l1, cfg.l1), (self.patience, cfg.early_stopping)):
            box.setValue(value)
        self.nesterov.setChecked(cfg.nesterov)
        for box, on in zip((self.affine, self.shift, self.elastic), switches_of(cfg.augment)):
            box.setChecked(on)
        self._enable_sgd()
        self.recipe_loaded.emit(cfg)
        return cfg

    def recipe_name(self) -> str:
        return self.recipe.currentData() or "ours"

    def overrides(self) -> dict:
        """The TrainConfig fields whose value differs from the recipe's (momentum and Nesterov only for SGD)."""
        sgd = self.optimizer.currentData() == "sgd"
        values = {"optimizer": self.optimizer.currentData(), "lr": self.lr.value(),
                  "batch_size": self.batch_size.value(), "weight_decay": self.l2.value(), "l1": self.l1.value(),
                  "schedule": self.schedule.currentData(), "init": self.init.currentData(),
                  "early_stopping": self.patience.value(),
                  "nesterov": sgd and self.nesterov.isChecked(), **({"momentum": self.momentum.value()} if sgd else {})}
        changed = {k: v for k, v in values.items() if v != getattr(self._recipe, k)}
        switches = tuple(box.isChecked() for box in (self.affine, self.shift, self.elastic))
        if switches != switches_of(self._recipe.augment):
            changed["augment"] = parse_augment(",".join(t for t, on in zip(SWITCHES, switches) if on) or "none")
        return changed

    def _enable_sgd(self) -> None:
        sgd = self.optimizer.currentData() == "sgd"
        self.momentum.setEnabled(sgd)
        self.nesterov.setEnabled(sgd)


def _choices(keys: tuple[str, ...]) -> QComboBox:
    """A list of ``keys`` (its items' data), each shown by its label."""
    box = QComboBox()
    for key in keys:
        box.addItem(translate("TechniqueOptions", LABELS[key]), key)
    return box


def _number(decimals: int, low: float, high: float, step: float, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setToolTip(tip)
    return box
