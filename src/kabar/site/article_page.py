"""Everything an article page shows, gathered from one ``ArticleText``."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.text import Truncator

from kabar.core.blocks import strip_tags
from kabar.news.models import ArticleText
from kabar.site.body import Figure, figure_from_media, first_paragraph, prepare_blocks
from kabar.site.languages import name_in_sentence, og_locale
from kabar.site.present import Version, absolute, teaser, versions
from kabar.site.queries import same_author, same_section
from kabar.site.story_page import article_story_context

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
    text: ArticleText, canonical: str, description: str, image: str, others: list[Version]
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
    if image:
        tags.append(("og:image", absolute(image)))
    tags.append(("article:published_time", article.published_at.isoformat()))
    if article.updated_at:
        tags.append(("article:modified_time", article.updated_at.isoformat()))
    if article.section:
        tags.append(("article:section", article.section.name_for(text.language)))
    return tags


def article_context(text: ArticleText) -> dict[str, Any]:
    """Template context for ``site/article.html``; ``text`` comes from ``queries.article_text``."""
    article = text.article
    figures = lead_figures(text)
    body = prepare_blocks(text.blocks, text.lead, figures)
    all_versions = versions(article, text.language)
    original = next((v for v in all_versions if v.is_original), None)
    others = [v for v in all_versions if not v.is_current]
    # Related lists in order: the same story, nearest neighbours, then section and author; each article once.
    discovery, shown = article_story_context(text)
    in_section = [t for t in same_section(text, RELATED_LIMIT + len(shown)) if t.article_id not in shown]
    in_section = in_section[:RELATED_LIMIT]
    by_author = [
        t
        for t in same_author(text, RELATED_LIMIT + len(shown), excluding=[t.pk for t in in_section])
        if t.article_id not in shown
    ][:RELATED_LIMIT]
    canonical = absolute(text.get_absolute_url())
    description = Truncator(strip_tags(text.lead).strip() or first_paragraph(text.blocks)).chars(300)
    image = next((f.src for f in figures), "") or next(
        (b["figure"].src for b in body if b["type"] == "image"), ""
    )
    x_default = original or next((v for v in all_versions if v.is_current), None)
    return {
        "text": text,
        "article": article,
        "outlet": article.outlet,
        "section": article.section,
        "section_name": article.section.name_for(text.language) if article.section else "",
        "current_section": article.section.slug if article.section else "",
        "figures": figures,
        "body": body,
        "authors": list(article.authors.all()),
        "language_versions": all_versions,
        "source_language_link": _language_link(original, article.source_language),
        "is_translation": text.status != ArticleText.Status.ORIGINAL,
        "is_post_edited": text.status == ArticleText.Status.POST_EDITED,
        "same_section": [teaser(t) for t in in_section],
        "same_author": [teaser(t) for t in by_author],
        "canonical_url": canonical,
        "alternates": [(v.language, v.absolute_url) for v in all_versions]
        + ([("x-default", x_default.absolute_url)] if x_default else []),
        "og": _open_graph(text, canonical, description, image, others),
        "description": description,
        **discovery,
    }
