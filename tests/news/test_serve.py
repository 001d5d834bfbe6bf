"""`kabar serve`'s waitress server refuses oversized requests before Django sees them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.management.base import CommandError

from kabar.news.management.commands.serve import Command, build_server


@pytest.fixture
def served() -> Iterator[str]:
    """The real server `kabar serve` runs, on an ephemeral port in a thread."""
    server = build_server("127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.close()
    thread.join(timeout=10)


def exchange(port: str, raw: bytes) -> bytes:
    reply = b""
    with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as conn:
        try:
            conn.sendall(raw)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered and closed before reading everything: the reply is what counts
        try:
            while chunk := conn.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
    return reply


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def test_normal_request_is_served(served):
    reply = exchange(
        served, b"GET /static/site/site.css HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert status_of(reply) == 200
    assert b"kabar reader site" in reply


def test_a_200_kb_header_is_refused(served):
    assert settings.SERVE_MAX_HEADER_BYTES == 32768
    cookie = b"a" * 200_000
    reply = exchange(
        served, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: x=" + cookie + b"\r\nConnection: close\r\n\r\n"
    )
    assert status_of(reply) == 431


def test_a_header_under_the_cap_passes(served):
    cookie = b"a" * 20_000  # a big but plausible cookie jar
    reply = exchange(
        served,
        b"GET /static/site/site.css HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: x="
        + cookie
        + b"\r\nConnection: close\r\n\r\n",
    )
    assert status_of(reply) == 200


def test_a_body_over_the_cap_is_refused(served):
    size = settings.SERVE_MAX_BODY_BYTES + 1
    head = (
        f"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n"
        "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    ).encode()
    # Waitress refuses on the declared length: the body itself need not be sent.
    reply = exchange(served, head)
    assert status_of(reply) == 413


def test_a_taken_port_is_one_line_saying_how_to_choose_another(tmp_path):
    """A port in use is a one-line error (exit 2), not waitress's OSError traceback."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        env = {**os.environ, "KABAR_DATA_DIR": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-m", "kabar", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert f"port {port} is in use on 127.0.0.1; choose another with --port" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("port", "complaint"),
    [
        ("99999", "99999 is not a port: choose one from 1 to 65535"),  # the system would wrap it to 34463
        ("0", "0 is not a port: choose one from 1 to 65535"),  # a random port, announced as 0
        ("-1", "-1 is not a port"),
        ("http", "not a port number: 'http'"),
    ],
)
def test_a_port_out_of_range_is_a_usage_error_not_another_port(port, complaint):
    parser = Command().create_parser("kabar", "serve")
    with pytest.raises(CommandError, match=complaint):
        parser.parse_args(["--port", port])
    assert parser.parse_args(["--port", "65535"]).port == 65535
