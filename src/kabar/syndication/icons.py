"""The site's icons at the addresses browsers and devices ask for without reading the page.

Browsers fetch ``/favicon.ico`` on their own, iOS fetches ``/apple-touch-icon.png`` (and the
``-precomposed`` variant), and installers read ``/site.webmanifest``: each answers here, so no
visit ends in a 404 in the console or the log. Pages link the same files under /static/
(``syndication/_icons.html``). The files are made by ``kabar.syndication.make_icons``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from kabar.syndication.sitemaps import site_name

STATIC = Path(__file__).resolve().parent / "static" / "syndication"
# The addresses are not versioned (a new icon keeps its URL), so a week, not a year; the ETag
# lets a browser check cheaply after that.
ICON_MAX_AGE = 7 * 86400
MANIFEST_MAX_AGE = 86400
# The masthead's paper colour (--paper in site/site.css): a window in that colour looks like the site.
THEME_COLOR = BACKGROUND_COLOR = "#fdfcfa"


@cache
def _file(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _icon_view(name: str, content_type: str) -> Callable[[HttpRequest], HttpResponse]:
    @require_safe
    @cache_control(public=True, max_age=ICON_MAX_AGE)
    @condition(etag_func=lambda request: _etag(_file(name)))
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(_file(name), content_type=content_type)

    return view


favicon_ico = _icon_view("favicon.ico", "image/x-icon")
apple_touch_icon = _icon_view("apple-touch-icon.png", "image/png")


def manifest() -> dict[str, object]:
    name = site_name()
    return {
        "name": name,
        "short_name": name,
        "start_url": "/",  # the root sends each reader to their language
        "scope": "/",
        "display": "minimal-ui",  # a reading site: keep back and reload at hand
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {
                "src": static("syndication/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("syndication/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("syndication/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": static("syndication/favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            },
        ],
    }


@require_safe
@cache_control(public=True, max_age=MANIFEST_MAX_AGE)
def webmanifest(request: HttpRequest) -> HttpResponse:
    body = json.dumps(manifest(), ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type="application/manifest+json; charset=utf-8")
