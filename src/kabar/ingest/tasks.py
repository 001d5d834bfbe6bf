"""Ingestion jobs for the task queue (django-tasks: database backend, or RQ at scale)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from kabar.ingest.images import ImageAttacher
from kabar.ingest.service import IMAGE_DRAIN_TIMEOUT, image_fetcher, ingest
from kabar.news.models import Source


@task(queue_name="fetch")
def poll_source(source_id: int) -> dict[str, Any]:
    """Fetch one source now and store what changed; returns the run's summary."""
    source = Source.objects.select_related("outlet").get(pk=source_id)
    summary = ingest(
        source.url,
        outlet=source.outlet,
        kind=source.kind,
        allow_private=source.private_access_granted(),
        source=source,
        images="task",
    )
    return summary.as_dict()


@task(queue_name="fetch")
def fetch_article_images(article_id: int, allow_private: bool = False) -> dict[str, Any]:
    """Fetch the pictures a stored article still shows from the outlet, and attach each as it arrives.

    Queued after the article's commit by a scheduled poll. Running it again is harmless: what is
    attached is no longer waited for, and an address fetched before comes from ``ImageFetch``.
    """
    with ImageAttacher(image_fetcher(allow_private=allow_private)) as attacher:
        attacher.add(article_id)
        counts = attacher.drain(IMAGE_DRAIN_TIMEOUT)
    return {
        "attached": counts.attached,
        "failed": [{"url": u, "reason": r} for u, r in counts.failures],
        "skipped": counts.skipped,
        "pending": counts.pending,
    }


def claim_due_sources(now: dt.datetime | None = None) -> list[int]:
    """Sources whose schedule has come round, marked as polled so that no other scheduler takes them too."""
    now = now or timezone.now()
    claimed = []
    with transaction.atomic():
        candidates = Source.objects.select_for_update(skip_locked=True).filter(
            enabled=True, schedule_minutes__gt=0
        )
        for source in candidates.filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=now)):
            if (
                source.last_polled_at is None
                or source.last_polled_at + dt.timedelta(minutes=source.schedule_minutes) <= now
            ):
                source.last_polled_at = now
                source.save(update_fields=["last_polled_at"])
                claimed.append(source.pk)
    return claimed


def enqueue_due_sources() -> list[int]:
    """Called by the scheduler in ``kabar worker`` once a minute.

    Claim and enqueue commit together: a scheduler killed between the two would otherwise
    leave sources marked as polled with no poll queued, skipped until their next period.
    (On the database backend the task row is in the same transaction; on RQ a job queued
    just before a failed commit only means one extra poll, which is idempotent.)
    """
    with transaction.atomic():
        due = claim_due_sources()
        for pk in due:
            poll_source.enqueue(pk)
    return due
