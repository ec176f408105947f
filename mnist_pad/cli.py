"""Command line: ``mnist-pad`` opens the window; ``mnist-pad SUBCOMMAND`` runs headless (no Qt import)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import __version__


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
    parser = argparse.ArgumentParser(
        prog="mnist-pad", description="Draw digits, watch a CNN read them, teach it your handwriting. "
        "Without a subcommand, opens the window."
    )
    parser.add_argument("--version", action="version", version=f"mnist-pad {__version__}")
    _add_weights_arg(parser, None)
    _add_device_arg(parser, "auto")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("train", help="train an architecture from scratch")
    p.add_argument("--arch", default="default", help="architecture (see 'mnist-pad archs')")
    p.add_argument("--epochs", type=int, help="epochs (default: the recipe's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="checkpoint to write (.safetensors)")
    p.add_argument("--recipe", help="ours (default), quick (short), or article (a seed article's own recipe)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--limit", type=int, help="train on only the first N training images (quick tries)")
    p.add_argument("--val-size", type=int, help="training images held out for validation (default 5000)")
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
    p.add_argument("--steps", type=int, help="optimizer steps")
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--replay", type=float, help="MNIST training images per sample in each batch (0: none)")
    p.add_argument("--holdout", type=float, help="fraction of each class held out for the before/after accuracy")
    p.add_argument("--mnist-eval", type=int, help="MNIST test images for the forgetting check (0: skip)")
    p.add_argument("--seed", type=int)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: with small batches on "
                   "a shared 2-core CPU, more threads are far slower; see docs/finetune.md)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_device_arg(p)
    _add_data_args(p)

    p = sub.add_parser("download", help="download a dataset into the user cache (needs internet)")
    p.add_argument("--dataset", default="mnist")
    p.add_argument("--dest", help="folder to download into (default: the user cache)")
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from .qt.app import launch  # the only place the CLI touches Qt

        return launch(weights=args.weights, device=args.device)
    from .core.checkpoint import CheckpointError
    from .core.data import DataError
    from .core.preprocess import PreprocessError

    handler = globals()[f"cmd_{args.command}"]
    try:
        return handler(args) or 0
    except (DataError, CheckpointError, PreprocessError, ValueError, RuntimeError) as exc:
        print(f"mnist-pad {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _load_model(weights: str | None, device: str = "cpu"):
    from .core.checkpoint import load
    from .core.device import resolve_device
    from .core.paths import shipped_weights

    return load(weights or shipped_weights("default"), resolve_device(device))


def cmd_archs(args) -> int:
    from .core.models import ARCHS, build, parameter_count

    for name, cfg in ARCHS.items():
        print(f"{name:15s} {parameter_count(build(cfg)):>10,d}  {cfg.description}")
    return 0


def cmd_eval(args) -> int:
    from .core.data import get_spec, load_or_download
    from .core.evaluate import evaluate

    ckpt = _load_model(args.weights, args.device)
    test = load_or_download(args.dataset, "test", args.data_dir, not args.no_download)
    rep = evaluate(ckpt.model, test, get_spec(args.dataset).classes)
    if args.json:
        print(json.dumps({"weights": str(ckpt.path), "dataset": args.dataset, **rep.to_dict()}))
    else:
        print(f"{ckpt.path} on {args.dataset} test")
        print(rep.format())
    return 0


def cmd_train(args) -> int:
    from dataclasses import replace

    from tqdm import tqdm

    from .core.checkpoint import save
    from .core.data import get_spec, load_or_download
    from .core.device import describe
    from .core.evaluate import evaluate
    from .core.recipes import recipe_for
    from .core.train import Trainer, format_progress, split_validation

    cfg = recipe_for(args.arch, args.recipe or "ours")
    overrides = {"seed": args.seed, "device": args.device, "dataset": args.dataset}
    for key in ("epochs", "batch_size", "lr", "val_size"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    cfg = replace(cfg, **overrides)
    train_full = load_or_download(args.dataset, "train", args.data_dir, not args.no_download)
    test = load_or_download(args.dataset, "test", args.data_dir, not args.no_download)
    if args.limit:
        train_full = train_full.subset(slice(0, args.limit))
    train, val = split_validation(train_full, min(cfg.val_size, len(train_full) // 5), cfg.seed)
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
        print(f"interrupted: nothing written to {args.out}", file=sys.stderr)
        return 130
    last = trainer.history[-1]
    test_acc = evaluate(trainer.model, test, get_spec(args.dataset).classes).accuracy
    save(
        args.out, trainer.model, name=Path(args.out).stem, dataset=args.dataset,
        classes=list(get_spec(args.dataset).classes), val_accuracy=last.val_accuracy, test_accuracy=test_acc,
        train_seconds=last.seconds, epochs_run=last.epoch, recipe=cfg.to_dict(), train_images=len(train),
    )
    print(f"test accuracy {test_acc * 100:.2f}%; wrote {args.out}")
    return 0


def cmd_export(args) -> int:
    from .core.export import export_onnx

    ckpt = _load_model(args.weights)
    export_onnx(ckpt.model, args.onnx)
    print(f"wrote {args.onnx}")
    return 0


def cmd_predict(args) -> int:
    from .core.inspect import Predictor
    from .core.preprocess import PreprocessError, load_image

    predictor = Predictor(_load_model(args.weights).model)
    failures = 0
    for path in args.images:
        try:
            pred = predictor.predict(load_image(path))
        except PreprocessError as exc:
            print(f"mnist-pad predict: {exc}", file=sys.stderr)
            failures += 1
            continue
        probs = None if pred.probabilities is None else [round(float(p), 6) for p in pred.probabilities]
        if args.json:
            print(json.dumps({"file": path, "prediction": pred.top, "probabilities": probs}))
        elif pred.top is None:
            print(f"{path}: no ink found")
        else:
            print(f"{path}: {pred.top} ({probs[pred.top] * 100:.1f}%)")
    return 1 if failures else 0


def cmd_download(args) -> int:
    from .core.data import download

    t = time.perf_counter()
    folder = download(args.dataset, args.dest)
    print(f"{args.dataset} is in {folder} ({time.perf_counter() - t:.0f} s)")
    return 0


def cmd_finetune(args) -> int:
    from dataclasses import replace

    from tqdm import tqdm

    from .core.checkpoint import save
    from .core.data import load_or_download
    from .core.finetune import FinetuneConfig, finetune
    from .core.paths import shipped_weights
    from .core.samples import read_folder, samples_to_split

    base = Path(args.weights or shipped_weights("default"))
    out = Path(args.out)
    if out.resolve() == base.resolve():
        raise ValueError(f"--out {out} is the base checkpoint; fine-tuning never overwrites it")
    try:
        samples, problems = read_folder(args.samples)
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from None
    for problem in problems:
        print(f"mnist-pad finetune: skipped {problem}", file=sys.stderr)
    if not samples:
        raise ValueError(f"{args.samples}: no readable samples")
    overrides = {"device": args.device}
    for key in ("layers", "steps", "lr", "replay", "holdout", "mnist_eval", "seed"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    cfg = replace(FinetuneConfig(), **overrides)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    ckpt = _load_model(str(base))
    load = lambda split: load_or_download("mnist", split, args.data_dir, not args.no_download)  # noqa: E731
    replay = load("train") if cfg.replay > 0 else None
    test = load("test") if cfg.mnist_eval > 0 else None
    bar = tqdm(total=cfg.steps, unit="step", dynamic_ncols=True, desc="fine-tuning")
    try:
        for p in finetune(ckpt.model, samples_to_split(samples), replay, cfg, test):
            bar.update(p.step - bar.n)
            if p.loss is not None:
                bar.set_postfix_str(f"loss {p.loss:.3f} acc {p.accuracy * 100:.0f}%")
            result = p.result
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
        print(json.dumps({"weights": str(base), "out": str(out), "samples": str(args.samples),
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
