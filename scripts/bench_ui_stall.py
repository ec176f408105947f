"""How responsive the window stays while the Train tab works, and how the gallery copes with 5,000 samples.

A 5 ms timer on the UI thread records the gaps between its firings (mnist_pad.qt.stall.StallMeter) while
  idle      nothing runs: the floor set by the machine's load;
  finetune  the default fine-tune (FinetuneConfig()) of the base model on 50 user samples, with MNIST replay
            and the before/after MNIST evaluation, runs in the tab's job process (started as the tab is
            shown, so its start and loading MNIST are included);
  finetune+pad  the same while the pad predicts a drawing every 20 ms (the user keeps drawing; the pad's
            own work on the UI thread counts in the gaps);
  train     training from scratch (arch "fast", 1 epoch on --train-images MNIST images) runs there too;
  gallery   5,000 samples are written to a store, then loading the store, opening the tab and scrolling the
            gallery from top to bottom are timed (each scroll step is one full repaint).
The window is set up as the app sets it up (a core left to the UI, garbage collected on the UI thread only).
The figures go to docs/training-tab.md and docs/results/bench_ui_stall.json. Usage:

    PYTHONPATH=. python3 scripts/bench_ui_stall.py [--scenario finetune train gallery] [--weights W] [--json]

MNIST comes from $MNIST_PAD_DATA or ../shared/datasets/mnist; the base model from --weights, else the
shipped default weights.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("MNIST_PAD_DATA", str(REPO.parent / "shared" / "datasets" / "mnist"))
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mnist_pad.core.checkpoint import load  # noqa: E402
from mnist_pad.core.data import Split, load_split  # noqa: E402
from mnist_pad.core.finetune import FinetuneConfig  # noqa: E402
from mnist_pad.core.download import DataSource  # noqa: E402
from mnist_pad.core.paths import shipped_weights  # noqa: E402
from mnist_pad.core.samples import SampleStore  # noqa: E402
from mnist_pad.core.strokes import render  # noqa: E402
from mnist_pad.qt.app import collect_garbage_on_the_ui_thread, leave_a_core_to_the_ui  # noqa: E402
from mnist_pad.qt.app_state import AppState  # noqa: E402
from mnist_pad.core.checkpoint import Checkpoint  # noqa: E402
from mnist_pad.qt.pad import PadTab  # noqa: E402
from mnist_pad.qt.stall import StallMeter  # noqa: E402
from mnist_pad.qt.train_tab import TrainTab  # noqa: E402

SEVEN = [np.array([[0.25, 0.25, 1], [0.75, 0.25, 1], [0.45, 0.8, 1]], np.float32)]


def _settings(folder: Path) -> QSettings:
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def _spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(tab: TrainTab, timeout_s: float = 600) -> None:
    """Until the job has stopped, then 500 ms more: the switch to the new model happens on the UI thread
    after the job (AppState builds its Predictor there), and its stall must be counted too."""
    loop = QEventLoop()
    tab.runner.running_changed.connect(lambda running: None if running else loop.quit())
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    if tab.is_running():
        loop.exec()
    _spin(500)


def _user_samples(store: SampleStore, per_class: int) -> None:
    """Another hand: MNIST test digits thickened and slanted, per_class of each class."""
    test = load_split("mnist", "test")
    for c in range(10):
        idx = torch.nonzero(test.labels == c).flatten()[:per_class]
        for i in idx.tolist():
            img = torch.from_numpy(np.roll(test.images[i].numpy(), 1, axis=1))
            thick = torch.nn.functional.max_pool2d(img[None, None].float(), 3, 1, 1)[0, 0]
            store.add(c, thick.clamp(0, 255).to(torch.uint8).numpy())


@dataclass(frozen=True)
class FirstImages:
    """The dataset with only its first ``n`` training images (a class, not a closure: the job process
    receives it pickled)."""

    n: int

    def __call__(self, dataset: str, split: str) -> Split:
        data = DataSource()(dataset, split)
        return data.subset(slice(0, self.n)) if split == "train" else data


def bench_idle(seconds: float = 10.0) -> dict:
    """The floor: the same timer with nothing running (what the machine's load alone costs)."""
    meter = StallMeter()
    meter.start()
    _spin(int(seconds * 1000))
    meter.stop()
    return {"scenario": "idle", "wall_s": seconds, **meter.summary()}


def bench_finetune(base: Checkpoint, folder: Path, with_pad: bool) -> dict:
    store = SampleStore(folder / "samples-ft")
    _user_samples(store, 5)
    state = AppState(base, store, _settings(folder))
    tab = TrainTab(state)
    pad = PadTab(state)
    tab.resize(1280, 800)
    tab.show()
    pad.canvas.set_strokes(SEVEN)
    drawing = QTimer()
    drawing.setInterval(20)
    drawing.timeout.connect(pad.refresh)  # the user keeps drawing: one prediction every 20 ms
    meter = StallMeter()
    QApplication.processEvents()
    if with_pad:
        drawing.start()
    meter.start()
    t0 = time.perf_counter()
    in_use = []
    state.model_changed.connect(lambda: in_use.append(time.perf_counter() - t0))
    tab.start_finetune(FinetuneConfig())
    _wait(tab)
    seconds = time.perf_counter() - t0
    meter.stop()
    drawing.stop()
    report = tab.results.report
    out = {"scenario": "finetune+pad" if with_pad else "finetune", "wall_s": round(seconds, 2),
           "model_in_use_s": round(in_use[0], 2) if in_use else None, "pad_predictions": pad.updates, **meter.summary()}
    if report is not None:
        out.update(finetune_s=round(report.seconds, 2), heldout_before=report.heldout_before.accuracy,
                   heldout_after=report.heldout_after.accuracy, mnist_before=report.mnist_before,
                   mnist_after=report.mnist_after)
    tab.shutdown()
    state.close()
    tab.close()
    pad.close()
    return out


def bench_train(base: Checkpoint, folder: Path, train_images: int) -> dict:
    state = AppState(base, SampleStore(folder / "samples-tr"), _settings(folder))
    state.load_split = FirstImages(train_images)
    tab = TrainTab(state)
    tab.resize(1280, 800)
    tab.show()
    tab.scratch_options.arch.setCurrentText("fast")
    tab.scratch_options.epochs.setValue(1)
    meter = StallMeter()
    QApplication.processEvents()
    meter.start()
    t0 = time.perf_counter()
    tab.start_training()
    _wait(tab)
    seconds = time.perf_counter() - t0
    meter.stop()
    acc = state.checkpoint.meta.get("test_accuracy")
    tab.shutdown()
    state.close()
    tab.close()
    return {"scenario": "train", "train_images": train_images, "wall_s": round(seconds, 2), "test_accuracy": acc,
            **meter.summary()}


def bench_gallery(base: Checkpoint, folder: Path, n: int) -> dict:
    root = folder / "samples-5k"
    store = SampleStore(root)
    image = render(SEVEN, 280)
    t0 = time.perf_counter()
    for i in range(n):
        store.add(i % 10, image, SEVEN)
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store = SampleStore(root)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tab = TrainTab(AppState(base, store, _settings(folder)))
    tab.resize(1280, 800)
    tab.show()
    QApplication.processEvents()
    open_s = time.perf_counter() - t0
    view = tab.gallery.view
    bar = view.verticalScrollBar()
    frames = []
    while True:
        t0 = time.perf_counter()
        bar.setValue(bar.value() + max(1, bar.pageStep() // 2))
        view.viewport().repaint()
        QApplication.processEvents()
        frames.append((time.perf_counter() - t0) * 1000)
        if bar.value() >= bar.maximum():
            break
    tab.close()
    return {"scenario": "gallery", "samples": len(store), "write_s": round(write_s, 2), "store_load_s": round(load_s, 3),
            "tab_open_s": round(open_s, 3), "scroll_frames": len(frames),
            "scroll_frame_longest_ms": round(max(frames), 1), "scroll_frame_median_ms": round(float(np.median(frames)), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=("idle", "finetune", "finetune+pad", "train", "gallery"),
                        default=["idle", "finetune", "finetune+pad", "train", "gallery"])
    parser.add_argument("--weights", default=None, help="base model (default: the shipped default weights)")
    parser.add_argument("--train-images", type=int, default=10_000, help="MNIST images for the train scenario")
    parser.add_argument("--samples", type=int, default=5000, help="samples for the gallery scenario")
    parser.add_argument("--json", action="store_true", help="one JSON object per scenario")
    args = parser.parse_args()
    # Samples and models go here only. Set here, not at import: the job process imports this script again.
    os.environ["MNIST_PAD_HOME"] = tempfile.mkdtemp(prefix="bench-ui-stall-")
    leave_a_core_to_the_ui()  # as the app does
    app = QApplication.instance() or QApplication(sys.argv[:1])
    weights = args.weights or shipped_weights("default")
    base = load(weights)
    collector = collect_garbage_on_the_ui_thread()  # noqa: F841 - as the app does once its window is up
    folder = Path(os.environ["MNIST_PAD_HOME"])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, base {weights}", file=sys.stderr)
    for scenario in args.scenario:  # each starts from the base model
        if scenario == "idle":
            result = bench_idle()
        elif scenario.startswith("finetune"):
            result = bench_finetune(base, folder, with_pad=scenario == "finetune+pad")
        elif scenario == "train":
            result = bench_train(base, folder, args.train_images)
        else:
            result = bench_gallery(base, folder, args.samples)
        result["load_average"] = round(os.getloadavg()[0], 1)
        print(json.dumps(result) if args.json else "  ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
