"""extract_html on hand-written pages in six CMS markup styles, traps included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kabar.core.blocks import validate_blocks
from kabar.core.errors import TooLarge
from kabar.core.extract.extract import ExtractionError, extract_article, extract_html
from kabar.core.types import Extracted

FIXTURES = Path(__file__).parents[1] / "fixtures" / "html"
ICT = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Expected:
    fixture: str
    url: str
    title: str
    lead: str
    outlet: str
    authors: list[str]
    published: dt.datetime
    source_url: str
    language: str
    images: list[tuple[str, str, str]]  # (src, caption, credit)
    paragraphs: list[str]  # the start of each body paragraph, each to appear exactly once
    traps: list[str]  # text that must appear nowhere in body, lead or captions
    section: str = ""
    updated: dt.datetime | None = None
    headings: list[str] = field(default_factory=list)


CASES = [
    Expected(
        fixture="vn_cms.html",
        url="https://thoisuhathanh.example.vn/giao-thong/ha-noi-mo-them-ba-tuyen-xe-buyt-dien-post123456.html",
        title="Hà Nội mở thêm ba tuyến xe buýt điện nối sân bay Nội Bài",
        lead="Từ tháng 11, hành khách có thể đi xe buýt điện từ sân bay Nội Bài vào trung tâm với giá vé "
        "45.000 đồng, thấp hơn nhiều so với taxi.",
        outlet="Báo Thời Sự Hà Thành",
        authors=["HÀ LINH"],
        published=dt.datetime(2025, 10, 12, 14, 30, tzinfo=ICT),
        source_url="https://baogoc.example.vn/ha-noi-them-tuyen-buyt-dien-noi-bai-post998877.html",
        language="vi",
        section="Giao thông",
        images=[
            (
                "https://thoisuhathanh.example.vn/images/2025/10/xe-buyt-dien.jpg",
                "Xe buýt điện chờ khách tại nhà ga T2 sân bay Nội Bài sáng 11/10.",
                "Minh Khôi",
            ),
            (
                "https://cdn.thoisuhathanh.example.vn/2025/10/11/tram-sac-1728.jpg",
                "Trạm sạc nhanh tại bãi đỗ xe buýt Mỹ Đình có thể sạc đầy một xe trong khoảng 90 phút.",
                "TTXVN",
            ),
        ],
        paragraphs=[
            "Sở Xây dựng Hà Nội cho biết ba tuyến xe buýt điện mới",
            "Theo đại diện doanh nghiệp vận hành",
            "Trong năm đầu vận hành, thành phố trợ giá",
            "Người dân có thể tra cứu lộ trình",
        ],
        traps=[
            "Tin liên quan",
            "Kẹt xe kéo dài",
            "Xem thêm",
            "Giá cước taxi",
            "Bình luận",
            "Không có dữ liệu",
            "Tin cùng chuyên mục",
            "Cầu Tứ Liên",
            "Chia sẻ",
            "Zalo",
            "HÀ LINH",
            "Nguồn",
            "xe-buyt-dien.jpg",
            "Trang chủ",
            "Giấy phép",
        ],
    ),
    Expected(
        fixture="id_portal.html",
        url="https://www.wartanusantara.example.id/ekonomi/d-7712345/petani-garam-pantura-panen-lebih-awal",
        title="Petani Garam di Pantura Panen Lebih Awal Berkat Kemarau Panjang",
        # The description only repeats the opening paragraph's first sentence: no standfirst.
        lead="",
        outlet="Warta Nusantara",
        authors=["Rina Sari"],
        published=dt.datetime(2025, 10, 13, 10, 15, tzinfo=ICT),
        source_url="https://sumberasli.example.id/berita/panen-garam-pantura-lebih-awal",
        language="id",
        images=[
            (
                "https://akcdn.wartanusantara.example.id/community/media/garam-pantura.jpeg?w=700&q=90",
                "Petani memanen garam di tambak Desa Tasikharjo, Rembang, Minggu (12/10/2025).",
                "ANTARA/Budi Santoso",
            ),
            (
                "https://akcdn.wartanusantara.example.id/community/media/gudang-garam-rakyat.jpg",
                "",
                "dokumentasi Warta Nusantara/Andi Pratama",
            ),
        ],
        paragraphs=[
            "Rembang - Musim kemarau yang lebih panjang",
            "Ketua kelompok tani garam setempat",
            '"Kalau cuaca tetap cerah sampai November',
            "Dinas Kelautan dan Perikanan provinsi",
            "Sementara itu, sejumlah pengepul",
        ],
        traps=[
            "Baca juga",
            "Harga Beras Medium",
            "Bagikan",
            "WhatsApp",
            "Komentar",
            "Tidak ada data",
            "Berita Terkait",
            "Impor Garam Industri",
            "Terpopuler",
            "Sumber:",
            "IMG_20251012",
            "Foto:",
            "Tag:",
            "Pedoman Media Siber",
        ],
    ),
    Expected(
        fixture="wordpress_en.html",
        url="https://coastalledger.example.com/?p=4812",
        title="Harbour ferry fares to rise for the first time in six years",
        lead="The harbour authority says higher fuel and repair costs leave it no choice.",
        outlet="The Coastal Ledger",
        authors=["Maya Thornton"],
        published=dt.datetime(2025, 10, 14, 7, 45, tzinfo=dt.UTC),
        updated=dt.datetime(2025, 10, 14, 9, 10, tzinfo=dt.UTC),
        source_url="https://coastalledger.example.com/2025/10/14/harbour-ferry-fares-rise/",
        language="en",
        section="Local",
        images=[
            (
                "https://coastalledger.example.com/wp-content/uploads/2025/10/ferry-2048x1366.jpg",
                "The morning ferry leaves the north pier.",
                "Daniel Okafor",
            ),
            ("https://coastalledger.example.com/wp-content/uploads/2025/10/DSC_0042.jpg", "", ""),
        ],
        paragraphs=[
            "Passengers on the three harbour ferry routes",
            "The authority said fuel now costs",
            "Pensioners, students and children",
            "We held prices for as long as we responsibly could",
            "Commuter groups said the rise",
            "Adult single: $3.20",
            "Ten-trip card: $28",
            "Concession single: unchanged",
            "The board will take public submissions",
        ],
        headings=["Concession fares frozen"],
        traps=[
            "DSC_0042",
            "Read more",
            "budget shows growing deficit",
            "Share this",
            "North pier repairs",
            "Leave a Reply",
            "12 Comments",
            "About time they fixed the engines",
            "Recent Posts",
            "Proudly powered",
            "Posted in",
        ],
    ),
    Expected(
        fixture="bootstrap_en.html",
        url="https://mekongwire.example.com/environment/river-clean-up",
        title="River clean-up volunteers pull two tonnes of plastic from the Saigon River",
        lead="About three hundred volunteers cleared plastic waste from a four-kilometre stretch of riverbank "
        "over the weekend, the largest such effort the city has seen.",
        outlet="Mekong Daily Wire",
        authors=["Lan Pham", "Tom Becker"],
        published=dt.datetime(2025, 10, 11, 16, 20, tzinfo=ICT),
        source_url="https://mekongwire.example.com/environment/river-clean-up",
        language="en",
        section="Environment",
        images=[
            (
                "https://mekongwire.example.com/media/2025/10/river-cleanup.webp",
                "Volunteers sort collected waste near the Thu Thiem bridge on Saturday.",
                "Nguyen Bao",
            ),
            (
                "https://mekongwire.example.com/media/2025/10/sorting-line.jpg",
                "The sorting line at the recycling cooperative in Thu Duc.",
                "Mekong Daily Wire",
            ),
        ],
        paragraphs=[
            "Organisers said most of what was collected",
            "The waste was weighed and sorted on site",
            "Students from six secondary schools",
            "The city environment department said",
        ],
        headings=["Schools join in"],
        traps=[
            "By ",
            "Published 11 October",
            "Share on Facebook",
            "Copy link",
            "Read also",
            "Mangrove planting",
            "Related articles",
            "Canal dredging",
            "Most popular",
            "Street food market",
            "Subscribe",
            "Privacy",
        ],
    ),
    Expected(
        fixture="amp_vi.html",
        url="https://dulichcaonguyen.example.vn/amp/da-lat-thu-nghiem-pho-di-bo-ho-xuan-huong-1234.html",
        title="Đà Lạt thử nghiệm phố đi bộ quanh hồ Xuân Hương vào cuối tuần",
        lead="Từ tối thứ Sáu đến hết Chủ nhật, các tuyến đường quanh hồ Xuân Hương sẽ cấm ô tô để phục vụ người đi bộ.",
        outlet="Du Lịch Cao Nguyên",
        # The closing all-caps name is the visible byline's author: the page's spelling is kept.
        authors=["Thanh Tâm"],
        published=dt.datetime(2025, 10, 10, 8, 0, tzinfo=ICT),
        source_url="https://dulichcaonguyen.example.vn/da-lat-thu-nghiem-pho-di-bo-ho-xuan-huong-1234.html",
        language="vi",
        images=[
            (
                "https://dulichcaonguyen.example.vn/uploads/2025/10/ho-xuan-huong.jpg",
                "Hồ Xuân Hương nhìn từ đồi Cù vào buổi sáng.",
                "Thanh Tâm",
            )
        ],
        paragraphs=[
            "UBND thành phố Đà Lạt cho biết",
            "Khu vực đi bộ sẽ có các điểm biểu diễn",
            "Nhiều hộ kinh doanh bày tỏ lo ngại",
            "Sau giai đoạn thử nghiệm",
        ],
        traps=["THANH TÂM", "Xem thêm", "Mùa hoa dã quỳ", "Khám phá", "Ẩm thực", "GMT+7"],
    ),
    Expected(
        fixture="jsonld_id.html",
        url="https://kabarpesisir.example.id/daerah/jembatan-gantung-lusi?utm_source=feed",
        title="Jembatan Gantung Baru Hubungkan Dua Desa di Lembah Sungai Lusi",
        lead="Warga dua desa kini tak perlu lagi memutar sejauh dua belas kilometer untuk menyeberang sungai.",
        outlet="Kabar Pesisir",
        authors=["Dewi Lestari", "Agus Wibowo"],
        published=dt.datetime(2025, 10, 9, 13, 5, tzinfo=ICT),
        updated=dt.datetime(2025, 10, 9, 18, 40, tzinfo=ICT),
        # No canonical link and no "Sumber:" line: the page URL is the source.
        source_url="https://kabarpesisir.example.id/daerah/jembatan-gantung-lusi?utm_source=feed",
        language="id",
        section="Daerah",
        images=[
            (
                "https://img.kabarpesisir.example.id/2025/10/jembatan-1280.webp",
                "Warga melintasi jembatan gantung yang baru diresmikan di Desa Ngampel.",
                "Kabar Pesisir/Yusuf",
            )
        ],
        paragraphs=[
            "Jembatan gantung sepanjang 84 meter",
            "Kepala Desa Ngampel, Suparman",
            "Pembangunan jembatan menghabiskan anggaran",
            "Warga berharap jalan setapak",
        ],
        traps=["Baca juga", "Banjir Sungai Lusi", "Telegram", "Belum ada komentar", "Tag:", "Beranda"],
    ),
]


@pytest.fixture(scope="module")
def extracted() -> dict[str, Extracted]:
    """Each fixture extracted once for the module (extraction is the slow part)."""
    return {
        case.fixture: extract_html((FIXTURES / case.fixture).read_text(encoding="utf-8"), url=case.url)
        for case in CASES
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_metadata(case: Expected, extracted: dict[str, Extracted]) -> None:
    doc = extracted[case.fixture]
    assert doc.title == case.title
    assert doc.lead == case.lead
    assert doc.outlet == case.outlet
    assert doc.authors == case.authors
    assert doc.published == case.published
    assert doc.updated == case.updated
    assert doc.source_url == case.source_url
    assert doc.language == case.language
    assert doc.section == case.section
    assert doc.url == case.url


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_images_carry_caption_and_credit(case: Expected, extracted: dict[str, Extracted]) -> None:
    doc = extracted[case.fixture]
    assert [(i.src, i.caption, i.credit) for i in doc.images] == case.images


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_each_paragraph_once_in_order(case: Expected, extracted: dict[str, Extracted]) -> None:
    doc = extracted[case.fixture]
    validate_blocks(doc.blocks)
    texts = [t for t in doc.paragraphs if t not in {i.caption for i in doc.images}]
    positions = []
    for start in case.paragraphs:
        hits = [i for i, t in enumerate(texts) if t.startswith(start)]
        assert len(hits) == 1, f"{start!r} found {len(hits)} times in {texts}"
        positions.append(hits[0])
    assert positions == sorted(positions)
    headings = [b["text"] for b in doc.blocks if b["type"] == "heading"]
    assert headings == case.headings
    # Nothing but the expected paragraphs, headings and list items is in the body.
    assert len(texts) == len(case.paragraphs) + len(case.headings)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_traps_are_absent(case: Expected, extracted: dict[str, Extracted]) -> None:
    doc = extracted[case.fixture]
    everything = "\n".join([doc.lead, doc.title, *doc.paragraphs, *(i.credit for i in doc.images)])
    for trap in case.traps:
        if trap in doc.title or any(trap in i.credit for i in doc.images):
            continue  # e.g. the photographer's name in a credit
        assert trap not in everything, f"{trap!r} leaked into the article"


def test_images_sit_where_the_page_put_them(extracted: dict[str, Extracted]) -> None:
    blocks = extracted["id_portal.html"].blocks
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "image"  # the hero figure above the body
    second = next(i for i, b in enumerate(blocks) if b["type"] == "image" and i > 0)
    assert blocks[second - 1]["text"].startswith('"Kalau cuaca')
    assert blocks[second + 1]["text"].startswith("Dinas Kelautan")


def test_inline_links_and_emphasis_survive_sanitised(extracted: dict[str, Extracted]) -> None:
    opening = extracted["id_portal.html"].blocks[1]["text"]
    assert opening.startswith("<strong>Rembang</strong> - Musim")
    html = (
        "<html><head><title>T</title></head><body><article><h1>Council budget passes</h1>"
        + "<p>The council passed its budget on Monday after a long debate about library hours and "
        'bus routes, <a href="https://example.org/budget" onclick="x()">the full document</a> shows.</p>'
        + "<p>Members voted eleven to four, with two abstentions, after an amendment on street lighting "
        "was withdrawn late in the evening session.</p>"
        * 1
        + "<p>The finance committee will publish a summary of the changes for residents next week, "
        "along with <em>a timetable</em> of public meetings.</p></article></body></html>"
    )
    doc = extract_html(html, url="https://example.org/news/budget")
    first, _, third = doc.paragraphs[:3]
    linked = next(b["text"] for b in doc.blocks if "href" in b.get("text", ""))
    assert '<a href="https://example.org/budget"' in linked and "onclick" not in linked
    assert first.endswith("the full document shows.")
    assert any("<em>a timetable</em>" in b.get("text", "") for b in doc.blocks)
    assert third.startswith("The finance committee")


def test_lead_origin_tells_a_repeated_opening_paragraph() -> None:
    paragraphs = [
        "The river ferry will stop running for two weeks in March while engineers replace the landing stage.",
        "Engineers said the old landing stage had rusted through in several places since the last survey.",
        "Commuters will be offered free bus tickets on the route around the estuary during the closure.",
    ]
    html = (
        '<html><head><meta property="og:description" content="' + paragraphs[0] + '"></head>'
        "<body><article><h1>Ferry to pause for repairs</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    result = extract_article(html, url="https://example.org/ferry")
    assert result.extracted.lead == paragraphs[0]
    assert result.lead_origin == "body"
    assert result.extracted.paragraphs == paragraphs[1:]


def test_empty_document_is_refused() -> None:
    with pytest.raises(ExtractionError, match="empty"):
        extract_html("  \n ", url="https://example.org/")


def test_page_without_article_text_is_refused() -> None:
    html = "<html><body><nav><a href='/'>Home</a></nav><div class='share'>Share</div></body></html>"
    with pytest.raises(ExtractionError) as caught:
        extract_html(html, url="https://example.org/")
    assert caught.value.reason == "no article text found"
    assert caught.value.stage == "extract"


def test_oversized_page_is_refused_before_parsing() -> None:
    html = "<html><body>" + "<p>word</p>" * 200 + "</body></html>"
    with pytest.raises(TooLarge):
        extract_html(html, url="https://example.org/", max_bytes=1000)


def test_captioned_images_after_the_last_paragraph_keep_page_order() -> None:
    paragraphs = [
        "The harbour authority opened a new breakwater on Tuesday after three years of construction work.",
        "Fishing crews said the calmer water inside the harbour would let them land catches in rough weather.",
        "The authority plans a second breakwater on the northern side of the bay if funding is approved.",
    ]
    captions = ["The new breakwater seen from the lighthouse.", "Fishing boats moored inside the harbour."]
    figures = "".join(
        f'<figure><img src="https://example.org/img/{n}.jpg" width="800" height="500">'
        f"<figcaption>{caption}</figcaption></figure>"
        for n, caption in enumerate(captions)
    )
    html = (
        "<html><body><article><h1>Harbour gets a breakwater</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + figures
        + "</article></body></html>"
    )
    doc = extract_html(html, url="https://example.org/harbour")
    found = [b.get("caption") for b in doc.blocks if b["type"] == "image"]
    assert found == captions


def test_one_malformed_part_drops_only_itself() -> None:
    """A bad image URL, deep JSON-LD, a broken canonical and an impossible date each failed the whole page."""
    paragraphs = "".join(
        f"<p>The ferry service to the outer islands resumed on Monday after a week of storms, number {n}.</p>"
        for n in range(3)
    )
    html = (
        "<html><head><title>Ferries resume</title>"
        '<link rel="canonical" href="http://[">'
        '<meta property="article:published_time" content="9999-12-31T23:59:59-12:00">'
        '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
        "</head><body><article><h1>Ferries resume</h1>"
        '<figure><img src="http://["><figcaption>The ferry leaves the harbour.</figcaption></figure>'
        '<img src="http://[" width="800">' + paragraphs + "</article></body></html>"
    )
    doc = extract_html(html, url="https://example.org/ferries")
    assert doc.title == "Ferries resume"
    assert len(doc.paragraphs) >= 3
    assert doc.published is None
    assert doc.source_url == "https://example.org/ferries"
    assert [(i.src, i.caption) for i in doc.images] == [
        ("no-picture:image-1", "The ferry leaves the harbour.")
    ]
    assert doc.flags == [
        "ignored JSON-LD: nested too deep",
        "ignored a publication date that could not be read or is out of range",
        "ignored the canonical link: not a valid address",
        "dropped an image address that is not a valid URL (2 times)",
    ]


BROKEN_DATE_STORY = "".join(
    f"<p>The harbour authority reopened the northern pier on schedule, the work report said, part {n}.</p>"
    for n in range(3)
)


def _dated_page(head: str = "", body: str = "") -> str:
    return (
        f"<html><head><title>Pier reopens</title>{head}</head><body>{body}"
        f"<article><h1>Pier reopens</h1>{BROKEN_DATE_STORY}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-02-30"}</script>',
            "",
        ),
        (
            "",
            '<div itemscope itemtype="https://schema.org/NewsArticle">'
            '<meta itemprop="datePublished" content="2024-13-45T99:99"></div>',
        ),
        ('<meta property="article:published_time" content="2024-02-30T10:00:00+07:00">', ""),
        ("", '<time datetime="2024-13-45">yesterday</time>'),
    ],
    ids=["json-ld", "microdata", "meta", "time"],
)
def test_an_impossible_date_gives_no_date_rather_than_an_invented_one(head: str, body: str) -> None:
    # htmldate read these as 1 February / 1 January 2024, a day the page never states.
    doc = extract_html(_dated_page(head, body), url="https://example.org/pier")
    assert doc.published is None
    assert "ignored a publication date that could not be read or is out of range" in doc.flags


def test_an_impossible_date_gives_way_to_the_next_real_one() -> None:
    head = '<meta property="article:published_time" content="2024-02-30T10:00:00+07:00">'
    doc = extract_html(
        _dated_page(head, '<time datetime="2024-03-15T08:00:00+07:00">15 March</time>'),
        url="https://example.org/pier",
    )
    assert doc.published == dt.datetime(2024, 3, 15, 8, tzinfo=ICT)
    # A date only the address gives, found by trafilatura, is a real one and is kept.
    doc = extract_html(_dated_page(head), url="https://example.org/2024/03/15/pier")
    assert doc.published is not None and doc.published.date() == dt.date(2024, 3, 15)


def test_a_first_of_the_month_the_page_states_is_kept() -> None:
    doc = extract_html(
        _dated_page(body="<p>Ngày đăng: 2024-02-01</p>"), url="https://example.org/2024/02/pier"
    )
    assert doc.published is not None and doc.published.date() == dt.date(2024, 2, 1)
    # Only the month in the address: the day would be invented.
    doc = extract_html(_dated_page(), url="https://example.org/2024/02/pier")
    assert doc.published is None
