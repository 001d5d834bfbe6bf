"""``kabar demo``: migrate, ingest the sample outlet over HTTP, create an admin, serve."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer


class Command(BaseCommand):
    help = "Load the fictional sample outlet through the ingestion pipeline and serve the site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--outlet-port", type=int, default=8765, help="Port for the sample outlet's own site."
        )
        parser.add_argument("--no-serve", action="store_true", help="Load and exit (for scripts and tests).")

    def handle(
        self, *args: Any, host: str, port: int, outlet_port: int, no_serve: bool, **options: Any
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        server = OutletServer(port=outlet_port).start()
        try:
            self.stdout.write(f"Sample outlet (fictional) served at {server.url}/ — ingesting its RSS feed…")
            result = load_demo(server)
            self.stdout.write(f"Ingested: {result.summary.line()}; human translations: {result.translations}")
            for url, stage, reason in result.summary.failed:
                self.stdout.write(f"  failed {url} [{stage}]: {reason}")
            user, password = self._admin()
            self.stdout.write(f"Admin: http://{host}:{port}/admin/  user: {user}  password: {password}")
            if not no_serve:
                call_command("serve", host=host, port=port, no_migrate=True)
        finally:
            server.stop()

    def _admin(self) -> tuple[str, str]:
        """A fresh password for the demo admin each run, printed once."""
        users = get_user_model()
        password = secrets.token_urlsafe(12)
        user = users.objects.filter(username="admin").first() or users(
            username="admin", email="admin@kabar.invalid"
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        return "admin", password
