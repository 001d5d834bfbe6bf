import datetime as dt
import re
import unicodedata
import zoneinfo
from pathlib import Path

import pytest

from kabar.core.blocks import validate_blocks
from kabar.core.errors import TooLarge
from kabar.core.extract.capture import NO_TITLE_FLAG, CaptureError, parse_capture
from kabar.core.text.clean import clean, normalize_text

FIXTURES = Path(__file__).parents[1] / "fixtures" / "text"
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SECTION_NAV = ["Warisan", "Angka", "Bisnis", "Peristiwa terkini", "Sistem Politik", "Lokal", "Produk"]


def seed(shared_dir: Path, prefix: str) -> str:
    paths = sorted((shared_dir / "seeds").glob(f"{prefix}_*.txt"))
    if not paths:
        pytest.skip(f"seed {prefix} not in {shared_dir}")
    return paths[0].read_text(encoding="utf-8")


def source_line_url(raw: str) -> str:
    match = re.search(r"^(?:Sumber|Nguồn|Source):\s*(\S+)\s*$", raw, re.M)
    assert match, "the seed has a source line"
    return match.group(1)


def long_body_lines(raw: str) -> list[str]:
    """Lines of the capture that can only be article paragraphs: long, and not captions."""
    lines = [normalize_text(line) for line in raw.splitlines()]
    return [line for line in lines if len(line.split()) >= 20 and "(Foto:" not in line]


def reader_text(doc) -> list[str]:
    """Everything a reader sees as text (an image's src is not text)."""
    return [
        doc.title,
        doc.lead,
        *doc.paragraphs,
        *(i.caption for i in doc.images),
        *(i.credit for i in doc.images),
    ]


def test_seed_001_fields(shared_dir):
    raw = seed(shared_dir, "001")
    doc = clean(parse_capture(raw, url="file:///seeds/001.txt"))
    assert doc.url == "file:///seeds/001.txt"
    assert doc.site_name == "Vietnam.vn - Nền tảng quảng bá Việt Nam"
    assert doc.title == "Kerjasama Vietnam-Korea Utara memasuki fase baru yang lebih praktis dan efektif"
    assert doc.lead.startswith("Kunjungan kenegaraan ke Republik Rakyat Demokratik Korea")
    assert doc.outlet == "Báo Nhân dân"
    assert doc.published == dt.datetime(2025, 10, 12, tzinfo=HCM)
    assert doc.authors == ["HANH NGUYEN"]
    assert doc.source_url == source_line_url(raw)
    assert doc.source_url.startswith("https://nhandan.vn/")
    assert NO_TITLE_FLAG not in doc.flags
    validate_blocks(doc.blocks)


def test_seed_001_images(shared_dir):
    doc = clean(parse_capture(seed(shared_dir, "001")))
    images = doc.images
    assert len(images) == 3  # the first caption is printed twice in the capture: one image
    assert all(i.caption and i.credit == "VNA" for i in images)
    assert not any("Foto" in i.caption for i in images)
    assert images[0].src == "capture:image-1"
    assert images[1].src == "img-8949-8066.jpg"
    assert images[1].caption.startswith("Sekretaris Jenderal dan Presiden Negara Kim Jong Un berpidato")
    assert images[2].src == "img-8931.jpg"


def test_seed_001_every_paragraph_once_and_no_furniture(shared_dir):
    raw = seed(shared_dir, "001")
    doc = clean(parse_capture(raw))
    body = doc.paragraphs
    expected = long_body_lines(raw)
    expected.remove(doc.lead)
    assert expected, "the seed has body paragraphs"
    for line in expected:
        near = [p for p in body if p == line or p.replace(" ,", ",") == line.replace(" ,", ",")]
        assert len(near) == 1, line[:80]
    assert len(body) == len(set(body))
    for junk in [
        "Komentar (0)",
        "No data",
        "Dalam kategori yang sama",
        "Dari penulis yang sama",
        "img-8949-8066.jpg",
    ]:
        assert not any(junk in text for text in reader_text(doc)), junk
    for word in SECTION_NAV:
        assert word not in reader_text(doc)
    for headline in [
        "Pasar 'terbersih' di Vietnam",
        "Com lang Vong - rasa musim gugur di Hanoi",
        "Temukan hari yang cemerlang di mutiara tenggara Kota Ho Chi Minh",
    ]:
        assert not any(headline in text for text in reader_text(doc)), headline
    assert body[-1].startswith("Sejumlah dokumen kerja sama telah ditandatangani")
    assert "HANH NGUYEN" not in body


def test_seed_000_truncated_capture(shared_dir):
    raw = seed(shared_dir, "000")
    doc = clean(parse_capture(raw))
    assert doc.source_url == source_line_url(raw)
    assert doc.title == "" and NO_TITLE_FLAG in doc.flags
    images = doc.images
    assert len(images) == 1
    assert images[0].caption.startswith("Upacara peresmian 10.000 apartemen baru")
    assert images[0].caption.endswith("pada 16 April 2025.")
    assert images[0].credit == "Yonhap/VNA"
    expected = long_body_lines(raw)
    assert len(expected) >= 10
    for line in expected:
        assert doc.paragraphs.count(line) == 1, line[:80]
    assert "Komentar (0)" not in doc.paragraphs
    assert doc.paragraphs[-1].startswith("Keberhasilan kunjungan ini")
    validate_blocks(doc.blocks)


def test_vietnamese_capture_with_time_byline_pair_and_file_name():
    raw = (FIXTURES / "vi_capture.txt").read_text(encoding="utf-8")
    doc = clean(parse_capture(raw))
    assert doc.title == "Hà Nội khánh thành cầu Tứ Liên, nối quận Tây Hồ với Đông Anh"
    assert doc.lead.startswith("Sau hơn hai năm thi công")
    assert doc.outlet == "Báo Hà Nội Mới"
    assert doc.published == dt.datetime(2025, 10, 13, 8, 15, tzinfo=HCM)
    assert doc.authors == ["THU HÀ", "MINH ANH"]
    assert doc.source_url == "https://hanoimoi.vn/khanh-thanh-cau-tu-lien-post700001.html"
    assert [(i.src, i.caption, i.credit) for i in doc.images] == [
        ("capture:image-1", "Toàn cảnh lễ khánh thành cầu Tứ Liên sáng 13/10.", "Minh Anh"),
        ("DSC_0012.JPG", "Người dân đi bộ trên cầu trong ngày đầu thông xe", "TTXVN"),
    ]
    assert [p[:25] for p in doc.paragraphs] == [
        "Cầu Tứ Liên dài 5,2 km, c",
        "Theo Ban quản lý dự án, t",
        "Phát biểu tại buổi lễ, lã",
    ]
    for junk in ["Chia sẻ", "Facebook Twitter Zalo", "Baca juga", "Bình luận (2)", "Tin liên quan", "Xã hội"]:
        assert not any(junk in p for p in doc.paragraphs)


def test_truncated_english_capture_without_title():
    raw = (FIXTURES / "en_truncated.txt").read_text(encoding="utf-8")
    doc = parse_capture(raw, url="file:///x.txt")
    assert doc.title == "" and doc.lead == ""
    assert NO_TITLE_FLAG in doc.flags
    assert [(i.src, i.credit) for i in doc.images] == [("capture:image-1", "Reuters"), ("img-1023.jpg", "")]
    assert doc.paragraphs == [
        "more water is expected to reach the lower districts overnight, officials said, as rain continued "
        "across central Vietnam.",
        "Schools in six provinces stayed closed for a second day.",
    ]
    assert doc.source_url == "" and doc.published is None
    validate_blocks(doc.blocks)


def test_decomposed_unicode_and_crlf_are_normalised():
    raw = (FIXTURES / "vi_capture.txt").read_text(encoding="utf-8")
    messy = unicodedata.normalize("NFD", raw).replace("\n", "\r\n")
    assert parse_capture(messy) == parse_capture(raw)


def test_capitals_in_mid_article_are_a_heading_not_a_byline():
    raw = (
        "Giá vàng lập đỉnh mới\n\n"
        "Giá vàng trong nước tiếp tục tăng mạnh trong phiên sáng nay theo đà thế giới.\n\n"
        "Báo Tuổi Trẻ 13/10/2025 10:00\n\n"
        "DIỄN BIẾN THỊ TRƯỜNG\n\n"
        "Các doanh nghiệp niêm yết giá vàng miếng ở mức cao kỷ lục, người dân xếp hàng từ sớm.\n\n"
        "MAI PHƯƠNG\n"
    )
    doc = parse_capture(raw)
    assert doc.outlet == "Báo Tuổi Trẻ"
    assert doc.published == dt.datetime(2025, 10, 13, 10, 0, tzinfo=HCM)
    assert doc.blocks[0] == {"type": "heading", "text": "DIỄN BIẾN THỊ TRƯỜNG", "level": 2}
    assert doc.authors == ["MAI PHƯƠNG"]


@pytest.mark.parametrize("raw", ["", "\n\n  \n", "Komentar (0)\nNo data\nShare\n"])
def test_capture_without_article_is_refused(raw):
    with pytest.raises(CaptureError) as err:
        parse_capture(raw)
    assert err.value.stage == "capture"
    assert "no title and no paragraphs" in err.value.reason


def test_size_cap():
    with pytest.raises(TooLarge):
        parse_capture("Tiêu đề\n" + "chữ " * 1000, max_chars=100)


def _capture_with_source_line(line: str) -> str:
    return (
        "Giá vàng lập đỉnh mới\n\n"
        "Giá vàng trong nước tiếp tục tăng mạnh trong phiên sáng nay theo đà thế giới.\n\n"
        "Báo Tuổi Trẻ 13/10/2025 10:00\n\n"
        "Các doanh nghiệp niêm yết giá vàng miếng ở mức cao kỷ lục, người dân xếp hàng từ sớm.\n\n"
        f"{line}\n"
    )


@pytest.mark.parametrize(
    ("line", "source_url"),
    [
        ("Nguồn: https://tuoitre.vn/gia-vang-post1.htm", "https://tuoitre.vn/gia-vang-post1.htm"),
        # Trailing punctuation closes the sentence; it is not part of the address.
        ("Sumber: https://tuoitre.vn/gia-vang-post1.htm.", "https://tuoitre.vn/gia-vang-post1.htm"),
        # A bare "www." address is a web address with its scheme left out.
        ("Nguồn: www.tuoitre.vn/gia-vang-post1.htm", "https://www.tuoitre.vn/gia-vang-post1.htm"),
    ],
)
def test_the_source_line_gives_an_http_source_url(line, source_url):
    doc = parse_capture(_capture_with_source_line(line), url="file:///captures/gia-vang.txt")
    assert doc.source_url == source_url
    assert doc.flags == []


@pytest.mark.parametrize(
    "line",
    ["Source: https:///etc/passwd", "Nguồn: http://", "Source: javascript:alert(document.cookie)"],
)
def test_a_source_line_without_a_web_address_is_refused_and_flagged(line):
    doc = parse_capture(_capture_with_source_line(line), url="file:///captures/gia-vang.txt")
    assert doc.source_url == ""  # the store falls back to the capture's own URL
    assert any(flag.startswith("source line not http(s):") for flag in doc.flags), doc.flags
    assert not any(line in p for p in doc.paragraphs)
