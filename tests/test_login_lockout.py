"""Admin login lockout (django-axes) through the real admin login form."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

from kabar.conf.security import client_ip

ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.20"
RIGHT = "correct horse battery"


def log_in(username: str, password: str, address: str, **headers: str):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **headers
    )
    return client, response


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def editors(db) -> None:
    User.objects.create_user("editor", password=RIGHT, is_staff=True)
    User.objects.create_user("other", password=RIGHT, is_staff=True)


def lock_out_editor_from_attacker() -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit + 1):
        _, response = log_in("editor", "wrong", ATTACKER)
        # Below the limit: the admin's own form again, saying the password was wrong.
        assert response.status_code == (429 if attempt == limit else 200), attempt


def test_failures_lock_the_username_and_address_pair_even_with_the_right_password(editors):
    assert settings.AXES_FAILURE_LIMIT == 5  # KABAR_LOGIN_FAILURES' default
    lock_out_editor_from_attacker()

    _, response = log_in("editor", RIGHT, ATTACKER)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins (5)" in page and "15 minutes" in page
    assert "Unlock" in page and "Traceback" not in page
    assert response["Content-Security-Policy"]  # the lockout page is a page like the others

    assert logged_in(log_in("editor", RIGHT, COLLEAGUE)[1]), "another address is not locked"
    assert logged_in(log_in("other", RIGHT, ATTACKER)[1]), "another user is not locked"


def test_forwarded_for_is_not_trusted_by_default(editors):
    # A client rotating X-Forwarded-For values is still counted at its connection's address.
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in("editor", "wrong", ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert log_in("editor", RIGHT, ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99")[1].status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_configured_proxies_the_address_the_outer_proxy_saw_counts(rf):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.2")
    assert client_ip(request) == "127.0.0.1"
    with override_settings(KABAR_PROXY_COUNT=2):
        assert client_ip(request) == "203.0.113.7"  # 6.6.6.6 was written by the client itself
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def test_an_admin_unlocks_from_the_access_attempts_page(editors):
    lock_out_editor_from_attacker()
    User.objects.create_superuser("chief", password="chief password")
    chief = Client()
    chief.force_login(User.objects.get(username="chief"))
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = chief.get(changelist)
    assert listing.status_code == 200 and "Locked Out" in listing.content.decode()
    assert "Unlock" in listing.content.decode()

    attempt = AccessAttempt.objects.get(username="editor", ip_address=ATTACKER)
    done = chief.post(changelist, {"action": "unlock", ACTION_CHECKBOX_NAME: [attempt.pk]}, follow=True)
    assert "Unlocked: 1 access attempt" in done.content.decode()

    assert logged_in(log_in("editor", RIGHT, ATTACKER)[1])


def test_staff_without_delete_permission_cannot_unlock(editors):
    lock_out_editor_from_attacker()
    viewer = User.objects.get(username="other")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_accessattempt"))
    client = Client()
    client.force_login(viewer)
    attempt = AccessAttempt.objects.get(username="editor")
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", ACTION_CHECKBOX_NAME: [attempt.pk]},
    )
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert log_in("editor", RIGHT, ATTACKER)[1].status_code == 429


@pytest.mark.parametrize("variant", ["editor ", " editor", "editor\u00a0", "ｅｄｉｔｏｒ"])
def test_spellings_that_log_in_as_the_locked_user_are_locked_too(editors, variant):
    # The login form strips and NFKC-normalises the username before authenticating, so a
    # lockout keyed on the raw POST value would give an attacker a fresh counter per spelling.
    lock_out_editor_from_attacker()
    assert log_in(variant, RIGHT, ATTACKER)[1].status_code == 429
