"""``kabar demo``: migrate, ingest the sample outlet over HTTP, create an admin, serve."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer, describe_listen_error, free_port_near, listen_problem
from kabar.listen import port_number

USAGE_ERROR = 2


def port_error(
    exc: OSError, host: str, port: int, *, site_port: int | None = None, outlet_port: int | None = None
) -> CommandError:
    """One line for a port the demo cannot listen on: which, and how to choose another.

    Exactly one of ``site_port`` (the port is the outlet's) and ``outlet_port`` (the port is
    the site's) is given: the other port, so the suggestion does not collide with it.
    """
    other = site_port if site_port is not None else outlet_port
    suggestion = free_port_near(host, port, avoid=other) if port else None
    alt = str(suggestion) if suggestion else "<another port>"
    problem = describe_listen_error(exc, host, port)
    if site_port is not None:
        advice = (
            f"choose another for the sample outlet: make demo OUTLET_PORT={alt} (or kabar demo "
            f"--outlet-port {alt}); the site's port: PORT=/--port"
        )
    else:
        advice = (
            f"choose another: make demo PORT={alt} (or kabar demo --port {alt}); "
            "the sample outlet's port: OUTLET_PORT=/--outlet-port"
        )
    return CommandError(f"{problem}; {advice}", returncode=USAGE_ERROR)


class Command(BaseCommand):
    help = "Load the fictional sample outlet through the ingestion pipeline and serve the site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=port_number, default=8000)
        parser.add_argument(
            "--outlet-port", type=int, default=8765, help="Port for the sample outlet's own site."
        )
        parser.add_argument("--no-serve", action="store_true", help="Load and exit (for scripts and tests).")

    def handle(
        self, *args: Any, host: str, port: int, outlet_port: int, no_serve: bool, **options: Any
    ) -> None:
        if port and port == outlet_port:
            raise CommandError(
                f"the site and the sample outlet cannot share port {port}: choose two, e.g. "
                f"make demo PORT={port} OUTLET_PORT={port + 1} (or kabar demo --port {port} "
                f"--outlet-port {port + 1})",
                returncode=USAGE_ERROR,
            )
        if not no_serve:
            # Before loading, so a taken port is known at once rather than after the ingest.
            problem = listen_problem(host, port)
            if problem is not None:
                raise port_error(problem, host, port, outlet_port=outlet_port)
        try:
            server = OutletServer(port=outlet_port)
        except OSError as exc:
            raise port_error(exc, "127.0.0.1", outlet_port, site_port=port) from None
        try:
            call_command("migrate", interactive=False, verbosity=0)
            server.start()
            self.stdout.write(f"Sample outlet (fictional) served at {server.url}/ — ingesting its RSS feed…")
            result = load_demo(server)
            self.stdout.write(f"Ingested: {result.summary.line()}; human translations: {result.translations}")
            for url, stage, reason in result.summary.failed:
                self.stdout.write(f"  failed {url} [{stage}]: {reason}")
            if result.comments:
                self.stdout.write(
                    f"Readers' comments: {result.comments}, one held in the moderation queue "
                    f"(http://{host}:{port}/admin/comments/comment/)"
                )
            user, password = self._admin()
            self.stdout.write(f"Admin: http://{host}:{port}/admin/  user: {user}  password: {password}")
            if not no_serve:
                try:
                    call_command("serve", host=host, port=port, no_migrate=True)
                except OSError as exc:  # taken while the demo loaded
                    raise port_error(exc, host, port, outlet_port=outlet_port) from None
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
