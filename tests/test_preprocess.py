"""core.preprocess on odd drawings: whatever the ink, the input has its centre of mass at the centre and
fits the 20x20 box, as MNIST's digits do."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_pad.core.preprocess import BOX, SIZE, PreprocessError, preprocess, to_ink


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    mass = image.sum()
    return float((ys * image).sum() / mass), float((xs * image).sum() / mass)


def ink_box(image: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero((image > 0).any(1)), np.flatnonzero((image > 0).any(0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def _disc(size: int, cy: float, cx: float, r: float) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size]
    return ((ys - cy) ** 2 + (xs - cx) ** 2 <= r * r).astype(np.float32)


def _ring(size: int, cy: float, cx: float, r: float, width: float) -> np.ndarray:
    return np.clip(_disc(size, cy, cx, r) - _disc(size, cy, cx, r - width), 0, 1)


def _canvas() -> np.ndarray:
    return np.zeros((280, 280), np.float32)


def _line(horizontal: bool) -> np.ndarray:
    a = _canvas()
    if horizontal:
        a[140:150, 30:250] = 1
    else:
        a[30:250, 140:150] = 1
    return a


def _tiny_seven() -> np.ndarray:
    a = _canvas()
    a[200:203, 40:50] = 1
    for i in range(12):  # the diagonal, 3 px thick
        a[203 + i, 48 - i // 2 : 51 - i // 2] = 1
    return a


def _huge_zero() -> np.ndarray:
    return _ring(280, 140, 140, 139, 25)


def _one_touching_top_and_bottom() -> np.ndarray:
    a = _canvas()
    a[:, 130:150] = 1
    return a


def _zero_touching_left_border() -> np.ndarray:
    return _ring(280, 140, 80, 80, 18)


ODD = {
    "dot": lambda: _disc(280, 100, 150, 7),
    "horizontal line": lambda: _line(True),
    "vertical line": lambda: _line(False),
    "tiny digit": _tiny_seven,
    "huge digit": _huge_zero,
    "ink touching top and bottom": _one_touching_top_and_bottom,
    "ink touching the left border": _zero_touching_left_border,
    "small image, MNIST-sized": lambda: (_ring(28, 14, 14, 9, 3) * 255).astype(np.uint8),
}


@pytest.mark.parametrize("name", list(ODD))
def test_odd_drawings_are_centred_by_mass_and_fit_20x20(name):
    pre = preprocess(ODD[name]())
    assert not pre.empty
    assert pre.image.shape == (SIZE, SIZE) and pre.image.dtype == np.float32
    assert 0.0 <= pre.image.min() and pre.image.max() <= 1.0
    cy, cx = centre_of_mass(pre.image)
    # the digit is moved by whole pixels, so its centre of mass lands within half a pixel of (14, 14)
    assert abs(cy - 14.0) <= 0.5 + 1e-4 and abs(cx - 14.0) <= 0.5 + 1e-4, (cy, cx)
    h, w = ink_box(pre.image)
    assert max(h, w) == BOX, (h, w)  # the longer side fills the 20 px box, no more
    assert list(pre.steps)[0] == "drawing" and list(pre.steps)[-1] == "input"
    assert pre.steps["fit 20x20"].shape[0] == BOX or pre.steps["fit 20x20"].shape[1] == BOX


def test_aspect_ratio_is_kept():
    pre = preprocess(_line(False))  # 220 x 10 px: tall and thin
    h, w = ink_box(pre.image)
    assert h == BOX and w <= 3


def test_position_and_size_on_the_canvas_do_not_matter():
    small = _canvas()
    small[20:60, 20:60] = _ring(40, 20, 20, 19, 5)
    big = _canvas()
    big[100:260, 60:220] = _ring(160, 80, 80, 79, 20)
    a, b = preprocess(small).image, preprocess(big).image
    assert np.abs(a - b).mean() < 0.03


def test_empty_and_faint_drawings_are_empty():
    for image in (_canvas(), np.full((50, 50), 0.05, np.float32), np.zeros((28, 28), np.uint8)):
        pre = preprocess(image)
        assert pre.empty and not pre.image.any()


def test_uint8_and_float_drawings_give_the_same_input():
    ring = _ring(280, 140, 140, 100, 20)
    assert np.allclose(preprocess(ring).image, preprocess((ring * 255).astype(np.uint8)).image, atol=1e-6)


@pytest.mark.parametrize("bad", [np.zeros((2, 3, 4, 5)), np.zeros((0, 10)), np.array([["a", "b"]])])
def test_bad_arrays_are_refused_with_a_message(bad):
    with pytest.raises(PreprocessError):
        preprocess(bad)


def test_either_polarity_becomes_the_same_ink():
    ink = _ring(100, 50, 50, 40, 8)
    light_on_dark = (ink * 255).astype(np.uint8)
    dark_on_light = 255 - light_on_dark
    assert np.allclose(to_ink(light_on_dark), to_ink(dark_on_light), atol=1 / 255)
    assert np.allclose(to_ink(dark_on_light), ink, atol=1 / 255)


def test_a_tiny_faint_drawing_that_thinning_would_erase_keeps_its_ink():
    """Thinning a wide-looking stroke of a few faint pixels used to leave no ink, and centring it divided by zero."""
    pre = preprocess(np.array([[1, 1, 0.506], [0, 0.315, 0]], np.float32))
    assert not pre.empty and np.isfinite(pre.image).all() and pre.image.max() > 0.5
