"""OpenGraph and Twitter card tags: what a shared link of an article or the home page shows."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from factories import make_article, make_author, make_media, make_outlet, make_section, make_text

from kabar.news.models import ArticleText

pytestmark = pytest.mark.django_db

SITE = settings.SITE_URL
PUBLISHED = dt.datetime(2025, 10, 12, 3, 30, tzinfo=dt.UTC)
CORRECTED = dt.datetime(2025, 10, 13, 8, 0, tzinfo=dt.UTC)
CAPTION_ID = "Sekretaris Jenderal To Lam pada upacara penyambutan di Pyongyang."


def head_tags(client, path: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(OpenGraph property, content) pairs in page order, and the Twitter tags by name."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    head = BeautifulSoup(response.content.decode(), "html.parser").find("head")
    og = [(m["property"], m["content"]) for m in head.find_all("meta", property=True)]
    twitter = {m["name"]: m["content"] for m in head.find_all("meta", attrs={"name": True})}
    return og, {k: v for k, v in twitter.items() if k.startswith("twitter:")}


@pytest.fixture
def story() -> ArticleText:
    outlet = make_outlet(name="Báo Nhân Dân", language="vi", home_url="https://nhandan.example/")
    people = make_section("nhan-vat", {"vi": "Nhân vật", "en": "People", "id": "Tokoh"})
    writers = [
        make_author("Hạnh Nguyễn", outlet=outlet, slug="hanh-nguyen"),
        make_author("Minh Anh", slug="minh-anh"),
    ]
    article = make_article(
        outlet=outlet, section=people, authors=writers, published_at=PUBLISHED, updated_at=CORRECTED
    )
    make_media(
        article,
        url="https://img.example/lead-photo.jpg",
        width=1200,
        height=675,
        captions={"vi": "Lễ đón ở Bình Nhưỡng.", "id": CAPTION_ID},
    )
    make_text(article, "vi", title="Quan hệ Việt - Triều", slug="quan-he-viet-trieu")
    make_text(article, "en", status=ArticleText.Status.HUMAN, title="Vietnam-DPRK ties", slug="vietnam-dprk")
    return make_text(
        article, "id", title="Kerja sama Vietnam-Korea Utara", slug="kerja-sama", lead="Kunjungan kenegaraan."
    )


def test_article_open_graph_is_complete(client, story):
    og, _twitter = head_tags(client, "/id/2025/10/kerja-sama/")
    tags = dict(og)
    assert tags["og:site_name"] == "kabar"
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "Kerja sama Vietnam-Korea Utara"
    assert tags["og:description"] == "Kunjungan kenegaraan."
    assert tags["og:url"] == f"{SITE}/id/2025/10/kerja-sama/"
    assert tags["og:locale"] == "id_ID"
    assert [c for p, c in og if p == "og:locale:alternate"] == ["vi_VN", "en_US"]
    assert tags["article:published_time"] == PUBLISHED.isoformat()
    assert tags["article:modified_time"] == CORRECTED.isoformat()
    assert tags["article:section"] == "Tokoh"
    # Profile URLs, one tag per author, in the page's language.
    assert [c for p, c in og if p == "article:author"] == [
        f"{SITE}/id/author/hanh-nguyen/",
        f"{SITE}/id/author/minh-anh/",
    ]


def test_image_size_and_alt_follow_og_image(client, story):
    og, _twitter = head_tags(client, "/id/2025/10/kerja-sama/")
    properties = [p for p, _c in og]
    at = properties.index("og:image")
    # The structured properties belong to the og:image before them, so they must follow it.
    assert og[at : at + 4] == [
        ("og:image", "https://img.example/lead-photo.jpg"),
        ("og:image:width", "1200"),
        ("og:image:height", "675"),
        ("og:image:alt", CAPTION_ID),
    ]


def test_twitter_card_with_a_picture_is_large(client, story):
    _og, twitter = head_tags(client, "/id/2025/10/kerja-sama/")
    assert twitter == {
        "twitter:card": "summary_large_image",
        "twitter:title": "Kerja sama Vietnam-Korea Utara",
        "twitter:description": "Kunjungan kenegaraan.",
        "twitter:image": "https://img.example/lead-photo.jpg",
        "twitter:image:alt": CAPTION_ID,
    }


def test_article_without_picture_or_author(client):
    article = make_article(published_at=PUBLISHED)
    make_text(article, "vi", title="Giá lúa tăng", slug="gia-lua-tang", lead="Giá lúa tăng mạnh.")
    og, twitter = head_tags(client, "/vi/2025/10/gia-lua-tang/")
    properties = {p for p, _c in og}
    assert (
        not {"og:image", "og:image:width", "og:image:alt", "article:author", "article:section"} & properties
    )
    assert dict(og)["article:modified_time"] == PUBLISHED.isoformat()
    assert twitter["twitter:card"] == "summary"
    assert "twitter:image" not in twitter


def test_picture_of_unknown_size_has_no_size_tags(client):
    article = make_article(published_at=PUBLISHED)
    make_media(article, url="https://img.example/no-size.jpg")
    make_text(article, "vi", title="Ảnh không rõ cỡ", slug="anh-khong-ro-co")
    og, twitter = head_tags(client, "/vi/2025/10/anh-khong-ro-co/")
    properties = {p for p, _c in og}
    assert dict(og)["og:image"] == "https://img.example/no-size.jpg"
    assert not {"og:image:width", "og:image:height", "og:image:alt"} & properties
    assert twitter["twitter:card"] == "summary_large_image"


def test_capture_placeholder_is_not_shared_as_an_image(client):
    # Plain-text captures know a photo only by its caption; there is no picture to show a link with.
    article = make_article(published_at=PUBLISHED)
    make_text(
        article,
        "vi",
        title="Bản ghi văn bản",
        slug="ban-ghi",
        blocks=[
            {"type": "paragraph", "text": "Đoạn mở đầu."},
            {"type": "image", "src": "capture:image-1", "caption": "Ảnh minh họa"},
        ],
    )
    og, twitter = head_tags(client, "/vi/2025/10/ban-ghi/")
    assert "og:image" not in dict(og)
    assert twitter["twitter:card"] == "summary"


def test_home_page_shares_as_a_website(client):
    og, twitter = head_tags(client, "/vi/")
    tags = dict(og)
    assert tags["og:type"] == "website"
    assert tags["og:url"] == f"{SITE}/vi/"
    assert tags["og:title"] == "kabar · Tin mới nhất"
    assert tags["og:locale"] == "vi_VN"
    assert [c for p, c in og if p == "og:locale:alternate"] == ["en_US", "id_ID"]
    assert twitter["twitter:card"] == "summary"
    assert twitter["twitter:title"] == tags["og:title"]


def test_picture_urls_are_escaped_as_uris(client):
    # A space or a Vietnamese letter in an outlet's picture name is not a URL a crawler fetches.
    article = make_article(published_at=PUBLISHED)
    make_media(article, url="https://img.example/ảnh lễ hội.jpg", width=1200, height=800)
    make_text(article, "vi", title="Lễ hội đèn lồng", slug="le-hoi-den-long")
    og, twitter = head_tags(client, "/vi/2025/10/le-hoi-den-long/")
    escaped = "https://img.example/%E1%BA%A3nh%20l%E1%BB%85%20h%E1%BB%99i.jpg"
    assert dict(og)["og:image"] == escaped
    assert twitter["twitter:image"] == escaped


def test_every_version_names_the_same_x_default_when_the_original_is_not_served(client):
    # A French original: the site serves only its Vietnamese and English translations.
    article = make_article(published_at=PUBLISHED, source_language="fr")
    make_text(article, "fr", title="Fête des lanternes", slug="fete-des-lanternes")
    make_text(article, "vi", title="Lễ hội đèn lồng", slug="le-hoi-den-long-fr")
    make_text(article, "en", title="Lantern festival", slug="lantern-festival-fr")
    x_defaults = set()
    for path in ("/vi/2025/10/le-hoi-den-long-fr/", "/en/2025/10/lantern-festival-fr/"):
        head = BeautifulSoup(client.get(path).content.decode(), "html.parser").find("head")
        x_defaults |= {link["href"] for link in head.find_all("link", hreflang="x-default")}
    assert x_defaults == {f"{SITE}/vi/2025/10/le-hoi-den-long-fr/"}, (
        "the first site language, as the sitemap says"
    )
