"""Turn a drawing (any size, ink high on a 0 background) into a 28x28 network input the way MNIST itself
was made, keeping every intermediate step so that the pad can show them:

1. crop to the ink's bounding box;
2. bring the stroke width to MNIST's (a thin pen is thickened, a marker thinned) — drawn digits are read
   badly mostly because their strokes are far thinner or thicker than MNIST's once scaled down;
3. fit into a 20x20 box keeping the aspect ratio, anti-aliased;
4. paste into 28x28 so that the centre of mass falls on pixel (14, 14), as in MNIST.

:func:`load_image` reads a file of either polarity (dark ink on light or light on dark, detected).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

SIZE = 28  # side of the network input, pixels
BOX = 20  # MNIST fits each digit into a 20x20 box
CENTRE = 14.0  # MNIST's mean centre of mass (row and column), pixel index coordinates
INK_THRESHOLD = 0.1  # values above this (0..1) count as ink when cropping
# Stroke width of MNIST digits as this module measures it (2 * area / perimeter of the ink mask, at the
# working resolution, in units of the 20 px box), over 1,500 test digits scaled up 3-12x: 2nd percentile
# 1.05, median 1.79, 98th percentile 3.13. Strokes outside these bounds are brought to the median.
STROKE_MIN, STROKE_MAX = 1.0, 3.2
STROKE_TARGET = 1.8
WORK = 4 * BOX  # larger crops are shrunk to this side first (pixels)
MAX_SIDE = 2048  # image files are shrunk to this longest side on reading: ample for a digit, bounded memory
MAX_PIXELS = 50_000_000  # image files larger than this (after a JPEG's reduced decode) are refused


class PreprocessError(ValueError):
    """The image cannot be made into an input (wrong shape or type)."""


@dataclass(frozen=True)
class Preprocessed:
    image: np.ndarray  # (28, 28) float32 in 0..1, ink high: what the network receives
    empty: bool  # no ink at all: there is nothing to predict
    steps: dict[str, np.ndarray] = field(default_factory=dict)  # step name -> image, in pipeline order
    stroke_width: float = 0.0  # measured stroke width in the 20 px box, before adjustment


def as_ink(image: np.ndarray) -> np.ndarray:
    """A 2-D image as float32 0..1 ink (a copy); PreprocessError for anything else."""
    a = np.asarray(image)
    if a.ndim != 2:
        raise PreprocessError(f"expected a 2-D grayscale image, got shape {a.shape}")
    if a.size == 0:
        raise PreprocessError("the image is empty (0 pixels)")
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255
    if not np.issubdtype(a.dtype, np.number):
        raise PreprocessError(f"expected numbers, got dtype {a.dtype}")
    a = a.astype(np.float32)  # a copy: the caller's array is never changed
    if not np.isfinite(a).all():
        np.nan_to_num(a, copy=False)
    return np.clip(a, 0, 1, out=a)


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary ink mask in pixels: 2 * area / perimeter (a stroke of length L and
    width w has area ~ L * w and perimeter ~ 2 * L). The perimeter is the ink that a 3x3 erosion removes."""
    m = np.pad(mask, 1)
    interior = m[1:-1, 1:-1].copy()
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            interior &= m[dy : dy + mask.shape[0], dx : dx + mask.shape[1]]
    area = int(mask.sum())
    perimeter = area - int(interior.sum())
    return 2 * area / perimeter if perimeter else 0.0


def _morph(ink: np.ndarray, radius: int) -> np.ndarray:
    """Grey dilation (radius > 0) or erosion (radius < 0) with a square of side 2 * |radius| + 1."""
    r = abs(radius)
    t = torch.from_numpy(np.ascontiguousarray(ink))[None, None]
    out = F.max_pool2d(t, 2 * r + 1, 1, r) if radius > 0 else -F.max_pool2d(-t, 2 * r + 1, 1, r)
    return out[0, 0].numpy()


def resize(ink: np.ndarray, h: int, w: int) -> np.ndarray:
    """Anti-aliased resize: area averaging when shrinking, bilinear when growing."""
    shrink = h < ink.shape[0] or w < ink.shape[1]
    img = Image.fromarray(np.ascontiguousarray(ink, np.float32), mode="F")
    return np.asarray(img.resize((w, h), Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR))


def _fit(ink: np.ndarray, box: int = BOX) -> np.ndarray:
    """Resize so that the longer side is ``box`` px, keeping the aspect ratio."""
    h, w = ink.shape
    scale = box / max(h, w)
    return resize(ink, max(1, round(h * scale)), max(1, round(w * scale)))


def _centre(fitted: np.ndarray) -> np.ndarray:
    """Paste into 28x28 with the centre of mass on (14, 14), clipped so that no ink is lost."""
    h, w = fitted.shape
    rows, cols = fitted.sum(1), fitted.sum(0)  # the mass per row and per column: no (h, w) index grids
    mass = rows.sum()
    cy, cx = rows @ np.arange(h) / mass, cols @ np.arange(w) / mass
    top = int(np.clip(round(CENTRE - cy), 0, SIZE - h))
    left = int(np.clip(round(CENTRE - cx), 0, SIZE - w))
    out = np.zeros((SIZE, SIZE), np.float32)
    out[top : top + h, left : left + w] = fitted
    return out


def preprocess(image: np.ndarray, normalize_stroke: bool = True) -> Preprocessed:
    """The MNIST pipeline on a grayscale drawing with ink high (uint8 0..255 or float 0..1)."""
    ink = as_ink(image)
    steps = {"drawing": ink}
    mask = ink > INK_THRESHOLD
    if not mask.any():
        blank = np.zeros((SIZE, SIZE), np.float32)
        return Preprocessed(blank, True, {**steps, "input": blank})
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    steps["crop"] = crop
    if max(crop.shape) > WORK:  # a big canvas: work at 4x the final resolution, which is plenty and fast
        crop = np.clip(_fit(crop, WORK), 0, 1)
    scale = BOX / max(crop.shape)
    width = stroke_width(crop > 0.5) * scale
    if normalize_stroke and width and not STROKE_MIN <= width <= STROKE_MAX:
        radius = round((STROKE_TARGET - width) / scale / 2)
        if radius:
            pad = max(radius, 0)
            adjusted = _morph(np.pad(crop, pad), radius)
            m = adjusted > INK_THRESHOLD
            if m.any():  # thinning a tiny, faint drawing can erase it all: then it keeps its own strokes
                r, c = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
                crop = adjusted[r[0] : r[-1] + 1, c[0] : c[-1] + 1]
                steps["stroke"] = crop
    fitted = np.clip(_fit(crop), 0, 1)
    steps["fit 20x20"] = fitted
    final = _centre(fitted)
    steps["input"] = final
    return Preprocessed(final, False, steps, width)


def preprocessed_uint8(images) -> np.ndarray:
    """Drawings (an iterable of ink-high images) preprocessed as the pad does and stored as MNIST stores its
    digits: (n, 28, 28) uint8. How generated drawings join a training or validation set."""
    out = [np.round(preprocess(image).image * 255).astype(np.uint8) for image in images]
    return np.stack(out) if out else np.zeros((0, SIZE, SIZE), np.uint8)


def to_ink(rgb_or_gray: np.ndarray) -> np.ndarray:
    """Grayscale 0..1 with ink high from an image of either polarity: the background is the value most of
    the border has, so dark-on-light images are inverted. With an alpha channel, transparent pixels are
    background: they are laid on the shade that contrasts most with the opaque pixels (black ink on a
    transparent black background is still black ink)."""
    a = np.asarray(rgb_or_gray, dtype=np.float32)
    if a.ndim == 3:
        if a.shape[2] in (2, 4):  # LA or RGBA
            alpha = a[..., -1:] / 255
            colour = a[..., :-1]
            opaque = float((colour * alpha).sum() / max(1e-6, alpha.sum() * colour.shape[2]))
            backdrop = 0.0 if opaque > 127 else 255.0
            a = colour * alpha + backdrop * (1 - alpha)
        a = a[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32) if a.shape[2] >= 3 else a[..., 0]
    if a.ndim != 2:
        raise PreprocessError(f"expected a grayscale or colour image, got shape {a.shape}")
    a = a / 255
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if np.median(border) > 0.5:
        a = 1 - a
    # Lift the background to exactly 0 so that paper texture or JPEG noise does not count as ink.
    background = float(np.median(border if np.median(border) <= 0.5 else 1 - border))
    return np.clip((a - background) / max(1e-6, 1 - background), 0, 1)


def read_pixels(path: str | os.PathLike, side: int = MAX_SIDE) -> np.ndarray:
    """A picture file as uint8 pixels, (h, w) gray, (h, w, 3) RGB or (h, w, 4) RGBA, upright (EXIF orientation
    applied), in bounded memory: JPEGs are decoded at a reduced scale and anything still longer than ``side``
    is shrunk at once; a file of more than :data:`MAX_PIXELS` pixels, or one that is not a regular file, is
    refused with a :class:`PreprocessError` naming it. The one reader of pictures (drawings and photos)."""
    from .files import BadInput, check_input_file

    try:
        check_input_file(path, "image file")
    except BadInput as exc:
        raise PreprocessError(str(exc)) from None
    try:
        with warnings.catch_warnings():  # our own limit below is lower than Pillow's warning's
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
        with img:
            img.draft(img.mode, (side, side))  # a JPEG is decoded at 1/2, 1/4 or 1/8 scale when larger
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise PreprocessError(f"{path}: {w}x{h} pixels is more than the {MAX_PIXELS // 1_000_000} "
                                      "megapixels mnist-pad reads; scale it down first")
            img = ImageOps.exif_transpose(img)
            if max(img.size) > side:
                img.thumbnail((side, side), Image.Resampling.BOX)
            mode = "RGBA" if img.has_transparency_data else "L" if img.mode in ("1", "L", "I;16", "I", "F") else "RGB"
            return np.asarray(img.convert(mode))
    except PreprocessError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PreprocessError(f"{path}: cannot read the image ({exc})") from exc


def load_image(path: str | os.PathLike) -> np.ndarray:
    """A PNG/JPEG/... file of a drawing as ink-high grayscale 0..1 (either polarity, :func:`to_ink`), upright,
    read by :func:`read_pixels`. Photos of paper go through :func:`mnist_pad.core.photo.load_photo` instead."""
    return to_ink(read_pixels(path))
