"""Stages in worker processes that are killed at their deadline (``StagePool``).

A thread cannot be stopped, and a stage stuck in C code (a backtracking regex,
lxml on a pathological tree) holds the GIL, so the thread waiting for it never
even wakes up to give up. A worker process can be killed: ``StagePool`` runs
each stage call in one (a ``pebble.ProcessPool`` with per-call timeouts), and
the caller gets ``StageTimeout`` at the deadline plus pebble's polling interval
(a tenth of a second). pebble then starts a fresh worker in its place, so the
next document runs normally. The same pool runs documents on all cores.

How the workers are made, and why:

* Start method ``forkserver`` (``spawn`` where there is none): a plain ``fork``
  of a parent with threads (waitress, the fetcher, pebble's own) and Django
  loaded can copy a lock held by another thread and deadlock. The fork server
  is a fresh interpreter that imports only this module (so the stages and
  trafilatura, never Django) and forks each worker from there: a worker that
  replaces a killed one starts in milliseconds, already warm.
* SIGTERM keeps its default action in a worker. pebble stops a worker with
  SIGTERM and installs a Python handler for it, but a Python handler runs only
  when the interpreter checks for signals, which a C loop such as
  ``sum(itertools.repeat(1, 10**13))`` never does: the worker would be SIGKILLed
  only after pebble's three-second grace.
* ``PR_SET_PDEATHSIG`` (Linux): a worker is SIGKILLed when its parent, the fork
  server, dies, and the fork server exits as soon as this process is gone
  (even after ``kill -9``): no worker outlives the process that owns the pool.
  For that a worker closes its copy of the pipe the fork server watches for
  its owner's end (multiprocessing hands every child one, so that it could use
  the fork server too; a worker never does). Elsewhere a worker exits when it
  next reads from the closed pipe.

Arguments and results cross the process boundary by pickling: stage functions
must be module-level, and ``RawDocument``/``Extracted`` are plain dataclasses.
An exception that is not a ``StageError`` becomes ``StageError("internal: ...")``
in the worker, before pickling, so that an exception class that cannot be
rebuilt here cannot break the pool either.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import ctypes.util
import functools
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pebble

from kabar.core.errors import StageError, StageTimeout
from kabar.core.stage import internal_error

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger("kabar.workers")

# A worker is replaced after this many calls, so that memory a library keeps
# (parser caches, fragmentation) stays bounded on a long-running ``kabar worker``.
CALLS_PER_WORKER = 1000
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def default_start_method() -> str:
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class StagePool:
    """``StageRunner`` over ``workers`` processes, each call killed at its deadline.

    Thread-safe: web threads may submit at the same time. Workers start on the
    first ``submit``. If the pool breaks (pebble gives up on it when a worker dies
    while idle), the next ``submit`` builds a new one. ``close`` stops the workers.
    """

    def __init__(self, workers: int, *, start_method: str | None = None) -> None:
        if workers < 1:
            raise ValueError(f"a stage pool needs at least one worker, not {workers}")
        self._workers = workers
        self._context = multiprocessing.get_context(start_method or default_start_method())
        self._lock = threading.Lock()
        self._pool: pebble.ProcessPool | None = None
        self._closed = False

    @property
    def capacity(self) -> int:
        return self._workers

    def submit(
        self, stage: str, timeout: float, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        """Run ``fn(*args, **kwargs)`` in a worker; see ``StageRunner`` for what the future holds."""
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            task = self._running_pool().schedule(
                _call_in_worker, args=(stage, fn, args, kwargs), timeout=timeout
            )
        except Exception as exc:  # the pool is closed, or its workers could not be started
            outcome.set_exception(StageError(f"internal: no worker process available ({exc})", stage=stage))
            return outcome
        task.add_done_callback(functools.partial(_settle, stage, timeout, outcome))
        return outcome

    def close(self) -> None:
        """Stop the workers at once (calls still running fail); ``submit`` refuses afterwards."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()  # type: ignore[no-untyped-call]
            pool.join()

    def __enter__(self) -> StagePool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _running_pool(self) -> pebble.ProcessPool:
        with self._lock:
            if self._closed:
                raise RuntimeError("the stage pool is closed")
            if self._pool is not None and not self._pool.active:
                log.warning("stage worker pool broke; starting a new one")
                broken, self._pool = self._pool, None
                broken.stop()  # type: ignore[no-untyped-call]
            if self._pool is None:
                if self._context.get_start_method() == "forkserver":
                    # Warm and free of Django, whatever the parent has imported.
                    self._context.set_forkserver_preload([__name__, "kabar.core.pipeline"])
                self._pool = pebble.ProcessPool(
                    max_workers=self._workers,
                    max_tasks=CALLS_PER_WORKER,
                    initializer=_init_worker,
                    initargs=(os.getpid(), self._context.get_start_method() == "forkserver"),
                    context=self._context,
                )
            return self._pool


def _init_worker(owner_pid: int, die_with_parent: bool) -> None:
    """Runs first in every worker process (see the module docstring)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if die_with_parent:
        _close_fork_server_alive_pipe()
    if die_with_parent and sys.platform == "linux":
        # PR_SET_PDEATHSIG follows the thread that forked us: under forkserver that is the
        # fork server's only thread, which lives exactly as long as the pool's owner.
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
    try:
        os.kill(owner_pid, 0)  # the owner died before the signal was armed: nobody will ever read our results
    except ProcessLookupError:
        os._exit(1)
    except PermissionError:
        pass  # alive, under another user (cannot happen for our own parent, but not a reason to quit)


def _close_fork_server_alive_pipe() -> None:
    # Private to multiprocessing (3.11-3.13 alike), hence getattr: without it a worker
    # holds the fork server open, and the fork server, its parent, holds it alive.
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int):
        os.close(fd)
        server._forkserver_alive_fd = None  # type: ignore[union-attr]


def _call_in_worker(stage: str, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    """Runs in the worker: the stage's value, or a ``StageError`` that is sure to pickle."""
    try:
        return fn(*args, **kwargs)
    except StageError as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # a subclass whose constructor pickle cannot call: keep what matters
            raise StageError(exc.reason, stage=exc.stage) from None
        raise
    except Exception as exc:
        error = internal_error(stage, exc)
        error.details = traceback.format_exc()  # type: ignore[attr-defined]
        raise error from None


def _settle(
    stage: str,
    timeout: float,
    outcome: concurrent.futures.Future[T],
    task: concurrent.futures.Future[T],
) -> None:
    """Copy a finished pebble task into ``outcome``, as ``StageRunner`` promises it."""
    try:
        value = task.result()
    except StageError as exc:
        details = getattr(exc, "details", None)
        if details:
            log.error("stage %s failed in a worker process:\n%s", stage, details)
        outcome.set_exception(exc)
    except concurrent.futures.TimeoutError:
        # Only pebble's deadline gets here: the worker turns its own exceptions into StageError.
        outcome.set_exception(StageTimeout(f"took longer than {timeout:g}s", stage=stage))
    except pebble.ProcessExpired as exc:
        outcome.set_exception(
            StageError(f"internal: the worker process died (exit code {exc.exitcode})", stage=stage)
        )
    except BaseException as exc:  # the pool broke or was stopped under this call
        outcome.set_exception(internal_error(stage, exc))
    else:
        outcome.set_result(value)
