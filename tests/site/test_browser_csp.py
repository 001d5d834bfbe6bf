"""Under the site's Content-Security-Policy, reader pages and the admin run without a violation.

A page that needed inline script or style would still render in the test client; only a
browser enforcing the policy shows what it blocks. Chromium reports each blocked load or
inline block as a console message and a ``securitypolicyviolation`` event; both are collected.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from test_browser import CHROMIUM, CHROMIUM_ARGS, articles, image_server  # noqa: F401 - fixtures

from kabar.news.models import ArticleText

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


def test_reader_and_admin_pages_log_no_policy_violation(live_server, articles: ArticleText):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    User.objects.create_superuser("chief", password="chief password")
    article_id = articles.article_id
    pages = {
        "home": "/vi/",
        "article": "/id/2025/10/kerja-sama-vietnam-korea-utara/",
        "admin index": reverse("admin:index"),
        "article change page": reverse("admin:news_article_change", args=[article_id]),
        "post-edit editor": reverse("admin:translation_postedit_change", args=[articles.pk]),
        "translation matrix": reverse("admin:translation_matrix_changelist"),
        "access attempts": reverse("admin:axes_accessattempt_changelist"),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="vi-VN")
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            page.on("pageerror", lambda error: console.append(f"page error: {error}"))

            def policy_complaints() -> list[str]:
                said = [
                    text
                    for text in console
                    if "Content Security Policy" in text
                    or "Permissions-Policy" in text
                    or "page error" in text
                ]
                return said + page.evaluate("window.__violations")

            page.goto(f"{live_server.url}{reverse('admin:login')}")
            page.fill("#id_username", "chief")
            page.fill("#id_password", "chief password")
            page.click("input[type=submit]")
            expect(page.locator("#user-tools")).to_contain_text("chief")
            assert policy_complaints() == [], "login page"

            for name, path in pages.items():
                console.clear()
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None and response.status == 200, name
                assert "script-src 'self'" in response.headers["content-security-policy"], name
                page.wait_for_load_state("networkidle")
                assert policy_complaints() == [], name

            # The admin's own scripts run: the change page's collapsible fieldsets and the
            # matrix's filters are styled by files, not blocked inline styles.
            page.goto(f"{live_server.url}{pages['translation matrix']}")
            assert page.locator(".kabar-filters").evaluate("e => getComputedStyle(e).display") == "flex"
            page.goto(f"{live_server.url}{pages['article']}")
            assert page.locator("main img").first.evaluate("img => img.naturalWidth") == 1200
            assert policy_complaints() == []
        finally:
            browser.close()
