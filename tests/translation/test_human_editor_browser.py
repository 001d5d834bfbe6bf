"""The translation editor in headless Chromium at 1280 px: source and translation side by side, nothing wider than the window.

Set ``KABAR_SCREENSHOTS=<dir>`` to keep the screenshots (the editor and the article page with its Media rows).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from PIL import Image

from kabar.news.models import Article, ArticleText, Media, Outlet

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium"),
]

LONG = (
    "Bão số 3 (Yagi) đổ bộ vào các tỉnh ven biển phía Bắc với sức gió mạnh nhất trong ba mươi năm qua. " * 4
)


WIDEST = """[...document.querySelectorAll('#content-main *')].filter((e) => e.getBoundingClientRect().right > 1280)
  .slice(-5).map((e) => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""


def picture() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (40, 90, 160)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def article() -> Article:
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://bao.example", language="vi"
    )
    article = Article.objects.create(
        outlet=outlet,
        source_url="https://bao.example/bao.html",
        source_language="vi",
        published_at=dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC),
    )
    src = picture()
    Media.objects.create(article=article, url=src, captions={"vi": "Mưa lớn ở Hà Nội"}, credit="Ảnh: TTXVN")
    ArticleText.objects.create(
        article=article,
        language="vi",
        title="Bão số 3 đổ bộ miền Bắc",
        slug="bao-so-3",
        lead="Bão mạnh nhất năm.",
        status="original",
        blocks=[
            {"type": "paragraph", "text": LONG},
            {"type": "image", "src": src, "caption": "Mưa lớn ở Hà Nội", "credit": "Ảnh: TTXVN"},
            {"type": "list", "items": ["Cây đổ", "Mất điện"]},
        ],
    )
    return article


def test_the_editor_is_side_by_side_and_fits_1280_px(live_server, article, tmp_path):
    from playwright.sync_api import sync_playwright

    user = User.objects.create_superuser("chief", password="unused")
    staff = Client()
    staff.force_login(user)
    session = staff.cookies[settings.SESSION_COOKIE_NAME].value
    shots = Path(os.environ.get("KABAR_SCREENSHOTS") or tmp_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            page.goto(f"{live_server.url}/admin/news/articletext/add/?article={article.pk}&language=en")

            overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            assert page.evaluate(overflow) <= 0
            source = page.locator("table.kabar-editor td.source").nth(2).bounding_box()
            target = page.locator("textarea[name=b0]").bounding_box()
            assert source and target and source["x"] + source["width"] <= target["x"] + 1  # beside, not below
            assert abs(source["y"] - target["y"]) < 40
            page.screenshot(path=str(shots / "human-editor-1280.png"), full_page=True)

            page.fill("input[name=title]", "Typhoon No. 3 hits the north")
            page.fill("textarea[name=lead]", "The strongest storm of the year.")
            page.fill(
                "textarea[name=b0]", "Typhoon Yagi made landfall with the strongest winds in thirty years."
            )
            page.fill("textarea[name=b1_caption]", "Heavy rain in Hanoi")
            page.fill("textarea[name=b2_0]", "Trees down")
            page.fill("textarea[name=b2_1]", "Power cuts")
            page.click("input[name=_save]")
            page.wait_for_load_state()
            saved_message = page.locator("ul.messagelist").inner_text()

            page.goto(f"{live_server.url}/admin/news/article/{article.pk}/change/")
            page.screenshot(path=str(shots / "article-page-1280.png"), full_page=True)
            wide = page.evaluate(WIDEST)
            assert page.evaluate(overflow) <= 0, wide  # the Media rows fit too
        finally:
            browser.close()
    assert "Saved" in saved_message
    text = article.texts.get(language="en")  # the ORM refuses to run inside Playwright's event loop
    assert text.blocks[1]["caption"] == "Heavy rain in Hanoi" and text.slug == "typhoon-no-3-hits-the-north"
