"""The Train tab's jobs, run in this process: what they save, and the fine-tune's remembered MNIST accuracy."""

from __future__ import annotations

import pytest
import torch
from synthetic import Synthetic, drain, synthetic_split

import mnist_pad.core.finetune as finetune_module
from mnist_pad.core.checkpoint import load, read_meta, save
from mnist_pad.core.finetune import FinetuneConfig
from mnist_pad.core.download import DataSource
from mnist_pad.core.jobs import SavedModel, finetune_job, forgetting_job, train_job
from mnist_pad.core.models import build

DATA = Synthetic(train=400, test=200)


@pytest.fixture
def base(tmp_path):
    torch.manual_seed(0)
    return save(tmp_path / "base.safetensors", build("fast"), name="base", dataset="mnist")


def tune(base, out, seed, cfg):
    """A fine-tune and its MNIST check, as the Train tab runs them: (progress, the handed-back model, report)."""
    progress, saved = drain(finetune_job(base, synthetic_split(30, seed=seed), cfg, DATA, out))
    return progress, saved, drain(forgetting_job(base, out, saved.report, DATA))[1]


def test_finetune_job_hands_the_model_back_then_the_mnist_check_remembers_accuracy(base, tmp_path, monkeypatch):
    cfg = FinetuneConfig(steps=4, batch_size=8, log_every=2, mnist_eval=200)
    measured = []
    real = finetune_module.evaluate
    monkeypatch.setattr(finetune_module, "evaluate", lambda net, split, **kw: measured.append(len(split)) or real(net, split, **kw))
    progress, saved, report = tune(base, tmp_path / "tuned.safetensors", 3, cfg)
    assert [i.kind for i in progress] == ["start", "step", "step"]
    # the model comes back whole as soon as it is saved, before the MNIST check: usable without the file
    assert isinstance(saved, SavedModel) and saved.path == tmp_path / "tuned.safetensors" and saved.graph
    assert saved.report.mnist_before is None and saved.report.heldout_after is not None
    on_disk = load(saved.path)
    assert all(torch.equal(a, b) for a, b in zip(saved.checkpoint().model.state_dict().values(),
                                                 on_disk.model.state_dict().values()))
    assert measured.count(200) == 2  # MNIST before and after, in the second job
    meta = read_meta(tmp_path / "tuned.safetensors")
    assert meta["base"] == "base" and meta["test_accuracy"] == report.mnist_after  # the file knows it afterwards
    assert report.heldout_after == saved.report.heldout_after
    # the next fine-tune from the saved model knows its MNIST accuracy already: only "after" is measured
    measured.clear()
    *_, again = tune(tmp_path / "tuned.safetensors", tmp_path / "t2.safetensors", 4, cfg)
    assert measured.count(200) == 1 and again.mnist_before == report.mnist_after
    # a file that changed on disk is measured again
    save(tmp_path / "tuned.safetensors", load(base).model, name="tuned")
    measured.clear()
    tune(tmp_path / "tuned.safetensors", tmp_path / "t3.safetensors", 4, cfg)
    assert measured.count(200) == 2


def test_a_closed_finetune_job_saves_nothing(base, tmp_path):
    job = finetune_job(base, synthetic_split(30, seed=3), FinetuneConfig(steps=1000, batch_size=8, log_every=1, mnist_eval=0),
                       DATA, tmp_path / "tuned.safetensors")
    next(job), next(job)
    job.close()
    assert not (tmp_path / "tuned.safetensors").exists()


def test_train_job_saves_the_model_with_its_test_accuracy(tmp_path):
    out = tmp_path / "fast-mnist.safetensors"
    items, saved = drain(train_job("fast", "mnist", 1, DATA, out, batch_size=50, val_size=50, log_every=2))
    assert saved.path == out and items[-1].kind == "epoch"
    meta = read_meta(out)
    assert saved.meta == meta and saved.graph  # handed back as saved, with the pad's graph
    assert meta["epochs_run"] == 1 and meta["train_images"] == 350 and 0 <= meta["test_accuracy"] <= 1


def test_data_source_is_picklable_and_loads_each_split_once(mnist_dir, tmp_path, monkeypatch):
    import pickle

    monkeypatch.delenv("MNIST_PAD_DATA", raising=False)
    source = pickle.loads(pickle.dumps(DataSource(str(mnist_dir))))  # as the job process receives it
    first = source("mnist", "test")
    assert len(first) == 10_000 and source("mnist", "test") is first
    with pytest.raises(Exception, match="the mnist files are not there"):
        DataSource(str(tmp_path), allow_download=False)("mnist", "test")
