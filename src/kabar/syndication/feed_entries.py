"""One published text as a feed item: plain values, gathered in a bounded number of queries.

The GUID is the article's id and the text's language, and nothing else: an outlet's correction
changes the title, the lead, the slug (and so the link), but a feed reader must see the same item
updated, not a new one. A text carries a summary, never the full article: the partner outlets
keep their rights, and the item links to kabar's page and to the original.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils.encoding import iri_to_uri
from django.utils.text import Truncator

from kabar.core.blocks import strip_tags
from kabar.news.models import ArticleText, Media
from kabar.site.body import first_paragraph, looks_like_file_name
from kabar.site.languages import name_in_sentence
from kabar.site.present import absolute
from kabar.site.queries import published_texts
from kabar.syndication.feed_formats import ItemImage, ItemSource

MAX_ITEMS = 50  # newest first; feed readers poll, they do not page back
SUMMARY_CHARS = 600


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    title: str
    url: str
    summary: str  # plain text
    published: dt.datetime
    updated: dt.datetime
    authors: list[str]
    category: str  # the section's name in the feed's language; "" without a section
    image: ItemImage | None
    source: ItemSource
    language: str
    machine_made: bool
    post_edited: bool
    translated: bool  # a translation of any kind (machine-made or human)
    translated_from: str  # the source language's name, to sit inside a sentence


def guid(article_id: int, language: str, created: dt.datetime) -> str:
    """A tag URI (RFC 4151) for an article in one language; it never changes with the article's content.

    The date is the day kabar first stored the article, so the authority part stays true if the
    site's host later names something else.
    """
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"tag:{host},{created:%Y-%m-%d}:article/{article_id}/{language}"


def feed_texts(language: str, scope: Q) -> list[ArticleText]:
    """The newest published texts of ``language`` in ``scope``, with what an entry needs joined in."""
    return list(
        published_texts(language)
        .filter(scope)
        .prefetch_related(
            "article__authors", Prefetch("article__media", queryset=Media.objects.order_by("pk"))
        )[:MAX_ITEMS]
    )


def _mime_type(url: str) -> str:
    found, _encoding = mimetypes.guess_type(urlsplit(url).path)
    return found or ""


def _stored_size(media: Media) -> int:
    if not media.image:
        return 0
    try:
        return int(media.image.size)
    except (OSError, ValueError):  # the file went missing: the URL still names the image
        return 0


def _caption_from_blocks(text: ArticleText, media: Media) -> str:
    """The caption the text's own image block gives this image (a translation's is translated)."""
    for block in text.blocks:
        if block.get("type") != "image":
            continue
        if block.get("media") == media.pk or block.get("src") in {media.src, media.url}:
            return str(block.get("caption") or "")
    return ""


def lead_image(text: ArticleText) -> ItemImage | None:
    """The article's first image (``article__media`` prefetched in id order), else the text's first image block."""
    article = text.article
    for media in article.media.all():
        src = media.src
        if not src.startswith(("http://", "https://", "/")):
            continue  # a capture knows a photo only by its caption: there is nothing to link to
        captions: dict[str, str] = media.captions or {}
        caption = _caption_from_blocks(text, media) or captions.get(text.language) or ""
        caption = strip_tags(caption).strip()
        return ItemImage(
            url=iri_to_uri(absolute(src)),
            mime_type=_mime_type(media.image.name if media.image else src),
            length=_stored_size(media),
            width=media.width,
            height=media.height,
            caption="" if looks_like_file_name(caption) else caption,
            credit=media.credit.strip(),
        )
    for block in text.blocks:
        src = str(block.get("src") or "") if block.get("type") == "image" else ""
        if src.startswith(("http://", "https://", "/")):
            caption = strip_tags(str(block.get("caption") or "")).strip()
            return ItemImage(
                url=iri_to_uri(absolute(src)),
                mime_type=_mime_type(src),
                width=block.get("width"),
                height=block.get("height"),
                caption="" if looks_like_file_name(caption) else caption,
                credit=strip_tags(str(block.get("credit") or "")).strip(),
            )
    return None


def entry(text: ArticleText) -> FeedEntry:
    article = text.article
    section = article.public_section  # "unsorted" is no category
    changes = [article.published_at, text.modified_at] + ([article.updated_at] if article.updated_at else [])
    summary = strip_tags(text.lead).strip() or first_paragraph(text.blocks)
    return FeedEntry(
        guid=guid(article.pk, text.language, article.created_at),
        title=text.title.strip(),
        url=absolute(text.get_absolute_url()),
        summary=Truncator(summary).chars(SUMMARY_CHARS),
        published=article.published_at,
        updated=max(changes),
        authors=[a.name for a in article.authors.all()],
        category=section.name_for(text.language) if section else "",
        image=lead_image(text),
        source=ItemSource(
            outlet_name=article.outlet.name,
            outlet_url=iri_to_uri(article.outlet.home_url),
            original_url=iri_to_uri(article.source_url),
        ),
        language=text.language,
        machine_made=text.is_machine_made,
        post_edited=text.status == ArticleText.Status.POST_EDITED,
        translated=text.status != ArticleText.Status.ORIGINAL,
        translated_from=name_in_sentence(text.translated_from or article.source_language),
    )
