"""Training in several processes with DistributedDataParallel, as ``torchrun --nproc-per-node N -m mnist_pad
train`` starts it (docs/distributed.md). A :class:`World` is what one process knows of the others (torchrun's
RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE) and gives the trainer its hooks: its share of each batch,
the net wrapped in DDP, metrics summed over the processes, rank 0's decision. One process is ``World()``,
whose hooks change nothing, so the trainer keeps one code path.

The choices, and why:

- ``batch_size`` is the global batch. Every process draws the same shuffled order (one seed) and takes its own
  contiguous 1/N of each batch, so all make the same number of steps (none is left waiting) and DDP's averaged
  gradient is the gradient of the whole batch: a step of N processes is a step of one process on the same
  batch, and the recipe's learning rate holds as it is (no scaling).
- Batchnorm normalises each process's share by its own statistics (torch's SyncBatchNorm runs on GPUs only;
  one behaviour on both); the running statistics kept are rank 0's, which DDP broadcasts before every forward
  pass. A net without batchnorm takes exactly the one-process steps (tests/test_distributed.py).
- Augmentation draws from each process's own generator, so that no two processes shift their images alike.
- Rank 0 alone validates, tests, writes the checkpoint and the TensorBoard log and prints; early stopping
  follows its decision. The others print nothing but their errors.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from .device import resolve_device


@dataclass(frozen=True)
class World:
    """This process among those torchrun started; the default is one process alone."""

    rank: int = 0
    size: int = 1  # processes in all (WORLD_SIZE)
    local_rank: int = 0  # on this machine: which GPU this process takes
    local_size: int = 1  # processes on this machine
    device: str = "auto"  # what this process trains on: as asked, alone; cpu or cuda:<local_rank> among several

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that validates, tests, writes and prints."""
        return self.rank == 0

    @property
    def backend(self) -> str:
        return "nccl" if self.device.startswith("cuda") else "gloo"

    def describe(self) -> str:
        """`` x 2 processes (gloo)``, said after the device; empty alone."""
        return "" if self.size == 1 else f" x {self.size} processes ({self.backend})"

    def check_batch(self, batch_size: int) -> None:
        """Refuse a global batch that the processes cannot share evenly."""
        if batch_size % self.size:
            raise ValueError(f"--batch-size {batch_size} (the global batch) does not split evenly over {self.size} "
                             f"processes: give a multiple of {self.size}")

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This process's contiguous part of a global batch (of indices), the same size on every process."""
        part = len(batch) // self.size
        return batch[self.rank * part : (self.rank + 1) * part]

    def augment_generator(self, order: torch.Generator) -> torch.Generator:
        """The generator this process augments with: alone, the order's own (as one process always did);
        among several, one of its own seeded by rank, while ``order`` stays the same on all."""
        if self.size == 1:
            return order
        return torch.Generator(order.device).manual_seed(order.initial_seed() + 1_000_003 * (self.rank + 1))

    def wrap(self, net: nn.Module) -> nn.Module:
        """What trains: ``net`` itself alone; among several, DDP around it, which starts every process from rank
        0's weights and averages the gradients in the backward pass."""
        if self.size == 1:
            return net
        ids = [torch.device(self.device).index] if self.backend == "nccl" else None
        return nn.parallel.DistributedDataParallel(net, device_ids=ids)

    def summed(self, values: torch.Tensor) -> torch.Tensor:
        """``values`` summed over the processes (a new tensor; the same one alone)."""
        if self.size == 1:
            return values
        total = values.clone()
        dist.all_reduce(total)
        return total

    def main_decides(self, flag: bool) -> bool:
        """Rank 0's ``flag`` on every process: a decision that changes how many steps run (early stopping) must
        be the same everywhere, or a process would wait forever for the others."""
        if self.size == 1:
            return flag
        word = torch.tensor(int(flag), device=self.device)
        dist.broadcast(word, 0)
        return bool(word)


def world_from_env(device: str = "auto", env: Mapping[str, str] = os.environ) -> World:
    """This process as torchrun started it, or one process alone when WORLD_SIZE is not above 1. Among several,
    each takes ``cpu`` (gloo) or its own GPU (NCCL), ``cuda:<LOCAL_RANK>``; a device that cannot give each its
    own is refused here, before any work."""
    try:
        rank, size = int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1))
        local_rank, local_size = int(env.get("LOCAL_RANK", rank)), int(env.get("LOCAL_WORLD_SIZE", size))
    except ValueError:
        raise ValueError("RANK, WORLD_SIZE, LOCAL_RANK and LOCAL_WORLD_SIZE must be whole numbers: start several "
                         "processes with torchrun") from None
    dev = resolve_device(device)  # a device that does not exist is refused alike alone
    if size <= 1:
        return World(device=device)
    if not (0 <= rank < size and 0 <= local_rank < local_size <= size):
        raise ValueError(f"RANK {rank}, WORLD_SIZE {size}, LOCAL_RANK {local_rank}, LOCAL_WORLD_SIZE {local_size} "
                         "do not fit together: start several processes with torchrun")
    if dev.type == "cuda":
        if device not in ("auto", "cuda"):
            raise ValueError(f"--device {device}: under torchrun each process takes the GPU of its LOCAL_RANK; "
                             "give --device cuda")
        gpus = torch.cuda.device_count()
        if local_size > gpus:
            raise ValueError(f"--device {device}: {local_size} processes on this machine but {gpus} CUDA GPU"
                             f"{'s' if gpus != 1 else ''}: one GPU each (fewer processes, or --device cpu)")
        return World(rank, size, local_rank, local_size, f"cuda:{local_rank}")
    if dev.type != "cpu":
        raise ValueError(f"--device {device}: several processes train on cpu (gloo) or cuda (NCCL)")
    if not (dist.is_available() and dist.is_gloo_available()):
        raise ValueError("this torch build has no gloo backend: several processes cannot train on its CPU")
    return World(rank, size, local_rank, local_size, "cpu")


@contextmanager
def joined(world: World) -> Iterator[World]:
    """The block run together with the other processes: the process group set up on entry (gloo on a CPU,
    NCCL with this process's GPU as the current one) and destroyed on leaving, errors and Ctrl-C included.
    Inside it, processes other than rank 0 print nothing: their errors are said after the block, by whoever
    catches them. Alone, nothing to set up."""
    if world.size == 1:
        yield world
        return
    if world.backend == "nccl":
        torch.cuda.set_device(world.device)
    dist.init_process_group(world.backend, rank=world.rank, world_size=world.size)
    try:
        with ExitStack() as quiet:
            if not world.is_main:
                null = quiet.enter_context(open(os.devnull, "w"))
                quiet.enter_context(redirect_stdout(null))
                quiet.enter_context(redirect_stderr(null))
            yield world
    finally:
        # What held the group (a DDP wrapper, whose hooks make reference cycles) goes first: a gloo group freed
        # only at interpreter exit can abort the process there (SIGABRT, "terminate called without an active
        # exception"), seen now and then in the two-process test.
        gc.collect()
        dist.destroy_process_group()
