"""The architecture editor's model: a net as a list of layers, read into the
:class:`~mnist_pad.core.models.ArchConfig` the core builds (and a config written back as layers), and what the
editor shows of it: each layer's output shape and parameters, from the core's own ``feature_sizes`` and the net
built on the meta device (no memory, no training: a few milliseconds).

ArchConfig describes nets of one pattern, so the list is read against it: conv blocks, each ``conv, [batchnorm],
activation, [2x2 pooling], [batchnorm]``; then ``flatten`` or ``global average pooling``; then ``[dropout]`` and
dense blocks, each ``dense, [batchnorm], activation, [batchnorm], [dropout]``; the output layer last, always. One
activation function, one pooling kind and one dropout rate for the whole net; batchnorm in every conv block or
none (likewise the dense blocks), all at one place. A list outside the pattern is a :class:`LayerError` that
names the layer and says why. Qt-free but for :func:`translate`, so that the messages are in the window's language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
from PySide6.QtCore import QT_TRANSLATE_NOOP
from torch import nn

from ..core.models import ArchConfig, Conv, ConvNet, feature_sizes, parameter_count
from .i18n import translate

KINDS = ("conv", "activation", "pool", "batchnorm", "dropout", "flatten", "global_pool", "dense")
ACTIVATIONS = ("relu", "tanh", "sigmoid")  # ArchConfig.activation's choices
POOLINGS = ("max", "avg")  # ArchConfig.pooling's


@dataclass(frozen=True)
class Layer:
    kind: str  # one of KINDS
    channels: int = 32  # conv: output channels; dense: units
    kernel: int = 3  # conv: the square kernel's side, pixels
    stride: int = 1  # conv: pixels the kernel moves between two outputs
    padding: int = 1  # conv: zero padding, pixels
    function: str = ""  # activation: one of ACTIVATIONS; pool: one of POOLINGS
    rate: float = 0.5  # dropout: the probability of zeroing an input


class LayerError(ValueError):
    """A layer list ArchConfig cannot express; ``row`` is the layer it is about (None: the list as a whole)."""

    def __init__(self, row: int | None, message: str) -> None:
        super().__init__(message)
        self.row = row


# Why a layer cannot come where it is: in a conv block (after the activation), or among the dense blocks.
_MISPLACED_CONV = {
    "pool": QT_TRANSLATE_NOOP("LayerList", "one pooling per conv block, after its activation"),
    "batchnorm": QT_TRANSLATE_NOOP("LayerList", "one batchnorm per conv block: right after the conv, or after its "
                                                "activation (and pooling)"),
    "activation": QT_TRANSLATE_NOOP("LayerList", "one activation per conv block"),
    "dropout": QT_TRANSLATE_NOOP("LayerList", "dropout goes after the flatten: the net drops out only before dense "
                                              "layers"),
    "dense": QT_TRANSLATE_NOOP("LayerList", "dense layers come after a flatten or a global average pooling"),
}
_MISPLACED_DENSE: dict[str, str] = {
    "conv": QT_TRANSLATE_NOOP("LayerList", "conv layers come before the flatten"),
    "pool": QT_TRANSLATE_NOOP("LayerList", "pooling belongs in a conv block, before the flatten"),
    "global_pool": QT_TRANSLATE_NOOP("LayerList", "one flatten or global average pooling, between the conv and the "
                                                  "dense layers"),
    "batchnorm": QT_TRANSLATE_NOOP("LayerList", "one batchnorm per dense block: right after the dense layer, or after "
                                                "its activation"),
    "activation": QT_TRANSLATE_NOOP("LayerList", "one activation per dense layer"),
    "dropout": QT_TRANSLATE_NOOP("LayerList", "one dropout per dense block, after its activation (and batchnorm)"),
}
_MISPLACED_DENSE["flatten"] = _MISPLACED_DENSE["global_pool"]


class _Reader:
    """Reads a layer list from its start, one layer at a time."""

    def __init__(self, layers: Sequence[Layer]) -> None:
        self.layers, self.i = list(layers), 0
        self.first: dict[str, int] = {}  # the first activation, pooling and dropout: the whole net's choice

    def peek(self) -> str | None:
        return self.layers[self.i].kind if self.i < len(self.layers) else None

    def take(self, kind: str) -> int | None:
        """The row of the next layer when it is a ``kind`` (and move past it), else None."""
        if self.peek() != kind:
            return None
        self.i += 1
        self._same(self.i - 1)
        return self.i - 1

    def need(self, kind: str, message: str) -> int:
        row = self.take(kind)
        if row is None:
            raise LayerError(min(self.i, len(self.layers) - 1), message)
        return row

    def misplaced(self, reasons: dict[str, str]) -> LayerError:
        return LayerError(self.i, translate("LayerList", reasons[self.peek()]))

    def _same(self, row: int) -> None:
        """One activation function, pooling kind and dropout rate for the whole net."""
        layer = self.layers[row]
        value = {"activation": layer.function, "pool": layer.function, "dropout": layer.rate}.get(layer.kind)
        if value is None:
            return
        first = self.first.setdefault(layer.kind, row)
        if value != self.value(layer.kind, value):
            what = {"activation": translate("LayerList", "activation function"),
                    "pool": translate("LayerList", "pooling kind"), "dropout": translate("LayerList", "dropout rate")}
            raise LayerError(row, translate("LayerList", "not the {1} of layer {0}: the net has one {1} for all its "
                                                         "layers").format(first + 1, what[layer.kind]))

    def value(self, kind: str, default):
        row = self.first.get(kind)
        if row is None:
            return default
        return self.layers[row].rate if kind == "dropout" else self.layers[row].function


def _block(reader: _Reader, what: str, pool: bool) -> tuple[str | None, bool]:
    """The rest of a conv or dense block after its first layer: [batchnorm], activation, [pooling] (when ``pool``),
    [batchnorm]; (where its batchnorm is: "before" or "after" the activation, None: none; whether it pools)."""
    norm = "before" if reader.take("batchnorm") is not None else None
    reader.need("activation", translate("LayerList", "{0} needs its activation next").format(what))
    pooled = pool and reader.take("pool") is not None
    if norm is None and reader.take("batchnorm") is not None:
        norm = "after"
    return norm, pooled


def to_arch(layers: Sequence[Layer], base: ArchConfig) -> ArchConfig:
    """``base`` with the layers of ``layers`` (see the module's docstring for the pattern), or a
    :class:`LayerError`; what a list does not say (the name, the input images, the classes) is ``base``'s."""
    reader = _Reader(layers)
    if reader.peek() != "conv":
        raise LayerError(0 if layers else None, translate("LayerList", "the net starts with a conv layer"))
    convs, conv_norms = [], []  # per conv block: its Conv, and where its batchnorm is (None: none)
    while reader.peek() == "conv":
        row, layer = reader.i, layers[reader.i]
        reader.i += 1
        norm, pooled = _block(reader, translate("LayerList", "conv{0}").format(len(convs) + 1), pool=True)
        convs.append(Conv(layer.channels, layer.kernel, layer.padding, pooled, layer.stride))
        conv_norms.append((row, norm))
    head = reader.take("flatten")
    global_pool = head is None and reader.take("global_pool") is not None
    if head is None and not global_pool:
        if reader.peek() is None:
            raise LayerError(len(layers) - 1, translate("LayerList", "add a flatten (or a global average pooling) "
                                                                     "after the last conv block"))
        raise reader.misplaced(_MISPLACED_CONV)
    features_dropout = reader.take("dropout") is not None
    hidden, dense_norms, dense_drops = [], [], []
    while reader.peek() == "dense":
        row, layer = reader.i, layers[reader.i]
        reader.i += 1
        norm, _ = _block(reader, translate("LayerList", "dense layer {0}").format(len(hidden) + 1), pool=False)
        hidden.append(layer.channels)
        dense_norms.append((row, norm))
        dense_drops.append((row, reader.take("dropout") is not None))
    if reader.peek() is not None:
        raise reader.misplaced(_MISPLACED_DENSE)
    conv_norm = _one_place(conv_norms, translate("LayerList", "batchnorm goes in every conv block or in none, at "
                                                              "one place"))
    dense_norm = _one_place(dense_norms, translate("LayerList", "batchnorm goes in every dense block or in none, at "
                                                                "one place"))
    if conv_norm and dense_norm and conv_norm != dense_norm:
        raise LayerError(dense_norms[0][0], translate("LayerList", "the dense blocks' batchnorm goes where the conv "
                                                                   "blocks' does (before or after the activation)"))
    dropped = [row for row, drop in dense_drops if drop]
    if dropped and len(dropped) < len(dense_drops) or (features_dropout and dense_drops and not dropped):
        row = next(row for row, drop in dense_drops if not drop)
        raise LayerError(row, translate("LayerList", "dropout goes after every dense block or none (and then it may "
                                                     "go before the first dense layer too)"))
    return replace(
        base, convs=tuple(convs), hidden=tuple(hidden), activation=reader.value("activation", ACTIVATIONS[0]),
        pooling=reader.value("pool", POOLINGS[0]), batchnorm=conv_norm is not None,
        bn_after_pool=(conv_norm or dense_norm) == "after", hidden_batchnorm=dense_norm is not None,
        dropout=reader.value("dropout", 0.0), dropout_features=features_dropout or not dropped,
        global_pool=global_pool, width=1.0,
    )


def _one_place(norms: list[tuple[int, str | None]], message: str) -> str | None:
    """Where every block's batchnorm is (None: no block has one); a LayerError at the first block that differs."""
    for row, norm in norms[1:]:
        if norm != norms[0][1]:
            raise LayerError(row, message)
    return norms[0][1] if norms else None


def layers_of(cfg: ArchConfig) -> list[Layer]:
    """The layer list of ``cfg``: ``to_arch(layers_of(cfg), cfg) == cfg`` for the nets of the registry (whose
    ``width`` is 1 and whose convs keep their biases)."""
    norm, act = Layer("batchnorm"), Layer("activation", function=cfg.activation)
    out: list[Layer] = []
    for spec in cfg.convs:
        out.append(Layer("conv", max(1, round(spec.channels * cfg.width)), spec.kernel, spec.stride, spec.padding))
        out += [norm] if cfg.batchnorm and not cfg.bn_after_pool else []
        out.append(act)
        out += [Layer("pool", function=cfg.pooling)] if spec.pool else []
        out += [norm] if cfg.batchnorm and cfg.bn_after_pool else []
    out.append(Layer("global_pool" if cfg.global_pool else "flatten"))
    drop = [Layer("dropout", rate=cfg.dropout)] if cfg.dropout > 0 else []
    out += drop if cfg.dropout_features else []
    for units in cfg.hidden:
        dense_norm = [norm] if cfg.hidden_batchnorm else []
        out.append(Layer("dense", max(1, round(units * cfg.width))))
        out += ([act, *dense_norm] if cfg.bn_after_pool else [*dense_norm, act]) + drop
    return out


def new_layer(kind: str, net: Sequence[Layer]) -> Layer:
    """A layer of ``kind`` that fits ``net``: its activation function, pooling kind and dropout rate."""
    same = next((layer for layer in net if layer.kind == kind), None)
    if kind in ("activation", "pool", "dropout") and same is not None:
        return same
    return Layer(kind, channels=128 if kind == "dense" else 32,
                 function={"activation": ACTIVATIONS[0], "pool": POOLINGS[0]}.get(kind, ""))


def insert_at(layers: Sequence[Layer], kind: str, selected: int | None) -> int:
    """Where a new ``kind`` layer goes, with layer ``selected`` selected (-1: the input; None: the output or
    nothing): a conv after the selected conv block (before the flatten when the selection is past it), a dense
    layer after the selected dense block (after the flatten and its dropout when the selection is before them),
    anything else right after the selection."""
    end = len(layers)
    head = next((i for i, layer in enumerate(layers) if layer.kind in ("flatten", "global_pool")), end)
    if kind == "conv":
        if selected is None or selected >= head:
            return head
        return next((i for i in range(selected + 1, head) if layers[i].kind == "conv"), head)
    if kind == "dense":
        if selected is not None and selected <= head < end:
            return head + 1 + (head + 1 < end and layers[head + 1].kind == "dropout")
        if selected is None:
            return end
        return next((i for i in range(selected + 1, end) if layers[i].kind == "dense"), end)
    return end if selected is None else selected + 1


def text_of(layers: Sequence[Layer], classes: int) -> str:
    """The net in one line, as the registry's descriptions write it: conv3x3x64-relu-maxpool-...-dense10."""
    def one(layer: Layer) -> str:
        if layer.kind == "conv":
            return f"conv{layer.kernel}x{layer.kernel}x{layer.channels}(s{layer.stride},p{layer.padding})"
        return {"activation": layer.function, "pool": f"{layer.function}pool", "dropout": f"dropout{layer.rate:g}",
                "dense": f"dense{layer.channels}", "global_pool": "globalavgpool"}.get(layer.kind, layer.kind)

    return "-".join([*map(one, layers), f"dense{classes}"])


@dataclass(frozen=True)
class Summary:
    """What the editor shows of a layer list."""

    arch: ArchConfig | None  # None: the list cannot be built (``error`` says why)
    shapes: tuple[tuple[int, ...] | None, ...]  # each layer's output for one image (None: not known)
    params: tuple[int | None, ...]  # each layer's own parameters
    output_params: int | None  # the output layer's
    total: int | None  # the net's parameters
    error: str = ""
    error_row: int | None = None  # the layer the error is about


def summarize(layers: Sequence[Layer], base: ArchConfig) -> Summary:
    """The net of ``layers`` (on ``base``: :func:`to_arch`), its shapes and parameter counts; a list ArchConfig
    cannot express, or one whose feature maps vanish, gives the reason and the layer instead (with the shapes up
    to there)."""
    none = (None,) * len(layers)
    try:
        arch = to_arch(layers, base)
    except LayerError as exc:
        return Summary(None, none, none, None, None, str(exc), exc.row)
    shapes, problem = _shapes(layers, arch)
    if problem is not None:
        message = translate("LayerList", "the feature maps vanish: {0}").format(problem[1])
        return Summary(None, shapes, none, None, None, message, problem[0])
    with torch.device("meta"):  # shapes only: no memory, whatever the size of the net
        net = ConvNet(arch)
    params = tuple(sum(p.numel() for p in m.parameters()) if m is not None else 0 for m in _modules(layers, net))
    return Summary(arch, shapes, params, parameter_count(net.classifier[-1]), parameter_count(net))


def _shapes(layers: Sequence[Layer], arch: ArchConfig) -> tuple[tuple, tuple[int, str] | None]:
    """Each layer's output shape, by the core's feature_sizes; and (row, message) where the maps vanish."""
    shapes: list[tuple[int, ...] | None] = []
    shape: tuple[int, ...] = arch.input_shape
    block = 0
    for row, layer in enumerate(layers):
        try:
            if layer.kind == "conv":
                block += 1
                spec = arch.convs[block - 1]
                side = _side(arch, arch.convs[:block - 1] + (replace(spec, pool=False),))
                shape = (spec.channels, side, side)
            elif layer.kind == "pool":
                side = _side(arch, arch.convs[:block])
                shape = (shape[0], side, side)
        except ValueError as exc:
            return tuple(shapes) + (None,) * (len(layers) - row), (row, str(exc))
        if layer.kind == "flatten":
            shape = (math.prod(shape),)
        elif layer.kind == "global_pool":
            shape = shape[:1]
        elif layer.kind == "dense":
            shape = (layer.channels,)
        shapes.append(shape)
    return tuple(shapes), None


def _side(arch: ArchConfig, convs: tuple[Conv, ...]) -> int:
    return feature_sizes(replace(arch, convs=convs))[-1]


def _modules(layers: Sequence[Layer], net: ConvNet) -> list[nn.Module | None]:
    """The module of ``net`` each layer became (None for those without parameters: activations, pooling, ...):
    the conv blocks' parts, then the classifier's modules one per layer after the flatten."""
    blocks, classifier = list(net.features.values()), iter(net.classifier)
    found: list[nn.Module | None] = []
    block, dense_part = -1, False
    for layer in layers:
        if dense_part:
            found.append(next(classifier))
        elif layer.kind == "conv":
            block += 1
            found.append(blocks[block].conv)
        elif layer.kind == "batchnorm":
            norm = blocks[block].norm
            found.append(norm if isinstance(norm, nn.BatchNorm2d) else blocks[block].post_norm)
        else:
            found.append(None)
            dense_part = layer.kind in ("flatten", "global_pool")
    return found
