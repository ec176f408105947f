"""One runner for every long job of the window (the shape of Anki's ``QueryOp``): a job is a core generator
whose items are :class:`~mnist_pad.core.progress.Progress` and whose ``return`` value is its result, run
driven by a :class:`~mnist_pad.qt.worker.Worker` thread; the result is handed to the caller's ``on_done``
once, on the UI thread. One job at a time per runner.

A runner made with a :class:`~mnist_pad.core.jobhost.JobHost` runs jobs in that process
(:meth:`JobRunner.in_process`): fine-tuning, training and evaluation, which would otherwise stall the window
(docs/training-tab.md). Both tabs share the session's process (:attr:`AppState.jobs`), one job at a time.

    runner = JobRunner(self, JobHost())
    runner.progress.connect(plot)
    runner.message.connect(show)            # text, is_error
    runner.run(runner.in_process(finetune_job, ...), on_done=use_model, message="Fine-tuning...")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from ..core.data import DataMissing
from ..core.jobhost import JobHost
from .worker import Worker


class JobRunner(QObject):
    progress = Signal(object)  # each Progress the running job yields
    message = Signal(str, bool)  # what the runner has to say (started, failed, cancelled) and whether it is an error
    running_changed = Signal(bool)  # a job started (True) or the last one ended (False)
    # a job failed for want of a dataset: the DataMissing, and the run's ``retry`` (or None); the tab asks the
    # user for the folder or leave to download (qt.data_prompt), instead of showing the core's message
    needs_data = Signal(object, object)

    def __init__(self, parent: QObject | None = None, host: JobHost | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.worker: Worker | None = None  # the current (or last) run's worker
        qt_app = QCoreApplication.instance()
        if qt_app is not None:
            qt_app.aboutToQuit.connect(self.shutdown)  # no job thread or process outlives the window

    def in_process(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Callable[[], Iterable]:
        """A job that runs ``fn(*args, **kwargs)`` in the runner's job process (its arguments travel pickled)."""
        if self.host is None:
            raise RuntimeError("this runner has no job process")
        return lambda: self.host.run(fn, *args, **kwargs)

    def run(self, job: Callable[[], Iterable], on_done: Callable[[Any], None], message: str,
            cancelled: str | None = None, retry: Callable[[], None] | None = None) -> bool:
        """Start ``job()`` in a worker thread unless a job is running (then False). ``on_done(result)`` gets
        its return value on the UI thread; it may start the next job. ``cancelled`` is said on a cancel
        ("Cancelled." unless given).
        ``retry`` starts the same run again: offered with :attr:`needs_data` once the data can be found."""
        if self.is_running():
            return False
        if cancelled is None:
            cancelled = self.tr("Cancelled.")
        if self.worker is not None:
            self.worker.deleteLater()  # its thread has ended (is_running() is False)
        self.worker = worker = Worker(job, self)
        worker.progress.connect(self.progress)
        worker.finished.connect(on_done)
        worker.failed.connect(lambda text: self._failed(worker, text, retry))
        worker.cancelled.connect(lambda: self.message.emit(cancelled, False))
        worker.stopped.connect(lambda: None if self.is_running() else self.running_changed.emit(False))
        self.message.emit(message, False)
        worker.start()
        self.running_changed.emit(True)  # after the start: listeners asking is_running() hear True
        return True

    def _failed(self, worker: Worker, text: str, retry: Callable[[], None] | None) -> None:
        if isinstance(worker.failure, DataMissing):
            self.needs_data.emit(worker.failure, retry)
        else:
            self.message.emit(text, True)

    def is_running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def cancel(self) -> None:
        """Stop the running job at its next report (nothing it would have saved is saved)."""
        if self.worker is not None:
            self.worker.cancel()

    def shutdown(self) -> None:
        """Cancel and wait for the thread: the window is closing. (The job process, which other runners may
        share, is closed by its owner, :meth:`mnist_pad.qt.app_state.AppState.close`.)"""
        if self.worker is not None:
            self.worker.shutdown()
