"""The reader site's database queries: only published texts, with what their pages need joined in."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Prefetch, QuerySet, Window
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


def latest_per_section(language: str, per_section: int, excluding: Iterable[int] = ()) -> list[ArticleText]:
    """Up to ``per_section`` newest texts of every section, in one query (a window function)."""
    ranked = (
        published_texts(language)
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
            "article__outlet", "article__section", "article__story_membership", "article__relate_signals"
        )
        .prefetch_related(
            Prefetch("article__texts", queryset=ArticleText.objects.filter(is_published=True).order_by()),
            "article__authors",
            Prefetch("article__media", queryset=Media.objects.order_by("pk")),
        )
        .first()
    )


def same_section(text: ArticleText, limit: int) -> list[ArticleText]:
    section_id = text.article.section_id
    if section_id is None:
        return []
    return list(
        published_texts(text.language)
        .filter(article__section_id=section_id)
        .exclude(article_id=text.article_id)[:limit]
    )


def same_author(text: ArticleText, limit: int, excluding: Iterable[int] = ()) -> list[ArticleText]:
    author_ids = [a.pk for a in text.article.authors.all()]
    if not author_ids:
        return []
    # A subquery rather than a join on authors, so an article with two shared authors is listed once.
    by_them = Article.objects.filter(authors__in=author_ids).values("pk")
    return list(
        published_texts(text.language)
        .filter(article_id__in=by_them)
        .exclude(article_id=text.article_id)
        .exclude(pk__in=list(excluding))[:limit]
    )
