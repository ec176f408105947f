"""Read a number: the digits of a row of handwriting (:mod:`mnist_pad.core.segment`), each preprocessed as the
pad preprocesses one digit and all read by the model in one batch, with their own probabilities and statuses.
A single digit alone on the image reads as :meth:`~mnist_pad.core.explain.Predictor.predict` reads it.

Touching digits are cut by the reader, not by geometry alone: a 1 against a 0 is no wider than a wide 2,
and a wide 0 against a 6 is as wide as three 1s. A part that the model does not read with near certainty
(:data:`GATE`; the model was trained to answer flatly on two digits side by side,
:mod:`mnist_pad.core.negatives`), or that is too wide for one digit, is cut along each of its
:func:`~mnist_pad.core.segment.cuts`, all of them read in one more batch, and the best cut replaces it when
its halves read better than the whole (:func:`_split_score`: the less sure half against the whole, the
part's width, the strokes the cut crosses). Halves are looked at again, for three or more touching digits.
The weights were chosen on numbers made like the benchmark's but with other seeds
(scripts/bench_numbers.py, docs/numbers.md). Clear separate digits, the common case, cost one batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .preprocess import Preprocessed, preprocess
from .reading import NO_INK, NOT_A_DIGIT, OK, UNSURE
from .segment import CUTS, WIDE, Box, Cut, Part, cuts, segment

PAIR_ASPECT = 0.6  # a part narrower than this many times its height cannot hold two digits (two 1s: ~0.8)
GATE = 6.0  # a part read with log-odds above this (99.75%) is not cut: most single digits, and fast
ASPECT_WEIGHT = 6.0  # log-odds for two digits per unit of width / height beyond 1
STROKE_WEIGHT = 2.0  # log-odds against two digits per stroke the cut crosses
SPLIT_MARGIN = 0.0  # a cut is taken when it reads better than the whole by this (log-odds, with the aspect)
RESPLIT_ROUNDS = 3  # halves are looked at again: three or four touching digits
SEVERITY = {OK: 0, UNSURE: 1, NOT_A_DIGIT: 2}


@dataclass(frozen=True)
class DigitReading:
    prediction: int
    probabilities: np.ndarray  # (classes,) float32, calibrated
    box: Box  # x0, y0, x1, y1 in the image's pixels, ends exclusive
    status: str  # ok | unsure | not_a_digit; a digit cut from touching ones is at best unsure
    pre: Preprocessed  # the network's input and the steps that made it (for the window)

    def to_json(self) -> dict:
        return {"prediction": self.prediction, "probabilities": [round(float(p), 6) for p in self.probabilities],
                "box": [int(v) for v in self.box], "status": self.status}


@dataclass(frozen=True)
class NumberReading:
    digits: list[DigitReading]  # left to right

    @property
    def number(self) -> str:
        """The digits read, left to right ("" without ink)."""
        return "".join(str(d.prediction) for d in self.digits)

    @property
    def status(self) -> str:
        """``no_ink`` without digits, else the worst of the digits' statuses (ok < unsure < not_a_digit)."""
        if not self.digits:
            return NO_INK
        return max((d.status for d in self.digits), key=SEVERITY.__getitem__)

    def to_json(self, file: str | None = None) -> dict:
        """The reading as ``predict --json`` prints it for a file (``file``: its name, or None)."""
        return {"file": file, "number": self.number, "digits": [d.to_json() for d in self.digits],
                "status": self.status}


@dataclass(frozen=True)
class _Read:
    part: Part
    pre: Preprocessed
    probabilities: np.ndarray
    status: str

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())


Memo = dict[tuple, _Read]  # a part's box and ink -> how it was read (read_number's ``memo``)
MEMO_SIZE = 256  # parts remembered; a memo this full starts again


def _key(part: Part) -> tuple:
    return part.box, part.touching, hashlib.blake2b(part.ink.tobytes(), digest_size=16).digest()


def _read(predictor, parts: list[Part], memo: Memo | None = None) -> list[_Read]:
    """Each part preprocessed and all of them through the model in one batch; parts in ``memo`` (the same box
    and ink as before: the digits already written while the next is being drawn) are not read again."""
    memo = {} if memo is None else memo
    keys = [_key(p) for p in parts]
    if len(memo) + len(keys) > MEMO_SIZE:  # full: start again (before looking: every key is then found or new)
        memo.clear()
    new = [i for i, k in enumerate(keys) if k not in memo]
    if new:
        pres = [preprocess(parts[i].ink) for i in new]
        logits, _ = predictor.engine(np.stack([p.image for p in pres])[:, None])
        probs = predictor.reading.probabilities(logits)
        statuses = predictor.reading.statuses(probs)
        for i, pre, prob, status in zip(new, pres, probs, statuses):
            memo[keys[i]] = _Read(parts[i], pre, prob, str(status))
    return [memo[k] for k in keys]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _maybe_two(read: _Read) -> bool:
    """Whether a read part is worth cutting in two: wide enough for two digits, and either not read with near
    certainty (the gate keeps the common case, clear separate digits, to one batch) or too wide for one."""
    aspect = read.part.width / read.part.height
    return aspect >= PAIR_ASPECT and (_logit(read.confidence) < GATE or aspect > WIDE)


def _split_score(whole: _Read, halves: list[_Read], strokes: float) -> float:
    """How much better the part reads as two digits than as one, in log-odds: the less confident half's over
    the whole's, plus :data:`ASPECT_WEIGHT` per unit of the whole's width over its height beyond 1 (one digit
    is rarely wider than high, two side by side nearly always are), less :data:`STROKE_WEIGHT` per stroke the
    cut crosses (touching digits meet at one stroke; a cut through one digit's loop crosses two)."""
    aspect = whole.part.width / whole.part.height
    confidence = _logit(min(h.confidence for h in halves)) - _logit(whole.confidence)
    return confidence + ASPECT_WEIGHT * (aspect - 1) - STROKE_WEIGHT * strokes


def _best_halves(whole: _Read, options: list[tuple[list[_Read], float]]) -> list[_Read] | None:
    """The two halves to read instead of ``whole`` among ``options`` (halves, strokes crossed), or None to
    keep it whole. Halves must both read as digits, unless the whole is too wide for one digit: then a half
    may be more touching digits, cut in the next round."""
    too_wide = whole.part.width > WIDE * whole.part.height
    readable = [o for o in options if too_wide or all(h.status != NOT_A_DIGIT for h in o[0])]
    best = max(readable, key=lambda o: _split_score(whole, *o), default=None)
    return best[0] if best is not None and _split_score(whole, *best) > SPLIT_MARGIN else None


def _cuts(part: Part) -> list[Cut]:
    """The cuts to try on a part: those that part a first digit from the rest as if it held two digits, and,
    when it is too wide for one, as if it held three (the first digit then ends at a third of its width)."""
    return [cut for count in ((2, 3) if part.width > WIDE * part.height else (2,)) for cut in cuts(part, count, CUTS)]


def _resplit(predictor, reads: list[_Read], todo: list[bool]) -> tuple[list[_Read], list[bool]]:
    """``reads`` with each part to do that might be two touching digits replaced by its best cut's halves
    (all cuts of all such parts read in one batch), and which of the result to look at again: the halves."""
    options = {i: _cuts(r.part) for i, r in enumerate(reads) if todo[i] and _maybe_two(r)}
    halves = iter(_read(predictor, [half for found in options.values() for cut in found for half in cut.pieces]))
    out, again = [], []
    for i, read in enumerate(reads):
        best = _best_halves(read, [([next(halves), next(halves)], cut.strokes) for cut in options.get(i, [])])
        out.extend(best or [read])
        again.extend([True, True] if best else [False])
    return out, again


def _digit(read: _Read) -> DigitReading:
    status = UNSURE if read.part.touching and read.status == OK else read.status
    return DigitReading(int(read.probabilities.argmax()), read.probabilities, read.part.box, status, read.pre)


def read_number(predictor, ink: np.ndarray, cut_touching: bool = True, memo: Memo | None = None) -> NumberReading:
    """The number written in the ink-high image ``ink`` (2-D, float 0..1 or uint8), read by ``predictor``
    (:class:`~mnist_pad.core.explain.Predictor`). A single digit alone on the image (no specks) that the
    reader does not cut reads exactly as ``predictor.predict`` reads the image. ``cut_touching=False`` reads
    the separate pieces only, in one batch: the pad's reading while the pen is down (a digit half written
    reads unsure, and looking for touching digits in it would cost several batches on every pointer move).
    ``memo``: a dict kept between calls with the same predictor, so that unchanged digits are not read again."""
    reads = _read(predictor, segment(ink, split_wide=False), memo)
    todo = [True] * len(reads)
    for _ in range(RESPLIT_ROUNDS if cut_touching else 0):  # a later round cuts a third digit off a half
        if not any(t and _maybe_two(r) for t, r in zip(todo, reads)):
            break
        reads, todo = _resplit(predictor, reads, todo)
    return NumberReading([_digit(r) for r in reads])
