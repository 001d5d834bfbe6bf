"""Everything an article page shows, gathered from one ``ArticleText``."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext

from kabar.news.models import ArticleText, Author
from kabar.site.body import Figure, figure_from_media, lead_html, page_blocks, summary
from kabar.site.languages import endonym, name_in_sentence, og_locale, site_language_codes
from kabar.site.present import Version, absolute, related_link, versions
from kabar.site.queries import related_rows
from kabar.site.republication_credit import republication_credit, republished_by
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


def untranslated_anchor(code: str) -> str:
    return f"not-translated-{code}"


def switcher_links(found: list[Version], fallback: Version) -> list[Version]:
    """Every site language for the language switcher: a version where one is published; else the
    original (the text every translation is made from), at the note that says it is not translated.

    The note is a fragment of the original's own page (shown by CSS ``:target``), so the page stays
    one stored page and no query string splits the cache.
    """
    by_language = {v.language: v for v in found}
    links = []
    for code in site_language_codes():
        version = by_language.get(code)
        if version is None:
            version = Version(
                language=code,
                name=endonym(code),
                url=f"{fallback.url}#{untranslated_anchor(code)}",
                is_current=False,
                is_original=False,
                is_missing=True,
            )
        links.append(version)
    return links


def untranslated_notes(found: list[Version]) -> list[dict[str, str]]:
    """The notes a missing language's switcher link points at, each in the language the reader asked for."""
    present = {v.language for v in found}
    notes = []
    for code in site_language_codes():
        if code in present:
            continue
        with translation.override(code):
            text = gettext("This article is not yet translated into %(language)s.") % {
                "language": name_in_sentence(code)
            }
        notes.append({"language": code, "anchor": untranslated_anchor(code), "text": text})
    return notes


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
    if article.public_section:
        tags.append(("article:section", article.public_section.name_for(text.language)))
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
    section = article.public_section  # an "unsorted" article shows no section
    section_name = section.name_for(text.language) if section else ""
    # The original; else the first version in site-language order, as the sitemaps name it, so
    # that every version of the article points at the same x-default.
    x_default = original or (all_versions[0] if all_versions else None)
    # Where the switcher sends a reader whose language is missing: the original, else this page.
    fallback = original or next((v for v in all_versions if v.is_current), None)
    return {
        "text": text,
        "lead_html": lead_html(text),
        "article": article,
        "outlet": article.outlet,
        "section": section,
        "section_name": section_name,
        "current_section": section.slug if section else "",
        "figures": figures,
        "body": body,
        "authors": authors,
        "language_versions": all_versions,
        "language_switcher": switcher_links(all_versions, fallback) if fallback else all_versions,
        "untranslated_notes": untranslated_notes(all_versions) if fallback and fallback.is_current else [],
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
        "republication": republication_credit(article, text.language),
        "republished_by": republished_by(article, text.language)
        if getattr(text, "has_republications", True)
        else [],
        **discovery,
    }
