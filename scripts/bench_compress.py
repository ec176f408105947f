"""Compression of the shipped nets (issue 15): plain, pruned (50% and 80% of the conv and linear weights, then a
short fine-tune on MNIST training images), int8 (ONNX Runtime, static QDQ) and pruned + int8. For each: file sizes
(the safetensors checkpoint and the ONNX classifier graph, each also zipped: pruning only shrinks a compressed
file), MNIST test accuracy on all 10,000 images through that ONNX graph, and single-image latency (p50, p99) on
ONNX Runtime with one thread, of the classifier graph and of the pad's graph with every feature map.

    python scripts/bench_compress.py [--archs default small] [--amounts 0.5 0.8] [--steps 300] [--repeats 3000]

Writes docs/results/compress.json and prints a markdown table (docs/compression.md).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402
import torch  # noqa: E402
from bench_inference import time_engine  # noqa: E402  (scripts/ is on the path when a script runs)
from bench_pad import cpu_name  # noqa: E402

from mnist_pad.core.checkpoint import load, metadata, weights, write  # noqa: E402
from mnist_pad.core.compress import PruneConfig, calibration_images, prune, quantize_onnx, sparsity  # noqa: E402
from mnist_pad.core.data import Split, load_split  # noqa: E402
from mnist_pad.core.export import onnx_bytes  # noqa: E402
from mnist_pad.core.inference import onnx_session, to_array  # noqa: E402
from mnist_pad.core.models import ConvNet  # noqa: E402
from mnist_pad.core.paths import shipped_weights  # noqa: E402
from mnist_pad.core.steps import drive  # noqa: E402


def zipped(data: bytes) -> int:
    """Bytes of ``data`` alone in a zip archive (deflate, level 9)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("model", data)
    return len(buf.getvalue())


def checkpoint_bytes(model: ConvNet) -> bytes:
    """The model's checkpoint file as ``save`` writes it."""
    with tempfile.TemporaryDirectory() as folder:
        return write(Path(folder) / "m.safetensors", weights(model), metadata(model)).read_bytes()


def accuracy(graph: bytes, test: Split) -> float:
    session, x = onnx_session(graph, 0), to_array(test.images)
    logits = np.concatenate([session.run(None, {"image": x[i : i + 1000]})[0] for i in range(0, len(x), 1000)])
    return float((logits.argmax(1) == test.labels.numpy()).mean())


def latency(graph: bytes, x: np.ndarray, repeats: int) -> tuple[float, float]:
    """(p50, p99) in ms of one image through ``graph`` on ONNX Runtime with one thread."""
    session = onnx_session(graph, 1)
    times = time_engine(lambda image: session.run(None, {"image": image}), x, repeats)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def measure(arch: str, variant: str, model: ConvNet, calibration: np.ndarray | None, test: Split, x: np.ndarray,
            repeats: int) -> dict:
    """One row: ``model`` as it is (``calibration`` None) or quantised to int8 with those images."""
    def graph(with_activations: bool) -> bytes:
        plain = onnx_bytes(model, with_activations=with_activations)
        return plain if calibration is None else quantize_onnx(plain, calibration)

    classifier, pad = graph(False), graph(True)
    ckpt = checkpoint_bytes(model) if calibration is None else None  # int8 lives in ONNX only
    p50, p99 = latency(classifier, x, repeats)
    row = {"arch": arch, "variant": variant, "sparsity": sparsity(model),
           "safetensors_bytes": len(ckpt) if ckpt else None, "safetensors_zipped": zipped(ckpt) if ckpt else None,
           "onnx_bytes": len(classifier), "onnx_zipped": zipped(classifier), "accuracy": accuracy(classifier, test),
           "p50_ms": p50, "p99_ms": p99, "pad_graph_p50_ms": latency(pad, x, repeats)[0]}
    print(f"{arch:8s} {variant:18s} acc {row['accuracy'] * 100:.2f}%  onnx {row['onnx_bytes']:,} B "
          f"(zipped {row['onnx_zipped']:,})  p50 {p50:.3f} ms  pad graph {row['pad_graph_p50_ms']:.3f} ms", flush=True)
    return row


def sizes(n: int | None, packed: int | None) -> str:
    return "—" if n is None else f"{n / 1000:,.0f} kB ({packed / 1000:,.0f} kB)"


def table(rows: list[dict]) -> str:
    lines = [("| model | variant | zeros | safetensors (zipped) | ONNX (zipped) | MNIST test | p50 / p99, ms | "
              "p50 with feature maps, ms |"), "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| `{r['arch']}` | {r['variant']} | {r['sparsity'] * 100:.0f}% | "
                     f"{sizes(r['safetensors_bytes'], r['safetensors_zipped'])} | "
                     f"{sizes(r['onnx_bytes'], r['onnx_zipped'])} | {r['accuracy'] * 100:.2f}% | "
                     f"{r['p50_ms']:.3f} / {r['p99_ms']:.3f} | {r['pad_graph_p50_ms']:.3f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archs", nargs="*", default=["default", "small"])
    ap.add_argument("--amounts", nargs="*", type=float, default=[0.5, 0.8])
    ap.add_argument("--steps", type=int, default=PruneConfig.steps, help="fine-tuning steps after pruning")
    ap.add_argument("--repeats", type=int, default=3000, help="timed single-image runs per graph")
    ap.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA"))
    args = ap.parse_args()
    train, test = (load_split("mnist", split, args.data_dir) for split in ("train", "test"))
    calibration = calibration_images(train)
    x = np.random.default_rng(0).random((1, 1, 28, 28), dtype=np.float32)
    rows, fine_tune_s = [], {}
    for arch in args.archs:
        model = load(shipped_weights(arch)).model
        rows.append(measure(arch, "plain", model, None, test, x, args.repeats))
        rows.append(measure(arch, "int8", model, calibration, test, x, args.repeats))
        for amount in args.amounts:
            t = time.perf_counter()
            pruned = drive(prune(model, train, PruneConfig(amount=amount, steps=args.steps)))
            fine_tune_s[f"{arch} {amount:.0%}"] = round(time.perf_counter() - t, 1)
            rows.append(measure(arch, f"pruned {amount:.0%}", pruned, None, test, x, args.repeats))
            if amount == max(args.amounts):
                rows.append(measure(arch, f"pruned {amount:.0%} + int8", pruned, calibration, test, x, args.repeats))
    print(table(rows))
    result = {"machine": f"{cpu_name()}, {os.cpu_count()} cores, {platform.machine()}", "torch": torch.__version__,
              "onnxruntime": onnxruntime.__version__,
              "torch_threads": torch.get_num_threads(), "date": time.strftime("%Y-%m-%d %H:%M"),
              "prune_steps": args.steps, "prune_seconds": fine_tune_s, "repeats": args.repeats, "rows": rows}
    out = REPO / "docs" / "results" / "compress.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
