"""``kabar stats``: the page cache's counters (every process's), and its hit rate."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from kabar.pagecache import store

LABELS = {
    "hit": "answered from the page cache",
    "not_modified": "304 Not Modified (from a stored page or from validators alone)",
    "miss": "rendered (not stored, or stale)",
    "stored": "pages stored",
    "bypass": "bypassed (editors, ?compare= and other parameters)",
    "bumped_tags": "tags invalidated by edits",
    "purged": "CDN purges sent",
    "purge_failed": "CDN purges failed (retried)",
}


class Command(BaseCommand):
    help = "Show the page cache's hit rate and counters, summed over every process sharing the cache."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Set every counter back to zero.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            store.reset_totals()
            self.stdout.write("page cache counters reset")
            return
        totals = store.totals()
        backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        state = "on" if settings.PAGE_CACHE["enabled"] else "off (KABAR_PAGE_CACHE)"
        self.stdout.write(f"page cache: {state}, {backend}")
        looked_up = totals["hit"] + totals["miss"]
        rate = f"{100 * totals['hit'] / looked_up:.1f}%" if looked_up else "n/a (no page asked for yet)"
        self.stdout.write(f"hit rate: {rate}")
        width = max(len(str(v)) for v in totals.values())
        for name, value in totals.items():
            self.stdout.write(f"  {value:>{width}}  {LABELS[name]}")
