"""Run a long job (a generator function) in a process of its own and relay what it yields.

Why a process: a job in a thread of the window's process shares the GIL with the UI thread. Every time the
job runs Python code, or imports a module, the event loop waits for it: on a 2-core machine the window's
longest stall during a fine-tune was 73-150 ms with the job in a thread (docs/training-tab.md). In its own
process the job cannot hold the window; the UI process only receives small progress reports.

A :class:`JobHost` keeps one child process for the session, started with the ``spawn`` method (safe with
Qt's threads and with CUDA, and the same on every OS): torch is imported there once, and the datasets a job
loads (:class:`mnist_pad.core.download.DataSource` caches them) stay loaded for the next job. A job is a
generator function (or a plain function) and its arguments; all of them, and what the job yields and
returns, travel pickled, so they must be picklable (a function defined at module level, plain data,
tensors). The job sees the caller's environment variables as they are when it starts (user folders, the
data folder)::

    host = JobHost()
    for progress in host.run(finetune_job, base_path, samples, cfg, data, out):
        show(progress)            # closing the generator early cancels the job in the child

The host is not a pool: one job at a time. Closing :meth:`run`'s generator before its end (``close()``, a
``break`` or garbage collection) cancels the job at its next yield, and the job's ``finally`` blocks run in
the child. If the child dies (killed, out of memory), :meth:`run` raises :class:`JobProcessDied` and the
next job starts a fresh child.
"""

from __future__ import annotations

import inspect
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Generator
from typing import Any

log = logging.getLogger(__name__)

CANCEL_TIMEOUT_S = 30.0  # a cancelled job that has not reached its next yield by then is killed with its process


class JobProcessDied(RuntimeError):
    """The job's process ended without reporting the job's end."""


class JobHostBusy(RuntimeError):
    """A job was started while another was running: the host runs one at a time."""


class JobHost:
    def __init__(self, threads: int | None = None) -> None:
        """``threads``: torch's thread count in the child (default: the caller's ``torch.get_num_threads()``,
        which the app sets to leave a core to the UI)."""
        self._threads = threads
        self._context = multiprocessing.get_context("spawn")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn = None
        self._cancel = self._context.Event()
        self._busy = threading.Lock()

    def start(self, warmup: tuple[Callable, tuple] | None = None) -> None:
        """Start the child now (it imports torch in the background); a later :meth:`run` starts it anyway.
        ``warmup``: a function and its arguments that the new child runs first (loading the data the next
        jobs need while the user is busy); a job sent meanwhile waits for it. Returns at once."""
        if self._process is not None and self._process.is_alive():
            return
        import torch

        self._forget()  # a dead child's pipe is closed before a new child gets one
        threads = self._threads or torch.get_num_threads()
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs, self._cancel, threads, warmup), daemon=True,
                                        name="mnist-pad-jobs")
        process.start()
        theirs.close()
        self._process, self._conn = process, ours

    def is_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.is_alive() else None

    def run(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Generator[Any, None, Any]:
        """Run ``fn(*args, **kwargs)`` in the child; yields each item the job yields and returns its return
        value (a plain function yields nothing and returns its result). A job that raises raises here: the
        same exception when it can be pickled, else a RuntimeError with its type and message."""
        if not self._busy.acquire(blocking=False):
            raise JobHostBusy("Another background job is running (fine-tuning, training or an evaluation); "
                              "try again when it has ended.")
        ended = True  # until the job has been sent, there is nothing to cancel
        try:
            self.start()
            self._cancel.clear()
            self._send(("run", fn, args, kwargs, dict(os.environ)))
            ended = False
            while True:
                kind, payload = self._receive()
                if kind == "item":
                    yield payload
                    continue
                ended = True
                if kind == "failed":
                    raise payload
                if kind == "cancelled":  # the process was closed under the job (the window is closing)
                    raise JobProcessDied("The background job was stopped: mnist-pad is closing. Nothing was saved.")
                return payload
        finally:
            if not ended:
                self._cancel_job()
            self._busy.release()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the child (the window is closing). A job still running is cancelled first."""
        if self._process is None:
            return
        self._cancel.set()
        try:
            self._conn.send_bytes(pickle.dumps(None))
        except OSError:
            pass
        process = self._forget()
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)

    # --- the parent's side of the conversation -----------------------------------------------------------
    def _send(self, message: tuple) -> None:
        try:
            data = _pickled(message)
        except Exception as exc:  # noqa: BLE001 - the job's arguments are the caller's mistake; say which
            raise TypeError(f"the job's arguments cannot be sent to its process: {exc}") from exc
        try:
            self._conn.send_bytes(data)
        except OSError as exc:
            raise self._died() from exc

    def _receive(self, timeout: float | None = None) -> tuple[str, Any]:
        """The child's next message; ``("timeout", None)`` when ``timeout`` passes without one. A connection
        closed meanwhile (by :meth:`close` from another thread, or by the child's death) is a
        :class:`JobProcessDied`."""
        conn = self._conn
        try:
            if conn is None:
                raise OSError("the job process was closed")
            if timeout is not None and not conn.poll(timeout):
                return "timeout", None
            data = conn.recv_bytes()
        except (EOFError, OSError, TypeError, ValueError) as exc:  # TypeError/ValueError: closed under us
            raise self._died() from exc
        return pickle.loads(data)

    def _cancel_job(self) -> None:
        """Ask the child to stop the job and wait until it has (its ``finally`` blocks have run there)."""
        if self._conn is None:  # the child died: nothing left to stop
            return
        self._cancel.set()
        try:
            while True:
                kind, _ = self._receive(CANCEL_TIMEOUT_S)
                if kind == "timeout":
                    log.warning("the cancelled job did not stop within %.0f s; killing its process", CANCEL_TIMEOUT_S)
                    self._kill()
                    return
                if kind != "item":
                    return
        except JobProcessDied:
            pass  # nothing left to stop

    def _kill(self) -> None:
        process = self._forget()
        if process is not None:
            process.kill()
            process.join()

    def _forget(self):
        """Let go of the child (it is dead or about to be); the next job starts a new one."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        return process

    def _died(self) -> JobProcessDied:
        process = self._forget()
        code = None
        if process is not None:
            process.join(5)
            code = process.exitcode
        how = f"exit code {code}" if code is None or code >= 0 else f"killed by {_signal_name(-code)}"
        return JobProcessDied(f"The background job's process stopped unexpectedly ({how}); nothing was saved. "
                              "The next job starts a new one.")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# --- the child ---------------------------------------------------------------------------------------------
def _serve(conn, cancel, threads: int, warmup: tuple[Callable, tuple] | None) -> None:
    """The child's loop: the warm-up, then one job per message until the parent sends None or goes away."""
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal reaches the whole group: the parent decides
    torch.set_num_threads(threads)
    if warmup is not None:
        try:
            warmup[0](*warmup[1])
        except Exception:  # noqa: BLE001 - only a head start: the job itself meets and reports the problem
            log.exception("the job process's warm-up failed")
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            message = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - e.g. the job's module cannot be imported here
            log.exception("cannot read the job")
            conn.send_bytes(_pickled(("failed", _portable(exc))))
            continue
        if message is None:
            return
        _, fn, args, kwargs, env = message
        os.environ.clear()
        os.environ.update(env)
        outcome = _run(conn, cancel, fn, args, kwargs)
        try:
            data = _pickled(outcome)
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled fails the job, clearly
            data = _pickled(("failed", RuntimeError(f"the job's result cannot be sent back: {exc}")))
        try:
            conn.send_bytes(data)
        except OSError:  # the parent is gone (the window was killed): nobody is waiting
            return


def _run(conn, cancel, fn: Callable, args: tuple, kwargs: dict) -> tuple[str, Any]:
    job = None
    try:
        job = fn(*args, **kwargs)
        if not inspect.isgenerator(job):  # a plain function: its result is the whole answer
            return "done", job
        while True:
            if cancel.is_set():
                job.close()
                return "cancelled", None
            try:
                item = next(job)
            except StopIteration as stop:
                return "done", stop.value
            try:
                data = _pickled(("item", item))
            except Exception as exc:  # noqa: BLE001 - reported as the job's failure, with the reason
                raise RuntimeError(f"the job yielded something that cannot be sent back: {exc}") from exc
            conn.send_bytes(data)
    except Exception as exc:  # noqa: BLE001 - every failure of the job is reported to the parent
        log.exception("background job failed")
        if job is not None:
            job.close()
        return "failed", _portable(exc)


def _pickled(message: tuple) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling both ways, else a RuntimeError that keeps its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001
        text = str(exc).strip()
        return RuntimeError(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
