"""A view that computes what it shows in the session's job process, when it is shown: the pad's Dreams and
Map. It shares the process with the Train and Evaluate tabs, one job at a time (the window tells it, through
:meth:`JobView.set_busy_elsewhere`, whether another view's job holds the process), and does not start again
by itself what failed until the process is free again."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from .app_state import AppState
from .job_runner import JobRunner


class JobView(QWidget):
    def __init__(self, app: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.runner = JobRunner(self, app.jobs)
        self._failed: set = set()  # choices whose job failed: not started again by themselves
        self._busy_elsewhere = False

    def set_busy_elsewhere(self, busy: bool) -> None:
        """Another view's job holds the job process: compute when it has ended."""
        self._busy_elsewhere = busy
        if not busy:
            self._failed.clear()  # a job that failed while the process was busy may well work now
            self._show()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.app.start_jobs()
        self._show()

    def _show(self) -> None:
        """Show what is chosen when it is known; else start computing it (when visible and the process is free)."""
        raise NotImplementedError
