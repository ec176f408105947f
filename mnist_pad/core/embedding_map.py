"""The embedding map: the MNIST test digits (and the user's samples) as points on a plane, placed by their
penultimate-layer features (unit length, the space the Evaluate tab's nearest neighbours are searched in), so
that digits the model sees as alike lie close together; a drawing is placed on the same plane as it changes.

:func:`embedding_map_job` runs in the job process and returns an :class:`EmbeddingMap`, which the window's
process keeps: it places a drawing (:meth:`EmbeddingMap.place`) and finds its nearest digits
(:meth:`EmbeddingMap.nearest`) without the job process, from the drawing's features
(:func:`drawing_features`: one torch pass, about 0.6 ms on one core for the shipped default model).

Three projections (:data:`METHODS`):

- ``pca`` (the default): the plane of the two principal axes of the test digits' features (numpy's SVD of
  their 128x128 scatter matrix for the default model: milliseconds). All 10,000 test digits; a new point is
  placed exactly, by a matrix product.
- ``tsne`` (scikit-learn's Barnes-Hut t-SNE, 500 iterations) and ``umap`` (umap-learn, optional): non-linear
  maps that keep neighbourhoods and show the classes as separate islands, on a fixed random subset of the
  test digits (:data:`POINTS`: t-SNE takes 4-5 s for 2,000 points on one core). Neither can place a new
  point exactly, so a drawing is placed at the mean 2-D position of its :data:`K_PLACE` nearest points in
  feature space: it lands among the digits it resembles, not at a position the projection would give it.

The user's samples are placed like the test digits: projected onto the test digits' principal axes (PCA), or
in the t-SNE / UMAP fit with them; :attr:`EmbeddingMap.is_sample` flags them. The figures are in
docs/embedding-map.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .data import Split
from .download import SplitLoader
from .eval_jobs import ModelSource, checkpoint_for
from .evaluate import BATCH
from .foreign import is_trainable
from .inference import backend_for, engine, run_batches, to_input
from .models import ConvNet
from .progress import Progress

METHODS = ("pca", "tsne", "umap")
# test digits mapped (None: all 10,000); on one core t-SNE took 4-5 s for 2,000, UMAP 7.5 s for 5,000 once compiled
POINTS = {"pca": None, "tsne": 2_000, "umap": 5_000}
SUBSET_SEED = 0  # the test digits of a subset: the same ones every time, so two maps can be compared
# scikit-learn's default is 1,000, twice the time: on the shipped default model's 2,000 points the KL divergence
# went from 0.81 to 0.71, and the classes' separation on the map (5-NN accuracy in 2-D, 99.70%) not at all
TSNE_ITERATIONS = 500
K_PLACE = 5  # t-SNE / UMAP: a new point goes to the mean position of this many nearest points


class NotMappable(ValueError):
    """The model has no penultimate features (an ONNX model of another tool)."""


class ProjectionUnavailable(RuntimeError):
    """The package a projection needs is not installed; the message says how to install it."""


@dataclass(frozen=True)
class EmbeddingMap:
    model: str  # the model's name
    method: str  # one of METHODS
    points: np.ndarray  # (n, 2) float32: the test digits mapped, then the user's samples
    labels: np.ndarray  # (n,) int64
    is_sample: np.ndarray  # (n,) bool: a user's sample (else an MNIST test digit)
    index: np.ndarray  # (n,) int64: the point's index in the MNIST test set, or among the samples
    features: np.ndarray  # (n, d) float32, unit length: the penultimate features the map was made from
    images: np.ndarray  # (n, 28, 28) uint8, ink high
    mean: np.ndarray | None  # PCA: (d,) the test digits' mean feature vector; None for t-SNE / UMAP
    components: np.ndarray | None  # PCA: (2, d) the two principal axes; None for t-SNE / UMAP
    seconds: float  # the job's working time

    def __len__(self) -> int:
        return len(self.points)

    def place(self, features: np.ndarray) -> np.ndarray:
        """(2,) float32: where a drawing with these features lies on the map (see the module's docstring)."""
        f = np.asarray(features, np.float32).reshape(-1)
        if self.components is not None:
            return ((f - self.mean) @ self.components.T).astype(np.float32)
        return self.points[self.nearest(f, K_PLACE)].mean(0)

    def nearest(self, features: np.ndarray, k: int) -> np.ndarray:
        """Indices of the ``k`` points nearest to ``features`` in cosine distance, nearest first."""
        similarity = self.features @ np.asarray(features, np.float32).reshape(-1)
        k = min(k, len(similarity))
        top = np.argpartition(-similarity, k - 1)[:k]
        return top[np.argsort(-similarity[top], kind="stable")]

    def distances(self, features: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """Cosine distances (0: the same direction) from ``features`` to the points ``indices``."""
        return 1 - self.features[indices] @ np.asarray(features, np.float32).reshape(-1)


def embedding_map_job(source: ModelSource, data: SplitLoader, samples: Split | None, method: str = "pca",
                      device: str = "cpu") -> Generator[Progress, None, EmbeddingMap]:
    """The map of the MNIST test digits and ``samples`` by the model ``source`` (a checkpoint file, or the
    (metadata, weights) of a model without one). Yields ``batch`` progress while the features are computed, then
    one ``project`` report (step 0 of 1) before the projection, which reports nothing until it ends (t-SNE:
    seconds; a cancel waits for it)."""
    started = time.perf_counter()
    project = projection(method)  # a missing package is said before any work
    ckpt = checkpoint_for(source, device)
    if not is_trainable(ckpt):
        raise NotMappable(f"{ckpt.name}: an ONNX model of another tool gives its class scores only; it has no "
                          "penultimate features to map")
    test = data("mnist", "test")
    chosen = subset(len(test), POINTS[method])
    samples = samples if samples is not None else Split(torch.zeros(0, 28, 28, dtype=torch.uint8),
                                                        torch.zeros(0, dtype=torch.int64))
    images = torch.cat([test.images[chosen], samples.images])
    forward = engine(ckpt.model, device, backend_for("auto", len(images)), "embedding")[1]
    features = (yield from run_batches(forward, images, BATCH)).numpy().astype(np.float32)
    yield Progress("project", 0, 1)
    points, mean, components = project(features, len(chosen))
    return EmbeddingMap(
        model=ckpt.name, method=method, points=points.astype(np.float32),
        labels=torch.cat([test.labels[chosen], samples.labels]).numpy().astype(np.int64),
        is_sample=np.arange(len(images)) >= len(chosen),
        index=np.concatenate([chosen, np.arange(len(samples))]).astype(np.int64),
        features=features, images=images.numpy(), mean=mean, components=components,
        seconds=time.perf_counter() - started)


def subset(n: int, size: int | None) -> np.ndarray:
    """Sorted indices of ``size`` of ``n`` test digits, the same every time (all of them for ``None``)."""
    if size is None or size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(SUBSET_SEED).choice(n, size, replace=False))


Projection = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]


def projection(method: str) -> Projection:
    """The projection ``method``: (features, how many of them are test digits) -> (points (n, 2), PCA's mean,
    PCA's components). A ProjectionUnavailable names the package to install."""
    if method == "pca":
        return _pca_map
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
            from threadpoolctl import threadpool_limits
        except ImportError as exc:
            raise ProjectionUnavailable("t-SNE needs scikit-learn: pip install scikit-learn") from exc

        def tsne(features: np.ndarray, _: int) -> tuple[np.ndarray, None, None]:
            # On torch's thread count, as every job (the window leaves a core to its UI thread). More OpenMP
            # threads than free cores spin against each other: 2 threads beside a loaded core took 6x the CPU
            # time of 1 for 2,000 points (docs/embedding-map.md).
            with threadpool_limits(torch.get_num_threads()):
                return TSNE(2, init="pca", max_iter=TSNE_ITERATIONS, random_state=0).fit_transform(features), None, None

        return tsne
    if method == "umap":
        try:
            import umap
        except ImportError as exc:
            raise ProjectionUnavailable("UMAP needs umap-learn: pip install umap-learn (or mnist-pad[umap])") from exc
        return lambda features, _: (umap.UMAP(n_components=2, random_state=0)
                                    .fit_transform(features), None, None)
    raise ValueError(f"unknown projection {method!r}: use one of {', '.join(METHODS)}")


def pca(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean (d,), components (2, d)) of ``features`` (n, d): the two principal axes, from the SVD of the d x d
    scatter matrix (milliseconds, where the SVD of the n x d matrix takes a few hundred). Each axis's largest
    loading is positive, so that the map does not mirror from one run to the next."""
    mean = features.mean(0, dtype=np.float64)
    centred = features - mean
    _, _, vt = np.linalg.svd(centred.T @ centred)
    axes = vt[:2]
    axes *= np.sign(axes[np.arange(2), np.abs(axes).argmax(1)])[:, None]
    return mean.astype(np.float32), axes.astype(np.float32)


def _pca_map(features: np.ndarray, fitted: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first ``fitted`` rows (the test digits) choose the axes; every row is projected onto them."""
    mean, components = pca(features[:fitted])
    return (features - mean) @ components.T, mean, components


@torch.inference_mode()
def drawing_features(model: ConvNet, image: np.ndarray) -> np.ndarray:
    """The unit-length penultimate features (d,) float32 of one (28, 28) image (float 0..1 or uint8, ink high),
    as the map's are computed (theirs come from the batch engine, batchnorm folded: the same within 1e-5)."""
    device = next(model.parameters()).device
    x = to_input(torch.as_tensor(np.asarray(image)).reshape(1, 28, 28)).to(device)
    return F.normalize(model.penultimate(x), dim=1)[0].float().cpu().numpy()
