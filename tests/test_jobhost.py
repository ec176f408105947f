"""The job host: jobs run in another process, their items and results come back, failures keep their type
and message, cancelling runs the job's cleanup there, a dead process is reported and replaced."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import torch

from mnist_pad.core.data import DataError
from mnist_pad.core.jobhost import JobHost, JobProcessDied
from synthetic import drain


# --- jobs (module level: they are pickled by reference and imported in the child) ---------------------------
def counting(n: int, marks: Path | None = None):
    """Yields (i, pid); writes "finished" or "closed" to ``marks`` as its cleanup."""
    outcome = "closed"
    try:
        for i in range(n):
            yield i, os.getpid()
            time.sleep(0.01)
        outcome = "finished"
        return f"counted {n}"
    finally:
        if marks is not None:
            marks.write_text(outcome)


def failing(exc: BaseException):
    yield "about to fail"
    raise exc


def failing_unpicklably():
    yield "about to fail"
    raise Unpicklable(7, "broken")


def reporting_environment(name: str):
    yield os.environ.get(name), torch.get_num_threads()


def dying():
    yield os.getpid()
    os.kill(os.getpid(), signal.SIGKILL)
    yield "never"


def yielding_a_lambda():
    yield lambda: None


class Unpicklable(Exception):
    def __init__(self, code: int, text: str) -> None:  # two arguments: pickle cannot rebuild it from args
        super().__init__(f"{text} ({code})")


@pytest.fixture(scope="module")
def host():
    host = JobHost(threads=1)
    yield host
    host.close()


def test_a_job_runs_in_another_process_and_its_items_and_result_come_back(host):
    items, result = drain(host.run(counting, 3))
    assert [i for i, _ in items] == [0, 1, 2]
    assert {pid for _, pid in items} == {host.pid} and host.pid != os.getpid()
    assert result == "counted 3"


def test_the_process_is_kept_for_the_next_job(host):
    first = drain(host.run(counting, 1))[0][0][1]
    second = drain(host.run(counting, 1))[0][0][1]
    assert first == second == host.pid


def test_the_job_sees_the_callers_environment_and_thread_count(host, monkeypatch):
    monkeypatch.setenv("MNIST_PAD_TEST_VALUE", "first")
    assert drain(host.run(reporting_environment, "MNIST_PAD_TEST_VALUE"))[0] == [("first", 1)]
    monkeypatch.setenv("MNIST_PAD_TEST_VALUE", "second")  # set after the process started: the job sees it
    assert drain(host.run(reporting_environment, "MNIST_PAD_TEST_VALUE"))[0] == [("second", 1)]


def test_a_failing_job_raises_its_own_error_here(host):
    gen = host.run(failing, DataError("mnist data not found in /nowhere"))
    assert next(gen) == "about to fail"
    with pytest.raises(DataError, match="mnist data not found in /nowhere"):
        next(gen)
    with pytest.raises(RuntimeError, match=r"Unpicklable: broken \(7\)"):
        drain(host.run(failing_unpicklably))
    assert drain(host.run(counting, 1))[1] == "counted 1"  # and the host goes on


def test_what_cannot_be_pickled_is_refused_with_a_message(host):
    with pytest.raises(TypeError, match="arguments cannot be sent"):
        next(host.run(counting, lambda: 3))
    with pytest.raises(RuntimeError, match="yielded something that cannot be sent back"):
        drain(host.run(yielding_a_lambda))
    assert drain(host.run(counting, 1))[1] == "counted 1"


def test_closing_the_generator_cancels_the_job_and_its_cleanup_runs_there(host, tmp_path):
    marks = tmp_path / "marks"
    gen = host.run(counting, 10_000, marks)
    assert next(gen)[0] == 0
    gen.close()  # returns once the child has stopped the job
    assert marks.read_text() == "closed"
    items, result = drain(host.run(counting, 2, marks))  # the next job is not disturbed by the cancel
    assert len(items) == 2 and result == "counted 2" and marks.read_text() == "finished"


def test_one_job_at_a_time(host):
    gen = host.run(counting, 10_000)
    next(gen)
    with pytest.raises(RuntimeError, match="Another background job is running"):
        next(host.run(counting, 1))
    gen.close()


def test_a_dead_process_is_reported_and_the_next_job_gets_a_new_one():
    host = JobHost(threads=1)
    try:
        gen = host.run(dying)
        pid = next(gen)
        with pytest.raises(JobProcessDied, match="SIGKILL.*nothing was saved"):
            next(gen)
        items, result = drain(host.run(counting, 1))
        assert result == "counted 1" and items[0][1] != pid
    finally:
        host.close()
    assert not host.is_alive()
