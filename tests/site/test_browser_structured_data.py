"""JSON-LD under the site's strict Content-Security-Policy, in a real browser.

``script-src 'self'`` forbids inline scripts, and a test client cannot tell whether Chromium
treats ``<script type="application/ld+json">`` as one. Here Chromium loads the pages, reports
every console message and ``securitypolicyviolation`` event, and parses the JSON-LD from the
DOM, as a crawler that renders pages would. Needs Debian's chromium (see test_browser.py).
"""

from __future__ import annotations

import pytest
from factories import make_article, make_text
from test_browser import CHROMIUM, CHROMIUM_ARGS, articles, image_server  # noqa: F401 - fixtures
from test_browser_csp import RECORD_VIOLATIONS

from kabar.news.models import ArticleText

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium"),
]

HOSTILE_TITLE = "Tin nóng </script><script>window.__escaped = true</script><!-- & </SCRIPT >"
READ_JSON_LD = """() => Array.from(document.querySelectorAll('script[type="application/ld+json"]'))
  .map((s) => JSON.parse(s.textContent))"""


def test_json_ld_is_neither_blocked_nor_reported_and_parses_in_the_page(
    live_server,
    articles: ArticleText,  # noqa: F811
):
    from playwright.sync_api import sync_playwright

    hostile = make_article(published_at=articles.article.published_at)
    make_text(hostile, "vi", title=HOSTILE_TITLE, slug="tin-nong", lead="Mở & đầu <b>đậm</b>")
    pages = {
        "/vi/": ["WebSite"],
        "/vi/2025/10/quan-he-hop-tac-viet-nam-trieu-tien/": ["NewsArticle", "BreadcrumbList"],
        "/id/2025/10/kerja-sama-vietnam-korea-utara/": ["NewsArticle", "BreadcrumbList"],
        "/vi/2025/10/tin-nong/": ["NewsArticle", "BreadcrumbList"],
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="vi-VN")
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            said: list[str] = []
            # Errors and warnings both count: Chromium reports a CSP refusal as an error, and
            # report-only or unknown-directive complaints as warnings.
            page.on(
                "console",
                lambda m: said.append(f"{m.type}: {m.text}") if m.type in {"error", "warning"} else None,
            )
            page.on("pageerror", lambda error: said.append(f"page error: {error}"))
            page.on(
                "response", lambda r: said.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
            )

            for path, types in pages.items():
                said.clear()
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None and response.status == 200, path
                policy = response.headers["content-security-policy"]
                assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
                page.wait_for_load_state("networkidle")
                assert said == [], path
                assert page.evaluate("window.__violations") == [], path
                blocks = page.evaluate(READ_JSON_LD)
                assert [b["@type"] for b in blocks] == types, path

            # The hostile title stayed inside its JSON string: no script of its own, nothing ran.
            blocks = page.evaluate(READ_JSON_LD)
            assert blocks[0]["headline"] == HOSTILE_TITLE
            assert page.evaluate("window.__escaped === undefined")
            assert page.locator("script").count() == 2
        finally:
            browser.close()
