"""mnist-pad on a GPU machine, headless: the figures issue 14 asks for, in one run of a few minutes.

    python scripts/gpu_check.py [--data-dir DIR] [--device cuda] [--out docs/results/gpu.json] [--quick]

Needs only torch (a CUDA build) and numpy: no PySide6, Pillow, safetensors, ONNX Runtime, platformdirs or tqdm
(mnist_pad.core's training path imports none of them; the script says which are missing, for the record).
Measures, each with the clock on the device's work only (``torch.cuda.synchronize`` around it):

1. time to 99.0% MNIST test accuracy: our ``fast`` recipe, bf16 autocast, the test set evaluated every
   ``--eval-every`` steps with the clock stopped;
2. time to 99.5%: the ``quick`` recipe, the same way;
3. batch evaluation of the 10,000 test images (images/s);
4. single-image latency (1x1x28x28 through the model, logits), p50 and p99;
5. a fine-tune of the trained model on 200 MNIST training images as "samples", with replay.

It prints a table and writes every figure, with the machine and the versions, to ``--out``. ``--quick``
(any device, the CPU included) runs a short version of each step to check the script itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

OPTIONAL = ("PySide6", "PIL", "safetensors", "onnxruntime", "onnx", "platformdirs", "tqdm", "pyqtgraph")


def missing_modules() -> list[str]:
    return [name for name in OPTIONAL if importlib.util.find_spec(name) is None]


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_to_accuracy(arch: str, recipe: str, train, val, test, device: str, eval_every: int, epochs: int | None):
    """Train with the clock running only during steps; returns (the figures, the trained model)."""
    from mnist_pad.core.evaluate import evaluate
    from mnist_pad.core.recipes import recipe_for
    from mnist_pad.core.train import Trainer

    cfg = replace(recipe_for(arch, recipe), device=device, log_every=eval_every, amp=True)
    if epochs:
        cfg = replace(cfg, epochs=epochs)
    trainer = Trainer(cfg, train, val)
    test = test.to(trainer.device)
    curve = []
    for p in trainer.run():  # the Trainer's clock stops while we evaluate here
        curve.append((p.seconds, evaluate(trainer.model, test).accuracy))
    first = lambda bar: next((s for s, acc in curve if acc >= bar), None)  # noqa: E731
    return {"arch": arch, "recipe": recipe, "epochs": cfg.epochs, "batch_size": cfg.batch_size,
            "train_seconds": curve[-1][0], "final_test_accuracy": curve[-1][1],
            "seconds_to_99.0": first(0.990), "seconds_to_99.5": first(0.995)}, trainer.model


def batch_evaluation(model, test, device) -> dict:
    from mnist_pad.core.evaluate import evaluate

    test = test.to(device)
    evaluate(model, test)  # warm-up: kernels, autotuning
    sync(device)
    start = time.perf_counter()
    result = evaluate(model, test)
    sync(device)
    seconds = time.perf_counter() - start
    return {"images": len(test), "seconds": seconds, "images_per_s": len(test) / seconds,
            "accuracy": result.accuracy}


def single_image_latency(model, test, device, repeats: int) -> dict:
    import numpy as np
    import torch

    model = model.to(device).eval()
    x = ((test.images[:1].float() / 255 - model.input_mean) / model.input_std).unsqueeze(1).to(device)
    times = []
    with torch.inference_mode():
        for i in range(repeats + 50):
            sync(device)
            start = time.perf_counter()
            model(x)
            sync(device)
            if i >= 50:  # the first calls warm the kernels up
                times.append((time.perf_counter() - start) * 1000)
    return {"repeats": repeats, "p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99))}


def finetune_figures(model, train, device: str, steps: int) -> dict:
    import copy

    from mnist_pad.core.finetune import FinetuneConfig, finetune
    from mnist_pad.core.steps import drive

    samples = train.subset(slice(0, 200))
    cfg = FinetuneConfig(steps=steps, device=device, mnist_eval=0)
    start = time.perf_counter()
    result = drive(finetune(copy.deepcopy(model).cpu(), samples, train, cfg))
    seconds = time.perf_counter() - start
    report = result.report
    return {"samples": 200, "steps": steps, "seconds": seconds, "training_seconds": report.seconds,
            "heldout_before": report.heldout_before.accuracy if report.heldout_before else None,
            "heldout_after": report.heldout_after.accuracy if report.heldout_after else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA", str(REPO.parent / "shared" / "datasets" / "mnist")))
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--out", default=str(REPO / "docs" / "results" / "gpu.json"))
    ap.add_argument("--eval-every", type=int, default=25, help="steps between test evaluations (clock stopped)")
    ap.add_argument("--quick", action="store_true", help="a short run of every step: checks the script anywhere")
    args = ap.parse_args()

    import torch

    from mnist_pad.core.data import load_split
    from mnist_pad.core.device import DeviceError, describe, resolve_device
    from mnist_pad.core.train import split_validation

    try:
        device = resolve_device(args.device)
    except DeviceError as exc:
        print(f"gpu_check: error: {exc}", file=sys.stderr)
        return 2
    try:
        full, test = load_split("mnist", "train", args.data_dir), load_split("mnist", "test", args.data_dir)
    except Exception as exc:  # noqa: BLE001 - one line naming the folder, whatever the reason
        print(f"gpu_check: error: MNIST in {args.data_dir}: {exc}", file=sys.stderr)
        return 2
    train, val = split_validation(full, 5000, 0)
    if args.quick:
        train = train.subset(slice(0, 3000))
    record = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "device": describe(device), "torch": torch.__version__,
        "cuda": torch.version.cuda, "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "missing_optional_modules": missing_modules(),
        "bf16": bool(device.type == "cuda" and torch.cuda.is_bf16_supported()), "quick": args.quick,
    }
    epochs = 1 if args.quick else None
    print(f"gpu_check on {record['device']}, torch {record['torch']} (CUDA {record['cuda']}); "
          f"not installed: {', '.join(record['missing_optional_modules']) or 'nothing'}", flush=True)
    record["to_99.0"], model = time_to_accuracy("fast", "ours", train, val, test, args.device, args.eval_every, epochs)
    print(f"  99.0% recipe: {record['to_99.0']}", flush=True)
    record["to_99.5"], _ = time_to_accuracy("fast", "quick", train, val, test, args.device, args.eval_every, epochs)
    print(f"  99.5% recipe: {record['to_99.5']}", flush=True)
    record["batch_evaluation"] = batch_evaluation(model, test, device)
    record["single_image"] = single_image_latency(model, test, device, 100 if args.quick else 1000)
    record["finetune"] = finetune_figures(model, full, args.device, 10 if args.quick else 60)

    rows = [
        ("time to 99.0% (fast, bf16)", record["to_99.0"]["seconds_to_99.0"], "s", "<= 0.5 s on an H100/H200"),
        ("time to 99.5% (quick, bf16)", record["to_99.5"]["seconds_to_99.5"], "s", "<= 2 s on an H100/H200"),
        ("batch evaluation", record["batch_evaluation"]["images_per_s"], "images/s", ""),
        ("single image p50", record["single_image"]["p50_ms"], "ms", ""),
        ("single image p99", record["single_image"]["p99_ms"], "ms", ""),
        ("fine-tune (200 samples)", record["finetune"]["seconds"], "s", ""),
    ]
    print(f"\n| {'figure':<28} | {'value':>12} | unit     | target")
    for name, value, unit, target in rows:
        shown = "not reached" if value is None else f"{value:,.3f}" if value < 1000 else f"{value:,.0f}"
        print(f"| {name:<28} | {shown:>12} | {unit:<8} | {target}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
