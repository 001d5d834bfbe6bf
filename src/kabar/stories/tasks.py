"""Story jobs for the task queue (queue ``default``); arguments are plain JSON values."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kabar.news.models import Article
from kabar.stories.services import assign_article


@task(queue_name="default")
def assign_article_task(article_id: int) -> dict[str, Any]:
    """Put one article in its story (idempotent: a re-run finds the same story and changes nothing)."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:  # deleted since the job was queued: nothing to do
        return {"article": article_id, "action": "gone"}
    return assign_article(article).as_dict()
