"""Deliveries to a real receiver on 127.0.0.1: signed, retried with backoff, bounded, 410 and redirects."""

from __future__ import annotations

import datetime as dt
import json
import random
import socket
import threading
import time
from typing import Any

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook
from webhook_receiver import Answer  # type: ignore[import-not-found]

from kabar.webhooks.delivery import BACKOFF_SECONDS, DeliveryPolicy
from kabar.webhooks.models import Delivery, Subscription
from kabar.webhooks.signing import new_event_id, new_ticket
from kabar.webhooks.tasks import attempt, enqueue_delivery, redeliver

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "type": "article.published",
    "timestamp": "2026-12-01T10:00:00+00:00",
    "data": {"id": 7, "title": "Bão"},
}


def queue(subscription: Subscription, payload: dict[str, Any] = PAYLOAD) -> Delivery:
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id=new_event_id(),
        event_type=payload["type"],
        payload=payload,
        next_attempt_at=timezone.now(),
        ticket=new_ticket(),
    )
    enqueue_delivery(delivery.pk, delivery.ticket)
    return delivery


def test_a_delivery_is_signed_and_verified_by_the_receiver(
    receiver: Any, subscribe: Any, run_queued: Any
) -> None:
    subscription = subscribe(receiver.url())
    delivery = queue(subscription)
    run_queued()
    (request,) = receiver.received
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["webhook-id"] == delivery.event_id
    assert Webhook(subscription.secret).verify(request.body, request.headers) == PAYLOAD
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.attempts == 1 and delivery.response_code == 200 and delivery.response_excerpt == "ok"
    assert delivery.next_attempt_at is None and delivery.delivered_at is not None


def test_during_rotation_the_receiver_verifies_with_either_secret(
    receiver: Any, subscribe: Any, run_queued: Any
) -> None:
    subscription = subscribe(receiver.url())
    old = subscription.secret
    subscription.rotate_secret()
    subscription.save()
    queue(subscription)
    run_queued()
    (request,) = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(subscription.secret).verify(request.body, request.headers)


def test_a_500_is_retried_with_backoff_then_delivered(
    receiver: Any, subscribe: Any, run_queued: Any, deferred_tasks: Any
) -> None:
    receiver.script = [Answer(500, b"database is down"), Answer(200, b"thanks")]
    subscription = subscribe(receiver.url())
    delivery = queue(subscription)
    before = timezone.now()
    assert run_queued() == [None]  # the first attempt, at once
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1 and delivery.response_code == 500
    assert delivery.error == "answered 500" and delivery.response_excerpt == "database is down"
    # The next attempt is queued for about 5 s later (±20 % jitter), with run_after.
    (retry,) = deferred_tasks.results
    assert retry.task.run_after == delivery.next_attempt_at
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 5 * 0.8 - 1 <= wait <= 5 * 1.2 + 1
    run_queued()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 2
    assert delivery.response_code == 200 and delivery.error == ""
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]  # the same message, tried again
    assert Webhook(subscription.secret).verify(second.body, second.headers) == PAYLOAD


def test_the_backoff_grows_with_jitter_and_gives_up_after_max_attempts() -> None:
    policy = DeliveryPolicy()
    rng = random.Random(4)
    waits = [policy.retry_delay(n, rng) for n in range(1, policy.max_attempts)]
    assert all(w is not None for w in waits)
    seconds = [w.total_seconds() for w in waits if w is not None]
    for wait, base in zip(seconds, BACKOFF_SECONDS, strict=True):
        assert base * 0.8 <= wait <= base * 1.2
    assert seconds[:6] == sorted(seconds[:6])  # 5 s, 5 min, 30 min, 2 h, 5 h, 10 h
    assert len({round(w) for w in seconds}) == len(seconds)  # jittered, not the bare schedule
    assert policy.retry_delay(policy.max_attempts) is None


def test_after_the_last_attempt_the_delivery_is_failed(
    receiver: Any, subscribe: Any, run_queued: Any, deferred_tasks: Any, settings: Any
) -> None:
    settings.WEBHOOK_DELIVERY = {"max_attempts": 3}
    receiver.script = [Answer(503), Answer(502), Answer(500)]
    delivery = queue(subscribe(receiver.url()))
    for _ in range(3):
        assert len(run_queued()) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 3
    assert delivery.error == "answered 500 (gave up after 3 attempts)"
    assert delivery.next_attempt_at is None and deferred_tasks.results == []


def test_a_receiver_that_times_out_is_retried_with_the_reason(
    receiver: Any, subscribe: Any, run_queued: Any, deferred_tasks: Any, fast_delivery: None
) -> None:
    receiver.script = [Answer(200, delay=3.0)]
    delivery = queue(subscribe(receiver.url()))
    started = time.monotonic()
    run_queued()
    assert time.monotonic() - started < 2.5  # cut off at the 1 s limit, not after the receiver's 3 s
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert delivery.response_code is None
    assert delivery.error.startswith("timed out") and "1 s" in delivery.error
    assert len(deferred_tasks.results) == 1  # retried later


def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline(
    subscribe: Any, run_queued: Any, fast_delivery: None
) -> None:
    # One byte of the status line every 0.2 s: each wait is short, their sum is not.
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 100:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        delivery = queue(subscribe(f"http://127.0.0.1:{port}/hook"))
        started = time.monotonic()
        run_queued()
        assert time.monotonic() - started < 2.5
    finally:
        stop.set()
        listener.close()
    delivery.refresh_from_db()
    assert delivery.error.startswith("timed out"), delivery.error


def test_410_gone_disables_the_subscription(
    receiver: Any, subscribe: Any, run_queued: Any, deferred_tasks: Any
) -> None:
    receiver.script = [Answer(410, b"unsubscribed")]
    subscription = subscribe(receiver.url())
    delivery = queue(subscription)
    other = queue(subscription)
    run_queued()
    delivery.refresh_from_db()
    other.refresh_from_db()
    subscription.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.response_code == 410
    assert not subscription.active and "410 Gone" in subscription.disabled_reason
    # The one queued behind it is not sent to a receiver that asked to stop.
    assert other.status == Delivery.Status.FAILED and other.attempts == 0
    assert "disabled" in other.error
    assert len(receiver.received) == 1 and deferred_tasks.results == []


def test_redirects_are_not_followed(receiver: Any, subscribe: Any, run_queued: Any) -> None:
    receiver.script = [Answer(302, headers={"Location": receiver.url("/elsewhere")})]
    delivery = queue(subscribe(receiver.url()))
    run_queued()
    assert [r.path for r in receiver.received] == ["/hook"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.response_code == 302
    assert "redirects are not followed" in delivery.error and "/elsewhere" in delivery.error


def test_a_large_answer_is_read_only_up_to_the_cap(
    receiver: Any, subscribe: Any, run_queued: Any, settings: Any
) -> None:
    settings.WEBHOOK_DELIVERY = {"max_response_bytes": 1000, "excerpt_chars": 200}
    receiver.script = [Answer(200, b"x" * 5_000_000)]
    delivery = queue(subscribe(receiver.url()))
    run_queued()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.response_excerpt == "x" * 200


def test_a_binary_answer_is_logged_readably(receiver: Any, subscribe: Any, run_queued: Any) -> None:
    receiver.script = [Answer(500, b"\x00\xff\xfe oops")]
    delivery = queue(subscribe(receiver.url()))
    run_queued()
    delivery.refresh_from_db()
    assert delivery.response_excerpt == "\ufffd\ufffd\ufffd oops"


def test_redelivery_starts_a_new_series_and_the_old_retry_does_nothing(
    receiver: Any,
    subscribe: Any,
    run_queued: Any,
    deferred_tasks: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.script = [Answer(500), Answer(200)]
    delivery = queue(subscribe(receiver.url()))
    run_queued()
    (stale_retry,) = deferred_tasks.results
    deferred_tasks.clear()
    delivery.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        redeliver(delivery)
    run_queued()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 1
    # The retry queued before the redelivery finds its ticket stale: no second request.
    assert stale_retry.task.call(*stale_retry.args)["action"] == "skipped"
    assert len(receiver.received) == 2


def test_an_event_reaches_the_receiver_end_to_end(
    receiver: Any, subscribe: Any, run_queued: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from factories import make_article, make_text  # type: ignore[import-not-found]

    subscription = subscribe(receiver.url(), events=["article.published"])
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(source_language="vi")
        make_text(article, "vi", title="Bão số 3")
    run_queued()
    (request,) = receiver.received
    body = Webhook(subscription.secret).verify(request.body, request.headers)
    assert body["type"] == "article.published"
    assert body["data"]["id"] == article.pk and body["data"]["title"] == "Bão số 3"
    assert json.loads(request.body) == body


def test_a_retry_overtaken_by_a_takedown_is_not_sent(
    receiver: Any, subscribe: Any, run_queued: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The receiver was down when the article came out; the article is taken down before the retry.
    # The takedown is delivered at once; the old "published" must not follow it hours later and
    # make the receiver republish what was withdrawn (nor carry the withdrawn title).
    from factories import make_article, make_text  # type: ignore[import-not-found]

    receiver.script = [Answer(503)]
    subscribe(receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(source_language="vi")
        original = make_text(article, "vi", title="Tin bị gỡ")
    run_queued()  # the 503: a retry is queued
    published = Delivery.objects.get(event_type="article.published")
    assert published.status == Delivery.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        original.is_published = False
        original.save()
    run_queued()  # the retry and the takedown
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["article.published", "article.unpublished"]  # the first is the 503'd attempt
    published.refresh_from_db()
    assert published.status == Delivery.Status.FAILED and "article.unpublished" in published.error
    with django_capture_on_commit_callbacks(execute=True):  # out again: that is news, and is sent
        original.is_published = True
        original.save()
    run_queued()
    assert [json.loads(r.body)["type"] for r in receiver.received][-1] == "article.published"


def test_the_immediate_backend_records_a_retry_it_cannot_defer(receiver: Any, subscribe: Any) -> None:
    receiver.script = [Answer(500)]
    subscription = subscribe(receiver.url())
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_1",
        event_type="article.published",
        payload=PAYLOAD,
        ticket="t",
    )
    result = attempt(delivery.pk, "t")
    assert result["action"] == "retry"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now() + dt.timedelta(
        seconds=3
    )


def test_requeue_sends_a_delivery_whose_task_was_lost(
    receiver: Any,
    subscribe: Any,
    run_queued: Any,
    deferred_tasks: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.management import call_command

    subscription = subscribe(receiver.url())
    long_ago = timezone.now() - dt.timedelta(hours=1)
    lost = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_lost",
        event_type="article.published",
        payload=PAYLOAD,
        next_attempt_at=long_ago,
        ticket="old",
    )
    in_flight_lost = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_died",
        event_type="article.published",
        payload=PAYLOAD,
        attempts=1,
        last_attempt_at=long_ago,
        ticket="old",
    )
    not_due = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_later",
        event_type="article.published",
        payload=PAYLOAD,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=30),
        ticket="later",
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("webhooks", "requeue")
    assert sorted(r.args[0] for r in deferred_tasks.results) == sorted([lost.pk, in_flight_lost.pk])
    run_queued()
    for delivery in (lost, in_flight_lost, not_due):
        delivery.refresh_from_db()
    assert lost.status == in_flight_lost.status == Delivery.Status.DELIVERED
    assert not_due.status == Delivery.Status.PENDING and not_due.ticket == "later"
    assert sorted(r.headers["webhook-id"] for r in receiver.received) == ["msg_died", "msg_lost"]
    # The lost task, should it turn up after all, does nothing.
    assert attempt(lost.pk, "old")["action"] == "skipped"
