"""Batch evaluation: ONNX Runtime and torch give the same probabilities; any ONNX failure falls back to torch."""

from __future__ import annotations

import pytest
import torch

import mnist_pad.core.inference as runtime_module
from mnist_pad.core.data import Split
from mnist_pad.core.evaluate import evaluate
from mnist_pad.core.inference import ONNX_FROM, predict_proba
from mnist_pad.core.models import build

pytest.importorskip("onnxruntime")


@pytest.fixture
def batch():
    gen = torch.Generator().manual_seed(0)
    images = (torch.rand(ONNX_FROM, 28, 28, generator=gen) * 255).to(torch.uint8)
    return Split(images, torch.randint(0, 10, (ONNX_FROM,), generator=gen))


@pytest.fixture
def model():
    torch.manual_seed(0)
    return build("fast").eval()


def test_auto_runs_onnx_runtime_and_agrees_with_torch(model, batch, monkeypatch):
    made = []
    real = runtime_module.OnnxEngine
    monkeypatch.setattr(runtime_module, "OnnxEngine", lambda *a, **k: made.append(k) or real(*a, **k))
    auto = predict_proba(model, batch.images, backend="auto")
    assert made == [{"threads": torch.get_num_threads(), "with_activations": False}]
    torch.testing.assert_close(auto, predict_proba(model, batch.images), atol=1e-5, rtol=1e-4)
    assert evaluate(model, batch, backend="auto").confusion == evaluate(model, batch).confusion


def test_small_batches_and_failures_use_torch(model, batch, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no exporter today")

    monkeypatch.setattr(runtime_module, "OnnxEngine", broken)
    torch.testing.assert_close(predict_proba(model, batch.images, backend="auto"), predict_proba(model, batch.images))
    made = []
    monkeypatch.setattr(runtime_module, "OnnxEngine", lambda *a, **k: made.append(1))
    predict_proba(model, batch.images[: ONNX_FROM - 1], backend="auto")
    assert made == []  # too few images to pay for the export
    assert model.training is False
