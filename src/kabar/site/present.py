"""Plain values the templates show: teasers for lists, language versions of an article."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation

from kabar.news.models import Article, ArticleText, Media, article_path
from kabar.site.body import Figure, figure_from_media, first_block_figure, summary
from kabar.site.languages import endonym, site_language_codes


def absolute(url: str) -> str:
    """``url`` as an absolute URL under ``settings.SITE_URL`` (already absolute URLs are kept)."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return "https:" + url
    base: str = settings.SITE_URL
    return base + (url if url.startswith("/") else "/" + url)


@dataclass(frozen=True)
class Teaser:
    """One article in a list, in the list's language."""

    title: str
    url: str
    summary: str
    outlet_name: str
    outlet_language: str
    published_at: datetime
    section_name: str
    section_url: str
    machine_made: bool
    figure: Figure | None = None


def teaser(
    text: ArticleText,
    *,
    with_figure: bool = False,
    with_picture: bool = False,
    pictures: Iterable[Media] | None = None,
) -> Teaser:
    """``with_figure``: the featured teaser's figure (needs the body); ``with_picture``: a list
    teaser's picture, from the article's images alone (lists leave the bodies out), both from
    ``article__media`` prefetched; or ``pictures``: the images to take it from."""
    article = text.article
    section = article.public_section  # "unsorted" is no section for readers
    figure = None
    if (with_picture or pictures is not None) and not with_figure:
        figure = next(
            (
                f
                for m in (article.media.all() if pictures is None else pictures)
                if (f := figure_from_media(m, text.language, article.source_language)) and f.has_picture
            ),
            None,
        )
    if with_figure:
        # The text's own image block first: a translation carries its translated caption there,
        # while Media keeps the original's (``article__media`` must be prefetched by the caller).
        figure = first_block_figure(text) or next(
            (
                f
                for m in article.media.all()
                if (f := figure_from_media(m, text.language, article.source_language))
            ),
            None,
        )
    return Teaser(
        title=text.title,
        url=text.get_absolute_url(),
        summary=summary(text),
        outlet_name=article.outlet.name,
        outlet_language=article.outlet.language,
        published_at=article.published_at,
        section_name=section.name_for(text.language) if section else "",
        section_url=section.get_absolute_url() if section else "",
        machine_made=text.is_machine_made,
        figure=figure,
    )


@dataclass(frozen=True)
class RelatedLink:
    """One entry of an article page's related lists: what the list prints, no more."""

    title: str
    url: str
    outlet_name: str
    outlet_language: str
    published_at: datetime


def text_url(slug: str, published_at: datetime) -> str:
    """``ArticleText.get_absolute_url`` for a text known only by its slug and its article's date."""
    return article_path("", published_at, slug)  # in the active language, as a text with none


def related_link(row: dict[str, Any]) -> RelatedLink:
    """A row of ``queries.related_rows`` as a list entry."""
    return RelatedLink(
        title=row["title"],
        url=text_url(row["slug"], row["article__published_at"]),
        outlet_name=row["article__outlet__name"],
        outlet_language=row["article__outlet__language"],
        published_at=row["article__published_at"],
    )


@dataclass(frozen=True)
class Version:
    """One language an article can be read in."""

    language: str
    name: str
    url: str
    is_current: bool
    is_original: bool
    # A site language the article has no published text in (the switcher leads to the original).
    is_missing: bool = False

    @property
    def absolute_url(self) -> str:
        return absolute(self.url)


def versions(article: Article, current_language: str) -> list[Version]:
    """The published language versions of ``article`` that this site serves, in site-language order.

    Needs ``article.texts`` prefetched with published texts only.
    """
    by_language = {t.language: t for t in article.texts.all() if t.is_published}
    found = []
    for code in site_language_codes():
        text = by_language.get(code)
        if text is None:
            continue
        with translation.override(code):
            url = text.get_absolute_url()
        found.append(
            Version(
                language=code,
                name=endonym(code),
                url=url,
                is_current=code == current_language,
                is_original=text.status == ArticleText.Status.ORIGINAL,
            )
        )
    return found
