"""``kabar stories rebuild [--since DATE]``: put articles in their stories again, with a progress bar.

kabar stories rebuild                    every article, oldest first
kabar stories rebuild --since 2025-10-01 articles published on or after that day (local time)
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.table import Table

from kabar.command_console import command_console, counted_progress
from kabar.news.models import Article
from kabar.stories.services import Assignment, rebuild


def since_date(value: str) -> dt.datetime:
    """A day (YYYY-MM-DD, from its start in the site's time zone) or an ISO date-time."""
    try:
        if len(value.strip()) == 10:
            day = dt.date.fromisoformat(value.strip())
            return timezone.make_aware(dt.datetime.combine(day, dt.time()))
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--since {value!r} is not a date: use YYYY-MM-DD, e.g. --since 2025-10-01",
            returncode=2,  # misuse, as for every kabar command
        ) from None
    return when if timezone.is_aware(when) else timezone.make_aware(when)


class Command(BaseCommand):
    help = "Stories: `rebuild` assigns articles to stories again (editors' decisions and pinned stories are kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION")
        actions.required = True
        rebuild_parser = actions.add_parser(
            "rebuild",
            help="Assign articles again, oldest first, as if they arrived now.",
            description="Assign articles again, oldest first; editors' decisions and pinned stories are kept.",
        )
        rebuild_parser.add_argument(
            "--since",
            type=str,
            default=None,
            metavar="DATE",
            help="Only articles published on or after DATE (YYYY-MM-DD, site time zone).",
        )
        rebuild_parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, action: str, since: str | None = None, **options: Any) -> None:
        start = since_date(since) if since else None
        selected = Article.objects.all()
        if start is not None:
            selected = selected.filter(published_at__gte=start)
        total = selected.count()
        with counted_progress(self.stderr, disable=options["json"]) as progress:
            bar = progress.add_task("relating", total=total)

            def on_progress(done: Assignment) -> None:
                progress.update(bar, advance=1, description=f"#{done.article_id}: {done.action}")

            summary = rebuild(start, on_progress=on_progress)
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
            return
        out = command_console(self.stdout, width=120)
        title = "kabar stories rebuild" + (f" since {start:%Y-%m-%d %H:%M}" if start else "")
        table = Table(title=title)
        columns = (
            ("articles", summary.articles),
            ("new stories", summary.new_stories),
            ("joined a story", summary.joined),
            ("stories merged", summary.merged_stories),
            ("kept (editor)", summary.kept_editor),
            ("kept (pinned)", summary.kept_pinned),
            ("no original", summary.without_original),
        )
        for name, _ in columns:
            table.add_column(name, justify="right")
        table.add_row(*(str(value) for _, value in columns))
        out.print(table)
