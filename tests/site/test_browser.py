"""The reader site in a real browser: language redirect, switcher, article page, screenshots.

Needs Debian's chromium at /usr/bin/chromium (Playwright drives it; its own browser
downloads are never used). Screenshots go to $KABAR_SCREENSHOT_DIR, else to tmp_path.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import make_article, make_author, make_media, make_outlet, make_section, make_text
from PIL import Image, ImageDraw

from kabar.news.models import ArticleText

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CAPTION_VI = "Lễ đón chính thức tại quảng trường Kim Nhật Thành, Bình Nhưỡng."
CAPTION_ID = "Upacara penyambutan resmi di Lapangan Kim Il Sung, Pyongyang."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server with one photograph-like JPEG, standing in for an outlet's image host."""
    picture = Image.new("RGB", (1200, 675))
    draw = ImageDraw.Draw(picture)
    for y in range(675):  # a sky-to-ground gradient, so screenshots show a real image box
        draw.line([(0, y), (1200, y)], fill=(60 + y // 6, 110 + y // 8, 160 - y // 10))
    draw.rectangle([(0, 520), (1200, 675)], fill=(70, 90, 60))
    picture.save(tmp_path / "welcome.jpg", quality=85)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("KABAR_SCREENSHOT_DIR") or tmp_path / "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def articles(transactional_db, image_server: str) -> ArticleText:
    outlet = make_outlet(name="Báo Nhân Dân", language="vi", home_url="https://nhandan.example/")
    politics = make_section("chinh-tri", {"vi": "Chính trị", "en": "Politics", "id": "Politik"}, position=1)
    people = make_section("nhan-vat", {"vi": "Nhân vật", "en": "People", "id": "Tokoh"}, position=2)
    business = make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"}, position=3)
    writer = make_author("Hạnh Nguyễn", outlet=outlet, slug="hanh-nguyen")
    now = dt.datetime(2025, 10, 12, 3, 30, tzinfo=dt.UTC)
    article = make_article(
        outlet=outlet,
        section=politics,
        authors=[writer],
        published_at=now,
        source_url="https://nhandan.example/quan-he-hop-tac-viet-nam-trieu-tien-post914702.html",
    )
    make_media(
        article,
        url=f"{image_server}/welcome.jpg",
        captions={"vi": CAPTION_VI, "id": CAPTION_ID},
        credit="TTXVN",
    )
    make_text(
        article,
        "vi",
        title="Quan hệ hợp tác Việt Nam - Triều Tiên bước vào giai đoạn mới, thiết thực, hiệu quả hơn",
        lead="Chuyến thăm cấp Nhà nước đánh dấu dấu mốc quan trọng trong quan hệ hợp tác song phương.",
        slug="quan-he-hop-tac-viet-nam-trieu-tien",
        blocks=[
            {"type": "paragraph", "text": "Thời tiết tại Bình Nhưỡng mấy ngày qua mưa và lạnh."},
            {"type": "heading", "text": "Tình hữu nghị truyền thống", "level": 2},
            {
                "type": "paragraph",
                "text": "Triều Tiên là một trong những nước đầu tiên thiết lập quan hệ ngoại giao với Việt Nam.",
            },
            {
                "type": "quote",
                "text": "Tình hữu nghị sẽ tiếp tục được vun đắp.",
                "cite": "Tổng Bí thư Tô Lâm",
            },
        ],
    )
    indonesian = make_text(
        article,
        "id",
        status=ArticleText.Status.MACHINE,
        title="Kerja sama Vietnam-Korea Utara memasuki fase baru yang lebih praktis dan efektif",
        lead="Kunjungan kenegaraan ini menandai tonggak penting dalam kerja sama bilateral kedua negara.",
        slug="kerja-sama-vietnam-korea-utara",
        blocks=[
            {"type": "paragraph", "text": "Cuaca di Pyongyang beberapa hari terakhir hujan dan dingin."},
            {"type": "heading", "text": "Persahabatan tradisional", "level": 2},
            {
                "type": "paragraph",
                "text": "Korea Utara adalah salah satu negara pertama yang menjalin hubungan diplomatik dengan Vietnam.",
            },
        ],
    )
    for n, (section, title_vi, title_id) in enumerate(
        [
            (
                people,
                "Nghệ sĩ trẻ mang âm nhạc dân tộc ra thế giới",
                "Seniman muda membawa musik tradisional ke dunia",
            ),
            (politics, "Quốc hội khai mạc kỳ họp thứ mười", "DPR Vietnam membuka sidang kesepuluh"),
            (people, "Người giữ nghề làm cốm làng Vòng", "Penjaga tradisi kue beras muda desa Vong"),
            (
                business,
                "Xuất khẩu nông sản tăng mạnh trong quý ba",
                "Ekspor hasil pertanian naik tajam pada kuartal ketiga",
            ),
            (
                politics,
                "Hà Nội đón đoàn đại biểu cấp cao Lào",
                "Hanoi menyambut delegasi tingkat tinggi Laos",
            ),
            (business, "Giá cà phê lập đỉnh mới", "Harga kopi mencapai rekor baru"),
            (
                people,
                "Cô giáo vùng cao và những lớp học trên mây",
                "Guru di dataran tinggi dan kelas di atas awan",
            ),
            (business, "Cảng biển miền Trung mở tuyến mới", "Pelabuhan di Vietnam Tengah membuka rute baru"),
            (
                politics,
                "Thủ tướng tiếp doanh nghiệp Indonesia",
                "Perdana Menteri menerima pengusaha Indonesia",
            ),
            (people, "Vận động viên khiếm thị chinh phục marathon", "Atlet tunanetra menaklukkan maraton"),
        ]
    ):
        other = make_article(
            outlet=outlet, section=section, authors=[writer], published_at=now - dt.timedelta(hours=n + 2)
        )
        make_text(other, "vi", title=title_vi, slug=f"bai-{n}", lead="Một đoạn dẫn ngắn cho bài viết.")
        make_text(
            other,
            "id",
            title=title_id,
            slug=f"artikel-{n}",
            lead="Paragraf pembuka singkat untuk artikel ini.",
        )
    return indonesian


def test_reader_journey_in_chromium(live_server, articles, screenshot_dir: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
            page = context.new_page()

            page.goto(f"{live_server.url}/")
            assert page.url == f"{live_server.url}/id/"
            expect(page.locator("h1")).to_have_text("Berita terbaru")
            page.screenshot(path=screenshot_dir / "home-id.png", full_page=True)

            page.locator("nav.languages").get_by_role("link", name="Tiếng Việt").click()
            assert page.url == f"{live_server.url}/vi/"
            expect(page.locator("html")).to_have_attribute("lang", "vi")

            page.get_by_role("link", name="Quan hệ hợp tác Việt Nam - Triều Tiên").first.click()
            expect(page.locator("h1")).to_have_text(
                "Quan hệ hợp tác Việt Nam - Triều Tiên bước vào giai đoạn mới, thiết thực, hiệu quả hơn"
            )
            expect(page.locator("main figure figcaption").first).to_contain_text(CAPTION_VI)
            source = page.locator(".source a")
            expect(source).to_be_visible()
            expect(source).to_have_text(
                "https://nhandan.example/quan-he-hop-tac-viet-nam-trieu-tien-post914702.html"
            )
            expect(page.locator(".source")).to_contain_text("Nguồn:")
            assert page.locator("main img").first.evaluate("img => img.naturalWidth") == 1200
            expect(page.locator(".notice-mt")).to_have_count(0)
            page.screenshot(path=screenshot_dir / "article-vi.png", full_page=True)

            # The switcher offers every site language; English, which this article lacks, leads
            # to the original at a note that only then shows (CSS :target, no script).
            switcher = page.locator("nav.languages a")
            expect(switcher).to_have_count(3)
            expect(page.locator("#not-translated-en")).to_be_hidden()
            page.locator("nav.languages").get_by_role("link", name="English").click()
            expect(page).to_have_url(re.compile(r"/vi/.*#not-translated-en$"))
            expect(page.locator("#not-translated-en")).to_be_visible()
            expect(page.locator("#not-translated-en")).to_have_text(
                "This article is not yet translated into English."
            )
            page.locator("nav.languages").get_by_role("link", name="Bahasa Indonesia").click()
            expect(page.locator("h1")).to_have_text(articles.title)
            expect(page.locator(".notice-mt")).to_be_visible()
            expect(page.locator(".notice-mt")).to_contain_text(
                "Diterjemahkan dengan mesin dari bahasa Vietnam"
            )
            expect(page.locator("main figure figcaption").first).to_contain_text(CAPTION_ID)
            expect(page.locator(".source")).to_contain_text("Sumber:")
            page.screenshot(path=screenshot_dir / "article-id.png", full_page=True)

            phone = browser.new_context(
                locale="vi-VN", viewport={"width": 390, "height": 844}, device_scale_factor=2
            )
            mobile = phone.new_page()
            mobile.goto(f"{live_server.url}/vi/2025/10/quan-he-hop-tac-viet-nam-trieu-tien/")
            expect(mobile.locator("h1")).to_be_visible()
            width = mobile.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"page is {width}px wide on a 390px screen"
            mobile.screenshot(path=screenshot_dir / "article-vi-mobile.png", full_page=True)
            mobile.goto(f"{live_server.url}/vi/")
            mobile.screenshot(path=screenshot_dir / "home-vi-mobile.png", full_page=True)

            night = browser.new_context(
                locale="id-ID", color_scheme="dark", viewport={"width": 1280, "height": 900}
            )
            dark = night.new_page()
            dark.goto(f"{live_server.url}/id/2025/10/kerja-sama-vietnam-korea-utara/")
            expect(dark.locator(".notice-mt")).to_be_visible()
            dark.screenshot(path=screenshot_dir / "article-id-dark.png", full_page=True)
        finally:
            browser.close()
