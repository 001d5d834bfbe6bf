"""Reconcile an article's webhook events after each commit that touched its texts.

A text saved or deleted (the admin, translation, post-editing, a cascade from a deleted
article) and a stored original (``original_changed``, sent by ingestion after its commit,
which also changes texts with queryset updates) all lead to ``events.reconcile`` once the
transaction has committed, so a rolled-back save announces nothing. Reconciling twice is
harmless: the second run finds nothing new. A failure is logged and never undoes the save.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from kabar.news.models import Article, ArticleText
from kabar.news.signals import original_changed

log = logging.getLogger("kabar.webhooks")
GATHERED = "kabar.webhooks"  # the work's name in a coalescing pagecache.receivers.deferred() block


def _reconcile(article_id: int, announce: bool) -> None:
    from kabar.webhooks.events import reconcile

    try:
        reconcile(article_id, announce=announce)
    except Exception:  # the save stands; the next change of the article reconciles again
        log.exception("webhook events for article %s not reconciled", article_id)


def _gathered(items: set[tuple[int, bool]]) -> None:
    """A coalescing block's work: each article it touched reconciled once (per ``announce``)."""

    def run() -> None:
        for article_id, announce in sorted(items):
            _reconcile(article_id, announce)

    transaction.on_commit(run)  # outside any transaction by now (at once); inside one, at its commit


def _after_commit(article_id: int, *, announce: bool = True) -> None:
    from kabar.pagecache.receivers import after_commit_work

    # Inside ingestion's coalescing block: one reconcile per article, at the block's end.
    if after_commit_work(GATHERED, _gathered, [(article_id, announce)]):
        return
    transaction.on_commit(lambda: _reconcile(article_id, announce))


def text_saved(sender: type[ArticleText], instance: ArticleText, raw: bool = False, **kwargs: Any) -> None:
    # loaddata (raw) is not publishing: its texts are recorded as they are, without events.
    _after_commit(instance.article_id, announce=not raw)


def text_deleted(sender: type[ArticleText], instance: ArticleText, **kwargs: Any) -> None:
    _after_commit(instance.article_id)


def original_stored(sender: Any, article: Article, **kwargs: Any) -> None:
    _after_commit(article.pk)


def connect() -> None:
    uid = "kabar.webhooks."
    post_save.connect(text_saved, sender=ArticleText, dispatch_uid=uid + "text_saved")
    post_delete.connect(text_deleted, sender=ArticleText, dispatch_uid=uid + "text_deleted")
    original_changed.connect(original_stored, dispatch_uid=uid + "original_changed")
