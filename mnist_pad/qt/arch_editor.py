"""The architecture editor of the Train tab's Train from scratch: a net as a table of layers (conv, activation,
pooling, batchnorm, dropout, flatten, dense) with an editor for each layer's settings, added, removed and moved up
or down; each layer's output shape and parameters and the net's total follow every change. The registry's nets
are the presets (the seed articles' and ours), so that a learner rebuilds an article's net, changes it, sees what
changes, and trains it.

The table reads as the ArchConfig the core builds (qt/layer_list.py): a list outside its pattern, or a net whose
feature maps vanish, shows the reason under the table, marks the layer, and :meth:`ArchEditor.arch` is None (the
tab's Train button waits). A conv or a dense layer is added with its activation, where its block can go.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.models import ARCHS, ArchConfig
from .i18n import translate
from .layer_list import (ACTIVATIONS, KINDS, POOLINGS, Layer, Summary, insert_at, layers_of, new_layer, summarize,
                         text_of)
from .theme import FollowsPalette, error_colour

KIND_LABELS = {
    "conv": QT_TRANSLATE_NOOP("ArchEditor", "conv"),
    "activation": QT_TRANSLATE_NOOP("ArchEditor", "activation"),
    "pool": QT_TRANSLATE_NOOP("ArchEditor", "pooling 2x2"),
    "batchnorm": QT_TRANSLATE_NOOP("ArchEditor", "batchnorm"),
    "dropout": QT_TRANSLATE_NOOP("ArchEditor", "dropout"),
    "flatten": QT_TRANSLATE_NOOP("ArchEditor", "flatten"),
    "global_pool": QT_TRANSLATE_NOOP("ArchEditor", "global avg pooling"),
    "dense": QT_TRANSLATE_NOOP("ArchEditor", "dense"),
}
FUNCTION_LABELS = {  # the activation functions and pooling kinds, as their lists read
    "relu": QT_TRANSLATE_NOOP("ArchEditor", "relu"),
    "tanh": QT_TRANSLATE_NOOP("ArchEditor", "tanh"),
    "sigmoid": QT_TRANSLATE_NOOP("ArchEditor", "sigmoid"),
    "max": QT_TRANSLATE_NOOP("ArchEditor", "max"),
    "avg": QT_TRANSLATE_NOOP("ArchEditor", "average"),
}
LAYER, SETTINGS, OUTPUT, PARAMETERS = range(4)  # the table's columns
CUSTOM = "{0}-custom"  # the name of a preset's net once edited (and of the models trained from it)


def shape_text(shape: tuple[int, ...] | None) -> str:
    return "–" if shape is None else "×".join(map(str, shape))


def count_text(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


class ArchEditor(FollowsPalette, QWidget):
    """The net being edited: :meth:`layers`, its :meth:`summary` and :meth:`arch` (None while it cannot be
    built); ``changed`` after every edit."""

    changed = Signal()

    def __init__(self, preset: str = "fast", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset = QComboBox()
        for i, (name, cfg) in enumerate(ARCHS.items()):
            self.preset.addItem(name)
            self.preset.setItemData(i, cfg.description, Qt.ItemDataRole.ToolTipRole)
        self.preset.setToolTip(self.tr("Start from a net of the registry: the seed articles' and ours. Choosing "
                                       "one again undoes your changes."))
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(translate("ArchEditor", KIND_LABELS[kind]), kind)
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setToolTip(self.tr("Add a layer after the selected one; a conv or dense layer comes with its "
                                           "activation, at the end of the selected block"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.up_button, self.down_button = QToolButton(), QToolButton()
        self.up_button.setArrowType(Qt.ArrowType.UpArrow)
        self.down_button.setArrowType(Qt.ArrowType.DownArrow)
        self.up_button.setToolTip(self.tr("Move the selected layer up"))
        self.down_button.setToolTip(self.tr("Move the selected layer down"))
        self.add_button.clicked.connect(lambda: self.add_layer(self.kind.currentData()))
        self.remove_button.clicked.connect(lambda: self.remove_layer())
        self.up_button.clicked.connect(lambda: self.move_layer(-1))
        self.down_button.clicked.connect(lambda: self.move_layer(1))

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("Layer"), self.tr("Settings"), self.tr("Output"),
                                              self.tr("Parameters")])
        header = self.table.horizontalHeader()
        for column in (LAYER, OUTPUT, PARAMETERS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SETTINGS, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(QSpinBox().sizeHint().height() + 2)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._enable_buttons)
        self.total = QLabel()
        self.total.setWordWrap(True)
        self.total.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel(self.tr(
            "The nets the core builds: conv blocks (conv, [batchnorm], activation, [pooling], [batchnorm]), then a "
            "flatten or a global average pooling, then dense blocks (dense, [batchnorm], activation, [batchnorm], "
            "[dropout]). One activation, pooling kind and dropout rate for the whole net; the output layer is last."))
        self.note.setWordWrap(True)
        small = QFont(self.note.font())
        small.setPointSizeF(small.pointSizeF() * 0.85)
        self.note.setFont(small)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Preset:")))
        top.addWidget(self.preset, 1)
        buttons = QHBoxLayout()
        for widget in (self.kind, self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.total)
        layout.addWidget(self.note)

        self._base: ArchConfig = ARCHS[preset]
        self._preset_total: int | None = None
        self._layers: list[Layer] = []
        self._summary: Summary
        self._editors: list[dict[str, QWidget]] = []  # per layer: its settings' editors, by Layer field
        self.preset.setCurrentText(preset)
        self.preset.currentTextChanged.connect(self.load_preset)
        self.preset.activated.connect(lambda i: self.load_preset(self.preset.itemText(i)))
        self.load_preset(preset)
        self.follow_palette()

    # --- what the tab reads ------------------------------------------------------------------------------
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def summary(self) -> Summary:
        return self._summary

    def edited(self) -> bool:
        """Whether the net differs from its preset (a net that cannot be built does)."""
        return self._summary.arch != self._base

    def arch(self) -> ArchConfig | None:
        """The net to train: the preset's, or once edited, ``<preset>-custom`` described layer by layer; None
        while it cannot be built."""
        arch = self._summary.arch
        if arch is None or not self.edited():
            return arch
        description = f"edited from {self._base.name}: {text_of(self._layers, arch.classes)}"  # data: not translated
        return replace(arch, name=CUSTOM.format(self._base.name), description=description)

    # --- editing -----------------------------------------------------------------------------------------
    def load_preset(self, name: str) -> None:
        """Show the preset ``name``'s layers (what was edited is dropped)."""
        self._base = ARCHS[name]
        if self.preset.currentText() != name:
            self.preset.setCurrentText(name)  # comes back here, once
            return
        self.set_layers(layers_of(self._base))
        self._preset_total = self._summary.total

    def set_layers(self, layers: list[Layer], select: int | None = None) -> None:
        self._layers = list(layers)
        self._rebuild(select)

    def current_layer(self) -> int | None:
        """The selected layer's index; -1 for the input row, None for the output row or no selection."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() > len(self._layers):
            return None
        return rows[0].row() - 1

    def select_layer(self, index: int) -> None:
        self.table.selectRow(index + 1)

    def add_layer(self, kind: str) -> int:
        """Add a ``kind`` layer (a conv or dense one with its activation) where it fits the selection; returns
        its index, selected."""
        at = insert_at(self._layers, kind, self.current_layer())
        new = [new_layer(kind, self._layers)]
        if kind in ("conv", "dense"):
            new.append(new_layer("activation", self._layers))
        self.set_layers(self._layers[:at] + new + self._layers[at:], select=at)
        return at

    def remove_layer(self, index: int | None = None) -> None:
        index = self.current_layer() if index is None else index
        if index is None or not 0 <= index < len(self._layers):
            return
        del self._layers[index]
        self._rebuild(min(index, len(self._layers) - 1) if self._layers else None)

    def move_layer(self, delta: int) -> None:
        """Move the selected layer ``delta`` rows (-1: up, 1: down), keeping it selected."""
        index = self.current_layer()
        if index is None or index < 0 or not 0 <= index + delta < len(self._layers):
            return
        layers = self._layers
        layers[index], layers[index + delta] = layers[index + delta], layers[index]
        self._rebuild(index + delta)

    def editor(self, index: int, field: str) -> QWidget:
        """The widget that edits ``field`` (a :class:`Layer` field) of layer ``index``."""
        return self._editors[index][field]

    def _edit(self, index: int, **changes) -> None:
        """A setting changed in its editor. The activation function, the pooling kind and the dropout rate are
        the whole net's: changed in one layer, they change in every layer of its kind."""
        kind = self._layers[index].kind
        every = kind in ("activation", "pool", "dropout")
        for i, layer in enumerate(self._layers):
            if i == index or (every and layer.kind == kind):
                self._layers[i] = replace(layer, **changes)
                if i != index:
                    self._show_value(i, changes)
        self._refresh()

    # --- the table ---------------------------------------------------------------------------------------
    def _rebuild(self, select: int | None = None) -> None:
        """Rows for the input, every layer (with its editors) and the output; then the shapes and counts."""
        table, n = self.table, len(self._layers)
        table.blockSignals(True)
        table.clearContents()
        table.setRowCount(n + 2)
        table.setVerticalHeaderLabels(["", *(str(i + 1) for i in range(n)), ""])
        self._editors = []
        table.setItem(0, LAYER, QTableWidgetItem(self.tr("input")))
        table.setItem(0, SETTINGS, QTableWidgetItem(self.tr("images")))
        for i, layer in enumerate(self._layers):
            table.setItem(i + 1, LAYER, QTableWidgetItem(translate("ArchEditor", KIND_LABELS[layer.kind])))
            editors = self._make_editors(i, layer)
            self._editors.append(editors)
            table.setCellWidget(i + 1, SETTINGS, _row_of(editors.values()) if editors else None)
            if not editors:
                table.setItem(i + 1, SETTINGS, QTableWidgetItem(""))
        table.setItem(n + 1, LAYER, QTableWidgetItem(self.tr("output")))
        table.setItem(n + 1, SETTINGS, QTableWidgetItem(self.tr("dense {0}").format(self._base.classes)))
        for row in range(n + 2):
            for column in (OUTPUT, PARAMETERS):
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, item)
        table.blockSignals(False)
        if select is not None:
            self.select_layer(select)
        self._refresh()

    def _make_editors(self, index: int, layer: Layer) -> dict[str, QWidget]:
        def spin(field: str, low: int, high: int, prefix: str, suffix: str, tip: str) -> QSpinBox:
            box = QSpinBox()
            box.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)  # narrow: typed, or the wheel and arrow keys
            box.setRange(low, high)
            box.setValue(getattr(layer, field))
            box.setPrefix(prefix)
            box.setSuffix(suffix)
            box.setToolTip(tip)
            box.valueChanged.connect(lambda v: self._edit(index, **{field: v}))
            return box

        def choice(options: tuple[str, ...], tip: str) -> QComboBox:
            box = QComboBox()
            for option in options:
                box.addItem(translate("ArchEditor", FUNCTION_LABELS.get(option, option)), option)
            box.setCurrentIndex(box.findData(layer.function))
            box.setToolTip(tip)
            box.currentIndexChanged.connect(lambda i: self._edit(index, function=box.itemData(i)))
            return box

        if layer.kind == "conv":
            return {"channels": spin("channels", 1, 1024, "", self.tr(" ch"), self.tr("output channels (filters)")),
                    "kernel": spin("kernel", 1, 15, self.tr("k "), "", self.tr("kernel size, pixels")),
                    "stride": spin("stride", 1, 8, self.tr("s "), "", self.tr("stride, pixels")),
                    "padding": spin("padding", 0, 10, self.tr("p "), "", self.tr("zero padding, pixels"))}
        if layer.kind == "dense":
            return {"channels": spin("channels", 1, 8192, "", self.tr(" units"), self.tr("units (outputs)"))}
        if layer.kind == "activation":
            return {"function": choice(ACTIVATIONS, self.tr("the activation of every layer of the net"))}
        if layer.kind == "pool":
            return {"function": choice(POOLINGS, self.tr("max or average over 2x2 pixels, stride 2 (the whole net's "
                                                         "kind)"))}
        if layer.kind == "dropout":
            box = QDoubleSpinBox()
            box.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
            box.setRange(0.05, 0.95)
            box.setSingleStep(0.05)
            box.setValue(layer.rate)
            box.setToolTip(self.tr("the probability of zeroing each input while training (the whole net's rate)"))
            box.valueChanged.connect(lambda v: self._edit(index, rate=round(v, 2)))
            return {"rate": box}
        return {}

    def _show_value(self, index: int, changes: dict) -> None:
        """Put a changed value in another layer's editor, without it reporting the change again."""
        for field, value in changes.items():
            widget = self._editors[index][field]
            widget.blockSignals(True)
            widget.setCurrentIndex(widget.findData(value)) if isinstance(widget, QComboBox) else widget.setValue(value)
            widget.blockSignals(False)

    def _refresh(self) -> None:
        """Shapes, parameter counts and the total (or the reason the net cannot be built) for the layers."""
        self._summary = s = summarize(self._layers, self._base)
        n, table = len(self._layers), self.table
        table.item(0, OUTPUT).setText(shape_text(self._base.input_shape))
        for i in range(n):
            table.item(i + 1, OUTPUT).setText(shape_text(s.shapes[i]))
            table.item(i + 1, PARAMETERS).setText(count_text(s.params[i]))
        table.item(n + 1, OUTPUT).setText(shape_text(None if s.arch is None else (s.arch.classes,)))
        table.item(n + 1, PARAMETERS).setText(count_text(s.output_params))
        self.recolour()
        self._enable_buttons()
        self.changed.emit()

    def recolour(self) -> None:
        """The total, or the error (and the layer it is about) in the theme's red."""
        s, red = self._summary, QBrush(QColor(error_colour(self.palette())))
        for i in range(len(self._layers)):
            self.table.item(i + 1, LAYER).setForeground(red if i == s.error_row else QBrush())
        if s.arch is None:
            where = self.tr("Layer {0}: ").format(s.error_row + 1) if s.error_row is not None else ""
            self.total.setStyleSheet(f"color: {error_colour(self.palette())}")
            self.total.setText(self.tr("Cannot build this net. {0}{1}").format(where, s.error))
            return
        self.total.setStyleSheet("")
        text = self.tr("{0}: {1} parameters").format(self.arch().name, count_text(s.total))
        if self.edited() and self._preset_total is not None:
            text = self.tr("{0} ({1}: {2})").format(text, self._base.name, count_text(self._preset_total))
            twin = next((name for name, net in ARCHS.items() if _unnamed(net) == _unnamed(s.arch)), None)
            if twin is not None:  # a learner who rebuilt an article's net from another is told so
                text = self.tr("{0}, the same net as {1}").format(text, twin)
        self.total.setText(text)

    def _enable_buttons(self) -> None:
        index = self.current_layer()
        movable = index is not None and index >= 0
        self.remove_button.setEnabled(movable)
        self.up_button.setEnabled(movable and index > 0)
        self.down_button.setEnabled(movable and index < len(self._layers) - 1)


def _unnamed(net: ArchConfig) -> ArchConfig:
    return replace(net, name="", description="")


def _row_of(widgets) -> QWidget:
    """``widgets`` side by side in a table cell."""
    cell = QWidget()
    row = QHBoxLayout(cell)
    row.setContentsMargins(2, 0, 2, 0)
    row.setSpacing(2)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return cell
