"""The access log in the combined log format, for waitress (gunicorn writes its own, the same).

One line per response, as Apache and nginx write them and log tools read them::

    127.0.0.1 - - [01/Dec/2026:17:20:00 +0000] "GET /vi/ HTTP/1.1" 200 5120 "-" "curl/8.0"
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import IO, Any
from urllib.parse import quote

from kabar.serving.limits import StartResponse, WSGIApp


def _field(value: str) -> str:
    """A quoted field as Apache escapes it: no raw quote, backslash or control character."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in out) or "-"


def request_line(environ: dict[str, Any]) -> str:
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~%")
    query = environ.get("QUERY_STRING", "")
    target = f"{path}?{query}" if query else path
    return f"{environ.get('REQUEST_METHOD', '-')} {target} {environ.get('SERVER_PROTOCOL', '-')}"


def combined_line(environ: dict[str, Any], status: str, size: int, when: float) -> str:
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(when))
    return (
        f'{environ.get("REMOTE_ADDR") or "-"} - - [{stamp}] "{_field(request_line(environ))}" '
        f'{status.split(" ", 1)[0]} {size or "-"} "{_field(environ.get("HTTP_REFERER", ""))}" '
        f'"{_field(environ.get("HTTP_USER_AGENT", ""))}"'
    )


def logged(app: WSGIApp, stream: IO[str]) -> WSGIApp:
    """``app`` writing one combined-format line to ``stream`` when each response has been sent."""
    lock = threading.Lock()  # waitress answers on several threads; lines must not interleave

    def logged_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        when = time.time()
        seen: dict[str, str] = {}

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen["status"] = status
            return start_response(status, headers, exc_info)

        body = app(environ, recording_start_response)

        def counted() -> Iterator[bytes]:
            size = 0
            try:
                for chunk in body:
                    size += len(chunk)
                    yield chunk
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
                line = combined_line(environ, seen.get("status", "500"), size, when)
                with lock:
                    stream.write(line + "\n")
                    stream.flush()

        return counted()

    return logged_app
