"""``kabar ingest <url|file|dir|warc>``: a one-off import with a progress bar and a summary."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kabar.command_console import command_console
from kabar.ingest.service import ingest
from kabar.news.models import Outlet


class Command(BaseCommand):
    help = (
        "Import articles from a feed, sitemap, page URL, HTML file or folder, WARC/WET file or text capture."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("location")
        parser.add_argument("--kind", choices=["feed", "sitemap", "url", "file", "warc", "capture"])
        parser.add_argument(
            "--outlet", help="Outlet slug; default: the outlet the page names (created if new)."
        )
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="Allow loopback/private addresses (local test outlets).",
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, location: str, kind: str | None, outlet: str | None, **options: Any) -> None:
        target = None
        if outlet:
            target = Outlet.objects.filter(slug=outlet).first()
            if target is None:
                raise CommandError(f"no outlet with slug {outlet!r}")
        console = command_console(self.stderr, stderr=True)
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} documents"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=options["json"],
        ) as progress:
            bar = progress.add_task(f"ingesting {location}", total=None)

            def on_document(url: str, status: str) -> None:
                progress.update(bar, advance=1, description=f"{status}: {url[-60:]}")

            summary = ingest(
                location,
                outlet=target,
                kind=kind,
                allow_private=options["allow_private"],
                on_document=on_document,
            )
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
            return
        out = command_console(self.stdout, width=140)
        table = Table(title=f"kabar ingest {location}")
        for column in ("new", "updated", "unchanged", "duplicate", "failed"):
            table.add_column(column, justify="right")
        table.add_row(
            str(summary.new),
            str(summary.updated),
            str(summary.unchanged),
            str(summary.duplicate),
            str(len(summary.failed)),
        )
        out.print(table)
        if summary.failed:
            failures = Table(title="failed documents")
            for column in ("url", "stage", "reason"):
                failures.add_column(column, overflow="fold")
            for row in summary.failed:
                failures.add_row(*row)
            out.print(failures)
