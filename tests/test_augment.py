"""Batched augmentation: shapes kept, a no-op config is a no-op, warps do what their names say."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from mnist_pad.core.augment import NO_AUGMENT, AugmentConfig, augment, random_shift
from mnist_pad.core.augment import SHIFT_ONLY as SHIFT_IMAGES

SHIFT_ONLY = AugmentConfig(rotate=0.0, scale=0.0, shear=0.0, translate=4.0)


def blobs(n: int) -> torch.Tensor:
    """(n, 1, 28, 28) images of a 6x6 square of ink at the centre."""
    x = torch.zeros(n, 1, 28, 28)
    x[..., 11:17, 11:17] = 1.0
    return x


def centre_of_mass(x: torch.Tensor) -> torch.Tensor:
    """(n, 2) row and column of each image's centre of mass, in pixels."""
    idx = torch.arange(x.shape[-1], dtype=x.dtype)
    mass = x.sum((1, 2, 3))
    rows = (x.sum((1, 3)) * idx).sum(1) / mass
    cols = (x.sum((1, 2)) * idx).sum(1) / mass
    return torch.stack([rows, cols], 1)


@pytest.mark.parametrize("cfg", [AugmentConfig(), AugmentConfig(elastic=2.0), SHIFT_ONLY, SHIFT_IMAGES])
def test_shape_and_range_are_kept(cfg):
    x = torch.rand(16, 1, 28, 28)
    y = augment(x, cfg, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.dtype == x.dtype
    assert y.min() >= 0 and y.max() <= 1 + 1e-6
    assert not torch.equal(y, x)


def test_no_op_config_returns_the_input():
    x = torch.rand(4, 1, 28, 28)
    assert not NO_AUGMENT.enabled
    assert augment(x, NO_AUGMENT) is x


def test_translation_moves_the_centre_of_mass_within_its_range():
    x = blobs(256)
    y = augment(x, SHIFT_ONLY, torch.Generator().manual_seed(1))
    shift = centre_of_mass(y) - centre_of_mass(x)
    assert shift.abs().max() <= SHIFT_ONLY.translate + 0.5
    assert shift.abs().mean() > 1.0  # uniform in +-4 px: the mean size is about 2 px
    assert (shift > 0.5).any() and (shift < -0.5).any()  # both directions, both axes counted
    assert torch.allclose(y.sum((1, 2, 3)), x.sum((1, 2, 3)), rtol=0.05)  # ink moved, not lost


def test_rotation_alone_keeps_a_centred_blob_centred():
    x = blobs(64)
    y = augment(x, AugmentConfig(rotate=30.0, scale=0.0, shear=0.0, translate=0.0), torch.Generator().manual_seed(2))
    assert (centre_of_mass(y) - centre_of_mass(x)).abs().max() < 0.3
    assert not torch.allclose(y, x, atol=1e-3)


def test_a_seeded_generator_makes_it_repeatable():
    x = torch.rand(8, 1, 28, 28)
    cfg = AugmentConfig(elastic=2.0)
    a = augment(x, cfg, torch.Generator().manual_seed(5))
    b = augment(x, cfg, torch.Generator().manual_seed(5))
    c = augment(x, cfg, torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_each_image_gets_its_own_warp():
    y = augment(blobs(8), SHIFT_ONLY, torch.Generator().manual_seed(3))
    assert len({tuple(c.round(decimals=3).tolist()) for c in centre_of_mass(y)}) == 8


def test_whole_pixel_shifts_stay_within_range_and_keep_the_ink():
    x = blobs(256)
    y = augment(x, SHIFT_IMAGES, torch.Generator().manual_seed(4))
    shift = centre_of_mass(y) - centre_of_mass(x)
    assert torch.allclose(shift, shift.round(), atol=1e-4)  # whole pixels: no resampling
    offsets = {round(float(s)) for s in shift.flatten()}
    assert offsets == set(range(-SHIFT_IMAGES.shift, SHIFT_IMAGES.shift + 1))  # every offset up to 2 px, no more
    assert torch.equal(y.sum((1, 2, 3)), x.sum((1, 2, 3)))  # the blob is far from the border: nothing lost
    assert y.shape == x.shape and y.dtype == x.dtype


def test_shift_fills_with_background_at_the_border():
    x = torch.ones(64, 1, 28, 28)
    y = random_shift(x, 2, torch.Generator().manual_seed(5))
    moved = (y == 0).flatten(1).any(1)
    assert moved.float().mean() > 0.8  # (5 * 5 - 1) / 25 of the images move on some axis
    assert ((y == 0) | (y == 1)).all()


def test_shift_is_repeatable_and_each_image_gets_its_own():
    x = blobs(8)
    a = random_shift(x, 2, torch.Generator().manual_seed(6))
    assert torch.equal(a, random_shift(x, 2, torch.Generator().manual_seed(6)))
    assert len({tuple(c.round(decimals=3).tolist()) for c in centre_of_mass(a)}) > 4
    assert SHIFT_IMAGES.enabled and not SHIFT_IMAGES.warps and augment(x, replace(SHIFT_IMAGES, shift=0)) is x
