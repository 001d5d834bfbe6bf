"""Images lifted with their captions and credits, in the markup patterns CMSs use."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from kabar.core.extract.extract_images import NO_PICTURE, PLACEHOLDER, image_source, lift_images

BASE = "https://news.example.vn/thoi-su/bai-viet.html"


def lift(body: str) -> list[tuple[str, str, str]]:
    tree = lxml.html.document_fromstring(f"<html><body><article>{body}</article></body></html>")
    lifted = lift_images(tree, BASE)
    # Every lifted construct now stands as one placeholder <img>, and no caption text is left behind.
    placeholders = [img.get("src", "") for img in tree.iter("img") if PLACEHOLDER.search(img.get("src", ""))]
    assert len(placeholders) == len(lifted)
    for item in lifted:
        if item.image.caption:
            assert item.image.caption not in tree.text_content()
    return [(i.image.src, i.image.caption, i.image.credit) for i in lifted]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<figure><img src="/a.jpg"><figcaption>Quang cảnh phiên họp. Ảnh: VGP</figcaption></figure>',
            ("https://news.example.vn/a.jpg", "Quang cảnh phiên họp.", "VGP"),
        ),
        (
            '<div class="wp-caption"><img src="https://cdn.example.com/b.jpg">'
            '<p class="wp-caption-text">Harbour at dawn. Photo: Reuters</p></div>',
            ("https://cdn.example.com/b.jpg", "Harbour at dawn.", "Reuters"),
        ),
        (
            '<table class="tplCaption"><tr><td><img src="/c.jpg"></td></tr>'
            "<tr><td>Đoàn công tác thăm nhà máy (Ảnh: TTXVN)</td></tr></table>",
            ("https://news.example.vn/c.jpg", "Đoàn công tác thăm nhà máy", "TTXVN"),
        ),
        (
            '<table class="expNoEdit"><tr><td><img data-src="/2025/10/hang-cho.jpg" src="data:image/gif;base64,AA"></td></tr>'
            "<tr><td>Người dân xếp hàng chờ làm thủ tục.</td></tr></table>",
            ("https://news.example.vn/2025/10/hang-cho.jpg", "Người dân xếp hàng chờ làm thủ tục.", ""),
        ),
        (
            '<div class="article-photo"><img src="/d.jpg"><div class="image-caption">Suasana pasar pagi.</div>'
            '<span class="credit">Foto: ANTARA</span></div>',
            ("https://news.example.vn/d.jpg", "Suasana pasar pagi.", "ANTARA"),
        ),
        (
            '<p><img src="/e.jpg"></p><p><em>Petugas memeriksa dokumen. (Foto: Andi)</em></p>',
            ("https://news.example.vn/e.jpg", "Petugas memeriksa dokumen.", "Andi"),
        ),
        (
            '<img src="/f.jpg"><p class="caption">The new bridge at night.</p>',
            ("https://news.example.vn/f.jpg", "The new bridge at night.", ""),
        ),
        (
            '<figure><img src="/IMG_2231.jpg" alt="IMG_2231.jpg"><figcaption>IMG_2231.jpg</figcaption></figure>',
            ("https://news.example.vn/IMG_2231.jpg", "", ""),
        ),
    ],
)
def test_caption_patterns(markup: str, expected: tuple[str, str, str]) -> None:
    assert lift(markup) == [expected]


def test_alt_text_is_never_the_caption() -> None:
    assert lift('<p>Text before.</p><img src="/g.jpg" alt="A man walking"><p>Unrelated paragraph.</p>') == [
        ("https://news.example.vn/g.jpg", "", "")
    ]


def test_decoration_is_skipped() -> None:
    found = lift(
        '<img src="/logo.png"><img src="/x.jpg" width="1" height="1">'
        '<a href="/other-story.html"><img src="/thumb.jpg"></a>'
        '<img src="data:image/png;base64,AAAA">'
    )
    assert found == []


def test_picture_takes_the_largest_source() -> None:
    tree = lxml.html.fromstring(
        '<div><picture><source srcset="/s.webp 480w, /l.webp 1600w, /m.webp 960w">'
        '<img src="/s.jpg"></picture></div>'
    )
    assert image_source(next(tree.iter("img"))) == "/l.webp"


def test_lazy_placeholder_src_is_not_the_picture() -> None:
    img = lxml.html.fromstring('<img src="/images/blank.gif" data-original="/real/photo.jpg">')
    assert image_source(img) == "/real/photo.jpg"


def test_text_anchors_record_the_neighbouring_paragraphs() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><p>First paragraph here.</p><figure><img src='/a.jpg'><figcaption>Cap</figcaption>"
        "</figure><p>Second paragraph follows.</p></body></html>"
    )
    (item,) = lift_images(tree, BASE)
    assert item.text_before == "first paragraph here"
    assert item.text_after == "second paragraph follows"


def lift_from(url: str, body: str, head: str = "") -> tuple[list[tuple[str, str]], list[str]]:
    """``([(src, caption)], refused srcs)`` for a document at ``url``."""
    tree = lxml.html.document_fromstring(
        f"<html><head>{head}</head><body><article>{body}</article></body></html>"
    )
    refused: list[str] = []
    lifted = lift_images(tree, url, refused=refused)
    return [(i.image.src, i.image.caption) for i in lifted], refused


@pytest.mark.parametrize(
    ("head", "src", "address"),
    [
        ("", "file:///etc/passwd", "file:///etc/passwd"),
        ("", "javascript:alert(1)", "javascript:alert(1)"),
        ('<base href="file:///etc/">', "shadow.jpg", "file:///etc/shadow.jpg"),
        ('<base href="ftp://files.example/">', "a.jpg", "ftp://files.example/a.jpg"),
    ],
)
def test_a_web_page_gets_web_images_only(head: str, src: str, address: str) -> None:
    """What a fetched page names as a picture becomes a file the image downloader reads."""
    body = f'<figure><img src="{src}"><figcaption>Cảnh xe buýt.</figcaption></figure><img src="{src}">'
    images, refused = lift_from(BASE, body, head)
    # The captioned one stays, without a picture; the bare one has nothing left to show.
    assert images == [("no-picture:image-1", "Cảnh xe buýt.")]
    assert NO_PICTURE.match(images[0][0])
    assert refused == [address, address]


def test_a_web_page_keeps_protocol_relative_and_absolute_web_images() -> None:
    images, refused = lift_from(
        BASE,
        '<figure><img src="//cdn.example.vn/a.jpg"><figcaption>A.</figcaption></figure>'
        '<figure><img src="http://img.example.vn/b.jpg"><figcaption>B.</figcaption></figure>',
    )
    assert images == [("https://cdn.example.vn/a.jpg", "A."), ("http://img.example.vn/b.jpg", "B.")]
    assert refused == []


def test_a_local_page_keeps_images_under_its_own_folder_only(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "ok.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "outside.jpg").write_bytes(b"\xff\xd8")
    (folder / "img" / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    figures = [
        "img/ok.jpg",  # beside the page: kept
        (folder / "img" / "ok.jpg").as_uri(),  # the same, spelled absolute
        "../outside.jpg",  # climbs out of the folder
        "img/../../outside.jpg",
        "img/link.jpg",  # a link that points out of the folder
        "file:///etc/passwd",
        "file://otherhost/share/x.jpg",  # another machine's file
        "https://cdn.example.vn/a.jpg",  # web images stay web images
    ]
    body = "".join(
        f'<figure><img src="{src}"><figcaption>Ảnh {n}.</figcaption></figure>'
        for n, src in enumerate(figures)
    )
    images, refused = lift_from((folder / "page.html").as_uri(), body)
    ok = (folder / "img" / "ok.jpg").as_uri()
    assert [src for src, _caption in images] == [
        ok,
        ok,
        "no-picture:image-3",
        "no-picture:image-4",
        "no-picture:image-5",
        "no-picture:image-6",
        "no-picture:image-7",
        "https://cdn.example.vn/a.jpg",
    ]
    assert len(refused) == 5


@pytest.mark.parametrize(
    "src",
    [
        "http://[",  # urljoin: "Invalid IPv6 URL"
        "http://[::1/x.jpg",
        "https://cdn.example.vn/" + "a" * 10_000 + ".jpg",  # longer than any server takes
        "https://cdn.example.vn/a\x01b.jpg",  # a control character (lxml keeps it in the attribute)
    ],
)
def test_an_image_address_that_is_not_a_url_drops_only_that_picture(src: str) -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><article>"
        f'<figure><img src="{src}"><figcaption>Ảnh hỏng địa chỉ.</figcaption></figure>'
        f'<img src="{src}" width="600">'
        '<figure><img src="/ok.jpg"><figcaption>Ảnh tốt.</figcaption></figure>'
        "</article></body></html>"
    )
    warnings: list[str] = []
    lifted = lift_images(tree, BASE, warnings=warnings)
    assert [(i.image.src, i.image.caption) for i in lifted] == [
        ("no-picture:image-1", "Ảnh hỏng địa chỉ."),  # the caption stays, without a picture
        ("https://news.example.vn/ok.jpg", "Ảnh tốt."),
    ]
    assert warnings == ["dropped an image address that is not a valid URL"] * 2


def test_a_broken_base_href_is_ignored_with_a_warning() -> None:
    tree = lxml.html.document_fromstring(
        '<html><head><base href="http://["></head><body><article>'
        '<figure><img src="/a.jpg"><figcaption>Cap</figcaption></figure></article></body></html>'
    )
    warnings: list[str] = []
    (item,) = lift_images(tree, BASE, warnings=warnings)
    assert item.image.src == "https://news.example.vn/a.jpg"  # resolved against the page itself
    assert warnings == ["ignored <base href>: not a valid URL"]


@pytest.mark.parametrize(
    ("value", "expected"), [("640", 640), ("640px", 640), ("²", None), ("9" * 5000, None)]
)
def test_size_attributes_are_ascii_digits_only(value: str, expected: int | None) -> None:
    # int("²") raises although "²".isdigit(); int("9" * 5000) passes Python's digit limit.
    tree = lxml.html.document_fromstring(
        f'<html><body><figure><img src="/a.jpg" width="{value}"><figcaption>Cap</figcaption></figure></body></html>'
    )
    (item,) = lift_images(tree, BASE)
    assert item.image.width == expected
