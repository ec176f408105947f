"""Batched data augmentation on the training device: one random affine (and optional elastic) warp per
image, done for the whole batch with a single ``grid_sample`` call, with no per-sample Python loop."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    rotate: float = 10.0  # max rotation, degrees either way
    scale: float = 0.1  # max relative zoom either way (0.1: 0.9x to 1.1x)
    shear: float = 0.1  # max shear factor either way
    translate: float = 2.0  # max shift in pixels either way (of a 28 px image)
    elastic: float = 0.0  # elastic displacement amplitude in pixels (0 = off; 2-3 looks like handwriting)
    elastic_smooth: int = 7  # side of the box filter that smooths the elastic field, pixels (odd)
    shift: int = 0  # random whole-pixel shift up to this many pixels either way, by pad-and-crop (no resampling)

    @property
    def warps(self) -> bool:
        return any((self.rotate, self.scale, self.shear, self.translate, self.elastic))

    @property
    def enabled(self) -> bool:
        return self.warps or self.shift > 0


NO_AUGMENT = AugmentConfig(0.0, 0.0, 0.0, 0.0, 0.0)
# Random shifts of up to 2 pixels alone: a fifth of the affine warp's cost, for the quick recipes.
SHIFT_ONLY = AugmentConfig(0.0, 0.0, 0.0, 0.0, 0.0, shift=2)

# The switches of :func:`parse_augment` that stand for several fields: the affine warp as our recipe has it, the
# quick recipes' shifts, nothing.
_AFFINE = ("rotate", "scale", "shear", "translate")
SWITCHES = {
    "none": {}, "affine": {k: getattr(AugmentConfig(), k) for k in _AFFINE}, "shift": {"shift": SHIFT_ONLY.shift},
}


def parse_augment(spec: str) -> AugmentConfig:
    """The augmentation a switch list asks for, applied left to right on no augmentation at all: ``none``,
    ``affine``, ``shift`` or ``FIELD=VALUE`` (a field of :class:`AugmentConfig`): "affine,elastic=2.5" is the
    affine warp with elastic distortion, "rotate=15" rotations alone. A ValueError names a bad switch."""
    fields = {f.name: f.type for f in dataclasses.fields(AugmentConfig)}
    values: dict[str, float | int] = {}
    terms = [t.strip() for t in spec.split(",") if t.strip()]
    if not terms:
        raise ValueError("no augmentation switch given")
    for term in terms:
        name, equals, text = term.partition("=")
        if not equals:
            if name not in SWITCHES:
                raise ValueError(f"unknown augmentation switch {term!r}: {', '.join(SWITCHES)} or FIELD=VALUE with a "
                                 f"field of {', '.join(fields)}")
            values.update(SWITCHES[name])
            continue
        if name not in fields:
            raise ValueError(f"unknown augmentation field {name!r}: {', '.join(fields)}")
        kind = int if fields[name] in (int, "int") else float
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(f"augmentation {name}={text!r}: not a{'n integer' if kind is int else ' number'}") from None
        if not math.isfinite(value) or value < 0 or (name == "elastic_smooth" and value % 2 == 0):
            raise ValueError(f"augmentation {name}={text}: must be a finite number >= 0"
                             + (", odd" if name == "elastic_smooth" else ""))
        values[name] = value
    return dataclasses.replace(NO_AUGMENT, **values)


def _uniform(n: int, amount: float, generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    return (torch.rand(n, device=device, generator=generator) * 2 - 1) * amount


def random_affine_grid(
    n: int, size: int, cfg: AugmentConfig, device: torch.device, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Sampling grids (n, size, size, 2) for random rotation, scale, shear and translation."""
    angle = _uniform(n, math.radians(cfg.rotate), generator, device)
    scale = 1 + _uniform(n, cfg.scale, generator, device)
    shear = _uniform(n, cfg.shear, generator, device)
    shift = _uniform(2 * n, cfg.translate * 2 / size, generator, device).view(n, 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin + shear * cos, shift[:, 0]], 1), torch.stack([sin, cos + shear * sin, shift[:, 1]], 1)],
        1,
    )
    grid = F.affine_grid(theta, (n, 1, size, size), align_corners=False)
    if cfg.elastic:
        grid = grid + _elastic_field(n, size, cfg, device, generator)
    return grid


def _elastic_field(
    n: int, size: int, cfg: AugmentConfig, device: torch.device, generator: torch.Generator | None
) -> torch.Tensor:
    noise = torch.rand(n, 2, size, size, device=device, generator=generator) * 2 - 1
    k = cfg.elastic_smooth
    smooth = F.avg_pool2d(F.avg_pool2d(noise, k, 1, k // 2), k, 1, k // 2)
    smooth = smooth / smooth.abs().amax((2, 3), keepdim=True).clamp_min(1e-6)
    return (smooth * cfg.elastic * 2 / size).permute(0, 2, 3, 1)


def random_shift(images: torch.Tensor, pixels: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each image of a batch (n, c, h, w) moved by its own whole-pixel offset in -pixels..pixels on each axis,
    with 0 shifted in: one padding and one gather for the whole batch."""
    n, _, h, w = images.shape
    padded = F.pad(images, (pixels, pixels, pixels, pixels))
    dy, dx = torch.randint(0, 2 * pixels + 1, (2, n, 1), device=images.device, generator=generator)
    rows = (torch.arange(h, device=images.device) + dy)[:, None, :, None]  # (n, 1, h, 1)
    cols = (torch.arange(w, device=images.device) + dx)[:, None, None, :]  # (n, 1, 1, w)
    return padded[torch.arange(n, device=images.device)[:, None, None, None], torch.arange(images.shape[1],
                  device=images.device)[None, :, None, None], rows, cols]


def augment(images: torch.Tensor, cfg: AugmentConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """Warp a float batch (n, c, h, w) with ink as high values and 0 background (colour images: every channel
    alike, with black moved in at the edges)."""
    if cfg.warps:
        grid = random_affine_grid(len(images), images.shape[-1], cfg, images.device, generator)
        images = F.grid_sample(images, grid.to(images.dtype), mode="bilinear", padding_mode="zeros", align_corners=False)
    if cfg.shift > 0:
        images = random_shift(images, cfg.shift, generator)
    return images
