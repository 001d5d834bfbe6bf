"""Content for search tests: articles and texts made with the ORM, indexed by the receivers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from kabar.news.models import Article, ArticleText, Outlet, Section

TextMaker = Callable[..., ArticleText]


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _committed() -> Any:
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def committed() -> Callable[[], Any]:
    """``with committed():`` runs the after-commit work (the index receivers) registered inside it."""
    return _committed


@pytest.fixture
def make_text(db: None) -> TextMaker:
    outlets: dict[str, Outlet] = {}

    def make(
        title: str,
        *,
        lead: str = "",
        body: str = "",
        language: str = "vi",
        article: Article | None = None,
        outlet: str = "tuoi-tre",
        section: Section | None = None,
        published: dt.datetime | None = None,
        is_published: bool = True,
    ) -> ArticleText:
        if article is None:
            if outlet not in outlets:
                outlets[outlet] = Outlet.objects.get_or_create(
                    slug=outlet,
                    defaults={"name": outlet, "home_url": f"https://{outlet}.example/", "language": language},
                )[0]
            article = Article.objects.create(
                outlet=outlets[outlet],
                section=section,
                source_url=f"https://{outlet}.example/{_unique('a')}.html",
                source_language=language,
                published_at=published or timezone.now(),
            )
        original = article.source_language == language
        with _committed():
            return ArticleText.objects.create(
                article=article,
                language=language,
                title=title,
                lead=lead,
                blocks=[{"type": "paragraph", "text": body}] if body else [],
                slug=_unique(language),
                status=ArticleText.Status.ORIGINAL if original else ArticleText.Status.MACHINE,
                translated_from="" if original else article.source_language,
                is_published=is_published,
            )

    return make


@pytest.fixture
def sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite FTS5 backend")


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend (set KABAR_TEST_DATABASE_URL)")
