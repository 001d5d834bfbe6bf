"""Translation jobs for the task queue (queue ``translate``); arguments are plain JSON values."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kabar.news.models import Article
from kabar.translation.services import translate_article_outcome, translate_many


@task(queue_name="translate")
def translate_article_task(article_id: int, target: str, force: bool = False) -> dict[str, Any]:
    """Translate one article into ``target``; fails (with the reason) when it cannot."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:  # deleted since the job was queued: nothing to do
        return {"article": article_id, "target": target, "action": "gone"}
    return translate_article_outcome(article, target, force=force).as_dict()


@task(queue_name="translate")
def translate_batch_task(article_ids: list[int], targets: list[str], force: bool = False) -> dict[str, Any]:
    """Translate many articles into many languages in shared engine batches; returns the summary."""
    articles = Article.objects.filter(pk__in=article_ids).prefetch_related("texts").order_by("pk")
    return translate_many(articles, targets, force=force).as_dict()
