"""Accuracy on drawn digits, through the pad's own path (canvas image -> preprocess -> model).

    python scripts/bench_drawn_digits.py [--weights FILE] [--data-dir DIR] [--per-class 200] [--limit N]

A. The 10,000 MNIST test digits as canvas drawings: each scaled up to a random size (the 28x28 frame 70 to
   270 px) and pasted at a random position on a 280x280 sheet, dark ink on light paper, then inverted to ink
   high as the canvas does, and read by the pad's Predictor. Target: at least 99.5%.
B. Stroke-drawn digits of our own: hand-made polylines for each digit (two or more forms each: 1 with and
   without a flag, open and closed 4, 7 with and without a bar, ...) with random slant, rotation, width,
   size, position, pen width and wobble, painted by the canvas's own renderer (QPainter, round antialiased
   pen) at 280x280.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")



# --- B: our own stroke-drawn digits --------------------------------------------------------------------------
def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> list[tuple[float, float]]:
    """Elliptic arc, angles in degrees, 0 = right, 90 = down (y grows downwards)."""
    n = max(8, int(abs(a1 - a0) / 8))
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a))) for a in np.linspace(a0, a1, n)]


# Each digit: a list of forms; each form a list of strokes; each stroke a polyline in a unit box (y down).
GLYPHS: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [[_arc(0.5, 0.5, 0.45, 0.5, -90, 275)], [_arc(0.5, 0.5, 0.4, 0.5, -100, 250)]],
    1: [[[(0.5, 0.0), (0.5, 1.0)]], [[(0.25, 0.22), (0.55, 0.0), (0.55, 1.0)]],
        [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)], [(0.3, 1.0), (0.8, 1.0)]]],
    2: [[_arc(0.5, 0.3, 0.42, 0.3, 195, 380) + [(0.05, 1.0), (0.95, 1.0)]],
        [_arc(0.5, 0.28, 0.4, 0.28, 200, 400) + [(0.1, 0.95), (0.3, 0.85), (0.6, 1.0), (0.95, 0.95)]]],
    3: [[_arc(0.45, 0.26, 0.42, 0.26, 200, 450) + _arc(0.45, 0.74, 0.47, 0.26, 270, 520)],
        [[(0.05, 0.0), (0.9, 0.0), (0.4, 0.4)] + _arc(0.45, 0.7, 0.45, 0.3, 270, 520)]],
    4: [[[(0.45, 0.0), (0.05, 0.65), (0.95, 0.65)], [(0.72, 0.25), (0.72, 1.0)]],
        [[(0.15, 0.0), (0.1, 0.55), (0.9, 0.55)], [(0.75, 0.0), (0.75, 1.0)]]],
    5: [[[(0.85, 0.0), (0.18, 0.0)], [(0.2, 0.0), (0.15, 0.45)] + _arc(0.45, 0.7, 0.42, 0.3, 235, 520)],
        [[(0.2, 0.0), (0.15, 0.45)] + _arc(0.45, 0.7, 0.42, 0.3, 235, 520), [(0.2, 0.0), (0.9, 0.0)]]],
    6: [[[(0.78, 0.0), (0.45, 0.18), (0.2, 0.45), (0.1, 0.72)] + _arc(0.48, 0.72, 0.38, 0.28, 180, 540)],
        [_arc(0.9, 0.6, 0.8, 0.6, 250, 180) + _arc(0.45, 0.74, 0.35, 0.26, 180, 530)]],
    7: [[[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]], [[(0.0, 0.05), (1.0, 0.0), (0.4, 1.0)], [(0.3, 0.52), (0.85, 0.5)]]],
    8: [[_arc(0.5, 0.25, 0.33, 0.25, 0, 360), _arc(0.5, 0.74, 0.42, 0.26, 0, 360)],
        [_arc(0.5, 0.25, 0.35, 0.25, 90, 450) + _arc(0.5, 0.75, 0.4, 0.25, 270, 630)]],
    9: [[_arc(0.5, 0.28, 0.42, 0.28, 0, 360) + [(0.9, 0.3), (0.88, 1.0)]],
        [_arc(0.5, 0.28, 0.42, 0.28, -20, 350) + [(0.88, 0.35), (0.65, 1.0)]]],
}


def _densify(points: np.ndarray, step: float = 0.01) -> np.ndarray:
    out = [points[:1]]
    for a, b in zip(points, points[1:]):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        out.append(a + (b - a) * (np.arange(1, n + 1)[:, None] / n))
    return np.concatenate(out)


def stroke_digit(digit: int, rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    """A random drawing of ``digit``: strokes as (N, 3) canvas arrays and the pen width (fraction of side)."""
    form = GLYPHS[digit][int(rng.integers(len(GLYPHS[digit])))]
    height = rng.uniform(0.25, 0.85)
    width = height * rng.uniform(0.5, 0.8)
    slant, turn = rng.uniform(-0.35, 0.35), math.radians(rng.uniform(-8, 8))
    rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    strokes = []
    for polyline in form:
        p = np.asarray(polyline, float) - 0.5  # unit box centred on 0
        p[:, 0] -= slant * p[:, 1]  # slant: the top leans right for a positive slant
        p = (p * [width, height]) @ rot.T
        p = _densify(p)
        wobble = np.cumsum(rng.normal(0, 0.0015, p.shape), axis=0)  # a hand is not a ruler
        strokes.append(p + wobble - wobble.mean(0))
    allpts = np.concatenate(strokes)
    lo, hi = allpts.min(0), allpts.max(0)
    margin = 0.03
    shift = rng.uniform(margin - lo, 1 - margin - hi) if (hi - lo < 1 - 2 * margin).all() else 0.5 - (lo + hi) / 2
    pen = rng.uniform(0.02, 0.1)
    return [np.column_stack([s + shift, np.ones(len(s))]).astype(np.float32) for s in strokes], pen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="checkpoint (default: the shipped 'default' model)")
    parser.add_argument("--data-dir", default=os.environ.get("MNIST_PAD_DATA") or str(REPO.parent / "shared" / "datasets" / "mnist"))
    parser.add_argument("--per-class", type=int, default=200, help="stroke-drawn digits per class (set B)")
    parser.add_argument("--limit", type=int, help="only the first N MNIST test digits (quick tries)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-examples", help="write a PNG sheet of set B's first drawings here")
    args = parser.parse_args()

    from PySide6.QtGui import QGuiApplication

    from mnist_pad.core.calibrate import CANVAS, canvas_drawing
    from mnist_pad.core.checkpoint import load
    from mnist_pad.core.data import load_split
    from mnist_pad.core.explain import Predictor
    from mnist_pad.core.paths import shipped_weights
    from mnist_pad.qt.painting import render_strokes

    app = QGuiApplication.instance() or QGuiApplication([])  # QPainter on QImage needs a GUI application
    ckpt = load(args.weights or shipped_weights("default"), "cpu")
    predictor = Predictor.for_checkpoint(ckpt)
    rng = np.random.default_rng(args.seed)
    print(f"model {ckpt.name} ({ckpt.meta['arch']['name']}, {ckpt.meta.get('test_accuracy', float('nan')) * 100:.2f}% "
          f"on MNIST test as 28x28), engine {predictor.engine.name}")

    test = load_split("mnist", "test", args.data_dir)
    n = min(args.limit or len(test), len(test))
    t0 = time.perf_counter()
    wrong = np.zeros(10, int)
    support = np.zeros(10, int)
    for i in range(n):
        label = int(test.labels[i])
        pred = predictor.predict(canvas_drawing(test.images[i].numpy(), rng))
        support[label] += 1
        wrong[label] += pred.top != label
    acc = 1 - wrong.sum() / n
    print(f"A. MNIST test digits drawn on the canvas (random size 70-270 px, random place, dark on light): "
          f"{acc * 100:.2f}% of {n} ({wrong.sum()} wrong; {time.perf_counter() - t0:.0f} s)")
    print("   errors per class: " + " ".join(f"{d}:{w}" for d, w in enumerate(wrong)))

    t0 = time.perf_counter()
    confusion = np.zeros((10, 10), int)
    examples = []
    for k in range(args.per_class):
        for digit in range(10):
            strokes, pen = stroke_digit(digit, rng)
            image = render_strokes(strokes, CANVAS, pen)
            pred = predictor.predict(image)
            confusion[digit, -1 if pred.top is None else pred.top] += 1
            if k < 4:
                examples.append(image)
    total = confusion.sum()
    acc_b = np.trace(confusion) / total
    print(f"B. our stroke-drawn digits (slant +-0.35, rotation +-8 deg, height 25-85% of the canvas, pen 2-10%): "
          f"{acc_b * 100:.2f}% of {total} ({time.perf_counter() - t0:.0f} s)")
    print("   recall per class: " + " ".join(f"{d}:{confusion[d, d] / confusion[d].sum() * 100:.0f}%" for d in range(10)))
    worst = sorted(((confusion[t, p], t, p) for t in range(10) for p in range(10) if t != p), reverse=True)[:5]
    print("   most common confusions (true->predicted: count): " + ", ".join(f"{t}->{p}: {c}" for c, t, p in worst if c))
    if args.save_examples:
        from PIL import Image

        sheet = np.vstack([np.hstack(examples[r * 10 : r * 10 + 10]) for r in range(len(examples) // 10)])
        Image.fromarray((255 - sheet * 255).astype(np.uint8)).resize((sheet.shape[1] // 2, sheet.shape[0] // 2)).save(args.save_examples)
        print(f"   wrote examples to {args.save_examples}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
