"""Measure how long the UI event loop is blocked: a timer that should fire every few milliseconds records
the gaps between its firings. A gap much longer than the interval is a stall the user would feel (a frame
at 60 Hz is 16.7 ms). Used by the tests and by ``scripts/bench_ui_stall.py``."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer


class StallMeter(QObject):
    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.gaps_ms: list[float] = []
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps_ms.append((now - self._last) * 1000)
        self._last = now

    @property
    def longest_ms(self) -> float:
        return max(self.gaps_ms, default=0.0)

    def summary(self) -> dict:
        gaps = np.asarray(self.gaps_ms or [0.0])
        return {"ticks": len(self.gaps_ms), "longest_ms": round(float(gaps.max()), 1),
                "p99_ms": round(float(np.percentile(gaps, 99)), 1), "median_ms": round(float(np.median(gaps)), 1),
                "over_50ms": int((gaps > 50).sum())}
