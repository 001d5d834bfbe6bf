"""`kabar serve --workers 2`: two gunicorn worker processes answer, HUP restarts them, TERM stops (exit 0)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# The server under test, with one change made only here: every answer names the worker process
# that made it (X-Test-Worker), so the test can see which processes answered.
LAUNCHER = """
import os, sys
import kabar.serving.gunicorn_app as served

plain = served.served_application

def naming_worker():
    app = plain()
    def named(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Test-Worker", str(os.getpid()))], exc_info)
        return app(environ, start)
    return named

served.served_application = naming_worker
from kabar.cli import main
sys.argv = ["kabar", *sys.argv[1:]]
main()
"""

CSS = "/static/site/site.css"
COMBINED = re.compile(
    r'^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /static/site/site\.css HTTP/1\.1" '
    r'200 \d+ "-" "kabar-test"$'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    access_log: Path
    output: Path  # the server's stdout and stderr (a file: a pipe nobody reads could fill and block it)

    def get(self, path: str = CSS, **headers: str) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request("GET", path, headers={"User-Agent": "kabar-test", "Connection": "close", **headers})
            reply = conn.getresponse()
            return reply.status, reply.getheader("X-Test-Worker", ""), reply.read()
        finally:
            conn.close()

    def workers_answering(self, requests: int = 48) -> set[str]:
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda _n: self.get(), range(requests)))
        assert {status for status, _pid, _body in answers} == {200}
        return {pid for _status, pid, _body in answers}


def children_of(pid: int) -> set[str]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(entry.name)
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("serve-workers")
    port = free_port()
    log = folder / "access.log"
    env = {**os.environ, "KABAR_DATA_DIR": str(folder), "PYTHONUNBUFFERED": "1"}
    env.pop("KABAR_DATABASE_URL", None)  # a SQLite file of its own: this test migrates
    output = folder / "output.txt"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, "serve", "--port", str(port), "--workers", "2", "--threads", "4"]
            + ["--access-log", str(log)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    server = Served(process, port, log, output)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, output.read_text()
        try:
            if server.get()[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("kabar serve --workers 2 did not answer within 120 s")
    yield server
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)


def test_two_worker_processes_answer_concurrent_requests(served):
    deadline = time.monotonic() + 60
    seen: set[str] = set()
    while len(seen) < 2 and time.monotonic() < deadline:
        seen |= served.workers_answering()
    assert len(seen) == 2, f"only {seen} answered"
    assert seen <= children_of(served.process.pid)  # forked by the master, not some other process


def test_the_access_log_is_in_the_combined_log_format(served):
    served.get()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not served.access_log.read_text().strip():
        time.sleep(0.2)
    lines = served.access_log.read_text().splitlines()
    assert lines and all(COMBINED.match(line) for line in lines), lines[:3]


def test_gunicorn_refuses_oversized_headers_and_bodies_as_waitress_does(served):
    # Each line under the cap, the block over it: refused by kabar's own check (431).
    status, _pid, _body = served.get(**{f"X-Fill-{n}": "a" * 8000 for n in range(5)})
    assert status == 431
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=20)
    conn.putrequest("POST", "/admin/login/")
    conn.putheader("Content-Length", str(64 * 1024 * 1024))
    conn.endheaders()  # the declared length is refused; the body is never sent
    assert conn.getresponse().status == 413
    conn.close()


def test_sighup_replaces_the_workers_and_no_request_fails(served):
    before = children_of(served.process.pid)
    assert len(before) == 2
    os.kill(served.process.pid, signal.SIGHUP)
    deadline = time.monotonic() + 60
    answered_by: set[str] = set()
    while time.monotonic() < deadline:
        answered_by |= served.workers_answering(requests=16)  # every one must be a 200
        now = children_of(served.process.pid)
        if len(now) == 2 and not now & before:
            break
        time.sleep(0.2)
    else:
        pytest.fail(
            f"workers {before} were not replaced after SIGHUP (now {children_of(served.process.pid)})"
        )
    assert served.workers_answering(requests=16) <= now
    assert served.process.poll() is None


def test_sigterm_stops_gracefully_with_exit_status_0(served):
    assert served.get()[0] == 200
    os.kill(served.process.pid, signal.SIGTERM)
    assert served.process.wait(timeout=60) == 0
    output = served.output.read_text()
    assert "gunicorn, 2 workers × 4 threads" in output and "Shutting down: Master" in output
    with pytest.raises(OSError):
        served.get()
