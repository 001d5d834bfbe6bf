"""A real HTTP server on loopback that misbehaves on request, for fetcher and source tests.

Each path answers with a ``Reply``, or with a function of the request and how
many times that path was hit before (for "429 first, then 200" and conditional
GETs). Replies can stall before the status line, drip the body, promise more
bytes than they send, or stream a body far past any sane size. Every request is
recorded, so a test can prove a request was *not* made.

    with MisbehavingServer() as server:
        server.route("/slow", Reply(body=b"late", delay=1.0))
        fetcher.fetch(server.url("/slow"))

Only loopback addresses are ever bound.
"""

from __future__ import annotations

import http.server
import ipaddress
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True)
class Reply:
    """What one request gets back."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds of silence before the status line
    drip: float = 0.0  # seconds of silence between body chunks
    repeat: int = 1  # the body is sent this many times (a huge body without holding it in memory)
    content_length: int | None = None  # None: the true length; -1: no Content-Length header
    chunk_size: int = 65_536


def html_page(title: str, text: str) -> Reply:
    """A small, well-formed article page."""
    body = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
    return Reply(body=body.encode("utf-8"))


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-cased names


Route = Reply | Callable[[Request, int], Reply]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        owner = self.server.owner
        request = Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        hit = owner.record(request)
        route = owner.routes.get(self.path) or owner.routes.get(self.path.split("?", 1)[0])
        if route is None:
            reply = Reply(status=404, body=b"not here")
        elif isinstance(route, Reply):
            reply = route
        else:
            reply = route(request, hit)
        sent = [0]
        try:
            self._send(reply, sent)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, which is what many tests want it to do
        finally:
            owner.finished(self.path, sent[0])

    def _send(self, reply: Reply, sent: list[int]) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.content_length is None:
            self.send_header("Content-Length", str(len(reply.body) * reply.repeat))
        elif reply.content_length >= 0:
            self.send_header("Content-Length", str(reply.content_length))
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(reply.repeat):
            for start in range(0, len(reply.body), reply.chunk_size):
                self.wfile.write(reply.body[start : start + reply.chunk_size])
                self.wfile.flush()
                sent[0] += len(reply.body[start : start + reply.chunk_size])
                if reply.drip:
                    time.sleep(reply.drip)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler asleep in a "slow" reply must not hold up the test
    owner: MisbehavingServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-reply is the point of several tests


class MisbehavingServer:
    """An HTTP server on ``host`` (a loopback address) and a free port, run in a thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("test servers bind loopback addresses only")
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.body_bytes_sent: dict[str, list[int]] = {}  # per path, one entry per finished reply
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler)
        self._server.owner = self
        self.host, self.port = host, int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> MisbehavingServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def route(self, path: str, reply: Route) -> str:
        """Serve ``reply`` at ``path``; returns the full URL."""
        self.routes[path] = reply
        return self.url(path)

    def route_file(self, path: str, file: Path, content_type: str) -> str:
        """Serve ``file`` at ``path`` with every ``{base}`` in it replaced by this server's base URL."""
        body = file.read_bytes().replace(b"{base}", self.url("").encode())
        return self.route(path, Reply(body=body, content_type=content_type))

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        """This server's URL for ``path``; ``host`` replaces the address (a name a test resolver maps here)."""
        return f"http://{host or self.host}:{self.port}{path}"

    def record(self, request: Request) -> int:
        with self._lock:
            hit = sum(1 for r in self.requests if r.path == request.path)
            self.requests.append(request)
        return hit

    def finished(self, path: str, sent: int) -> None:
        with self._lock:
            self.body_bytes_sent.setdefault(path, []).append(sent)

    def wait_finished(self, path: str, count: int = 1, timeout: float = 5.0) -> list[int]:
        """Body bytes sent by the first ``count`` replies at ``path``, once they have ended."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                done = list(self.body_bytes_sent.get(path, []))
            if len(done) >= count:
                return done
            time.sleep(0.01)
        raise TimeoutError(f"{path}: {count} replies did not finish within {timeout}s")

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]
