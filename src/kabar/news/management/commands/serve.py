"""``kabar serve``: the embedded production server (waitress), static files by WhiteNoise."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.listen import describe_listen_error, port_number

if TYPE_CHECKING:
    from waitress.server import BaseWSGIServer, MultiSocketServer


def build_server(host: str, port: int, threads: int) -> BaseWSGIServer | MultiSocketServer:
    """The waitress server for kabar's WSGI app, bound but not yet running.

    Waitress would read 256 KB of headers and a 1 GB body by default; a request to kabar
    carries a few cookies and at most an admin image upload, so larger ones are refused
    (431 and 413) before Django parses anything.
    """
    import waitress

    from kabar.conf.wsgi import application

    return waitress.create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="kabar",
        max_request_header_size=settings.SERVE_MAX_HEADER_BYTES,
        max_request_body_size=settings.SERVE_MAX_BODY_BYTES,
    )


class Command(BaseCommand):
    help = "Serve the site and admin with waitress (multi-threaded WSGI); runs pending migrations first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=port_number, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply pending migrations.")

    def handle(
        self, *args: Any, host: str, port: int, threads: int, no_migrate: bool, **options: Any
    ) -> None:
        from kabar.startup import log_plugins

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if "KABAR_SITE_URL" not in os.environ:
            # Canonical and hreflang links must point where this server answers when the
            # operator has not named a public URL (e.g. `kabar demo --port 8080`).
            settings.SITE_URL = f"http://{host}:{port}"
        log_plugins()
        logging.basicConfig()  # as waitress.serve does: its own warnings reach the console
        try:
            server = build_server(host, port, threads)
        except OSError as exc:
            problem = describe_listen_error(exc, host, port)
            raise CommandError(f"{problem}; choose another with --port", returncode=2) from exc
        self.stdout.write(f"kabar serving on http://{host}:{port}/ (admin at /admin/)")
        server.run()
