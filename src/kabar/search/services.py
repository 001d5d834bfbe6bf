"""The search API: the reader site calls ``search``; the receivers call ``index_text``/``remove_text``.

The backend is chosen by ``KABAR_SEARCH_BACKEND``: ``auto`` (the default) takes the one
that fits the database, ``sqlite`` (FTS5) or ``postgres`` (full-text search); any other
name is a plugin registered under the ``kabar.search`` entry-point group, constructed with
``KABAR_SEARCH_OPTIONS``. What is indexed: every published ``ArticleText`` (the rule the
reader site applies, ``kabar.site.queries.published_texts``), each in its own language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import QuerySet

from kabar.core.blocks import block_text
from kabar.core.discover.search import IndexDocument, SearchQuery, SearchResults
from kabar.core.errors import NotConfigured
from kabar.hookspecs import SEARCH_GROUP, SearchBackend, plugin_classes
from kabar.news.models import ArticleText

AUTO = "auto"
BACKEND_FOR_VENDOR = {"sqlite": "sqlite", "postgresql": "postgres"}
REINDEX_BATCH = 500


@functools.cache
def backend_classes() -> dict[str, type]:
    """Installed search backends by name (entry points are read once per process)."""
    return plugin_classes(SEARCH_GROUP)


def configured_backend_name() -> str:
    name: str = settings.SEARCH_BACKEND or AUTO
    if name != AUTO:
        return name
    try:
        return BACKEND_FOR_VENDOR[connection.vendor]
    except KeyError:
        raise ImproperlyConfigured(
            f"no built-in search backend for a {connection.vendor} database: set KABAR_SEARCH_BACKEND "
            f"to a plugin ({', '.join(sorted(backend_classes())) or 'none installed'})"
        ) from None


def get_backend() -> SearchBackend:
    """The configured search backend, ready to use; a clear ImproperlyConfigured when it cannot run."""
    name = configured_backend_name()
    classes = backend_classes()
    if name not in classes:
        raise ImproperlyConfigured(
            f"KABAR_SEARCH_BACKEND={name!r}: no such search backend (installed: {', '.join(sorted(classes))})"
        )
    try:
        backend: SearchBackend = classes[name](**settings.SEARCH_OPTIONS)
    except NotConfigured as exc:
        raise ImproperlyConfigured(f"search backend {name!r} cannot run here: {exc}") from exc
    return backend


def search(query: SearchQuery) -> SearchResults:
    """One hit per article, best first; never raises for what a reader typed.

    With semantic recall on (``KABAR_SEARCH_SEMANTIC``), the keyword hits are fused with the
    articles nearest in meaning (``kabar.search.semantic``).
    """
    from kabar.search import semantic

    backend = get_backend()
    recall = semantic.configured_recall()
    if recall is None:
        return backend.search(query)
    return semantic.fused_search(backend, query, recall)


def searchable_texts() -> QuerySet[ArticleText]:
    """Texts readers may see, so the ones the index holds."""
    return ArticleText.objects.filter(is_published=True).select_related("article__outlet", "article__section")


def body_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(piece for block in blocks for piece in block_text(block) if piece)


def document_for(text: ArticleText) -> IndexDocument:
    article = text.article
    return IndexDocument(
        text_id=text.pk,
        article_id=article.pk,
        language=text.language,
        title=text.title,
        lead=text.lead,
        body=body_text(text.blocks),
        published=article.published_at,
        outlet=article.outlet.slug,
        original_language=article.source_language,
        section=article.section.slug if article.section else None,
    )


def index_text(text_id: int) -> None:
    """Put one text in the index as it is now, or take it out when it is unpublished or gone."""
    text = searchable_texts().filter(pk=text_id).first()
    backend = get_backend()
    if text is None:
        backend.delete([text_id])
    else:
        backend.index([document_for(text)])


def remove_text(text_id: int) -> None:
    get_backend().delete([text_id])


def index_texts(text_ids: Iterable[int]) -> None:
    """``index_text`` for many texts: the published ones indexed, the rest (unpublished, gone) removed."""
    ids = list(text_ids)
    if not ids:
        return
    backend = get_backend()
    published = list(searchable_texts().filter(pk__in=ids))
    shown = {t.pk for t in published}
    hidden = [pk for pk in ids if pk not in shown]
    if hidden:
        backend.delete(hidden)
    if published:
        backend.index([document_for(t) for t in published])


def index_articles(article_ids: Iterable[int]) -> None:
    """Re-read every text of these articles: published ones indexed, the others removed."""
    ids = list(article_ids)
    if not ids:
        return
    backend = get_backend()
    every = ArticleText.objects.filter(article_id__in=ids)
    published = list(searchable_texts().filter(article_id__in=ids))
    shown = {t.pk for t in published}
    hidden = [pk for pk in every.values_list("pk", flat=True) if pk not in shown]
    if hidden:
        backend.delete(hidden)
    if published:
        backend.index([document_for(t) for t in published])


def _batches(texts: QuerySet[ArticleText], size: int) -> Iterator[list[ArticleText]]:
    last = 0
    while True:
        batch = list(texts.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def reindex(language: str | None = None, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the index (one language, or all) from the published texts; returns how many were indexed.

    One transaction: readers keep the old index until the new one is complete, and a failure
    leaves the old one in place. ``on_progress(done, total)`` is called after every batch.
    """
    texts = searchable_texts()
    if language:
        texts = texts.filter(language=language)
    total = texts.count()
    done = 0
    backend = get_backend()
    with transaction.atomic():
        backend.clear(language)
        if on_progress:
            on_progress(0, total)
        for batch in _batches(texts, REINDEX_BATCH):
            backend.index([document_for(t) for t in batch])
            done += len(batch)
            if on_progress:
                on_progress(done, total)
    return done


def _forget_backends(*, setting: str, **kwargs: Any) -> None:
    if setting in {"SEARCH_BACKEND", "SEARCH_OPTIONS"}:
        backend_classes.cache_clear()


setting_changed.connect(_forget_backends, dispatch_uid="kabar.search.settings")
