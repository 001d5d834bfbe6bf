"""The article page: its anatomy, language versions, metadata and the defects it must never show."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.utils import translation
from factories import make_article, make_author, make_media, make_outlet, make_section, make_text

from kabar.core.blocks import strip_tags
from kabar.news.models import ArticleText

pytestmark = pytest.mark.django_db

PUBLISHED = dt.datetime(2025, 10, 12, 3, 30, tzinfo=dt.UTC)
CAPTION_VI = "Tổng Bí thư Tô Lâm tại lễ đón ở Bình Nhưỡng. (Ảnh: TTXVN)"
CAPTION_ID = "Sekretaris Jenderal To Lam pada upacara penyambutan di Pyongyang."
PARAGRAPHS_ID = [
    "Cuaca di Pyongyang beberapa hari terakhir hujan dan dingin.",
    "Korea Utara adalah salah satu negara pertama yang menjalin hubungan diplomatik dengan Vietnam.",
    "Kedua pihak telah menandatangani sejumlah perjanjian kerja sama bilateral.",
]
LEAD_ID = "Kunjungan kenegaraan ini menandai tonggak penting dalam kerja sama bilateral."


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def words(element) -> str:
    """Visible text with whitespace collapsed, as a reader sees it."""
    return " ".join(element.get_text().split())


def position(soup: BeautifulSoup, element) -> int:
    """Document order of ``element`` (its index among all elements)."""
    assert element is not None
    return next(i for i, el in enumerate(soup.find_all(True)) if el is element)


@pytest.fixture
def story():
    """A Vietnamese article with an Indonesian machine translation, an English human one, and neighbours."""
    outlet = make_outlet(name="Báo Nhân Dân", language="vi", home_url="https://nhandan.example/")
    people = make_section("nhan-vat", {"vi": "Nhân vật", "en": "People", "id": "Tokoh"}, position=1)
    make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"}, position=2)
    writer = make_author("Hạnh Nguyễn", outlet=outlet, slug="hanh-nguyen")
    article = make_article(
        outlet=outlet,
        section=people,
        authors=[writer],
        published_at=PUBLISHED,
        source_url="https://nhandan.example/quan-he-viet-nam-trieu-tien-post914702.html",
    )
    make_media(
        article,
        url="https://img.example/lead-photo.jpg",
        captions={"vi": CAPTION_VI, "id": CAPTION_ID},
        credit="VNA",
    )
    make_text(
        article, "vi", title="Quan hệ Việt Nam - Triều Tiên bước vào giai đoạn mới", slug="quan-he-viet-trieu"
    )
    blocks = [
        # What the seed captures show going wrong: the lead and a caption repeated as body text,
        # a paragraph printed twice and an image file name printed as text.
        {"type": "paragraph", "text": LEAD_ID},
        {"type": "paragraph", "text": CAPTION_ID},
        {"type": "paragraph", "text": PARAGRAPHS_ID[0]},
        {"type": "heading", "text": "Persahabatan tradisional", "level": 3},
        {"type": "paragraph", "text": PARAGRAPHS_ID[1]},
        {
            "type": "image",
            "src": "https://img.example/img-8949-8066.jpg",
            "alt": "img-8949-8066.jpg",
            "caption": "Kim Jong Un berpidato pada upacara peringatan.",
            "credit": "VNA",
        },
        {"type": "paragraph", "text": "img-8949-8066.jpg"},
        {"type": "paragraph", "text": PARAGRAPHS_ID[1]},
        {"type": "quote", "text": "Persahabatan ini akan terus berkembang.", "cite": "To Lam"},
        {"type": "list", "items": ["budaya", "<em>pendidikan</em>"]},
        {"type": "paragraph", "text": PARAGRAPHS_ID[2] + ' <a href="https://nhandan.example/x">tautan</a>'},
    ]
    indonesian = make_text(
        article,
        "id",
        status=ArticleText.Status.MACHINE,
        title="Kerja sama Vietnam-Korea Utara memasuki fase baru",
        lead=LEAD_ID,
        blocks=blocks,
        slug="kerja-sama-vietnam-korea-utara",
        engine="ctranslate2",
    )
    make_text(
        article,
        "en",
        status=ArticleText.Status.HUMAN,
        title="Vietnam-DPRK ties enter a new phase",
        slug="vietnam-dprk-ties",
    )
    # Neighbours: same section, same author, and an Indonesian text of each.
    for n in range(2):
        other = make_article(outlet=outlet, section=people, published_at=PUBLISHED - dt.timedelta(days=n + 1))
        make_text(other, "vi", slug=f"lang-gieng-{n}")
        make_text(other, "id", title=f"Artikel tetangga {n}", slug=f"artikel-tetangga-{n}")
    elsewhere = make_article(outlet=outlet, authors=[writer], published_at=PUBLISHED - dt.timedelta(days=5))
    make_text(elsewhere, "vi", slug="bai-khac")
    make_text(elsewhere, "id", title="Tulisan lain dari penulis yang sama", slug="tulisan-lain")
    return indonesian


def test_article_anatomy_is_in_reading_order(client, story):
    soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    main = soup.find("main")
    title = main.find("h1")
    assert title.get_text(strip=True) == story.title
    assert len(soup.find_all("h1")) == 1
    lead = main.find(class_="lead")
    outlet = main.find(class_="outlet")
    date = main.find(class_="article-meta").find("time")
    figure = main.find("figure")
    body = main.find(class_="article-body")
    byline = main.find(class_="byline")
    source = main.find(class_="source")
    same_section = main.find(id="related-section")
    same_author = main.find(id="related-author")
    section_nav = main.find(class_="section-nav")
    order = [title, lead, outlet, date, figure, body, byline, source, same_section, same_author, section_nav]
    positions = [position(soup, el) for el in order]
    assert positions == sorted(positions)

    assert lead.get_text(strip=True) == LEAD_ID
    assert outlet.get_text(strip=True) == "Báo Nhân Dân" and outlet["lang"] == "vi"
    assert date["datetime"].startswith("2025-10-12")
    assert "Okt" in date.get_text()  # Indonesian month abbreviation from Django's date formats
    assert figure.find("img")["src"] == "https://img.example/lead-photo.jpg"
    assert figure.find("img")["alt"] == CAPTION_ID
    assert CAPTION_ID in figure.find("figcaption").get_text()
    assert "Foto: VNA" in figure.find("figcaption").get_text()
    assert [a.get_text() for a in byline.find_all("a")] == ["Hạnh Nguyễn"]
    assert byline.find("a")["href"] == "/id/author/hanh-nguyen/"
    assert source.get_text(" ", strip=True).startswith("Sumber:")
    assert source.find("a")["href"] == story.article.source_url
    assert same_section.get_text(strip=True) == "Di rubrik yang sama"
    assert same_author.get_text(strip=True) == "Dari penulis yang sama"
    assert [a.get_text() for a in same_section.find_parent("section").find_all("a")] == [
        "Artikel tetangga 0",
        "Artikel tetangga 1",
    ]
    assert [a.get_text() for a in same_author.find_parent("section").find_all("a")] == [
        "Tulisan lain dari penulis yang sama"
    ]
    # "Ekonomi" has no Indonesian article: the menu leaves it out (issue 11, reader navigation).
    assert {a.get_text() for a in section_nav.find_all("a")} == {"Tokoh"}


def test_body_blocks_render_as_html_elements(client, story):
    soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    body = soup.find(class_="article-body")
    # The level-3 heading directly under the title becomes an h2: no skipped heading levels.
    assert body.find("h2").get_text() == "Persahabatan tradisional"
    assert body.find("blockquote").get_text(strip=True) == "Persahabatan ini akan terus berkembang."
    assert body.find("figure", class_="quote").find("figcaption").get_text() == "To Lam"
    assert [li.decode_contents() for li in body.find("ul").find_all("li")] == [
        "budaya",
        "<em>pendidikan</em>",
    ]
    assert body.find("a", href="https://nhandan.example/x").get_text() == "tautan"
    inline_figure = body.find("figure", class_="figure")
    assert inline_figure.find("img")["alt"] == "Kim Jong Un berpidato pada upacara peringatan."


def test_no_paragraph_is_printed_twice(client, story):
    soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    texts = [p.get_text(" ", strip=True) for p in soup.find("main").find_all(["p", "figcaption", "li", "h2"])]
    texts = [t for t in texts if len(t) > 30]
    assert len(texts) == len(set(texts)), [t for t in texts if texts.count(t) > 1]
    page = soup.get_text(" ")
    for sentence in [LEAD_ID, CAPTION_ID, *PARAGRAPHS_ID]:
        assert page.count(sentence) == 1, sentence


def test_image_file_names_never_appear_as_text(client, story):
    soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    assert not re.search(r"\S+\.(jpe?g|png|gif|webp)\b", soup.find("body").get_text(" "), re.IGNORECASE)
    for img in soup.find_all("img"):
        assert not re.search(r"\.(jpe?g|png|gif|webp)$", img["alt"], re.IGNORECASE)


def test_inline_html_is_sanitised_on_output(client):
    article = make_article(published_at=PUBLISHED)
    # Written with .update() to bypass model validation, as a row from an older pipeline might be.
    text = make_text(article, "vi", slug="an-toan", lead='Mở đầu <img src=x onerror="alert(1)"><em>nhấn</em>')
    ArticleText.objects.filter(pk=text.pk).update(
        blocks=[{"type": "paragraph", "text": 'Chữ <script>alert(1)</script><b onclick="x()">đậm</b>'}]
    )
    soup = soup_of(client.get("/vi/2025/10/an-toan/"))
    body = soup.find(class_="article-body")
    assert body.find("script") is None
    assert body.find("b").attrs == {}
    lead = soup.find(class_="lead")
    assert lead.find("img") is None
    assert lead.find("em").get_text() == "nhấn"


def test_hreflang_alternates_canonical_and_open_graph(client, story):
    soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    site = settings.SITE_URL
    alternates = {
        link["hreflang"]: link["href"] for link in soup.find_all("link", rel="alternate", hreflang=True)
    }
    assert alternates == {
        "vi": f"{site}/vi/2025/10/quan-he-viet-trieu/",
        "en": f"{site}/en/2025/10/vietnam-dprk-ties/",
        "id": f"{site}/id/2025/10/kerja-sama-vietnam-korea-utara/",
        "x-default": f"{site}/vi/2025/10/quan-he-viet-trieu/",
    }
    assert len(soup.find_all("link", rel="alternate", hreflang=True)) == 4
    assert soup.find("link", rel="canonical")["href"] == f"{site}/id/2025/10/kerja-sama-vietnam-korea-utara/"
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
    assert og["og:title"] == story.title
    assert og["og:description"] == LEAD_ID
    assert og["og:type"] == "article"
    assert og["og:url"] == f"{site}/id/2025/10/kerja-sama-vietnam-korea-utara/"
    assert og["og:image"] == "https://img.example/lead-photo.jpg"
    assert og["og:locale"] == "id_ID"
    assert og["article:published_time"] == PUBLISHED.isoformat()
    assert og["article:section"] == "Tokoh"


def test_relative_image_becomes_absolute_in_open_graph(client):
    article = make_article(published_at=PUBLISHED)
    make_text(
        article,
        "vi",
        slug="anh-tuong-doi",
        blocks=[
            {"type": "paragraph", "text": "Đoạn mở đầu."},
            {"type": "image", "src": "/media/2025/10/anh.jpg", "caption": "Một bức ảnh"},
        ],
    )
    soup = soup_of(client.get("/vi/2025/10/anh-tuong-doi/"))
    assert soup.find("meta", property="og:image")["content"] == f"{settings.SITE_URL}/media/2025/10/anh.jpg"
    assert soup.find("meta", property="og:description")["content"] == "Đoạn mở đầu."


def test_language_switcher_lists_only_published_versions(client, story):
    ArticleText.objects.filter(article=story.article, language="en").update(is_published=False)
    soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    switcher = soup.find("nav", class_="languages")
    links = {a["hreflang"]: a["href"] for a in switcher.find_all("a", hreflang=True)}
    assert links == {
        "vi": "/vi/2025/10/quan-he-viet-trieu/",
        "id": "/id/2025/10/kerja-sama-vietnam-korea-utara/",
    }
    # The unpublished language is still offered, as the original with a note (not as a version).
    missing = switcher.find("a", class_="language-missing")
    assert missing["lang"] == "en" and missing["href"] == "/vi/2025/10/quan-he-viet-trieu/#not-translated-en"
    assert switcher.find("a", attrs={"aria-current": "true"})["hreflang"] == "id"
    assert {link["hreflang"] for link in soup.find_all("link", rel="alternate", hreflang=True)} == {
        "vi",
        "id",
        "x-default",
    }


def test_machine_translation_notice_names_and_links_the_original(client, story):
    soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    notice = soup.find(class_="notice-mt")
    assert words(notice) == "Diterjemahkan dengan mesin dari bahasa Vietnam."
    assert notice.find("a")["href"] == "/vi/2025/10/quan-he-viet-trieu/"


def test_machine_translation_notice_in_english_and_for_post_edited_text(client):
    article = make_article(published_at=PUBLISHED, source_language="id")
    make_text(article, "id", slug="asli")
    make_text(article, "en", status=ArticleText.Status.POST_EDITED, slug="reviewed")
    make_text(article, "vi", status=ArticleText.Status.MACHINE, slug="ban-dich-may")
    en = soup_of(client.get("/en/2025/10/reviewed/")).find(class_="notice-mt")
    assert words(en) == "Machine-translated from Indonesian and reviewed by an editor."
    vi = soup_of(client.get("/vi/2025/10/ban-dich-may/")).find(class_="notice-mt")
    assert words(vi) == "Bài viết được dịch máy từ tiếng Indonesia."


def test_no_machine_notice_on_original_or_human_translation(client, story):
    for url in ["/vi/2025/10/quan-he-viet-trieu/", "/en/2025/10/vietnam-dprk-ties/"]:
        soup = soup_of(client.get(url))
        assert soup.find(class_="notice-mt") is None
        assert "machine" not in soup.find("main").get_text().lower()
        assert "dịch máy" not in soup.find("main").get_text()
    human = soup_of(client.get("/en/2025/10/vietnam-dprk-ties/")).find(class_="notice-translation")
    assert words(human) == "Translated from Vietnamese."


def test_stale_translation_says_the_original_changed(client, story):
    assert (
        soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/")).find(class_="notice-stale") is None
    )
    ArticleText.objects.filter(pk=story.pk).update(stale=True)
    notice = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/")).find(class_="notice-stale")
    assert notice.get_text(strip=True) == "Artikel aslinya telah diperbarui setelah terjemahan ini dibuat."


def test_empty_related_lists_leave_no_trace(client):
    lonely = make_article(published_at=PUBLISHED)  # no section, no authors, no neighbours
    make_text(lonely, "vi", slug="mot-minh")
    soup = soup_of(client.get("/vi/2025/10/mot-minh/"))
    assert soup.find(id="related-section") is None
    assert soup.find(id="related-author") is None
    assert soup.find(class_="byline") is None
    text = soup.get_text(" ")
    for phrase in ["Cùng chuyên mục", "Cùng tác giả", "No data", "Tác giả"]:
        assert phrase not in text
    assert not [h for h in soup.find_all(["h2", "h3"]) if not h.get_text(strip=True)]


def test_ui_strings_follow_the_page_language(client, story):
    labels = {
        "/vi/2025/10/quan-he-viet-trieu/": ("Nguồn:", "Các chuyên mục", "Chuyển đến nội dung chính"),
        "/id/2025/10/kerja-sama-vietnam-korea-utara/": (
            "Sumber:",
            "Jelajahi rubrik",
            "Langsung ke konten utama",
        ),
        "/en/2025/10/vietnam-dprk-ties/": ("Source:", "Browse sections", "Skip to content"),
    }
    for url, (source, sections, skip) in labels.items():
        soup = soup_of(client.get(url))
        assert soup.find(class_="source").find(class_="label").get_text(strip=True) == source
        assert soup.find(id="section-nav-title").get_text(strip=True) == sections
        assert soup.find(class_="skip-link").get_text(strip=True) == skip


def test_section_names_come_from_the_people_kept_names(client, story):
    for language, expected in {"vi": "Nhân vật", "en": "People", "id": "Tokoh"}.items():
        with translation.override(language):
            url = ArticleText.objects.get(article=story.article, language=language).get_absolute_url()
        soup = soup_of(client.get(url))
        assert soup.find(class_="kicker").get_text(strip=True) == expected
        assert soup.find("meta", property="article:section")["content"] == expected


def test_wrong_language_unknown_slug_and_unpublished_text_are_404(client, story):
    assert client.get("/en/2025/10/kerja-sama-vietnam-korea-utara/").status_code == 404
    assert client.get("/id/2025/10/no-such-article/").status_code == 404
    ArticleText.objects.filter(pk=story.pk).update(is_published=False)
    response = client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/")
    assert response.status_code == 404
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.find("h1").get_text(strip=True) == "Halaman tidak ditemukan"
    assert page.find("link", rel="canonical") is None
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_wrong_year_or_month_redirects_to_the_article(client, story):
    response = client.get("/id/2024/01/kerja-sama-vietnam-korea-utara/")
    assert response.status_code == 301
    assert response["Location"] == "/id/2025/10/kerja-sama-vietnam-korea-utara/"


def test_article_page_runs_a_bounded_number_of_queries(client, story, django_assert_max_num_queries):
    for n in range(6):  # more authors and neighbours must not mean more queries
        extra = make_author(f"Tác giả {n}")
        story.article.authors.add(extra)
    with django_assert_max_num_queries(7):
        soup = soup_of(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    assert len(soup.find(class_="byline").find_all("a")) == 7


def test_lead_images_keep_the_original_caption_language_when_untranslated(client):
    article = make_article(published_at=PUBLISHED)
    make_media(article, url="https://img.example/pho.jpg", captions={"vi": "Phố cổ Hà Nội"}, credit="")
    make_text(article, "vi", slug="pho-co")
    make_text(article, "en", slug="old-quarter", title="The Old Quarter")
    figure = soup_of(client.get("/en/2025/10/old-quarter/")).find("main").find("figure")
    caption = figure.find(class_="caption")
    assert caption.get_text() == "Phố cổ Hà Nội" and caption["lang"] == "vi"
    assert figure.find(class_="credit") is None
    assert strip_tags(figure.find("img")["alt"]) == "Phố cổ Hà Nội"


def test_a_photo_known_only_by_its_caption_shows_the_caption_and_no_broken_image(client):
    # Plain-text captures name photos only by caption (or by a bare file name).
    midnight = dt.datetime(2025, 10, 11, 17, 0, tzinfo=dt.UTC)  # 00:00 in Hanoi: a date-only source
    article = make_article(source_language="id", published_at=midnight, outlet=make_outlet(language="vi"))
    text = make_text(
        article,
        "id",
        blocks=[
            {"type": "image", "src": "capture:image-1", "caption": "Upacara penyambutan.", "credit": "VNA"},
            {"type": "paragraph", "text": PARAGRAPHS_ID[0]},
            {"type": "image", "src": "img-8931.jpg", "caption": "Kunjungan ke sekolah.", "credit": "VNA"},
        ],
    )
    with translation.override("id"):
        soup = soup_of(client.get(text.get_absolute_url()))
    figures = soup.select("main figure")
    assert [words(f.figcaption) for f in figures][:2] == [
        "Upacara penyambutan. Foto: VNA",
        "Kunjungan ke sekolah. Foto: VNA",
    ]
    assert not soup.select("main img"), "no <img> without a picture to show"
    assert "img-8931.jpg" not in soup.get_text()
    assert "00:00" not in words(soup.select_one("main time"))
