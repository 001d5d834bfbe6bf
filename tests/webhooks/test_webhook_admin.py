"""The webhooks admin: a secret shown once, rotation, URL checks at save, the read-only delivery log."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from kabar.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

ADD = "/admin/webhooks/subscription/add/"
SUBSCRIPTIONS = "/admin/webhooks/subscription/"
DELIVERIES = "/admin/webhooks/delivery/"
PUBLIC = "https://93.184.215.14/hook"  # a literal public address: nothing to resolve offline


def form(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Partner app",
        "url": url,
        "events": ["article.published", "article.updated"],
        "active": "on",
        **extra,
    }


def test_a_new_subscription_shows_its_secret_once(admin_client: Client) -> None:
    response = admin_client.post(ADD, form(PUBLIC))
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    page = response.content.decode()
    assert subscription.secret.startswith("whsec_") and subscription.secret in page
    assert "shown only on this page" in page
    assert "no-store" in response["Cache-Control"]
    assert subscription.events == ["article.published", "article.updated"]
    assert subscription.owner is not None and subscription.owner.username == "admin"
    # Never again: not on the change page, not in the list.
    change = admin_client.get(f"{SUBSCRIPTIONS}{subscription.pk}/change/").content.decode()
    listing = admin_client.get(SUBSCRIPTIONS).content.decode()
    assert subscription.secret not in change and subscription.secret not in listing
    assert subscription.secret_hint in change


def test_loopback_and_private_urls_are_refused_at_save_with_a_clear_error(admin_client: Client) -> None:
    for url, reason in [
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is a loopback address"),
        ("http://10.0.0.5/hook", "10.0.0.5 is a private address"),
        ("ftp://93.184.215.14/hook", "Enter an http:// or https:// URL"),
    ]:
        response = admin_client.post(ADD, form(url))
        assert response.status_code == 200
        page = response.content.decode()
        assert reason in page, url
        assert "errorlist" in page
    assert not Subscription.objects.exists()


def test_a_superuser_approves_a_loopback_receiver_by_ticking_allow_private(admin_client: Client) -> None:
    admin_client.post(ADD, form("http://127.0.0.1:9/hook", allow_private="on"))
    subscription = Subscription.objects.get()
    assert subscription.private_access_granted()
    assert subscription.private_access_by is not None


def test_staff_without_superuser_cannot_approve_private_addresses(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("editor", password="unused", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="webhooks"))
    client = Client()
    client.force_login(user)
    response = client.post(ADD, form("http://127.0.0.1:9/hook", allow_private="on"))
    assert "127.0.0.1 is a loopback address" in response.content.decode()
    assert not Subscription.objects.exists()


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_signing(admin_client: Client) -> None:
    subscription = Subscription.objects.create(name="Partner", url=PUBLIC)
    old = subscription.secret
    response = admin_client.post(
        SUBSCRIPTIONS, {"action": "rotate_secret", "_selected_action": [subscription.pk]}
    )
    subscription.refresh_from_db()
    assert subscription.secret != old and subscription.previous_secret == old
    page = response.content.decode()
    assert subscription.secret in page and old not in page
    assert "keeps signing deliveries for 24 hours" in page
    assert subscription.signing_secrets() == [subscription.secret, old]
    change = admin_client.get(f"{SUBSCRIPTIONS}{subscription.pk}/change/").content.decode()
    assert "still signs until" in change and subscription.secret not in change


def test_a_viewer_cannot_rotate_and_see_a_secret(django_user_model: Any) -> None:
    subscription = Subscription.objects.create(name="Partner", url=PUBLIC)
    old = subscription.secret
    viewer = django_user_model.objects.create_user("viewer", password="unused", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_subscription"))
    client = Client()
    client.force_login(viewer)
    assert "rotate_secret" not in client.get(SUBSCRIPTIONS).content.decode()
    response = client.post(SUBSCRIPTIONS, {"action": "rotate_secret", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.secret == old and subscription.secret not in response.content.decode()


def test_the_delivery_log_is_read_only_filterable_and_can_redeliver(
    admin_client: Client, deferred_tasks: Any
) -> None:
    subscription = Subscription.objects.create(name="Partner", url=PUBLIC)
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id="msg_logged",
        event_type="article.published",
        payload={"type": "article.published", "data": {"id": 1}},
        status=Delivery.Status.FAILED,
        attempts=8,
        response_code=500,
        error="answered 500 (gave up after 8 attempts)",
    )
    listing = admin_client.get(DELIVERIES)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "msg_logged" in page and "gave up after 8 attempts" in page
    assert "?status__exact=delivered" in page and "?event_type__exact=translation.published" in page
    assert "redeliver_selected" in page
    filtered = admin_client.get(DELIVERIES + "?status__exact=delivered").content.decode()
    assert "msg_logged" not in filtered
    detail = admin_client.get(f"{DELIVERIES}{delivery.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert admin_client.get(DELIVERIES + "add/").status_code == 403

    with_commit = admin_client.post(
        DELIVERIES, {"action": "redeliver_selected", "_selected_action": [delivery.pk]}
    )
    assert with_commit.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 0
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at <= timezone.now()
