"""Request size caps as WSGI middleware, for servers that cannot enforce them themselves.

Waitress refuses an oversized header block (431) or body (413) before parsing on. Gunicorn caps
each header line and the number of lines, but has no cap on the whole block and none on the
body, so these two checks run in front of Django: a declared ``Content-Length`` over the cap is
refused without reading a byte of it, and a header block over the cap gets 431 as under
waitress. A chunked body has no declared length; Django reads a body only as far as
``Content-Length`` says, so it never reads one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# Counted as on the wire: "Name: value\r\n". CONTENT_TYPE and CONTENT_LENGTH lose their HTTP_ prefix.
_UNPREFIXED = ("CONTENT_TYPE", "CONTENT_LENGTH")


def header_bytes(environ: dict[str, Any]) -> int:
    """About how many bytes the request's header block took (names, values, separators)."""
    total = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            total += len(key) - 5 + len(str(value)) + 4
        elif key in _UNPREFIXED:
            total += len(key) + len(str(value)) + 4
    return total


def declared_body_bytes(environ: dict[str, Any]) -> int:
    try:
        return max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # the server answers a malformed length itself


def _refuse(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = f"{message}\n".encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def capped(app: WSGIApp, *, max_header_bytes: int, max_body_bytes: int) -> WSGIApp:
    """``app`` behind the same 431/413 refusals waitress makes."""

    def capped_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if header_bytes(environ) > max_header_bytes:
            return _refuse(
                start_response, "431 Request Header Fields Too Large", "Request header fields too large"
            )
        if declared_body_bytes(environ) > max_body_bytes:
            return _refuse(start_response, "413 Content Too Large", "Request body too large")
        return app(environ, start_response)

    return capped_app
