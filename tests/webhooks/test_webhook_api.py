"""/api/v1/webhooks/: a key with the webhooks scope manages only its own subscriptions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from kabar.api.models import ApiKey, Scope
from kabar.webhooks.api import ALL_EVENTS
from kabar.webhooks.models import EVENT_TYPES, Delivery, Subscription

pytestmark = pytest.mark.django_db

BASE = "/api/v1/webhooks"
PUBLIC = "https://93.184.215.14/hook"


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key(django_user_model: Any) -> Any:
    owner = django_user_model.objects.create_user("partner", password="unused")

    def issue(*scopes: str, name: str = "Partner") -> tuple[ApiKey, dict[str, str]]:
        api_key, secret = ApiKey.issue(name=name, owner=owner, scopes=scopes)
        return api_key, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return issue


def test_the_event_names_match_the_models() -> None:
    assert tuple(ALL_EVENTS) == EVENT_TYPES


def test_a_key_needs_the_webhooks_scope(client: Client, key: Any) -> None:
    assert client.get(f"{BASE}/subscriptions").status_code == 401
    _, reader = key()
    response = client.get(f"{BASE}/subscriptions", **reader)
    assert response.status_code == 403 and "webhooks" in response.json()["error"]["message"]


def test_create_list_and_delete_own_subscriptions(client: Client, key: Any) -> None:
    api_key, headers = key(Scope.WEBHOOKS)
    created = client.post(
        f"{BASE}/subscriptions",
        {"name": "Partner app", "url": PUBLIC, "events": ["translation.published"]},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    subscription = Subscription.objects.get()
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert body["events"] == ["translation.published"] and body["active"] is True
    assert subscription.api_key == api_key and not subscription.allow_private

    listed = client.get(f"{BASE}/subscriptions", **headers).json()["items"]
    assert [s["id"] for s in listed] == [subscription.pk]
    assert "secret" not in listed[0] and listed[0]["secret_hint"] == subscription.secret_hint

    # Another key (even of the same owner) neither sees nor deletes it.
    _, other = key(Scope.WEBHOOKS, name="Other")
    assert client.get(f"{BASE}/subscriptions", **other).json()["items"] == []
    assert client.delete(f"{BASE}/subscriptions/{subscription.pk}", **other).status_code == 404
    assert client.delete(f"{BASE}/subscriptions/{subscription.pk}", **headers).status_code == 204
    assert not Subscription.objects.exists()
    assert client.delete(f"{BASE}/subscriptions/{subscription.pk}", **headers).status_code == 404


def test_all_events_by_default_and_private_urls_refused(client: Client, key: Any) -> None:
    _, headers = key(Scope.WEBHOOKS)
    made = client.post(
        f"{BASE}/subscriptions", {"name": "All", "url": PUBLIC}, content_type="application/json", **headers
    )
    assert made.json()["events"] == list(EVENT_TYPES)
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://10.0.0.1/",
        "ftp://93.184.215.14/",
        "http://exa mple.org/",
    ):
        refused = client.post(
            f"{BASE}/subscriptions", {"name": "Bad", "url": url}, content_type="application/json", **headers
        )
        assert refused.status_code == 422, url
        assert refused.json()["error"]["code"] == "invalid_url"
        # The API caller has no form with an "Allow private" box to tick.
        assert "this form" not in refused.json()["error"]["message"], url
    loopback = client.post(
        f"{BASE}/subscriptions",
        {"name": "Local", "url": "http://127.0.0.1:8000/hook"},
        content_type="application/json",
        **headers,
    )
    assert "public addresses only" in loopback.json()["error"]["message"]
    bad_event = client.post(
        f"{BASE}/subscriptions",
        {"name": "x", "url": PUBLIC, "events": ["article.deleted"]},
        content_type="application/json",
        **headers,
    )
    assert bad_event.status_code == 422
    assert Subscription.objects.count() == 1


def test_rotate_secret_answers_the_new_secret(client: Client, key: Any) -> None:
    api_key, headers = key(Scope.WEBHOOKS)
    subscription = Subscription.objects.create(name="P", url=PUBLIC, api_key=api_key)
    old = subscription.secret
    response = client.post(f"{BASE}/subscriptions/{subscription.pk}/rotate-secret", **headers)
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert response.json()["secret"] == subscription.secret != old
    assert subscription.signing_secrets() == [subscription.secret, old]


def test_deliveries_of_own_subscriptions_newest_first(client: Client, key: Any) -> None:
    api_key, headers = key(Scope.WEBHOOKS)
    mine = Subscription.objects.create(name="Mine", url=PUBLIC, api_key=api_key)
    theirs = Subscription.objects.create(name="Theirs", url=PUBLIC)
    for n, subscription in enumerate([mine, mine, theirs]):
        Delivery.objects.create(
            subscription=subscription,
            event_id=f"msg_{n}",
            event_type="article.published",
            payload={"type": "article.published", "data": {"id": n}},
            status=Delivery.Status.DELIVERED if n == 0 else Delivery.Status.PENDING,
            next_attempt_at=timezone.now(),
        )
    items = client.get(f"{BASE}/deliveries", **headers).json()["items"]
    assert [d["event_id"] for d in items] == ["msg_1", "msg_0"]
    delivered = client.get(f"{BASE}/deliveries?status=delivered", **headers).json()["items"]
    assert [d["event_id"] for d in delivered] == ["msg_0"]
    assert client.get(f"{BASE}/deliveries?subscription={theirs.pk}", **headers).json()["items"] == []


def test_a_revoked_key_s_subscriptions_receive_nothing(key: Any) -> None:
    api_key, _ = key(Scope.WEBHOOKS)
    subscription = Subscription.objects.create(name="P", url=PUBLIC, api_key=api_key)
    assert subscription.wants("article.published")
    api_key.revoked_at = timezone.now()
    api_key.save()
    subscription.refresh_from_db()
    assert not subscription.wants("article.published")
    assert subscription.key_problem() == "this API key was revoked"


def test_a_deactivated_owner_s_or_a_descoped_key_s_subscriptions_receive_nothing(key: Any) -> None:
    # The API refuses such a key (401, 403); deliveries made for it must stop as well, or a partner
    # whose access ended keeps receiving every event.
    api_key, _ = key(Scope.WEBHOOKS)
    subscription = Subscription.objects.create(name="P", url=PUBLIC, api_key=api_key)
    api_key.scopes = []
    api_key.save()
    subscription.refresh_from_db()
    assert not subscription.wants("article.published")
    assert "webhooks" in (subscription.key_problem() or "")
    api_key.scopes = [Scope.WEBHOOKS]
    api_key.save()
    api_key.owner.is_active = False
    api_key.owner.save()
    subscription.refresh_from_db()
    assert not subscription.wants("article.published")
    assert "no longer active" in (subscription.key_problem() or "")


def test_the_openapi_document_lists_the_webhooks_operations(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        f"{BASE}/subscriptions",
        f"{BASE}/subscriptions/{{subscription_id}}",
        f"{BASE}/deliveries",
    } <= set(paths)
    create = paths[f"{BASE}/subscriptions"]["post"]
    assert {} not in create["security"]  # a key is required here, unlike the reads
