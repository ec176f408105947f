"""Architecture registry: every net is a :class:`ArchConfig` turned into a :class:`ConvNet`.

The seed articles' nets are rebuilt faithfully (layer order included); their concepts (activation,
pooling, batchnorm, dropout, width) are fields of the config, so any variant is one ``replace()`` away.
Conv layers are named ``conv1``, ``conv2``, ... so that the pad can show their activations and filters.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


@dataclass(frozen=True)
class Conv:
    channels: int  # output channels before the config's width multiplier
    kernel: int = 3  # square kernel size in pixels
    padding: int = 1  # zero padding in pixels ("same" for a 3x3 kernel when 1, "valid" when 0)
    pool: bool = False  # a 2x2 pooling with stride 2 after the activation
    stride: int = 1  # pixels the kernel moves between two outputs (2 halves the feature map, like a pooling)


@dataclass(frozen=True)
class ArchConfig:
    name: str
    convs: tuple[Conv, ...]
    hidden: tuple[int, ...] = ()  # sizes of the fully connected layers between the convs and the output
    activation: str = "relu"  # relu | sigmoid | tanh
    pooling: str = "max"  # max | avg
    batchnorm: bool = True  # a batchnorm in every conv block
    # Where the batchnorms go: before the activation (the usual place) or after the block's activation and pooling
    # (seed-convnet-bn's design); a hidden layer's batchnorm goes before or after its activation alike.
    bn_after_pool: bool = False
    hidden_batchnorm: bool = False  # a batchnorm in every hidden fully connected layer too
    conv_bias: bool = True  # conv biases, except where a batchnorm follows the conv at once (it cancels them)
    dropout: float = 0.0  # dropout before every linear layer but the first (probability)
    dropout_features: bool = True  # ... and before the first too, on the conv features (off: only after hidden layers)
    width: float = 1.0  # multiplies every conv's and hidden layer's width
    global_pool: bool = False  # average the last feature map to 1x1 before the classifier
    classes: int = 10
    description: str = ""
    in_channels: int = 1  # colour planes of the input images (1: grey, as MNIST; 3: RGB, as CIFAR-10)
    in_size: int = 28  # side of the square input images, pixels

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one input image."""
        return self.in_channels, self.in_size, self.in_size

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ArchConfig":
        d = dict(d)
        d["convs"] = tuple(Conv(**c) for c in d["convs"])
        d["hidden"] = tuple(d["hidden"])
        # Descriptions written before ``conv_bias`` existed: a conv had a bias exactly when the net had no batchnorm
        # (seed-convnet's batchnorm after pooling included), so that their checkpoints load as they were trained.
        d.setdefault("conv_bias", not d.get("batchnorm", True))
        return cls(**d)


_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
_POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


class ConvBlock(nn.Module):
    def __init__(self, cfg: ArchConfig, c_in: int, spec: Conv) -> None:
        super().__init__()
        c_out = max(1, round(spec.channels * cfg.width))
        bias = cfg.conv_bias and not (cfg.batchnorm and not cfg.bn_after_pool)
        self.conv = nn.Conv2d(c_in, c_out, spec.kernel, spec.stride, spec.padding, bias=bias)
        bn = nn.BatchNorm2d(c_out) if cfg.batchnorm else nn.Identity()
        self.norm = nn.Identity() if cfg.bn_after_pool else bn
        self.act = _ACTIVATIONS[cfg.activation]()
        self.pool = _POOLS[cfg.pooling](2) if spec.pool else nn.Identity()
        self.post_norm = bn if cfg.bn_after_pool else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.post_norm(self.pool(self.act(self.norm(self.conv(x)))))

    def activation(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(feature map after the activation, block output): the pad shows the first."""
        a = self.act(self.norm(self.conv(x)))
        return a, self.post_norm(self.pool(a))


def feature_sizes(cfg: ArchConfig) -> list[int]:
    """The side of each conv block's output (after its pooling) for the config's square inputs; a ValueError
    naming the first layer whose output would vanish (a kernel or stride too large for its input)."""
    if cfg.in_channels < 1 or cfg.in_size < 1:
        raise ValueError(f"inputs of {cfg.in_channels} channels of {cfg.in_size}x{cfg.in_size} pixels")
    sizes, size = [], cfg.in_size
    for i, spec in enumerate(cfg.convs, 1):
        if spec.stride < 1 or spec.kernel < 1:
            raise ValueError(f"conv{i}: stride {spec.stride} and kernel {spec.kernel} must be at least 1")
        out = (size + 2 * spec.padding - spec.kernel) // spec.stride + 1
        if out < (2 if spec.pool else 1):
            raise ValueError(f"conv{i}: its {size}x{size} input leaves {max(out, 0)}x{max(out, 0)} after kernel "
                             f"{spec.kernel}, padding {spec.padding}, stride {spec.stride}"
                             + (", too small for its 2x2 pooling" if spec.pool and out > 0 else ""))
        size = out // 2 if spec.pool else out
        sizes.append(size)
    return sizes


MNIST_MEAN_STD = (0.1307, 0.3081)  # pixel mean and std of the MNIST training set, on a 0..1 scale


class ConvNet(nn.Module):
    """Takes images (n, ``cfg.in_channels``, ``cfg.in_size``, ``cfg.in_size``) with values 0..1 (digits: (n, 1,
    28, 28), ink high); normalises them itself, so that every caller (training, the pad, ``predict``, ONNX)
    feeds the same thing and the statistics travel with the weights."""

    def __init__(self, cfg: ArchConfig, normalize: tuple[float, float] = MNIST_MEAN_STD) -> None:
        super().__init__()
        self.cfg = cfg
        self.register_buffer("input_mean", torch.tensor(float(normalize[0])))
        self.register_buffer("input_std", torch.tensor(float(normalize[1])))
        sizes = feature_sizes(cfg)  # refuses, naming the layer, a net whose feature maps would vanish
        blocks, c = {}, cfg.in_channels
        for i, spec in enumerate(cfg.convs, 1):
            blocks[f"conv{i}"] = ConvBlock(cfg, c, spec)
            c = blocks[f"conv{i}"].conv.out_channels
        self.features = nn.ModuleDict(blocks)
        self.global_pool = cfg.global_pool
        layers: list[nn.Module] = []
        size = sizes[-1] if sizes else cfg.in_size
        n = c if cfg.global_pool else c * size * size  # derived, never hard-coded (seed-torch's 64*5*5 was wrong)
        drop = cfg.dropout if cfg.dropout_features else 0.0
        for h in cfg.hidden:
            h = max(1, round(h * cfg.width))
            act, bn = _ACTIVATIONS[cfg.activation](), [nn.BatchNorm1d(h)] if cfg.hidden_batchnorm else []
            layers += [nn.Dropout(drop), nn.Linear(n, h), *([act, *bn] if cfg.bn_after_pool else [*bn, act])]
            n, drop = h, cfg.dropout
        layers += [nn.Dropout(drop), nn.Linear(n, cfg.classes)]
        self.classifier = nn.Sequential(*[m for m in layers if not (isinstance(m, nn.Dropout) and m.p == 0)])

    def trunk(self, x: torch.Tensor, blocks: int | None = None) -> torch.Tensor:
        """The normalised input through the first ``blocks`` conv blocks (all by default)."""
        x = (x - self.input_mean) / self.input_std
        for block in list(self.features.values())[:blocks]:
            x = block(x)
        return x

    def head(self, h: torch.Tensor, blocks: int | None = None) -> torch.Tensor:
        """The logits from the output of :meth:`trunk` with the same ``blocks``: the remaining conv blocks, the
        pooling or flattening, the classifier. ``head(trunk(x, k), k) == forward(x)`` for every ``k``."""
        start = len(self.features) if blocks is None else blocks
        for block in list(self.features.values())[start:]:
            h = block(h)
        return self.classifier(self._pool(h))

    def _pool(self, h: torch.Tensor) -> torch.Tensor:
        return h.mean((2, 3)) if self.global_pool else h.flatten(1)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Flattened conv features, the input of the classifier."""
        return self._pool(self.trunk(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))

    def fused(self) -> "ConvNet":
        """An eval-mode copy with each batchnorm folded into its conv: the same outputs, one pass over each
        feature map fewer (for inference)."""
        twin = copy.deepcopy(self).eval()
        for block in twin.features.values():
            if isinstance(block.norm, nn.BatchNorm2d):
                block.conv = fuse_conv_bn_eval(block.conv, block.norm)
                block.norm = nn.Identity()
        return twin

    def forward_with_activations(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Logits and each conv layer's feature map (after its activation), keyed by layer name."""
        maps = {}
        x = (x - self.input_mean) / self.input_std
        for name, block in self.features.items():
            maps[name], x = block.activation(x)
        return self.classifier(self._pool(x)), maps

    def penultimate(self, x: torch.Tensor) -> torch.Tensor:
        """The input of the last linear layer: the space nearest-neighbour search works in."""
        return self.classifier[:-1](self.embed(x))

    def conv_layers(self) -> dict[str, nn.Conv2d]:
        return {name: block.conv for name, block in self.features.items()}


def _c(ch: int, k: int = 3, p: int = 1, pool: bool = False) -> Conv:
    return Conv(ch, k, p, pool)


ARCHS: dict[str, ArchConfig] = {
    a.name: a
    for a in (
        ArchConfig(
            "default",
            (_c(32, pool=True), _c(64), _c(64, pool=True), _c(128, p=0)),
            global_pool=True,
            description="ours: 4 conv layers with batchnorm, global average pooling",
        ),
        ArchConfig(
            "small",
            (_c(24, 5, 2, True), _c(48), _c(64, pool=True), _c(96, p=0)),
            global_pool=True,
            description="ours, under 100k parameters",
        ),
        ArchConfig(
            "fast",
            (_c(16, 5, 2, True), _c(32, pool=True), _c(64, p=0)),
            global_pool=True,
            description="ours, 24k parameters: the quickest to train on a CPU",
        ),
        ArchConfig(
            "sprint",
            (_c(16, 5, 0, True), _c(32, 3, 0, True)),
            hidden=(128,),
            batchnorm=False,
            description="ours, 2 conv layers without batchnorm: the quickest to 99.0% on a CPU",
        ),
        ArchConfig(
            "sprint-wide",
            (_c(32, 5, 0, True), _c(64, 3, 0, True)),
            hidden=(256,),
            batchnorm=False,
            description="ours, sprint with twice the width: the quickest to 99.5% on a CPU",
        ),
        ArchConfig(
            "seed-convnet",
            (_c(64, pool=True), _c(128, pool=True)),
            hidden=(1024,),
            batchnorm=False,
            dropout=0.5,
            dropout_features=False,
            description="article 000's code: conv3x3x64-pool-conv3x3x128-pool-fc1024-dropout-fc10 (same padding)",
        ),
        ArchConfig(
            "seed-convnet-bn",
            (_c(64, pool=True), _c(128, pool=True)),
            hidden=(1024,),
            bn_after_pool=True,
            hidden_batchnorm=True,
            dropout=0.5,
            dropout_features=False,
            description="article 000's design: conv64-pool-bn-conv128-pool-bn-fc1024-relu-bn-dropout-fc10",
        ),
        ArchConfig(
            "seed-torch",
            (_c(32, 5, 0, True), _c(64, 5, 0, True)),
            hidden=(1024,),
            batchnorm=False,
            description="article: conv5x5x32-pool-conv5x5x64-pool-fc1024-fc10 (flatten 64*4*4, derived)",
        ),
        ArchConfig(
            "seed-keras",
            (_c(32, 3, 0, True), _c(64, 3, 0, True)),
            batchnorm=False,
            description="article: conv3x3x32-pool-conv3x3x64-pool-dense10 (valid padding)",
        ),
        ArchConfig(
            "seed-dense128",
            (_c(32, 3, 0, True),),
            hidden=(128,),
            batchnorm=False,
            description="article: conv3x3-maxpool-dense128-dense10 (32 filters assumed: the article gives none)",
        ),
        ArchConfig(
            "seed-cifar",
            (_c(32, 3, 0, True), _c(64, 3, 0, True), _c(64, 3, 0)),
            hidden=(64,),
            batchnorm=False,
            in_channels=3,
            in_size=32,
            description="article 001 (CIFAR-10, 32x32 RGB): conv3x3x32-pool-conv3x3x64-pool-conv3x3x64-dense64-dense10 "
                        "(valid padding)",
        ),
        ArchConfig(
            "lenet5",
            (_c(6, 5, 2, True), _c(16, 5, 0, True)),
            hidden=(120, 84),
            activation="tanh",
            pooling="avg",
            batchnorm=False,
            description="LeCun et al. 1998, with average pooling and tanh",
        ),
    )
}


def get_arch(name: str) -> ArchConfig:
    try:
        return ARCHS[name]
    except KeyError:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join(ARCHS)}") from None


def build(cfg: ArchConfig | str, normalize: tuple[float, float] = MNIST_MEAN_STD) -> ConvNet:
    return ConvNet(get_arch(cfg) if isinstance(cfg, str) else cfg, normalize)


def with_overrides(cfg: ArchConfig, dropout: float | None = None, batchnorm: bool | None = None,
                   stride: tuple[int, ...] = ()) -> ArchConfig:
    """``cfg`` with a technique changed: the dropout rate; batchnorm on (in every conv block) or off (nowhere,
    hidden layers included); the conv strides, one for every conv layer or one per layer. A ValueError when the
    strides do not fit the layers or leave a feature map with nothing in it (:func:`feature_sizes`)."""
    changes: dict = {}
    if dropout is not None:
        changes["dropout"] = dropout
    if batchnorm is not None:
        changes.update(batchnorm=batchnorm, **({} if batchnorm else {"hidden_batchnorm": False}))
    if stride:
        if len(stride) not in (1, len(cfg.convs)):
            raise ValueError(f"stride: {len(stride)} values for the {len(cfg.convs)} conv layers of {cfg.name!r}; "
                             "give one for all or one per layer")
        strides = stride * len(cfg.convs) if len(stride) == 1 else stride
        changes["convs"] = tuple(dataclasses.replace(c, stride=s) for c, s in zip(cfg.convs, strides))
    new = dataclasses.replace(cfg, **changes)
    feature_sizes(new)
    return new


INITS = ("torch", "glorot")  # PyTorch's own initialisation; Keras's default (glorot-uniform weights, zero biases)


def init_weights(model: nn.Module, scheme: str) -> nn.Module:
    """Re-initialise ``model``'s conv and linear layers by ``scheme`` (one of :data:`INITS`); "torch" keeps
    what the layers were built with. The Keras articles' nets started from glorot-uniform."""
    if scheme not in INITS:
        raise ValueError(f"unknown initialisation {scheme!r}: {' | '.join(INITS)}")
    if scheme == "glorot":
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
    return model


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
