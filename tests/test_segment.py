"""Reading numbers (issue 13): digits found side by side with their boxes, grouped strokes, touching digits
cut and marked, the single-digit path unchanged, and the JSON interface."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mnist_pad.core.calibrate import canvas_drawing
from mnist_pad.core.checkpoint import load
from mnist_pad.core.explain import Predictor
from mnist_pad.core.number import MEMO_SIZE, DigitReading, NumberReading, read_number
from mnist_pad.core.paths import shipped_weights
from mnist_pad.core.preprocess import INK_THRESHOLD, preprocess
from mnist_pad.core.reading import NO_INK, NOT_A_DIGIT, OK, UNSURE
from mnist_pad.core.segment import components, segment
from mnist_pad.core.strokes import render
from mnist_pad.core.styles import Hand, arc, join, line, place


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor.for_checkpoint(load(shipped_weights("default")), backend="torch")


@pytest.fixture(scope="module")
def digits(predictor, mnist_test) -> list[tuple[np.ndarray, int]]:
    return readable(predictor, mnist_test, 10)


def scaled(digit: np.ndarray, height: int) -> np.ndarray:
    """An MNIST digit (uint8 28x28) cropped to its ink and scaled to ``height`` rows, float 0..1."""
    ink = digit.astype(np.float32) / 255
    m = ink > INK_THRESHOLD
    rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    width = max(1, round(ink.shape[1] * height / ink.shape[0]))
    return np.asarray(Image.fromarray(ink, mode="F").resize((width, height), Image.Resampling.BILINEAR))


def side_by_side(digits: list[np.ndarray], gaps: list[int], height: int = 200) -> tuple[np.ndarray, list[int]]:
    """Digits left to right on one canvas, ``gaps[i]`` columns after digit i (negative: overlapping); the
    image and each digit's first column."""
    lefts, x = [], 20
    for d, gap in zip(digits, gaps + [0]):
        lefts.append(x)
        x += d.shape[1] + gap
    canvas = np.zeros((height, x + 20), np.float32)
    for d, left in zip(digits, lefts):
        top = (height - d.shape[0]) // 2
        region = canvas[top : top + d.shape[0], left : left + d.shape[1]]
        np.maximum(region, d, out=region)
    return canvas, lefts


def readable(predictor: Predictor, mnist_test, count: int) -> list[tuple[np.ndarray, int]]:
    """The first test digits of different labels that the pad's single-digit path reads right and sure, as
    (image scaled to 120 px, label), in the order found: a wrong digit would fail a number for the model's
    sake, not the segmentation's."""
    found: dict[int, np.ndarray] = {}
    for image, label in zip(mnist_test.images.numpy(), mnist_test.labels.numpy()):
        if int(label) in found:
            continue
        digit = scaled(image, 120)
        pred = predictor.predict(digit)
        if pred.top == label and pred.status == OK:
            found[int(label)] = digit
        if len(found) == count:
            break
    return [(d, label) for label, d in found.items()]


def drawn(glyph: list[np.ndarray], pen: float = 0.05) -> np.ndarray:
    """A unit-box glyph drawn by a steady hand (no jitter) on the 280 px canvas, ink high 0..1."""
    hand = Hand(slant=0, aspect=0.6, height=(0.6, 0.6), slant_sd=0, aspect_spread=0, rotation_sd=0, centre_sd=0,
                jitter=0, tremor=0)
    return render(place(glyph, np.random.default_rng(0), hand), 280, pen).astype(np.float32) / 255


# --- finding the digits ------------------------------------------------------------------------------------
def test_a_composed_number_gives_each_digit_its_box_left_to_right(predictor, digits):
    digits = digits[:5]
    image, lefts = side_by_side([d for d, _ in digits], [25, 8, 40, 15])
    reading = read_number(predictor, image)
    assert reading.number == "".join(str(label) for _, label in digits)
    assert len(reading.digits) == 5
    for found, (digit, _), left in zip(reading.digits, digits, lefts):
        x0, y0, x1, y1 = found.box
        assert abs(x0 - left) <= 1 and abs(x1 - (left + digit.shape[1])) <= 1
        assert y1 - y0 == pytest.approx(digit.shape[0], abs=2)
    assert reading.status == OK


def test_a_digit_in_two_separate_strokes_stays_one_digit():
    belly = arc(0.45, 0.68, 0.4, 0.3, -130, 150, 20)
    five = [join(line((0.25, 0.1), (0.2, 0.45)), belly), line((0.4, 0.0), (0.95, 0.0))]  # flag clear of the body
    four = [line((0.15, 0.0), (0.1, 0.55), (0.95, 0.55)), line((0.7, 0.63), (0.7, 1.0))]  # stem under the bar
    seven = [line((0.05, 0.0), (0.95, 0.0), (0.35, 1.0)), line((0.25, 0.5), (0.5, 0.5))]  # bar left of the stem
    for glyph in (five, four, seven):
        image = drawn(glyph, pen=0.03)
        assert len(components(image > INK_THRESHOLD)[2]) == 2  # the strokes really are apart
        assert len(segment(image)) == 1


def test_specks_and_a_dash_are_not_digits(predictor, digits):
    digits = digits[:2]
    image, lefts = side_by_side([d for d, _ in digits], [60])
    dash_from = lefts[0] + digits[0][0].shape[1] + 15
    image[95:100, dash_from : dash_from + 30] = 1  # a dash between the digits
    image[10:13, 5:8] = image[185:187, -10:-8] = 1  # dust
    assert read_number(predictor, image).number == "".join(str(label) for _, label in digits)


def touching(digits: list[np.ndarray]) -> np.ndarray:
    """The digits side by side, each pushed against the one before until their inks meet."""
    image, overlaps = None, []
    for i in range(1, len(digits)):
        for overlap in range(0, min(d.shape[1] for d in digits[i - 1 : i + 1]), 2):
            image, _ = side_by_side(digits[: i + 1], [-o for o in overlaps] + [-overlap])
            if len(components(image > INK_THRESHOLD)[2]) <= len(digits) - i:
                overlaps.append(overlap)
                break
    return image


def test_touching_digits_are_cut_apart_and_marked_unsure(predictor, digits):
    right = 0
    for (a, la), (b, lb) in zip(digits[0::2], digits[1::2]):
        image = touching([a, b])
        assert len(components(image > INK_THRESHOLD)[2]) == 1
        reading = read_number(predictor, image)
        if len(reading.digits) == 2:
            assert all(d.status in (UNSURE, NOT_A_DIGIT) for d in reading.digits)  # a cut is a guess
        right += reading.number == f"{la}{lb}"
    assert right >= 4  # one pair in five may stay unread (these test digits include an odd 5)


def test_three_touching_digits_are_cut_into_three(predictor, digits):
    zero = dict((label, d) for d, label in digits)[0]
    image = touching([zero, zero, zero])
    assert len(components(image > INK_THRESHOLD)[2]) == 1
    parts = segment(image)  # by geometry alone: far wider than one digit
    assert len(parts) >= 2 and all(p.touching for p in parts)
    assert [p.box[0] for p in parts] == sorted(p.box[0] for p in parts)
    assert read_number(predictor, image).number == "000"


# --- readings ----------------------------------------------------------------------------------------------
def test_no_ink_reads_as_no_number(predictor):
    reading = read_number(predictor, np.zeros((280, 1120), np.float32))
    assert (reading.number, reading.digits, reading.status) == ("", [], NO_INK)
    assert reading.to_json("blank.png") == {"file": "blank.png", "number": "", "digits": [], "status": NO_INK}


def test_a_single_digit_reads_as_the_single_digit_path(predictor, mnist_test):
    rng = np.random.default_rng(3)
    for image in mnist_test.images.numpy()[:6]:
        drawing = canvas_drawing(image, rng)
        single = predictor.predict(drawing)
        reading = read_number(predictor, drawing)
        assert len(reading.digits) == 1
        np.testing.assert_allclose(reading.digits[0].probabilities, single.probabilities, atol=1e-6)
        assert reading.digits[0].status == single.status and reading.status == single.status
        np.testing.assert_array_equal(reading.digits[0].pre.image, preprocess(drawing).image)


def test_the_number_status_is_the_worst_digit_status():
    def digit(status: str) -> DigitReading:
        return DigitReading(1, np.full(10, 0.1, np.float32), (0, 0, 1, 1), status, preprocess(np.ones((4, 4))))

    assert NumberReading([digit(OK), digit(OK)]).status == OK
    assert NumberReading([digit(OK), digit(UNSURE), digit(OK)]).status == UNSURE
    assert NumberReading([digit(UNSURE), digit(NOT_A_DIGIT), digit(OK)]).status == NOT_A_DIGIT


def test_the_json_has_exactly_the_interface_keys(predictor, digits):
    image, _ = side_by_side([d for d, _ in digits[:3]], [20, 20])
    obj = json.loads(json.dumps(read_number(predictor, image).to_json("n.png")))
    assert set(obj) == {"file", "number", "digits", "status"} and obj["file"] == "n.png"
    assert len(obj["digits"]) == 3
    for d in obj["digits"]:
        assert set(d) == {"prediction", "probabilities", "box", "status"}
        assert isinstance(d["prediction"], int) and len(d["probabilities"]) == 10
        assert sum(d["probabilities"]) == pytest.approx(1, abs=1e-4)
        assert len(d["box"]) == 4 and all(isinstance(v, int) for v in d["box"])
    assert obj["number"] == "".join(str(d["prediction"]) for d in obj["digits"])


def test_a_memo_reads_only_the_digits_that_changed_and_the_same_way(predictor, digits):
    image, _ = side_by_side([d for d, _ in digits[:4]], [25, 25, 25])
    batches: list[int] = []
    engine = predictor.engine

    class Counting:  # the predictor's engine, counting the images of each batch
        def __call__(self, x):
            batches.append(len(x))
            return engine(x)

    memo: dict = {}
    predictor.engine = Counting()
    try:
        first = read_number(predictor, image, memo=memo)
        assert batches == [4]
        again = image.copy()
        left = digits[0][0]
        again[:, : 20 + left.shape[1]] = 0  # the first digit rubbed out: three unchanged digits
        second = read_number(predictor, again, memo=memo)
        assert batches == [4] and second.number == first.number[1:]  # nothing new to read
        plain = read_number(predictor, image)
    finally:
        predictor.engine = engine
    assert plain.number == first.number and batches[-1] == 4
    for a, b in zip(plain.digits, first.digits):
        np.testing.assert_array_equal(a.probabilities, b.probabilities)
    # a memo full of other drawings' digits starts again, and the number reads the same
    full = {("other", i): None for i in range(MEMO_SIZE - 2)}
    full.update(memo)
    assert read_number(predictor, image, memo=full).number == first.number and len(full) == 4


def test_while_the_pen_is_down_touching_digits_are_not_looked_for(predictor, digits):
    (a, _), (b, _) = digits[0], digits[1]
    image = touching([a, b])
    assert len(read_number(predictor, image, cut_touching=False).digits) == 1
    assert len(read_number(predictor, image).digits) == 2
