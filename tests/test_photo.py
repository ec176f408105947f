"""Reading photos of handwriting (issue 13): uneven light, shadows, coloured and lined paper, either polarity,
EXIF orientation, JPEG; the file is read as load_image reads it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from mnist_pad.core.checkpoint import load
from mnist_pad.core.explain import Predictor
from mnist_pad.core.number import read_number
from mnist_pad.core.paths import shipped_weights
from mnist_pad.core.photo import load_photo, photo_ink, read_pixels
from mnist_pad.core.preprocess import INK_THRESHOLD, PreprocessError, to_ink
from mnist_pad.core.reading import OK

WHITE, YELLOW, BOARD = (245, 244, 238), (247, 236, 150), (38, 60, 50)
BLACK_PEN, BLUE_PEN, CHALK = (20, 20, 25), (25, 45, 150), (232, 232, 222)
RULE = (150, 180, 225)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor.for_checkpoint(load(shipped_weights("default")), backend="torch")


@pytest.fixture(scope="module")
def number(predictor, mnist_test) -> tuple[np.ndarray, str]:
    """Three test digits that the single-digit path reads right and sure, side by side at 90 px high (ink
    high 0..1), and their labels: a misread digit would be the model's doing, not the photo reading's."""
    inks, labels = [], []
    for image, label in zip(mnist_test.images.numpy(), mnist_test.labels.numpy()):
        ink = image.astype(np.float32) / 255
        m = ink > INK_THRESHOLD
        rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
        ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        ink = np.asarray(Image.fromarray(ink, mode="F").resize((round(ink.shape[1] * 90 / ink.shape[0]), 90)))
        pred = predictor.predict(ink)
        if pred.top == label and pred.status == OK and str(label) not in labels:
            inks.append(ink)
            labels.append(str(label))
        if len(inks) == 3:
            break
    row = np.zeros((90, sum(i.shape[1] for i in inks) + 60), np.float32)
    x = 0
    for ink in inks:
        row[:, x : x + ink.shape[1]] = ink
        x += ink.shape[1] + 30
    return row, "".join(labels)


def page(ink: np.ndarray, paper=WHITE, pen=BLACK_PEN, rules: bool = True, shadow: bool = True,
         size: tuple[int, int] = (420, 520)) -> np.ndarray:
    """``ink`` written on a page (h, w, 3 uint8): ruled lines every 28 px and a red margin, light falling
    off to one side and a soft shadow across a corner, a slight blur and noise."""
    h, w = size
    img = np.empty((h, w, 3), np.float32)
    img[:] = paper
    if rules:
        img[12::28] = RULE
        img[:, 40:42] = (220, 90, 100)
    top, left = 170, 130
    alpha = ink[..., None]
    region = img[top : top + ink.shape[0], left : left + ink.shape[1]]
    region[:] = region * (1 - alpha) + np.array(pen, np.float32) * alpha
    ys, xs = np.mgrid[0:h, 0:w]
    light = 1 - 0.35 * xs / w
    if shadow:
        light *= 1 - 0.35 / (1 + np.exp(-(ys + xs - 0.9 * (h + w)) / 20))
    img = img * light[..., None] + np.random.default_rng(0).normal(0, 4, img.shape)
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    return np.asarray(pil)


def jpeg(pixels: np.ndarray, path, orientation: int = 1) -> None:
    """Save as a camera does: the pixels stored turned so that the EXIF ``orientation`` turns them upright."""
    img = Image.fromarray(pixels)
    stored = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}
    if orientation in stored:
        img = img.transpose(stored[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.save(path, "JPEG", quality=75, exif=exif)


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    m = ink > INK_THRESHOLD
    rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


# --- reading photos ----------------------------------------------------------------------------------------
def test_a_phone_photo_of_lined_paper_reads_right(predictor, number, tmp_path):
    ink, label = number
    path = tmp_path / "number.jpg"
    jpeg(page(ink), path, orientation=6)  # stored on its side, as a phone held upright stores it
    found = load_photo(path)
    assert found.shape == (420, 520)  # upright again
    reading = read_number(predictor, found)
    assert reading.number == label
    x0, y0, x1, y1 = ink_box(found)  # the ink is the writing only: no lines, margin, shadow or noise
    assert abs(x0 - 130) <= 4 and abs(y0 - 170) <= 4 and abs(x1 - (130 + ink.shape[1])) <= 8 and y1 <= 170 + 94


def test_dark_on_light_and_light_on_dark_give_the_same_ink(predictor, number):
    ink, label = number
    on_paper = photo_ink(page(ink, rules=False))
    on_board = photo_ink(page(ink, paper=BOARD, pen=CHALK, rules=False))
    a, b = on_paper > INK_THRESHOLD, on_board > INK_THRESHOLD
    assert (a & b).sum() / (a | b).sum() > 0.7
    assert read_number(predictor, on_paper).number == read_number(predictor, on_board).number == label


def test_coloured_pen_on_coloured_paper(predictor, number):
    ink, label = number
    assert read_number(predictor, photo_ink(page(ink, paper=YELLOW, pen=BLUE_PEN))).number == label


def test_shadow_lines_and_margin_are_not_ink(number):
    ink, _ = number
    found = photo_ink(page(ink))
    outside = found.copy()
    outside[170 - 3 : 170 + 93, 130 - 3 : 130 + ink.shape[1] + 3] = 0  # around the writing
    assert (outside > INK_THRESHOLD).sum() == 0
    assert (found > INK_THRESHOLD).sum() > 0.8 * (ink > INK_THRESHOLD).sum()


def test_a_stroke_crossing_ruled_lines_stays_whole():
    stroke = np.zeros((90, 200), np.float32)
    stroke[:, 95:103] = 1  # a 1 at columns 225-232 of the page, rows 170-259, crossing the lines at 180, 208, 236
    found = photo_ink(page(stroke, shadow=False))
    assert (found[172:258, 229] > INK_THRESHOLD).all()
    assert (found[178:183, 300:500] <= INK_THRESHOLD).all()  # the line itself is gone beside the stroke


# --- reading files -----------------------------------------------------------------------------------------
def test_read_pixels_applies_the_exif_orientation(tmp_path):
    upright = np.zeros((40, 60, 3), np.uint8)
    upright[5:10, 5:20] = 255  # a mark near the top left
    path = tmp_path / "turned.png"
    img = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(path, exif=exif)
    pixels = read_pixels(path)
    assert pixels.shape == (40, 60, 3)
    assert pixels[5:10, 5:20].min() == 255 and pixels[20:].max() == 0


def test_a_file_that_is_no_picture_is_refused_by_name(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("not a picture")
    with pytest.raises(PreprocessError, match="notes.jpg"):
        load_photo(path)
    with pytest.raises(PreprocessError, match="no such"):
        load_photo(tmp_path / "missing.jpg")


def test_a_transparent_drawing_is_read_as_a_drawing(tmp_path):
    rgba = np.zeros((50, 50, 4), np.uint8)
    rgba[10:40, 20:26] = (0, 0, 0, 255)  # black ink on a transparent background
    np.testing.assert_array_equal(photo_ink(rgba), to_ink(rgba))
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, "PNG")
    (tmp_path / "drawing.png").write_bytes(buffer.getvalue())
    assert (load_photo(tmp_path / "drawing.png") > 0.5).sum() == 30 * 6
