"""Choosing the compute device: CUDA when present (or asked for), the CPU otherwise."""

from __future__ import annotations

import torch


class DeviceError(ValueError):
    """A device that does not exist here, or a name that is not a device."""


class DeviceMissing(DeviceError):
    """A real device kind (cuda, mps) that this machine or torch build does not have: the window falls back
    to the CPU and says so; the CLI refuses (a script asked for it)."""


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """``auto`` picks CUDA when available; ``cuda`` without a GPU is an error, not a silent fallback."""
    if isinstance(name, torch.device):
        return name
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"--device {name!r} is not a device: auto | cpu | cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceMissing("--device cuda was asked for, but this torch build sees no CUDA GPU")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise DeviceMissing("--device mps was asked for, but this machine has no Apple GPU")
    if device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"--device {name!r}: mnist-pad runs on auto | cpu | cuda | mps")
    return device


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    n = torch.get_num_threads()
    return f"cpu ({n} thread{'s' if n != 1 else ''})"


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that wall-clock timings are honest."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
