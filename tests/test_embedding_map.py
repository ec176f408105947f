"""The embedding map's job (core.embedding_map) on a small untrained net and synthetic digits: what it returns,
that its PCA is numpy's, that a drawing lands where the map put the same image, t-SNE, and the refusals (an
ONNX model of another tool, a projection whose package is missing)."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
import torch

from mnist_pad.core.checkpoint import save
from mnist_pad.core.embedding_map import (
    NotMappable, ProjectionUnavailable, drawing_features, embedding_map_job, pca,
)
from mnist_pad.core.export import export_onnx
from mnist_pad.core.models import build
from synthetic import NoData, Synthetic, drain, synthetic_split

pytestmark = [pytest.mark.usefixtures("one_torch_thread"), pytest.mark.timeout(60)]
N_TEST, N_SAMPLES = 100, 7


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build("fast").eval()


@pytest.fixture(scope="module")
def path(model, tmp_path_factory):
    return save(tmp_path_factory.mktemp("models") / "tiny.safetensors", model, name="tiny")


@pytest.fixture(scope="module")
def samples():
    return synthetic_split(N_SAMPLES, seed=5)


@pytest.fixture(scope="module")
def pca_run(path, samples):
    return drain(embedding_map_job(path, Synthetic(test=N_TEST), samples, "pca"))


def test_the_map_holds_every_test_digit_then_the_samples_flagged(pca_run, samples, model):
    progress, m = pca_run
    n = N_TEST + N_SAMPLES
    test = Synthetic(test=N_TEST)("mnist", "test")
    assert m.model == "tiny" and m.method == "pca" and len(m) == n
    assert m.points.shape == (n, 2) and m.points.dtype == np.float32 and np.isfinite(m.points).all()
    assert m.features.shape == (n, model.classifier[-1].in_features)
    assert m.images.shape == (n, 28, 28) and m.images.dtype == np.uint8
    np.testing.assert_allclose(np.linalg.norm(m.features, axis=1), 1, atol=1e-5)
    assert m.is_sample.tolist() == [False] * N_TEST + [True] * N_SAMPLES
    assert np.array_equal(m.labels, np.concatenate([test.labels.numpy(), samples.labels.numpy()]))
    assert np.array_equal(m.index, np.concatenate([np.arange(N_TEST), np.arange(N_SAMPLES)]))
    assert np.array_equal(m.images[N_TEST:], samples.images.numpy())
    assert [p.kind for p in progress] == ["batch", "project"] and progress[0].step == progress[0].steps == n
    again = pickle.loads(pickle.dumps(m))  # it travels back from the job process
    assert np.array_equal(again.points, m.points) and np.array_equal(again.components, m.components)


def test_its_pca_is_numpys_on_the_test_digits(pca_run):
    m = pca_run[1]
    test = m.features[~m.is_sample].astype(np.float64)
    centred = test - test.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)  # PCA as numpy's textbook gives it
    signs = np.sign((m.components * vt[:2]).sum(1))  # an axis's sign is a convention
    assert np.all(np.abs(signs) == 1)
    np.testing.assert_allclose(m.components, vt[:2] * signs[:, None], atol=1e-4)
    np.testing.assert_allclose(m.points, (m.features - test.mean(0)) @ (vt[:2] * signs[:, None]).T, atol=1e-4)
    _, axes = pca(m.features[~m.is_sample])
    np.testing.assert_allclose(axes @ axes.T, np.eye(2), atol=1e-5)
    assert np.all(axes[np.arange(2), np.abs(axes).argmax(1)] > 0)  # the sign convention: no mirrored maps


def test_a_drawing_of_a_mapped_image_lands_on_its_point(pca_run, model):
    m = pca_run[1]
    for i in (0, 37, N_TEST + 3):  # test digits and a sample
        features = drawing_features(model, m.images[i])  # the window's way: the model in use, one image
        np.testing.assert_allclose(features, m.features[i], atol=1e-5)
        np.testing.assert_allclose(m.place(features), m.points[i], atol=1e-4)
        found = m.nearest(features, 5)
        assert found[0] == i
        distances = m.distances(features, found)
        assert np.all(np.diff(distances) >= 0)
        assert np.array_equal(found, np.argsort(1 - m.features @ features, kind="stable")[:5])


def test_tsne_gives_finite_points_and_places_a_drawing_among_them(path, samples, model):
    pytest.importorskip("sklearn")
    _, m = drain(embedding_map_job(path, Synthetic(test=N_TEST), samples, "tsne"))
    assert m.method == "tsne" and m.points.shape == (N_TEST + N_SAMPLES, 2) and np.isfinite(m.points).all()
    assert m.components is None and m.is_sample.sum() == N_SAMPLES
    spot = m.place(drawing_features(model, m.images[10]))
    neighbours = m.points[m.nearest(m.features[10], 5)]
    np.testing.assert_allclose(spot, neighbours.mean(0), atol=1e-5)


def test_an_onnx_model_of_another_tool_is_refused_clearly(tmp_path, samples):
    path = export_onnx(build("fast"), tmp_path / "theirs.onnx")
    with pytest.raises(NotMappable, match="ONNX model of another tool .* no penultimate features"):
        drain(embedding_map_job(path, Synthetic(test=N_TEST), samples, "pca"))


def test_a_missing_umap_is_said_before_any_work(monkeypatch, path):
    monkeypatch.setitem(sys.modules, "umap", None)  # as when umap-learn is not installed
    with pytest.raises(ProjectionUnavailable, match=r"pip install umap-learn"):
        drain(embedding_map_job(path, NoData(), None, "umap"))  # the data were not asked for
    with pytest.raises(ValueError, match="unknown projection 'mds'"):
        drain(embedding_map_job(path, NoData(), None, "mds"))
