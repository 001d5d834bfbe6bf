"""Stage worker processes: killed at the deadline even in C code holding the GIL, and usable afterwards.

The functions a worker runs are defined here, at module level, so that a worker
process can import them by name (this module imports no Django).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from itertools import repeat
from pathlib import Path

import pytest

from kabar.core.errors import StageError, StageTimeout, TooLarge
from kabar.core.workers import StagePool

MARGIN = 2.0  # seconds past a limit that a loaded test machine may take to report it


def hold_the_gil(length: int) -> bool:
    """Exponential backtracking inside the regex engine: no bytecode runs, the GIL is never released."""
    return re.fullmatch(r"(a|aa)+b", "a" * length) is not None


def deaf_to_signals() -> int:
    """A C loop that never checks for signals (the regex engine does), so a Python handler never runs."""
    return sum(repeat(1, 10**13))


def add(a: int, b: int = 0) -> int:
    return a + b


def own_pid() -> int:
    return os.getpid()


def loaded_modules() -> list[str]:
    return sorted(sys.modules)


def raise_value_error() -> None:
    raise ValueError("bad input")


def raise_too_large() -> None:
    raise TooLarge("input is 9 bytes, the limit is 8", stage="extract")


class NeedsTwoArguments(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} and {second}")  # args == (message,): pickle cannot rebuild it


class OddStageError(StageError):
    def __init__(self, reason: str, extra: int) -> None:
        super().__init__(reason, stage="extract")


def raise_unrebuildable() -> None:
    raise NeedsTwoArguments("one", "two")


def raise_odd_stage_error() -> None:
    raise OddStageError("odd", 3)


@pytest.fixture(scope="module")
def pool() -> Iterator[StagePool]:
    with StagePool(1) as stage_pool:
        yield stage_pool


def test_a_stage_holding_the_gil_is_killed_at_its_deadline_and_the_next_call_runs(pool: StagePool) -> None:
    assert pool.submit("extract", 30, add, 1, 2).result() == 3  # the worker is up: its start is not timed
    started = time.monotonic()
    with pytest.raises(StageTimeout, match="took longer than 0.5s") as caught:
        pool.submit("extract", 0.5, hold_the_gil, 60).result()
    assert time.monotonic() - started < 0.5 + MARGIN
    assert caught.value.stage == "extract"
    assert pool.submit("clean", 30, add, 3, b=4).result() == 7


def test_a_stage_deaf_to_signals_is_killed_at_its_deadline_too(pool: StagePool) -> None:
    assert pool.submit("extract", 30, add, 1).result() == 1
    started = time.monotonic()
    with pytest.raises(StageTimeout, match="took longer than 0.5s"):
        pool.submit("extract", 0.5, deaf_to_signals).result()
    assert time.monotonic() - started < 0.5 + MARGIN
    assert pool.submit("extract", 30, add, 2).result() == 2


def test_a_killed_worker_is_replaced(pool: StagePool) -> None:
    before = pool.submit("extract", 30, own_pid).result()
    with pytest.raises(StageTimeout):
        pool.submit("extract", 0.2, hold_the_gil, 60).result()
    after = pool.submit("extract", 30, own_pid).result()
    assert after != before


def test_a_bug_in_a_stage_is_an_internal_stage_error_for_that_call_only(pool: StagePool) -> None:
    with pytest.raises(StageError, match=r"^clean: internal: ValueError: bad input$"):
        pool.submit("clean", 30, raise_value_error).result()
    assert pool.submit("clean", 30, add, 1).result() == 1


def test_a_stage_error_comes_back_as_it_was_raised(pool: StagePool) -> None:
    with pytest.raises(TooLarge) as caught:
        pool.submit("capture", 30, raise_too_large).result()
    assert (caught.value.stage, caught.value.reason) == ("extract", "input is 9 bytes, the limit is 8")


def test_exceptions_pickle_cannot_rebuild_do_not_break_the_pool(pool: StagePool) -> None:
    with pytest.raises(StageError, match="internal: NeedsTwoArguments: one and two"):
        pool.submit("extract", 30, raise_unrebuildable).result()
    with pytest.raises(StageError) as caught:
        pool.submit("extract", 30, raise_odd_stage_error).result()
    assert (caught.value.stage, caught.value.reason) == ("extract", "odd")
    assert pool.submit("extract", 30, add, 5).result() == 5


def test_a_worker_killed_from_outside_costs_its_call_and_the_pool_recovers(pool: StagePool) -> None:
    worker = pool.submit("extract", 30, own_pid).result()
    os.kill(worker, signal.SIGKILL)  # while idle: pebble gives up on the whole pool
    time.sleep(0.5)
    assert pool.submit("extract", 30, add, 2, 2).result() == 4


def test_workers_never_import_django(pool: StagePool) -> None:
    assert "django" in sys.modules  # this test process has Django loaded (tests/conftest.py)
    modules = pool.submit("extract", 30, loaded_modules).result()
    assert "kabar.core.pipeline" in modules
    assert not [m for m in modules if m == "django" or m.startswith("django.")]


def test_a_closed_pool_refuses_with_a_stage_error() -> None:
    stage_pool = StagePool(1)
    stage_pool.close()
    with pytest.raises(StageError, match="internal: no worker process available"):
        stage_pool.submit("extract", 30, add, 1).result()


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        StagePool(0)


OWNER_SCRIPT = textwrap.dedent(
    """
    import os, re, sys, time
    from pathlib import Path

    def spin(pid_file):
        Path(pid_file).write_text(f"{os.getpid()} {os.getppid()}")
        while True:  # holds the GIL in the regex engine and never reads its pipe again
            re.fullmatch(r"(a|aa)+b", "a" * 40)

    if __name__ == "__main__":
        from kabar.core.workers import StagePool

        pool = StagePool(1)
        pool.submit("extract", 600, spin, sys.argv[1])
        time.sleep(600)
    """
)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in {"Z", "X"}  # a zombie has exited; only its exit status waits to be read


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG and /proc are Linux's")
def test_workers_do_not_outlive_an_owner_killed_with_sigkill(tmp_path: Path) -> None:
    script, pid_file = tmp_path / "owner.py", tmp_path / "worker.pid"
    script.write_text(OWNER_SCRIPT, encoding="utf-8")
    owner = subprocess.Popen([sys.executable, str(script), str(pid_file)])
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not pid_file.is_file() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the worker never started"
            assert owner.poll() is None, "the owner process exited early"
            time.sleep(0.1)
        worker, fork_server = (int(p) for p in pid_file.read_text().split())
        pids = [worker, fork_server]
        assert _running(worker) and fork_server != owner.pid
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in pids if _running(p)], "a worker process outlived its owner"
    finally:
        for pid in [owner.pid, *pids]:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        owner.wait(timeout=10)
