"""``mnist-pad finetune`` end to end in a subprocess, on a tiny exported sample folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_pad.core.checkpoint import load, save
from mnist_pad.core.models import build
from mnist_pad.core.paths import models_dir
from mnist_pad.core.preprocess import preprocess
from mnist_pad.core.samples import SampleStore
from mnist_pad.core.writer import writer_dataset

REPO = Path(__file__).resolve().parent.parent


def mnist_pad(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "mnist_pad", *args], check=False, capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


@pytest.fixture
def sample_folder(tmp_path) -> Path:
    store = SampleStore(tmp_path / "store")
    images, labels, strokes = writer_dataset(3, seed=5, size=112)
    for img, label, s in zip(images, labels, strokes):
        store.add(int(label), preprocess(img).image, s)
    return store.export_folder(tmp_path / "samples")


@pytest.fixture
def base(tmp_path) -> Path:
    return save(tmp_path / "base.safetensors", build("small").eval(), name="base", dataset="mnist")


def test_finetune_writes_a_new_checkpoint_and_a_json_report(tmp_path, sample_folder, base, mnist_dir):
    out = tmp_path / "tuned.safetensors"
    base_bytes = base.read_bytes()
    done = mnist_pad("finetune", "--samples", str(sample_folder), "--weights", str(base), "--out", str(out),
                     "--steps", "4", "--mnist-eval", "100", "--holdout", "0.34", "--json",
                     "--data-dir", str(mnist_dir), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["samples_used"] == 20 and report["heldout"] == 10  # 1 of 3 per class held out
    for key in ("heldout_accuracy_before", "heldout_accuracy_after", "mnist_accuracy_before",
                "mnist_accuracy_after", "seconds"):
        assert isinstance(report[key], float), key
    assert "fine-tuning" in done.stderr  # the progress bar
    tuned = load(out)
    assert tuned.meta["base"] == load(base).name and tuned.meta["finetune"]["samples_used"] == 20  # as the window records it
    assert tuned.meta["test_accuracy"] == report["mnist_accuracy_after"]
    assert base.read_bytes() == base_bytes
    original = load(base).model.state_dict()
    assert any(not np.array_equal(v.numpy(), original[k].numpy()) for k, v in tuned.model.state_dict().items())


def test_finetune_refuses_to_overwrite_the_base(tmp_path, sample_folder, base):
    base_bytes = base.read_bytes()
    done = mnist_pad("finetune", "--samples", str(sample_folder), "--weights", str(base), "--out", "base.safetensors",
                     "--replay", "0", "--mnist-eval", "0", cwd=tmp_path)
    assert done.returncode == 2 and "never overwrites" in done.stderr
    assert base.read_bytes() == base_bytes


def test_finetune_reports_a_missing_folder(tmp_path, base):
    done = mnist_pad("finetune", "--samples", str(tmp_path / "nope"), "--weights", str(base),
                     "--out", str(tmp_path / "o.safetensors"), cwd=tmp_path)
    assert done.returncode == 2 and "no such samples folder" in done.stderr
    assert not (tmp_path / "o.safetensors").exists()


def test_finetune_takes_the_base_by_its_model_name(tmp_path, sample_folder, base):
    models_dir().mkdir(parents=True, exist_ok=True)
    mine = save(models_dir() / "mine.safetensors", load(base).model, name="mine", dataset="mnist")
    mine_bytes = mine.read_bytes()
    out = tmp_path / "tuned.safetensors"
    done = mnist_pad("finetune", "--samples", str(sample_folder), "--weights", "mine", "--out", str(out),
                     "--steps", "2", "--replay", "0", "--mnist-eval", "0", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["weights"] == str(mine)
    assert load(out).meta["base"] == "mine" and mine.read_bytes() == mine_bytes
    again = mnist_pad("finetune", "--samples", str(sample_folder), "--weights", "mine", "--out", str(mine),
                      "--replay", "0", "--mnist-eval", "0", cwd=tmp_path)
    assert again.returncode == 2 and "never overwrites" in again.stderr and mine.read_bytes() == mine_bytes
