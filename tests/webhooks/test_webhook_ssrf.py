"""Webhook URLs pass the fetcher's SSRF policy: at save, and again where each delivery connects."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from kabar.webhooks.delivery import DeliveryPolicy, post
from kabar.webhooks.models import Delivery, Subscription
from kabar.webhooks.tasks import attempt
from kabar.webhooks.url_policy import WebhookURLError, check_webhook_url


def public(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


def rebinding_to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.1.20/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "metadata"),
        ("http://metadata.google.internal/", "metadata"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("ftp://partner.example/hook", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
    ],
)
def test_non_public_and_non_http_urls_are_refused_by_default(url: str, reason: str) -> None:
    with pytest.raises(WebhookURLError, match=reason):
        check_webhook_url(url, allow_private=False, resolver=public)


def test_a_host_name_that_resolves_to_loopback_is_refused() -> None:
    with pytest.raises(WebhookURLError, match="resolves to 127.0.0.1, a loopback address"):
        check_webhook_url("https://partner.example/hook", allow_private=False, resolver=rebinding_to_loopback)


def test_a_public_url_is_accepted_and_approved_private_access_opens_loopback_but_never_metadata() -> None:
    assert check_webhook_url("https://partner.example/hook", allow_private=False, resolver=public) == []
    assert check_webhook_url("http://127.0.0.1:9/hook", allow_private=True, resolver=public) == []
    with pytest.raises(WebhookURLError, match="metadata"):
        check_webhook_url("http://169.254.169.254/", allow_private=True, resolver=public)


def test_dns_rebinding_after_the_save_is_refused_where_the_delivery_connects(receiver: Any) -> None:
    # Saved while the name pointed at a public address; at delivery time it points at loopback.
    check_webhook_url("http://partner.example/hook", allow_private=False, resolver=public)
    outcome = post(
        receiver.url().replace("127.0.0.1", "partner.example"),
        "{}",
        {},
        allow_private=False,
        policy=DeliveryPolicy(timeout=2),
        resolver=rebinding_to_loopback,
    )
    assert outcome.status_code is None
    assert "partner.example resolves to 127.0.0.1, a loopback address" in outcome.error
    assert receiver.received == []


@pytest.mark.django_db
def test_a_loopback_receiver_is_refused_by_default_at_delivery(receiver: Any, subscribe: Any) -> None:
    subscription = subscribe(receiver.url(), private=False)
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_ssrf",
        event_type="article.published",
        payload={"type": "article.published"},
        next_attempt_at=timezone.now(),
        ticket="t",
    )
    attempt(delivery.pk, "t")
    delivery.refresh_from_db()
    assert "127.0.0.1 is a loopback address" in delivery.error
    assert receiver.received == []  # nothing reached the receiver


@pytest.mark.django_db
def test_an_approval_lapses_when_the_url_changes(receiver: Any, subscribe: Any) -> None:
    subscription = subscribe(receiver.url())
    assert subscription.private_access_granted()
    Subscription.objects.filter(pk=subscription.pk).update(
        url=receiver.url("/other")
    )  # not through the admin
    subscription.refresh_from_db()
    assert not subscription.private_access_granted()
    assert "changed since private access was approved" in (subscription.private_access_problem() or "")
    ticked_only = Subscription(name="x", url=receiver.url(), allow_private=True)
    assert "never approved" in (ticked_only.private_access_problem() or "")
