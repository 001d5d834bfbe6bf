"""Security headers on a reader page and the admin, with the site public over https (KABAR_HTTPS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from kabar.conf.security import transport_settings
from kabar.config import env_values

PUBLIC = "news.example"
VIA_TLS_PROXY = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": PUBLIC}


@pytest.fixture
def https_site() -> Iterator[None]:
    """The settings `KABAR_SITE_URL=https://news.example` gives (KABAR_HTTPS left to its default)."""
    env = env_values({"KABAR_SITE_URL": f"https://{PUBLIC}", "KABAR_ALLOWED_HOSTS": PUBLIC})
    with override_settings(ALLOWED_HOSTS=env["KABAR_ALLOWED_HOSTS"], **transport_settings(env)):
        yield


def assert_browser_policies(response) -> None:
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["img-src"].startswith("'self' data:")
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_reader_page_over_https_carries_csp_hsts_and_policies(https_site):
    response = Client().get("/vi/", **VIA_TLS_PROXY)
    assert response.status_code == 200
    assert_browser_policies(response)
    assert response["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.django_db
def test_plain_http_request_is_redirected_to_https(https_site):
    response = Client().get("/vi/", HTTP_HOST=PUBLIC)
    assert response.status_code == 301
    assert response["Location"] == f"https://{PUBLIC}/vi/"


@pytest.mark.django_db
def test_admin_login_over_https_sets_only_secure_cookies(https_site):
    User.objects.create_user("editor", password="correct horse", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/", **VIA_TLS_PROXY)
    assert page.status_code == 200
    assert_browser_policies(page)
    assert page["Strict-Transport-Security"] == "max-age=31536000"
    token = page.cookies["csrftoken"].value
    # The browser's Origin is the public https origin, checked against CSRF_TRUSTED_ORIGINS.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "correct horse", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=f"https://{PUBLIC}",
        HTTP_REFERER=f"https://{PUBLIC}/admin/login/",
        **VIA_TLS_PROXY,
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert_browser_policies(response)
    assert {"sessionid", "csrftoken"} <= set(response.cookies)
    for name in ("sessionid", "csrftoken"):
        assert response.cookies[name]["secure"] is True, name
    assert response.cookies["sessionid"]["httponly"] is True


@pytest.mark.django_db
def test_plain_http_site_keeps_working_without_https_headers(client):
    # The default KABAR_SITE_URL (http://127.0.0.1:8000), as `kabar demo` runs it.
    response = client.get("/vi/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert_browser_policies(response)
    User.objects.create_user("editor", password="correct horse", is_staff=True)
    login = client.post("/admin/login/", {"username": "editor", "password": "correct horse"})
    assert login.status_code == 302
    assert not login.cookies["sessionid"]["secure"]
