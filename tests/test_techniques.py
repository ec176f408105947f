"""The training techniques the seed articles teach, each shown to act: optimisers, L1 and L2, early stopping that
keeps the best epoch's weights, the cosine schedule, augmentation switches, and `mnist-pad train`'s options for
them (dropout, batchnorm and stride change the net: tests/test_models.py)."""

from __future__ import annotations

import itertools
from pathlib import Path
from dataclasses import asdict, replace

import pytest
import torch
from bad_inputs import one_error_line
from synthetic import random_checkpoint

from mnist_pad.cli import run
from mnist_pad.core.augment import AugmentConfig, NO_AUGMENT, SHIFT_ONLY, parse_augment
from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.data import Split, load_split
from mnist_pad.core.evaluate import evaluate
from mnist_pad.core.recipes import recipe_for
from mnist_pad.core.train import OPTIMIZERS, TrainConfig, Trainer, lr_factor, make_optimizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# One epoch of the 24k-parameter net on 320 images, batch 32, no augmentation: well under a second on one core.
TINY = replace(recipe_for("fast"), epochs=1, batch_size=32, log_every=5, device="cpu", augment=NO_AUGMENT,
               val_size=0, cpu_bf16=False)


@pytest.fixture(scope="module")
def images(mnist_dir):
    """(320 training images, 128 validation images) of the real MNIST."""
    train = load_split("mnist", "train", mnist_dir)
    return train.subset(slice(0, 320)), train.subset(slice(320, 448))


def trained(cfg: TrainConfig, train, val=None) -> Trainer:
    trainer = Trainer(cfg, train, val)
    for _ in trainer.run():
        pass
    return trainer


def weight_norm(model: torch.nn.Module, p: int) -> float:
    return float(sum(w.detach().norm(p) ** p for w in model.parameters() if w.dim() > 1))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_is_the_one_asked_for(name):
    expected = {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
                "adadelta": "Adadelta"}[name]
    opt = make_optimizer(TrainConfig(optimizer=name, lr=0.01, weight_decay=0.001), [torch.nn.Parameter(torch.ones(2))])
    assert type(opt).__name__ == expected
    assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[0]["weight_decay"] == 0.001


@pytest.mark.parametrize("name", ["rmsprop", "adagrad", "adadelta"])
def test_the_other_optimizers_train(images, name):
    lr = {"rmsprop": 1e-3, "adagrad": 1e-2, "adadelta": 1.0}[name]
    reports = list(Trainer(replace(TINY, optimizer=name, lr=lr, schedule="constant", epochs=2), images[0]).run())
    assert reports[-1].loss < 0.8 * reports[0].loss


def test_l1_shrinks_the_weights_l1_norm(images):
    cfg = replace(TINY, optimizer="sgd", lr=0.05, weight_decay=0.0, schedule="constant")
    plain, l1 = trained(cfg, images[0]), trained(replace(cfg, l1=1e-2), images[0])
    assert weight_norm(l1.model, 1) < 0.8 * weight_norm(plain.model, 1)


def test_l2_weight_decay_shrinks_the_weights_l2_norm(images):
    cfg = replace(TINY, optimizer="sgd", lr=0.05, weight_decay=0.0, schedule="constant")
    plain, l2 = trained(cfg, images[0]), trained(replace(cfg, weight_decay=0.5), images[0])
    assert weight_norm(l2.model, 2) < 0.9 * weight_norm(plain.model, 2)


def _with_validation(trainer: Trainer, accuracies: list[float]) -> Trainer:
    """``trainer`` whose epochs measure these validation accuracies, in turn (the weights still train)."""
    given = iter(accuracies)
    trainer._end_of_epoch = lambda report: replace(report, kind="epoch", val_accuracy=next(given), val_loss=0.0)
    return trainer


def test_early_stopping_stops_and_keeps_the_best_epochs_weights(images):
    trainer = _with_validation(Trainer(replace(TINY, epochs=8, early_stopping=2, val_size=128), *images),
                               [0.5, 0.9, 0.7, 0.6, 0.95, 0.95, 0.95, 0.95])
    at_epoch = {}
    for report in trainer.run():
        if report.kind == "epoch":
            at_epoch[report.epoch] = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    assert list(at_epoch) == [1, 2, 3, 4]  # two epochs without a better accuracy than epoch 2's
    assert trainer.best.epoch == 2 and trainer.best.val_accuracy == 0.9
    kept = trainer.model.state_dict()
    assert all(torch.equal(kept[k], v) for k, v in at_epoch[2].items())
    assert not all(torch.equal(kept[k], v) for k, v in at_epoch[4].items())


def test_without_patience_the_last_epochs_weights_stay(images):
    trainer = _with_validation(Trainer(replace(TINY, epochs=3, val_size=128), *images), [0.5, 0.9, 0.7])
    last = None
    for report in trainer.run():
        last = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    assert trainer.best is None and len(trainer.history) == 3
    assert all(torch.equal(trainer.model.state_dict()[k], v) for k, v in last.items())


def test_early_stopping_needs_validation(images):
    with pytest.raises(ValueError, match="val_size > 0"):
        replace(TINY, early_stopping=2, val_size=0)
    with pytest.raises(ValueError, match="none were given"):
        Trainer(replace(TINY, early_stopping=2, val_size=128), images[0], None)


def test_cosine_schedule_falls_from_the_peak_to_zero():
    cfg = TrainConfig(schedule="cosine")
    f = [lr_factor(cfg, s, 100, 10) for s in range(101)]
    assert f[0] == 1.0 and f[50] == pytest.approx(0.5) and f[100] == pytest.approx(0.0)
    assert all(a > b for a, b in zip(f, f[1:]))


def test_bad_settings_are_refused_when_the_config_is_made():
    for bad, match in (({"optimizer": "lbfgs"}, "unknown optimizer"), ({"schedule": "exponential"}, "unknown schedule"),
                       ({"nesterov": True, "optimizer": "adam"}, "Nesterov"), ({"dropout": 1.0}, "dropout"),
                       ({"l1": -1.0}, "l1"), ({"weight_decay": float("nan")}, "weight_decay")):
        with pytest.raises(ValueError, match=match):
            TrainConfig(**bad)


def test_arch_overrides_travel_in_the_recipe():
    cfg = TrainConfig(arch="seed-keras", dropout=0.25, batchnorm=True, stride=(1, 2))
    arch = cfg.arch_config()
    assert (arch.dropout, arch.batchnorm, [c.stride for c in arch.convs]) == (0.25, True, [1, 2])
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg  # the stride comes back a tuple
    assert TrainConfig(arch="seed-keras").arch_config() == recipe_for("seed-keras", "article").arch_config()


def test_augmentation_switches():
    assert parse_augment("none") == NO_AUGMENT and parse_augment("shift") == SHIFT_ONLY
    affine = parse_augment("affine,elastic=2.5")
    assert affine == replace(AugmentConfig(), elastic=2.5, shift=0)
    assert parse_augment("rotate=15,shift=1") == replace(NO_AUGMENT, rotate=15.0, shift=1)
    for bad, match in (("", "no augmentation"), ("zoom", "unknown augmentation switch"), ("zoom=2", "field 'zoom'"),
                       ("shift=1.5", "not an integer"), ("rotate=-3", ">= 0"), ("elastic_smooth=4", "odd")):
        with pytest.raises(ValueError, match=match):
            parse_augment(bad)


def test_distillation_learns_the_teachers_answers_not_the_labels(mnist_dir):
    """With the labels scrambled, a net taught by the shipped model still learns to read; without it, it cannot."""
    train = load_split("mnist", "train", mnist_dir)
    scrambled = Split(train.images[:640], train.labels[torch.randperm(640, generator=torch.Generator().manual_seed(0))])
    held_out = train.subset(slice(1000, 1500))
    cfg = replace(TINY, epochs=4, lr=5e-3)
    taught = trained(replace(cfg, teacher="default", distill=1.0), scrambled).model
    alone = trained(cfg, scrambled).model
    assert evaluate(taught, held_out).accuracy > 0.7
    assert evaluate(alone, held_out).accuracy < 0.3


def test_distillation_needs_a_teacher_and_a_share():
    for bad, match in (({"distill": 0.5}, "both a teacher"), ({"teacher": "default"}, "both a teacher"),
                       ({"teacher": "default", "distill": 1.5}, r"\[0, 1\]")):
        with pytest.raises(ValueError, match=match):
            TrainConfig(**bad)


# --- mnist-pad train --------------------------------------------------------------------------------------------
BASE = ["train", "--arch", "fast", "--epochs", "2", "--limit", "640", "--val-size", "128", "--device", "cpu",
        "--no-download"]


def test_train_options_reach_the_recipe_and_the_saved_net(capsys, mnist_dir, tmp_path):
    out = tmp_path / "tried.safetensors"
    args = ["--optimizer", "sgd", "--momentum", "0.8", "--nesterov", "--l1", "1e-5", "--l2", "1e-4", "--dropout", "0.3",
            "--batchnorm", "off", "--stride", "1,2,1", "--init", "glorot", "--schedule", "cosine",
            "--augment", "rotate=5,shift=1", "--patience", "1", "--lr", "0.05", "--teacher", "default", "--distill", "0.4"]
    assert run([*BASE, *args, "--data-dir", str(mnist_dir), "--out", str(out)]) == 0, capsys.readouterr().err
    ckpt = load(out)
    recipe, arch = ckpt.meta["recipe"], ckpt.meta["arch"]
    assert {k: recipe[k] for k in ("optimizer", "momentum", "nesterov", "l1", "weight_decay", "init", "schedule",
                                   "early_stopping")} == {
        "optimizer": "sgd", "momentum": 0.8, "nesterov": True, "l1": 1e-5, "weight_decay": 1e-4, "init": "glorot",
        "schedule": "cosine", "early_stopping": 1}
    assert recipe["augment"] == asdict(replace(NO_AUGMENT, rotate=5.0, shift=1))
    assert Path(recipe["teacher"]).name == "default.safetensors" and recipe["distill"] == 0.4
    assert [c["stride"] for c in arch["convs"]] == [1, 2, 1] and arch["dropout"] == 0.3 and not arch["batchnorm"]
    model = ckpt.model  # loaded back as trained: strides, no batchnorm, dropout
    assert [c.stride for c in model.conv_layers().values()] == [(1, 1), (2, 2), (1, 1)]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert [m.p for m in model.classifier if isinstance(m, torch.nn.Dropout)] == [0.3]


@pytest.mark.parametrize("args, message", [
    (["--optimizer", "adam", "--momentum", "0.5"], "--momentum and --nesterov are SGD's; the optimizer is adam"),
    (["--nesterov"], "--momentum and --nesterov are SGD's; the optimizer is adamw"),
    (["--patience", "2", "--val-size", "0"], "--patience watches the validation images; --val-size 0 leaves none"),
    (["--augment", "zoom"], "--augment zoom: unknown augmentation switch 'zoom'"),
    (["--stride", "2"], "--stride 2: conv3: its 2x2 input leaves 0x0 after kernel 3, padding 0, stride 2"),
    (["--stride", "1,2"], "--stride 1,2: stride: 2 values for the 3 conv layers of 'fast'"),
    (["--distill", "0.3"], "--distill is the share learnt from --teacher: give --teacher MODEL too"),
    (["--teacher", "no-such-model"], "no-such-model: no such checkpoint file, and no model of that name"),
])
def test_bad_technique_options_are_one_line_before_any_work(capsys, tmp_path, args, message):
    """Refused before the data is looked for: the data folder given does not exist."""
    argv = [*BASE, *args, "--data-dir", str(tmp_path / "no-data"), "--out", str(tmp_path / "x.safetensors")]
    assert run(argv) == 2
    assert one_error_line(capsys.readouterr().err, "train").startswith(f"mnist-pad train: error: {message}")
    assert list(tmp_path.iterdir()) == []


def test_a_teacher_of_other_images_is_refused_before_any_work(capsys, tmp_path):
    teacher = save(tmp_path / "colour.safetensors", random_checkpoint("seed-cifar").model, dataset="cifar10")
    argv = [*BASE, "--teacher", str(teacher), "--data-dir", str(tmp_path / "no-data"), "--out", str(tmp_path / "x.safetensors")]
    assert run(argv) == 2
    line = one_error_line(capsys.readouterr().err, "train")
    assert line.startswith(f"mnist-pad train: error: --teacher {teacher}: seed-cifar takes 3x32x32 images, mnist's are 1x28x28")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["colour.safetensors"]


@pytest.mark.parametrize("option, value", list(itertools.product(["--stride", "--patience", "--distill"], ["0", "x"])))
def test_bad_numbers_are_usage_errors(capsys, option, value):
    with pytest.raises(SystemExit) as done:
        run([*BASE, option, value])
    assert done.value.code == 2 and option in capsys.readouterr().err
