"""The articles × languages status matrix: filters and cell states (the admin view renders it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from kabar.news.models import Article, ArticleText

STATUS_FILTERS: dict[str, StrPromise] = {
    "missing": _("missing"),
    "machine": _("machine"),
    "post-edited": _("post-edited"),
    "human": _("human"),
    "stale": _("stale"),
    "qa-failed": _("QA failed"),
    "held": _("not published"),
}
# What a cell says, in the editor's language (its state word stays in data-state and the CSS class).
STATE_LABELS: dict[str, StrPromise] = {"original": _("original"), **STATUS_FILTERS}


def site_languages() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


@dataclass(frozen=True)
class Cell:
    language: str
    state: str  # original, missing, machine, post-edited, human
    text_id: int | None = None
    stale: bool = False
    qa_failed: bool = False
    published: bool = False

    @property
    def states(self) -> str:
        """Space-separated state words, e.g. ``machine stale qa-failed``: CSS classes and test hooks."""
        words = [self.state]
        if self.stale:
            words.append("stale")
        if self.qa_failed:
            words.append("qa-failed")
        if self.text_id is not None and not self.published:
            words.append("held")
        return " ".join(words)

    @property
    def label(self) -> str:
        return str(STATE_LABELS.get(self.state, self.state))

    @property
    def editable(self) -> bool:
        return self.state in ("machine", "post-edited")

    @property
    def missing(self) -> bool:
        """No text yet: a person may start one in the translation editor."""
        return self.text_id is None

    @property
    def human(self) -> bool:
        return self.state == "human"


@dataclass(frozen=True)
class Row:
    article: Article
    title: str
    cells: list[Cell]


def cells_for(article: Article, languages: Sequence[str]) -> list[Cell]:
    """One cell per language, from the article's (prefetched) texts."""
    cells = []
    for language in languages:
        text = article.text_for(language)
        if text is None:
            cells.append(Cell(language, "missing"))
            continue
        cells.append(
            Cell(
                language,
                text.status,
                text.pk,
                stale=text.stale,
                qa_failed=text.qa_passed is False,
                published=text.is_published,
            )
        )
    return cells


def filter_articles(params: Mapping[str, str], languages: Sequence[str]) -> QuerySet[Article]:
    """Articles matching the GET filters ``outlet``, ``section``, ``language`` and ``status``."""
    query = Article.objects.select_related("outlet", "section").prefetch_related("texts")
    if params.get("outlet", "").isdigit():
        query = query.filter(outlet_id=int(params["outlet"]))
    if params.get("section", "").isdigit():
        query = query.filter(section_id=int(params["section"]))
    language = params.get("language", "")
    status = params.get("status", "")
    in_language = Q(language=language) if language in languages else Q(language__in=languages)
    texts = ArticleText.objects.filter(in_language, article=OuterRef("pk"))
    if status == "missing":
        if language in languages:
            query = query.filter(~Exists(texts))
        else:
            query = query.annotate(
                languages_present=Count("texts", filter=Q(texts__language__in=languages), distinct=True)
            ).filter(languages_present__lt=len(languages))
    elif status in ("machine", "post-edited", "human"):
        query = query.filter(Exists(texts.filter(status=status)))
    elif status == "stale":
        query = query.filter(Exists(texts.filter(stale=True)))
    elif status == "qa-failed":
        query = query.filter(Exists(texts.filter(qa_passed=False)))
    elif status == "held":
        query = query.filter(
            Exists(texts.exclude(status=ArticleText.Status.ORIGINAL).filter(is_published=False))
        )
    return query.order_by("-published_at", "-pk")


def rows_for(articles: Sequence[Article], languages: Sequence[str]) -> list[Row]:
    rows = []
    for article in articles:
        original = article.original
        rows.append(
            Row(article, original.title if original else article.source_url, cells_for(article, languages))
        )
    return rows


def default_target(articles: Sequence[Article], languages: Sequence[str]) -> str:
    """The language the "translate selected to" choice starts at: never the articles' own language.

    The first site language that is not the source language of most articles shown (the
    site's first language is usually the one the outlets write in, so it would translate
    nothing).
    """
    common = Counter(article.source_language for article in articles).most_common(1)
    source = common[0][0] if common else settings.LANGUAGE_CODE
    return next((code for code in languages if code != source), languages[0] if languages else "")
