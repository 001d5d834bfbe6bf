"""``kabar ingest <url|file|dir|warc>``: a one-off import with a progress bar and a summary.

Exit codes (scripts rely on them; README "Using it" lists them):

* 0: every document was stored, unchanged or a duplicate (or there was nothing new);
* 1: some documents failed, the rest were stored; the failures table says why;
* 2: nothing could be read (every document failed, or the location itself did), or the
  command was misused (a bad flag, an unknown outlet, a missing or unsupported file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kabar.command_console import command_console
from kabar.core.errors import StageError
from kabar.core.sources import absolute_location, accepted_locations, local_path, unaccepted_reason
from kabar.core.sources.web import NetworkSource
from kabar.hookspecs import SOURCE_GROUP, plugin_classes
from kabar.ingest.service import Summary, fetch_policy, ingest, pick_source, shared_fetcher
from kabar.news.models import Outlet

STORED, SOME_FAILED, NOTHING_READ = 0, 1, 2


def exit_code(summary: Summary) -> int:
    """0 when nothing failed, 1 when some documents were stored and some failed, 2 when none was."""
    if not summary.failed:
        return STORED
    stored = summary.new + summary.updated + summary.unchanged + summary.duplicate
    return SOME_FAILED if stored else NOTHING_READ


def failure_advice(summary: Summary, location: str) -> str:
    """The line printed after a run with failures: what failed, where the reasons are, what to do."""
    failed = len(summary.failed)
    if exit_code(summary) == SOME_FAILED:
        return (
            f"{failed} of {summary.total} documents failed (reasons in the table above and in the admin's "
            "Ingest failures); the others were stored. Fix what the reasons name and run it again: "
            "stored articles are not stored twice."
        )
    if failed == 1:
        url, stage, reason = summary.failed[0]
        what = location if url == location else url
        hint = ""
        if "private" in reason or "loopback" in reason:
            hint = " (a test outlet on this machine: add --allow-private)"
        return f"nothing stored: {what} failed at {stage}: {reason}{hint}"
    return (
        f"nothing stored: all {failed} documents failed (reasons in the table above and in the admin's "
        "Ingest failures)"
    )


class Command(BaseCommand):
    help = (
        "Import articles from a feed, sitemap, page URL, HTML file or folder, WARC/WET file or text capture. "
        "Exit status: 0 all stored or unchanged, 1 some failed, 2 nothing could be read or a usage error."
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
                raise CommandError(
                    f"no outlet with slug {outlet!r} (leave out --outlet to use the one the page names, "
                    "or create it in the admin)",
                    returncode=NOTHING_READ,
                )
        location = self._checked_location(location, kind, options["allow_private"])
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
        else:
            self._print_tables(summary, location)
        code = exit_code(summary)
        if code != STORED:
            raise CommandError(failure_advice(summary, location), returncode=code)

    def _checked_location(self, location: str, kind: str | None, allow_private: bool) -> str:
        """The location as it will be stored (local paths absolute), or a usage error saying what is wrong.

        A location no source takes is a mistake on the command line, not a document that failed:
        it is refused here, before anything is fetched or recorded.
        """
        classes = plugin_classes(SOURCE_GROUP)
        given = location
        if local_path(location) is not None:  # a path or file:// URI, not a URL
            location = absolute_location(location)
            chosen = classes.get(kind) if kind else None
            if chosen is not None and issubclass(chosen, NetworkSource):
                raise CommandError(
                    f"--kind {kind} takes an http:// or https:// URL, not the local {location}; "
                    f"kabar ingests {accepted_locations(classes.values())}",
                    returncode=NOTHING_READ,
                )
            takes_files = chosen is None or bool(getattr(chosen, "suffixes", None))
            if takes_files and not Path(location).exists():
                raise CommandError(unaccepted_reason(given, classes.values()), returncode=NOTHING_READ)
        if kind is None:
            try:
                pick_source(location, None, shared_fetcher(fetch_policy(allow_private=allow_private)))
            except StageError:
                raise CommandError(
                    unaccepted_reason(given, classes.values()), returncode=NOTHING_READ
                ) from None
        return location

    def _print_tables(self, summary: Summary, location: str) -> None:
        out = command_console(self.stdout, width=140)
        table = Table(title=f"kabar ingest {location}")
        columns = (
            *("new", "updated", "unchanged", "duplicate", "failed", "skipped"),
            *("images attached", "images pending", "images failed"),
        )
        for column in columns:
            table.add_column(column, justify="right")
        images = summary.images
        table.add_row(
            str(summary.new),
            str(summary.updated),
            str(summary.unchanged),
            str(summary.duplicate),
            str(len(summary.failed)),
            str(len(summary.skipped)),
            str(images.attached),
            str(images.pending),
            str(images.failed),
        )
        out.print(table)
        if summary.skipped:
            skipped = Table(title="skipped documents (not articles)")
            for column in ("url", "reason"):
                skipped.add_column(column, overflow="fold")
            for url, reason in summary.skipped:
                skipped.add_row(url, reason)
            out.print(skipped)
        if images.failures:
            pictures = Table(title="images not stored (the article shows the outlet's address)")
            for column in ("image", "reason"):
                pictures.add_column(column, overflow="fold")
            for url, reason in images.failures:
                pictures.add_row(url, reason)
            out.print(pictures)
        if summary.failed:
            failures = Table(title="failed documents")
            for column in ("url", "stage", "reason"):
                failures.add_column(column, overflow="fold")
            for row in summary.failed:
                failures.add_row(*row)
            out.print(failures)
        elif not summary.total:
            out.print(f"no documents found at {location}")
