"""TensorBoard, the seed articles' monitoring tool, for one training run. A :class:`TrainingLog` is fed the
trainer's progress reports (``drive(trainer.run(), log.add)``) and writes into its folder, for
``tensorboard --logdir FOLDER``:

- scalars: the training loss, accuracy and learning rate of every report; the validation accuracy and loss of
  every epoch (x axis: optimizer steps);
- at each epoch's end: a histogram of every weight tensor, the validation confusion matrix and the first conv
  layer's filters as images;
- the graph of the net, once;
- the same curves as ``curves.csv`` (one row per report), for a spreadsheet or a plot of one's own.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .files import write_atomic
from .progress import Progress
from .report import confusion_image
from .train import Trainer

CSV_NAME = "curves.csv"
CSV_FIELDS = ("kind", "epoch", "step", "seconds", "loss", "accuracy", "lr", "val_accuracy", "val_loss")
FILTER_PIXELS = 48  # each filter is enlarged (nearest neighbour) to about this many pixels a side
MARGIN, MARGIN_COLOUR = 2, (0.2, 0.4, 0.8)  # pixels and RGB (0..1) between two filters in the grid


class TrainingLog:
    """Writes ``trainer``'s run into ``folder`` as TensorBoard events and ``curves.csv``; :meth:`close` (or
    leaving a ``with`` block) writes the rest."""

    def __init__(self, folder: str | os.PathLike, trainer: Trainer) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise RuntimeError("TensorBoard logs need the 'tensorboard' package: pip install tensorboard "
                               f"({exc})") from exc
        self.folder = Path(folder)
        self.trainer = trainer
        self.rows: list[dict] = []
        self.writer = SummaryWriter(str(self.folder))
        try:
            self._graph()
        except BaseException:  # the writer's thread and file must not outlive a log that never started
            self.writer.close()
            raise

    def __enter__(self) -> "TrainingLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, p: Progress) -> None:
        """One progress report of the trainer: its scalars, and at an epoch's end the weights, confusion matrix
        and filters; the curves' file is rewritten at every epoch's end."""
        row = {k: v for k, v in asdict(p).items() if k in CSV_FIELDS}
        self.rows.append(row)
        for tag, key in (("train/loss", "loss"), ("train/accuracy", "accuracy"), ("train/lr", "lr"),
                         ("validation/accuracy", "val_accuracy"), ("validation/loss", "val_loss")):
            if row[key] is not None:
                self.writer.add_scalar(tag, row[key], p.step)
        if p.kind == "epoch":
            self._epoch(p)
            self._write_csv()
            self.writer.flush()

    def close(self) -> None:
        self._write_csv()
        self.writer.close()

    def _epoch(self, p: Progress) -> None:
        model = self.trainer.model
        for name, weight in model.named_parameters():
            self.writer.add_histogram(f"weights/{name}", weight.detach().float().cpu(), p.step)
        name, conv = next(iter(model.conv_layers().items()))
        self.writer.add_images(f"filters/{name}", filter_images(conv.weight), p.step)
        result = self.trainer.val_result
        if result is not None:
            picture = confusion_image(result, title=f"validation, epoch {p.epoch}")
            self.writer.add_image("validation/confusion", np.asarray(picture), p.step, dataformats="HWC")

    def _graph(self) -> None:
        """The net's graph, traced in eval mode on one blank image (training mode is put back after)."""
        net, training = self.trainer.net, self.trainer.net.training
        net.eval()
        try:
            with warnings.catch_warnings():  # torch deprecates the tracer TensorBoard's graph is made with
                warnings.simplefilter("ignore", DeprecationWarning)
                self.writer.add_graph(net, torch.zeros(1, *net.cfg.input_shape, device=self.trainer.device))
        finally:
            net.train(training)

    def _write_csv(self) -> None:
        text = io.StringIO()
        out = csv.DictWriter(text, CSV_FIELDS, lineterminator="\n")
        out.writeheader()
        out.writerows({k: "" if v is None else v for k, v in row.items()} for row in self.rows)
        write_atomic(self.folder / CSV_NAME, text.getvalue().encode())


def filter_images(weight: torch.Tensor) -> torch.Tensor:
    """A conv layer's filters (out, in, k, k) as images (out, 3, size, size): each the mean over its input channels
    in grey, stretched from its own minimum (black) to its maximum (white), enlarged to about
    :data:`FILTER_PIXELS`, with a blue margin on its right and bottom that parts it from its neighbours in the grid
    TensorBoard tiles them into."""
    w = weight.detach().float().cpu().mean(1, keepdim=True)
    low, high = w.amin((2, 3), keepdim=True), w.amax((2, 3), keepdim=True)
    w = F.interpolate((w - low) / (high - low).clamp_min(1e-12), scale_factor=max(1, FILTER_PIXELS // w.shape[-1]),
                      mode="nearest")
    n, _, size, _ = w.shape
    framed = torch.tensor(MARGIN_COLOUR).view(1, 3, 1, 1).repeat(n, 1, size + MARGIN, size + MARGIN)
    framed[:, :, :size, :size] = w
    return framed

