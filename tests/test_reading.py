"""Reading a drawing: calibrated probabilities, the statuses ok / unsure / not_a_digit / no_ink, the thresholds
chosen on validation drawings, and the styled digits and non-digits the recipe trains on."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mnist_pad.core.calibrate import calibrate, canvas_drawing
from mnist_pad.core.negatives import LETTERS, training_negatives
from mnist_pad.core.reading import (DIGITS_FLAGGED, DIGITS_NOT_A_DIGIT, NO_INK, NOT_A_DIGIT, OK, UNSURE, Reading,
                                    choose, digit_score, ece, fit_temperature)
from mnist_pad.core.styles import STYLE_KEYS, STYLES, Hand, draw_style, training_styles
from mnist_pad.core.train import TrainConfig, Trainer, with_drawings
from tests.synthetic import synthetic_split


def probs(*top: float) -> np.ndarray:
    """A probability vector whose first entries are ``top`` and the rest share what is left."""
    rest = (1 - sum(top)) / (10 - len(top))
    return np.array(list(top) + [rest] * (10 - len(top)), np.float32)


# --- statuses and the reading in a checkpoint --------------------------------------------------------------
def test_statuses_say_ok_unsure_not_a_digit_and_no_ink():
    r = Reading(1.0, not_a_digit_below=0.6, unsure_below=0.7)
    assert r.status(probs(0.95)) == OK
    assert r.status(probs(0.48, 0.47)) == UNSURE  # an ambiguous digit: nearly all on two classes
    assert r.status(probs(0.2, 0.15)) == NOT_A_DIGIT  # spread over many classes
    assert r.status(None) == NO_INK
    assert Reading(1.0, None, 0.7).status(probs(0.2, 0.15)) == UNSURE  # no threshold: never "not a digit"
    assert digit_score(probs(0.48, 0.47)) == pytest.approx(0.95)


def test_temperature_softens_or_sharpens_the_same_ranking():
    logits = np.array([3.0, 1.0, 0.0, -1.0, 0, 0, 0, 0, 0, 0])
    hot, cold = Reading(2.0).probabilities(logits), Reading(0.5).probabilities(logits)
    assert hot.argmax() == cold.argmax() == 0 and hot.max() < Reading().probabilities(logits).max() < cold.max()
    assert hot.sum() == pytest.approx(1) and cold.sum() == pytest.approx(1)


@pytest.mark.parametrize("meta", [{}, {"reading": "x"}, {"reading": {"temperature": -1, "unsure_below": 0.5}},
                                  {"reading": {"temperature": float("nan"), "unsure_below": 0.5}},
                                  {"reading": {"temperature": 1, "unsure_below": 3}},
                                  {"reading": {"temperature": 1, "unsure_below": 0.5, "not_a_digit_below": "a"}}])
def test_a_missing_or_broken_reading_in_metadata_gives_the_defaults(meta):
    assert Reading.from_meta(meta) == Reading()


def test_a_reading_round_trips_through_metadata():
    r = Reading(0.4, 0.8, 0.65)
    assert Reading.from_meta({"reading": r.to_dict()}) == r


# --- calibration -------------------------------------------------------------------------------------------
def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (20000, 10))
    for true_t in (0.5, 2.0):
        p = Reading(true_t).probabilities(logits).astype(np.float64)
        labels = np.array([rng.choice(10, p=row / row.sum()) for row in p])
        assert fit_temperature(logits, labels) == pytest.approx(true_t, rel=0.1)


def test_ece_is_small_when_calibrated_and_falls_with_the_fitted_temperature():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (20000, 10))
    p = Reading(2.0).probabilities(logits).astype(np.float64)
    labels = np.array([rng.choice(10, p=row / row.sum()) for row in p])
    over = ece(Reading(1.0).probabilities(logits), labels)  # the raw logits are over-confident
    fitted = ece(Reading(fit_temperature(logits, labels)).probabilities(logits), labels)
    assert fitted < 0.02 < over


def test_choose_flags_at_most_its_share_of_validation_digits_and_catches_flat_answers():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 5000)
    digit_logits = rng.normal(0, 1, (5000, 10))
    digit_logits[np.arange(5000), labels] += rng.uniform(4, 12, 5000)  # mostly sure, some not
    flat = rng.normal(0, 0.3, (1000, 10))
    r = choose(digit_logits, labels, flat)
    statuses = r.statuses(r.probabilities(digit_logits))
    assert (statuses == NOT_A_DIGIT).mean() <= DIGITS_NOT_A_DIGIT + 1e-3
    assert (statuses != OK).mean() <= DIGITS_FLAGGED + 1e-3
    assert (r.statuses(r.probabilities(flat)) == NOT_A_DIGIT).mean() > 0.9
    assert choose(digit_logits, labels, None).not_a_digit_below is None  # no non-digits to check it against


def test_canvas_drawing_puts_the_whole_digit_on_the_canvas():
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 12:16] = 255
    image = canvas_drawing(digit, np.random.default_rng(0))
    assert image.shape == (280, 280) and image.max() == pytest.approx(1.0) and image.min() == 0
    assert image.sum() > 20 * 4 * (70 / 28) ** 2 * 0.8  # at least 70 px tall: the ink scaled, not clipped


def test_calibrate_gives_a_usable_reading_for_a_trained_model():
    cfg = TrainConfig(arch="small", epochs=1, batch_size=64, val_size=0, device="cpu", log_every=100)
    trainer = Trainer(cfg, synthetic_split(640))
    for _ in trainer.run():
        pass
    r = calibrate(trainer.model, synthetic_split(200, seed=3), negatives=True, limit=200)
    assert 0.05 < r.temperature < 20 and 0.5 <= r.unsure_below <= 0.9 and 0 <= r.not_a_digit_below <= 1


# --- styles and non-digits ---------------------------------------------------------------------------------
def test_every_style_of_every_digit_is_drawn_inside_the_canvas():
    assert {d for d, _ in STYLE_KEYS} == set(range(10))
    assert set(STYLES[1]) == {"bar", "flag", "flag-foot"} and set(STYLES[7]) == {"plain", "crossed"}
    rng = np.random.default_rng(0)
    for digit, style in STYLE_KEYS:
        strokes = draw_style(digit, style, rng, Hand())
        xy = np.concatenate(strokes)[:, :2]
        assert len(strokes) == len(STYLES[digit][style]) and ((xy > 0) & (xy < 1)).all()


def test_training_styles_are_labelled_inputs_and_depend_on_the_seed():
    images, labels = training_styles(2, seed=0)
    assert images.shape == (2 * len(STYLE_KEYS), 28, 28) and images.dtype == np.uint8
    assert labels.tolist() == [d for d, _ in STYLE_KEYS for _ in range(2)]
    assert (images.reshape(len(images), -1).max(1) > 200).all()  # every drawing has ink
    assert np.array_equal(images, training_styles(2, seed=0)[0])
    assert not np.array_equal(images, training_styles(2, seed=1)[0])


def test_training_negatives_leave_out_letters_people_write_as_digits():
    assert not set(LETTERS) & set("OoIlSsZzBbgq")
    negatives = training_negatives(50, seed=0)
    assert negatives.shape == (50, 28, 28) and (negatives.reshape(50, -1).max(1) > 200).all()


# --- training with them ------------------------------------------------------------------------------------
def test_the_recipe_appends_styled_digits_and_unlabelled_non_digits():
    base = synthetic_split(100)
    cfg = TrainConfig(styles=2, negatives=30, device="cpu")
    mixed = with_drawings(base, cfg)
    assert len(mixed) == 100 + 2 * len(STYLE_KEYS) + 30
    assert (mixed.labels[-30:] == -1).all() and (mixed.labels[100:-30] >= 0).all()
    assert with_drawings(base, TrainConfig()) is base
    with pytest.raises(ValueError, match="fashion-mnist"):
        TrainConfig(dataset="fashion-mnist", negatives=10)


def test_non_digits_are_taught_a_flat_answer():
    cfg = TrainConfig(arch="small", negatives=1, outlier_weight=0.5, device="cpu")
    trainer = Trainer(cfg, synthetic_split(64))
    logits = torch.tensor([[5.0] + [0.0] * 9, [1.0] * 10, [5.0] + [0.0] * 9])
    y = torch.tensor([0, -1, -1])
    per_row = [float(trainer._loss(logits[i : i + 1], y[i : i + 1])) for i in range(3)]
    flat_loss = 0.5 * float(-torch.log_softmax(logits[1], 0).mean())
    assert per_row[1] == pytest.approx(flat_loss) and per_row[2] > per_row[1]  # a confident answer costs more
    assert float(trainer._loss(logits, y)) == pytest.approx(sum(per_row) / 3)
