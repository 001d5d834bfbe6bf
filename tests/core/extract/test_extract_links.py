"""extract_html and the addresses a page declares: its canonical link, its "Nguồn:" line, its images.

A page is untrusted input. What it declares becomes the article's identity
(``source_url``, the key the store files articles under), a link on the
reader site and a file the image downloader reads, so each is checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kabar.core.extract.extract import extract_html
from kabar.core.types import Extracted

PAGE_URL = "https://bao.example/giao-thong/xe-buyt-dien.html"
PARAGRAPHS = (
    "<p>Hội đồng nhân dân thành phố đã thông qua kế hoạch mở thêm ba tuyến xe buýt điện trong năm tới, "
    "theo thông báo được đưa ra vào chiều nay tại trụ sở.</p>"
    "<p>Các tuyến mới sẽ nối sân bay với trung tâm và hai khu đô thị phía bắc, với giá vé thấp hơn "
    "nhiều so với taxi, theo ban quản lý dự án.</p>"
    "<p>Ban quản lý cho biết các trạm sạc nhanh sẽ được lắp đặt tại ba bến đỗ trước khi các tuyến "
    "đi vào hoạt động trong quý đầu tiên.</p>"
)


def page(head: str = "", body: str = "") -> str:
    return (
        f'<html lang="vi"><head><title>Ba tuyến xe buýt điện mới</title>{head}</head><body><article>'
        f"<h1>Ba tuyến xe buýt điện mới</h1>{PARAGRAPHS}{body}</article></body></html>"
    )


def extract(head: str = "", body: str = "", url: str = PAGE_URL) -> Extracted:
    return extract_html(page(head, body), url=url)


@pytest.mark.parametrize(
    "head",
    [
        '<link rel="canonical" href="javascript:alert(document.cookie)">',
        '<link rel="canonical" href=" JaVaScRiPt:alert(1)">',
        '<link rel="canonical" href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">',
        '<link rel="canonical" href="file:///etc/passwd">',
    ],
)
def test_a_canonical_link_that_is_not_http_is_refused_and_flagged(head: str) -> None:
    doc = extract(head)
    assert doc.source_url == PAGE_URL
    assert doc.url == PAGE_URL
    assert any(flag.startswith("canonical not http(s):") for flag in doc.flags), doc.flags


def test_a_canonical_on_another_host_does_not_become_the_identity() -> None:
    doc = extract('<link rel="canonical" href="https://victim.example/their-story.html">')
    assert doc.source_url == PAGE_URL
    assert "canonical on other host: https://victim.example/their-story.html" in doc.flags


def test_an_og_url_on_another_host_does_not_become_the_identity() -> None:
    doc = extract('<meta property="og:url" content="https://victim.example/their-story.html">')
    assert doc.source_url == PAGE_URL
    assert "canonical on other host: https://victim.example/their-story.html" in doc.flags


@pytest.mark.parametrize(
    "canonical",
    ["/giao-thong/xe-buyt-dien-post1.html", "https://www.bao.example/giao-thong/xe-buyt-dien-post1.html"],
)
def test_a_canonical_on_the_same_site_is_the_identity(canonical: str) -> None:
    doc = extract(f'<link rel="canonical" href="{canonical}">')
    assert doc.source_url.endswith("bao.example/giao-thong/xe-buyt-dien-post1.html")
    assert doc.source_url.startswith("https://")
    assert doc.flags == []


def test_the_source_line_names_another_outlet_on_purpose() -> None:
    doc = extract(
        '<link rel="canonical" href="https://bao.example/giao-thong/xe-buyt-dien.html">',
        '<p>Nguồn: <a href="https://baogoc.example.vn/xe-buyt-dien-post9.html">Báo Gốc</a></p>',
    )
    assert doc.source_url == "https://baogoc.example.vn/xe-buyt-dien-post9.html"
    assert not any("Nguồn" in p for p in doc.paragraphs)


@pytest.mark.parametrize(
    "line",
    [
        '<p>Nguồn: <a href="javascript:alert(1)">Báo Gốc</a></p>',
        "<p>Sumber: javascript:alert(1)</p>",
        "<p>Source: https:///etc/passwd</p>",
    ],
)
def test_a_source_line_that_is_not_http_never_becomes_the_source(line: str) -> None:
    doc = extract(body=line)
    assert doc.source_url == PAGE_URL


@pytest.mark.parametrize(
    "figure",
    [
        '<figure><img src="file:///etc/passwd"><figcaption>Xe buýt tại bến. Ảnh: VGP</figcaption></figure>',
        '<figure><img src="javascript:alert(1)"><figcaption>Xe buýt tại bến. Ảnh: VGP</figcaption></figure>',
    ],
)
def test_images_of_a_web_page_are_web_images(figure: str) -> None:
    doc = extract(body=figure)
    (image,) = doc.images
    assert not image.src.startswith(("file:", "javascript:"))
    assert not image.src.startswith(("http://", "https://", "/"))  # the site shows "no picture"
    assert (image.caption, image.credit) == ("Xe buýt tại bến.", "VGP")
    assert any(flag.startswith("image address refused:") for flag in doc.flags), doc.flags


def test_a_base_href_cannot_turn_web_images_into_local_files() -> None:
    doc = extract(
        '<base href="file:///etc/">',
        '<figure><img src="shadow.jpg"><figcaption>Xe buýt tại bến. Ảnh: VGP</figcaption></figure>',
    )
    assert [(i.caption, i.src.startswith("file:")) for i in doc.images] == [("Xe buýt tại bến.", False)]


def test_a_saved_page_keeps_its_own_local_images_only(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "xe-buyt.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "secret.jpg").write_bytes(b"\xff\xd8")
    doc = extract(
        body='<figure><img src="img/xe-buyt.jpg"><figcaption>Xe buýt tại bến. Ảnh: VGP</figcaption></figure>'
        '<figure><img src="../secret.jpg"><figcaption>Trạm sạc nhanh. Ảnh: TTXVN</figcaption></figure>',
        url=(folder / "page.html").as_uri(),
    )
    by_caption = {image.caption: image.src for image in doc.images}
    assert by_caption["Xe buýt tại bến."] == (folder / "img" / "xe-buyt.jpg").as_uri()
    assert not by_caption["Trạm sạc nhanh."].startswith("file:")


def test_a_page_full_of_refused_images_names_only_a_few() -> None:
    figures = "".join(
        f'<figure><img src="file:///srv/{n}.jpg"><figcaption>Ảnh số {n}. Ảnh: VGP</figcaption></figure>'
        for n in range(8)
    )
    doc = extract(body=figures)
    refused = [flag for flag in doc.flags if flag.startswith("image address refused:")]
    assert refused[:5] == [f"image address refused: file:///srv/{n}.jpg" for n in range(5)]
    assert refused[5:] == ["image address refused: 3 more"]
    assert len(doc.images) == 8 and not any(i.src.startswith("file:") for i in doc.images)
