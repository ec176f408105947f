"""Ink from a photo or a scan of handwriting on paper, for the digit reader: a phone's picture has uneven light
and shadows, the paper may be coloured, lined or squared, the pen blue or red, and a board's chalk is light on
dark. :func:`~mnist_pad.core.preprocess.to_ink`'s one global threshold fits a drawing, not these: a shadow
darker than the paper's median would all become ink.

:func:`photo_ink`, step by step:

1. **Polarity** (:func:`light_ink`): a background (most of the picture) darker than :data:`LIGHT_INK_BELOW`
   of the brightest pixels is a board; its image is inverted, so the rest only deals with dark ink.
2. **Illumination** (:func:`paper`): each colour channel is divided by its paper, estimated as the upper
   envelope at a large scale (a grey closing: it fills the dark strokes narrower than its window but follows
   the light's gradient and soft shadows). Light and shadow multiply what the paper reflects, so the ratio
   is 1 on paper everywhere, in shadow or not.
3. **Colour**: the ink's contrast is ``1 - the lowest over channels`` of those ratios: a coloured paper is 1
   in every channel once divided by itself, and an ink of any colour is dark in at least one channel (a blue
   pen on yellow paper is dark in red and green).
4. **Adaptive threshold, soft** (:func:`soft_threshold`): the paper's noise and the strongest ink's contrast
   set a ramp from paper to full ink, so texture stays 0 and the strokes keep their anti-aliased edges,
   which preprocessing needs.
5. **Ruled lines** (:func:`remove_lines`): long thin runs that make up lines across most of the picture,
   horizontal or vertical; a stroke crossing or lying along a line is thicker than it and stays.
6. **The edge** (:func:`clear_border`): the table beside the page, the wedge of a tilted scan.
7. **Specks**: pieces far smaller than the largest (:func:`~mnist_pad.core.segment.remove_specks`).

:func:`load_photo` reads a file as :func:`~mnist_pad.core.preprocess.load_image` does (EXIF orientation,
bounded size) and makes its ink with :func:`photo_ink`.
"""

from __future__ import annotations

import os

import numpy as np
from scipy import ndimage

from .preprocess import INK_THRESHOLD, PreprocessError, read_pixels, resize, to_ink
from .segment import components, remove_specks

PHOTO_SIDE = 1024  # photos are read at most this long: handwriting stays tens of pixels high, work stays fast
LIGHT_INK_BELOW = 0.4  # a background darker than this share of the brightest pixels is a board: the ink is light
BRIGHTEST = 0.9995  # the brightest pixels: this quantile (a few hundred pixels of chalk are enough)
LOW_SIDE = 128  # the paper's light is estimated at this resolution: it varies slowly
CLOSING_SHARE = 0.1  # the closing's window, of the short side: wider than a stroke of a digit filling the frame
NOISE_SIGMAS = 6.0  # contrast under this many noise deviations is paper
MIN_CONTRAST = 0.06  # and so is contrast under this (a clean scan has almost no noise)
INK_FROM, INK_FULL = 0.3, 0.65  # ink ramps from 0 to 1 between these shares of the strongest ink's contrast
LINE_RUN = 1 / 8  # a ruled line has unbroken runs of ink at least this share of the image's side
LINE_SPAN = 0.75  # and spans at least this share of it
EDGE_BAND = 0.04  # a piece on the image's edge and within this share of the side from it is no writing
BORDER_ELONGATION = 3.0  # a piece on the image's edge this many times longer along it than across is no writing
LINE_AVERAGE = 15  # pixels along which a line's contrast is averaged to find it under noise
LINE_MAX_PX, LINE_MAX_SHARE = 3, 0.015  # a ruled line is never thicker than this (pixels, or share of the side)
LINE_THICK = 1.5  # a ruled line is at most this many times its commonest thickness (or 2 px more)
LINE_TILT = 2  # rows (columns) either side looked at together: a line tilted by a degree or two is still found


def load_photo(path: str | os.PathLike) -> np.ndarray:
    """A photo or scan of handwriting as ink-high grayscale 0..1 (:func:`photo_ink`), upright."""
    return photo_ink(read_pixels(path, PHOTO_SIDE))


def _channels(image: np.ndarray) -> np.ndarray:
    """(h, w, c) float32 0..1 from uint8 or float 0..1 gray or RGB."""
    a = np.asarray(image)
    a = a.astype(np.float32) / 255 if a.dtype == np.uint8 else np.clip(np.nan_to_num(a.astype(np.float32)), 0, 1)
    return a[..., None] if a.ndim == 2 else a[..., :3]


def _shrink_factor(shape: tuple[int, ...]) -> int:
    return max(1, int(np.ceil(max(shape[:2]) / LOW_SIDE)))


def _block_max(a: np.ndarray, factor: int) -> np.ndarray:
    """``a`` (h, w) reduced by ``factor`` both ways, each block to its maximum; the edge repeated to fill
    the last block."""
    h, w = a.shape
    a = np.pad(a, ((0, -h % factor), (0, -w % factor)), mode="edge")
    return a.reshape(a.shape[0] // factor, factor, a.shape[1] // factor, factor).max(axis=(1, 3))


def _grow(low: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return resize(low.astype(np.float32), *shape)


def paper(channel: np.ndarray) -> np.ndarray:
    """The paper's shade under dark ink in one channel: a grey closing (the upper envelope) at low
    resolution, smoothed and brought back to full size. Reduced by block maxima, so thin strokes vanish from
    the estimate at once; a small blur first keeps noise from lifting the maxima."""
    factor = _shrink_factor(channel.shape)
    low = _block_max(ndimage.gaussian_filter(channel, 1.0) if factor > 1 else channel, factor)
    window = max(3, int(CLOSING_SHARE * min(low.shape)) | 1)
    closed = ndimage.grey_closing(low, size=(window, window), mode="nearest")
    return np.maximum(_grow(ndimage.gaussian_filter(closed, window / 4, mode="nearest"), channel.shape), 1e-3)


def _dark_contrast(a: np.ndarray) -> np.ndarray:
    """Contrast 0..1 of dark ink in ``a`` (h, w, c): 1 - the lowest over channels of each channel divided by
    its paper."""
    return np.clip(1 - np.minimum.reduce([a[..., c] / paper(a[..., c]) for c in range(a.shape[2])]), 0, 1)


def _floor(c: np.ndarray) -> float:
    """The contrast under which a pixel is paper: the paper's level (the median of a sample: the paper is
    most of the picture) plus :data:`NOISE_SIGMAS` deviations of its noise (the median absolute deviation),
    and at least :data:`MIN_CONTRAST`. The level is not 0: the paper estimate is an upper envelope, and the
    lowest of three noisy channels is lower than each. (Densely squared paper, whose lines are a good part
    of the picture, raises the floor: faint ink on it can be lost.)"""
    sample = c[::3, ::3]
    level = float(np.median(sample))
    return max(level + NOISE_SIGMAS * 1.4826 * float(np.median(np.abs(sample - level))), MIN_CONTRAST)


def soft_threshold(c: np.ndarray, floor: float) -> np.ndarray:
    """Contrast to ink 0..1: 0 up to the paper's noise ``floor`` (:func:`_floor`) or :data:`INK_FROM` of the
    strongest ink, ramping to 1 at :data:`INK_FULL` of it."""
    inked = c[c > floor]
    if inked.size == 0:
        return np.zeros_like(c)
    strongest = float(np.percentile(inked, 95))
    low = max(floor, INK_FROM * strongest)
    high = max(low + 1e-3, INK_FULL * strongest)
    return np.clip((c - low) / (high - low), 0, 1).astype(np.float32)


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """For each pixel of ``mask``, the length of the horizontal run of ``mask`` it is in (0 off the mask)."""
    h, w = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, stops = np.nonzero(edges == -1)  # row-major order: the i-th stop ends the i-th start's run
    lengths = np.zeros((h, w + 1), np.int32)
    np.add.at(lengths, (rows, starts), stops - starts)
    np.add.at(lengths, (rows, stops), starts - stops)
    return np.cumsum(lengths, axis=1)[:, :w]


def _horizontal_runs(c: np.ndarray) -> np.ndarray:
    """Where horizontal ruled lines may be in the contrast image ``c``. Averaged along rows first (a line
    keeps its contrast along its length while the paper's noise, which would break it up, averages out),
    what stands out of the paper is looked at for runs longer than :data:`LINE_RUN` of the width (each row
    merged with its neighbours, so that a slightly tilted line still runs on), joined into lines that span
    :data:`LINE_SPAN` of it."""
    w = c.shape[1]
    along = ndimage.uniform_filter1d(c, LINE_AVERAGE, axis=1)
    faint = along > _floor(along)
    loose = ndimage.binary_dilation(faint, np.ones((2 * LINE_TILT + 1, 1), bool))
    runs = (_run_lengths(loose) >= max(8, LINE_RUN * w)) & faint
    labels, slices, _ = components(ndimage.binary_dilation(runs, np.ones((2 * LINE_TILT + 1, 3), bool)))
    spanning = np.zeros(len(slices) + 1, bool)
    spanning[1:] = [xs.stop - xs.start >= LINE_SPAN * w for _, xs in slices]
    return runs & spanning[labels]


def _thin(runs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The pixels of horizontal ``runs`` where ``mask`` is no thicker up and down than the lines commonly
    are (give or take :data:`LINE_THICK`): a stroke crossing a line, or a 7's bar lying along one, is
    thicker and stays."""
    thickness = _run_lengths(mask.T).T  # each pixel's vertical run
    usual = int(np.bincount(thickness[runs]).argmax()) if runs.any() else 0  # the commonest: strokes vary
    # A printed rule is thin for its page: a bar as thick as a pen stroke on a small picture is a 1, not a rule.
    usual = min(usual, max(LINE_MAX_PX, round(LINE_MAX_SHARE * mask.shape[0])))
    return runs & (thickness <= max(usual + 2, LINE_THICK * usual))


def remove_lines(ink: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``ink`` without ruled lines, horizontal (lined paper) or vertical (a margin, squared paper), found in
    its contrast image ``c``."""
    mask = c > _floor(c)
    lines = _thin(_horizontal_runs(c), mask) | _thin(_horizontal_runs(c.T), mask.T).T
    return np.where(lines, 0, ink).astype(np.float32)


def clear_border(ink: np.ndarray) -> np.ndarray:
    """``ink`` without the pieces at the image's edge that are no writing: those within :data:`EDGE_BAND` of
    it, or reaching into that band and :data:`BORDER_ELONGATION` times longer along the edge than across
    (the table or the page's edge beside the paper, the dark wedge of a tilted scan, a shadow's edge).
    Handwriting that the picture cuts through reaches well inside."""
    labels, slices, _ = components(ink > INK_THRESHOLD)
    edge = np.zeros(len(slices) + 1, bool)
    for i, (ys, xs) in enumerate(slices):
        edge[i + 1] = _at_edge(ys, xs, ink.shape[0]) or _at_edge(xs, ys, ink.shape[1])
    return np.where(edge[labels], 0, ink).astype(np.float32)


def _at_edge(across: slice, along: slice, side: int) -> bool:
    """Whether a piece spanning ``across`` (rows or columns, of ``side``) and ``along`` the other way lies at
    one of the two edges ``across`` meets (see :func:`clear_border`)."""
    band = EDGE_BAND * side
    within = across.stop <= band or across.start >= side - band
    reaching = across.start <= band or across.stop >= side - band
    elongated = along.stop - along.start >= BORDER_ELONGATION * (across.stop - across.start)
    return within or (reaching and elongated)


def _ink(c: np.ndarray) -> np.ndarray:
    """Ink-high 0..1 from a contrast image: soft threshold, ruled lines, border pieces and specks away."""
    return remove_specks(clear_border(remove_lines(soft_threshold(c, _floor(c)), c)))


def light_ink(gray: np.ndarray) -> bool:
    """Whether the ink is lighter than its background (chalk on a board, a negative): the background, most
    of the picture, is darker than :data:`LIGHT_INK_BELOW` of its brightest pixels. Relative to them, so that
    a dim photo of paper is still paper. (Comparing how far the ink departs up and down from a local
    background was tried first: thick strokes darken that background and shadows' edges depart both ways,
    and it failed on one photo in ten of the benchmark's.)"""
    level, brightest = np.quantile(gray[::2, ::2], [0.5, BRIGHTEST])
    return bool(level < LIGHT_INK_BELOW * brightest)


def photo_ink(image: np.ndarray) -> np.ndarray:
    """A photo or scan (uint8 or float 0..1; gray, RGB or RGBA) as ink-high grayscale 0..1 of the same size.
    An image with transparency is a drawing, not a photo: its opaque pixels are the ink (:func:`to_ink`)."""
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] in (2, 4):
        return to_ink(a)
    if a.ndim not in (2, 3) or a.size == 0:
        raise PreprocessError(f"expected a grayscale or colour image, got shape {a.shape}")
    a = _channels(a)
    return _ink(_dark_contrast(1 - a if light_ink(a.mean(2)) else a))
