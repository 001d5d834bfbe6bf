"""`kabar worker`'s scheduler queues again webhook deliveries whose task was lost, without an operator."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kabar.ingest.management.commands.worker import WEBHOOK_REQUEUE_AFTER, schedule_tick
from kabar.webhooks.models import Delivery

PAYLOAD = {"type": "article.published", "data": {"article": 1}}


def test_a_scheduler_tick_requeues_lost_deliveries_only(
    subscribe: Any, deferred_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = subscribe("http://127.0.0.1:9/hook")
    now = timezone.now()
    lost = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_lost",
        event_type="article.published",
        payload=PAYLOAD,
        next_attempt_at=now - WEBHOOK_REQUEUE_AFTER - dt.timedelta(minutes=1),
        ticket="old",
    )
    # Due a moment ago: its task is most likely still queued, so the tick leaves it alone.
    recent = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_recent",
        event_type="article.published",
        payload=PAYLOAD,
        next_attempt_at=now - dt.timedelta(seconds=30),
        ticket="recent",
    )
    with django_capture_on_commit_callbacks(execute=True):
        schedule_tick()
    assert [r.args[0] for r in deferred_tasks.results] == [lost.pk]
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.ticket != "old" and recent.ticket == "recent"
