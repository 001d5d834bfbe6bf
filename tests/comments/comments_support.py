"""Helpers for the comment tests: an article with a Vietnamese original and an English version."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from django.test import Client
from django.utils import timezone

from kabar.comments.forms import form_stamp
from kabar.comments.models import Comment, Commenter
from kabar.news.models import Article, ArticleText, Outlet, Section


def make_article(*, section: Section | None = None, published_at: Any = None) -> Article:
    tag = uuid.uuid4().hex[:8]
    outlet = Outlet.objects.create(
        name="Báo Thử", slug=f"bao-{tag}", home_url=f"https://{tag}.example/", language="vi"
    )
    section = section or Section.objects.create(slug=f"thoi-su-{tag}", names={"vi": "Thời sự", "en": "News"})
    article = Article.objects.create(
        outlet=outlet,
        section=section,
        source_url=f"https://{tag}.example/bai.html",
        source_language="vi",
        published_at=published_at or timezone.now(),
    )
    versions = (
        ("vi", "original", "Hội nghị mở màn"),
        ("en", "machine", "Summit opens"),
        ("id", "human", "KTT dibuka"),
    )
    for language, status, title in versions:
        ArticleText.objects.create(
            article=article,
            language=language,
            status=status,
            title=title,
            blocks=[{"type": "paragraph", "text": "Nội dung."}],
            slug=f"{language}-{tag}",
            translated_from="" if status == "original" else "vi",
            is_published=True,
        )
    return article


def page_url(article: Article, language: str = "vi") -> str:
    from django.utils import translation

    with translation.override(language):
        return article.texts.get(language=language).get_absolute_url()


def form_url(article: Article, language: str = "vi") -> str:
    return f"/{language}/comments/article/{article.pk}/new/"


def form_data(article: Article, **fields: Any) -> dict[str, Any]:
    """A filled form, opened a minute ago (past the minimum time on the form)."""
    data = {
        "name": "Lan",
        "email": "lan@example.com",
        "body": "Bài viết hay.",
        "language": "vi",
        "started": form_stamp(article.pk, now=time.time() - 60),
        "website": "",
    }
    data.update(fields)
    return data


def post(client: Client, article: Article, language: str = "vi", **fields: Any) -> Any:
    return client.post(form_url(article, language), form_data(article, **fields), REMOTE_ADDR="203.0.113.7")


def confirm_link(message: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+/comments/confirm/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def approved_commenter(
    email: str = "trusted@example.com", count: int = 3, article: Article | None = None
) -> Commenter:
    """A commenter with ``count`` approved comments already."""
    commenter = Commenter.objects.create(name="Minh", email=email, confirmed_at=timezone.now())
    article = article or make_article()
    for n in range(count):
        Comment.objects.create(
            article=article,
            language="vi",
            commenter=commenter,
            name="Minh",
            body=f"Ý kiến {n}",
            status="approved",
        )
    return commenter
