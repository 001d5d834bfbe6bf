"""A threaded HTTP server on 127.0.0.1 that serves model files the way OPUS-MT, Argos and the Hub do.

Files are bytes at paths; a file may be served truncated (the announced length, then the
connection closes early) or slowly. ``Range`` requests are answered with 206, as the real
hosts do, so resumed downloads are exercised.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    body: bytes
    truncate_at: int | None = None  # close the connection after this many bytes, once
    delay: float = 0.0
    ranges: bool = True


@dataclass
class ModelServer:
    files: dict[str, Served] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Range header)
    url: str = ""

    def put(self, path: str, body: bytes, **options: object) -> None:
        self.files[path] = Served(body, **options)  # type: ignore[arg-type]

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


@contextmanager
def model_server() -> Iterator[ModelServer]:
    state = ModelServer()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with lock:
                state.requests.append((self.path, self.headers.get("Range", "")))
                served = state.files.get(self.path)
            if served is None:
                self.send_response(404)
                self.send_header("Content-Length", "9")
                self.end_headers()
                self.wfile.write(b"not found")
                return
            time.sleep(served.delay)
            body, start = served.body, 0
            wanted = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
            if wanted and served.ranges:
                start = int(wanted.group(1))
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            part = body[start:]
            if served.truncate_at is not None:
                cut = served.truncate_at
                served.truncate_at = None  # the next try gets the rest
                self.wfile.write(part[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(part)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
