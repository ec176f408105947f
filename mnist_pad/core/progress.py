"""The one progress report of every long job (training, fine-tuning, evaluation, embedding): the window's
progress bar, curves and status line and the CLI's bars read these fields and nothing else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    kind: str  # "step" (training steps), "epoch" (an epoch ended: validation measured), "start" (a fine-tune's
    #            held-out samples evaluated, no step yet), "batch" (evaluation: ``step`` counts images)
    step: int  # optimizer steps (or images) done
    steps: int  # optimizer steps (or images) planned
    epoch: int = 1  # 1-based epoch in progress or just finished
    epochs: int = 1
    loss: float | None = None  # mean training loss since the last report
    accuracy: float | None = None  # training accuracy since the last report (augmented images), 0..1
    lr: float | None = None
    seconds: float = 0.0  # working time so far, evaluations excluded
    images_per_s: float | None = None
    val_accuracy: float | None = None  # at "epoch" reports
    val_loss: float | None = None

    @property
    def eta(self) -> float:
        """Seconds left at the pace so far (NaN before the first step)."""
        return self.seconds / self.step * (self.steps - self.step) if self.step else float("nan")


def describe(p: Progress) -> str:
    """The figures of a training report in one line: ``loss 0.1234 acc 97.50% 5,891 img/s val 98.70%``."""
    parts = []
    if p.loss is not None:
        parts.append(f"loss {p.loss:.4f}")
    if p.accuracy is not None:
        parts.append(f"acc {p.accuracy * 100:.2f}%")
    if p.images_per_s:
        parts.append(f"{p.images_per_s:,.0f} img/s")
    if p.val_accuracy is not None:
        parts.append(f"val {p.val_accuracy * 100:.2f}%")
    return " ".join(parts)
