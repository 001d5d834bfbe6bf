"""The interactive API docs (/api/v1/docs) work in a real browser under the site's CSP.

Swagger UI comes from Django Ninja's own static files (no CDN); the page must load them, render
every operation from /api/v1/openapi.json and run "Try it out" with no policy violation.
"""

from __future__ import annotations

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium"),
]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile || e.documentURI}`);
});
"""


@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_and_tries_a_request_under_the_csp(live_server, newsroom):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"page error: {e}"))
            elsewhere: list[str] = []
            page.on(
                "request",
                lambda r: (
                    elsewhere.append(r.url) if not r.url.startswith((live_server.url, "data:")) else None
                ),
            )

            response = page.goto(f"{live_server.url}/api/v1/docs")
            assert response is not None and response.status == 200
            assert "script-src 'self'" in response.headers["content-security-policy"]
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("kabar API")
            operations = page.locator(".opblock-summary-path")
            expect(operations.filter(has_text="/api/v1/articles/{article_id}")).to_have_count(1)
            assert operations.count() >= 8

            # Try it out (on from the start): the list of articles, from the browser, answered by the API.
            block = page.locator("#operations-articles-kabar_api_endpoints_list_articles")
            block.locator(".opblock-summary").click()
            block.get_by_role("button", name="Execute").click()
            expect(block.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
                "200"
            )
            expect(block.locator(".live-responses-table .microlight").first).to_contain_text(
                "North-South high-speed railway approved"
            )

            violations = page.evaluate("window.__violations")
            assert violations == [], violations
            complaints = [
                c for c in console if "Content Security Policy" in c or c.startswith(("error", "page error"))
            ]
            assert complaints == [], complaints
            assert elsewhere == [], f"the docs page reached outside the site: {elsewhere}"
        finally:
            browser.close()
