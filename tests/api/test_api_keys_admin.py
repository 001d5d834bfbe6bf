"""API keys in the admin: the key is shown once, only its hash is stored, revoking works."""

from __future__ import annotations

import re

import pytest

from kabar.api.auth import InvalidKey, principal_for
from kabar.api.models import ApiKey, Scope, hash_key

pytestmark = pytest.mark.django_db

KEY_IN_MESSAGE = re.compile(r"\b(kbr_[A-Za-z0-9_-]{43})\b")


def test_creating_a_key_shows_it_once_and_stores_only_its_hash(admin_client, admin_user):
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {"name": "Partner app", "owner": admin_user.pk, "scopes": [Scope.READ_UNPUBLISHED], "expires_at": ""},
        follow=True,
    )
    assert response.status_code == 200
    # The page after saving shows it, in one message.
    shown = KEY_IN_MESSAGE.findall(response.content.decode())
    assert len(shown) == 1
    key = shown[0]

    stored = ApiKey.objects.get()
    assert stored.key_hash == hash_key(key) and len(stored.key_hash) == 64
    assert stored.prefix == key[:12]
    assert stored.scopes == [Scope.READ_UNPUBLISHED]
    # The key itself is nowhere in the row.
    row = ApiKey.objects.filter(pk=stored.pk).values().get()
    assert not any(key in str(value) for value in row.values())

    # Neither the change page nor the list shows it again, only the prefix.
    change = admin_client.get(f"/admin/api/apikey/{stored.pk}/change/").content.decode()
    listing = admin_client.get("/admin/api/apikey/").content.decode()
    assert key not in change and key not in listing
    assert stored.prefix in listing

    # Saving the key again (a rename) keeps the same secret working.
    admin_client.post(
        f"/admin/api/apikey/{stored.pk}/change/",
        {"name": "Renamed", "owner": admin_user.pk, "scopes": [], "expires_at": ""},
    )
    assert principal_for(key).key == stored


def test_the_new_key_is_shown_on_the_answer_itself_never_in_a_cookie(admin_client, admin_user):
    # A message would carry the key in the "messages" cookie (signed, not encrypted) and show it on
    # the next page, which browsers keep in their cache: the key is on the answer to the save,
    # which no cache may store, as the webhook secrets are.
    response = admin_client.post(
        "/admin/api/apikey/add/",
        {"name": "Partner app", "owner": admin_user.pk, "scopes": [], "expires_at": ""},
    )
    assert response.status_code == 200
    (key,) = KEY_IN_MESSAGE.findall(response.content.decode())
    assert principal_for(key).key == ApiKey.objects.get()
    assert "no-store" in response["Cache-Control"]
    assert "messages" not in response.cookies
    assert key not in str(admin_client.session.items())
    assert key not in admin_client.get("/admin/api/apikey/").content.decode()


def test_the_revoke_action_stops_a_key(admin_client, admin_user):
    api_key, key = ApiKey.issue(name="Old app", owner=admin_user)
    assert principal_for(key).key == api_key
    response = admin_client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )
    assert response.status_code == 200
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    with pytest.raises(InvalidKey, match="revoked"):
        principal_for(key)
