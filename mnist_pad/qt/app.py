"""``mnist-pad`` with no subcommand: the window, with the shipped model (or ``--weights``).

The canvas runs one 28x28 image at a time; on the CPU that takes well under a millisecond, less than a GPU
launch and copy, so ``--device auto`` keeps the pad's inference on the CPU. Only an explicit device
(``--device cuda``) moves the model there.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback

import torch

from PySide6.QtWidgets import QApplication, QMessageBox

from ..core.checkpoint import CheckpointError, load
from ..core.device import DeviceError, describe, resolve_device
from ..core.paths import shipped_weights
from .platform_check import platform_problem


def leave_a_core_to_the_ui() -> None:
    """torch computes on all but one core, here and in the job process (core.jobhost passes the count on):
    a job with every core busy makes the event loop stall (and oversubscribed OpenMP threads slow the job
    itself down)."""
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))


def collect_garbage_on_the_ui_thread() -> object:
    """Python's cyclic garbage collector runs in whichever thread happens to allocate when a threshold is
    crossed. When that is a background thread (the pad's ONNX engine builder, a worker) and the garbage
    holds Qt objects, their C++ destructors run off the UI thread and Qt crashes: a segfault seen once in
    the test suite. pyqtgraph's GarbageCollector turns automatic collection off and collects on a timer of
    the UI thread instead.

    Call it once the window is built: it also freezes every object that exists by then (the modules, the
    window, the model: some 235,000), so that no collection has to look at them again. A full collection
    over them took 113 ms of the UI thread on the 2-core machine, a visible stall; after the freeze, well
    under a millisecond. Keep the returned object for as long as the application runs."""
    from pyqtgraph.util.garbage_collector import GarbageCollector  # after PySide6: pyqtgraph uses that binding

    gc.collect()
    gc.freeze()
    return GarbageCollector(interval=1.0)


def report_unexpected_errors() -> None:
    """An exception that escapes a slot would otherwise be only a traceback on stderr, which a user who
    started the app from a menu never sees: print the traceback (for a bug report) and say it in a message
    box too. The window stays usable."""

    def hook(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        traceback.print_exception(kind, value, tb)
        QMessageBox.warning(QApplication.activeWindow(), "mnist-pad",
                            f"Something went wrong: {value or kind.__name__}\n\nThe window still works; the details "
                            "were printed to the terminal, for a bug report.")

    sys.excepthook = hook


def _refuse(message: str, line: str) -> int:
    """A start-up failure: one line on stderr for the terminal, a message box for the desktop; exit code 2."""
    print(f"mnist-pad: error: {line}", file=sys.stderr)
    QMessageBox.critical(None, "mnist-pad", message)
    return 2


def launch(weights: str | None = None, device: str = "auto") -> int:
    """Open the window and run the event loop; returns the exit code (2 when the model cannot be loaded)."""
    problem = None if QApplication.instance() else platform_problem()
    if problem:
        print(f"mnist-pad: error: {problem}", file=sys.stderr)
        return 2
    leave_a_core_to_the_ui()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("mnist-pad")
    path = weights or shipped_weights("default")
    try:
        dev = resolve_device("cpu" if device == "auto" else device)
    except DeviceError as exc:
        return _refuse(f"Cannot start on that device: {exc}.", str(exc))
    try:
        ckpt = load(path, dev)
    except CheckpointError as exc:
        hint = "" if weights else "\n\nThe shipped weights are missing or damaged: reinstall mnist-pad, or pass --weights FILE."
        return _refuse(f"Cannot load the model:\n{exc}{hint}", str(exc))

    from .app_state import AppState
    from .window import MainWindow

    state = AppState(ckpt)
    window = MainWindow(state, describe(dev))
    geometry = state.settings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    window.show()
    report_unexpected_errors()
    collector = collect_garbage_on_the_ui_thread()  # noqa: F841 - alive until the window closes
    code = app.exec()
    state.settings.setValue("window/geometry", window.saveGeometry())
    return code
