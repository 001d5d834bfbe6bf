"""Run a stage with a time limit and an input size cap.

Two ways to hold a stage to its limit, behind one interface (``StageRunner``):

* ``kabar.core.workers.StagePool`` runs stages in worker processes and kills a
  worker at its deadline. This is the only *real* limit: it holds whatever the
  stage does, C code that never releases the GIL (a backtracking regex, lxml)
  included. Ingestion and ``kabar worker`` use it.
* ``InProcessStages`` runs them here, each in a helper thread
  (``run_with_timeout``). Python cannot kill a running thread, so a stage that
  overruns is abandoned: the caller gets ``StageTimeout`` and records the
  document as failed, while the thread finishes (or not) in the background and
  its result is thrown away. Stages are pure, so an abandoned run cannot
  half-write anything. But a stage stuck in C code holding the GIL starves the
  waiting thread too, and then no limit fires. It exists for where worker
  processes cannot be used: a platform without working multiprocessing (no
  POSIX semaphores, as in some sandboxes and serverless runtimes, or a parent
  that is itself a daemonic ``multiprocessing`` process), and for tests and
  one-off calls that need no isolation.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

from kabar.core.errors import StageError, StageTimeout, TooLarge

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger("kabar.stage")


def check_size(stage: str, size: int, limit: int) -> None:
    """Raise ``TooLarge`` when ``size`` bytes/characters exceed ``limit``."""
    if size > limit:
        raise TooLarge(f"input is {size:,} bytes, the limit is {limit:,}", stage=stage)


def run_with_timeout(
    stage: str, timeout: float | None, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Call ``fn(*args, **kwargs)``; raise ``StageTimeout`` after ``timeout`` seconds.

    ``timeout=None`` calls ``fn`` directly: the caller holds it to a limit of its own
    (a worker process that is killed at its deadline).
    """
    if timeout is None:
        return fn(*args, **kwargs)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kabar-{stage}")
    future = pool.submit(fn, *args, **kwargs)
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise StageTimeout(f"took longer than {timeout:g}s", stage=stage) from None
    finally:
        # Do not wait for an overrunning worker: its result is discarded.
        pool.shutdown(wait=False, cancel_futures=True)


def internal_error(stage: str, exc: BaseException) -> StageError:
    """The ``StageError`` a bug in a stage becomes: it costs that document, named as a bug."""
    return StageError(f"internal: {type(exc).__name__}: {exc}", stage=stage)


class StageRunner(Protocol):
    """Runs one stage call under a time limit.

    The future's ``result()`` returns the stage's value or raises ``StageError``,
    nothing else: ``StageTimeout`` past ``timeout`` seconds, the stage's own
    ``StageError``, or ``StageError("internal: ...")`` for any other exception.
    """

    @property
    def capacity(self) -> int:
        """How many calls it runs at once (callers keep about twice this many in flight)."""
        ...

    def submit(
        self, stage: str, timeout: float, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]: ...


class InProcessStages:
    """``StageRunner`` in the calling process: each call runs at once, in a helper thread.

    See the module docstring for what its limit cannot hold and when it is used anyway.
    """

    @property
    def capacity(self) -> int:
        return 1

    def submit(
        self, stage: str, timeout: float, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            future.set_result(run_with_timeout(stage, timeout, fn, *args, **kwargs))
        except StageError as exc:
            future.set_exception(exc)
        except Exception as exc:  # a bug in a stage must cost one document, not the run
            log.exception("stage %s failed", stage)
            future.set_exception(internal_error(stage, exc))
        return future
