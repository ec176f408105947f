"""Choose a trained digit model's reading (temperature and thresholds, :mod:`mnist_pad.core.reading`) on
validation drawings made the way the pad sees them: the validation split's MNIST digits drawn on a canvas,
styled digits and non-digits from the training generators with seeds the training did not use."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from .data import Split
from .inference import to_input
from .models import ConvNet
from .negatives import training_negatives
from .preprocess import preprocessed_uint8
from .reading import Reading, choose
from .styles import training_styles

CANVAS = 280  # the pad's image height (mnist_pad.qt.painting.IMAGE_SIZE)
VALIDATION_SEED = 7919  # added to the training seed: drawings the training never saw


def canvas_drawing(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST digit (uint8 28x28, ink high) as the pad would hold it: scaled to a random size (70 to 270 px)
    and placed at random on a 280x280 canvas; ink high, 0..1."""
    side = int(rng.integers(70, 271))
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR), np.float32) / 255
    canvas = np.zeros((CANVAS, CANVAS), np.float32)
    top, left = (int(v) for v in rng.integers(0, CANVAS - side + 1, 2))
    canvas[top : top + side, left : left + side] = big
    return canvas


def as_drawn(images: np.ndarray, seed: int) -> np.ndarray:
    """MNIST digits (n, 28, 28) uint8 put on the canvas and preprocessed by the pad: (n, 28, 28) uint8."""
    rng = np.random.default_rng(seed)
    return preprocessed_uint8(canvas_drawing(d, rng) for d in images)


@torch.inference_mode()
def logits_of(model: ConvNet, images: np.ndarray, batch: int = 1000) -> np.ndarray:
    """The model's logits for (n, 28, 28) uint8 images, float64 (n, classes), on the model's device."""
    model.eval()
    device = next(model.parameters()).device
    parts = [model(to_input(torch.from_numpy(images[i : i + batch])).to(device)).float().cpu().numpy()
             for i in range(0, len(images), batch)]
    return np.concatenate(parts).astype(np.float64)


def calibrate(model: ConvNet, val: Split, seed: int = 0, negatives: bool = True, limit: int = 5000) -> Reading:
    """The reading for ``model`` from ``val`` (MNIST digits held out of training; at most ``limit`` of them)
    drawn on the canvas, 20 styled drawings of every digit style (for the temperature) and, with
    ``negatives``, 2,000 non-digits."""
    seed = seed + VALIDATION_SEED
    digits = as_drawn(val.images[:limit].numpy(), seed)
    styled, styled_labels = training_styles(20, seed)
    labels = np.concatenate([val.labels[:limit].numpy(), styled_labels])
    digit_logits = logits_of(model, np.concatenate([digits, styled]))
    negative_logits = logits_of(model, training_negatives(2000, seed)) if negatives else None
    # The flag budgets count the MNIST digits only: the styled ones are easier, and would let more MNIST through.
    return choose(digit_logits, labels, negative_logits, counted=np.arange(len(labels)) < len(digits))
