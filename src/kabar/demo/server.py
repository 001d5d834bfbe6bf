"""Serve the sample outlet's folder over HTTP on loopback, as if it were a live site.

The outlet's files use ``OUTLET_BASE`` for their absolute URLs; this server
rewrites that token to its own address in HTML and XML, so links, feeds and
canonical URLs all point at the running copy. The partner outlets are served from
their own folders under ``/<slug>/``, their tokens rewritten to ``<address>/<slug>``.
"""

from __future__ import annotations

import functools
import http.server
import io
import threading
from pathlib import Path
from typing import Any

from kabar.demo import OUTLET_BASE, OUTLET_DIR, PARTNERS, PartnerOutlet
from kabar.listen import describe_listen_error, free_port_near, listen_problem

__all__ = ["OutletServer", "describe_listen_error", "free_port_near", "listen_problem"]

REWRITTEN = {".html", ".xml", ".txt"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    base_url = ""
    partners: tuple[PartnerOutlet, ...] = ()

    def _partner(self) -> PartnerOutlet | None:
        first = self.path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        return next((p for p in self.partners if p.slug == first), None)

    def translate_path(self, path: str) -> str:
        partner = self._partner()
        if partner is None:
            return super().translate_path(path)
        self.directory = str(partner.directory)  # this request's handler only
        return super().translate_path(path.removeprefix(f"/{partner.slug}"))

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in REWRITTEN or not path.is_file():
            return super().send_head()
        partner = self._partner()
        token, base = (
            (partner.base, f"{self.base_url}/{partner.slug}") if partner else (OUTLET_BASE, self.base_url)
        )
        body = path.read_text(encoding="utf-8").replace(token, base).encode("utf-8")
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

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        root: Path = OUTLET_DIR,
        partners: tuple[PartnerOutlet, ...] = PARTNERS,
    ) -> None:
        self.partners = partners
        handler = functools.partial(type("Handler", (_Handler,), {"partners": partners}), directory=str(root))
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
