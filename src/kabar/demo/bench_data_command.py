"""The ``kabar bench-data`` command: fill the configured database with generated articles.

Exit status: 0 written; 2 misuse (a database that already has articles, without ``--append``;
a count under 1).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kabar.cli import database_location
from kabar.command_console import counted_progress
from kabar.demo import bench_data
from kabar.news.models import Article
from kabar.pagecache import tags
from kabar.pagecache.tasks import after_bump

USAGE_ERROR = 2


def article_count(text: str) -> int:
    try:
        number = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of articles: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} articles: choose 1 or more")
    return number


class Command(BaseCommand):
    help = (
        "Fill the database with N generated articles (an original in vi, en or id and two translations "
        "each; outlets, sections, authors, images by reference, stories) for benchmarks, then rebuild the "
        "search index. Refuses a database that has articles unless --append."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--articles", type=article_count, required=True, help="How many articles (×3 texts)."
        )
        parser.add_argument(
            "--seed", type=int, default=10, help="The same seed and N give the same articles."
        )
        parser.add_argument(
            "--append", action="store_true", help="Add to a database that already has articles."
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Skip the search index rebuild (run `kabar reindex` later).",
        )

    def handle(
        self, *args: Any, articles: int, seed: int, append: bool, no_index: bool, **options: Any
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        existing = Article.objects.count()
        if existing and not append:
            raise CommandError(
                f"the database at {database_location()} already has {existing:,} articles: bench-data "
                "fills an empty one (name another with KABAR_DATABASE_URL), or adds to these with --append",
                returncode=USAGE_ERROR,
            )
        started = time.perf_counter()
        with counted_progress(self.stderr) as progress:
            bar = progress.add_task("writing articles", total=articles)
            written = bench_data.fill(
                articles, seed, on_progress=lambda done: progress.update(bar, completed=done)
            )
        seconds = time.perf_counter() - started
        # Bulk writes send no signals: stored pages (a home page listing the old newest) would stay.
        after_bump({tags.SITE})
        self.stdout.write(
            f"wrote {written:,} articles ({written * 3:,} texts in vi, en, id) in {seconds:.1f} s; "
            f"the database now has {existing + written:,}"
        )
        if no_index:
            self.stdout.write("search index not rebuilt: run `kabar reindex` before measuring search")
            return
        call_command("reindex", stdout=self.stdout._out, stderr=self.stderr._out)
