"""`kabar serve`'s options: wrong --workers is a usage error, which server runs, waitress's access log."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import urllib.request

import pytest
from django.core.management.base import CommandError

from kabar.news.management.commands import serve
from kabar.news.management.commands.serve import Command, build_server
from kabar.serving.access_log import combined_line
from kabar.serving.limits import capped, header_bytes


@pytest.mark.parametrize(
    ("workers", "complaint"),
    [
        ("0", "0 workers: choose 1 or more"),
        ("-3", "-3 workers: choose 1 or more"),
        ("abc", "not a number of workers: 'abc'"),
    ],
)
def test_wrong_workers_is_a_usage_error(workers, complaint):
    parser = Command().create_parser("kabar", "serve")
    with pytest.raises(CommandError, match=re.escape(complaint)):
        parser.parse_args(["--workers", workers])
    assert parser.parse_args(["--workers", "3"]).workers == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workers", "complaint"),
    [("0", "0 workers: choose 1 or more"), ("abc", "not a number of workers: 'abc'")],
)
def test_wrong_workers_exits_2_with_one_clear_line(tmp_path, workers, complaint):
    done = subprocess.run(
        [sys.executable, "-m", "kabar", "serve", "--workers", workers],
        env={**os.environ, "KABAR_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert f"argument --workers: {complaint}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("**/*.sqlite3"))  # refused before migrating anything


def chosen(monkeypatch, *, server="auto", workers=None, cores=2, problem=None):
    monkeypatch.setattr(serve, "core_count", lambda: cores)
    monkeypatch.setattr(serve, "gunicorn_problem", lambda: problem)
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    return command._choose(server, workers), command.stderr._out.getvalue()


def test_default_is_one_gunicorn_worker_per_core(monkeypatch):
    assert chosen(monkeypatch, cores=4)[0] == ("gunicorn", 4)
    assert chosen(monkeypatch, workers=3)[0] == ("gunicorn", 3)


def test_one_worker_or_one_core_is_waitress(monkeypatch):
    assert chosen(monkeypatch, workers=1)[0] == ("waitress", 1)
    assert chosen(monkeypatch, cores=1)[0] == ("waitress", 1)
    assert chosen(monkeypatch, server="waitress")[0] == ("waitress", 1)
    assert chosen(monkeypatch, server="gunicorn", workers=1)[0] == ("gunicorn", 1)


def test_where_gunicorn_cannot_run_auto_falls_back_to_waitress_and_says_why(monkeypatch):
    (server, workers), said = chosen(monkeypatch, workers=4, problem="gunicorn needs a POSIX system")
    assert (server, workers) == ("waitress", 1)
    assert "waitress in one process: gunicorn needs a POSIX system" in said


def test_contradictory_choices_are_usage_errors(monkeypatch):
    with pytest.raises(CommandError, match="waitress is one process") as caught:
        chosen(monkeypatch, server="waitress", workers=3)
    assert caught.value.returncode == 2
    with pytest.raises(CommandError, match="--server gunicorn: gunicorn is not installed") as caught:
        chosen(monkeypatch, server="gunicorn", problem="gunicorn is not installed (pip install gunicorn)")
    assert caught.value.returncode == 2


def test_waitress_writes_the_combined_log_format():
    log = io.StringIO()
    server = build_server("127.0.0.1", 0, threads=2, access_log=log)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}/static/site/site.css?v=1"
        request = urllib.request.Request(
            url, headers={"User-Agent": 'kabar "test"', "Referer": "http://x.example/"}
        )
        with urllib.request.urlopen(request, timeout=20) as reply:
            size = len(reply.read())
    finally:
        server.close()
        thread.join(timeout=10)
    assert re.fullmatch(
        r"127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "
        rf'"GET /static/site/site\.css\?v=1 HTTP/1\.1" 200 {size} "http://x\.example/" "kabar \\"test\\""\n',
        log.getvalue(),
    )


def test_a_request_line_cannot_forge_a_second_log_line():
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": '/a"\n1.2.3.4 - - x', "SERVER_PROTOCOL": "HTTP/1.1"}
    line = combined_line(environ, "404 Not Found", 0, 0.0)
    assert "\n" not in line and line.count('"') == 6 and " 404 - " in line


def test_the_caps_count_the_whole_header_block_and_the_declared_body():
    calls = []

    def app(environ, start_response):
        calls.append(environ)
        start_response("200 OK", [])
        return [b"ok"]

    statuses = []
    guarded = capped(app, max_header_bytes=100, max_body_bytes=10)
    guarded({"HTTP_X_A": "a" * 50, "HTTP_X_B": "b" * 50}, lambda s, h: statuses.append(s))
    guarded({"HTTP_X_A": "a" * 40, "CONTENT_LENGTH": "11"}, lambda s, h: statuses.append(s))
    guarded({"HTTP_X_A": "a" * 40, "CONTENT_LENGTH": "10"}, lambda s, h: statuses.append(s))
    assert statuses == ["431 Request Header Fields Too Large", "413 Content Too Large", "200 OK"]
    assert len(calls) == 1
    assert header_bytes({"HTTP_USER_AGENT": "curl"}) == len("User-Agent: curl\r\n")
