"""Training speed benchmark: images/s, time to 99.0% and 99.5% MNIST test accuracy, final accuracy, peak memory.

The clock counts training steps only, from the first step with the data already in memory (on the device);
the test set is evaluated every --eval-every steps with the clock stopped.

    python scripts/bench_train.py --arch sprint         # our quickest to 99.0% (1 epoch; docs/training-speed.md)
    python scripts/bench_train.py --arch sprint-wide    # our quickest to 99.5% (5 epochs; also --recipe quick)
    python scripts/bench_train.py --arch fast           # the 24k-parameter net, 2 epochs
    python scripts/bench_train.py --arch default --device cuda

Against the fastest published recipe, side by side: scripts/bench_peer.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mnist_pad.core.data import load_split  # noqa: E402
from mnist_pad.core.device import describe  # noqa: E402
from mnist_pad.core.evaluate import evaluate  # noqa: E402
from mnist_pad.core.recipes import OURS, recipe_for  # noqa: E402
from mnist_pad.core.train import Trainer, cpu_has_bf16, split_validation  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="fast", help=f"architecture; ours has recipes for {', '.join(OURS)}")
    ap.add_argument("--recipe", default="ours", help="ours | quick | article")
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA", str(REPO.parent / "shared" / "datasets" / "mnist")))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--eval-every", type=int, default=100, help="steps between test evaluations (clock stopped)")
    ap.add_argument("--out", help="JSON file for the results (default docs/results/bench_train-RECIPE-DEVICE.json)")
    args = ap.parse_args()

    cfg = replace(recipe_for(args.arch, args.recipe), seed=args.seed, device=args.device, log_every=args.eval_every)
    if args.epochs:
        cfg = replace(cfg, epochs=args.epochs)
    train_full = load_split("mnist", "train", args.data_dir)
    test = load_split("mnist", "test", args.data_dir)
    train, val = split_validation(train_full, cfg.val_size, cfg.seed)
    trainer = Trainer(cfg, train, val)
    test = test.to(trainer.device)
    curve = []
    for p in trainer.run():
        acc = evaluate(trainer.model, test).accuracy
        curve.append({"step": p.step, "seconds": p.seconds, "test_accuracy": acc, "images_per_s": p.images_per_s})
        print(f"step {p.step}/{p.steps} {p.seconds:6.1f} s  {p.images_per_s:8,.0f} img/s  test {acc * 100:.2f}%", flush=True)
    if trainer.device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "arch": args.arch,
        "recipe": args.recipe,
        "config": cfg.to_dict(),
        "device": describe(trainer.device),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "torch": torch.__version__,
        "cpu_bf16_in_hardware": cpu_has_bf16(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "train_seconds": curve[-1]["seconds"],
        "images_per_s": curve[-1]["images_per_s"],
        "final_test_accuracy": curve[-1]["test_accuracy"],
        "seconds_to_99.0": next((c["seconds"] for c in curve if c["test_accuracy"] >= 0.990), None),
        "seconds_to_99.5": next((c["seconds"] for c in curve if c["test_accuracy"] >= 0.995), None),
        "peak_memory_mb": peak,
        "peak_memory_kind": "cuda max allocated" if trainer.device.type == "cuda" else "process peak RSS",
        "curve": curve,
    }
    out = Path(args.out or REPO / "docs" / "results" / f"bench_train-{args.arch}-{args.recipe}-{trainer.device.type}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k not in ("curve", "config")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
