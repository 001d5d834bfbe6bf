"""``kabar purge TAG …`` / ``kabar purge --all``: make pages stale by hand, here and at the CDN."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.pagecache import tags
from kabar.pagecache.tasks import after_bump


class Command(BaseCommand):
    help = (
        "Invalidate stored pages by tag (article:12, section:3:vi, home:en, language:vi, site …) and "
        "queue the CDN purge; --all: every page (after bulk writes, which send no signals)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tags", nargs="*", help="Cache tags, as in the pages' Surrogate-Key header.")
        parser.add_argument("--all", action="store_true", help="Every page (the 'site' tag).")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = set(options["tags"]) | ({tags.SITE} if options["all"] else set())
        if not wanted:
            raise CommandError("name at least one tag, or --all")
        after_bump(wanted)
        self.stdout.write(f"invalidated: {' '.join(sorted(wanted))}")
