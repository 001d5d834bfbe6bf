"""Reactions to newsroom signals: a new or changed original (re)joins its story."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kabar.news.models import Article


def assign_on_change(sender: Any, *, article: Article, created: bool, **kwargs: Any) -> bool:
    """Queue the online relate step for ``article`` (sent after the store's transaction committed).

    Returns whether it was queued: ``KABAR_STORIES_ONLINE=false`` leaves stories to ``kabar stories rebuild``.
    """
    if not settings.STORIES_ONLINE:
        return False
    from kabar.stories.tasks import assign_article_task  # tasks import services: keep ready() light

    assign_article_task.enqueue(article.pk)
    return True
