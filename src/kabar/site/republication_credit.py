"""The reader page's credit for a republished copy, and for an original that others republished.

A copy (``Article.original_url``/``republished_from``, see ``kabar.ingest.republication``) says
"Originally published by <outlet> (<date>) — republished by <outlet2> (<date>)", each linked: the
original to its page here when kabar publishes it in a language, else to its outlet's address.
An original lists the outlets that republished it, each linking to the copy's page here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kabar.core.fetch.urls import is_http_url, site_host
from kabar.news.models import Article, ArticleText


@dataclass(frozen=True)
class Credit:
    """One side of a republication as the page names it: the outlet, linked, and its date."""

    link: SafeString  # the outlet's name, linked where there is somewhere to go
    published_at: datetime | None
    language: str = ""


def _linked(name: str, url: str, language: str) -> SafeString:
    lang = format_html(' lang="{}"', language) if language else ""
    if url:
        return format_html('<a href="{}" rel="noopener"{}>{}</a>', url, lang, name)
    return format_html("<span{}>{}</span>", lang, name)


def _page_of(article: Article, language: str) -> str:
    """The article's page here: in ``language`` when published in it, else its original's; "" if none."""
    texts = [t for t in ArticleText.objects.filter(article=article, is_published=True) if t.language]
    chosen = next((t for t in texts if t.language == language), None) or next(
        (t for t in texts if t.status == ArticleText.Status.ORIGINAL), None
    )
    return _url_of(chosen) if chosen is not None else ""


def _url_of(text: ArticleText) -> str:
    with translation.override(text.language):  # a text's page is under its own language's prefix
        return text.get_absolute_url()


def republication_credit(article: Article, language: str) -> dict[str, Credit] | None:
    """``{"original": …, "republisher": …}`` for a republished copy; None for any other article."""
    if not article.is_republication:
        return None
    original = article.republished_from
    if original is not None:
        name = article.original_outlet or original.outlet.name
        url = _page_of(original, language) or (
            original.source_url if is_http_url(original.source_url) else ""
        )
        first = Credit(
            _linked(name, url, original.outlet.language), original.published_at, original.source_language
        )
    else:
        name = article.original_outlet or site_host(article.original_url) or article.original_url
        url = article.original_url if is_http_url(article.original_url) else ""
        first = Credit(_linked(name, url, ""), None)
    own = article.source_url if is_http_url(article.source_url) else article.outlet.home_url
    second = Credit(
        _linked(article.outlet.name, own, article.outlet.language),
        article.published_at,
        article.source_language,
    )
    return {"original": first, "republisher": second}


def republished_by(article: Article, language: str) -> list[Credit]:
    """The outlets that republished ``article`` (kabar publishes their copies), oldest first: one query."""
    texts = (
        ArticleText.objects.filter(article__republished_from=article, is_published=True)
        .select_related("article__outlet")
        .order_by("article__published_at", "article_id")
    )
    chosen: dict[int, ArticleText] = {}
    for text in texts:
        if text.language == language or (
            text.article_id not in chosen and text.status == ArticleText.Status.ORIGINAL
        ):
            chosen[text.article_id] = text  # the reader's language, else the copy's original
    return [
        Credit(
            _linked(t.article.outlet.name, _url_of(t), t.article.outlet.language),
            t.article.published_at,
            t.article.source_language,
        )
        for t in chosen.values()
    ]
