"""The reader site's database queries: only published texts, with what their pages need joined in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from kabar.news.models import Article, ArticleText, Media

NEWEST_FIRST = (F("article__published_at").desc(), F("article__pk").desc())


def published_texts(language: str) -> QuerySet[ArticleText]:
    """Texts a reader of ``language`` may see, newest first."""
    return (
        ArticleText.objects.filter(language=language, is_published=True)
        .select_related("article__outlet", "article__section")
        .order_by(*NEWEST_FIRST)
    )


def list_texts(language: str) -> QuerySet[ArticleText]:
    """``published_texts`` for lists of teasers: without the bodies, which a teaser does not show."""
    return published_texts(language).defer("blocks", "rendered_body")


def before_cursor(
    texts: QuerySet[ArticleText], published_at: datetime, article_id: int
) -> QuerySet[ArticleText]:
    """``texts`` (in NEWEST_FIRST order) that come after the article at (``published_at``, ``article_id``).

    A keyset condition, not an OFFSET: the database starts reading where the cursor points.
    """
    return texts.filter(
        Q(article__published_at__lt=published_at)
        | Q(article__published_at=published_at, article_id__lt=article_id)
    ).order_by(*NEWEST_FIRST)


def after_cursor(
    texts: QuerySet[ArticleText], published_at: datetime, article_id: int
) -> QuerySet[ArticleText]:
    """``texts`` that come before the cursor's article in NEWEST_FIRST order, nearest first (oldest first)."""
    return texts.filter(
        Q(article__published_at__gt=published_at)
        | Q(article__published_at=published_at, article_id__gt=article_id)
    ).order_by(F("article__published_at").asc(), F("article__pk").asc())


def latest_per_section(language: str, per_section: int, excluding: Iterable[int] = ()) -> list[ArticleText]:
    """Up to ``per_section`` newest texts of every section, in one query (a window function)."""
    ranked = (
        list_texts(language)
        .filter(article__section__isnull=False)
        .exclude(pk__in=list(excluding))
        .annotate(rank=Window(RowNumber(), partition_by=F("article__section"), order_by=NEWEST_FIRST))
        .filter(rank__lte=per_section)
    )
    return list(ranked)


def article_text(language: str, slug: str) -> ArticleText | None:
    """The published text behind an article page, with every language version, author and image."""
    return (
        ArticleText.objects.filter(language=language, slug=slug, is_published=True)
        # The story and the stored embedding come along: the story block and related lists need them.
        .select_related(
            "article__outlet",
            "article__section",
            "article__story_membership__story",  # the feed links name the story as its feed does
            "article__relate_signals",
        )
        .prefetch_related(
            Prefetch("article__texts", queryset=ArticleText.objects.filter(is_published=True).order_by()),
            "article__authors",
            Prefetch("article__media", queryset=Media.objects.order_by("pk")),
        )
        .first()
    )


# What a related-list entry shows (title, link, outlet, date), and nothing more: a body can be
# hundreds of kilobytes of JSON, and a list of ten titles has no use for it.
RELATED_COLUMNS = (
    "pk",
    "article_id",
    "title",
    "slug",
    "language",
    "article__published_at",
    "article__outlet__name",
    "article__outlet__language",
)


def related_rows(
    text: ArticleText, limit: int, excluding: Iterable[int] = ()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The article page's "same section" and "same author" lists, newest first, in one query.

    Articles in ``excluding`` (ids of articles already shown higher up) and the article itself are
    left out, and an article in both lists is shown in the section list only. Each list is a
    LIMITed subquery (SQLite allows no LIMIT inside a UNION): the section's ``limit`` newest and
    the authors' ``2 * limit`` newest, so that the author list still has ``limit`` entries once the
    section list's articles are taken out of it.
    """
    base = (
        ArticleText.objects.filter(language=text.language, is_published=True)
        .exclude(article_id__in=[text.article_id, *excluding])
        .order_by(*NEWEST_FIRST)
    )
    # A subquery on the article's authors rather than a join, so an article with two shared
    # authors is listed once (and the author ids cost no query of their own).
    their_articles = Article.authors.through.objects.filter(
        author_id__in=Article.authors.through.objects.filter(article_id=text.article_id).values("author_id")
    ).values("article_id")
    wanted = Q(pk__in=base.filter(article_id__in=their_articles).values("pk")[: 2 * limit])
    section_id = text.article.section_id
    if section_id is not None:
        wanted |= Q(pk__in=base.filter(article__section_id=section_id).values("pk")[:limit])
    rows = list(
        ArticleText.objects.filter(wanted)
        .order_by(*NEWEST_FIRST)
        .values(*RELATED_COLUMNS, "article__section_id")
    )
    # Every row of the section's newest ``limit`` is here, so they are the first ``limit`` rows
    # in the section; a later one in the section came in as the authors'.
    in_section = [r for r in rows if section_id is not None and r["article__section_id"] == section_id][
        :limit
    ]
    shown = {r["pk"] for r in in_section}
    by_author = [r for r in rows if r["pk"] not in shown][:limit]
    return in_section, by_author
