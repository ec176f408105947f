"""The headless subcommands (``mnist-pad train``, ``eval``, ``predict``, ...): each checks its inputs and
outputs before any work (core.files), then runs the core with a progress bar. :mod:`mnist_pad.cli` parses
the arguments and turns every refusal and failure into one line and an exit code."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .command_io import check_out, data_folder, load_model, open_model, weights_path
from .training_commands import cmd_finetune, cmd_prune, cmd_train


def cmd_archs(args) -> int:
    from .core.models import ARCHS, build, parameter_count

    for name, cfg in ARCHS.items():
        print(f"{name:15s} {parameter_count(build(cfg)):>10,d}  {cfg.description}")
    return 0


def cmd_eval(args) -> int:
    from .core.checkpoint import Checkpoint
    from .core.data import get_spec
    from .core.download import load_or_download
    from .core.evaluate import evaluate
    from .core.files import dumps_json
    from .core.models import ConvNet
    from .core.recipes import check_fits

    spec = get_spec(args.dataset)
    model = open_model(weights_path(args.weights), args.device, args.input_norm)
    if isinstance(getattr(model, "model", None), ConvNet):  # a net that cannot take the images: refused before reading
        check_fits(model.model.cfg, args.dataset)
    elif spec.image_shape != (1, 28, 28):  # an ONNX model of another tool reads 28x28 grey images only
        raise ValueError(f"{model.path}: an ONNX model here reads 28x28 grey images; {args.dataset}'s are "
                         f"{'x'.join(map(str, spec.image_shape))}")
    data_folder(args.dataset, args.data_dir, not args.no_download)
    test = load_or_download(args.dataset, "test", args.data_dir, not args.no_download)
    if isinstance(model, Checkpoint):
        rep = evaluate(model.model, test, spec.classes)
    else:  # an ONNX model of another tool
        rep = model.evaluate(test, spec.classes)
    if args.json:
        print(dumps_json({"weights": str(model.path), "dataset": args.dataset, **rep.to_dict()}))
    else:
        print(f"{model.path} on {args.dataset} test")
        print(rep.format())
    return 0


def cmd_export(args) -> int:
    from .core.export import export_onnx
    from .core.recipes import check_fits

    if not args.int8 and (args.data_dir is not None or args.no_download or args.dataset != "mnist"):
        raise ValueError("--dataset, --data-dir and --no-download choose the calibration images of --int8; "
                         "without --int8 no data is read")
    source = weights_path(args.weights)
    out = check_out(args.onnx, "--onnx", inputs=(source,))
    ckpt = load_model(source, input_norm=args.input_norm, what="exported (it is ONNX already)")
    if args.int8:
        from .core.compress import calibration_images, export_int8
        from .core.download import load_or_download

        check_fits(ckpt.model.cfg, args.dataset)  # the calibration images must be of the kind the model reads
        data_folder(args.dataset, args.data_dir, not args.no_download)
        train = load_or_download(args.dataset, "train", args.data_dir, not args.no_download)
        export_int8(ckpt.model, out, calibration_images(train))
    else:
        export_onnx(ckpt.model, out)
    print(f"wrote {out}" + (" (int8)" if args.int8 else ""))
    return 0


def cmd_predict(args) -> int:
    from .core.files import check_input_file, dumps_json
    from .core.foreign import predictor_for
    from .core.number import read_number
    from .core.photo import load_photo
    from .core.preprocess import PreprocessError, load_image

    for path in args.images:  # every file is looked at before any work
        check_input_file(path, "image file")
    # auto is the CPU, as in the window: for one image at a time it is faster than a GPU launch
    device = "cpu" if args.device == "auto" else args.device
    # A number is read by the reader unless told otherwise: cutting touching digits needs a model that answers
    # flatly on two digits side by side, and numbers come in the world's styles (docs/numbers.md).
    weights = args.weights or ("reader" if args.number else None)
    predictor = predictor_for(open_model(weights_path(weights), device, args.input_norm))
    failures = 0
    for path in args.images:
        try:
            if args.number:  # a photo or a drawing of several digits
                reading = read_number(predictor, load_photo(path))
                print(dumps_json(reading.to_json(path)) if args.json else f"{path}: {_describe_number(reading)}")
                continue
            pred = predictor.predict(load_image(path))
        except PreprocessError as exc:
            print(f"mnist-pad predict: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        probs = None if pred.probabilities is None else [round(float(p), 6) for p in pred.probabilities]
        if args.json:
            print(dumps_json({"file": path, "prediction": pred.top, "probabilities": probs, "status": pred.status}))
        else:
            print(f"{path}: {_describe(pred)}")
    return 2 if failures else 0


def _describe_number(reading) -> str:
    """The number and its least sure digit, in one line."""
    if not reading.digits:
        return "no ink found"
    weakest = min(reading.digits, key=lambda d: float(d.probabilities[d.prediction]))
    where = reading.digits.index(weakest) + 1
    status = "" if weakest.status == "ok" else f", {weakest.status.replace('_', ' ')}"
    return (f"{reading.number} ({reading.status.replace('_', ' ')}; least sure: digit {where}, "
            f"{weakest.prediction} at {weakest.probabilities[weakest.prediction] * 100:.1f}%{status})")


def _describe(pred) -> str:
    """One prediction in words, with the same statuses as the JSON and the pad."""
    if pred.probabilities is None:
        return "no ink found"
    top = f"{pred.top} ({pred.probabilities[pred.top] * 100:.1f}%)"
    if pred.status == "not_a_digit":
        return f"not a digit (score {pred.score * 100:.0f}%; closest {top})"
    return f"unsure: maybe {top}" if pred.status == "unsure" else top


def cmd_download(args) -> int:
    from .core.data import cache_dir, get_spec
    from .core.download import download

    spec = get_spec(args.dataset)
    dest = Path(args.dest) if args.dest else cache_dir() / args.dataset
    what = "--dest" if args.dest else "the download folder"
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"{what} {dest}: is a file, not a folder")
    for name in spec.downloads:
        check_out(dest / name, what)
    t = time.perf_counter()
    folder = download(args.dataset, dest)
    print(f"{args.dataset} is in {folder} ({time.perf_counter() - t:.0f} s)")
    return 0


COMMANDS = {"archs": cmd_archs, "eval": cmd_eval, "train": cmd_train, "export": cmd_export, "predict": cmd_predict,
            "download": cmd_download, "finetune": cmd_finetune, "prune": cmd_prune}
