"""What the headless subcommands share: the progress bar, finding and opening the model ``--weights`` names, and
the checks of outputs and data folders made before any work (:mod:`mnist_pad.commands`,
:mod:`mnist_pad.training_commands`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def progress_bar(steps: int, what: str) -> Iterator[Callable]:
    """A tqdm bar over ``steps`` steps; the block gets the function that shows a core Progress on it."""
    from tqdm import tqdm

    from .core.progress import describe

    bar = tqdm(total=steps, unit="step", dynamic_ncols=True, desc=what)

    def show(p) -> None:
        bar.update(p.step - bar.n)
        bar.set_postfix_str((f"ep {p.epoch}/{p.epochs} " if p.epochs > 1 else "") + describe(p))
        if p.kind == "epoch":
            bar.write(f"epoch {p.epoch}: {describe(p)} ({p.seconds:.0f} s)")

    try:
        yield show
    finally:
        bar.close()


def weights_path(weights: str | None) -> Path:
    """The checkpoint ``--weights`` names: a file or a model's name as the window lists it (see
    :func:`mnist_pad.core.catalog.resolve_model`); without it, the shipped default."""
    from .core.catalog import resolve_model
    from .core.paths import shipped_weights

    return shipped_weights("default") if weights is None else resolve_model(weights)


def load_model(path: Path, device: str = "cpu", input_norm: str | None = None, what: str = "used here"):
    """The checkpoint at ``path``; a PyTorch or Keras model is converted (:mod:`mnist_pad.core.foreign`), an
    ONNX model refused before it is read: it cannot be ``what``."""
    from .core.foreign import FORMATS

    if FORMATS.get(path.suffix.lower()) == "onnx":
        raise ValueError(f"{path}: an ONNX model cannot be {what}; give a checkpoint, or a PyTorch or Keras file")
    return open_model(path, device, input_norm)


def open_model(path: Path, device: str = "cpu", input_norm: str | None = None):
    """The model at ``path``: a checkpoint, or a model of another tool as :func:`mnist_pad.core.foreign.open_model`
    gives it (an ONNX model runs on the CPU). A guessed input scaling is said on stderr; a chosen one is kept
    beside the file for next time."""
    from .core import foreign
    from .core.checkpoint import load
    from .core.device import resolve_device
    from .core.files import WriteFailed

    dev = resolve_device(device)  # a wrong device is refused before the file is read
    if not foreign.is_foreign(path):
        if input_norm is not None:
            raise ValueError(f"--input-norm is for models of other tools ({', '.join(foreign.FORMATS)}); "
                             f"{path} carries its own normalisation")
        return load(path, dev)
    if foreign.FORMATS[path.suffix.lower()] == "onnx" and device not in ("auto", "cpu"):
        raise ValueError(f"--device {device}: an ONNX model runs on the CPU (ONNX Runtime)")
    guess = None if input_norm else foreign.guess_input_norm(path)
    model = foreign.open_model(path, input_norm or guess.name, dev)
    if guess is not None:
        print(f"{path}: input scaling {guess.name} ({foreign.NORM_TEXT[guess.name]}): {guess.reason} "
              "(--input-norm chooses another)", file=sys.stderr)
    elif foreign.saved_input_norm(path) != input_norm:
        try:
            foreign.remember_input_norm(path, input_norm)
        except WriteFailed as exc:  # the model is fine: only the choice is not kept
            print(f"note: {exc}", file=sys.stderr)
    return model


def check_out(path: str, what: str, size_hint: int = 0, inputs: tuple = ()) -> Path:
    """An output path checked before any work (see :func:`mnist_pad.core.files.check_output`): never a
    folder, a device, an input of the same command or a file shipped with mnist-pad."""
    from .core.files import check_output
    from .core.paths import resources_dir

    return check_output(path, what, protected=(resources_dir(),), inputs=inputs, size_hint=size_hint)


def data_folder(dataset: str, data_dir: str | None, allow_download: bool) -> Path | None:
    """The folder the dataset will be read from, named on stderr (before the work): an explicit
    ``--data-dir`` is used or refused. None when it is missing and may still be downloaded."""
    from .core.data import DataMissing, locate

    try:
        folder = next(iter(locate(dataset, data_dir).values())).parent
    except DataMissing:
        if data_dir is not None or not allow_download:
            raise
        return None
    print(f"{dataset} data: {folder}", file=sys.stderr)
    return folder
