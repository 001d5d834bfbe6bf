"""``kabar translate``: machine-translate articles now, with a progress bar and a summary.

kabar translate --all-missing --to en,id
kabar translate --article 12 --article 15 --to en --force
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q, QuerySet
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kabar.command_console import command_console
from kabar.core.mt.routing import NoRoute
from kabar.news.models import Article
from kabar.translation.engines import describe_engines, get_router
from kabar.translation.services import BatchSummary, Outcome, translate_many


def _languages(value: str) -> list[str]:
    languages = [v.strip().lower() for v in value.split(",") if v.strip()]
    if not languages:
        raise CommandError("--to needs at least one language code, e.g. --to en,id")
    return list(dict.fromkeys(languages))


class Command(BaseCommand):
    help = "Machine-translate articles into other languages (through the translation memory)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--article",
            type=int,
            action="append",
            dest="articles",
            metavar="ID",
            help="Article id (repeatable).",
        )
        which.add_argument(
            "--all-missing", action="store_true", help="Every article that has no text in a target language."
        )
        parser.add_argument("--to", required=True, type=_languages, help="Target languages, e.g. en,id.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Re-translate up-to-date machine texts too (human ones never).",
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, articles: list[int] | None, to: list[str], **options: Any) -> None:
        selected = self._select(articles, to, options["all_missing"])
        self._check_routes(selected, to)
        total = len(selected) * len(to)
        console = command_console(self.stderr, stderr=True)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=options["json"],
        ) as progress:
            bar = progress.add_task("translating", total=total)

            def on_progress(outcome: Outcome) -> None:
                progress.update(
                    bar, advance=1, description=f"{outcome.action}: #{outcome.article_id} → {outcome.target}"
                )

            summary = translate_many(selected, to, force=options["force"], on_progress=on_progress)
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(summary, to)

    def _select(self, ids: list[int] | None, targets: list[str], all_missing: bool) -> list[Article]:
        query: QuerySet[Article] = Article.objects.prefetch_related("texts").order_by("pk")
        if ids:
            found = list(query.filter(pk__in=ids))
            missing = sorted(set(ids) - {a.pk for a in found})
            if missing:
                raise CommandError(f"no article with id {', '.join(map(str, missing))}")
            return found
        present = Count("texts", filter=Q(texts__language__in=targets), distinct=True)
        return list(query.annotate(present=present).filter(present__lt=len(targets)))

    def _check_routes(self, articles: list[Article], targets: list[str]) -> None:
        """Refuse up front, naming the pair, rather than fail every article the same way."""
        router = get_router()
        if not router.engines:
            raise CommandError(f"no MT engine is configured: configured engines: {describe_engines(router)}")
        sources = sorted({a.source_language.lower() for a in articles})
        for source in sources:
            for target in targets:
                if source == target:
                    continue
                try:
                    router.plan(source, target)
                except NoRoute:
                    raise CommandError(
                        f"no engine for {source}→{target}: configured engines: {describe_engines(router)}"
                    ) from None

    def _print(self, summary: BatchSummary, targets: list[str]) -> None:
        out = command_console(self.stdout, width=140)
        table = Table(title=f"kabar translate → {', '.join(targets)}")
        columns = (
            ("translated", summary.translated),
            ("up to date", summary.current),
            ("segments", summary.segments),
            ("from memory", summary.from_memory),
            ("engine calls", summary.engine_calls),
            ("QA failures", summary.qa_failures),
            ("skipped (human)", summary.kept_human),
            ("failed", len(summary.failed)),
        )
        for name, _ in columns:
            table.add_column(name, justify="right")
        table.add_row(*(str(value) for _, value in columns))
        out.print(table)
        held = [o for o in summary.outcomes if o.action == "translated" and o.qa_passed is False]
        if held:
            flagged = Table(title="QA failures (held from publishing; see the post-editing queue)")
            for column in ("article", "target", "title"):
                flagged.add_column(column, overflow="fold")
            for outcome in held:
                title = outcome.text.title if outcome.text is not None else ""
                flagged.add_row(str(outcome.article_id), outcome.target, title[:80])
            out.print(flagged)
        if summary.failed:
            failures = Table(title="failed")
            for column in ("article", "target", "reason"):
                failures.add_column(column, overflow="fold")
            for outcome in summary.failed:
                failures.add_row(str(outcome.article_id), outcome.target, outcome.reason)
            out.print(failures)
