"""Watching a net learn: light snapshots taken while it trains, replayed afterwards (the Train tab's Replay).

Every ``every`` steps a :class:`Recorder` keeps a :class:`Snapshot`: the kernels of the first :data:`LAYERS`
conv layers, the probe's (the pad's drawing, or a validation digit) class probabilities and feature maps in
those layers, and the confusion matrix and accuracy on the first :data:`VAL_IMAGES` held-out images (the
validation split's; a fine-tune's, the test set's). The jobs take the first one before any step and the last
one from the model they save (the EMA or early-stopping weights where the recipe keeps those), so the replay ends
at the model in use.

A run's :class:`Recording` is saved beside its checkpoint (:func:`sidecar_path`: ``model.snapshots.npz``,
compressed numpy arrays, no pickle) and bound to it by the checkpoint's ``created`` time, so that a sidecar
left behind by a deleted model is never shown as another's. Sizes and overhead: docs/snapshots.md.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .data import DIGITS, Split
from .evaluate import EvalResult, report
from .explain import filters
from .files import BadInput, read_limited, write_atomic
from .inference import to_input
from .models import ConvNet

LAYERS = 2  # conv layers whose kernels and probe maps are kept: the first two, where filters visibly form
VAL_IMAGES = 256  # held-out images of each snapshot's confusion matrix: their pass costs about half a step of 128
TARGET = 64  # snapshots a training run keeps when the interval is left to :func:`start_recording`
FINETUNE_TARGET = 12  # a fine-tune's: one every 5 of its 60 steps
MAX_SNAPSHOTS = 500  # a hundred of the default net's hold 11 MB in memory (seed-convnet's 29 MB); no slider needs more
MAX_BYTES = 1 << 30  # a sidecar file, and its arrays unpacked, at most this many bytes
FORMAT = 1
SUFFIX = ".snapshots.npz"


class SnapshotError(BadInput):
    """A sidecar that cannot be used (damaged, foreign, of another model); the message names the file."""


@dataclass(frozen=True)
class Snapshot:
    step: int  # optimizer steps done
    epoch: int  # 1-based epoch in progress
    filters: dict[str, np.ndarray]  # conv layer -> (out, in, k, k) float16 kernels
    maps: dict[str, np.ndarray]  # conv layer -> (channels, h, w) float16: the probe's feature maps
    probabilities: np.ndarray  # (classes,) float32: softmax of the probe's logits (before any calibration)
    confusion: np.ndarray  # (classes, classes) int64 on the validation subset: [true][predicted]

    @property
    def val_accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(1, self.confusion.sum()))

    def result(self, classes: tuple[str, ...] = DIGITS) -> EvalResult:
        """The validation subset's evaluation as the Evaluate tab's views take it, from the counts the snapshot
        keeps: its probabilities are one-hot (the predictions), its report whole."""
        k = len(self.confusion)
        labels = np.repeat(np.arange(k), self.confusion.sum(1))
        predicted = np.concatenate([np.repeat(np.arange(k), row) for row in self.confusion])
        return EvalResult(np.eye(k, dtype=np.float32)[predicted], labels,
                          report(torch.from_numpy(labels), torch.from_numpy(predicted), classes), 0.0)


@dataclass(frozen=True)
class Recording:
    """A run's snapshots and what they were taken on."""

    probe: np.ndarray  # (channels, h, w) float32 0..1: the image whose maps and probabilities each snapshot keeps
    probe_label: int | None  # the validation digit's class; None: the user's drawing
    classes: tuple[str, ...]
    snapshots: tuple[Snapshot, ...]
    model_created: str = ""  # the checkpoint's "created" metadata, once saved beside it

    @property
    def layers(self) -> list[str]:
        return list(self.snapshots[0].filters) if self.snapshots else []

    def nbytes(self) -> int:
        """Bytes of the arrays in memory (the file is smaller: compressed)."""
        return self.probe.nbytes + sum(a.nbytes for s in self.snapshots
                                       for a in (*s.filters.values(), *s.maps.values(), s.probabilities, s.confusion))


class Recorder:
    """Takes a snapshot of the net it is handed every ``every`` steps (it is the ``watch`` of
    :meth:`~mnist_pad.core.train.Trainer.run` and :func:`~mnist_pad.core.finetune.finetune`), and whenever
    :meth:`take` is called. The net runs in eval mode without gradients and gets its modes back (each module's:
    a fine-tune trains some layers and keeps others in eval mode). The held-out images' pass through the leading
    conv blocks that have not changed since the last snapshot is kept, not run again: a fine-tune of the top
    leaves all but the last frozen, and its snapshots take 8-10 ms instead of about 110 (docs/snapshots.md)."""

    def __init__(self, every: int, probe: np.ndarray, val: Split, classes: tuple[str, ...] = DIGITS,
                 probe_label: int | None = None, layers: int = LAYERS) -> None:
        if every < 1:
            raise ValueError(f"snapshots every {every} steps: give a whole number >= 1")
        self.every = every
        self.probe = np.ascontiguousarray(probe, np.float32)
        self.probe_label = probe_label
        self.val = val.subset(slice(0, VAL_IMAGES))
        self.classes = tuple(classes)
        self.layers = layers
        self.snapshots: list[Snapshot] = []
        self._states: list[dict[str, torch.Tensor]] = []  # each conv block's state at the last snapshot
        self._kept: tuple[int, torch.Tensor] | None = None  # (k, the held-out images after the first k blocks)

    def __call__(self, net: ConvNet, step: int, epoch: int) -> None:
        if step % self.every == 0:
            self.take(net, step, epoch)

    def take(self, net: ConvNet, step: int, epoch: int) -> Snapshot:
        """A snapshot of ``net`` now; it replaces one taken at the same step (the last one: the saved model)."""
        modes = [m.training for m in net.modules()]
        net.eval()
        try:
            with torch.no_grad():
                device = next(net.parameters()).device
                logits, maps = net.forward_with_activations(torch.from_numpy(self.probe)[None].to(device))
                val = self.val.to(device)
                predicted = self._logits(net, val).argmax(1)
        finally:
            for m, mode in zip(net.modules(), modes):
                m.training = mode
        layers = list(net.conv_layers())[: self.layers]
        kernels = filters(net)
        snap = Snapshot(step, epoch, {name: kernels[name].astype(np.float16) for name in layers},
                        {name: maps[name][0].float().cpu().numpy().astype(np.float16) for name in layers},
                        F.softmax(logits.float(), 1)[0].cpu().numpy(),
                        np.asarray(report(val.labels, predicted, self.classes).confusion, np.int64))
        if self.snapshots and self.snapshots[-1].step == step:
            self.snapshots.pop()
        self.snapshots.append(snap)
        return snap

    def _logits(self, net: ConvNet, val: Split) -> torch.Tensor:
        """``net``'s logits of the held-out images, through the kept output of its unchanged leading blocks."""
        states = [{k: v.detach().clone() for k, v in block.state_dict().items()} for block in net.features.values()]
        same = 0
        while (same < min(len(states), len(self._states))
               and all(torch.equal(v, self._states[same][k]) for k, v in states[same].items())):
            same += 1
        self._states = states
        kept = self._kept
        if kept is None or kept[0] > same or kept[1].device != val.images.device:
            kept = (0, net.trunk(to_input(val.images), 0))  # the normalised images
        h = kept[1]
        for block in list(net.features.values())[kept[0]:same]:  # blocks found unchanged since: their output kept
            h = block(h)
        self._kept = (same, h)
        return net.head(h, same)

    def recording(self) -> Recording:
        return Recording(self.probe, self.probe_label, self.classes, tuple(self.snapshots))


def start_recording(snapshots: int | None, steps: int, net: ConvNet, val: Split | None,
                    drawing: np.ndarray | None = None, classes: tuple[str, ...] = DIGITS,
                    target: int = TARGET) -> Recorder | None:
    """The recorder of a run of ``steps`` steps of ``net``, its first snapshot taken; None when ``snapshots`` is 0.
    ``snapshots``: steps between two, or None for about ``target`` in the run (when there are validation images).
    The probe is ``drawing`` (the pad's 28x28 input, 0..1) when there is one and the net takes such images, else
    the first validation image. A ValueError, before any work, with too many snapshots or, when asked for, without
    validation images."""
    if snapshots == 0 or (snapshots is None and (val is None or len(val) == 0)):
        return None
    every = max(1, round(steps / target)) if snapshots is None else snapshots
    count = steps // every + 2  # the first, every multiple, the last
    if count > MAX_SNAPSHOTS:
        raise ValueError(f"snapshots every {every} steps of {steps:,} would keep {count:,}, more than "
                         f"{MAX_SNAPSHOTS}: take them every {math.ceil(steps / (MAX_SNAPSHOTS - 2))} steps or more")
    if val is None or len(val) == 0:
        raise ValueError("snapshots need validation images: none were held out")
    if drawing is not None and (1, *np.shape(drawing)) == net.cfg.input_shape:
        recorder = Recorder(every, np.asarray(drawing, np.float32)[None], val, classes)
    else:
        recorder = Recorder(every, to_input(val.images[:1])[0].cpu().numpy(), val, classes, int(val.labels[0]))
    recorder.take(net, 0, 1)
    return recorder


# --- the sidecar file ---------------------------------------------------------------------------------------
def sidecar_path(checkpoint: str | os.PathLike) -> Path:
    """``models/name.safetensors`` -> ``models/name.snapshots.npz``."""
    path = Path(checkpoint)
    return path.with_name(path.stem + SUFFIX)


def save(path: str | os.PathLike, recording: Recording) -> Path:
    """Write ``recording`` to ``path`` atomically (compressed arrays, no pickle)."""
    shots = recording.snapshots
    if not shots:
        raise ValueError("no snapshots to save")
    arrays = {
        "format": np.array(FORMAT), "model_created": np.array(recording.model_created),
        "classes": np.array(recording.classes), "probe": recording.probe,
        "probe_label": np.array(-1 if recording.probe_label is None else recording.probe_label),
        "step": np.array([s.step for s in shots]), "epoch": np.array([s.epoch for s in shots]),
        "probabilities": np.stack([s.probabilities for s in shots]),
        "confusion": np.stack([s.confusion for s in shots]),
    }
    for name in recording.layers:
        arrays[f"filters.{name}"] = np.stack([s.filters[name] for s in shots])
        arrays[f"maps.{name}"] = np.stack([s.maps[name] for s in shots])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return write_atomic(path, buffer.getvalue())


def load(path: str | os.PathLike) -> Recording:
    """The recording in ``path``; a :class:`SnapshotError` naming it, in one line, when it is not a whole one."""
    path = Path(path)
    try:
        raw = read_limited(path, MAX_BYTES, "snapshots file")
    except BadInput as exc:
        raise SnapshotError(str(exc)) from None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_BYTES:
                raise ValueError(f"its arrays would unpack to more than {MAX_BYTES:,} bytes")
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        return _recording(arrays)
    except KeyError as exc:
        reason = f"no {exc.args[0]!r} array"
    except (ValueError, TypeError, IndexError, OSError, EOFError, MemoryError, zipfile.BadZipFile, zlib.error) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    raise SnapshotError(f"{path}: not a readable snapshots file ({reason}); it is damaged or not mnist-pad's")


def load_for(checkpoint: str | os.PathLike, meta: dict) -> Recording | None:
    """The snapshots saved beside ``checkpoint`` (whose metadata is ``meta``), or None when it has none; a
    :class:`SnapshotError` when they are damaged or belong to another model that had its name."""
    path = sidecar_path(checkpoint)
    if not path.is_file():
        return None
    recording = load(path)
    if recording.model_created != meta.get("created"):
        raise SnapshotError(f"{path}: the snapshots of another model of that name (created "
                            f"{recording.model_created or '?'}); not showing them")
    return recording


def save_beside(checkpoint: str | os.PathLike, recording: Recording, meta: dict) -> Recording:
    """Save ``recording`` beside the checkpoint at ``checkpoint`` written with metadata ``meta``, bound to it (see
    :func:`load_for`); returns it bound."""
    recording = replace(recording, model_created=str(meta.get("created", "")))
    save(sidecar_path(checkpoint), recording)
    return recording


def _recording(a: dict[str, np.ndarray]) -> Recording:
    """The arrays of a sidecar checked and put together; a ValueError saying what is wrong."""
    if a["format"].shape != () or int(a["format"]) != FORMAT:
        raise ValueError(f"format {a['format'].tolist()!r}; this version reads {FORMAT}")
    classes = tuple(str(c) for c in a["classes"].reshape(-1))
    k, steps, epochs = len(classes), a["step"], a["epoch"]
    n = len(steps)
    probe, probs, confusion = a["probe"], a["probabilities"], a["confusion"]
    layers = [name.removeprefix("filters.") for name in a if name.startswith("filters.")]
    if not (n and k and steps.shape == epochs.shape == (n,) and steps.dtype.kind == epochs.dtype.kind == "i"):
        raise ValueError("no snapshots, or steps and epochs that do not match")
    if (steps < 0).any() or (np.diff(steps) <= 0).any() or (epochs < 1).any():
        raise ValueError("its steps are not increasing, or its epochs not counted from 1")
    if (probs.shape != (n, k) or probs.dtype != np.float32 or confusion.shape != (n, k, k)
            or confusion.dtype.kind != "i"):
        raise ValueError(f"probabilities {probs.shape} or confusion {confusion.shape} do not fit {n} snapshots "
                         f"of {k} classes")
    if (confusion < 0).any() or probe.ndim != 3 or probe.dtype != np.float32:
        raise ValueError("negative counts, or a probe that is not one float image")
    if sorted(name for name in a if name.startswith("maps.")) != sorted(f"maps.{name}" for name in layers):
        raise ValueError("its filters and feature maps are of different layers")
    for name in layers:
        kernels, maps = a[f"filters.{name}"], a[f"maps.{name}"]
        if (kernels.ndim != 5 or maps.ndim != 4 or len(kernels) != n or len(maps) != n
                or kernels.dtype.kind != "f" or maps.dtype.kind != "f"):
            raise ValueError(f"layer {name}'s filters {kernels.shape} or maps {maps.shape} do not fit {n} snapshots")
    for name, array in a.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(f"NaN or infinite values in {name}")
    label = int(a["probe_label"])
    shots = tuple(
        Snapshot(int(steps[i]), int(epochs[i]), {name: a[f"filters.{name}"][i] for name in layers},
                 {name: a[f"maps.{name}"][i] for name in layers}, probs[i], confusion[i].astype(np.int64))
        for i in range(n)
    )
    return Recording(probe, None if label < 0 else label, classes, shots, str(a["model_created"]))
