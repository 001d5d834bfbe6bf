"""Webhook delivery jobs for the task queue (queue ``default``); arguments are plain JSON values.

Each attempt is one task run. A failed attempt records what happened on the delivery and
queues the next one with ``run_after`` (exponential backoff with jitter, see
``kabar.webhooks.delivery.BACKOFF_SECONDS``) until the attempts run out: then the delivery
is FAILED. 2xx is delivered; 410 Gone disables the subscription. The database and RQ
backends keep a deferred task across restarts; the immediate backend (tests) cannot defer,
so there a retry is recorded (``next_attempt_at``) but not queued.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from kabar.webhooks.delivery import DeliveryPolicy, Outcome, post
from kabar.webhooks.models import Delivery, EventType, Subscription
from kabar.webhooks.signing import new_ticket, signed_headers

log = logging.getLogger("kabar.webhooks")


@task(queue_name="default")
def deliver_webhook(delivery_id: int, ticket: str) -> dict[str, Any]:
    """Make one attempt at ``delivery_id`` (nothing if it was delivered, given up or re-queued since)."""
    return attempt(delivery_id, ticket)


def enqueue_delivery(delivery_id: int, ticket: str, run_after: dt.datetime | None = None) -> bool:
    """Queue an attempt (at ``run_after``, or now); False when the backend cannot defer it."""
    if run_after is not None:
        if not deliver_webhook.get_backend().supports_defer:
            log.warning(
                "webhook delivery %s: next attempt due %s, but this task backend cannot defer tasks",
                delivery_id,
                run_after.isoformat(),
            )
            return False
        deliver_webhook.using(run_after=run_after).enqueue(delivery_id, ticket)
    else:
        deliver_webhook.enqueue(delivery_id, ticket)
    return True


def redeliver(delivery: Delivery) -> None:
    """Start a new series of attempts for ``delivery`` now (the admin's "redeliver" action)."""
    delivery.status = Delivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.ticket = new_ticket()
    delivery.error = ""
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "ticket", "error", "modified_at"])
    pk, ticket = delivery.pk, delivery.ticket
    transaction.on_commit(lambda: enqueue_delivery(pk, ticket))


def requeue_overdue(older_than: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Queue again the pending deliveries whose attempt is overdue by ``older_than`` (``kabar webhooks requeue``).

    A delivery's task can be lost: the queue was down when it was enqueued, or the immediate
    backend could not defer a retry. Each gets a new ticket, so if its old task still runs it
    does nothing, and no delivery is attempted twice at once.
    """
    now = now or timezone.now()
    cutoff = now - older_than
    with transaction.atomic():
        overdue = list(
            Delivery.objects.select_for_update(skip_locked=True).filter(
                Q(next_attempt_at__lte=cutoff) | Q(next_attempt_at__isnull=True, last_attempt_at__lte=cutoff),
                status=Delivery.Status.PENDING,
            )
        )
        queued = []
        for delivery in overdue:
            delivery.ticket = new_ticket()
            delivery.next_attempt_at = now
            delivery.save(update_fields=["ticket", "next_attempt_at", "modified_at"])
            queued.append((delivery.pk, delivery.ticket))
        transaction.on_commit(lambda: [enqueue_delivery(pk, ticket) for pk, ticket in queued])
    return [pk for pk, _ in queued]


def body_of(delivery: Delivery) -> str:
    """The request body: the stored payload as compact JSON (signed byte for byte)."""
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))


def attempt(
    delivery_id: int,
    ticket: str,
    *,
    policy: DeliveryPolicy | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    policy = policy or DeliveryPolicy.from_settings()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("subscription__api_key__owner")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING or delivery.ticket != ticket:
            return {"delivery": delivery_id, "action": "skipped"}
        subscription = delivery.subscription
        now = timezone.now()
        unusable = (
            "the subscription is disabled" if not subscription.active else subscription.key_problem(now)
        )
        overtaken = None if unusable else _overtaken_by(delivery)
        if overtaken is not None:
            unusable = f"{overtaken.event_type} of the same article came after it (delivery {overtaken.pk})"
        if unusable:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.error = f"not sent: {unusable}"
            delivery.save(update_fields=["status", "next_attempt_at", "error", "modified_at"])
            return {"delivery": delivery_id, "action": "failed", "error": delivery.error}
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = None  # in flight; ``requeue_overdue`` finds it by last_attempt_at if lost
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at", "modified_at"])
        url = subscription.url
        allow_private = subscription.private_access_granted()
        body = body_of(delivery)
        headers = signed_headers(delivery.event_id, body, subscription.signing_secrets(now), now)
    # No lock is held while the receiver answers.
    outcome = post(url, body, headers, allow_private=allow_private, policy=policy)
    return _record(delivery_id, ticket, outcome, policy, rng)


def _overtaken_by(delivery: Delivery) -> Delivery | None:
    """A later delivery to the same subscription that reverses this one's news, or None.

    Retries wait for hours, and a newer event goes out at once: a retried article.published
    (or update, or translation) arriving after the article.unpublished that followed it would
    have the receiver republish a withdrawn article, with its withdrawn words; a retried
    article.unpublished after the article came out again would take it down. The later
    event carries the state that holds now, so the earlier one is not sent.
    """
    data = delivery.payload.get("data") if isinstance(delivery.payload, dict) else None
    article_id = data.get("id") if isinstance(data, dict) else None
    if article_id is None:
        return None
    reverse = (
        EventType.ARTICLE_PUBLISHED
        if delivery.event_type == EventType.ARTICLE_UNPUBLISHED
        else EventType.ARTICLE_UNPUBLISHED
    )
    later = Delivery.objects.filter(
        subscription_id=delivery.subscription_id,
        pk__gt=delivery.pk,
        event_type=reverse,
        payload__data__id=article_id,
    )
    return later.order_by("pk").first()


def _record(
    delivery_id: int, ticket: str, outcome: Outcome, policy: DeliveryPolicy, rng: random.Random | None
) -> dict[str, Any]:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("subscription")
            .get(pk=delivery_id)
        )
        if delivery.ticket != ticket:  # redelivered while this attempt was in flight: that series decides
            return {"delivery": delivery_id, "action": "superseded"}
        now = timezone.now()
        delivery.response_code = outcome.status_code
        delivery.response_excerpt = outcome.excerpt
        delivery.error = outcome.error[:500]
        delivery.next_attempt_at = None
        action = "delivered"
        if outcome.delivered:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = now
        elif outcome.gone:
            delivery.status = Delivery.Status.FAILED
            action = "disabled"
            _disable(delivery.subscription, f"the receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC")
        else:
            delay = policy.retry_delay(delivery.attempts, rng)
            if delay is None:
                delivery.status = Delivery.Status.FAILED
                delivery.error = f"{outcome.error} (gave up after {delivery.attempts} attempts)"[:500]
                action = "failed"
            else:
                delivery.next_attempt_at = now + delay
                delivery.ticket = new_ticket()
                action = "retry"
        delivery.save()
        if action == "retry":
            pk, next_ticket, when = delivery.pk, delivery.ticket, delivery.next_attempt_at
            transaction.on_commit(lambda: enqueue_delivery(pk, next_ticket, run_after=when))
        log.info(
            "webhook delivery %s attempt %d: %s", delivery_id, delivery.attempts, outcome.error or action
        )
    return {
        "delivery": delivery_id,
        "action": action,
        "status_code": outcome.status_code,
        "error": outcome.error,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None,
    }


def _disable(subscription: Subscription, reason: str) -> None:
    subscription.active = False
    subscription.disabled_reason = reason[:300]
    subscription.save(update_fields=["active", "disabled_reason", "modified_at"])
    log.warning("webhook subscription %s disabled: %s", subscription.pk, reason)
