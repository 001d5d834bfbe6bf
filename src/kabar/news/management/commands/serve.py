"""``kabar serve``: the embedded production server, static files by WhiteNoise.

``--workers N`` processes (default: one per core) under gunicorn's gthread workers on POSIX;
one waitress process (threads only) with ``--workers 1``, ``--server waitress``, or where
gunicorn cannot run (Windows, or not installed). Migrations run once, before any worker starts.
Signals (gunicorn): HUP restarts the workers gracefully, TERM stops gracefully (exit 0); see
``kabar.serving.gunicorn_app``.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.listen import describe_listen_error, port_number

if TYPE_CHECKING:
    from waitress.server import BaseWSGIServer, MultiSocketServer

USAGE_ERROR = 2
SERVERS = ("auto", "gunicorn", "waitress")


def count_of(what: str) -> Any:
    """An argparse type: a whole number from 1, else a usage error naming ``what``."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of {what}: {text!r}") from None
        if number < 1:
            raise argparse.ArgumentTypeError(f"{number} {what}: choose 1 or more")
        return number

    return parse


def core_count() -> int:
    """The cores this process may run on (a container's share, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def gunicorn_problem() -> str | None:
    """Why gunicorn cannot serve here; None when it can."""
    if os.name != "posix":
        return "gunicorn needs a POSIX system"
    if importlib.util.find_spec("gunicorn") is None:
        return "gunicorn is not installed (pip install gunicorn)"
    return None


def build_server(
    host: str, port: int, threads: int, access_log: IO[str] | None = None
) -> BaseWSGIServer | MultiSocketServer:
    """The waitress server for kabar's WSGI app, bound but not yet running.

    Waitress would read 256 KB of headers and a 1 GB body by default; a request to kabar
    carries a few cookies and at most an admin image upload, so larger ones are refused
    (431 and 413) before Django parses anything.
    """
    import waitress

    from kabar.conf.wsgi import application
    from kabar.serving.access_log import logged

    app = logged(application, access_log) if access_log is not None else application
    return waitress.create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="kabar",
        max_request_header_size=settings.SERVE_MAX_HEADER_BYTES,
        max_request_body_size=settings.SERVE_MAX_BODY_BYTES,
    )


class Command(BaseCommand):
    help = (
        "Serve the site and admin: N gunicorn worker processes (default one per core) on POSIX, else "
        "one waitress process; runs pending migrations first. HUP restarts workers gracefully, TERM stops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=port_number, default=8000)
        parser.add_argument(
            "--workers",
            type=count_of("workers"),
            default=None,
            help=f"Processes (default: the number of cores, {core_count()} here); 1 serves with waitress.",
        )
        parser.add_argument("--threads", type=count_of("threads"), default=8, help="Threads per process.")
        parser.add_argument(
            "--server",
            choices=SERVERS,
            default="auto",
            help="auto: gunicorn for more than one worker where it runs, else waitress.",
        )
        parser.add_argument(
            "--access-log",
            metavar="PATH",
            default=None,
            help="Write an access log (combined log format) to PATH, or to stdout with '-'. Default: none.",
        )
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply pending migrations.")

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        threads: int,
        no_migrate: bool,
        workers: int | None = None,
        server: str = "auto",
        access_log: str | None = None,
        **options: Any,
    ) -> None:
        from kabar.startup import log_plugins

        chosen, workers = self._choose(server, workers)
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if "KABAR_SITE_URL" not in os.environ:
            # Canonical and hreflang links must point where this server answers when the
            # operator has not named a public URL (e.g. `kabar demo --port 8080`).
            settings.SITE_URL = f"http://{host}:{port}"
        log_plugins()
        logging.basicConfig()  # as waitress.serve does: its own warnings reach the console
        if chosen == "gunicorn":
            self._serve_gunicorn(host, port, workers, threads, access_log)
        else:
            self._serve_waitress(host, port, threads, access_log)

    def _choose(self, server: str, workers: int | None) -> tuple[str, int]:
        """Which server runs and with how many processes; misuse is a usage error."""
        problem = gunicorn_problem()
        if server == "waitress":
            if workers not in (None, 1):
                raise CommandError(
                    f"--workers {workers}: waitress is one process; use --server gunicorn (or auto)",
                    returncode=USAGE_ERROR,
                )
            return "waitress", 1
        if server == "gunicorn":
            if problem:
                raise CommandError(f"--server gunicorn: {problem}", returncode=USAGE_ERROR)
            return "gunicorn", workers or core_count()
        wanted = workers or core_count()
        if wanted == 1:
            return "waitress", 1
        if problem:
            self.stderr.write(f"serving with waitress in one process: {problem}")
            return "waitress", 1
        return "gunicorn", wanted

    def _serve_waitress(self, host: str, port: int, threads: int, access_log: str | None) -> None:
        with ExitStack() as stack:
            log = self._open_log(stack, access_log)
            try:
                server = build_server(host, port, threads, access_log=log)
            except OSError as exc:
                problem = describe_listen_error(exc, host, port)
                raise CommandError(f"{problem}; choose another with --port", returncode=USAGE_ERROR) from exc
            self.stdout.write(
                f"kabar serving on http://{host}:{port}/ (admin at /admin/), waitress, 1 process"
            )
            server.run()

    def _serve_gunicorn(
        self, host: str, port: int, workers: int, threads: int, access_log: str | None
    ) -> None:
        from kabar.serving import gunicorn_app

        if access_log not in (None, "-"):
            with ExitStack() as stack:
                self._open_log(stack, access_log)  # a path gunicorn cannot write is kabar's one line
        try:
            sock = gunicorn_app.listening_socket(host, port)
        except OSError as exc:
            problem = describe_listen_error(exc, host, port)
            raise CommandError(f"{problem}; choose another with --port", returncode=USAGE_ERROR) from exc
        self.stdout.write(
            f"kabar serving on http://{host}:{port}/ (admin at /admin/), gunicorn, "
            f"{workers} worker{'s' if workers > 1 else ''} × {threads} threads (master pid {os.getpid()})"
        )
        self.stdout.flush()
        gunicorn_app.serve(sock, workers=workers, threads=threads, access_log=access_log)

    @staticmethod
    def _open_log(stack: ExitStack, path: str | None) -> IO[str] | None:
        if path is None:
            return None
        if path == "-":
            return sys.stdout
        try:
            return stack.enter_context(open(path, "a", encoding="utf-8", buffering=1))  # noqa: SIM115
        except OSError as exc:
            raise CommandError(
                f"--access-log {path}: cannot write there ({exc.strerror})", returncode=USAGE_ERROR
            ) from exc
