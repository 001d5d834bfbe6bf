"""Helpers for the production-stack test: its services' URLs, a scratch PostgreSQL database and
Redis database, and kabar processes started in their own process groups (killed as groups)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import httpx

KABAR = [sys.executable, "-m", "kabar"]
STACK_REDIS_DB = 13  # nobody else's (common notes: helpers pick 10-14, CI uses 15): flushed only here


def services() -> tuple[str | None, str | None, str]:
    """(PostgreSQL URL, Redis URL, why not) from the test run's environment."""
    database = os.environ.get("KABAR_TEST_DATABASE_URL", "")
    redis_url = os.environ.get("KABAR_TEST_REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")):
        return (
            None,
            None,
            "KABAR_TEST_DATABASE_URL names no PostgreSQL server (make test's second pass sets it)",
        )
    if not redis_url.startswith("redis://"):
        return None, None, "KABAR_TEST_REDIS_URL is not set (CI sets it when Redis answers)"
    return database, redis_url, ""


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@contextlib.contextmanager
def scratch_database(server_url: str, name: str) -> Iterator[str]:
    """A new PostgreSQL database on the server ``server_url`` names, dropped afterwards."""
    import psycopg

    admin = with_path(server_url, "/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_path(server_url, f"/{name}")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def scratch_redis(server_url: str, db: int = STACK_REDIS_DB) -> Iterator[str]:
    """Redis database ``db`` on the same server, emptied before and after (that database only)."""
    import redis

    url = with_path(server_url, f"/{db}")
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    try:
        yield url
    finally:
        connection.flushdb()
        connection.close()


def queue_done(redis_url: str, name: str, started: int = 1) -> bool:
    """True once RQ's ``name`` queue has finished ``started`` jobs (the first ones queued)."""
    import redis
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    with redis.Redis.from_url(redis_url) as connection:
        return FinishedJobRegistry(queue=Queue(name, connection=connection)).count >= started


def clean_env(**values: str) -> dict[str, str]:
    """This environment without any KABAR_/DJANGO_ variable (the test run's own), plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KABAR_", "DJANGO_"))}
    env.update(values)
    return env


class Processes:
    """Processes started in their own sessions; stopped by TERM, then their whole process groups killed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, name: str, argv: list[str], env: Mapping[str, str], *, pipes: bool = False
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` logging to <name>.log (with ``pipes``: stdin and stdout are pipes, stderr the log)."""
        with (self.folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                argv,
                env=dict(env),
                stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
                stdout=subprocess.PIPE if pipes else log,
                stderr=log if pipes else subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-2500:] if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {name}.log\n{self.log(name)}" for name in self.running)

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)}")

    def memory(self, name: str) -> tuple[int, float]:
        """(processes, resident MB summed) of ``name``'s process group; shared pages count in each."""
        group = self.running[name].pid
        count, kilobytes = 0, 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[2]) != group:  # field 5: the process group
                    continue
                status = (entry / "status").read_text()
                kilobytes += int(
                    next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]
                )
                count += 1
        return count, kilobytes / 1024

    def stop(self, name: str, timeout: float = 10.0) -> int | None:
        process = self.running[name]
        if process.poll() is None:
            process.terminate()  # the main process only: gunicorn's master and RQ stop their own children
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        # Whatever it left in its group (gunicorn workers, RQ work horses, stage pools).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        return process.returncode

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


# One Python process with kabar's settings that runs the scripts sent to it, one after another:
# Django starts once (while the servers start), not once per edit as `kabar shell -c` would.
CONSOLE = r"""
import contextlib, io, json, sys, traceback
import django
django.setup()
print(json.dumps({"ready": True}), flush=True)
lines = []
for line in sys.stdin:
    if line.rstrip("\n") != "#run":
        lines.append(line)
        continue
    out, ok = io.StringIO(), True
    try:
        with contextlib.redirect_stdout(out):
            exec("".join(lines), {"__name__": "__stack__"})
    except BaseException:
        ok = False
        out.write(traceback.format_exc())
    lines = []
    print(json.dumps({"ok": ok, "output": out.getvalue()}), flush=True)
"""


class Console:
    """``run(script)`` executes a script in a kabar process started beforehand; returns its stdout."""

    def __init__(self, processes: Processes, env: Mapping[str, str]) -> None:
        self.replies: queue.Queue[str] = queue.Queue()
        self.process = processes.start(
            "console",
            [sys.executable, "-c", CONSOLE],
            {**env, "DJANGO_SETTINGS_MODULE": "kabar.conf.settings"},
            pipes=True,
        )
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self.ready = False

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.replies.put(line.decode(errors="replace"))

    def _reply(self, timeout: float) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.replies.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the kabar console gave no answer within {timeout:g} s") from None
            with contextlib.suppress(ValueError):
                reply = json.loads(line)
                if isinstance(reply, dict):
                    return reply

    def run(self, script: str, timeout: float = 120) -> str:
        if not self.ready:
            assert self._reply(timeout).get("ready"), "the kabar console did not start"
            self.ready = True
        assert self.process.stdin is not None
        self.process.stdin.write(f"{script}\n#run\n".encode())
        self.process.stdin.flush()
        reply = self._reply(timeout)
        assert reply["ok"], f"the kabar console failed:\n{reply['output']}"
        return str(reply["output"])


def wait_for(what: str, check: Callable[[], object], timeout: float, processes: Processes) -> object:
    """Poll ``check`` until it returns something true; fail with the processes' logs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        processes.check_alive()
        with contextlib.suppress(httpx.TransportError):
            found = check()
            if found:
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s\n{processes.logs()}")
        time.sleep(0.2)


class Clock:
    """Prints how long each phase took (pytest shows it with a failure, or with -s)."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()

    def mark(self, what: str) -> None:
        now = time.monotonic()
        print(f"stack: {what}: {now - self.last:.1f} s (total {now - self.started:.1f} s)")
        self.last = now

    @property
    def total(self) -> float:
        return time.monotonic() - self.started
