"""How long evaluating the 10,000 MNIST test images takes (issue 5's bar: at most 3 s on the 2-core CPU).

    python scripts/bench_eval.py [--weights FILE | --arch NAME] [--engine auto|torch|onnxruntime]
                                 [--device cpu] [--batch-size 1000] [--repeats 5] [--data-dir DIR] [--json]

Times exactly what the Evaluate tab runs (:func:`mnist_pad.core.evaluate.evaluate_steps`): ``setup`` once
(private model copy, ONNX export and session: made once per model and cached), then per repeat ``total``
from the call to the result and ``forward`` (the batches alone), and the process's CPU time (less skewed
by other jobs than wall time). Default model: the shipped default weights; ``--arch`` times an untrained net of that architecture instead (the time
does not depend on the weights). The load average is printed because other jobs on the machine skew it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TARGET_S = 3.0


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="checkpoint to time (default: shipped default, else the dev weights)")
    parser.add_argument("--arch", help="time an untrained net of this architecture instead of a checkpoint")
    parser.add_argument("--engine", default="auto", choices=("auto", "torch", "onnxruntime"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-dir", help="folder with the MNIST files (default: the usual search)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    import torch

    from mnist_pad.core.evaluate import evaluate_steps
    from mnist_pad.core.inference import engine
    from mnist_pad.core.steps import drive
    from mnist_pad.core.checkpoint import load
    from mnist_pad.core.data import load_split
    from mnist_pad.core.device import describe, resolve_device, synchronize
    from mnist_pad.core.models import build, parameter_count
    from mnist_pad.core.paths import shipped_weights

    device = resolve_device(args.device)
    if args.arch:
        torch.manual_seed(0)
        model, name = build(args.arch).eval().to(device), f"untrained {args.arch}"
    else:
        path = Path(args.weights) if args.weights else shipped_weights("default")
        model, name = load(path, device).model, str(path)
    split = load_split("mnist", "test", args.data_dir)

    start = time.perf_counter()
    engine(model, device, args.engine)
    setup = time.perf_counter() - start
    drive(evaluate_steps(model, split.subset(slice(0, args.batch_size)), device=device, backend=args.engine))  # warm-up
    load_before = os.getloadavg()[0]
    totals, forwards, cpu = [], [], []
    for _ in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = drive(evaluate_steps(model, split, device=device, batch_size=args.batch_size, backend=args.engine))
        synchronize(device)
        totals.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        forwards.append(result.seconds)
    out = {
        "model": name, "arch": model.cfg.name, "parameters": parameter_count(model), "engine": result.engine,
        "device": describe(device), "cpu": cpu_name(), "cores": os.cpu_count(), "images": len(split),
        "batch_size": args.batch_size, "accuracy": result.report.accuracy, "setup_s": round(setup, 3),
        "total_s": {"median": round(statistics.median(totals), 3), "best": round(min(totals), 3)},
        "forward_s": {"median": round(statistics.median(forwards), 3), "best": round(min(forwards), 3)},
        "cpu_s": round(statistics.median(cpu), 3),  # CPU time of this process (all its threads), median
        "images_per_s": round(len(split) / statistics.median(totals)),
        "loadavg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "target_s": TARGET_S, "meets_target": statistics.median(totals) <= TARGET_S,
    }
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{out['model']} ({out['arch']}, {out['parameters']:,} parameters) on {out['device']}, "
              f"engine {out['engine']}, batch {args.batch_size}; {out['cpu']}, {out['cores']} cores")
        print(f"engine setup (once per model) {out['setup_s']:.2f} s")
        print(f"{len(split):,} MNIST test images: total {out['total_s']['median']:.2f} s median "
              f"(best {out['total_s']['best']:.2f}), forward passes {out['forward_s']['median']:.2f} s median; "
              f"{out['images_per_s']:,} images/s; {out['cpu_s']:.2f} CPU-seconds; accuracy {out['accuracy']:.2%}")
        print(f"load average (1 min) before/after: {out['loadavg_1min']}; target <= {TARGET_S} s: "
              f"{'met' if out['meets_target'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
