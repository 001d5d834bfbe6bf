"""The bilingual compare view (``?compare=<lang>`` on an article page)."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from factories import make_article, make_media, make_outlet, make_text

from kabar.news.models import ArticleText
from kabar.site.body import prepare_blocks
from kabar.site.compare import by_index, same_structure

pytestmark = pytest.mark.django_db

PUBLISHED = dt.datetime(2025, 11, 3, 2, 0, tzinfo=dt.UTC)
TITLE_VI = "Hà Nội mở thêm tuyến buýt điện"
TITLE_EN = "Hanoi opens more electric bus routes"
LEAD_VI = "Ba tuyến buýt điện mới bắt đầu chạy từ sáng nay."
LEAD_EN = "Three new electric bus routes began running this morning."
BLOCKS_VI = [
    {"type": "paragraph", "text": "Các tuyến mới nối trung tâm với ba huyện ngoại thành."},
    {"type": "heading", "text": "Giá vé không đổi", "level": 2},
    {"type": "paragraph", "text": "Hành khách vẫn trả <strong>7.000 đồng</strong> mỗi lượt."},
    {"type": "image", "src": "https://img.example/bus.jpg", "caption": "Xe buýt điện tại bến Long Biên."},
    {"type": "list", "items": ["Tuyến E01", "Tuyến E02"]},
    {"type": "paragraph", "text": "Thành phố dự kiến mở thêm năm tuyến vào năm sau."},
]
BLOCKS_EN = [
    {"type": "paragraph", "text": "The new routes link the centre with three outlying districts."},
    {"type": "heading", "text": "Fares stay the same", "level": 2},
    {"type": "paragraph", "text": "Passengers still pay <strong>7,000 dong</strong> a ride."},
    {
        "type": "image",
        "src": "https://img.example/bus.jpg",
        "caption": "An electric bus at Long Bien station.",
    },
    {"type": "list", "items": ["Route E01", "Route E02"]},
    {"type": "paragraph", "text": "The city plans to open five more routes next year."},
]
# The Indonesian text was edited by hand into fewer, longer paragraphs: it cannot be paired.
BLOCKS_ID = [
    {"type": "paragraph", "text": "Rute baru menghubungkan pusat kota dengan tiga distrik pinggiran."},
    {"type": "paragraph", "text": "Tarif tetap 7.000 dong sekali jalan, dan lima rute lagi direncanakan."},
]
EN_URL = "/en/2025/11/hanoi-electric-buses/"
VI_URL = "/vi/2025/11/ha-noi-buyt-dien/"
ID_URL = "/id/2025/11/bus-listrik-hanoi/"


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def words(element) -> str:
    return " ".join(element.get_text(" ").split()) if element is not None else ""


def body_rows(soup: BeautifulSoup) -> list[list[tuple[str, str]]]:
    """Each row of the paired body as [(lang, visible text), …] per cell."""
    grid = soup.find("div", class_="compare article-body")
    assert grid is not None
    return [
        [(cell["lang"], words(cell)) for cell in row.find_all("div", class_="compare-cell", recursive=False)]
        for row in grid.find_all("div", class_="compare-row", recursive=False)
    ]


@pytest.fixture
def article():
    outlet = make_outlet(name="Báo Hà Nội Mới", language="vi")
    article = make_article(outlet=outlet, published_at=PUBLISHED)
    make_text(article, "vi", title=TITLE_VI, lead=LEAD_VI, blocks=BLOCKS_VI, slug="ha-noi-buyt-dien")
    make_text(
        article,
        "en",
        status=ArticleText.Status.MACHINE,
        title=TITLE_EN,
        lead=LEAD_EN,
        blocks=BLOCKS_EN,
        slug="hanoi-electric-buses",
    )
    make_text(
        article,
        "id",
        status=ArticleText.Status.HUMAN,
        title="Hanoi membuka rute bus listrik baru",
        blocks=BLOCKS_ID,
        slug="bus-listrik-hanoi",
    )
    return article


def test_blocks_are_paired_in_order_with_title_and_lead(client, article):
    soup = soup_of(client.get(EN_URL + "?compare=vi"))
    head = soup.find("div", class_="compare-head")
    assert words(head.find(class_="compare-label-shown")) == "English · machine translation"
    assert words(head.find(class_="compare-label-compared")) == "Tiếng Việt · original"
    title_row = head.find(class_="compare-title").find_parent(class_="compare-row")
    assert [words(c) for c in title_row.find_all(class_="compare-cell")] == [TITLE_EN, TITLE_VI]
    assert len(soup.find_all("h1")) == 1 and words(soup.find("h1")) == TITLE_EN
    lead_row = head.find(class_="compare-row-lead")
    assert [words(c) for c in lead_row.find_all(class_="compare-cell")] == [LEAD_EN, LEAD_VI]

    rows = body_rows(soup)
    assert [[text for _lang, text in row] for row in rows] == [
        [
            "The new routes link the centre with three outlying districts.",
            "Các tuyến mới nối trung tâm với ba huyện ngoại thành.",
        ],
        ["Fares stay the same", "Giá vé không đổi"],
        ["Passengers still pay 7,000 dong a ride.", "Hành khách vẫn trả 7.000 đồng mỗi lượt."],
        ["An electric bus at Long Bien station.", "Xe buýt điện tại bến Long Biên."],
        ["Route E01 Route E02", "Tuyến E01 Tuyến E02"],
        [
            "The city plans to open five more routes next year.",
            "Thành phố dự kiến mở thêm năm tuyến vào năm sau.",
        ],
    ]
    grid = soup.find("div", class_="compare article-body")
    # The picture is shown once, in the page's own column; the other column carries its caption.
    assert [img["src"] for img in grid.find_all("img")] == ["https://img.example/bus.jpg"]
    assert [h.get_text() for h in grid.find_all("h2")] == ["Fares stay the same", "Giá vé không đổi"]
    assert soup.find("div", class_="compare-unpaired") is None


def test_every_cell_carries_its_language(client, article):
    soup = soup_of(client.get(EN_URL + "?compare=vi"))
    assert soup.find("html")["lang"] == "en"
    cells = soup.find_all("div", class_="compare-cell")
    assert len(cells) == 2 * 8  # title, lead and six blocks
    for cell in cells:
        side = "compare-shown" if "compare-shown" in cell["class"] else "compare-compared"
        assert cell["lang"] == {"compare-shown": "en", "compare-compared": "vi"}[side]
    labels = soup.find(class_="compare-labels")
    assert [s["lang"] for s in labels.find_all("span", lang=True)] == ["en", "vi"]


def test_compare_page_is_noindex_with_canonical_to_the_article(client, article):
    soup = soup_of(client.get(EN_URL + "?compare=vi"))
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.find("link", rel="canonical")["href"] == settings.SITE_URL + EN_URL
    plain = soup_of(client.get(EN_URL))
    assert plain.find("meta", attrs={"name": "robots"}) is None
    assert plain.find("link", rel="canonical")["href"] == settings.SITE_URL + EN_URL
    # The way back leaves compare mode.
    back = soup.find(class_="compare-switch").find("a")
    assert back["href"] == EN_URL and words(back) == "Close the comparison"


def test_machine_translation_links_to_the_comparison_beside_its_notice(client, article):
    soup = soup_of(client.get(EN_URL))
    notice = soup.find(class_="notice-mt")
    link = notice.find_next_sibling(class_="compare-switch").find("a")
    assert words(link) == "Compare with the original"
    assert link["href"] == EN_URL + "?compare=vi"
    assert "nofollow" in link["rel"]
    assert soup.find(class_="compare") is None
    # Following the link gives the comparison.
    assert body_rows(soup_of(client.get(link["href"])))


def test_link_is_translated_and_shown_for_human_translations_but_not_originals(client, article):
    human = soup_of(client.get(ID_URL))
    link = human.find(class_="notice-translation").find_next_sibling(class_="compare-switch").find("a")
    assert words(link) == "Bandingkan dengan teks asli" and link["href"] == ID_URL + "?compare=vi"
    assert soup_of(client.get(VI_URL)).find(class_="compare-switch") is None

    source = make_article(published_at=PUBLISHED, source_language="id", outlet=make_outlet(language="id"))
    make_text(source, "id", slug="asli-indonesia")
    make_text(source, "vi", status=ArticleText.Status.MACHINE, slug="ban-dich-may-vi")
    vi = soup_of(client.get("/vi/2025/11/ban-dich-may-vi/"))
    assert words(vi.find(class_="compare-switch")) == "Đối chiếu với bản gốc"


def test_no_link_when_the_original_is_not_published(client, article):
    ArticleText.objects.filter(article=article, language="vi").update(is_published=False)
    soup = soup_of(client.get(EN_URL))
    assert soup.find(class_="notice-mt") is not None
    assert soup.find(class_="compare-switch") is None


def test_a_block_dropped_on_one_side_does_not_shift_the_pairs(client):
    # Two different Vietnamese sentences that the engine rendered identically: the page drops the
    # English repeat, and every later block must still sit beside its own original.
    article = make_article(published_at=PUBLISHED)
    make_text(
        article,
        "vi",
        slug="loi-cam-on",
        blocks=[
            {"type": "paragraph", "text": "Ông nói: cảm ơn các bạn."},
            {"type": "paragraph", "text": "Bà nói: cảm ơn mọi người."},
            {"type": "paragraph", "text": "Buổi lễ kết thúc lúc 10 giờ."},
            {"type": "paragraph", "text": "Mọi người ra về."},
        ],
    )
    make_text(
        article,
        "en",
        slug="thanks",
        blocks=[
            {"type": "paragraph", "text": "They said: thank you all."},
            {"type": "paragraph", "text": "They said: thank you all."},
            {"type": "paragraph", "text": "The ceremony ended at 10 o'clock."},
            {"type": "paragraph", "text": "Everyone went home."},
        ],
    )
    rows = body_rows(soup_of(client.get("/en/2025/11/thanks/?compare=vi")))
    assert rows == [
        [("en", "They said: thank you all."), ("vi", "Ông nói: cảm ơn các bạn.")],
        [("en", ""), ("vi", "Bà nói: cảm ơn mọi người.")],
        [("en", "The ceremony ended at 10 o'clock."), ("vi", "Buổi lễ kết thúc lúc 10 giờ.")],
        [("en", "Everyone went home."), ("vi", "Mọi người ra về.")],
    ]


def test_different_structures_fall_back_to_the_full_text_after(client, article):
    soup = soup_of(client.get(ID_URL + "?compare=vi"))
    assert soup.find("div", class_="compare article-body") is None
    own = soup.find("div", class_="article-body")
    assert [words(p) for p in own.find_all("p")] == [b["text"] for b in BLOCKS_ID]
    unpaired = soup.find(class_="compare-unpaired")
    assert words(unpaired.find(class_="notice-compare")) == (
        "Kedua versi dibagi ke dalam paragraf secara berbeda sehingga tidak dapat disandingkan paragraf"
        " demi paragraf. Teks lengkap dalam bahasa Vietnam tersedia di bawah ini."
    )
    cells = unpaired.find_all("div", class_="compare-cell")
    assert {c["lang"] for c in cells} == {"vi"}
    assert not unpaired.find_all(class_="compare-shown")
    assert [words(c) for c in cells] == [
        "Các tuyến mới nối trung tâm với ba huyện ngoại thành.",
        "Giá vé không đổi",
        "Hành khách vẫn trả 7.000 đồng mỗi lượt.",
        "Xe buýt điện tại bến Long Biên.",
        "Tuyến E01 Tuyến E02",
        "Thành phố dự kiến mở thêm năm tuyến vào năm sau.",
    ]
    # Own text first, then the note, then the compared text.
    order = soup.find_all(True)
    assert order.index(own) < order.index(unpaired)
    # Title still paired: one title per text, whatever the bodies look like.
    title_row = soup.find(class_="compare-title").find_parent(class_="compare-row")
    assert [words(c) for c in title_row.find_all(class_="compare-cell")] == [
        "Hanoi membuka rute bus listrik baru",
        TITLE_VI,
    ]


def test_same_count_but_different_block_types_is_not_paired(client, article):
    swapped = [BLOCKS_EN[1], BLOCKS_EN[0], *BLOCKS_EN[2:]]
    ArticleText.objects.filter(article=article, language="en").update(blocks=swapped)
    soup = soup_of(client.get(EN_URL + "?compare=vi"))
    assert soup.find("div", class_="compare article-body") is None
    assert soup.find(class_="compare-unpaired") is not None
    assert not same_structure(swapped, BLOCKS_VI) and same_structure(BLOCKS_EN, BLOCKS_VI)


@pytest.mark.parametrize("value", ["fr", "xx", "en", "", "<script>"])
def test_unknown_or_own_language_shows_the_plain_article(client, article, value):
    soup = soup_of(client.get(EN_URL, {"compare": value}))
    assert soup.find(class_="compare") is None
    assert soup.find("meta", attrs={"name": "robots"}) is None
    assert [words(p) for p in soup.find("div", class_="article-body").find_all("p")][0] == (
        "The new routes link the centre with three outlying districts."
    )


def test_unpublished_compare_language_shows_the_plain_article(client, article):
    ArticleText.objects.filter(article=article, language="id").update(is_published=False)
    soup = soup_of(client.get(EN_URL + "?compare=id"))
    assert soup.find(class_="compare") is None
    assert soup.find("meta", attrs={"name": "robots"}) is None


def test_compare_page_runs_a_bounded_number_of_queries(client, article, django_assert_max_num_queries):
    for n in range(5):  # images of the article are prefetched, not fetched per column
        make_media(article, url=f"https://img.example/extra-{n}.jpg", captions={"vi": f"Ảnh {n}"})
    with django_assert_max_num_queries(7):
        soup = soup_of(client.get(EN_URL + "?compare=vi"))
    assert len(body_rows(soup)) == len(BLOCKS_VI)


def test_by_index_keeps_stored_positions_and_refuses_foreign_blocks():
    blocks = [
        {"type": "paragraph", "text": "Mở đầu."},
        {"type": "paragraph", "text": "anh-01.jpg"},
        {"type": "paragraph", "text": "Mở đầu."},
        {"type": "heading", "text": "Mở đầu.", "level": 3},
        {"type": "paragraph", "text": "Kết."},
    ]
    prepared = prepare_blocks(blocks, "", [])
    placed = by_index(blocks, prepared)
    assert [p["text"] if p else None for p in placed] == ["Mở đầu.", None, None, None, "Kết."]
    with pytest.raises(ValueError, match="subsequence"):
        by_index(blocks, [{"type": "paragraph", "text": "Không có ở đây."}])
