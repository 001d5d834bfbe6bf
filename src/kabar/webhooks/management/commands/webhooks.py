"""``kabar webhooks requeue [--older-than-minutes N]``: queue again deliveries whose task was lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_MINUTES = 10


class Command(BaseCommand):
    help = "Webhook deliveries: `requeue` queues again pending deliveries whose attempt is overdue."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        requeue = actions.add_parser(
            "requeue",
            help="Queue again pending deliveries overdue by N minutes (their task was lost).",
            description=(
                "A pending delivery whose next attempt is overdue by more than N minutes (or whose "
                "attempt started that long ago and never finished) has lost its task: the queue was "
                "down, a worker died, or the task backend cannot defer. Each is queued again now."
            ),
        )
        requeue.add_argument(
            "--older-than-minutes",
            type=int,
            default=DEFAULT_MINUTES,
            metavar="N",
            help=f"Only deliveries overdue by more than N minutes (default {DEFAULT_MINUTES}).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        from kabar.webhooks.tasks import requeue_overdue

        minutes = options["older_than_minutes"]
        if minutes < 0:
            raise CommandError("--older-than-minutes must be 0 or more", returncode=2)
        queued = requeue_overdue(timedelta(minutes=minutes))
        self.stdout.write(f"queued {len(queued)} overdue webhook delivery(ies) again")
