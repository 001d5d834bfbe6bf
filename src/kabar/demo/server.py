"""Serve the sample outlet's folder over HTTP on loopback, as if it were a live site.

The outlet's files use ``OUTLET_BASE`` for their absolute URLs; this server
rewrites that token to its own address in HTML and XML, so links, feeds and
canonical URLs all point at the running copy.
"""

from __future__ import annotations

import errno
import functools
import http.server
import io
import socket
import threading
from pathlib import Path
from typing import Any

from kabar.demo import OUTLET_BASE, OUTLET_DIR

REWRITTEN = {".html", ".xml", ".txt"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    base_url = ""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in REWRITTEN or not path.is_file():
            return super().send_head()
        body = path.read_text(encoding="utf-8").replace(OUTLET_BASE, self.base_url).encode("utf-8")
        self.send_response(200)
        kind = {".html": "text/html", ".xml": "application/xml", ".txt": "text/plain"}[path.suffix]
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep the demo's console readable
        pass


class OutletServer:
    """A threaded HTTP server for the outlet folder; use as a context manager or call start/stop."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, root: Path = OUTLET_DIR) -> None:
        handler = functools.partial(type("Handler", (_Handler,), {}), directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer((host, port), handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        handler.func.base_url = self.url  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="kabar-outlet")

    def start(self) -> OutletServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for a serving loop: never one not started
            self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> OutletServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def listen_problem(host: str, port: int) -> OSError | None:
    """Why a server could not listen on ``host:port`` right now; None when it could.

    The probe binds as both servers do (``SO_REUSEADDR``, so a port left in TIME_WAIT by the
    last run counts as free) and lets go at once.
    """
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        return exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc
    return None


def free_port_near(host: str, port: int, *, avoid: int | None = None) -> int | None:
    """The first port after ``port`` that ``host`` can listen on (to suggest one), if any of the next 100."""
    for candidate in range(port + 1, min(port + 101, 65536)):
        if candidate != avoid and listen_problem(host, candidate) is None:
            return candidate
    return None


def describe_listen_error(exc: OSError, host: str, port: int) -> str:
    """``exc`` from listening on ``host:port`` in the words of the person who chose the port."""
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}: the host name does not resolve ({exc.strerror})"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use on {host}"
    if exc.errno == errno.EACCES:
        return f"port {port} on {host} needs more privileges than this user has ({exc.strerror})"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine ({exc.strerror})"
    return f"cannot listen on {host}:{port} ({exc.strerror or exc})"
