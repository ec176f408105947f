"""The subcommands that train: ``mnist-pad train`` (alone or in several processes under torchrun), ``finetune``
and ``prune``; each checks its inputs and outputs before any work, then runs the core with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

from .command_io import check_out, data_folder, load_model, progress_bar, weights_path


def _model_size(arch) -> int:
    """Bytes the checkpoint of ``arch`` (a name or an ArchConfig) will take (built on the meta device: no memory)."""
    import torch

    from .core.checkpoint import size_estimate
    from .core.models import build

    with torch.device("meta"):
        return size_estimate(build(arch))


def _techniques(args, optimizer: str) -> dict:
    """The TrainConfig fields that train's technique options ask for (README, "Training techniques"); a bad
    combination refused, naming the options. ``optimizer``: the recipe's."""
    from .core.augment import parse_augment

    chosen = {k: getattr(args, k) for k in ("optimizer", "momentum", "l1", "dropout", "stride", "init", "schedule")
              if getattr(args, k) is not None}
    if (args.momentum is not None or args.nesterov) and chosen.get("optimizer", optimizer) != "sgd":
        raise ValueError(f"--momentum and --nesterov are SGD's; the optimizer is {chosen.get('optimizer', optimizer)}")
    if args.patience and args.val_size == 0:
        raise ValueError("--patience watches the validation images; --val-size 0 leaves none")
    if args.nesterov:
        chosen["nesterov"] = True
    if args.l2 is not None:
        chosen["weight_decay"] = args.l2
    if args.batchnorm is not None:
        chosen["batchnorm"] = args.batchnorm == "on"
    if args.patience:
        chosen["early_stopping"] = args.patience
    if args.augment is not None:
        try:
            chosen["augment"] = parse_augment(args.augment)
        except ValueError as exc:
            raise ValueError(f"--augment {args.augment}: {exc}") from None
    return chosen


def _teaching(args) -> dict:
    """The TrainConfig fields of --teacher and --distill; a teacher that cannot teach this run refused before any
    work, naming it."""
    from .core.recipes import check_fits

    if args.teacher is None:
        if args.distill is not None:
            raise ValueError("--distill is the share learnt from --teacher: give --teacher MODEL too")
        return {}
    path = weights_path(args.teacher)
    teacher = load_model(path, what="a teacher (its answers are worked out by torch)")
    try:
        check_fits(teacher.model.cfg, args.dataset)
    except ValueError as exc:
        raise ValueError(f"--teacher {args.teacher}: {exc}") from None
    taught = teacher.meta.get("dataset", args.dataset)
    if taught != args.dataset:
        raise ValueError(f"--teacher {args.teacher}: it reads {taught}, and this run trains on {args.dataset}")
    return {"teacher": str(path), "distill": 0.5 if args.distill is None else args.distill}


def cmd_train(args) -> int:
    """train, in every process torchrun started (or in this one alone): rank 0 alone prints and writes
    (core/distributed.py; --batch-size is the global batch)."""
    from .core.distributed import joined, world_from_env

    world = world_from_env(args.device)  # a device that cannot give each process its own: refused before any work
    with joined(world):
        return _train(args, world)


def _train(args, world) -> int:
    from dataclasses import replace

    from .core.catalog import new_model_path
    from .core.data import get_spec
    from .core.device import describe
    from .core.download import load_or_download
    from .core.evaluate import evaluate
    from .core.jobs import trained_meta
    from .core.recipes import recipe_for
    from .core.snapshots import sidecar_path
    from .core.train import Trainer, split_validation

    cfg = recipe_for(args.arch, args.recipe or "ours", args.dataset)
    overrides = {"seed": args.seed, "device": world.device, **_techniques(args, cfg.optimizer),
                 **_teaching(args)}
    for key in ("epochs", "batch_size", "lr", "val_size"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    cfg = replace(cfg, **overrides)
    world.check_batch(cfg.batch_size)
    spec = get_spec(args.dataset)
    stem = f"{cfg.arch}-{cfg.dataset}"  # without --out: a new model in the models folder, named as the window does
    out = _check_train_outputs(args, cfg, args.out or new_model_path(stem))
    if args.snapshots != 0:
        check_out(sidecar_path(out), "--snapshots")
        if not cfg.val_size:
            raise ValueError("--snapshots: their confusion matrices need validation images, and --val-size is 0")
    data_folder(args.dataset, args.data_dir, not args.no_download)
    train_full = load_or_download(args.dataset, "train", args.data_dir, not args.no_download)
    test = load_or_download(args.dataset, "test", args.data_dir, not args.no_download)
    if args.limit:
        train_full = train_full.subset(slice(0, args.limit))
    train, val = split_validation(train_full, min(cfg.val_size, len(train_full) // 5), cfg.seed)
    if len(train) < cfg.batch_size:
        raise ValueError(f"--batch-size {cfg.batch_size} is more than the {len(train)} training images")
    trainer = Trainer(cfg, train, val, world=world)
    steps = len(trainer.train_data) // cfg.batch_size * cfg.epochs
    recorder = _recorder(args.snapshots if world.is_main else 0, steps, trainer.net, val, spec.classes)
    print(f"training {cfg.arch} on {args.dataset} ({len(train)} images, {len(val) if val else 0} validation) "
          f"on {describe(trainer.device)}{world.describe()}", file=sys.stderr)
    _run_training(trainer, steps, args.logdir if world.is_main else None, recorder)
    if not world.is_main:  # rank 0 tests and writes
        return 0
    if recorder is not None:
        recorder.take(trainer.model, trainer.history[-1].step, trainer.history[-1].epoch)
    test_acc = evaluate(trainer.model, test, spec.classes).accuracy
    if not args.out and out.exists():  # a run beside this one took the name meanwhile: never write over it
        out = new_model_path(stem)
    processes = {"processes": world.size} if world.size > 1 else {}
    _write_model(out, trainer.model, trained_meta(out, cfg, trainer, test_acc, val) | processes, recorder)
    named = "" if args.out else f" (model '{out.stem}')"
    print(f"test accuracy {test_acc * 100:.2f}%; wrote {out}{named}")
    return 0


def _recorder(snapshots: int | None, steps: int, net, val, classes, target: int | None = None):
    """The --snapshots recorder of a run of ``steps`` steps (None without it); a bad --snapshots is refused."""
    from .core.snapshots import TARGET, start_recording

    try:
        return start_recording(snapshots, steps, net, val, classes=classes, target=target or TARGET)
    except ValueError as exc:
        raise ValueError(f"--snapshots {'auto' if snapshots is None else snapshots}: {exc}") from None


def _write_model(out: Path, model, meta: dict, recorder) -> None:
    """Write the checkpoint, and the recorder's snapshots beside it (saying where) when there is one."""
    from .core.checkpoint import metadata, weights, write
    from .core.snapshots import save_beside, sidecar_path

    header = metadata(model, **meta)
    if recorder is not None:
        recording = save_beside(out, recorder.recording(), header)
        print(f"{len(recording.snapshots)} snapshots in {sidecar_path(out)} "
              f"({sidecar_path(out).stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    write(out, weights(model), header)


def _check_train_outputs(args, cfg, out: str | Path) -> Path:
    """train's checkpoint path and --logdir checked before any work (with the net the options ask for)."""
    try:
        arch = cfg.arch_config()
    except ValueError as exc:  # only strides can ask for a net whose feature maps vanish
        raise ValueError(f"--stride {','.join(map(str, args.stride))}: {exc}") from None
    if args.logdir is not None:
        from .core.tensorboard_log import CSV_NAME

        if Path(args.logdir).exists() and not Path(args.logdir).is_dir():
            raise ValueError(f"--logdir {args.logdir}: is a file, not a folder")
        check_out(Path(args.logdir) / CSV_NAME, "--logdir")
    return check_out(out, "--out", _model_size(arch))


def _run_training(trainer, steps: int, logdir: str | None, watch=None) -> None:
    """``trainer``'s run with a progress bar (``watch``: see Trainer.run), and its TensorBoard log in ``logdir``
    when one is given."""
    from .core.steps import drive

    with progress_bar(steps, "training") as show:
        if logdir is None:
            drive(trainer.run(watch), show)
        else:
            from .core.tensorboard_log import TrainingLog

            with TrainingLog(logdir, trainer) as log:
                drive(trainer.run(watch), lambda p: (show(p), log.add(p)))
    if logdir is not None:
        print(f"TensorBoard log in {logdir}: tensorboard --logdir {logdir}", file=sys.stderr)
    if trainer.best is not None and trainer.best is not trainer.history[-1]:
        print(f"early stopping: kept epoch {trainer.best.epoch}'s weights (validation "
              f"{trainer.best.val_accuracy * 100:.2f}%)", file=sys.stderr)


def cmd_prune(args) -> int:
    from .core.checkpoint import metadata, size_estimate, weights, write
    from .core.compress import PruneConfig, prune, pruned_meta, sparsity
    from .core.data import get_spec
    from .core.device import resolve_device
    from .core.download import load_or_download
    from .core.evaluate import evaluate
    from .core.recipes import check_fits
    from .core.steps import drive

    spec = get_spec(args.dataset)
    cfg = PruneConfig(amount=args.amount, steps=args.steps, seed=args.seed, device=args.device,
                      **({"lr": args.lr} if args.lr is not None else {}))
    resolve_device(cfg.device)
    base = weights_path(args.weights)
    ckpt = load_model(base, what="pruned (ONNX Runtime has no gradients)")
    check_fits(ckpt.model.cfg, args.dataset)
    out = check_out(args.out, "--out", size_estimate(ckpt.model), inputs=(base,))
    data_folder(args.dataset, args.data_dir, not args.no_download)
    load = lambda split: load_or_download(args.dataset, split, args.data_dir, not args.no_download)
    train = load("train") if cfg.steps else None
    try:
        steps = prune(ckpt.model, train, cfg)  # refuses too few training images for --steps
    except ValueError as exc:
        raise ValueError(f"--steps {cfg.steps}: {exc}") from None
    test = load("test")
    before = evaluate(ckpt.model, test, spec.classes, backend="auto").accuracy
    if cfg.steps:
        with progress_bar(cfg.steps, "fine-tuning") as show:
            pruned = drive(steps, show)
    else:
        pruned = drive(steps)
    after = evaluate(pruned, test, spec.classes, backend="auto").accuracy
    write(out, weights(pruned), metadata(pruned, **pruned_meta(out, ckpt, cfg, pruned, after)))
    print(f"{sparsity(pruned) * 100:.1f}% of the conv and linear weights are zero; {args.dataset} test accuracy "
          f"{before * 100:.2f}% -> {after * 100:.2f}%")
    print(f"wrote {out}")
    return 0


def cmd_finetune(args) -> int:
    from dataclasses import replace

    from .core.checkpoint import size_estimate
    from .core.data import get_spec
    from .core.device import resolve_device
    from .core.download import load_or_download
    from .core.exchange import read_folder
    from .core.files import dumps_json
    from .core.finetune import FinetuneConfig, finetune, with_forgetting
    from .core.jobs import tuned_meta
    from .core.sample_file import samples_to_split
    from .core.snapshots import FINETUNE_TARGET, sidecar_path
    from .core.steps import drive

    base = weights_path(args.weights)
    get_spec(args.dataset)
    overrides = {"device": args.device}
    for key in ("layers", "steps", "lr", "replay", "holdout", "mnist_eval", "seed"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    cfg = replace(FinetuneConfig(), **overrides)
    resolve_device(cfg.device)
    ckpt = load_model(base, input_norm=args.input_norm, what="fine-tuned (ONNX Runtime has no gradients)")
    if Path(args.out).exists() and Path(args.out).resolve() == base.resolve():
        raise ValueError(f"--out {args.out} is the base checkpoint; fine-tuning never overwrites it")
    out = check_out(args.out, "--out", size_estimate(ckpt.model))
    if args.snapshots != 0:
        check_out(sidecar_path(out), "--snapshots")
    samples, problems = read_folder(args.samples)
    for problem in problems:
        print(f"mnist-pad finetune: skipped {problem}", file=sys.stderr)
    if not samples:
        raise ValueError(f"{args.samples}: no readable samples")
    if cfg.replay > 0 or cfg.mnist_eval > 0 or args.snapshots != 0:
        data_folder(args.dataset, args.data_dir, not args.no_download)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    load = lambda split: load_or_download(args.dataset, split, args.data_dir, not args.no_download)
    replay = load("train") if cfg.replay > 0 else None
    test = load("test") if cfg.mnist_eval > 0 or args.snapshots != 0 else None
    recorder = _recorder(args.snapshots, cfg.steps, ckpt.model, test, get_spec(args.dataset).classes, FINETUNE_TARGET)
    with progress_bar(cfg.steps, "fine-tuning") as show:
        result = drive(finetune(ckpt.model, samples_to_split(samples), replay, cfg, watch=recorder), show)
    if recorder is not None:
        recorder.take(result.model, cfg.steps, 1)
    rep = with_forgetting(result, ckpt.model, test).report
    _write_model(out, result.model, tuned_meta(out, ckpt, rep), recorder)
    if args.json:
        print(dumps_json({"weights": str(base), "out": str(out), "samples": str(args.samples),
                          "skipped": [str(p) for p in problems], **rep.to_dict()}))
    else:
        _print_report(rep, out)
    return 0


def _print_report(rep, out: Path) -> None:
    """A fine-tune's before/after figures, for people."""

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{v * 100:.2f}%"

    print(f"fine-tuned on {rep.samples_used} samples in {rep.seconds:.1f} s ({rep.heldout} held out)")
    print(f"held-out samples: {pct(rep.heldout_before and rep.heldout_before.accuracy)} -> "
          f"{pct(rep.heldout_after and rep.heldout_after.accuracy)}")
    print(f"MNIST test: {pct(rep.mnist_before)} -> {pct(rep.mnist_after)}")
    print(f"wrote {out}")
