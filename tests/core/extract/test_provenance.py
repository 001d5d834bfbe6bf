"""Which other outlet's article a page republishes (issue 12, item 6): pure detection, many markup styles."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kabar.core.extract.capture import parse_capture
from kabar.core.extract.extract import extract_html
from kabar.core.extract.provenance import (
    SourceCredit,
    based_on,
    find_provenance,
    names_other_site,
    original_label,
    own_address,
    parse_credit_line,
)
from kabar.core.types import Provenance

PARAGRAPH = (
    "Đoạn văn số {} kể về mùa lúa mới ở đồng bằng sông Cửu Long, nơi nông dân đang thu hoạch "
    "và bán gạo cho thương lái với giá cao hơn năm ngoái khoảng mười phần trăm."
)
PAGE = "https://baolamthuy.vn/kinh-te/mua-lua-moi-123.html"


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("Nguồn: Báo Tuổi Trẻ", SourceCredit("Báo Tuổi Trẻ")),
        ("(Nguồn: TTXVN)", SourceCredit("TTXVN")),
        ("Theo TTXVN", SourceCredit("TTXVN", kind="theo-line")),
        ("(Theo VnExpress.net)", SourceCredit("VnExpress.net", kind="theo-line")),
        ("Sumber: https://nhandan.vn/a-post1.html", SourceCredit(url="https://nhandan.vn/a-post1.html")),
        ("Sumber: Antara", SourceCredit("Antara")),
        ("Source: Reuters", SourceCredit("Reuters")),
        (
            "Nguồn: Báo Nhân Dân - https://nhandan.vn/b-post2.html.",
            SourceCredit("Báo Nhân Dân", "https://nhandan.vn/b-post2.html"),
        ),
        (
            'Source: <a href="https://apnews.com/article/x">The Associated Press</a>',
            SourceCredit("The Associated Press", "https://apnews.com/article/x"),
        ),
        ("Originally published by The Conversation", SourceCredit("The Conversation")),
    ],
)
def test_credit_lines_of_several_styles(line, credit):
    assert parse_credit_line(line) == credit


@pytest.mark.parametrize(
    "line",
    [
        "Theo ông Nam, giá lúa sẽ còn tăng trong tháng tới.",
        "Theo kế hoạch, tuyến đường sẽ hoàn thành vào cuối năm nay và đưa vào sử dụng.",
        "Nguồn vốn cho dự án đến từ ngân sách tỉnh.",
        "Source: javascript:alert(1)",
        "Sumber: " + "x " * 200,
    ],
)
def test_sentences_are_not_credit_lines(line):
    assert parse_credit_line(line) is None


def page(body_end: str = "", head: str = "") -> str:
    body = "".join(f"<p>{PARAGRAPH.format(i)}</p>" for i in range(5))
    return (
        f"<html lang='vi'><head><title>Mùa lúa mới</title>{head}</head><body><article>"
        f"<h1>Mùa lúa mới ở miền Tây</h1>{body}{body_end}</article></body></html>"
    )


def test_a_vietnamese_name_only_source_line_is_taken_out_of_the_body():
    doc = extract_html(page("<p>Nguồn: Báo Tuổi Trẻ</p>"), url=PAGE)
    assert doc.provenance == Provenance(
        "source-line", original_outlet="Báo Tuổi Trẻ", page_url=PAGE, line="Báo Tuổi Trẻ"
    )
    assert not any("Tuổi Trẻ" in str(b.get("text")) for b in doc.blocks)


def test_theo_ttxvn_closing_an_article():
    doc = extract_html(page("<p><em>(Theo TTXVN)</em></p>"), url=PAGE)
    assert doc.provenance is not None and doc.provenance.evidence == "theo-line"
    assert doc.provenance.original_outlet == "TTXVN" and doc.provenance.original_url == ""


def test_an_indonesian_sumber_line_with_an_address():
    html = page('<p>Sumber: <a href="https://nhandan.vn/x-post9.html">nhandan.vn</a></p>')
    doc = extract_html(html.replace("lang='vi'", "lang='id'"), url="https://vietnam.vn/id/x")
    assert doc.provenance is not None
    assert doc.provenance.original_url == "https://nhandan.vn/x-post9.html"
    assert doc.provenance.page_url == "https://vietnam.vn/id/x"
    assert names_other_site(doc.provenance, "https://vietnam.vn/")
    assert not names_other_site(doc.provenance, "https://www.nhandan.vn/")


def test_an_english_source_line_names_the_wire():
    html = page("<p>Source: Reuters</p>").replace("lang='vi'", "lang='en'")
    doc = extract_html(html, url="https://riverpost.example/world/rice")
    assert doc.provenance is not None and original_label(doc.provenance) == "Reuters"


def test_a_canonical_link_on_another_outlets_site():
    original = "https://tuoitre.vn/mua-lua-moi-2025.htm"
    doc = extract_html(page(head=f'<link rel="canonical" href="{original}">'), url=PAGE)
    assert doc.provenance == Provenance("canonical", original_url=original, page_url=PAGE, line=original)
    # The page's own canonical is the page speaking for itself.
    own = extract_html(page(head=f'<link rel="canonical" href="{PAGE}?utm=x">'), url=PAGE)
    assert own.provenance is None


def test_json_ld_is_based_on_as_an_address_or_a_creative_work():
    work = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Mùa lúa mới ở miền Tây",
        "isBasedOn": {
            "@type": "NewsArticle",
            "url": "https://vnexpress.net/mua-lua-4800000.html",
            "publisher": {"@type": "Organization", "name": "VnExpress"},
            "datePublished": "2025-10-14T16:05:00+07:00",
        },
    }
    script = f'<script type="application/ld+json">{json.dumps(work)}</script>'
    found = extract_html(page(head=script), url=PAGE).provenance
    assert found is not None and found.evidence == "is-based-on"
    assert (found.original_url, found.original_outlet) == (
        "https://vnexpress.net/mua-lua-4800000.html",
        "VnExpress",
    )
    assert found.original_published == dt.datetime(2025, 10, 14, 9, 5, tzinfo=dt.UTC)
    assert based_on([{"isBasedOn": "https://antaranews.com/berita/1"}]) == Provenance(
        "is-based-on", original_url="https://antaranews.com/berita/1", line="https://antaranews.com/berita/1"
    )
    # isBasedOn naming the page's own site is no republication.
    assert find_provenance(PAGE, json_ld=[{"isBasedOn": "https://baolamthuy.vn/old/1.html"}]) is None


def test_a_page_that_names_no_original():
    assert extract_html(page(), url=PAGE).provenance is None
    assert own_address("file:///srv/a.html", "https://x.vn/a") == "https://x.vn/a"


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_the_seed_captures_republish_a_vietnamese_newspaper(shared_dir: Path, prefix: str):
    path = next((shared_dir / "seeds").glob(f"{prefix}_*.txt"), None)
    if path is None:
        pytest.skip(f"seed {prefix} not in {shared_dir}")
    doc = parse_capture(path.read_text(encoding="utf-8"), url=path.as_uri())
    assert doc.provenance is not None and doc.provenance.evidence == "source-line"
    assert doc.provenance.original_url.startswith("https://nhandan.vn/")
    assert doc.provenance.page_url == path.as_uri()
    assert names_other_site(doc.provenance, "https://vietnam.vn/")
