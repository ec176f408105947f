"""Fine-tuning: progress, a changed copy, the input model untouched (also on cancel), layer choices,
the per-class held-out split, and (with trained weights) learning a new hand without forgetting MNIST."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from mnist_pad.core.data import Split
from mnist_pad.core.finetune import (
    FinetuneConfig,
    finetune,
    run_finetune,
    split_forward,
    split_holdout,
    with_forgetting,
)
from mnist_pad.core.models import build
from mnist_pad.core.preprocess import preprocess
from mnist_pad.core.sample_file import to_image28
from mnist_pad.core.steps import drive
from mnist_pad.core.writer import writer_dataset

TINY = FinetuneConfig(steps=6, batch_size=8, log_every=2, holdout=0.3, mnist_eval=50)


def writer_split(per_class: int, seed: int = 0) -> Split:
    images, labels, _ = writer_dataset(per_class, seed=seed, size=112)
    x = np.stack([to_image28(preprocess(img).image) for img in images])
    return Split(torch.from_numpy(x), torch.from_numpy(labels))


@pytest.fixture(scope="module")
def hand() -> Split:
    return writer_split(4)


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], keys=None) -> bool:
    return all(torch.equal(a[k], b[k]) for k in (keys or a))


def test_split_holdout_is_per_class_and_deterministic():
    labels = torch.tensor([0] * 10 + [1] * 5 + [2] * 1)
    split = Split(torch.arange(16, dtype=torch.uint8).view(16, 1, 1).expand(16, 28, 28).contiguous(), labels)
    train, held = split_holdout(split, 0.2, seed=3)
    assert torch.bincount(held.labels, minlength=3).tolist() == [2, 1, 0]  # a lone sample is never held out
    assert torch.bincount(train.labels, minlength=3).tolist() == [8, 4, 1]
    assert set(train.images[:, 0, 0].tolist()).isdisjoint(held.images[:, 0, 0].tolist())
    train2, held2 = split_holdout(split, 0.2, seed=3)
    assert torch.equal(held.images, held2.images) and torch.equal(train.labels, train2.labels)
    assert split_holdout(split, 0.0)[1] is None


def test_progress_result_and_untouched_input(hand):
    model = build("fast").eval()
    before = snapshot(model)
    items = []
    result = drive(finetune(model, hand, hand, TINY), items.append)  # the result is the generator's return value
    assert [p.kind for p in items] == ["start", "step", "step", "step"]
    assert [p.step for p in items] == [0, 2, 4, 6]
    assert all(p.loss > 0 and 0 <= p.accuracy <= 1 for p in items if p.kind == "step")
    assert result.report.mnist_before is None  # forgetting is measured apart, after the model can be in use
    result = with_forgetting(result, model, hand)
    assert same(before, snapshot(model)) and not model.training  # the input model is untouched
    assert result.model is not model and not result.model.training
    assert not same(before, snapshot(result.model))
    rep = result.report
    assert rep.samples_used + rep.heldout == len(hand) and rep.heldout == 10  # 30% of 4 per class, rounded
    assert rep.heldout_before.n == rep.heldout_after.n == 10
    assert rep.mnist_before is not None and rep.mnist_after is not None and rep.seconds > 0
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["samples_used"] == 30 and len(d["heldout_per_class_after"]) == 10
    assert d["config"]["steps"] == 6


def test_closing_the_generator_leaves_the_input_intact(hand):
    model = build("fast").eval()
    before = snapshot(model)
    run = finetune(model, hand, hand, replace(TINY, steps=50, log_every=1))
    for p in run:
        if p.step == 2:
            break
    run.close()
    assert same(before, snapshot(model))
    assert not model.training and all(p.requires_grad for p in model.parameters())


@pytest.mark.parametrize("layers, trained", [("head", {"classifier"}), ("top", {"classifier", "features.conv3"})])
def test_head_and_top_train_only_their_layers(hand, layers, trained):
    model = build("fast").eval()  # features conv1, conv2, conv3, then the classifier
    before = snapshot(model)
    tuned = run_finetune(model, hand, hand, replace(TINY, layers=layers)).model.state_dict()
    changed = [k for k in before if not torch.equal(before[k], tuned[k])]
    assert {".".join(k.split(".")[:2]) if k.startswith("features.") else "classifier" for k in changed} == trained
    assert not any(k.endswith(("running_mean", "running_var")) for k in changed)


@pytest.mark.parametrize("layers, stats_kept", [("all-bn-frozen", True), ("all", False)])
def test_batchnorm_statistics_frozen_or_not(hand, layers, stats_kept):
    model = build("fast").eval()
    before = snapshot(model)
    tuned = run_finetune(model, hand, None, replace(TINY, layers=layers)).model.state_dict()
    stats = [k for k in before if k.endswith(("running_mean", "running_var"))]
    assert stats and same(before, tuned, stats) == stats_kept
    assert not same(before, tuned, [k for k in before if k.endswith("conv.weight")])


@pytest.mark.parametrize("arch", ["fast", "seed-convnet", "lenet5"])
@pytest.mark.parametrize("layers", ["top", "head", "all"])
def test_split_forward_is_the_whole_forward(arch, layers):
    model = build(arch).eval()
    x = torch.rand(3, 1, 28, 28)
    trunk, top = split_forward(model, layers)
    with torch.no_grad():
        torch.testing.assert_close(top(trunk(x)), model(x))


def test_bad_settings_are_refused(hand):
    with pytest.raises(ValueError, match="layers"):
        FinetuneConfig(layers="middle")
    with pytest.raises(ValueError, match="holdout"):
        FinetuneConfig(holdout=1.0)
    with pytest.raises(ValueError, match="no samples"):
        run_finetune(build("fast"), hand.subset(slice(0, 0)))


def test_learns_a_new_hand_and_keeps_mnist(mnist_test):
    """The shipped model on the synthetic writer (see scripts/bench_finetune.py for the full benchmark)."""
    from mnist_pad.core.checkpoint import load
    from mnist_pad.core.paths import shipped_weights

    weights = shipped_weights("default")
    if not weights.is_file():
        pytest.skip(f"{weights} not shipped yet")
    model = load(weights).model
    train, held = writer_split(5, seed=11), writer_split(20, seed=12)
    replay, unseen = mnist_test.subset(slice(2000, None)), mnist_test.subset(slice(0, 2000))
    rep = run_finetune(model, train, replay, FinetuneConfig(mnist_eval=2000), unseen, heldout=held).report
    assert rep.heldout_before.accuracy < 0.98  # the base model does find this hand hard
    assert 1 - rep.heldout_after.accuracy <= 0.6 * (1 - rep.heldout_before.accuracy)  # errors fall >= 40%
    assert rep.mnist_after >= rep.mnist_before - 0.0025  # at most 5 of the 2,000 MNIST digits lost
