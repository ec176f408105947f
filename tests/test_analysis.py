"""Evaluation analysis on real MNIST images: confusion cells, mistakes, comparison, neighbours, export.

Untrained (seeded) nets are enough here: they make plenty of mistakes in every cell, which is what these
tests need, and they cost no training time."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from mnist_pad.core import analysis
from mnist_pad.core.data import load_split
from mnist_pad.core.evaluate import evaluate, evaluate_steps
from mnist_pad.core.inference import engine
from mnist_pad.core.report import export_report
from mnist_pad.core.steps import drive
from mnist_pad.core.models import build


def evaluate_all(*args, **kwargs):
    return drive(evaluate_steps(*args, **kwargs))

pytestmark = pytest.mark.timeout(60)


def _net(seed: int, arch: str = "fast"):
    torch.manual_seed(seed)
    return build(arch).eval()


@pytest.fixture(scope="module")
def split(mnist_test):
    return mnist_test.subset(slice(0, 1500))


@pytest.fixture(scope="module")
def result(split):
    return evaluate_all(_net(0), split, batch_size=400)


def test_evaluation_yields_progress_per_batch_and_returns_the_result(split):
    steps = evaluate_steps(_net(0), split, batch_size=400)
    progress = []
    with pytest.raises(StopIteration) as stop:
        while True:
            progress.append(next(steps))
    assert [p.step for p in progress] == [400, 800, 1200, 1500]
    assert {p.kind for p in progress} == {"batch"} and progress[-1].steps == 1500
    res = stop.value.value
    assert res.probabilities.shape == (1500, 10)
    np.testing.assert_allclose(res.probabilities.sum(1), 1, atol=1e-5)
    assert np.array_equal(res.labels, split.labels.numpy())


def test_report_matches_core_evaluate_and_confusion_sums_to_n(split, result):
    assert np.asarray(result.report.confusion).sum() == len(split) == result.report.n
    assert result.report.accuracy == pytest.approx(evaluate(_net(0), split).accuracy, abs=1e-3)
    rows = result.normalised_confusion().sum(1)
    np.testing.assert_allclose(rows[np.asarray(result.report.confusion).sum(1) > 0], 1)


def test_a_cell_lists_exactly_its_images_most_confident_first(result):
    confusion = np.asarray(result.report.confusion)
    t, p = np.unravel_index(np.argmax(confusion - np.diag(np.diag(confusion))), confusion.shape)  # biggest mistake cell
    cell = result.cell(t, p)
    expected = np.flatnonzero((result.labels == t) & (result.predictions == p))
    assert len(cell) == confusion[t, p] > 1
    assert sorted(cell) == sorted(expected)
    assert np.all(np.diff(result.confidence[cell]) <= 0)
    assert sum(len(result.cell(i, j)) for i in range(10) for j in range(10)) == result.report.n


def test_mistakes_are_wrong_and_sorted_by_confidence(result):
    worst = result.mistakes(limit=20)
    assert len(worst) == 20
    assert np.all(result.predictions[worst] != result.labels[worst])
    assert np.all(np.diff(result.confidence[worst]) <= 0)
    all_wrong = result.mistakes()
    assert len(all_wrong) == int((result.predictions != result.labels).sum())
    assert result.confidence[all_wrong].max() == result.confidence[worst[0]]


def test_a_model_compared_with_itself_shows_no_differences(split, result):
    again = evaluate_all(_net(0), split, batch_size=700)  # other batching, same model
    same = analysis.compare(result, again)
    assert same.identical
    assert len(same.only_a) == len(same.only_b) == 0
    assert all(c["difference"] == 0 for c in same.per_class)


def test_comparison_of_two_models_lists_what_each_gets_right(split, result):
    other = evaluate_all(_net(1), split)
    diff = analysis.compare(result, other)
    assert not diff.identical
    right_a, right_b = result.predictions == result.labels, other.predictions == other.labels
    assert sorted(diff.only_a) == sorted(np.flatnonzero(right_a & ~right_b))
    assert sorted(diff.only_b) == sorted(np.flatnonzero(right_b & ~right_a))
    for c, cls in enumerate(diff.per_class):
        mask = result.labels == c
        assert cls["difference"] == pytest.approx(right_b[mask].mean() - right_a[mask].mean())
    assert diff.accuracy[1] - diff.accuracy[0] == pytest.approx((len(diff.only_b) - len(diff.only_a)) / len(split))


def test_comparison_refuses_results_on_different_images(split, result):
    shorter = evaluate_all(_net(0), split.subset(slice(0, 100)))
    with pytest.raises(ValueError, match="same images"):
        analysis.compare(result, shorter)


def test_nearest_neighbours_of_a_training_image_start_with_itself(mnist_dir):
    train = load_split("mnist", "train", mnist_dir).subset(slice(0, 3000))
    index = analysis.NeighbourIndex(batch_size=1000)
    model = _net(0)
    ref = analysis.ReferenceSet("MNIST train", "mnist-train", train.images, train.labels)
    assert not index.has(model, ref)
    assert len(list(index.build(model, [ref]))) == 3
    assert index.has(model, ref)
    assert list(index.build(model, [ref])) == []  # cached per model: nothing to do the second time
    for i in (0, 7, 2999):
        found = index.nearest(model, train.images[i].float().numpy() / 255, [ref], k=5)
        assert (found[0].source, found[0].index, found[0].label) == ("MNIST train", i, int(train.labels[i]))
        assert found[0].distance == pytest.approx(0, abs=1e-5)
        assert np.array_equal(found[0].image, train.images[i].numpy())
        assert [n.distance for n in found] == sorted(n.distance for n in found)


def test_neighbours_search_several_sets_and_need_building_first(mnist_test):
    model = _net(0)
    index = analysis.NeighbourIndex()
    a = analysis.ReferenceSet("A", "a", mnist_test.images[:50], mnist_test.labels[:50])
    b = analysis.ReferenceSet("B", "b", mnist_test.images[50:60], mnist_test.labels[50:60])
    with pytest.raises(RuntimeError, match="not built"):
        index.nearest(model, mnist_test.images[55].numpy(), [a, b])
    list(index.build(model, [a, b]))
    found = index.nearest(model, mnist_test.images[55].numpy(), [a, b], k=60)
    assert (found[0].source, found[0].index) == ("B", 5)
    assert len(found) == 60 and {n.source for n in found} == {"A", "B"}
    assert not index.has(_net(0), a)  # another model object has its own embeddings


def test_export_writes_valid_json_and_a_png(tmp_path, result):
    paths = export_report(result, tmp_path / "out" / "report.json", tmp_path / "out" / "confusion.png",
                                   model="fast", dataset="MNIST test")
    assert [p.name for p in paths] == ["report.json", "confusion.png"]
    data = json.loads(paths[0].read_text())
    assert data["model"] == "fast" and data["dataset"] == "MNIST test"
    assert data["n"] == 1500 and np.asarray(data["confusion"]).sum() == 1500
    assert data["accuracy"] == pytest.approx(result.report.accuracy)
    assert [c["class"] for c in data["per_class"]] == list("0123456789")
    assert {"precision", "recall", "f1", "support"} <= set(data["per_class"][0])
    with Image.open(paths[1]) as png:
        assert png.format == "PNG" and png.width > 400 and png.height > 400
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["confusion.png", "report.json"]  # no temp files


def test_an_empty_dataset_is_refused_with_a_message(split):
    with pytest.raises(ValueError, match="empty"):
        evaluate_all(_net(0), split.subset(slice(0, 0)))


def test_onnxruntime_and_torch_engines_agree(split):
    pytest.importorskip("onnxruntime")
    model = _net(2, "small")
    fast = evaluate_all(model, split.subset(slice(0, 300)), backend="onnxruntime")
    plain = evaluate_all(model, split.subset(slice(0, 300)), backend="torch")
    assert (fast.engine, plain.engine) == ("onnxruntime", "torch")
    np.testing.assert_allclose(fast.probabilities, plain.probabilities, atol=1e-4)
    assert engine(model)[1] is engine(model)[1]  # made once per model
    assert engine(model)[1] is not engine(_net(2, "small"))[1]
    before = engine(model)[1]
    with torch.no_grad():
        model.classifier[-1].bias.add_(1.0)  # changed in place, as training does: a new engine, with the new weights
    assert engine(model)[1] is not before
    np.testing.assert_allclose(evaluate_all(model, split.subset(slice(0, 300)), backend="onnxruntime").probabilities,
                               evaluate_all(model, split.subset(slice(0, 300)), backend="torch").probabilities, atol=1e-4)
    _, embed_ort = engine(model, head="embedding")
    _, embed_torch = engine(model, backend="torch", head="embedding")
    images = split.images[:50]
    torch.testing.assert_close(embed_ort(images), embed_torch(images), atol=1e-4, rtol=1e-3)
    torch.testing.assert_close(embed_ort(images).norm(dim=1), torch.ones(50), atol=1e-5, rtol=0)


def test_inference_copy_gives_the_same_probabilities_and_leaves_the_model_alone(split):
    torch.manual_seed(3)
    model = build("fast")
    model.train()
    for _ in range(2):  # give the batchnorm layers non-trivial running statistics
        model(split.images[:128].float().unsqueeze(1) / 255)
    model.eval()
    twin = model.fused()
    x = split.images[:64].float().unsqueeze(1) / 255
    with torch.inference_mode():
        torch.testing.assert_close(torch.softmax(twin(x), 1), torch.softmax(model(x), 1), atol=1e-5, rtol=1e-4)
    assert any(isinstance(b.norm, torch.nn.BatchNorm2d) for b in model.features.values())
