"""``kabar serve --workers N``: gunicorn's arbiter and N gthread worker processes, run in-process.

The management command has already migrated and set Django up; this module binds the port
(so a taken port is kabar's one-line error, not gunicorn's five retries), closes the database
connections the master holds (a forked child must never share one) and hands gunicorn the WSGI
app already imported, so each worker starts in milliseconds from the master's memory.

Signals to the master (``kill -HUP <pid>``), as gunicorn documents them:

* ``HUP``: graceful restart. New workers start, the old ones finish the requests they hold and
  exit; the listening socket never closes, so no reader sees a refused connection. The access
  log file is reopened (for logrotate). Code and settings are the ones the master loaded: to
  deploy new code, restart the service.
* ``TERM``: graceful stop. No new connections; workers finish their requests (up to 30 s) and
  the master exits 0. ``INT`` (Ctrl-C) and ``QUIT`` stop at once.
* ``TTIN``/``TTOU``: one worker more/less.
"""

from __future__ import annotations

import socket
from typing import Any

from django.conf import settings
from gunicorn.app.base import BaseApplication

from kabar.serving.limits import WSGIApp, capped

# gunicorn's largest request line (its own hard limit); waitress counts it in the header cap.
_GUNICORN_MAX_REQUEST_LINE = 8190
BACKLOG = 2048  # gunicorn's default listen queue


def served_application() -> WSGIApp:
    """The WSGI app the workers run: Django behind the header/body caps."""
    from kabar.conf.wsgi import application

    return capped(
        application,
        max_header_bytes=settings.SERVE_MAX_HEADER_BYTES,
        max_body_bytes=settings.SERVE_MAX_BODY_BYTES,
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """``host:port`` bound and listening, as gunicorn would bind it; OSError when it cannot be."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def _close_database_connections() -> None:
    from django.db import connections

    connections.close_all()


def _after_fork(_arbiter: Any, _worker: Any) -> None:  # gunicorn calls hooks with exactly these two
    _close_database_connections()


def gunicorn_options(*, fd: int, workers: int, threads: int, access_log: str | None) -> dict[str, Any]:
    """gunicorn settings for kabar (names as in gunicorn's settings reference)."""
    return {
        "bind": [f"fd://{fd}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # Waitress's cap is on the whole header block; gunicorn caps each line and their number,
        # and capped() refuses a block over the cap with the same 431.
        "limit_request_line": min(_GUNICORN_MAX_REQUEST_LINE, settings.SERVE_MAX_HEADER_BYTES),
        "limit_request_field_size": settings.SERVE_MAX_HEADER_BYTES,
        "limit_request_fields": 100,
        "accesslog": access_log,  # gunicorn's default format is the combined log format
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "kabar",
        # The app is imported once in the master and forked: workers share its memory, start at
        # once, and a broken app fails before any worker is forked.
        "preload_app": True,
        "graceful_timeout": 30,
        # gunicorn ≥ 25.1 opens a control socket at one fixed path per user: two kabar servers
        # (or a test run beside a real one) would take it from each other. kabar does not use it.
        "control_socket_disable": True,
        "post_fork": _after_fork,
    }


class KabarGunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn configured from a dict, not its command line or a config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            # A setting an older gunicorn lacks (control_socket_disable before 25.1) is moot there.
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return served_application()


def serve(sock: socket.socket, *, workers: int, threads: int, access_log: str | None) -> None:
    """Run gunicorn on the bound ``sock`` until it is stopped; exits the process as gunicorn does."""
    _close_database_connections()
    fd = sock.detach()  # gunicorn owns the descriptor from here
    KabarGunicorn(gunicorn_options(fd=fd, workers=workers, threads=threads, access_log=access_log)).run()
