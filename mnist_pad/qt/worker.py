"""Run any core generator (training, fine-tuning, evaluation, ...) off the UI thread.

The core's long jobs are generators that yield progress reports; cancelling one means no longer iterating
(docs/architecture.md). :class:`Worker` iterates such a generator in a :class:`QThread` and relays every yielded item
to the UI thread through :attr:`Worker.progress`. :meth:`Worker.cancel` stops the job at its next yield and
closes the generator *in the worker thread* (so its ``finally`` blocks run there, never on the UI thread).

Exactly one of ``finished(result)``, ``cancelled()`` or ``failed(message)`` is emitted per run, always
after the thread has really ended, followed by ``stopped()``. ``result`` is the generator's ``return``
value, so a job can do its last heavy step (evaluating, saving) in the worker and hand the outcome back::

    def job():
        trainer = Trainer(cfg, train, val)     # built in the worker thread, not on the UI thread
        yield from trainer.run()
        return trainer.model

    worker = Worker(job)
    worker.progress.connect(plot)
    worker.finished.connect(use_model)
    worker.start()
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

log = logging.getLogger(__name__)

JobFactory = Callable[[], Iterable[Any]]


class _Thread(QThread):
    """Iterates the job; reports each item by a signal. Its outcome is read after the thread has ended."""

    item = Signal(object)

    def __init__(self, factory: JobFactory, cancel: threading.Event) -> None:
        super().__init__()
        self._factory = factory
        self._cancel = cancel
        self.outcome = "cancelled"  # "finished" | "cancelled" | "failed"
        self.result: Any = None
        self.error = ""
        self.exception: BaseException | None = None

    def run(self) -> None:
        iterator = None
        try:
            if self._cancel.is_set():
                return
            iterator = iter(self._factory())
            while not self._cancel.is_set():
                try:
                    item = next(iterator)
                except StopIteration as stop:
                    self.outcome, self.result = "finished", stop.value
                    return
                if self._cancel.is_set():
                    return
                self.item.emit(item)
        except Exception as exc:  # noqa: BLE001 - any failure of the job is reported to the UI, never raised into Qt
            # Our own errors are expected conditions told in full sentences (missing data, a busy job process):
            # the window says them; others are bugs, whose traceback goes to the log for a report.
            log.log(logging.DEBUG if type(exc).__module__.startswith("mnist_pad") else logging.ERROR,
                    "background job failed", exc_info=True)
            self.outcome, self.error, self.exception = "failed", _message(exc), exc
        finally:
            close = getattr(iterator, "close", None)
            if close is not None and self.outcome != "finished":
                try:
                    close()
                except Exception:  # noqa: BLE001 - a failure while cleaning up after a cancel is only logged
                    log.exception("closing the cancelled job failed")


def _message(exc: BaseException) -> str:
    """A one-line-first message for the UI: errors of our own carry full sentences; others get their type."""
    text = str(exc).strip()
    if type(exc).__module__.startswith("mnist_pad"):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Worker(QObject):
    """One run of one job in its own thread. Create a new Worker for each run."""

    progress = Signal(object)  # each item the job yields, on the UI thread
    finished = Signal(object)  # the job ran to its end; its return value
    cancelled = Signal()  # cancel() stopped it
    failed = Signal(str)  # it raised; the message says what went wrong
    stopped = Signal()  # after any of the three above: the thread has ended

    def __init__(self, factory: JobFactory, parent: QObject | None = None) -> None:
        """``factory`` is called in the worker thread and returns the iterable to run (usually a generator),
        so that building the job (moving data to the device, building a model) does not block the UI."""
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread = _Thread(factory, self._cancel)
        self._thread.item.connect(self._relay)
        self._thread.finished.connect(self._on_thread_finished)
        self._started = False
        self._done = False

    def start(self) -> None:
        if self._started:
            raise RuntimeError("a Worker runs once; create a new one for another run")
        self._started = True
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next yield (returns at once; ``cancelled`` follows)."""
        self._cancel.set()

    def is_running(self) -> bool:
        return self._started and not self._done

    @property
    def failure(self) -> BaseException | None:
        """What the job raised, once ``failed`` was emitted (callers that treat some failures apart)."""
        return self._thread.exception

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the thread has ended (for shutdown and tests); True if it has. Signals still queued
        for the UI thread are delivered by the next event-loop turn."""
        return self._thread.wait(timeout_ms) if self._started else True

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and wait: what a closing window calls so that no thread outlives it."""
        self.cancel()
        return self.wait(timeout_ms)

    def _relay(self, item: object) -> None:
        if not self._cancel.is_set():  # items already queued when cancel() was called are dropped
            self.progress.emit(item)

    def _on_thread_finished(self) -> None:
        self._thread.wait()  # the QThread's finished signal can arrive a moment before run() has fully returned
        self._done = True
        thread = self._thread
        if thread.outcome == "finished":
            self.finished.emit(thread.result)
        elif thread.outcome == "failed":
            self.failed.emit(thread.error)
        else:
            self.cancelled.emit()
        self.stopped.emit()
