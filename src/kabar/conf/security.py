"""Transport security, browser policies and login lockout, derived from the settings table.

kabar never terminates TLS itself (``kabar serve`` is plain HTTP), so ``KABAR_HTTPS`` means
"a TLS proxy in front of kabar serves the public site over https": that proxy sets
X-Forwarded-Proto (nginx: ``proxy_set_header X-Forwarded-Proto $scheme;``, Caddy does it by
default), and kabar trusts that header only then. X-Forwarded-For is separate
(``KABAR_PROXY_COUNT``) because it decides which address a login lockout counts against.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Mapping
from typing import Any

from csp.constants import NONE, SELF
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def https_enabled(env: Mapping[str, Any]) -> bool:
    """``KABAR_HTTPS`` when set, else whether the public URL is an https one."""
    configured: bool | None = env["KABAR_HTTPS"]
    if configured is not None:
        return configured
    return str(env["KABAR_SITE_URL"]).lower().startswith("https://")


def site_origin(site_url: str) -> str:
    parts = urllib.parse.urlsplit(site_url)
    return f"{parts.scheme}://{parts.netloc}"


def transport_settings(env: Mapping[str, Any]) -> dict[str, Any]:
    """The Django settings that depend on whether the site is public over https."""
    https = https_enabled(env)
    return {
        "SESSION_COOKIE_SECURE": https,
        "CSRF_COOKIE_SECURE": https,
        # Behind the TLS proxy every request reaches kabar as plain HTTP; the proxy's header is
        # the only way to know the reader's scheme. Without KABAR_HTTPS nobody sets it, so a
        # client could fake it: not trusted then.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if https else None,
        "SECURE_SSL_REDIRECT": https,
        # One year, the site's own host only: subdomains may belong to other services of the
        # operator, and preload lists are hard to leave; both are the operator's call.
        "SECURE_HSTS_SECONDS": env["KABAR_HSTS_SECONDS"] if https else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        # The admin login POST comes from the public origin, which the proxy may present to
        # kabar under another scheme or port.
        "CSRF_TRUSTED_ORIGINS": [site_origin(str(env["KABAR_SITE_URL"]))],
    }


def content_security_policy(image_sources: list[str]) -> dict[str, Any]:
    """django-csp's policy: same-origin script and style, no inline code, no framing.

    Images may come from elsewhere (``KABAR_CSP_IMG_SRC``) because an article image that
    could not be stored keeps its outlet URL; images cannot run code.
    """
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": [SELF, "data:", *image_sources],
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [NONE],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        }
    }


# Powerful browser features no kabar page uses; denied so an injected script or a
# framed third party cannot ask for them either. (FLoC's interest-cohort is gone from
# browsers; Chromium now logs it as an unknown feature. browsing-topics replaced it.)
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}


def client_ip(request: HttpRequest) -> str | None:
    """The address a login attempt counts against (django-axes' ``AXES_CLIENT_IP_CALLABLE``).

    With ``KABAR_PROXY_COUNT`` = n > 0 the n-th address from the right of X-Forwarded-For is
    the one the outermost trusted proxy saw; anything left of it was written by the client
    and is ignored. Too few entries (a request that bypassed a proxy) fall back to the
    connection's address.
    """
    remote: str | None = request.META.get("REMOTE_ADDR")
    proxies: int = settings.KABAR_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < proxies:
        return remote
    return str(forwarded[-proxies])


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """An admin-styled page (429) instead of axes' bare text, saying what to do next."""
    from django.contrib import admin
    from django.utils.translation import gettext

    cooloff: dt.timedelta | None = settings.AXES_COOLOFF_TIME
    context = {
        **admin.site.each_context(request),
        "title": gettext("Login locked"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cooloff.total_seconds() // 60) if cooloff else 0,
    }
    response = TemplateResponse(request, "kabar/lockout.html", context, status=429)
    response.render()
    return response
