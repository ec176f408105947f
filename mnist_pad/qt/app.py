"""``mnist-pad`` with no subcommand: the window, with the shipped model (or ``--weights``).

The canvas runs one 28x28 image at a time; on the CPU that takes well under a millisecond, less than a GPU
launch and copy, so ``--device auto`` keeps the pad's inference on the CPU. Only an explicit device
(``--device cuda``) moves the model there.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QMessageBox

from ..core.checkpoint import Checkpoint, CheckpointError, load
from ..core.device import DeviceError, DeviceMissing, describe, resolve_device
from ..core.files import BadInput
from ..core.paths import shipped_weights
from .i18n import refusal, translate
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
    under a millisecond. (No collection runs before the freeze: the garbage of start-up is small, and
    collecting it cost more than it frees.) Keep the returned object for as long as the application runs."""
    from pyqtgraph.util.garbage_collector import GarbageCollector  # after PySide6: pyqtgraph uses that binding

    gc.freeze()
    return GarbageCollector(interval=1.0)


def report_unexpected_errors() -> Callable:
    """An exception that escapes a slot would otherwise be only a traceback on stderr, which a user who
    started the app from a menu never sees: print the traceback (for a bug report) and say it in a message
    box too. The window stays usable. Returns the hook it replaced (put back when the loop has ended)."""

    def hook(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        traceback.print_exception(kind, value, tb)
        QMessageBox.warning(QApplication.activeWindow(), "mnist-pad",
                            translate("App", "Something went wrong: {0}\n\nThe window still works; the details "
                                      "were printed to the terminal, for a bug report.").format(value or kind.__name__))

    previous, sys.excepthook = sys.excepthook, hook
    return previous


def _refuse(message: str, line: str) -> int:
    """A start-up failure: one line on stderr for the terminal, a message box for the desktop; exit code 2."""
    print(f"mnist-pad: error: {line}", file=sys.stderr)
    QMessageBox.critical(None, "mnist-pad", message)
    return 2


@contextlib.contextmanager
def quit_on_signals(app: QApplication) -> Iterator[None]:
    """While the event loop runs, SIGTERM (a logout, ``kill``) and SIGINT (Ctrl+C in the terminal) quit the
    application as the window's Quit does: the job process is stopped and its semaphores released (a plain
    SIGTERM used to kill Python outright and leave them leaked). Python runs a signal handler only when it
    gets control back, which Qt's event loop does not give: a wake-up socket watched by the event loop does.
    Exit codes 143 and 130. The previous handlers are back afterwards."""
    ours, wakeup = socket.socketpair()
    for sock in (ours, wakeup):
        sock.setblocking(False)
    notifier = QSocketNotifier(ours.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda *_: ours.recv(64))  # draining it gives Python the turn to run the handler
    old_fd = signal.set_wakeup_fd(wakeup.fileno())
    old = {sig: signal.signal(sig, lambda *_, code=code: app.exit(code))
           for sig, code in ((signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130))}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(old_fd)
        notifier.setEnabled(False)
        ours.close()
        wakeup.close()


def _start_model(weights: str | None, settings, dev) -> tuple[Checkpoint, str | None]:
    """The model to start with: ``weights``, else the one in use when the window last closed, else the
    shipped default. A remembered model that cannot be loaded any more is skipped with a note (returned)."""
    remembered = "" if weights else str(settings.value("model/path", "") or "")
    if remembered and Path(remembered).is_file():
        try:
            return load(remembered, dev), None
        except CheckpointError as exc:
            note = translate("App", "The model used last time could not be loaded ({0}); the shipped model is in "
                                    "use.").format(exc)
            return load(shipped_weights("default"), dev), note
    return load(weights or shipped_weights("default"), dev), None


def launch(weights: str | None = None, device: str = "auto") -> int:
    """Open the window and run the event loop; returns the exit code (2 when the model cannot be loaded)."""
    problem = None if QApplication.instance() else platform_problem()
    if problem:
        print(f"mnist-pad: error: {problem}", file=sys.stderr)
        return 2
    leave_a_core_to_the_ui()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("mnist-pad")
    from .app_state import AppState, app_settings
    from .i18n import install_language
    from .theme import THEMES, apply_theme

    settings = app_settings()
    install_language(app, settings)
    fallback = None
    try:
        dev = resolve_device("cpu" if device == "auto" else device)
    except DeviceMissing as exc:  # the pad still works, on the CPU: start there and say why
        print(f"mnist-pad: warning: {exc}; the pad runs on the CPU", file=sys.stderr)
        dev, fallback = resolve_device("cpu"), translate("App", "No GPU here ({0}): the pad runs on the CPU.").format(exc)
    except DeviceError as exc:
        return _refuse(translate("App", "Cannot start on that device: {0}.").format(exc), str(exc))
    try:
        ckpt, note = _start_model(weights, settings, dev)
    except CheckpointError as exc:
        hint = "" if weights else "\n\n" + translate(
            "App", "The shipped weights are missing or damaged: reinstall mnist-pad, or pass --weights FILE.")
        return _refuse(translate("App", "Cannot load the model:\n{0}").format(exc) + hint, str(exc))

    from .window import THEME_KEY, MainWindow

    theme = str(settings.value(THEME_KEY, "system") or "system")
    apply_theme(app, theme if theme in THEMES else "system")
    try:
        state = AppState(ckpt, settings=settings)
    except BadInput as exc:  # a model the pad cannot read (a CIFAR-10 net)
        return _refuse(translate("App", "Cannot show this model in the window:\n{0}").format(refusal(exc)), str(exc))
    window = MainWindow(state, describe(dev))
    start = Path(weights) if weights else shipped_weights("default")
    if ckpt.path is None or Path(ckpt.path).resolve() != start.resolve():  # the model used last time
        try:
            window.train.picker.set_base(load(start, dev))
        except CheckpointError:
            pass  # Revert then returns to the model the window started with
    window.restore_state()
    window.show()
    notes = [text for text in (fallback, note) if text]
    if notes:
        window.statusBar().showMessage(" ".join(notes), 20000)
    previous_hook = report_unexpected_errors()
    collector = collect_garbage_on_the_ui_thread()  # noqa: F841 - alive until the window closes
    with quit_on_signals(app):
        code = app.exec()
    sys.excepthook = previous_hook  # no message box without an event loop
    state.predictor.wait_ready(5.0)  # the ONNX engine's builder must not outlive the interpreter's shutdown
    if window.isVisible():  # quit by a signal: the window was not closed, so its state is kept here
        window.save_state()
    return code
