"""Searching from the header box in a real browser, without JavaScript of ours: type, submit, open a result.

Needs Debian's chromium at /usr/bin/chromium (see test_browser.py). The texts are indexed by the
search app's after-commit receivers, as in production (transactional_db commits every save).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.cache import cache
from factories import make_article, make_outlet, make_section, make_text
from test_browser import CHROMIUM, CHROMIUM_ARGS, screenshot_dir  # noqa: F401 - fixture

from kabar.site import search_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium"),
]

RAILWAY_VI = "Đường sắt tốc độ cao Bắc - Nam được Quốc hội thông qua"
RAILWAY_ID = "Kereta cepat Utara-Selatan Vietnam disetujui parlemen"
HARBOUR_VI = "Cảng biển Quy Nhơn đón tàu container lớn nhất từ trước đến nay"


@pytest.fixture
def newsroom(transactional_db) -> None:
    cache.delete(search_page.ORIGINAL_LANGUAGES_CACHE_KEY)  # cached for minutes; these are new articles
    when = dt.datetime(2025, 10, 12, 3, 30, tzinfo=dt.UTC)
    outlet = make_outlet(name="Tuổi Trẻ", language="vi", slug="tuoi-tre")
    transport = make_section("giao-thong", {"vi": "Giao thông", "en": "Transport", "id": "Transportasi"}, 1)
    business = make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"}, 2)
    railway = make_article(outlet=outlet, section=transport, published_at=when)
    make_text(
        railway,
        "vi",
        title=RAILWAY_VI,
        lead="Tuyến đường sắt dài 1.541 km nối Hà Nội với Thành phố Hồ Chí Minh.",
        slug="duong-sat-toc-do-cao",
    )
    make_text(
        railway,
        "id",
        title=RAILWAY_ID,
        lead="Jalur kereta sepanjang 1.541 km menghubungkan Hanoi dan Kota Ho Chi Minh.",
        slug="kereta-cepat-vietnam",
    )
    harbour = make_article(outlet=outlet, section=business, published_at=when - dt.timedelta(days=1))
    make_text(harbour, "vi", title=HARBOUR_VI, lead="Cảng mở tuyến đường biển mới đi Singapore.")


def test_search_from_the_header_box_and_open_a_result(live_server, newsroom, screenshot_dir: Path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # JavaScript off: every step is a plain form or link.
            context = browser.new_context(
                locale="vi-VN", viewport={"width": 1280, "height": 900}, java_script_enabled=False
            )
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))

            page.goto(f"{live_server.url}/vi/")
            box = page.get_by_role("search").get_by_role("searchbox", name="Tìm bài viết")
            box.fill("duong")  # no accents, no đ: still finds "Đường"
            page.get_by_role("search").get_by_role("button", name="Tìm").click()
            assert page.url == f"{live_server.url}/vi/search/?q=duong"
            expect(page.locator("h1")).to_have_text("Tìm kiếm")
            results = page.locator(".search-result .teaser-title a")
            expect(results).to_have_count(2)  # the railway ("Đường") and the harbour ("đường biển")
            expect(results.first).to_have_text(RAILWAY_VI)
            expect(results.first.locator("mark")).to_have_text("Đường")
            expect(page.locator(".result-count")).to_have_text("Tìm thấy 2 bài viết")
            page.screenshot(path=screenshot_dir / "search-vi.png", full_page=True)

            # A filter is a select and the form's own button.
            page.locator("main form").get_by_label("Chuyên mục").select_option("kinh-te")
            page.locator("main form").get_by_role("button", name="Tìm").click()
            expect(results).to_have_count(1)
            expect(results.first).to_have_text(HARBOUR_VI)

            page.go_back()
            results.first.click()
            assert page.url == f"{live_server.url}/vi/2025/10/duong-sat-toc-do-cao/"
            expect(page.locator("h1")).to_have_text(RAILWAY_VI)

            # The reader's language version is the one linked, from an Indonesian page.
            page.goto(f"{live_server.url}/id/")
            page.get_by_role("searchbox", name="Cari artikel").fill("kereta cepat")
            page.get_by_role("search").get_by_role("button", name="Cari").click()
            page.locator(".search-result .teaser-title a").first.click()
            assert page.url == f"{live_server.url}/id/2025/10/kereta-cepat-vietnam/"
            expect(page.locator("h1")).to_have_text(RAILWAY_ID)

            page.goto(f"{live_server.url}/vi/search/?q=xyzzyq")
            expect(page.locator(".no-results")).to_be_visible()
            assert not [text for text in console if "Content Security Policy" in text]

            phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
            mobile = phone.new_page()
            for path in ["/vi/", "/vi/search/?q=%C4%91%C6%B0%E1%BB%9Dng&section=giao-thong"]:
                mobile.goto(f"{live_server.url}{path}")
                expect(mobile.get_by_role("searchbox", name="Tìm bài viết")).to_be_visible()
                width = mobile.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path} is {width}px wide on a 390px screen"
            mobile.screenshot(path=screenshot_dir / "search-vi-mobile.png", full_page=True)
        finally:
            browser.close()
