"""Command line: ``mnist-pad`` opens the window; ``mnist-pad SUBCOMMAND`` runs headless (no Qt import)."""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys

from . import __version__

_ARCH_NAMES = "{archs}"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the problem, then where to look), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def format_help(self) -> str:
        """The help, with the architectures' names put in only now: they come from core.models, which
        imports torch (a second), and parsing or --version should not wait for that."""
        for action in self._actions:
            if action.help and _ARCH_NAMES in action.help:
                from .core.models import ARCHS

                action.help = action.help.replace(_ARCH_NAMES, ", ".join(ARCHS))
        return super().format_help()


def _number(kind: type, low: float, low_ok: bool = True, high: float | None = None, high_ok: bool = False):
    """An argparse type: a finite ``kind`` >= ``low`` (> when not ``low_ok``) and < ``high`` (<= when ``high_ok``)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a{'n integer' if kind is int else ' number'}") from None
        bounds = f"{'>=' if low_ok else '>'} {low}"
        if high is not None:
            bounds += f" and {'<=' if high_ok else '<'} {high}"
        if (isinstance(value, float) and not math.isfinite(value)) or not (value >= low if low_ok else value > low) \
                or (high is not None and not (value <= high if high_ok else value < high)):
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {bounds}")
        return value

    return parse


_POSITIVE = _number(int, 1)
_COUNT = _number(int, 0)


def _snapshots(text: str) -> int | None:
    """An argparse type: steps between snapshots, 0 for none, or 'auto' (None: core.snapshots chooses)."""
    if text == "auto":
        return None
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of steps nor 'auto'")
    return int(text)


def _add_snapshots_arg(p: argparse.ArgumentParser, auto: str) -> None:
    p.add_argument("--snapshots", type=_snapshots, default=0, metavar="N|auto", help="keep a snapshot of the net "
                   f"every N steps ('auto': {auto}) beside the checkpoint, as NAME.snapshots.npz: the first two conv "
                   "layers' filters, a held-out digit's probabilities and feature maps, the confusion matrix on 256 "
                   "held-out images; the window's Train tab replays them (docs/snapshots.md; default 0: none)")


def _add_data_args(p: argparse.ArgumentParser) -> None:
    _add_dataset_arg(p)
    p.add_argument("--data-dir", help="folder holding the dataset's files: the four IDX files, or CIFAR-10's "
                   "cifar-10-python.tar.gz or its batches (else $MNIST_PAD_DATA, then the user cache)")
    p.add_argument("--no-download", action="store_true", help="never download missing data")


def _add_dataset_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", default="mnist", help="mnist | fashion-mnist | cifar10 (default: mnist; cifar10 "
                   "is for the nets that take its 32x32 colour images: seed-cifar)")


# Subcommands suppress their defaults for the options the main parser has too: argparse lets a subparser's
# default overwrite the main parser's value, which silently dropped X in 'mnist-pad --weights X eval'.
def _add_weights_arg(p: argparse.ArgumentParser, default: str | None = argparse.SUPPRESS) -> None:
    p.add_argument(
        "--weights", default=default, help="the model to use: a checkpoint file (.safetensors) or a model's name as "
        "the window lists it (default, small, or one of yours); default: the shipped 'default' model. Models of "
        "other tools too: .onnx, PyTorch .pth/.pt and Keras .h5/.keras files (docs/foreign-models.md)"
    )


INPUT_NORMS = ("unit", "mnist", "symmetric")  # core.foreign.INPUT_NORMS (not imported here: it imports torch)


def _add_input_norm_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--input-norm", choices=INPUT_NORMS, help="for a model of another tool: the input scaling it was trained "
        "with, unit (0..1), mnist (MNIST mean/std) or symmetric (-1..1); kept beside the file for next time "
        "(default: that, else guessed from the file)"
    )


def _add_device_arg(p: argparse.ArgumentParser, default: str = argparse.SUPPRESS,
                    auto: str = "CUDA when present") -> None:
    p.add_argument("--device", default=default, help=f"auto | cpu | cuda (default: auto, {auto})")


def _strides(text: str) -> tuple[int, ...]:
    """An argparse type: one stride, or one per conv layer separated by commas, each a whole number >= 1."""
    return tuple(_POSITIVE(part) for part in text.split(","))


def _add_technique_args(p: argparse.ArgumentParser) -> None:
    """train's techniques (README, "Training techniques"); each one not given is the recipe's."""
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta"),
                   help="the optimizer (default: the recipe's)")
    p.add_argument("--momentum", type=_number(float, 0, high=1), help="SGD's momentum (default 0.9)")
    p.add_argument("--nesterov", action="store_true", help="SGD with Nesterov momentum")
    p.add_argument("--l1", type=_number(float, 0), help="L1 penalty on the conv and linear weights, added to the loss "
                   "(default 0)")
    p.add_argument("--l2", type=_number(float, 0), help="weight decay: L2 for sgd, adam, rmsprop, adagrad, adadelta; "
                   "decoupled for adamw (default: the recipe's)")
    p.add_argument("--dropout", type=_number(float, 0, high=1), help="dropout rate before the linear layers "
                   "(default: the architecture's)")
    p.add_argument("--batchnorm", choices=("on", "off"), help="batchnorm in every conv block, or nowhere "
                   "(default: as the architecture has it)")
    p.add_argument("--stride", type=_strides, help="conv stride: one for every conv layer, or one per layer as "
                   "1,2,... (default: the architecture's)")
    p.add_argument("--init", choices=("torch", "glorot"), help="initial weights: torch's own, or Keras's "
                   "glorot-uniform with zero biases (default: the recipe's)")
    p.add_argument("--schedule", choices=("constant", "step", "cosine", "onecycle"), help="learning-rate schedule: "
                   "constant, step (x0.1 every 5 epochs), cosine (down to 0), onecycle (warm-up, then down to 0) "
                   "(default: the recipe's)")
    p.add_argument("--augment", help="augmentation switches, comma-separated: none, affine, shift, or FIELD=VALUE for "
                   "rotate, scale, shear, translate, elastic, elastic_smooth, shift (e.g. affine,elastic=2.5) "
                   "(default: the recipe's)")
    p.add_argument("--patience", type=_POSITIVE, help="early stopping: stop after N epochs without a better "
                   "validation accuracy, and keep the best epoch's weights")
    p.add_argument("--teacher", help="knowledge distillation: a trained model (name or file) whose answers the "
                   "training images are also learnt from, e.g. an ensemble's or a bigger net's")
    p.add_argument("--distill", type=_number(float, 0, low_ok=False, high=1, high_ok=True),
                   help="with --teacher: the share of each training image's target that is the teacher's answer, "
                   "the rest the label (default 0.5)")
    p.add_argument("--logdir", help="write TensorBoard logs into this folder (curves, weight histograms, confusion "
                   "matrix, filters, graph; 'tensorboard --logdir DIR' shows them), and the curves as curves.csv")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mnist-pad", description="Draw digits, watch a CNN read them, teach it your handwriting. "
        "Without a subcommand, opens the window."
    )
    parser.add_argument("--version", action="version", version=f"mnist-pad {__version__}")
    _add_weights_arg(parser, None)
    _add_device_arg(parser, "auto")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("train", help="train an architecture from scratch")
    p.add_argument("--arch", default="default", help=f"architecture, one of: {_ARCH_NAMES} (default: default; "
                   "'mnist-pad archs' describes them)")
    p.add_argument("--epochs", type=_POSITIVE, help="epochs (default: the recipe's)")
    p.add_argument("--seed", type=_COUNT, default=0, help="random seed: initial weights, validation split, batch "
                   "order and augmentation (default: 0)")
    p.add_argument("--out", help="checkpoint to write (.safetensors); default: a new model in your models folder, "
                   "named <arch>-<dataset> (as the window names it)")
    p.add_argument("--recipe", help="ours (default; with the world's digit styles and non-digits), quick (short), "
                   "article (a seed article's own recipe) or mnist-only (ours on MNIST alone)")
    p.add_argument("--batch-size", type=_POSITIVE, help="images per optimizer step, over all the processes under "
                   "torchrun (default: the recipe's)")
    p.add_argument("--lr", type=_number(float, 0, low_ok=False), help="peak learning rate (default: the recipe's)")
    p.add_argument("--limit", type=_POSITIVE, help="train on only the first N training images (quick tries)")
    p.add_argument("--val-size", type=_COUNT, help="training images held out for validation (default 5000)")
    _add_snapshots_arg(p, "about 64 in the run")
    _add_technique_args(p)
    _add_device_arg(p)
    _add_data_args(p)

    p = sub.add_parser("eval", help="evaluate a checkpoint on a test set")
    _add_weights_arg(p)
    _add_input_norm_arg(p)
    _add_device_arg(p)
    _add_data_args(p)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")

    sub.add_parser("archs", help="list the architectures with their parameter counts")

    p = sub.add_parser("export", help="export a checkpoint to ONNX")
    _add_weights_arg(p)
    _add_input_norm_arg(p)
    p.add_argument("--onnx", required=True, help="output .onnx file")
    p.add_argument("--int8", action="store_true", help="quantise to int8 (ONNX Runtime, static QDQ, its ranges "
                   "measured on 300 training images of --dataset): a quarter of the size, about twice as fast "
                   "(docs/compression.md)")
    _add_data_args(p)

    p = sub.add_parser("prune", help="zero the smallest weights of a checkpoint, then fine-tune briefly to recover")
    _add_weights_arg(p)
    p.add_argument("--amount", type=_number(float, 0, low_ok=False, high=1), required=True,
                   help="fraction of the conv and linear weights to zero, smallest first over the whole net (e.g. 0.5)")
    p.add_argument("--out", required=True, help="checkpoint to write (.safetensors); never the base")
    p.add_argument("--steps", type=_COUNT, default=300, help="fine-tuning steps of 128 training images after "
                   "pruning, the zeros kept (default 300; 0: none)")
    p.add_argument("--lr", type=_number(float, 0, low_ok=False), help="peak learning rate of the fine-tune "
                   "(default 3e-3)")
    p.add_argument("--seed", type=_COUNT, default=0, help="random seed: the images and their augmentation (default 0)")
    _add_device_arg(p)
    _add_data_args(p)

    p = sub.add_parser("predict", help="read digits from image files")
    p.add_argument("images", nargs="+", help="PNG/JPEG files, any size, either polarity")
    _add_weights_arg(p)
    _add_input_norm_arg(p)
    _add_device_arg(p, auto="the CPU, which reads one image faster than a GPU launch")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--number", action="store_true", help="read several digits side by side (a number), from a "
                   "drawing or a photo of paper: the digits left to right, each with its box and status (default "
                   "--weights: reader)")

    p = sub.add_parser("finetune", help="fine-tune a checkpoint on your own labelled drawings")
    p.add_argument("--samples", required=True, help="folder of <label>/*.png [+ manifest.json], or a sample store")
    _add_weights_arg(p)
    _add_input_norm_arg(p)
    p.add_argument("--out", required=True, help="checkpoint to write (.safetensors); never the base")
    p.add_argument("--layers", help="top | head | all | all-bn-frozen (default: top, the benchmark's best)")
    p.add_argument("--steps", type=_POSITIVE, help="optimizer steps")
    p.add_argument("--lr", type=_number(float, 0, low_ok=False), help="peak learning rate")
    p.add_argument("--replay", type=_number(float, 0), help="MNIST training images per sample in each batch (0: none)")
    p.add_argument("--holdout", type=_number(float, 0, high=1), help="fraction of each class held out for the "
                   "before/after accuracy")
    p.add_argument("--mnist-eval", type=_COUNT, help="MNIST test images for the forgetting check (0: skip)")
    p.add_argument("--seed", type=_COUNT, help="random seed: holdout split, batches and augmentation (default: 0)")
    p.add_argument("--threads", type=_POSITIVE, default=1, help="torch CPU threads (default 1: with small batches on "
                   "a shared 2-core CPU, more threads are far slower; see docs/finetune.md)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_snapshots_arg(p, "about 12; the held-out images are the test set's first")
    _add_device_arg(p)
    _add_data_args(p)

    p = sub.add_parser("download", help="download a dataset into the user cache (needs internet)")
    _add_dataset_arg(p)
    p.add_argument("--dest", help="folder to download into (default: the user cache)")
    return parser


def run(argv: list[str]) -> int:
    """Parse and run; the exit code: 0 ok, 1 a failure while running, 2 bad input or usage, 130 interrupted.
    Every refusal and failure is one line naming the file or argument, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if _refused_under_torchrun(args.command):
        return 2
    if args.command is None:
        return _open_window(args.weights, args.device)
    from .commands import COMMANDS
    from .core.checkpoint import CheckpointError
    from .core.data import DataError
    from .core.download import DownloadFailed
    from .core.files import WriteFailed

    handler = COMMANDS[args.command]
    try:
        return handler(args) or 0
    except KeyboardInterrupt:
        print(f"mnist-pad {args.command}: interrupted: nothing written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output left: __main__ ends quietly
        raise
    except (WriteFailed, DownloadFailed, OSError, MemoryError) as exc:  # the input was fine; running failed
        _say(args.command, exc)
        return 1
    except (DataError, CheckpointError, ValueError) as exc:  # BadInput, PreprocessError, DeviceError too
        _say(args.command, exc)
        return 2
    except RuntimeError as exc:
        _say(args.command, exc)
        return 1


def _refused_under_torchrun(command: str | None) -> bool:
    """Only train runs in several processes (core/distributed.py): another command, or the window, started by
    torchrun is refused in one line by each process rather than run N times."""
    size = os.environ.get("WORLD_SIZE", "1")
    if command == "train" or not size.isdigit() or int(size) <= 1:
        return False
    what = f"mnist-pad {command}" if command else "mnist-pad"
    print(f"{what}: error: only train runs in several processes (WORLD_SIZE={size}: torchrun); run "
          f"{command or 'the window'} without torchrun", file=sys.stderr)
    return True


def _open_window(weights: str | None, device: str) -> int:
    """The window, on the model ``--weights`` names (a file or a model's name); an unknown name is one line."""
    if weights is not None:
        from .core.catalog import resolve_model
        from .core.files import BadInput

        try:
            weights = str(resolve_model(weights))
        except BadInput as exc:
            print(f"mnist-pad: error: {exc}", file=sys.stderr)
            return 2
    # No cyclic garbage collection while torch, Qt and the window load: it ran five full collections there,
    # about 0.45 s of the 1.7 s start on two cores (docs/startup.md). The window collects on its own timer.
    gc.disable()
    from .qt.app import launch  # the only place the CLI touches Qt

    return launch(weights=weights, device=device)


def _say(command: str, exc: BaseException) -> None:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror or exc}"
    print(f"mnist-pad {command}: error: {text}", file=sys.stderr)
