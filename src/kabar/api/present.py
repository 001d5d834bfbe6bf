"""Rows as API schema objects. Needs the prefetches of ``kabar.api.queries``; queries nothing itself."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kabar.api import schemas
from kabar.news.models import Article, ArticleText, Author, Media, Outlet, Section, Story
from kabar.site.present import absolute


def api_url(name: str, **kwargs: object) -> str:
    return absolute(reverse(f"api-v1:{name}", kwargs=kwargs))


def site_url(obj: Section | Author | Story | ArticleText, language: str | None = None) -> str:
    """The reader page, absolute, in ``language`` (default: the site's)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return absolute(obj.get_absolute_url())


def outlet_ref(outlet: Outlet) -> schemas.OutletRef:
    return schemas.OutletRef(slug=outlet.slug, name=outlet.name)


def section_ref(section: Section | None) -> schemas.SectionRef | None:
    return schemas.SectionRef(slug=section.slug, names=section.names or {}) if section else None


def _text_fields(text: ArticleText) -> dict[str, object]:
    return {
        "language": text.language,
        "title": text.title,
        "lead": text.lead,
        "slug": text.slug,
        "url": site_url(text, text.language),
        "status": text.status,
        "machine_translated": text.is_machine_made,
        "engine": text.engine,
        "model_version": text.model_version,
        "translated_from": text.translated_from or None,
        "qa_passed": text.qa_passed,
        "stale": text.stale,
        "published": text.is_published,
        "modified_at": text.modified_at,
    }


def text_summary(text: ArticleText) -> schemas.TextSummary:
    return schemas.TextSummary(**_text_fields(text))  # type: ignore[arg-type]


def text_full(text: ArticleText) -> schemas.TextFull:
    return schemas.TextFull(**_text_fields(text), route=text.route, blocks=text.blocks)  # type: ignore[arg-type]


def modified_at(article: Article) -> datetime:
    """The latest change to the article or to any of its visible texts."""
    return max([article.modified_at, *(t.modified_at for t in article.texts.all())])


def _story_id(article: Article) -> int | None:
    membership = getattr(article, "story_membership", None)
    return membership.story_id if membership is not None else None


def _article_fields(article: Article) -> dict[str, object]:
    return {
        "id": article.pk,
        "href": api_url("article", article_id=article.pk),
        "source_url": article.source_url,
        "source_language": article.source_language,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "modified_at": modified_at(article),
        "outlet": outlet_ref(article.outlet),
        "section": section_ref(article.section),
        "authors": [schemas.AuthorRef(slug=a.slug, name=a.name) for a in article.authors.all()],
        "story": _story_id(article),
        "languages": [t.language for t in article.texts.all()],
    }


def article_item(article: Article, language: str | None = None) -> schemas.ArticleItem:
    texts = [t for t in article.texts.all() if language is None or t.language == language]
    return schemas.ArticleItem(**_article_fields(article), texts=[text_summary(t) for t in texts])  # type: ignore[arg-type]


def media_item(media: Media) -> schemas.MediaItem:
    return schemas.MediaItem(
        url=absolute(media.src),
        width=media.width,
        height=media.height,
        captions=media.captions or {},
        credit=media.credit,
    )


def article_detail(article: Article) -> schemas.ArticleDetail:
    return schemas.ArticleDetail(
        **_article_fields(article),  # type: ignore[arg-type]
        texts=[text_full(t) for t in article.texts.all()],
        media=[media_item(m) for m in article.media.all() if m.src],
    )


def article_ref(article: Article) -> schemas.ArticleRef:
    return schemas.ArticleRef(
        id=article.pk,
        href=api_url("article", article_id=article.pk),
        published_at=article.published_at,
        outlet=article.outlet.slug,
        titles={t.language: t.title for t in article.texts.all()},
    )


def section_item(section: Section) -> schemas.SectionItem:
    return schemas.SectionItem(
        id=section.pk,
        slug=section.slug,
        names=section.names or {},
        position=section.position,
        url=site_url(section),
    )


def author_item(author: Author) -> schemas.AuthorItem:
    return schemas.AuthorItem(
        id=author.pk,
        slug=author.slug,
        name=author.name,
        outlet=outlet_ref(author.outlet) if author.outlet else None,
        url=site_url(author),
    )


def outlet_item(outlet: Outlet) -> schemas.OutletItem:
    return schemas.OutletItem(
        id=outlet.pk,
        slug=outlet.slug,
        name=outlet.name,
        home_url=outlet.home_url,
        language=outlet.language,
        licence=outlet.licence,
    )


def story_item(story: Story) -> schemas.StoryItem:
    members = getattr(story, "visible_members", [])
    return schemas.StoryItem(
        id=story.pk,
        labels=story.labels or {},
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        pinned=story.pinned,
        url=site_url(story),
        members=[article_ref(m.article) for m in members],
    )
