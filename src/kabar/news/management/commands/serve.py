"""``kabar serve``: the embedded production server (waitress), static files by WhiteNoise."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the site and admin with waitress (multi-threaded WSGI); runs pending migrations first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-migrate", action="store_true", help="Do not apply pending migrations.")

    def handle(
        self, *args: Any, host: str, port: int, threads: int, no_migrate: bool, **options: Any
    ) -> None:
        import waitress

        from kabar.conf.wsgi import application
        from kabar.startup import log_plugins

        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if "KABAR_SITE_URL" not in os.environ:
            # Canonical and hreflang links must point where this server answers when the
            # operator has not named a public URL (e.g. `kabar demo --port 8080`).
            settings.SITE_URL = f"http://{host}:{port}"
        log_plugins()
        self.stdout.write(f"kabar serving on http://{host}:{port}/ (admin at /admin/)")
        waitress.serve(application, host=host, port=port, threads=threads, ident="kabar")
