"""``kabar publish``: publish many texts at once, bumping the page cache's tags once at the end.

``kabar publish --section the-gioi --language vi`` publishes the unpublished Vietnamese texts of
that section; ``--all-unpublished`` every unpublished text (it must be said: no filter means all).
Each text is saved as an editor's save would be (search index, webhooks and the rest follow),
in transactions of ``--chunk`` texts, inside ``receivers.deferred()``: the page cache's tags, the
CDN purge and the static-publishing task happen once, for everything, after the last chunk.

``--files`` also rewrites the static-published files (``KABAR_STATIC_PUBLISH_DIR``) of the
selection's pages that are published already: after turning static publishing on, or after
changing templates. Texts whose QA failed stay unpublished unless ``--include-failed-qa``.

Exit status: 0 done (also when nothing matched), 2 misuse (an unknown section, outlet or
language; no filter without ``--all-unpublished``; ``--files`` with static publishing off).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kabar.news.models import ArticleText, Outlet, Section
from kabar.pagecache import receivers

USAGE_ERROR = 2
CHUNK = 500


def _words(values: list[str] | None) -> list[str]:
    """``--language vi,en --language id`` → ["vi", "en", "id"]."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


class Command(BaseCommand):
    help = (
        "Publish the unpublished texts a selection names (--section, --language, --outlet, --status, "
        "--article; --all-unpublished for all), bumping the page cache once at the end; --files also "
        "rewrites the static-published pages of texts already published. Exit 2 on misuse."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--section", action="append", metavar="SLUG", help="A section (repeatable).")
        parser.add_argument("--language", action="append", metavar="CODE", help="e.g. vi or vi,en.")
        parser.add_argument("--outlet", action="append", metavar="SLUG", help="An outlet (repeatable).")
        parser.add_argument(
            "--status", action="append", choices=ArticleText.Status.values, help="Kind of text (repeatable)."
        )
        parser.add_argument("--article", action="append", type=int, metavar="ID", help="An article id.")
        parser.add_argument(
            "--all-unpublished", action="store_true", help="Without a filter: every unpublished text."
        )
        parser.add_argument(
            "--include-failed-qa", action="store_true", help="Publish texts whose QA failed as well."
        )
        parser.add_argument(
            "--files", action="store_true", help="Also rewrite the static files of published texts."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be published; change nothing."
        )
        parser.add_argument("--chunk", type=int, default=CHUNK, help=f"Texts per transaction ({CHUNK}).")

    def handle(self, *args: Any, **options: Any) -> None:
        selection = self._selection(options)
        if options["files"] and not settings.STATIC_PUBLISH_DIR:
            raise CommandError(
                "--files: static publishing is off; set KABAR_STATIC_PUBLISH_DIR first",
                returncode=USAGE_ERROR,
            )
        if options["chunk"] < 1:
            raise CommandError("--chunk: 1 or more texts per transaction", returncode=USAGE_ERROR)
        waiting = selection.filter(is_published=False)
        held_count = 0
        if not options["include_failed_qa"]:
            held_count = waiting.filter(qa_passed=False).count()
            waiting = waiting.exclude(qa_passed=False)  # unknown (None) is not a failure
        pks = list(waiting.order_by("pk").values_list("pk", flat=True))
        by_language = Counter(waiting.values_list("language", flat=True))
        already = selection.filter(is_published=True) if options["files"] else selection.none()
        if options["dry_run"]:
            self.stdout.write(f"would publish {self._count(len(pks), by_language)}{self._held(held_count)}")
            if options["files"]:
                self.stdout.write(f"would rewrite the files of {already.count()} published text(s)")
            return
        with receivers.deferred() as batch:
            published = self._publish(pks, options["chunk"])
            if options["files"]:
                # Texts already published change nothing by saving: name their articles in the batch.
                for article_id, language in already.values_list("article_id", "language"):
                    batch.add_article(article_id, {language})
        tags = batch.resolve()
        self.stdout.write(f"published {self._count(published, by_language)}{self._held(held_count)}")
        if tags:
            where = "static files and CDN purge queued" if settings.STATIC_PUBLISH_DIR else "CDN purge queued"
            self.stdout.write(f"page cache: {len(tags)} tag(s) bumped once; {where}")

    def _selection(self, options: dict[str, Any]) -> QuerySet[ArticleText]:
        texts = ArticleText.objects.all()
        filtered = False
        if sections := _words(options["section"]):
            known = set(Section.objects.filter(slug__in=sections).values_list("slug", flat=True))
            self._refuse_unknown("section", sections, known)
            texts, filtered = texts.filter(article__section__slug__in=sections), True
        if languages := _words(options["language"]):
            site = {code for code, _name in settings.LANGUAGES}
            self._refuse_unknown(
                "language", languages, site, hint=f"site languages: {', '.join(sorted(site))}"
            )
            texts, filtered = texts.filter(language__in=languages), True
        if outlets := _words(options["outlet"]):
            known = set(Outlet.objects.filter(slug__in=outlets).values_list("slug", flat=True))
            self._refuse_unknown("outlet", outlets, known)
            texts, filtered = texts.filter(article__outlet__slug__in=outlets), True
        if options["status"]:
            texts, filtered = texts.filter(status__in=options["status"]), True
        if options["article"]:
            texts, filtered = texts.filter(article_id__in=options["article"]), True
        if not filtered and not options["all_unpublished"]:
            raise CommandError(
                "name what to publish (--section, --language, --outlet, --status, --article), "
                "or pass --all-unpublished for every unpublished text",
                returncode=USAGE_ERROR,
            )
        return texts

    @staticmethod
    def _refuse_unknown(what: str, named: list[str], known: set[str], hint: str = "") -> None:
        unknown = sorted(set(named) - known)
        if unknown:
            tail = f" ({hint})" if hint else ""
            raise CommandError(f"no {what} {', '.join(unknown)}{tail}", returncode=USAGE_ERROR)

    def _publish(self, pks: list[int], chunk: int) -> int:
        """Save each text published, ``chunk`` to a transaction; the tags wait for the deferred block."""
        done = 0
        for start in range(0, len(pks), chunk):
            with transaction.atomic():
                texts = ArticleText.objects.select_for_update().filter(pk__in=pks[start : start + chunk])
                for text in texts.filter(is_published=False):  # an editor may have published one meanwhile
                    text.is_published = True
                    text.published_at = timezone.now()
                    text.published_by = None  # kabar did, at the operator's command
                    text.save(update_fields=["is_published", "published_at", "published_by"])
                    done += 1
        return done

    @staticmethod
    def _count(n: int, by_language: Counter[str]) -> str:
        languages = ", ".join(f"{code}: {count}" for code, count in sorted(by_language.items()))
        return f"{n} text(s)" + (f" ({languages})" if n and languages else "")

    @staticmethod
    def _held(n: int) -> str:
        return f"; {n} left unpublished, their QA failed (--include-failed-qa publishes them)" if n else ""
