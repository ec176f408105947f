"""Activation maximisation: it raises the unit it was asked to, the same noise gives the same dream, and each
dream is computed once per model."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from mnist_pad.core import dream as dreams
from mnist_pad.core.checkpoint import load, save, weights
from mnist_pad.core.dream import CLASSES, DreamConfig, dream, dream_job
from mnist_pad.core.models import build
from mnist_pad.core.paths import shipped_weights
from mnist_pad.core.progress import Progress

from synthetic import drain

pytestmark = pytest.mark.usefixtures("one_torch_thread")

QUICK = DreamConfig(steps=24)  # enough to test the caching; the rises are tested with the default steps


@pytest.fixture
def model():
    torch.manual_seed(0)
    return build("fast").eval()


@pytest.fixture(scope="module")
def trained():
    """The shipped model: an untrained net's units answer too faintly for the regularisers to let them rise."""
    return load(shipped_weights("default")).model


@pytest.fixture(autouse=True)
def _empty_cache():
    dreams._CACHE.clear()
    yield
    dreams._CACHE.clear()


@pytest.mark.parametrize("layer, units", [(CLASSES, [2, 7]), ("conv2", [0, 5, 31]), ("conv4", [9])])
def test_a_dream_raises_the_chosen_unit(trained, layer, units):
    items, result = drain(dream(trained, layer, units))
    assert list(result) == units and items and all(isinstance(p, Progress) for p in items)
    assert items[-1].step == items[-1].steps
    for unit, d in result.items():
        assert (d.layer, d.unit) == (layer, unit)
        assert d.image.shape == (28, 28) and d.image.dtype == np.float32
        assert 0 <= d.image.min() and d.image.max() <= 1
        assert d.after > d.before + 0.1, (layer, unit, d.before, d.after)
    if layer is CLASSES:  # the logits measured again on the image: the recorded values are the model's
        with torch.no_grad():
            logits = trained(torch.from_numpy(result[7].image)[None, None])
        assert float(logits[0, 7]) == pytest.approx(result[7].after, abs=1e-4)


def test_the_same_noise_gives_the_same_dream_alone_or_in_a_batch(model):
    """Each unit's image depends on nothing else in its batch: a cached dream is the same however it was made."""
    together = drain(dream(model, "conv2", [1, 4, 6], QUICK))[1]
    dreams._CACHE.clear()
    alone = drain(dream(model, "conv2", [4], QUICK))[1]
    np.testing.assert_allclose(alone[4].image, together[4].image, atol=1e-4)


def test_a_dream_is_computed_once_per_model_layer_and_unit(model):
    items, first = drain(dream(model, CLASSES, [3], QUICK))
    assert items
    items, again = drain(dream(model, CLASSES, [3], QUICK))
    assert items == [] and again[3] is first[3]  # the same array, not recomputed
    items, more = drain(dream(model, CLASSES, [3, 5], QUICK))
    assert more[3] is first[3] and items[-1].steps == QUICK.steps  # only class 5 was dreamed
    with torch.no_grad():
        model.classifier[-1].bias[3] += 1.0  # other weights: another model
    items, changed = drain(dream(model, CLASSES, [3], QUICK))
    assert items and changed[3] is not first[3]


def test_the_job_loads_a_file_or_weights_and_its_result_travels(model, tmp_path):
    path = save(tmp_path / "m.safetensors", model, name="m")
    from_file = drain(dream_job(path, "conv1", [0, 2], QUICK))[1]
    from_weights = drain(dream_job(({"arch": model.cfg.to_dict()}, weights(model)), "conv1", [0, 2], QUICK))[1]
    assert from_weights[2] is from_file[2]  # the same weights: the same cached dream
    travelled = pickle.loads(pickle.dumps(from_file))  # the job process sends it back pickled
    np.testing.assert_array_equal(travelled[0].image, from_file[0].image)


def test_an_unknown_layer_is_named(model):
    with pytest.raises(ValueError, match="no conv layer 'conv7'"):
        drain(dream(model, "conv7", [0], QUICK))
