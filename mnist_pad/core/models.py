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


@dataclass(frozen=True)
class ArchConfig:
    name: str
    convs: tuple[Conv, ...]
    hidden: tuple[int, ...] = ()  # sizes of the fully connected layers between the convs and the output
    activation: str = "relu"  # relu | sigmoid | tanh
    pooling: str = "max"  # max | avg
    batchnorm: bool = True
    bn_after_pool: bool = False  # seed-convnet normalises after pooling; the usual place is before the activation
    dropout: float = 0.0  # dropout before each hidden and the output layer (probability)
    width: float = 1.0  # multiplies every conv's and hidden layer's width
    global_pool: bool = False  # average the last feature map to 1x1 before the classifier
    classes: int = 10
    description: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ArchConfig":
        d = dict(d)
        d["convs"] = tuple(Conv(**c) for c in d["convs"])
        d["hidden"] = tuple(d["hidden"])
        return cls(**d)


_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
_POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


class ConvBlock(nn.Module):
    def __init__(self, cfg: ArchConfig, c_in: int, spec: Conv) -> None:
        super().__init__()
        c_out = max(1, round(spec.channels * cfg.width))
        self.conv = nn.Conv2d(c_in, c_out, spec.kernel, padding=spec.padding, bias=not cfg.batchnorm)
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


MNIST_MEAN_STD = (0.1307, 0.3081)  # pixel mean and std of the MNIST training set, on a 0..1 scale


class ConvNet(nn.Module):
    """Takes images (n, 1, 28, 28) with values 0..1, ink high; normalises them itself, so that every
    caller (training, the pad, ``predict``, ONNX) feeds the same thing and the statistics travel with
    the weights."""

    def __init__(self, cfg: ArchConfig, normalize: tuple[float, float] = MNIST_MEAN_STD, in_size: int = 28) -> None:
        super().__init__()
        self.cfg = cfg
        self.register_buffer("input_mean", torch.tensor(float(normalize[0])))
        self.register_buffer("input_std", torch.tensor(float(normalize[1])))
        blocks, c, size = {}, 1, in_size
        for i, spec in enumerate(cfg.convs, 1):
            blocks[f"conv{i}"] = ConvBlock(cfg, c, spec)
            c = blocks[f"conv{i}"].conv.out_channels
            size = size + 2 * spec.padding - spec.kernel + 1
            size = size // 2 if spec.pool else size
        self.features = nn.ModuleDict(blocks)
        self.global_pool = cfg.global_pool
        layers: list[nn.Module] = []
        n = c if cfg.global_pool else c * size * size  # derived, never hard-coded (seed-torch's 64*5*5 was wrong)
        for h in cfg.hidden:
            h = max(1, round(h * cfg.width))
            layers += [nn.Dropout(cfg.dropout), nn.Linear(n, h), _ACTIVATIONS[cfg.activation]()]
            n = h
        layers += [nn.Dropout(cfg.dropout), nn.Linear(n, cfg.classes)]
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
            bn_after_pool=True,
            dropout=0.5,
            description="article: conv64-pool-bn-conv128-pool-bn-fc1024-dropout-fc10",
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
            description="article: conv3x3-maxpool-dense128-dense10",
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


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
