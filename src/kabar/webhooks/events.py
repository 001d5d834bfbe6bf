"""When each webhook event fires, and what it says.

After every commit that touched an article's texts, ``reconcile(article_id)`` compares the
texts as they are with what subscribers were last told (``AnnouncedText``) and sends the
differences, then records the new state, all under a lock on the article. So each change
is announced exactly once, whichever signal reported it and however many times:

- ``article.published``: the article goes from no published text to at least one (its first
  text is published, or a text is published again after ``article.unpublished``).
- ``article.updated``: the original's title, lead or body changed while the article is
  published and stays published (an outlet's correction, or an editor's in the admin).
  Changes to a translation are ``translation.published``; a change to facts outside the
  texts (section, authors) is not an event.
- ``translation.published``: a translation (any non-original text) is published, or a
  published translation's title, lead or body changed (re-translated after the original
  changed, post-edited). It fires beside ``article.published`` when a translation is the
  first published text of its article: each event keeps its meaning for its subscribers.
- ``article.unpublished``: the article had a published text and now has none (all were
  unpublished, or the article was deleted). One translation unpublished while others stay
  published is not an event.

Saves that change nothing a subscriber sees (QA flags, ``stale``, a re-save) send nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from kabar.news.models import Article, ArticleText
from kabar.site.present import absolute
from kabar.webhooks.digest import text_digest
from kabar.webhooks.models import AnnouncedText, Delivery, EventType, Subscription
from kabar.webhooks.signing import new_event_id, new_ticket

log = logging.getLogger("kabar.webhooks")


@dataclass(frozen=True)
class Event:
    type: str
    article_id: int
    language: str  # the text the event is about: the original's for article.*, the translation's


def api_url(article_id: int) -> str:
    return absolute(f"/api/v1/articles/{article_id}")


def reader_url(text: ArticleText) -> str:
    with translation.override(text.language):
        return absolute(text.get_absolute_url())


def reconcile(article_id: int, *, announce: bool = True) -> list[Event]:
    """Send what changed for ``article_id`` since subscribers were last told; returns the events.

    ``announce=False`` records the state without sending (fixtures loaded with ``loaddata``).
    Deliveries are queued after this transaction commits.
    """
    with transaction.atomic():
        # The lock makes reconciles of one article take turns, so two never announce the same change.
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        texts = list(ArticleText.objects.filter(article_id=article_id)) if article else []
        for text in texts:
            text.article = article  # type: ignore[assignment]  # URLs need it; no query per text
        known = {
            a.language: a for a in AnnouncedText.objects.select_for_update().filter(article_id=article_id)
        }
        events = _differences(article, texts, known)
        _record(article_id, texts, known)
        if announce and events:
            _queue_deliveries(events, article, texts, known)
    return events if announce else []


def _differences(
    article: Article | None, texts: Sequence[ArticleText], known: dict[str, AnnouncedText]
) -> list[Event]:
    was_published = any(a.published for a in known.values())
    published = [t for t in texts if t.is_published]
    original = next((t for t in texts if t.status == ArticleText.Status.ORIGINAL), None)
    main_language = (
        article.source_language
        if article is not None
        else next((a.language for a in known.values() if a.is_original), next(iter(known), ""))
    )
    events: list[Event] = []
    if published and not was_published:
        assert article is not None
        # About the article, so in its own language, unless that text is not out yet: then the
        # payload would have to carry an unpublished title, so it names the first text that is.
        shown = {t.language for t in published}
        language = main_language if main_language in shown else min(shown)
        events.append(Event(EventType.ARTICLE_PUBLISHED, article.pk, language))
    if published and was_published and original is not None and original.is_published:
        # An unpublished original's edits are seen by no reader: not news (and not to be sent).
        before = known.get(original.language)
        if before is not None and (not before.published or before.digest != _digest(original)):
            events.append(Event(EventType.ARTICLE_UPDATED, original.article_id, original.language))
    for text in published:
        if text.status == ArticleText.Status.ORIGINAL:
            continue
        before = known.get(text.language)
        if before is None or not before.published or before.digest != _digest(text):
            events.append(Event(EventType.TRANSLATION_PUBLISHED, text.article_id, text.language))
    if was_published and not published:
        article_id = next(iter(known.values())).article_id
        # Named as subscribers last had it: in a language they were given.
        told = sorted(a.language for a in known.values() if a.published)
        language = main_language if main_language in told else told[0]
        events.append(Event(EventType.ARTICLE_UNPUBLISHED, article_id, language))
    return events


def _digest(text: ArticleText) -> str:
    return text_digest(text.title, text.lead, text.blocks)


def _record(article_id: int, texts: Sequence[ArticleText], known: dict[str, AnnouncedText]) -> None:
    for text in texts:
        values = {
            "is_original": text.status == ArticleText.Status.ORIGINAL,
            "published": text.is_published,
            "digest": _digest(text),
            "title": text.title[:500],
            "url": reader_url(text)[:1000],
        }
        before = known.get(text.language)
        if before is None:
            AnnouncedText.objects.create(article_id=article_id, language=text.language, **values)
        elif any(getattr(before, k) != v for k, v in values.items()):
            AnnouncedText.objects.filter(pk=before.pk).update(**values, modified_at=timezone.now())
    gone = set(known) - {t.language for t in texts}
    if gone:
        AnnouncedText.objects.filter(article_id=article_id, language__in=gone).delete()


def payload(
    event: Event, article: Article | None, texts: Sequence[ArticleText], known: dict[str, AnnouncedText]
) -> dict[str, Any]:
    """The JSON body: ``type``, ``timestamp`` (when it happened) and ``data`` about the article.

    ``data.urls`` has the reader URL of every published language; for ``article.unpublished``
    it is empty and ``url``/``title`` are the last ones subscribers were given.
    """
    published = {t.language: t for t in texts if t.is_published}
    urls = {language: reader_url(text) for language, text in sorted(published.items())}
    # Only what readers can see, or could when subscribers were last told: an unpublished text's
    # title is never sent (it may be held back for a reason).
    text = published.get(event.language)
    last = known.get(event.language)
    last = last if last is not None and last.published else None
    title = text.title if text is not None else (last.title if last is not None else "")
    url = urls.get(event.language) or (last.url if last is not None else "")
    data: dict[str, Any] = {
        "id": event.article_id,
        "language": event.language,
        "languages": sorted(published),
        "title": title,
        "url": url,
        "urls": urls,
        "api_url": api_url(event.article_id),
    }
    if article is not None:
        data["source_url"] = article.source_url
    if text is not None and text.status != ArticleText.Status.ORIGINAL:
        data["status"] = text.status  # human, machine or post-edited
        data["translated_from"] = text.translated_from or (article.source_language if article else "")
    return {"type": event.type, "timestamp": timezone.now().isoformat(), "data": data}


def _queue_deliveries(
    events: Sequence[Event],
    article: Article | None,
    texts: Sequence[ArticleText],
    known: dict[str, AnnouncedText],
) -> None:
    subscriptions = list(Subscription.objects.filter(active=True).select_related("api_key__owner"))
    created: list[tuple[int, str]] = []
    for event in events:
        wanted = [s for s in subscriptions if s.wants(event.type)]
        if not wanted:
            continue
        body = payload(event, article, texts, known)
        event_id = new_event_id()
        for subscription in wanted:
            delivery = Delivery.objects.create(
                subscription=subscription,
                event_id=event_id,
                event_type=event.type,
                payload=body,
                next_attempt_at=timezone.now(),
                ticket=new_ticket(),
            )
            created.append((delivery.pk, delivery.ticket))
        log.info("webhook %s for article %s: %d subscription(s)", event.type, event.article_id, len(wanted))
    if created:
        from kabar.webhooks.tasks import enqueue_delivery

        transaction.on_commit(lambda: [enqueue_delivery(pk, ticket) for pk, ticket in created])
