"""Helpers that create content rows directly with the ORM, for reader-site tests.

Every helper takes keyword overrides and fills the rest with unique, valid values.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone

from kabar.news.models import Article, ArticleText, Author, Media, Outlet, Section


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_outlet(**fields: Any) -> Outlet:
    slug = fields.pop("slug", _unique("outlet"))
    defaults = {"name": "Báo Nhân Dân", "home_url": f"https://{slug}.example/", "language": "vi"}
    return Outlet.objects.create(slug=slug, **{**defaults, **fields})


def make_section(slug: str | None = None, names: dict[str, str] | None = None, position: int = 0) -> Section:
    slug = slug or _unique("section")
    return Section.objects.create(
        slug=slug, names=names or {"vi": "Thời sự", "en": "News", "id": "Berita"}, position=position
    )


def make_author(name: str = "Hạnh Nguyễn", outlet: Outlet | None = None, slug: str | None = None) -> Author:
    return Author.objects.create(name=name, slug=slug or _unique("author"), outlet=outlet)


def make_article(
    *,
    outlet: Outlet | None = None,
    section: Section | None = None,
    authors: list[Author] = (),  # type: ignore[assignment]
    published_at: datetime | None = None,
    source_language: str = "vi",
    **fields: Any,
) -> Article:
    article = Article.objects.create(
        outlet=outlet or make_outlet(language=source_language),
        section=section,
        source_url=fields.pop("source_url", f"https://news.example/{_unique('story')}.html"),
        source_language=source_language,
        published_at=published_at or timezone.now(),
        **fields,
    )
    if authors:
        article.authors.set(authors)
    return article


def make_text(
    article: Article,
    language: str | None = None,
    *,
    status: str | None = None,
    title: str | None = None,
    lead: str = "",
    blocks: list[dict[str, Any]] | None = None,
    slug: str | None = None,
    **fields: Any,
) -> ArticleText:
    language = language or article.source_language
    if status is None:
        status = (
            ArticleText.Status.ORIGINAL if language == article.source_language else ArticleText.Status.MACHINE
        )
    title = title or f"Bài viết {uuid.uuid4().hex[:6]}"
    text = ArticleText(
        article=article,
        language=language,
        status=status,
        title=title,
        lead=lead,
        blocks=blocks if blocks is not None else [{"type": "paragraph", "text": f"Nội dung của {title}."}],
        slug=slug or _unique(f"{language}-text"),
        translated_from="" if status == ArticleText.Status.ORIGINAL else article.source_language,
        **fields,
    )
    # Same checks the admin runs, so tests cannot build rows the model would refuse.
    text.full_clean()
    text.save()
    return text


def make_media(article: Article, **fields: Any) -> Media:
    defaults = {"url": f"https://img.example/{_unique('photo')}.jpg", "captions": {}, "credit": ""}
    return Media.objects.create(article=article, **{**defaults, **fields})
