"""What the pad read after each completed stroke of the drawing: the timeline's data. Kept one stroke at a
time as the user draws (popped on undo) and read again from the strokes when the drawing was replaced or the
model changed; for a number, each stroke's reading of the whole number, so that the timeline can follow one
digit through the strokes that made it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.explain import Prediction, Predictor
from ..core.number import DigitReading, NumberReading, read_number
from ..core.reading import OK
from .canvas import Canvas

NO_INK = np.full(10, np.nan, np.float32)  # a stroke that left no ink: a gap in the curves


@dataclass(frozen=True)
class Step:
    """What the pad read after one completed stroke: the whole drawing as one digit, and as a number."""

    probabilities: np.ndarray  # (classes,), NaN when the stroke left no ink
    number: NumberReading | None


def marked_number(number: NumberReading) -> str:
    """The digits read, a "?" after each one the reader is not sure of."""
    return "".join(f"{d.prediction}{'' if d.status == OK else '?'}" for d in number.digits)


def _overlap(a: tuple, b: tuple) -> int:
    """The area two boxes (x0, y0, x1, y1) share."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _step(pred: Prediction, number: NumberReading | None) -> Step:
    return Step(pred.probabilities if pred.probabilities is not None else NO_INK, number)


class StrokeHistory:
    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.memo: dict = {}  # the digits already read by this model (core.number's memo), shared with the pad

    def clear(self) -> None:
        """A new model: everything is read again."""
        self.steps.clear()
        self.memo.clear()

    def sync(self, canvas: Canvas, predictor: Predictor, pred: Prediction, number: NumberReading | None) -> bool:
        """Follow the canvas: drop the steps of undone strokes, add the one just finished (``pred`` and
        ``number`` are what was read of the whole drawing now), read the missing ones from the strokes.
        Whether the steps changed."""
        done = canvas.stroke_count()
        before = len(self.steps)
        changed = before > done
        del self.steps[done:]
        if len(self.steps) == done - 1 and not canvas.is_drawing():  # the stroke just finished
            self.steps.append(_step(pred, number))
        else:
            for k in range(len(self.steps), done):
                image = canvas.prefix_image(k + 1)
                step = predictor.predict(image)
                self.steps.append(_step(step, read_number(predictor, image, memo=self.memo) if step.top is not None
                                        else None))
        return changed or len(self.steps) != before

    def curves(self, digit: DigitReading | None) -> tuple[list[np.ndarray], list[str] | None]:
        """The drawing's probabilities after each stroke; given a digit of the number, that digit's (the digit
        that most overlaps it in what each stroke left; none before its first stroke), each stroke labelled
        with the number read then."""
        if digit is None:
            return [s.probabilities for s in self.steps], None
        curves, labels = [], []
        for step in self.steps:
            digits = step.number.digits if step.number is not None else []
            best = max(digits, key=lambda d: _overlap(d.box, digit.box), default=None)
            found = best is not None and _overlap(best.box, digit.box) > 0
            curves.append(best.probabilities if found else NO_INK)
            labels.append(marked_number(step.number) if step.number is not None else "")
        return curves, labels
