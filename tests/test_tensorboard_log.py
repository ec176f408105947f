"""TensorBoard logs of a training run, read back with TensorBoard's own reader: the curves match the trainer's
reports, and the histograms, images, graph and CSV are there; `mnist-pad train --logdir` writes them."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest
import torch
from bad_inputs import one_error_line
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from mnist_pad.cli import run
from mnist_pad.core.augment import NO_AUGMENT
from mnist_pad.core.data import load_split
from mnist_pad.core.recipes import recipe_for
from mnist_pad.core.steps import drive
from mnist_pad.core.tensorboard_log import CSV_FIELDS, CSV_NAME, TrainingLog, filter_images
from mnist_pad.core.train import Trainer, split_validation

CFG = replace(recipe_for("fast"), epochs=2, batch_size=32, log_every=4, device="cpu", augment=NO_AUGMENT,
              val_size=128, cpu_bf16=False)


@pytest.fixture(scope="module")
def logged(mnist_dir, tmp_path_factory):
    """(the trainer, every report, the log folder) of 2 epochs on 320 images, logged."""
    torch.set_num_threads(1)
    train, val = split_validation(load_split("mnist", "train", mnist_dir).subset(slice(0, 448)), 128)
    trainer, folder, reports = Trainer(CFG, train, val), tmp_path_factory.mktemp("tb"), []
    with TrainingLog(folder, trainer) as log:
        drive(trainer.run(), lambda p: (reports.append(p), log.add(p)))
    return trainer, reports, folder


def events(folder) -> EventAccumulator:
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "images": 0})
    acc.Reload()
    return acc


def test_scalars_are_the_trainers_reports(logged):
    trainer, reports, folder = logged
    acc = events(folder)
    scalars = {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}
    assert set(scalars) == {"train/loss", "train/accuracy", "train/lr", "validation/accuracy", "validation/loss"}
    for tag, key in (("train/loss", "loss"), ("train/accuracy", "accuracy"), ("train/lr", "lr")):
        assert [s for s, _ in scalars[tag]] == [p.step for p in reports]
        assert [v for _, v in scalars[tag]] == pytest.approx([getattr(p, key) for p in reports], rel=1e-6)
    epochs = trainer.history
    assert [s for s, _ in scalars["validation/accuracy"]] == [p.step for p in epochs] == [10, 20]
    assert [v for _, v in scalars["validation/accuracy"]] == pytest.approx([p.val_accuracy for p in epochs])
    assert [v for _, v in scalars["validation/loss"]] == pytest.approx([p.val_loss for p in epochs], rel=1e-6)


def test_histograms_images_and_graph_are_written_each_epoch(logged):
    trainer, _, folder = logged
    acc = events(folder)
    names = [f"weights/{name}" for name, _ in trainer.model.named_parameters()]
    assert sorted(acc.Tags()["histograms"]) == sorted(names)
    assert [h.step for h in acc.Histograms("weights/classifier.0.weight")] == [10, 20]
    assert set(acc.Tags()["images"]) == {"filters/conv1", "validation/confusion"}
    confusion = acc.Images("validation/confusion")
    assert [i.step for i in confusion] == [10, 20] and confusion[0].width > 400 and confusion[0].height > 400
    filters = acc.Images("filters/conv1")[-1]
    assert filters.width >= 4 * 47 and filters.height >= 2 * 47  # 16 filters of 5x5 enlarged to 45 px, framed, tiled
    assert acc.Tags()["graph"]


def test_curves_csv_holds_every_report(logged):
    _, reports, folder = logged
    with open(folder / CSV_NAME, newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_FIELDS and len(rows) == len(reports)
    assert [(r["kind"], int(r["step"]), float(r["loss"])) for r in rows] == [(p.kind, p.step, pytest.approx(p.loss))
                                                                            for p in reports]
    assert [float(r["val_accuracy"]) for r in rows if r["kind"] == "epoch"] == [p.val_accuracy for p in reports
                                                                                 if p.kind == "epoch"]
    assert all(r["val_accuracy"] == "" for r in rows if r["kind"] == "step")


def test_filters_are_stretched_to_0_1_each_and_framed():
    weight = torch.randn(8, 3, 3, 3)
    images = filter_images(weight)
    assert images.shape == (8, 3, 50, 50)  # 3x3 enlarged 16 times, and a margin of 2
    inside = images[:, :, :48, :48]
    assert torch.equal(inside[:, 0], inside[:, 2])  # grey
    assert torch.allclose(inside.amin((1, 2, 3)), torch.zeros(8)) and torch.allclose(inside.amax((1, 2, 3)), torch.ones(8))
    mean = weight.mean(1)[0]  # the filter's own pattern, enlarged: its largest weight is white
    assert inside[0, 0, ::16, ::16].argmax() == mean.argmax()
    assert torch.allclose(images[:, :, 48:, :], torch.tensor([0.2, 0.4, 0.8]).view(1, 3, 1, 1).expand(8, 3, 2, 50))


def test_train_logdir_writes_events_and_curves(capsys, mnist_dir, tmp_path):
    logdir = tmp_path / "runs" / "one"
    assert run(["train", "--arch", "fast", "--epochs", "1", "--limit", "640", "--val-size", "128", "--device", "cpu",
                "--no-download", "--data-dir", str(mnist_dir), "--out", str(tmp_path / "m.safetensors"),
                "--logdir", str(logdir)]) == 0
    assert f"tensorboard --logdir {logdir}" in capsys.readouterr().err
    assert (logdir / CSV_NAME).is_file() and any(p.name.startswith("events.out.tfevents") for p in logdir.iterdir())
    assert "validation/accuracy" in events(logdir).Tags()["scalars"]


def test_a_logdir_that_is_a_file_is_refused_before_any_work(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    assert run(["train", "--arch", "fast", "--no-download", "--data-dir", str(tmp_path / "none"),
                "--out", str(tmp_path / "m.safetensors"), "--logdir", str(tmp_path / "file")]) == 2
    assert one_error_line(capsys.readouterr().err, "train").endswith("is a file, not a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
