"""Open the real window, draw a digit in it with mouse events and save a screenshot (docs/screenshot.png).

    python scripts/screenshot.py [--weights FILE] [--out docs/screenshot.png] [--size 1280x800]
                                 [--side-tab Map] [--wait 20]

Runs offscreen when there is no display (or under Xvfb: ``xvfb-run python scripts/screenshot.py``).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A hand-drawn-looking 5: the flag, the stem, the belly (x, y as fractions of the canvas).
FIVE = [
    [(0.66, 0.22), (0.52, 0.225), (0.40, 0.235)],
    [(0.405, 0.24), (0.39, 0.34), (0.375, 0.46)]
    + [(0.5 + 0.17 * math.cos(a), 0.60 + 0.15 * math.sin(a)) for a in [math.radians(d) for d in range(-140, 141, 14)]]
    + [(0.32, 0.70)],
]


def _points(stroke: list[tuple[float, float]], step: float = 0.012) -> list[tuple[float, float]]:
    """Interpolate so that consecutive points are about ``step`` apart, like mouse events."""
    out = [stroke[0]]
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        n = max(1, round(math.hypot(x1 - x0, y1 - y0) / step))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="checkpoint (default: the shipped 'default' model)")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshot.png"))
    parser.add_argument("--size", default="1280x800", help="window size, WxH")
    parser.add_argument("--side-tab", default="Feature maps", help="which side tab to show")
    parser.add_argument("--wait", type=float, default=0.5, help="seconds to let the views catch up (Dreams and "
                        "Map compute in the job process: about 20)")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from mnist_pad.core.checkpoint import load
    from mnist_pad.core.device import describe, resolve_device
    from mnist_pad.core.paths import shipped_weights
    from mnist_pad.qt.app_state import AppState
    from mnist_pad.qt.replay import replay
    from mnist_pad.qt.window import MainWindow

    app = QApplication.instance() or QApplication([])
    device = resolve_device("cpu")
    window = MainWindow(AppState(load(args.weights or shipped_weights("default"), device)), describe(device))
    width, height = (int(v) for v in args.size.lower().split("x"))
    window.resize(width, height)
    window.show()
    tabs = window.pad.side_tabs
    for i in range(tabs.count()):
        if tabs.tabText(i).replace("&&", "&") == args.side_tab:
            tabs.setCurrentIndex(i)
    app.processEvents()
    replay(window.pad.canvas, [_points(s) for s in FIVE], after_move=app.processEvents)
    window.pad.feature_maps.set_layer("conv2")
    deadline = time.monotonic() + args.wait  # let the throttled views (and the job process's) catch up
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(args.out):
        print(f"could not write {args.out}", file=sys.stderr)
        return 1
    pred = window.pad.prediction
    print(f"wrote {args.out} ({width}x{height}); the pad reads {pred.top} "
          f"({pred.probabilities[pred.top]:.0%})" if pred.top is not None else f"wrote {args.out}")
    window.close()
    window.deleteLater()  # torn down while Qt is alive, not by the interpreter's final garbage collection
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
