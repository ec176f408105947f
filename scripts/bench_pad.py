"""Latency and memory of the drawing pad on the CPU (issue 3's quality bars).

    python scripts/bench_pad.py [--weights FILE] [--events 600] [--cycles 5000] [--number 5] [--side-tab Attribution]

1. stroke event -> probabilities and feature maps repainted: a mouse move (button held) is sent to the
   canvas of the real window (1280x800, offscreen) and the event loop runs until the bar chart and the
   feature-map grid have both been repainted (Paint events on their viewports, as Qt schedules them:
   only what changed is repainted); p50 and p99 over ``--events`` moves of scribbled digits; with ``--number
   N``, on the wide canvas, each scribble the N-th digit after N - 1 already written (the pad reads a number);
2. preprocessing + inference alone (Predictor.predict on the canvas image), and each half, p50;
3. RSS after ``--cycles`` draw/clear cycles (each: a short stroke, its update, clear, its update).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def digit_paths(n: int, rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """Single-stroke scribbles shaped like digits (loops and zigzags), points about 1% of the side apart."""
    paths = []
    for _ in range(n):
        cx, cy, r = rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65), rng.uniform(0.12, 0.3)
        turns = rng.uniform(0.8, 1.6)
        t = np.linspace(0, 2 * math.pi * turns, 60)
        xs = cx + r * 0.6 * np.cos(t) + rng.normal(0, 0.004, t.size)
        ys = cy + r * np.sin(t) * np.linspace(1, 0.4, t.size)
        paths.append(list(zip(np.clip(xs, 0.02, 0.98), np.clip(ys, 0.02, 0.98))))
    return paths


def percentile(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="a model's name or checkpoint file (default: the shipped 'default' model)")
    parser.add_argument("--events", type=int, default=600, help="mouse moves timed for the latency figure")
    parser.add_argument("--cycles", type=int, default=5000, help="draw/clear cycles for the memory figure")
    parser.add_argument("--side-tab", help="the pad's side tab shown while drawing (default: Feature maps)")
    parser.add_argument("--number", type=int, default=0, help="write each timed scribble as the last digit of a "
                        "number this long, on the wide canvas (0: one digit on the square canvas)")
    args = parser.parse_args()

    import torch
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from mnist_pad.core.catalog import resolve_model
    from mnist_pad.core.checkpoint import load
    from mnist_pad.core.device import describe
    from mnist_pad.core.paths import shipped_weights
    from mnist_pad.core.preprocess import preprocess
    from mnist_pad.qt.app_state import AppState
    from mnist_pad.qt.replay import canvas_point, replay, send_mouse
    from mnist_pad.qt.app import leave_a_core_to_the_ui
    from mnist_pad.qt.window import MainWindow

    leave_a_core_to_the_ui()  # as the app does
    app = QApplication.instance() or QApplication([])
    ckpt = load(resolve_model(args.weights) if args.weights else shipped_weights("default"), "cpu")
    window = MainWindow(AppState(ckpt), describe(torch.device("cpu")))
    window.app.predictor.wait_ready()  # time the engine the window settles on (ONNX Runtime)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    pad, canvas = window.pad, window.pad.canvas
    for i in range(pad.side_tabs.count()):
        if args.side_tab and pad.side_tabs.tabText(i).replace("&&", "&") == args.side_tab:
            pad.side_tabs.setCurrentIndex(i)
    rng = np.random.default_rng(0)
    print(f"model {ckpt.name} ({ckpt.meta['arch']['name']}), {cpu_name()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__} {describe(torch.device('cpu'))}")

    # 1. stroke event -> repainted
    class PaintWatch(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.add(obj)
            return False

    painted: set = set()
    watch = PaintWatch()
    # the chart and, when its tab is the one shown, the feature-map grid (a hidden view is not painted)
    watched = [pad.chart.viewport()] + ([pad.feature_maps.grid.viewport()] if pad.feature_maps.isVisible() else [])
    for view in watched:
        view.installEventFilter(watch)
    latencies: list[float] = []
    paths = digit_paths(max(1, args.events // 59 + 1), rng)
    before: list[np.ndarray] = []  # the digits already written, for --number
    if args.number > 1:
        pad.set_wide(True)
        app.processEvents()
        before = [np.array([(x + 0.5 * k, y, 1.0) for x, y in path], np.float32)
                  for k, path in enumerate(digit_paths(args.number - 1, rng))]
        paths = [[(x + 0.5 * (args.number - 1), y) for x, y in path] for path in paths]
    for path in paths:
        canvas.set_strokes(before)
        app.processEvents()
        send_mouse(canvas, QEvent.Type.MouseButtonPress, canvas_point(canvas, *path[0]))
        app.processEvents()
        for x, y in path[1:]:
            painted.clear()
            t0 = time.perf_counter()
            send_mouse(canvas, QEvent.Type.MouseMove, canvas_point(canvas, x, y))
            while len(painted) < len(watched):  # the 0 ms timer predicts, then Qt repaints the changed views
                app.processEvents()
            latencies.append(time.perf_counter() - t0)
            if len(latencies) >= args.events:
                break
        send_mouse(canvas, QEvent.Type.MouseButtonRelease, canvas_point(canvas, *path[-1]))
        app.processEvents()
        if len(latencies) >= args.events:
            break
    print(f"stroke event -> probabilities + feature maps repainted: p50 {percentile(latencies, 50):.2f} ms, "
          f"p99 {percentile(latencies, 99):.2f} ms (n={len(latencies)})"
          + (f", writing digit {args.number} of a number on the wide canvas" if args.number > 1 else ""))

    # 2. preprocessing + inference alone
    images = []
    for path in digit_paths(40, rng):
        canvas.set_strokes([np.array([(x, y, 1.0) for x, y in path], np.float32)])
        images.append(canvas.image())
    predictor = pad.app.predictor
    for img in images[:5]:
        predictor.predict(img)  # warm-up
    both, pre_only, model_only = [], [], []
    for _ in range(5):
        for img in images:
            t0 = time.perf_counter()
            pred = predictor.predict(img)
            both.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            preprocess(img)
            pre_only.append(time.perf_counter() - t0)
            x = pred.pre.image.reshape(1, 1, 28, 28)
            t0 = time.perf_counter()
            predictor.engine(x)
            model_only.append(time.perf_counter() - t0)
    print(f"preprocessing + inference (Predictor.predict, {predictor.engine.name}): p50 {percentile(both, 50):.3f} ms "
          f"(preprocess {percentile(pre_only, 50):.3f} ms, forward with activations {percentile(model_only, 50):.3f} ms)")

    # 3. memory over draw/clear cycles
    canvas.clear()
    app.processEvents()
    short = [[(0.3, 0.3), (0.4, 0.45), (0.5, 0.6), (0.6, 0.5), (0.7, 0.35)]]
    start = rss_mib()
    marks = {}
    t0 = time.perf_counter()
    for i in range(1, args.cycles + 1):
        replay(canvas, short)
        app.processEvents()
        canvas.clear()
        app.processEvents()
        if i in (100, 1000) or i % 2500 == 0 or i == args.cycles:
            marks[i] = rss_mib()
    per_cycle = (time.perf_counter() - t0) / args.cycles * 1000
    print(f"RSS: {start:.0f} MiB before, " + ", ".join(f"{v:.0f} MiB after {k}" for k, v in marks.items())
          + f" draw/clear cycles ({per_cycle:.1f} ms per cycle, {pad.updates} updates in all)")
    window.close()
    window.deleteLater()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
