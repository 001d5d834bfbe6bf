"""``kabar stats``: the page cache's counters (every process's), and its hit rate.

The admin shows the same numbers (Page cache › page cache hit rate; ``kabar.pagecache.admin``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from kabar.pagecache import stats, store


class Command(BaseCommand):
    help = "Show the page cache's hit rate and counters, summed over every process sharing the cache."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Set every counter back to zero.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            store.reset_totals()
            self.stdout.write("page cache counters reset")
            return
        found = stats.summary()
        state = "on" if found.enabled else "off (KABAR_PAGE_CACHE)"
        self.stdout.write(f"page cache: {state}, {found.backend}")
        rate = found.hit_rate
        self.stdout.write(
            f"hit rate: {f'{100 * rate:.1f}%' if rate is not None else 'n/a (no page asked for yet)'}"
        )
        width = max(len(str(v)) for v in found.totals.values())
        with translation.override("en"):  # the command speaks English, as its other lines do
            for _name, value, label in found.rows():
                self.stdout.write(f"  {value:>{width}}  {label}")
