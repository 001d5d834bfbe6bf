"""``kabar purge TAG …`` / ``kabar purge --all``: make pages stale by hand, here and at the CDN.

Misuse (no tag and no ``--all``, or a word that is not a cache tag) is a usage error, exit 2,
with a line saying what to pass; nothing is bumped then.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.pagecache import tags
from kabar.pagecache.tasks import after_bump

USAGE_ERROR = 2
# What a purger accepts (kabar.pagecache.purgers): letters, digits and : . _ -
TAG = re.compile(r"^[A-Za-z0-9:._-]+$")
EXAMPLES = "e.g. `kabar purge article:12 home:vi`, or `kabar purge --all` for every page"


class Command(BaseCommand):
    help = (
        "Invalidate stored pages by tag (article:12, section:3:vi, home:en, language:vi, site …) and "
        "queue the CDN purge; --all: every page (after bulk writes, which send no signals)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tags", nargs="*", help="Cache tags, as in the pages' Surrogate-Key header.")
        parser.add_argument("--all", action="store_true", help="Every page (the 'site' tag).")

    def handle(self, *args: Any, **options: Any) -> None:
        named = list(options["tags"])
        bad = [tag for tag in named if not TAG.match(tag)]
        if bad:
            raise CommandError(
                f"not a cache tag: {', '.join(map(repr, bad))} (tags look like article:12, section:3:vi, "
                f"home:vi, site — as in a page's Surrogate-Key header); {EXAMPLES}",
                returncode=USAGE_ERROR,
            )
        wanted = set(named) | ({tags.SITE} if options["all"] else set())
        if not wanted:
            raise CommandError(
                f"name the cache tags to invalidate, or --all; {EXAMPLES}", returncode=USAGE_ERROR
            )
        after_bump(wanted)
        self.stdout.write(f"invalidated: {' '.join(sorted(wanted))}")
