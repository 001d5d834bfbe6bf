"""Run a stage with a time limit and an input size cap.

Python cannot kill a running thread, so a stage that overruns is abandoned: the
caller gets ``StageTimeout`` at once and records the document as failed, while
the worker thread finishes (or not) in the background and its result is thrown
away. Stages are pure, so an abandoned run cannot half-write anything.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from kabar.core.errors import StageTimeout, TooLarge

P = ParamSpec("P")
T = TypeVar("T")


def check_size(stage: str, size: int, limit: int) -> None:
    """Raise ``TooLarge`` when ``size`` bytes/characters exceed ``limit``."""
    if size > limit:
        raise TooLarge(f"input is {size:,} bytes, the limit is {limit:,}", stage=stage)


def run_with_timeout(stage: str, timeout: float, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``fn(*args, **kwargs)``; raise ``StageTimeout`` after ``timeout`` seconds."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kabar-{stage}")
    future = pool.submit(fn, *args, **kwargs)
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise StageTimeout(f"took longer than {timeout:g}s", stage=stage) from None
    finally:
        # Do not wait for an overrunning worker: its result is discarded.
        pool.shutdown(wait=False, cancel_futures=True)
