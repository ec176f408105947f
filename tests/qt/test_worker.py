"""The generic worker: items reach the UI thread, cancel stops at the next yield, failures become messages,
and no thread is left running."""

from __future__ import annotations

import threading
import time

import pytest

from mnist_pad.core.data import DataError
from mnist_pad.qt.worker import Worker


def _counting(n: int, delay: float = 0.0, log: list | None = None):
    def job():
        try:
            for i in range(n):
                time.sleep(delay)
                yield i
            return "done"
        finally:
            if log is not None:
                log.append(threading.current_thread())

    return job


def test_emits_every_item_in_order_then_finishes_with_the_return_value(qtbot):
    worker = Worker(_counting(5))
    items: list[int] = []
    worker.progress.connect(items.append)
    with qtbot.waitSignal(worker.finished, timeout=5000) as finished:
        worker.start()
    assert items == [0, 1, 2, 3, 4]
    assert finished.args == ["done"]
    assert not worker.is_running()
    assert worker.wait(0)  # the thread has ended


def test_items_arrive_on_the_ui_thread_while_the_job_runs_elsewhere(qtbot):
    job_threads: list[threading.Thread] = []

    def job():
        job_threads.append(threading.current_thread())
        yield 1

    worker = Worker(job)
    seen_on: list[threading.Thread] = []
    worker.progress.connect(lambda _: seen_on.append(threading.current_thread()))
    with qtbot.waitSignal(worker.stopped, timeout=5000):
        worker.start()
    assert seen_on == [threading.main_thread()]
    assert job_threads and job_threads[0] is not threading.main_thread()


def test_cancel_stops_at_the_next_yield_and_closes_the_generator_in_its_thread(qtbot):
    closed_in: list[threading.Thread] = []
    worker = Worker(_counting(10_000, delay=0.002, log=closed_in))
    items: list[int] = []
    worker.progress.connect(items.append)
    finished = []
    worker.finished.connect(finished.append)
    worker.start()
    qtbot.waitUntil(lambda: len(items) >= 3, timeout=5000)
    with qtbot.waitSignals([worker.cancelled, worker.stopped], timeout=5000, order="strict"):
        worker.cancel()
    assert not finished
    assert len(items) < 10_000
    assert closed_in and closed_in[0] is not threading.main_thread()  # the generator's finally ran off the UI thread
    assert not worker.is_running()
    assert worker.wait(0)
    count = len(items)
    qtbot.wait(50)
    assert len(items) == count  # nothing trickles in after the cancel


def test_cancel_before_start_runs_nothing(qtbot):
    built = []

    def job():
        built.append(1)
        yield 1

    worker = Worker(job)
    worker.cancel()
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.start()
    assert built == []


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DataError("mnist data not found. Put these four files ..."), "mnist data not found. Put these four files ..."),
        (ZeroDivisionError("division by zero"), "ZeroDivisionError: division by zero"),
    ],
)
def test_a_failure_comes_through_as_a_message(qtbot, error, expected):
    def job():
        yield 1
        raise error

    worker = Worker(job)
    items: list[int] = []
    worker.progress.connect(items.append)
    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.start()
    assert failed.args == [expected]
    assert items == [1]
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=5000)


def test_a_failure_while_building_the_job_is_reported_too(qtbot):
    def factory():
        raise DataError("fashion-mnist data not found")

    worker = Worker(factory)
    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.start()
    assert failed.args == ["fashion-mnist data not found"]


def test_shutdown_leaves_no_running_thread(qtbot):
    worker = Worker(_counting(10_000, delay=0.002))
    worker.start()
    qtbot.wait(20)
    assert worker.shutdown(5000)
    assert worker.wait(0)
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=5000)


def test_a_worker_runs_once(qtbot):
    worker = Worker(_counting(1))
    with qtbot.waitSignal(worker.stopped, timeout=5000):
        worker.start()
    with pytest.raises(RuntimeError, match="runs once"):
        worker.start()


def test_the_job_runner_hands_results_once_chains_jobs_and_says_when_all_ended(qtbot):
    from mnist_pad.qt.job_runner import JobRunner

    runner = JobRunner()
    results, running, said = [], [], []
    runner.running_changed.connect(running.append)
    runner.message.connect(lambda text, error: said.append((text, error)))

    def first_done(result) -> None:
        results.append(result)
        assert runner.run(_counting(2), results.append, "second")  # a result may start the next job

    assert runner.run(_counting(3), first_done, "first")
    assert not runner.run(_counting(1), results.append, "refused")  # one job at a time
    qtbot.waitUntil(lambda: running and running[-1] is False, timeout=5000)
    assert results == ["done", "done"] and running == [True, True, False]
    assert said == [("first", False), ("second", False)]

    def failing():
        yield 1
        raise DataError("no data here")

    assert runner.run(failing, results.append, "third")
    qtbot.waitUntil(lambda: running[-1] is False and len(said) == 4, timeout=5000)
    assert said[-1] == ("no data here", True) and results == ["done", "done"]
    runner.shutdown()
