"""Single-image inference latency on the CPU: one 28x28 image through the model, p50 and p99, for each
shipped architecture and each engine of mnist_pad.core.inference (logits and every conv layer's feature map).

    python scripts/bench_inference.py [--repeats 3000] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mnist_pad.core.checkpoint import load  # noqa: E402
from mnist_pad.core.paths import shipped_weights  # noqa: E402
from mnist_pad.core.inference import OnnxEngine, TorchEngine  # noqa: E402


def time_engine(engine, x: np.ndarray, repeats: int) -> list[float]:
    for _ in range(100):
        engine(x)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        engine(x)
        times.append((time.perf_counter() - t) * 1e3)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (ONNX Runtime uses 1)")
    ap.add_argument("--archs", nargs="*", default=["default", "small"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.random((1, 1, 28, 28), dtype=np.float32)
    rows = []
    for arch in args.archs:
        model = load(shipped_weights(arch)).model
        for engine in (TorchEngine(model), OnnxEngine(model)):
            t = time_engine(engine, x, args.repeats)
            rows.append({"arch": arch, "engine": engine.name, "p50_ms": float(np.percentile(t, 50)),
                         "p99_ms": float(np.percentile(t, 99))})
            print(f"{arch:8s} {engine.name:12s} p50 {rows[-1]['p50_ms']:.3f} ms  p99 {rows[-1]['p99_ms']:.3f} ms", flush=True)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "torch_threads": args.threads,
              "date": time.strftime("%Y-%m-%d %H:%M"), "rows": rows}
    out = REPO / "docs" / "results" / "bench_inference.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
