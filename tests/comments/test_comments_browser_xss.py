"""Stored XSS: payloads in every comment field, sent through the real form, run nowhere they are shown.

Headless Chromium writes a comment whose name and text are attack payloads, confirms it from
the mail, then opens the article page (reader's language and the other one, where it sits
behind <details>), the translate and report pages and the moderation queue. No script may
run (a payload would set ``window.__xss`` or open a dialog) and the payload must read as text.
"""

from __future__ import annotations

import pytest
from comments_support import make_article, page_url
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
NAME = '<img src=x onerror="window.__xss=1">Lan'
BODY = (
    '<script>window.__xss=1</script> "><svg onload="window.__xss=1"> '
    'https://x.example/"onmouseover="window.__xss=1" javascript:window.__xss=1 '
    '<a href="javascript:window.__xss=1">click</a>'
)


def test_no_payload_runs_anywhere_a_comment_is_shown(live_server, comment_settings):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium not installed (make chromium)")
    from playwright.sync_api import sync_playwright

    comment_settings.COMMENTS = {
        **comment_settings.COMMENTS,
        "min_seconds": 0,
        "hold_new": 0,
        "trusted_after": 0,
    }
    comment_settings.SITE_URL = live_server.url
    article = make_article()
    admin = get_user_model().objects.create_superuser("chief", password="x")
    staff = Client()
    staff.force_login(admin)
    english, vietnamese = page_url(article, "en"), page_url(article, "vi")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{live_server.url}/en/comments/article/{article.pk}/new/")
            page.fill("#id_name", NAME)
            page.fill("#id_email", "lan@example.com")
            page.fill("#id_body", BODY)
            page.select_option("#id_language", "en")
            page.click("main button[type=submit]")
            assert "lan@example.com" in page.content()
            link = next(w for w in mail.outbox[-1].body.split() if "/comments/confirm/" in w)
            page.goto(link)
            page.click("main button[type=submit]")
            # (no database query here: Playwright's event loop makes this an async context)
            back = page.locator("a[href*='#comment-']").get_attribute("href") or ""
            comment_id = int(back.rsplit("-", 1)[1])

            def check(path: str, *, cookies: bool = False) -> None:
                if cookies:
                    context.add_cookies(
                        [
                            {
                                "name": settings.SESSION_COOKIE_NAME,
                                "value": staff.cookies[settings.SESSION_COOKIE_NAME].value,
                                "url": live_server.url,
                            }
                        ]
                    )
                response = page.goto(live_server.url + path)
                assert response is not None and response.status == 200, path
                page.locator("details").evaluate_all("(all) => all.forEach((d) => { d.open = true; })")
                page.mouse.move(10, 10)
                for link in page.locator("a[href^='https://x.example']").all():
                    link.hover()
                assert page.evaluate("window.__xss") is None, path
                assert (
                    page.locator("script:not([src])").count()
                    <= page.locator("script[type='application/ld+json']").count()
                ), path
                assert "window.__xss=1" in page.inner_text("body"), path  # shown as text
                assert not page.locator("a[href^='javascript']").count(), path

            check(english)
            check(vietnamese)  # behind "1 comment in other languages"
            check(f"/vi/comments/{comment_id}/translate/")
            check(f"/en/comments/{comment_id}/report/")
            check(f"/en/comments/article/{article.pk}/new/?reply={comment_id}")
            check("/admin/comments/comment/?queue=all", cookies=True)
            assert dialogs == []
        finally:
            browser.close()
    comment = article.comments.get()
    assert comment.status == "approved" and comment.name == NAME and comment.pk == comment_id
