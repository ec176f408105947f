"""Command line: ``mnist-pad`` opens the window; ``mnist-pad SUBCOMMAND`` runs headless (no Qt import)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the problem, then where to look), exit code 2."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _number(kind: type, low: float, low_ok: bool = True, high: float | None = None):
    """An argparse type: a finite ``kind`` >= ``low`` (> when not ``low_ok``) and < ``high``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a{'n integer' if kind is int else ' number'}") from None
        bounds = f"{'>=' if low_ok else '>'} {low}" + (f" and < {high}" if high is not None else "")
        if value != value or value in (float("inf"), float("-inf")) or not (value >= low if low_ok else value > low) \
                or (high is not None and value >= high):
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {bounds}")
        return value

    return parse


_POSITIVE = _number(int, 1)
_COUNT = _number(int, 0)


def _add_data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", default="mnist", help="mnist | fashion-mnist (default: mnist)")
    p.add_argument("--data-dir", help="folder holding the four IDX files (else $MNIST_PAD_DATA, then the user cache)")
    p.add_argument("--no-download", action="store_true", help="never download missing data")


# Subcommands suppress their defaults for the options the main parser has too: argparse lets a subparser's
# default overwrite the main parser's value, which silently dropped X in 'mnist-pad --weights X eval'.
def _add_weights_arg(p: argparse.ArgumentParser, default: str | None = argparse.SUPPRESS) -> None:
    p.add_argument(
        "--weights", default=default, help="checkpoint (.safetensors) to use; default: the shipped 'default' model"
    )


def _add_device_arg(p: argparse.ArgumentParser, default: str = argparse.SUPPRESS) -> None:
    p.add_argument("--device", default=default, help="auto | cpu | cuda (default: auto, CUDA when present)")


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
    p.add_argument("--arch", default="default", help="architecture (see 'mnist-pad archs')")
    p.add_argument("--epochs", type=_POSITIVE, help="epochs (default: the recipe's)")
    p.add_argument("--seed", type=_COUNT, default=0)
    p.add_argument("--out", required=True, help="checkpoint to write (.safetensors)")
    p.add_argument("--recipe", help="ours (default), quick (short), or article (a seed article's own recipe)")
    p.add_argument("--batch-size", type=_POSITIVE)
    p.add_argument("--lr", type=_number(float, 0, low_ok=False))
    p.add_argument("--limit", type=_POSITIVE, help="train on only the first N training images (quick tries)")
    p.add_argument("--val-size", type=_COUNT, help="training images held out for validation (default 5000)")
    _add_device_arg(p)
    _add_data_args(p)

    p = sub.add_parser("eval", help="evaluate a checkpoint on a test set")
    _add_weights_arg(p)
    _add_device_arg(p)
    _add_data_args(p)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")

    sub.add_parser("archs", help="list the architectures with their parameter counts")

    p = sub.add_parser("export", help="export a checkpoint to ONNX")
    _add_weights_arg(p)
    p.add_argument("--onnx", required=True, help="output .onnx file")

    p = sub.add_parser("predict", help="read digits from image files")
    p.add_argument("images", nargs="+", help="PNG/JPEG files, any size, either polarity")
    _add_weights_arg(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("finetune", help="fine-tune a checkpoint on your own labelled drawings")
    p.add_argument("--samples", required=True, help="folder of <label>/*.png [+ manifest.json], or a sample store")
    _add_weights_arg(p)
    p.add_argument("--out", required=True, help="checkpoint to write (.safetensors); never the base")
    p.add_argument("--layers", help="top | head | all | all-bn-frozen (default: top, the benchmark's best)")
    p.add_argument("--steps", type=_POSITIVE, help="optimizer steps")
    p.add_argument("--lr", type=_number(float, 0, low_ok=False), help="peak learning rate")
    p.add_argument("--replay", type=_number(float, 0), help="MNIST training images per sample in each batch (0: none)")
    p.add_argument("--holdout", type=_number(float, 0, high=1), help="fraction of each class held out for the "
                   "before/after accuracy")
    p.add_argument("--mnist-eval", type=_COUNT, help="MNIST test images for the forgetting check (0: skip)")
    p.add_argument("--seed", type=_COUNT)
    p.add_argument("--threads", type=_POSITIVE, default=1, help="torch CPU threads (default 1: with small batches on "
                   "a shared 2-core CPU, more threads are far slower; see docs/finetune.md)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_device_arg(p)
    _add_data_args(p)

    p = sub.add_parser("download", help="download a dataset into the user cache (needs internet)")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--dest", help="folder to download into (default: the user cache)")
    return parser


def run(argv: list[str]) -> int:
    """Parse and run; the exit code: 0 ok, 1 a failure while running, 2 bad input or usage, 130 interrupted.
    Every refusal and failure is one line naming the file or argument, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from .qt.app import launch  # the only place the CLI touches Qt

        return launch(weights=args.weights, device=args.device)
    from .core.checkpoint import CheckpointError
    from .core.data import DataError
    from .core.files import WriteFailed

    handler = COMMANDS[args.command]
    try:
        return handler(args) or 0
    except KeyboardInterrupt:
        print(f"mnist-pad {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output left: __main__ ends quietly
        raise
    except (WriteFailed, OSError, MemoryError) as exc:  # the input was fine; running failed
        _say(args.command, exc)
        return 1
    except (DataError, CheckpointError, ValueError) as exc:  # BadInput, PreprocessError, DeviceError too
        _say(args.command, exc)
        return 2
    except RuntimeError as exc:
        _say(args.command, exc)
        return 1


def _say(command: str, exc: BaseException) -> None:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror or exc}"
    print(f"mnist-pad {command}: error: {text}", file=sys.stderr)


def _weights_path(weights: str | None) -> Path:
    from .core.paths import shipped_weights

    return Path(weights) if weights else shipped_weights("default")


def _load_model(weights: str | None, device: str = "cpu"):
    from .core.checkpoint import load
    from .core.device import resolve_device

    dev = resolve_device(device)  # a wrong device is refused before the file is read
    return load(_weights_path(weights), dev)


def _check_out(path: str, what: str, size_hint: int = 0, inputs: tuple = ()) -> Path:
    """An output path checked before any work (see :func:`mnist_pad.core.files.check_output`): never a
    folder, a device, an input of the same command or a file shipped with mnist-pad."""
    from .core.files import check_output
    from .core.paths import resources_dir

    return check_output(path, what, protected=(resources_dir(),), inputs=inputs, size_hint=size_hint)


def _data_folder(dataset: str, data_dir: str | None, allow_download: bool) -> Path | None:
    """The folder the dataset will be read from, named on stderr (before the work): an explicit
    ``--data-dir`` is used or refused. None when it is missing and may still be downloaded."""
    from .core.data import DataMissing, locate

    try:
        folder = locate(dataset, data_dir)["test-images"].parent
    except DataMissing:
        if data_dir is not None or not allow_download:
            raise
        return None
    print(f"{dataset} data: {folder}", file=sys.stderr)
    return folder


def _model_size(arch: str) -> int:
    """Bytes the checkpoint of ``arch`` will take (its model built on the meta device: no memory)."""
    import torch

    from .core.checkpoint import size_estimate
    from .core.models import build, get_arch

    with torch.device("meta"):
        return size_estimate(build(get_arch(arch)))


def cmd_archs(args) -> int:
    from .core.models import ARCHS, build, parameter_count

    for name, cfg in ARCHS.items():
        print(f"{name:15s} {parameter_count(build(cfg)):>10,d}  {cfg.description}")
    return 0


def cmd_eval(args) -> int:
    from .core.data import get_spec, load_or_download
    from .core.evaluate import evaluate
    from .core.files import dumps_json

    spec = get_spec(args.dataset)
    ckpt = _load_model(args.weights, args.device)
    _data_folder(args.dataset, args.data_dir, not args.no_download)
    test = load_or_download(args.dataset, "test", args.data_dir, not args.no_download)
    rep = evaluate(ckpt.model, test, spec.classes)
    if args.json:
        print(dumps_json({"weights": str(ckpt.path), "dataset": args.dataset, **rep.to_dict()}))
    else:
        print(f"{ckpt.path} on {args.dataset} test")
        print(rep.format())
    return 0


def cmd_train(args) -> int:
    from dataclasses import replace

    from tqdm import tqdm

    from .core.checkpoint import save
    from .core.data import get_spec, load_or_download
    from .core.device import describe, resolve_device
    from .core.evaluate import evaluate
    from .core.recipes import recipe_for
    from .core.progress import describe as format_progress
    from .core.train import Trainer, split_validation

    cfg = recipe_for(args.arch, args.recipe or "ours")
    overrides = {"seed": args.seed, "device": args.device, "dataset": args.dataset}
    for key in ("epochs", "batch_size", "lr", "val_size"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    cfg = replace(cfg, **overrides)
    spec = get_spec(args.dataset)
    resolve_device(cfg.device)
    out = _check_out(args.out, "--out", _model_size(cfg.arch))
    _data_folder(args.dataset, args.data_dir, not args.no_download)
    train_full = load_or_download(args.dataset, "train", args.data_dir, not args.no_download)
    test = load_or_download(args.dataset, "test", args.data_dir, not args.no_download)
    if args.limit:
        train_full = train_full.subset(slice(0, args.limit))
    train, val = split_validation(train_full, min(cfg.val_size, len(train_full) // 5), cfg.seed)
    if len(train) < cfg.batch_size:
        raise ValueError(f"--batch-size {cfg.batch_size} is more than the {len(train)} training images")
    trainer = Trainer(cfg, train, val)
    print(f"training {cfg.arch} on {args.dataset} ({len(train)} images, {len(val) if val else 0} validation) "
          f"on {describe(trainer.device)}", file=sys.stderr)
    bar = tqdm(total=len(train) // cfg.batch_size * cfg.epochs, unit="step", dynamic_ncols=True)
    done = 0
    interrupted = False
    try:
        for p in trainer.run():
            bar.update(p.step - done)
            done = p.step
            bar.set_postfix_str(f"ep {p.epoch}/{p.epochs} {format_progress(p)}")
            if p.kind == "epoch":
                bar.write(f"epoch {p.epoch}: {format_progress(p)} ({p.seconds:.0f} s)")
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if interrupted:
        print(f"interrupted: nothing written to {out}", file=sys.stderr)
        return 130
    last = trainer.history[-1]
    test_acc = evaluate(trainer.model, test, spec.classes).accuracy
    save(
        out, trainer.model, name=out.stem, dataset=args.dataset,
        classes=list(spec.classes), val_accuracy=last.val_accuracy, test_accuracy=test_acc,
        train_seconds=last.seconds, epochs_run=last.epoch, recipe=cfg.to_dict(), train_images=len(train),
    )
    print(f"test accuracy {test_acc * 100:.2f}%; wrote {out}")
    return 0


def cmd_export(args) -> int:
    from .core.export import export_onnx

    out = _check_out(args.onnx, "--onnx", inputs=(_weights_path(args.weights),))
    ckpt = _load_model(args.weights)
    export_onnx(ckpt.model, out)
    print(f"wrote {out}")
    return 0


def cmd_predict(args) -> int:
    from .core.files import check_input_file, dumps_json
    from .core.explain import Predictor
    from .core.preprocess import PreprocessError, load_image

    for path in args.images:  # every file is looked at before any work
        check_input_file(path, "image file")
    predictor = Predictor(_load_model(args.weights).model)
    failures = 0
    for path in args.images:
        try:
            pred = predictor.predict(load_image(path))
        except PreprocessError as exc:
            print(f"mnist-pad predict: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        probs = None if pred.probabilities is None else [round(float(p), 6) for p in pred.probabilities]
        if args.json:
            print(dumps_json({"file": path, "prediction": pred.top, "probabilities": probs}))
        elif pred.top is None:
            print(f"{path}: no ink found")
        else:
            print(f"{path}: {pred.top} ({probs[pred.top] * 100:.1f}%)")
    return 2 if failures else 0


def cmd_download(args) -> int:
    from .core.data import cache_dir, download, get_spec

    spec = get_spec(args.dataset)
    dest = Path(args.dest) if args.dest else cache_dir() / args.dataset
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"--dest {dest}: is a file, not a folder")
    for name in spec.files.values():
        _check_out(dest / name, "--dest")
    t = time.perf_counter()
    folder = download(args.dataset, dest)
    print(f"{args.dataset} is in {folder} ({time.perf_counter() - t:.0f} s)")
    return 0


def cmd_finetune(args) -> int:
    from dataclasses import replace

    from tqdm import tqdm

    from .core.checkpoint import save, size_estimate
    from .core.data import get_spec, load_or_download
    from .core.device import resolve_device
    from .core.files import dumps_json
    from .core.finetune import FinetuneConfig, finetune, with_forgetting
    from .core.samples import read_folder, samples_to_split
    from .core.steps import drive

    base = _weights_path(args.weights)
    get_spec(args.dataset)
    overrides = {"device": args.device}
    for key in ("layers", "steps", "lr", "replay", "holdout", "mnist_eval", "seed"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    cfg = replace(FinetuneConfig(), **overrides)
    resolve_device(cfg.device)
    ckpt = _load_model(str(base))
    if Path(args.out).exists() and Path(args.out).resolve() == base.resolve():
        raise ValueError(f"--out {args.out} is the base checkpoint; fine-tuning never overwrites it")
    out = _check_out(args.out, "--out", size_estimate(ckpt.model), inputs=(base,))
    samples, problems = read_folder(args.samples)
    for problem in problems:
        print(f"mnist-pad finetune: skipped {problem}", file=sys.stderr)
    if not samples:
        raise ValueError(f"{args.samples}: no readable samples")
    if cfg.replay > 0 or cfg.mnist_eval > 0:
        _data_folder(args.dataset, args.data_dir, not args.no_download)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    load = lambda split: load_or_download(args.dataset, split, args.data_dir, not args.no_download)  # noqa: E731
    replay = load("train") if cfg.replay > 0 else None
    test = load("test") if cfg.mnist_eval > 0 else None
    bar = tqdm(total=cfg.steps, unit="step", dynamic_ncols=True, desc="fine-tuning")

    def show(p) -> None:
        bar.update(p.step - bar.n)
        if p.loss is not None:
            bar.set_postfix_str(f"loss {p.loss:.3f} acc {p.accuracy * 100:.0f}%")

    try:
        result = drive(finetune(ckpt.model, samples_to_split(samples), replay, cfg), show)
        bar.close()
        result = with_forgetting(result, ckpt.model, test, cfg)
    except KeyboardInterrupt:
        print(f"interrupted: nothing written to {out}", file=sys.stderr)
        return 130
    finally:
        bar.close()
    rep = result.report
    meta = {k: ckpt.meta[k] for k in ("dataset", "classes") if k in ckpt.meta}
    save(out, result.model, name=out.stem, **meta, base=str(base), test_accuracy=rep.mnist_after,
         finetune=rep.to_dict())
    if args.json:
        print(dumps_json({"weights": str(base), "out": str(out), "samples": str(args.samples),
                          "skipped": [str(p) for p in problems], **rep.to_dict()}))
        return 0

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{v * 100:.2f}%"

    print(f"fine-tuned on {rep.samples_used} samples in {rep.seconds:.1f} s ({rep.heldout} held out)")
    print(f"held-out samples: {pct(rep.heldout_before and rep.heldout_before.accuracy)} -> "
          f"{pct(rep.heldout_after and rep.heldout_after.accuracy)}")
    print(f"MNIST test: {pct(rep.mnist_before)} -> {pct(rep.mnist_after)}")
    print(f"wrote {out}")
    return 0


COMMANDS = {"archs": cmd_archs, "eval": cmd_eval, "train": cmd_train, "export": cmd_export, "predict": cmd_predict,
            "download": cmd_download, "finetune": cmd_finetune}
