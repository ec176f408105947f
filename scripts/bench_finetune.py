"""Benchmark of fine-tuning on "another person's handwriting" (docs/finetune.md has the figures).

The writer is synthetic (mnist_pad.core.writer.writer_dataset: a slashed 0, a 1 with flag and base, a
crossed 7, a looped and crossed 2, a strong slant...), rendered like the canvas and preprocessed like a
drawing. 5 drawings per class are fine-tuned on, the rest held out. Bars: held-out errors fall by >= 40%,
MNIST test accuracy drops by <= 0.1 percentage point, fine-tuning takes <= 5 s on a 2-core CPU.

    PYTHONPATH=. python3 scripts/bench_finetune.py [--weights W] [--methods default head ...] [--seeds 2]
"""

from __future__ import annotations

import argparse
import os
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from mnist_pad.core.checkpoint import load
from mnist_pad.core.data import Split, load_split
from mnist_pad.core.evaluate import evaluate
from mnist_pad.core.finetune import FinetuneConfig, run_finetune
from mnist_pad.core.models import build
from mnist_pad.core.paths import shipped_weights
from mnist_pad.core.preprocess import preprocess
from mnist_pad.core.sample_file import to_image28
from mnist_pad.core.writer import writer_dataset

BASE = FinetuneConfig()  # layers="top", lr 3e-3, replay 1x with distillation weight 3, 60 steps of 32 + 32
METHODS: dict[str, FinetuneConfig] = {
    "default": BASE,
    "head": replace(BASE, layers="head"),
    "all-bn-frozen": replace(BASE, layers="all-bn-frozen", lr=1e-3),
    "all": replace(BASE, layers="all", lr=1e-3),
    "top-lr-1e-3": replace(BASE, lr=1e-3),
    "top-no-distill": replace(BASE, distill=0.0),
    "top-no-replay": replace(BASE, replay=0.0),
    "top-replay-2x": replace(BASE, replay=2.0),
}


def writer_splits(per_class_train: int, per_class_heldout: int, seed: int) -> tuple[Split, Split]:
    """The synthetic writer's drawings, preprocessed: (fine-tuning set, held-out set)."""
    images, labels, _ = writer_dataset(per_class_train + per_class_heldout, seed=seed)
    x = np.stack([to_image28(preprocess(img).image) for img in images])
    first = np.zeros(len(labels), bool)
    for c in range(10):
        first[np.flatnonzero(labels == c)[:per_class_train]] = True
    xs, ys = torch.from_numpy(x), torch.from_numpy(labels)
    return Split(xs[first], ys[first]), Split(xs[~first], ys[~first])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=str(shipped_weights("default")), help="base checkpoint")
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist")))
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--seeds", type=int, default=1, help="writer data sets (seeds 0..N-1) per method")
    ap.add_argument("--train-per-class", type=int, default=5)
    ap.add_argument("--heldout-per-class", type=int, default=50)
    ap.add_argument("--untrained", metavar="ARCH", help="time an untrained ARCH instead of --weights "
                    "(seconds only: its accuracies mean nothing)")
    ap.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice); with 1, the CPU "
                    "seconds are the pure work even on a machine shared with other jobs")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    if not args.untrained and not Path(args.weights).is_file():
        ap.error(f"{args.weights}: no such checkpoint (pass --weights)")
    if args.threads:
        torch.set_num_threads(args.threads)
    base = build(args.untrained).eval() if args.untrained else load(args.weights).model
    name = f"untrained {args.untrained}" if args.untrained else args.weights
    replay = load_split("mnist", "train", args.data_dir)
    test = load_split("mnist", "test", args.data_dir)
    mnist_base = evaluate(base, test).accuracy
    print(f"base {name}: MNIST test {mnist_base * 100:.2f}%  torch threads {torch.get_num_threads()}", flush=True)
    writers = [writer_splits(args.train_per_class, args.heldout_per_class, seed) for seed in range(args.seeds)]
    errors_before = [round((1 - evaluate(base, heldout).accuracy) * len(heldout)) for _, heldout in writers]
    results = []
    print(f"{'method':14s} {'seed':>4s} {'errors before':>13s} {'after':>6s} {'fall':>6s} "
          f"{'MNIST drop pp':>13s} {'wall s':>6s} {'cpu s':>6s}")
    for name in args.methods:
        cfg = METHODS[name]
        for seed, (train, heldout) in enumerate(writers):
            # Timed: the fine-tuning alone (holdout 0: every sample trains, no evaluation inside).
            t, c = time.perf_counter(), time.process_time()
            result = run_finetune(base, train, replay, replace(cfg, seed=seed, holdout=0.0))
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            before = errors_before[seed]
            after = round((1 - evaluate(result.model, heldout).accuracy) * len(heldout))
            mnist_after = evaluate(result.model, test).accuracy
            row = {
                "method": name, "seed": seed, "heldout": len(heldout), "errors_before": before, "errors_after": after,
                "error_fall": 1 - after / before if before else None,
                "mnist_before": mnist_base, "mnist_after": mnist_after, "mnist_drop_pp": (mnist_base - mnist_after) * 100,
                "train_seconds": result.report.seconds, "wall_seconds": wall, "cpu_seconds": cpu,
                "config": cfg.to_dict(),
            }
            results.append(row)
            fall = f"{row['error_fall'] * 100:5.0f}%" if before else "   n/a"
            print(f"{name:14s} {seed:4d} {before:13d} {after:6d} {fall} {row['mnist_drop_pp']:13.2f} "
                  f"{wall:6.2f} {cpu:6.2f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"weights": name, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
