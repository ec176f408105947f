"""What a reading of one drawing says: ``ok``, ``unsure``, ``not_a_digit`` or ``no_ink``, from calibrated
probabilities and the evidence behind them.

- **Calibration**: the logits are divided by a temperature fitted on held-out drawings (Guo et al. 2017), so
  that "90%" is right about nine times in ten. :func:`ece` measures it.
- **Not a digit**: the score is the probability of the two likeliest classes together. A model trained to
  answer flatly on non-digits (``TrainConfig.negatives``, outlier exposure) spreads a scribble over many
  classes, while an ambiguous digit still puts nearly all on two ("4 or 9"). Under ``not_a_digit_below`` the
  drawing is not a digit. (The logits' log-sum-exp, the energy score, separated our non-digits far worse:
  docs/reading.md.)
- **Unsure**: the top probability under ``unsure_below``.

Both thresholds are chosen on validation drawings (:func:`choose`), never on a test set; they travel in the
checkpoint's metadata (``"reading"``) with the temperature. docs/reading.md has the figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

OK, UNSURE, NOT_A_DIGIT, NO_INK = "ok", "unsure", "not_a_digit", "no_ink"
STATUSES = (OK, UNSURE, NOT_A_DIGIT, NO_INK)
# Share of validation digits the thresholds may flag: the not-a-digit one, and both together.
DIGITS_NOT_A_DIGIT = 0.0025
DIGITS_FLAGGED = 0.008


@dataclass(frozen=True)
class Reading:
    """How a model's logits become probabilities and a status. The defaults (no temperature, no not-a-digit
    threshold, unsure under 60%) are for models trained without it."""

    temperature: float = 1.0
    not_a_digit_below: float | None = None  # not_a_digit under this digit score (None: never)
    unsure_below: float = 0.6  # unsure under this top probability

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_meta(cls, meta: dict) -> "Reading":
        """The reading a checkpoint's metadata carries; the defaults when it has none or a broken one."""
        d = meta.get("reading")
        try:
            below = d.get("not_a_digit_below")
            r = cls(float(d["temperature"]), None if below is None else float(below), float(d["unsure_below"]))
        except (TypeError, KeyError, ValueError, AttributeError):
            return cls()
        shares = [r.unsure_below, 0.0 if r.not_a_digit_below is None else r.not_a_digit_below]
        return r if np.isfinite(r.temperature) and r.temperature > 0 and all(0 <= v <= 1 for v in shares) else cls()

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Softmax of ``logits / temperature`` over the last axis, float32."""
        z = np.asarray(logits, np.float64) / self.temperature
        z = np.exp(z - z.max(-1, keepdims=True))
        return (z / z.sum(-1, keepdims=True)).astype(np.float32)

    def statuses(self, probabilities: np.ndarray) -> np.ndarray:
        """The status of each row of calibrated ``probabilities`` (n, classes): ``ok`` / ``unsure`` /
        ``not_a_digit`` (an object array)."""
        out = np.where(probabilities.max(-1) < self.unsure_below, UNSURE, OK).astype(object)
        if self.not_a_digit_below is not None:
            out[digit_score(probabilities) < self.not_a_digit_below] = NOT_A_DIGIT
        return out

    def status(self, probabilities: np.ndarray | None) -> str:
        """The status of one drawing's calibrated probabilities (None: no ink)."""
        return NO_INK if probabilities is None else str(self.statuses(np.asarray(probabilities)[None])[0])


def digit_score(probabilities: np.ndarray) -> np.ndarray:
    """How much a drawing looks like some digit: its two likeliest classes' probability together."""
    p = np.asarray(probabilities)
    return np.sort(p, -1)[..., -2:].sum(-1)


def ece(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error: the mean gap between confidence and accuracy over equal-width confidence
    bins, weighted by the share of drawings in each (Naeini et al. 2015)."""
    conf = probabilities.max(1)
    right = probabilities.argmax(1) == labels
    which = np.minimum((conf * bins).astype(int), bins - 1)
    gaps = [abs(conf[which == b].mean() - right[which == b].mean()) * (which == b).mean()
            for b in range(bins) if (which == b).any()]
    return float(sum(gaps))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` (a fine grid: one parameter)."""
    z = np.asarray(logits, np.float64)
    best, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.2), np.log(5.0), 161)):
        s = z / t
        s = s - s.max(1, keepdims=True)
        nll = float((np.log(np.exp(s).sum(1)) - s[np.arange(len(s)), labels]).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def choose(digit_logits: np.ndarray, labels: np.ndarray, negative_logits: np.ndarray | None,
           counted: np.ndarray | None = None) -> Reading:
    """The reading for a model from its validation drawings: the temperature fitted on the digits; the
    not-a-digit threshold where :data:`DIGITS_NOT_A_DIGIT` of the ``counted`` digits (default all) fall below
    it (only for a model trained with non-digits: ``negative_logits`` given); the unsure threshold where
    :data:`DIGITS_FLAGGED` of them are flagged in all, between 50% and 90%."""
    temperature = fit_temperature(digit_logits, labels)
    probs = Reading(temperature).probabilities(digit_logits)
    if counted is not None:
        probs = probs[counted]
    below = None
    if negative_logits is not None and len(negative_logits):
        below = float(np.quantile(digit_score(probs), DIGITS_NOT_A_DIGIT))
    passed = Reading(temperature, below).statuses(probs) != NOT_A_DIGIT
    share = max(0.0, DIGITS_FLAGGED - (1 - passed.mean())) / max(passed.mean(), 1e-9)
    top = probs[passed].max(1)
    unsure_below = float(np.clip(np.quantile(top, share) if len(top) else 0.6, 0.5, 0.9))
    return Reading(temperature, below, unsure_below)
