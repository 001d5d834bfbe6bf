"""Keep the search index in step with the newsroom, after each commit.

A text is (re)indexed when it is saved (published or not: an unpublished one is removed),
removed when deleted, and an article's texts are re-read when the article, its outlet or its
section changes (filters are stored with each text) and when ingestion stores a changed
original (``original_changed``). Work happens after the commit, so a rolled-back save never
reaches the index; an index failure is logged with what to run, and never undoes the save.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from kabar.news.models import Article, ArticleText, Outlet, Section
from kabar.news.signals import original_changed

log = logging.getLogger("kabar.search")
GATHERED = "kabar.search"  # the work's name in a coalescing pagecache.receivers.deferred() block


def _after_commit(work: Callable[[], object], what: str) -> None:
    def run() -> None:
        try:
            work()
        except Exception as exc:  # the save stands; the index is rebuilt from it by `kabar reindex`
            log.error("search index not updated for %s: %s (run `kabar reindex` to rebuild it)", what, exc)

    transaction.on_commit(run)


def _gathered(items: set[Any]) -> None:
    """A coalescing block's work: every article it touched re-read once, and the texts it deleted.

    Both read the rows as they are now, so a rolled-back save or delete leaves the index right.
    """
    from kabar.search import services

    articles = sorted(pk for kind, pk in items if kind == "article")
    texts = sorted(pk for kind, pk in items if kind == "text")

    def work() -> None:
        services.index_texts(texts)
        services.index_articles(articles)

    # Outside any transaction by now (at once); inside one, at its commit as for a single save.
    _after_commit(work, f"articles {articles}" if articles else f"texts {texts}")


def _gather(kind: str, pk: int) -> bool:
    """Inside ingestion's coalescing block: one index update per article, at the block's end."""
    from kabar.pagecache.receivers import after_commit_work

    return after_commit_work(GATHERED, _gathered, [(kind, pk)])


def text_saved(sender: type[ArticleText], instance: ArticleText, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata: the fixture's texts are indexed by `kabar reindex`
        return
    from kabar.search import services

    # Re-reading the article's texts gives this text's entry too (and its siblings', unchanged).
    if _gather("article", instance.article_id):
        return
    pk = instance.pk
    _after_commit(lambda: services.index_text(pk), f"text {pk}")


def text_deleted(sender: type[ArticleText], instance: ArticleText, **kwargs: Any) -> None:
    from kabar.search import services

    if _gather("text", instance.pk):
        return
    pk = instance.pk
    _after_commit(lambda: services.remove_text(pk), f"text {pk}")


def article_saved(
    sender: type[Article], instance: Article, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    if created or raw:  # a new article has no texts yet; each text is indexed when saved
        return
    from kabar.search import services

    if _gather("article", instance.pk):
        return
    pk = instance.pk
    _after_commit(lambda: services.index_articles([pk]), f"article {pk}")


def original_stored(sender: Any, article: Article, **kwargs: Any) -> None:
    # Sent after the commit already: ingestion may have changed texts with queryset updates.
    from kabar.search import services

    if _gather("article", article.pk):
        return
    pk = article.pk
    _after_commit(lambda: services.index_articles([pk]), f"article {pk}")


def outlet_or_section_saved(
    sender: type[Outlet] | type[Section],
    instance: Outlet | Section,
    created: bool = False,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if created or raw:  # nothing is filed under a new outlet or section yet
        return
    from kabar.search import services

    field = "outlet" if isinstance(instance, Outlet) else "section"
    pk = instance.pk

    def reindex_its_articles() -> None:
        ids = Article.objects.filter(**{f"{field}_id": pk}).values_list("pk", flat=True)
        services.index_articles(list(ids))

    _after_commit(reindex_its_articles, f"{field} {pk}")


def connect() -> None:
    uid = "kabar.search."
    post_save.connect(text_saved, sender=ArticleText, dispatch_uid=uid + "text_saved")
    post_delete.connect(text_deleted, sender=ArticleText, dispatch_uid=uid + "text_deleted")
    post_save.connect(article_saved, sender=Article, dispatch_uid=uid + "article_saved")
    post_save.connect(outlet_or_section_saved, sender=Outlet, dispatch_uid=uid + "outlet_saved")
    post_save.connect(outlet_or_section_saved, sender=Section, dispatch_uid=uid + "section_saved")
    original_changed.connect(original_stored, dispatch_uid=uid + "original_changed")
