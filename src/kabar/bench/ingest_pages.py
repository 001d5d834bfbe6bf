"""The ingestion benchmark's stand-ins for the web: pages pointed at loopback image servers.

``ImageServers`` answers every image request after ``latency`` seconds (100 ms, a far CDN),
from several loopback addresses (127.0.0.2, 127.0.0.3, …), so that per-host politeness
counts as it would across an outlet's image hosts. Each answer is one of a few JPEGs of
640×400, picked by the path, so distinct images are distinct files.

``rewrite_page`` points a page's addresses at those servers: every absolute
``http(s)://host/`` becomes ``http://127.0.0.N:PORT/host/`` (N chosen by the host), and a
``<base href>`` on the page's own (rewritten) address resolves the relative ones. Text is
untouched, so every extractor reads the same article.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import re
import threading
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from PIL import Image

# "https://host/", and a protocol-relative "//host/" at the start of an attribute value or srcset entry.
_ABSOLUTE = re.compile(r"(?:https?:|(?<=[\"'=,\s]))//([A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::[0-9]+)?)/")
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_BASE = re.compile(r"<base\b[^>]*>", re.I)
VARIANTS = 8


def _jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), (40 + shade * 20, 90, 160 - shade * 10)).save(
        buffer, format="JPEG", quality=70
    )
    return buffer.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as image CDNs do
    latency = 0.1
    pictures: Sequence[bytes] = ()
    counter: list[int]

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        time.sleep(self.latency)
        self.counter[0] += 1
        if self.path == "/robots.txt":
            body, status, kind = b"User-agent: *\nAllow: /\n", 200, "text/plain"
        else:
            pick = int(hashlib.sha256(self.path.encode()).hexdigest()[:8], 16) % len(self.pictures)
            body, status, kind = self.pictures[pick], 200, "image/jpeg"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class ImageServers:
    """``hosts`` threaded HTTP servers on 127.0.0.2, 127.0.0.3, …, each answering after ``latency``."""

    def __init__(self, hosts: int = 4, latency: float = 0.1) -> None:
        self.requests = [0]
        pictures = [_jpeg(shade) for shade in range(VARIANTS)]
        handler = type(
            "Handler", (_Handler,), {"latency": latency, "pictures": pictures, "counter": self.requests}
        )
        self._servers = [
            http.server.ThreadingHTTPServer((f"127.0.0.{2 + n}", 0), handler) for n in range(hosts)
        ]
        for server in self._servers:
            server.daemon_threads = True
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers]

    @property
    def origins(self) -> list[str]:
        return [f"http://127.0.0.{2 + n}:{s.server_address[1]}" for n, s in enumerate(self._servers)]

    def __enter__(self) -> ImageServers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def _origin_for(host: str, origins: Sequence[str]) -> str:
    return origins[int(hashlib.sha256(host.lower().encode()).hexdigest()[:8], 16) % len(origins)]


def rewrite_page(html: str, url: str, origins: Sequence[str]) -> tuple[str, str]:
    """``(page, its address)`` with every absolute address pointed at one of ``origins``."""

    def local(match: re.Match[str]) -> str:
        return f"{_origin_for(match.group(1), origins)}/{match.group(1)}/"

    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0] + "/"
    address = f"{_origin_for(parts.netloc, origins)}/{parts.netloc}{parts.path or '/'}"
    base = f'<base href="{_origin_for(parts.netloc, origins)}/{parts.netloc}{folder}">'
    page = _BASE.sub("", _ABSOLUTE.sub(local, html))
    head = _HEAD.search(page)
    page = page[: head.end()] + base + page[head.end() :] if head else base + page
    return page, address
