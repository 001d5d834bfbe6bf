"""API keys on the wire: Bearer or X-API-Key, 401 for a bad key (never anonymous), scopes, revoke, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from api_support import API
from django.utils import timezone
from ninja import NinjaAPI, Router
from ninja.testing import TestClient

from kabar.api import errors
from kabar.api.auth import principal, require_scope
from kabar.api.models import ApiKey, Scope

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str, words: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert words in error["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Bearer kbr_not-a-real-key"},
        {"HTTP_X_API_KEY": "kbr_not-a-real-key"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    ],
)
def test_a_bad_key_is_401_not_anonymous(client, newsroom, headers):
    response = client.get(f"{API}/articles", **headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_with_both_headers_authorization_counts(client, newsroom, plain_key, unpublished_key):
    both = {"HTTP_AUTHORIZATION": f"Bearer {unpublished_key}", "HTTP_X_API_KEY": plain_key}
    assert newsroom.hidden.pk in [i["id"] for i in client.get(f"{API}/articles", **both).json()["items"]]
    bad_bearer = {"HTTP_AUTHORIZATION": "Bearer kbr_wrong", "HTTP_X_API_KEY": plain_key}
    assert client.get(f"{API}/articles", **bad_bearer).status_code == 401


def test_revoked_expired_and_deactivated_keys_are_refused(client, newsroom, owner):
    revoked, revoked_key = ApiKey.issue(name="Revoked", owner=owner)
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired_key = ApiKey.issue(
        name="Expired", owner=owner, expires_at=timezone.now() - dt.timedelta(seconds=1)
    )[1]
    future_key = ApiKey.issue(
        name="Not yet expired", owner=owner, expires_at=timezone.now() + dt.timedelta(days=1)
    )[1]
    assert_error(client.get(f"{API}/articles", HTTP_X_API_KEY=revoked_key), 401, "unauthorized", "revoked")
    assert_error(client.get(f"{API}/articles", HTTP_X_API_KEY=expired_key), 401, "unauthorized", "expired")
    assert client.get(f"{API}/articles", HTTP_X_API_KEY=future_key).status_code == 200
    owner.is_active = False
    owner.save()
    assert_error(client.get(f"{API}/articles", HTTP_X_API_KEY=future_key), 401, "unauthorized", "owner")


def test_a_used_key_records_when(client, newsroom, owner):
    api_key, key = ApiKey.issue(name="Partner", owner=owner)
    assert api_key.last_used_at is None
    assert client.get(f"{API}/sections", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None and timezone.now() - api_key.last_used_at < dt.timedelta(
        minutes=1
    )


@pytest.fixture
def webhooks_like_client() -> TestClient:
    """A router guarded the way the webhooks router is (require_scope), on an API with kabar's error shape."""
    api = NinjaAPI(urls_namespace="scope-test")
    errors.install(api)
    router = Router(auth=require_scope(Scope.WEBHOOKS))

    @router.get("/whoami")
    def whoami(request):
        return {"key": principal(request).key.name}

    api.add_router("/", router)
    return TestClient(api)


def test_require_scope(webhooks_like_client, owner):
    with_scope = ApiKey.issue(name="Hooks", owner=owner, scopes=[Scope.WEBHOOKS])[1]
    without = ApiKey.issue(name="Reader", owner=owner, scopes=[Scope.READ_UNPUBLISHED])[1]
    assert webhooks_like_client.get("/whoami", headers={"Authorization": f"Bearer {with_scope}"}).json() == {
        "key": "Hooks"
    }
    assert webhooks_like_client.get("/whoami", headers={"X-API-Key": with_scope}).status_code == 200
    assert_error(
        webhooks_like_client.get("/whoami", headers={"X-API-Key": without}), 403, "forbidden", "webhooks"
    )
    assert_error(webhooks_like_client.get("/whoami"), 401, "unauthorized", "webhooks")
    assert_error(
        webhooks_like_client.get("/whoami", headers={"X-API-Key": "kbr_x"}), 401, "unauthorized", "unknown"
    )


def test_require_scope_refuses_an_unknown_scope():
    with pytest.raises(ValueError, match="unknown API key scope"):
        require_scope("admin")
