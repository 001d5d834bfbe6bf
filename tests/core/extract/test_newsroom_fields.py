"""The fields a newsroom checks, each over several markup styles: outlet, title, date, byline, captions, body."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from trafilatura.utils import load_html

from kabar.bench.extraction import field_matches, read_page
from kabar.core.extract.dates import parse_local_date
from kabar.core.extract.extract import extract_html
from kabar.core.extract.extract_blocks import line_key
from kabar.core.extract.extract_images import lift_images
from kabar.core.extract.extract_meta import (
    clean_author,
    masthead_name,
    read_meta,
    strip_site_suffix,
    title_affix_outlet,
)
from kabar.core.text.boilerplate import is_boilerplate

CMS_SET = Path(__file__).resolve().parents[2] / "fixtures" / "extraction_cms"
TRUTH: dict[str, dict[str, object]] = json.loads((CMS_SET / "ground-truth.json").read_text(encoding="utf-8"))


def _meta(head: str, body: str, url: str = "https://baolamthuy.example/tin.asp?id=1"):  # type: ignore[no-untyped-def]
    return read_meta(load_html(f"<html><head>{head}</head><body>{body}</body></html>"), url)


# --- outlet -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "body", "outlet"),
    [
        ('<meta property="og:site_name" content="Báo Lâm Thủy">', "", "Báo Lâm Thủy"),
        (
            '<script type="application/ld+json">{"@type":"NewsArticle","headline":"X",'
            '"publisher":{"@type":"Organization","name":"Kabar Lembah"}}</script>',
            "",
            "Kabar Lembah",
        ),
        (
            "<title>Báo Lâm Thủy - Nông dân trúng mùa tôm</title>",
            '<a href="/"><img src="/logo.gif" alt="Báo Lâm Thủy"></a>',
            "Báo Lâm Thủy",
        ),
        (
            "<title>Nông dân trúng mùa tôm | Báo Phù Sa</title>",
            "<h1>Nông dân trúng mùa tôm</h1>",
            "Báo Phù Sa",
        ),
        ("<title>Báo Đồng Bằng :: Kinh tế</title>", "", "Báo Đồng Bằng"),
        (
            "<title>baolamthuy.example</title>",
            '<a class="logo" href="/" title="Báo Lâm Thủy">x</a>',
            "Báo Lâm Thủy",
        ),
        # No name anywhere: none is invented here (the host name is the caller's last resort).
        ("<title>Nông dân trúng mùa tôm</title>", "<h1>Nông dân trúng mùa tôm</h1>", ""),
    ],
)
def test_the_outlet_is_read_from_what_the_page_says_of_itself(head: str, body: str, outlet: str) -> None:
    assert _meta(head, body).outlet == outlet


def test_the_outlet_comes_off_the_title_at_either_end() -> None:
    assert (
        strip_site_suffix("Báo Lâm Thủy - Nông dân trúng mùa tôm", "Báo Lâm Thủy") == "Nông dân trúng mùa tôm"
    )
    assert strip_site_suffix("Nông dân trúng mùa tôm | Báo Phù Sa", "Báo Phù Sa") == "Nông dân trúng mùa tôm"
    assert strip_site_suffix("Nông dân trúng mùa tôm", "Báo Phù Sa") == "Nông dân trúng mùa tôm"
    meta = _meta(
        "<title>Báo Lâm Thủy - Nông dân trúng mùa tôm</title>", '<a href="/"><img alt="Báo Lâm Thủy"></a>'
    )
    assert meta.title == "Nông dân trúng mùa tôm"


def test_title_affixes_and_mastheads() -> None:
    assert title_affix_outlet("Headline here | The Harbour Ledger", "Headline here") == "The Harbour Ledger"
    assert title_affix_outlet("Harian Selat - Berita hari ini soal banjir", "") == "Harian Selat"
    assert title_affix_outlet("A headline without any outlet", "A headline without any outlet") == ""
    tree = load_html(
        '<html><body><a href="/" class="home">Trang chủ</a><a href="/"><img alt="Báo X"></a></body></html>'
    )
    assert masthead_name(tree, "https://x.example/a") == "Báo X"


# --- date -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A sticky header prints today's date above the headline; the article's own is under it.
        (
            '<div class="header-date date">Thứ Tư, 15/10/2025 07:30</div><h1>Đường ven sông</h1>'
            '<span class="date-publish">14/10/2025 16:05 (GMT+7)</span>',
            dt.datetime(2025, 10, 14, 16, 5, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        ),
        (
            '<div class="header__date date">Rabu, 15 Okt 2025</div><h1>Sekolah terapung</h1>'
            '<div class="detail__date">Selasa, 14 Okt 2025 16:05 WITA</div>',
            dt.datetime(2025, 10, 14, 16, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        ),
        # A legacy cell: "Cập nhật lúc" is the only date the article prints; the list below it has others.
        (
            '<table><tr><td class="ngayhientai date">Thứ Tư, 15/10/2025</td></tr>'
            '<tr><td class="tieude">Nông dân trúng mùa tôm</td></tr><tr><td class="ngaydang">Cập nhật lúc: '
            '14/10/2025 16:05</td></tr><tr><td><span class="date">(11/10/2025)</span></td></tr></table>',
            dt.datetime(2025, 10, 14, 16, 5, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        ),
    ],
)
def test_the_articles_own_date_with_its_time(body: str, expected: dt.datetime) -> None:
    title = "<title>Nông dân trúng mùa tôm - Báo X</title>" if "tieude" in body else ""
    published = _meta(title, body).published
    assert published == expected and published is not None
    assert published.utcoffset() == expected.utcoffset()


def test_a_printed_zone_is_kept_not_converted() -> None:
    edt = parse_local_date("Oct. 14, 2025 4:05 PM EDT", "en")
    assert edt is not None and edt.utcoffset() == dt.timedelta(hours=-4) and edt.hour == 16
    cdt = parse_local_date("Oct. 14, 2025, 6:10 a.m. CDT", "en")
    assert cdt is not None and cdt.utcoffset() == dt.timedelta(hours=-5) and cdt.hour == 6
    machine = _meta(
        '<meta property="article:published_time" content="2025-10-14T07:45:00-04:00">', ""
    ).published
    assert machine is not None and machine.utcoffset() == dt.timedelta(hours=-4)


# --- byline -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By MARCUS DELANE, AP Auto Writer", ["MARCUS DELANE"]),
        ("Jane Roe, Staff Reporter, and John Poe", ["Jane Roe", "John Poe"]),
        ("By Dana Whitlock and Omar Rahimi", ["Dana Whitlock", "Omar Rahimi"]),
        ("Penulis: Yohana Wenda, Markus Itlay | Editor: Dewi Anggraini", ["Yohana Wenda", "Markus Itlay"]),
        ("Oleh: Rina Maharani dan Budi Santoso", ["Rina Maharani", "Budi Santoso"]),
        ("Bài và ảnh: Quốc Tuấn", ["Quốc Tuấn"]),
        ("Nguyễn An, Trần Bình", ["Nguyễn An", "Trần Bình"]),
        ("Reuters", ["Reuters"]),
    ],
)
def test_a_byline_is_split_into_its_authors(line: str, names: list[str]) -> None:
    assert clean_author(line) == names


def test_an_all_caps_sign_off_is_the_author() -> None:
    html = (
        "<html><body><article><h1>Tin</h1>"
        + "".join(
            f"<p>Đoạn văn thứ {i} của bài báo, đủ dài để là một đoạn văn thật sự của bài.</p>"
            for i in range(4)
        )
        + "<p><b>NGỌC HÂN</b></p></article></body></html>"
    )
    doc = extract_html(html, url="https://x.example/tin/bai-bao-mau-123.html")
    assert doc.authors == ["NGỌC HÂN"] and all("NGỌC HÂN" not in p for p in doc.paragraphs)


# --- images -----------------------------------------------------------------------------------------


def _images(body: str) -> list[tuple[str, str]]:
    tree = load_html(f"<html><body><article>{body}</article></body></html>")
    return [(i.image.caption, i.image.credit) for i in lift_images(tree, "https://x.example/a.html")]


def test_caption_credits_are_split_and_toggles_removed() -> None:
    assert _images(
        '<figure><img src="/a.jpg"><figcaption>Anh Tư kiểm tra tôm. Ảnh: Ngọc Hân</figcaption></figure>'
    ) == [("Anh Tư kiểm tra tôm.", "Ngọc Hân")]
    assert _images(
        '<figure><img src="/a.jpg"><figcaption><span>The ferry at dusk.</span> <span class="caption-credit">'
        'Photo: Lena Ortiz</span> <span class="caption-toggle" role="button">… more</span>'
        "<button>less</button></figcaption></figure>"
    ) == [("The ferry at dusk.", "Lena Ortiz")]
    assert _images(
        '<figure><img src="/a.jpg"><figcaption>Trucks wait in Dearborn. <span class="credit">'
        "(AP Photo/Paul Sanderling)</span></figcaption></figure>"
    ) == [("Trucks wait in Dearborn.", "AP Photo/Paul Sanderling")]
    assert _images('<figure><img src="/a.jpg"><figcaption>Boats in the bay … more</figcaption></figure>') == [
        ("Boats in the bay", "")
    ]
    assert _images('<figure><img src="/a.jpg"><figcaption>Prices rose once more</figcaption></figure>') == [
        ("Prices rose once more", "")
    ]


def test_an_advertising_slot_is_not_an_image() -> None:
    ad = '<table><tr><td>Quảng cáo</td></tr><tr><td><a href="http://ads.example"><img src="/qc.jpg" width="600" height="90"></a></td></tr></table>'
    assert _images(ad) == []


# --- the CMS set: every field of every page, and what never reaches the body ------------------------

LEGACY_JUNK = (
    "Trang chủ",
    "Các tin khác",
    "Chia sẻ",
    "In bài",
    "Gửi email",
    "ĐĂNG KÝ NHẬN BẢN TIN",
    "Quảng cáo",
)
OTHER_JUNK = ("Baca juga", "SCROLL TO CONTINUE", "ADVERTISEMENT", "Related Post", "Most read", "Copy link")


@pytest.mark.parametrize("page_id", sorted(TRUTH))
def test_each_cms_page_has_its_fields_and_a_clean_body(page_id: str) -> None:
    gold = TRUTH[page_id]
    doc = extract_html(read_page(CMS_SET, page_id), url=str(gold["url"]))
    assert field_matches(gold, doc) == {
        name: True for name in ("title", "author", "published", "outlet", "language", "images")
    }
    body = "\n".join(doc.paragraphs)
    for junk in LEGACY_JUNK + OTHER_JUNK:
        assert junk not in body, junk
    keys = [line_key(p) for p in doc.paragraphs]
    assert len(keys) == len(set(keys)), "no paragraph twice"
    captions = {line_key(i.caption) for i in doc.images if i.caption}
    assert not captions & set(keys), "a caption never repeats as a paragraph"
    if doc.lead:
        assert line_key(doc.lead) not in keys, "the lead never repeats the body"
    assert doc.outlet not in doc.title


def test_a_legacy_table_page_keeps_its_paragraphs_apart() -> None:
    doc = extract_html(read_page(CMS_SET, "legacy_table_vi"), url=str(TRUTH["legacy_table_vi"]["url"]))
    assert doc.paragraphs == str(TRUTH["legacy_table_vi"]["articleBody"]).split("\n")


def test_furniture_lines_are_boilerplate_and_a_wire_notice_is_kept() -> None:
    assert is_boilerplate("SCROLL TO CONTINUE WITH CONTENT") and is_boilerplate("ĐĂNG KÝ NHẬN BẢN TIN")
    assert is_boilerplate("Chia sẻ In bài Gửi email") and is_boilerplate("Quảng cáo")
    # The agency's closing notice is part of the copy a republisher must keep.
    assert not is_boilerplate("Copyright 2025 The Associated Press. All rights reserved.")


# --- body layouts -----------------------------------------------------------------------------------

PARA = "Một đoạn văn của bài báo, viết đủ dài để là một đoạn văn thật sự trong thân bài, số {}."


def test_a_story_cut_by_an_advertisement_is_joined() -> None:
    chunk = '<div class="article__body">{}</div>'
    html = (
        "<html><body><article><h1>Tin</h1><div class='chunks'>"
        + chunk.format("".join(f"<p>{PARA.format(i)}</p>" for i in range(3)))
        + '<div class="ad">Quảng cáo</div>'
        + chunk.format("".join(f"<p>{PARA.format(i)}</p>" for i in range(3, 7)))
        + "</div></article></body></html>"
    )
    doc = extract_html(html, url="https://x.example/tin/bai-bao-mau-1.html")
    assert doc.paragraphs == [PARA.format(i) for i in range(7)]


def test_a_hover_card_is_not_part_of_the_sentence() -> None:
    card = (
        '<span class="who"><a href="/people/an">Nguyễn An</a><span class="card"><img src="/an.jpg" width="100" '
        'height="100"><a href="/people/an">Nguyễn An</a><a href="/x">Một bài khác của ông</a></span></span>'
    )
    html = (
        f"<html><body><article><h1>Tin</h1><p>Ông {card} phát biểu tại hội nghị sáng nay, nói về kế hoạch mới.</p>"
        + "".join(f"<p>{PARA.format(i)}</p>" for i in range(3))
        + "</article></body></html>"
    )
    doc = extract_html(html, url="https://x.example/tin/bai-bao-mau-2.html")
    assert doc.paragraphs[0] == "Ông Nguyễn An phát biểu tại hội nghị sáng nay, nói về kế hoạch mới."


def test_words_either_side_of_a_line_break_stay_apart() -> None:
    html = (
        "<html><body><article><h1>Tin</h1>"
        + "".join(f"<p>{PARA.format(i)}</p>" for i in range(3))
        + "<p>Lịch thi đấu:<br>Ngày 9 - Sân Hàng Đẫy<br>Ngày 10 - Sân Mỹ Đình, đội chủ nhà gặp đội khách.</p>"
        + "</article></body></html>"
    )
    doc = extract_html(html, url="https://x.example/tin/bai-bao-mau-3.html")
    assert "Lịch thi đấu: Ngày 9 - Sân Hàng Đẫy Ngày 10" in doc.paragraphs[-1]


def test_a_trailing_list_of_linked_headlines_is_dropped_and_a_list_of_facts_is_not() -> None:
    from kabar.core.extract.extract_blocks import drop_trailing_teasers

    story = {"type": "paragraph", "text": PARA.format(1)}
    more = {
        "type": "list",
        "ordered": False,
        "items": [
            'The strange life and <a href="https://x.example/1">mysterious death of a coder</a>',
            'How a city <a href="https://x.example/2">rebuilt its harbour wall</a>',
            'Why ferries <a href="https://x.example/3">run late in winter</a>',
            'Want the best tools? Check out our picks for the <a href="https://x.example/4">best trackers</a> '
            "and more from the gear team this week",
        ],
    }
    facts = {
        "type": "list",
        "ordered": False,
        "items": ["Length: 84 metres", "Cost: Rp 4 billion", "Opened: 2025"],
    }
    assert drop_trailing_teasers([story, more]) == [story]
    assert drop_trailing_teasers([story, facts]) == [story, facts]


def test_a_printed_time_without_a_zone_is_read_in_the_zone_of_the_pages_own_dates() -> None:
    # A US outlet prints "4:05 PM" with no zone; its JSON-LD modification date says -04:00, not Hanoi's +07:00.
    head = '<script type="application/ld+json">{"@type":"NewsArticle","dateModified":"2025-10-14T18:00:00-04:00"}</script>'
    meta = _meta(
        head, '<h1>Ferry</h1><div class="timestamp">Oct. 14, 2025 4:05 PM</div>', "https://x.example/a"
    )
    assert meta.published == dt.datetime(2025, 10, 14, 16, 5, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert meta.published is not None and meta.published.utcoffset() == dt.timedelta(hours=-4)
    # With no machine date at all, the zone-less time is the default Asia/Ho_Chi_Minh one, as before.
    plain = _meta("", '<h1>Phà</h1><div class="timestamp">14/10/2025 16:05</div>').published
    assert plain is not None and plain.utcoffset() == dt.timedelta(hours=7)
