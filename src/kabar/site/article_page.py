"""Everything an article page shows, gathered from one ``ArticleText``."""

from __future__ import annotations

from typing import Any

from django.utils.encoding import iri_to_uri
from django.utils.html import format_html
from django.utils.text import Truncator

from kabar.news.models import ArticleText, Author
from kabar.site.body import Figure, figure_from_media, lead_html, page_blocks, summary
from kabar.site.languages import name_in_sentence, og_locale
from kabar.site.present import Version, absolute, related_link, versions
from kabar.site.queries import related_rows
from kabar.site.story_page import article_story_context
from kabar.site.structured_data import article_structured_data, date_modified

RELATED_LIMIT = 5


def lead_figures(text: ArticleText) -> list[Figure]:
    """The article's images that its body does not place itself; they go above the body."""
    article = text.article
    placed_ids = {b.get("media") for b in text.blocks if b.get("type") == "image"}
    placed_srcs = {b.get("src") for b in text.blocks if b.get("type") == "image"}
    figures = []
    for media in article.media.all():
        if media.pk in placed_ids or media.src in placed_srcs or (media.url and media.url in placed_srcs):
            continue
        figure = figure_from_media(media, text.language, article.source_language)
        if figure is not None:
            figures.append(figure)
    return figures


def _language_link(version: Version | None, code: str) -> str:
    name = name_in_sentence(code)
    if version is None:
        return name
    return format_html('<a href="{}" hreflang="{}">{}</a>', version.url, version.language, name)


def _open_graph(
    text: ArticleText,
    canonical: str,
    description: str,
    image: Figure | None,
    others: list[Version],
    authors: list[Author],
) -> list[tuple[str, str]]:
    article = text.article
    tags = [
        ("og:type", "article"),
        ("og:title", text.title),
        ("og:description", description),
        ("og:url", canonical),
        ("og:locale", og_locale(text.language)),
    ]
    tags += [("og:locale:alternate", og_locale(v.language)) for v in others]
    if image is not None:
        tags.append(("og:image", iri_to_uri(absolute(image.src))))
        if image.width and image.height:
            tags += [("og:image:width", str(image.width)), ("og:image:height", str(image.height))]
        if image.alt:
            tags.append(("og:image:alt", image.alt))
    tags.append(("article:published_time", article.published_at.isoformat()))
    tags.append(("article:modified_time", date_modified(article).isoformat()))
    if article.section:
        tags.append(("article:section", article.section.name_for(text.language)))
    # OpenGraph's article:author is a profile URL, one tag per author.
    tags += [("article:author", absolute(a.get_absolute_url())) for a in authors]
    return tags


def _twitter_card(title: str, description: str, image: Figure | None) -> list[tuple[str, str]]:
    # X (Twitter) falls back to og:* for title, description and image, but not for the card type,
    # and shows a large picture only when asked; the rest is repeated for other readers of these tags.
    tags = [
        ("twitter:card", "summary_large_image" if image is not None else "summary"),
        ("twitter:title", title),
        ("twitter:description", description),
    ]
    if image is not None:
        tags.append(("twitter:image", iri_to_uri(absolute(image.src))))
        if image.alt:
            tags.append(("twitter:image:alt", image.alt))
    return tags


def article_context(text: ArticleText) -> dict[str, Any]:
    """Template context for ``site/article.html``; ``text`` comes from ``queries.article_text``."""
    article = text.article
    figures = lead_figures(text)
    body = page_blocks(text, figures)
    all_versions = versions(article, text.language)
    original = next((v for v in all_versions if v.is_original), None)
    others = [v for v in all_versions if not v.is_current]
    # Related lists in order: the same story, nearest neighbours, then section and author; each article once.
    discovery, shown = article_story_context(text)
    in_section, by_author = related_rows(text, RELATED_LIMIT, excluding=shown)
    canonical = absolute(text.get_absolute_url())
    description = Truncator(summary(text)).chars(300)
    # Every picture the page shows, lead images first: the first is the one shared links show.
    images = [f for f in [*figures, *(b["figure"] for b in body if b["type"] == "image")] if f.has_picture]
    image = images[0] if images else None
    authors = list(article.authors.all())
    section_name = article.section.name_for(text.language) if article.section else ""
    # The original; else the first version in site-language order, as the sitemaps name it, so
    # that every version of the article points at the same x-default.
    x_default = original or (all_versions[0] if all_versions else None)
    return {
        "text": text,
        "lead_html": lead_html(text),
        "article": article,
        "outlet": article.outlet,
        "section": article.section,
        "section_name": section_name,
        "current_section": article.section.slug if article.section else "",
        "figures": figures,
        "body": body,
        "authors": authors,
        "language_versions": all_versions,
        "source_language_link": _language_link(original, article.source_language),
        "is_translation": text.status != ArticleText.Status.ORIGINAL,
        "is_post_edited": text.status == ArticleText.Status.POST_EDITED,
        "same_section": [related_link(r) for r in in_section],
        "same_author": [related_link(r) for r in by_author],
        "canonical_url": canonical,
        "alternates": [(v.language, v.absolute_url) for v in all_versions]
        + ([("x-default", x_default.absolute_url)] if x_default else []),
        "og": _open_graph(text, canonical, description, image, others, authors),
        "twitter": _twitter_card(text.title, description, image),
        "structured_data": article_structured_data(
            text,
            canonical=canonical,
            description=description,
            images=images,
            authors=authors,
            versions=all_versions,
            section_name=section_name,
        ),
        "description": description,
        **discovery,
    }
