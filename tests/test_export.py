"""ONNX export: ``python -m mnist_pad export`` writes a model that ONNX Runtime runs like torch does."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from mnist_pad.core.augment import NO_AUGMENT
from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.data import load_split
from mnist_pad.core.inference import to_input
from mnist_pad.core.recipes import recipe_for
from mnist_pad.core.train import Trainer

pytest.importorskip("onnx", reason="ONNX export needs the 'onnx' extra")
ort = pytest.importorskip("onnxruntime", reason="checking the export needs onnxruntime (the 'onnx' extra)")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def weights(mnist_dir, tmp_path_factory) -> Path:
    """A briefly trained 'fast' net (one epoch on 2,000 images), so that its predictions are not ties."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cfg = replace(recipe_for("fast"), epochs=1, batch_size=32, augment=NO_AUGMENT, device="cpu")
        trainer = Trainer(cfg, load_split("mnist", "train", mnist_dir).subset(slice(0, 2000)))
        for _ in trainer.run():
            pass
    finally:
        torch.set_num_threads(threads)
    return save(tmp_path_factory.mktemp("export") / "fast.safetensors", trainer.model)


def test_exported_model_predicts_like_torch(weights, mnist_test, tmp_path):
    out = tmp_path / "model.onnx"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-m", "mnist_pad", "export", "--weights", str(weights), "--onnx", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left beside it

    model = load(weights).model
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    predictions = {}
    for n in (256, 1):  # the batch dimension is dynamic
        batch = to_input(mnist_test.images[:n])
        with torch.no_grad():
            expected = model(batch).numpy()
        (logits,) = session.run(["logits"], {"image": batch.numpy()})
        assert logits.shape == expected.shape
        np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-4)
        predictions[n] = logits.argmax(1)
        assert np.array_equal(predictions[n], expected.argmax(1))
    assert (predictions[256] == mnist_test.labels[:256].numpy()).mean() > 0.8  # a trained net, not a blank one
