"""``kabar translate``: machine-translate articles now, with a progress bar and a summary.

kabar translate --all-missing --to en,id
kabar translate --article 12 --article 15 --to en --force

Exit codes, in the style of ``kabar ingest``'s (README "Exit status of kabar ingest"):

* 0: every selected article is in every target language (translated now, up to date, a person's
  text, or the original);
* 1: some were left out: skipped because no engine translates their language into a target
  (listed per source language, with the reason) or failed (listed per article); the rest was done.
  A re-run that finds only such articles left says so again, with 1: what could be done is done;
* 2: the command was misused: no engine configured at all, an unknown article, no target language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q, QuerySet
from rich.table import Table

from kabar.command_console import command_console, counted_progress
from kabar.core.translate.mt.routing import NoRoute, Router
from kabar.news.models import Article, ArticleText
from kabar.translation.engines import describe_engines, get_router
from kabar.translation.services import BatchSummary, Outcome, translate_many

DONE, SOME_LEFT, MISUSE = 0, 1, 2


@dataclass(frozen=True)
class Skipped:
    """The articles in one source language that no engine translates into ``target``."""

    source: str
    target: str
    articles: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "articles": self.articles,
            "reason": self.reason,
        }


def _languages(value: str) -> list[str]:
    languages = [v.strip().lower() for v in value.split(",") if v.strip()]
    if not languages:
        raise CommandError("--to needs at least one language code, e.g. --to en,id", returncode=MISUSE)
    return list(dict.fromkeys(languages))


def exit_code(summary: BatchSummary, skipped: list[Skipped]) -> int:
    """0 when no (article, target) was left out, 1 when some were (skipped for want of an engine, or failed)."""
    return SOME_LEFT if summary.failed or skipped else DONE


def left_out_advice(summary: BatchSummary, skipped: list[Skipped]) -> str:
    """The closing line of a run that left some articles untranslated: what, where the reasons are, what to do."""
    parts = [
        f"{s.articles} article{'s' * (s.articles != 1)} in {s.source} not translated into {s.target} "
        "(no engine for the pair)"
        for s in skipped
    ]
    if summary.failed:
        parts.append(f"{len(summary.failed)} translation{'s' * (len(summary.failed) != 1)} failed")
    head = "nothing translated: " if len(summary.outcomes) == len(summary.failed) else ""
    return (
        f"{head}{'; '.join(parts)}. Reasons are in the tables above; configure an engine for the missing "
        "pairs (KABAR_MT_ENGINES, KABAR_MT_PIVOT) and run it again: what is done is not done twice."
    )


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
        work, skipped = self._split_by_route(selected, to, force=options["force"])
        total = sum(len(group) for group in work.values())
        summary = BatchSummary()
        with counted_progress(self.stderr, disable=options["json"]) as progress:
            bar = progress.add_task("translating", total=total)

            def on_progress(outcome: Outcome) -> None:
                progress.update(
                    bar, advance=1, description=f"{outcome.action}: #{outcome.article_id} → {outcome.target}"
                )

            for target, group in work.items():
                if group:
                    done = translate_many(group, [target], force=options["force"], on_progress=on_progress)
                    summary.outcomes += done.outcomes
                    summary.engine_calls += done.engine_calls
        if options["json"]:
            report = {**summary.as_dict(), "skipped": [s.as_dict() for s in skipped]}
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self._print(summary, to, skipped)
        code = exit_code(summary, skipped)
        if code != DONE:
            raise CommandError(left_out_advice(summary, skipped), returncode=code)

    def _select(self, ids: list[int] | None, targets: list[str], all_missing: bool) -> list[Article]:
        query: QuerySet[Article] = Article.objects.prefetch_related("texts").order_by("pk")
        if ids:
            found = list(query.filter(pk__in=ids))
            missing = sorted(set(ids) - {a.pk for a in found})
            if missing:
                raise CommandError(f"no article with id {', '.join(map(str, missing))}", returncode=MISUSE)
            return found
        present = Count("texts", filter=Q(texts__language__in=targets), distinct=True)
        return list(query.annotate(present=present).filter(present__lt=len(targets)))

    def _split_by_route(
        self, articles: list[Article], targets: list[str], *, force: bool
    ) -> tuple[dict[str, list[Article]], list[Skipped]]:
        """Per target, the articles an engine can translate into it; the others, per source language.

        One language without a route no longer stops the run: the rest is translated and the
        pairs left out are listed with the reason.
        """
        router = get_router()
        if not router.engines:
            raise CommandError(
                f"no MT engine is configured: configured engines: {describe_engines(router)}",
                returncode=MISUSE,
            )
        by_source: dict[str, list[Article]] = {}
        for article in articles:
            by_source.setdefault(article.source_language.lower(), []).append(article)
        work: dict[str, list[Article]] = {target: [] for target in targets}
        skipped: list[Skipped] = []
        for source, group in sorted(by_source.items()):
            for target in targets:
                if source != target and not _has_route(router, source, target):
                    # An article keeps the text it has in the target; only those that wanted one are skipped.
                    missing = [a for a in group if _wants_text(a, target, force=force)]
                    if missing:
                        reason = (
                            f"no engine for {source}→{target}: configured engines: {describe_engines(router)}"
                        )
                        skipped.append(Skipped(source, target, len(missing), reason))
                    continue
                work[target].extend(group)
        for group in work.values():
            group.sort(key=lambda a: a.pk)
        return work, skipped

    def _print(self, summary: BatchSummary, targets: list[str], skipped: list[Skipped]) -> None:
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
            ("skipped (no engine)", sum(s.articles for s in skipped)),
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
        if skipped:
            left = Table(title="skipped: no engine for the pair")
            for column in ("source", "target", "articles", "reason"):
                left.add_column(column, overflow="fold")
            for item in skipped:
                left.add_row(item.source, item.target, str(item.articles), item.reason)
            out.print(left)


def _wants_text(article: Article, target: str, *, force: bool) -> bool:
    """True when the run would have written ``article``'s text in ``target`` (none yet, or a machine one forced)."""
    existing = article.text_for(target)
    return existing is None or (force and existing.status == ArticleText.Status.MACHINE)


def _has_route(router: Router, source: str, target: str) -> bool:
    try:
        router.plan(source, target)
    except NoRoute:
        return False
    return True
