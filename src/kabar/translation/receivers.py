"""Reactions to newsroom signals: keep machine translations in step with their originals.

* A changed original re-translates every language that has a *machine* text;
  the translation memory turns the unchanged sentences into lookups, so only
  changed paragraphs reach an engine. Human and post-edited texts are left
  ``stale`` (``kabar.ingest.store`` marks them) for an editor.
* A new original is translated into the *auto targets*: the explicit
  ``MT_ROUTES`` keys (``"*"`` names no language), and only when an engine is
  enabled. With no engine configured nothing happens at all.
"""

from __future__ import annotations

import logging
from typing import Any

from kabar.core.translate.mt.routing import NoRoute
from kabar.news.models import Article, ArticleText
from kabar.translation import engines

log = logging.getLogger("kabar.translation")


def retranslate_on_change(
    sender: Any, *, article: Article, created: bool, changed_blocks: list[int] | None = None, **kwargs: Any
) -> list[str]:
    """Queue translation tasks for ``article``; returns the target languages queued."""
    if not engines.engines_configured():
        return []
    from kabar.translation.tasks import translate_article_task  # tasks import services: keep ready() light

    texts = list(ArticleText.objects.filter(article_id=article.pk).values_list("language", "status"))
    source = next((lang for lang, status in texts if status == ArticleText.Status.ORIGINAL), None)
    source = (source or article.source_language).lower()
    if created:
        targets = engines.auto_targets()
    else:
        targets = [lang for lang, status in texts if status == ArticleText.Status.MACHINE]
        kept = [f"{lang} ({status})" for lang, status in texts if status in _PEOPLE]
        if kept:
            log.info("article %s changed; stale for an editor: %s", article.pk, ", ".join(kept))
    router = engines.get_router()
    queued = []
    for target in dict.fromkeys(t.lower() for t in targets):
        if target == source:
            continue
        try:
            router.plan(source, target)
        except NoRoute as exc:
            log.warning("article %s: not translated into %s: %s", article.pk, target, exc.reason)
            continue
        translate_article_task.enqueue(article.pk, target)
        queued.append(target)
    return queued


_PEOPLE = (ArticleText.Status.HUMAN, ArticleText.Status.POST_EDITED)


def settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in engines.ROUTER_SETTINGS:
        engines.reset_router()
