"""The icons in a real browser: a page loads with no console error and no failed request.

Before the icons existed, every page logged a 404 for /favicon.ico. Needs Debian's chromium at
/usr/bin/chromium (see tests/site/test_browser.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_article, make_media, make_outlet, make_section, make_text
from test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium"),
]

# Each icon link decoded by the browser itself: an <img> of it must load with the size it claims.
DECODE_ICONS = """async () => {
  const links = [...document.querySelectorAll('link[rel~="icon"], link[rel="apple-touch-icon"]')];
  return Promise.all(links.map(link => new Promise(resolve => {
    const picture = new Image();
    picture.onload = () => resolve([link.getAttribute('href'), picture.naturalWidth, picture.naturalHeight]);
    picture.onerror = () => resolve([link.getAttribute('href'), 0, 0]);
    picture.src = link.href;
  })));
}"""
READ_MANIFEST = """async () => {
  const response = await fetch(document.querySelector('link[rel="manifest"]').href);
  return [response.status, response.headers.get('content-type'), await response.json()];
}"""


@pytest.fixture
def article_page(transactional_db) -> str:
    section = make_section("do-thi", {"vi": "Đô thị", "en": "City", "id": "Kota"})
    article = make_article(
        outlet=make_outlet(name="Tuổi Trẻ", language="vi"),
        section=section,
        published_at=dt.datetime(2025, 10, 12, 3, 30, tzinfo=dt.UTC),
    )
    make_media(article, url="data:image/gif;base64,R0lGODlhAQABAAAAACw=")
    make_text(article, "vi", title="Metro Hà Nội chạy thử", slug="metro-ha-noi")
    make_text(article, "en", title="Hanoi metro test run", slug="hanoi-metro")
    return "/vi/2025/10/metro-ha-noi/"


def test_pages_load_their_icons_without_an_error(live_server, article_page: str):
    from playwright.sync_api import Request, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="vi-VN").new_page()
            errors: list[str] = []
            failed: list[str] = []
            requested: list[str] = []
            page.on(
                "console",
                lambda m: errors.append(f"{page.url}: {m.text}") if m.type in {"error", "warning"} else None,
            )
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
            page.on("request", lambda r: requested.append(r.url))
            page.on("response", lambda r: failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)

            # The browser asks for the favicon by itself (Chromium prefers the SVG one).
            def asks_for_an_icon(request: Request) -> bool:
                return "/static/syndication/" in request.url or request.url.endswith("/favicon.ico")

            with page.expect_request(asks_for_an_icon, timeout=15_000) as icon:
                page.goto(f"{live_server.url}/vi/", wait_until="networkidle")
            answer = icon.value.response()
            assert answer is not None and answer.status == 200, icon.value.url

            for path in ["/vi/", article_page, "/en/do-thi/"]:
                page.goto(f"{live_server.url}{path}", wait_until="networkidle")
                decoded = page.evaluate(DECODE_ICONS)
                assert {href for href, _w, _h in decoded} == {
                    "/static/syndication/favicon.ico",
                    "/static/syndication/favicon.svg",
                    "/static/syndication/apple-touch-icon.png",
                }
                assert all(width > 0 and height > 0 for _href, width, height in decoded), decoded
                assert ["/static/syndication/apple-touch-icon.png", 180, 180] in decoded
                status, content_type, manifest = page.evaluate(READ_MANIFEST)
                assert status == 200 and content_type.startswith("application/manifest+json")
                assert manifest["name"] == "kabar"

            assert errors == []
            assert failed == []
            assert [url for url in requested if "favicon" in url]

            # Browsers and bots that ask the root for a favicon get one too. (Fetched, not opened in
            # a tab: Chromium's own image viewer page would trip the site's CSP with its inline style.)
            response = page.request.get(f"{live_server.url}/favicon.ico")
            assert response.status == 200
            assert response.headers["content-type"] == "image/x-icon"
        finally:
            browser.close()
