"""Training in several processes (core/distributed.py): two CPU processes over gloo take the very steps of one
process with the whole batch; torchrun's two processes write one checkpoint, from rank 0, and rank 1 prints
nothing; the refusals."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp
from synthetic import synthetic_split

from mnist_pad.cli import run
from mnist_pad.core.augment import NO_AUGMENT
from mnist_pad.core.checkpoint import load
from mnist_pad.core.distributed import World, joined, world_from_env
from mnist_pad.core.steps import drive
from mnist_pad.core.train import TrainConfig, Trainer

# batchnorm off: with it each process normalises its half of the batch by the half's own statistics, a
# different step (the module docstring says why). 96 images of 32: 3 steps an epoch, 2 epochs.
CONFIG = TrainConfig(arch="fast", batchnorm=False, epochs=2, batch_size=32, augment=NO_AUGMENT, val_size=0,
                     device="cpu", log_every=1, seed=3)
IMAGES = 96


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_as_rank(rank: int, port: int, folder: Path) -> None:
    """One of two processes, started as torchrun starts them (its environment), saving its weights and the
    losses it reported into ``folder``."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE="2",
                      LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE="2")
    torch.set_num_threads(1)
    world = world_from_env("cpu")
    with joined(world):
        trainer = Trainer(CONFIG, synthetic_split(IMAGES), world=world)
        losses = [p.loss for p in reports_of(trainer)]
    torch.save({"state": trainer.net.state_dict(), "losses": losses}, folder / f"rank{rank}.pt")


def reports_of(trainer: Trainer) -> list:
    reports: list = []
    drive(trainer.run(), reports.append)
    return reports


def test_two_processes_take_the_steps_of_one_with_the_whole_batch(tmp_path):
    mp.spawn(train_as_rank, args=(free_port(), tmp_path), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    alone = Trainer(CONFIG, synthetic_split(IMAGES))
    alone_losses = [p.loss for p in reports_of(alone)]
    start = Trainer(CONFIG, synthetic_split(IMAGES)).net.state_dict()  # the same seed: the initial weights
    trained = dict(alone.net.named_parameters())
    for name, value in alone.net.state_dict().items():
        assert name not in trained or not torch.equal(value, start[name])  # it trained
        assert torch.equal(ranks[0]["state"][name], ranks[1]["state"][name]), name  # DDP keeps them equal
        torch.testing.assert_close(ranks[0]["state"][name], value, rtol=1e-4, atol=1e-5, msg=name)
    assert len(alone_losses) == 6
    assert ranks[0]["losses"] == pytest.approx(alone_losses, rel=1e-5)  # the two halves' losses, averaged


def test_each_process_takes_its_own_equal_part_of_every_batch():
    batch = torch.randperm(12)
    parts = [World(rank, 3, rank, 3, "cpu").shard(batch) for rank in range(3)]
    assert [len(p) for p in parts] == [4, 4, 4]
    assert torch.equal(torch.cat(parts), batch)
    assert torch.equal(World().shard(batch), batch)


def test_a_batch_the_processes_cannot_share_evenly_is_refused():
    World(0, 2, 0, 2, "cpu").check_batch(256)
    with pytest.raises(ValueError, match="--batch-size 255 .* 2 processes"):
        World(0, 2, 0, 2, "cpu").check_batch(255)
    with pytest.raises(ValueError, match="does not split evenly"):
        Trainer(replace(CONFIG, batch_size=33), synthetic_split(IMAGES), world=World(0, 2, 0, 2, "cpu"))


def torchrun_env(rank: int = 0, size: int = 2) -> dict[str, str]:
    return {"RANK": str(rank), "WORLD_SIZE": str(size), "LOCAL_RANK": str(rank), "LOCAL_WORLD_SIZE": str(size)}


def test_the_environment_says_which_process_and_device(monkeypatch):
    assert world_from_env("auto", {}) == World(device="auto")
    assert world_from_env("cpu", torchrun_env(1)) == World(1, 2, 1, 2, "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert world_from_env("cuda", torchrun_env(1)).device == "cuda:1"  # its own GPU, NCCL
    assert world_from_env("cuda", torchrun_env(1)).backend == "nccl"


@pytest.mark.parametrize(("device", "gpus", "message"), [
    ("cuda", 1, "--device cuda: 2 processes on this machine but 1 CUDA GPU: one GPU each"),
    ("auto", 1, "--device auto: 2 processes on this machine but 1 CUDA GPU"),
    ("cuda:1", 2, "--device cuda:1: under torchrun each process takes the GPU of its LOCAL_RANK"),
])
def test_a_device_that_cannot_give_each_process_its_own_is_refused(monkeypatch, device, gpus, message):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    with pytest.raises(ValueError) as err:
        world_from_env(device, torchrun_env())
    assert str(err.value).startswith(message)


def test_commands_other_than_train_under_torchrun_are_refused_in_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert run(["export", "--weights", "small", "--onnx", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["mnist-pad export: error: only train runs in several processes (WORLD_SIZE=2: torchrun); run "
                   "export without torchrun"]
    assert not (tmp_path / "m.onnx").exists()


def test_torchrun_two_cpu_processes_write_one_checkpoint_from_rank_0(mnist_dir, tmp_path):
    """The real launcher: rank 0 alone writes and prints (each rank's output goes to its own files here). That
    two processes learn what one does is the test above's; here, that the model learned at all."""
    from test_cli import REPO, TINY, cli_env  # here: the processes of the test above do without its imports

    out, logs = tmp_path / "out" / "two.safetensors", tmp_path / "logs"
    out.parent.mkdir()
    train = ["train", *TINY, "--val-size", "200", "--batch-size", "64", "--data-dir", str(mnist_dir), "--out", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(free_port()),
         "--log-dir", str(logs), "--redirects", "3", "-m", "mnist_pad", *train],
        cwd=REPO, env=cli_env(tmp_path / "home"), check=False, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # one checkpoint, no leftovers
    (rank0,), (rank1,) = (list(logs.glob(f"*/attempt_0/{r}")) for r in (0, 1))
    assert "test accuracy" in (rank0 / "stdout.log").read_text()
    assert "x 2 processes (gloo)" in (rank0 / "stderr.log").read_text()
    assert (rank1 / "stdout.log").read_text() == "" and (rank1 / "stderr.log").read_text() == ""
    meta = load(out).meta
    assert meta["processes"] == 2 and meta["recipe"]["batch_size"] == 64
    assert meta["test_accuracy"] > 0.5  # 39 steps of the global batch: far above chance (0.1)
