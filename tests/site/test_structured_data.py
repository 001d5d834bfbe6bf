"""JSON-LD on reader pages, read back from rendered HTML and checked against Google's guidance.

The schema (schemas/google_news_article.schema.json) encodes what Google documents for Article
and BreadcrumbList; these tests render real pages (an original, its machine translation, an
article without a picture, one without a byline, the home page) and validate every block.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.staticfiles import finders
from factories import make_article, make_author, make_media, make_outlet, make_section, make_text
from jsonschema import Draft202012Validator

from kabar.news.models import ArticleText
from kabar.site import structured_data

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(__file__).parent / "schemas" / "google_news_article.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
SITE = settings.SITE_URL
PUBLISHED = dt.datetime(2025, 10, 12, 3, 30, tzinfo=dt.UTC)
CORRECTED = dt.datetime(2025, 10, 13, 8, 0, tzinfo=dt.UTC)
SOURCE_URL = "https://nhandan.example/quan-he-viet-nam-trieu-tien-post914702.html"
TITLE_VI = "Quan hệ Việt Nam - Triều Tiên bước vào giai đoạn mới"
TITLE_ID = "Kerja sama Vietnam-Korea Utara memasuki fase baru"
LEAD_ID = "Kunjungan kenegaraan ini menandai tonggak penting dalam kerja sama bilateral."
CAPTION_ID = "Sekretaris Jenderal To Lam pada upacara penyambutan di Pyongyang."


def errors_of(data: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in VALIDATOR.iter_errors(data)
    ]


def json_ld(response) -> list[dict[str, Any]]:
    """Every JSON-LD block of a page, parsed as a search engine would."""
    assert response.status_code == 200, response.status_code
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return [json.loads(tag.string) for tag in soup.find_all("script", type="application/ld+json")]


def by_type(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    types = [b["@type"] for b in blocks]
    assert len(types) == len(set(types)), types
    return {b["@type"]: b for b in blocks}


def assert_valid_page(blocks: list[dict[str, Any]]) -> None:
    assert blocks, "no JSON-LD on the page"
    for block in blocks:
        assert errors_of(block) == [], block
        if block["@type"] == "BreadcrumbList":
            # What the schema cannot say: positions count 1, 2, 3 … and only the last crumb may lack a URL.
            crumbs = block["itemListElement"]
            assert [c["position"] for c in crumbs] == list(range(1, len(crumbs) + 1))
            assert all("item" in c for c in crumbs[:-1])
        if block["@type"] == "NewsArticle":
            assert block["dateModified"] >= block["datePublished"]


@pytest.fixture
def story() -> ArticleText:
    """A Vietnamese original with two pictures, an English human translation and an Indonesian machine one."""
    outlet = make_outlet(name="Báo Nhân Dân", language="vi", home_url="https://nhandan.example/")
    people = make_section("nhan-vat", {"vi": "Nhân vật", "en": "People", "id": "Tokoh"}, position=1)
    writer = make_author("Hạnh Nguyễn", outlet=outlet, slug="hanh-nguyen")
    article = make_article(
        outlet=outlet,
        section=people,
        authors=[writer],
        published_at=PUBLISHED,
        updated_at=CORRECTED,
        source_url=SOURCE_URL,
    )
    make_media(
        article,
        url="https://img.example/lead-photo.jpg",
        width=1200,
        height=675,
        captions={"vi": "Tổng Bí thư Tô Lâm tại lễ đón ở Bình Nhưỡng.", "id": CAPTION_ID},
        credit="VNA",
    )
    make_media(article, url="https://img.example/second-photo.jpg", width=800, height=800)
    make_text(article, "vi", title=TITLE_VI, slug="quan-he-viet-trieu")
    make_text(
        article, "en", status=ArticleText.Status.HUMAN, title="Vietnam-DPRK ties", slug="vietnam-dprk-ties"
    )
    return make_text(
        article,
        "id",
        status=ArticleText.Status.MACHINE,
        title=TITLE_ID,
        lead=LEAD_ID,
        slug="kerja-sama-vietnam-korea-utara",
    )


def test_original_page_credits_the_outlet_and_lists_its_translations(client, story):
    blocks = json_ld(client.get("/vi/2025/10/quan-he-viet-trieu/"))
    assert_valid_page(blocks)
    news = by_type(blocks)["NewsArticle"]
    page = f"{SITE}/vi/2025/10/quan-he-viet-trieu/"
    assert news["headline"] == TITLE_VI
    assert news["inLanguage"] == "vi"
    assert news["url"] == page
    assert news["mainEntityOfPage"] == {"@type": "WebPage", "@id": page}
    assert news["datePublished"] == PUBLISHED.isoformat()
    assert news["dateModified"] == CORRECTED.isoformat()
    assert news["author"] == [
        {"@type": "Person", "name": "Hạnh Nguyễn", "url": f"{SITE}/vi/author/hanh-nguyen/"}
    ]
    assert news["isBasedOn"] == SOURCE_URL
    assert news["sourceOrganization"] == {
        "@type": "NewsMediaOrganization",
        "name": "Báo Nhân Dân",
        "url": "https://nhandan.example/",
    }
    assert news["articleSection"] == "Nhân vật"
    assert "translationOfWork" not in news
    assert news["workTranslation"] == [
        {
            "@type": "NewsArticle",
            "@id": f"{SITE}/en/2025/10/vietnam-dprk-ties/#article",
            "url": f"{SITE}/en/2025/10/vietnam-dprk-ties/",
            "inLanguage": "en",
        },
        {
            "@type": "NewsArticle",
            "@id": f"{SITE}/id/2025/10/kerja-sama-vietnam-korea-utara/#article",
            "url": f"{SITE}/id/2025/10/kerja-sama-vietnam-korea-utara/",
            "inLanguage": "id",
        },
    ]
    # Both stored pictures, the lead first, each with the size the page knows.
    assert [(i["url"], i.get("width"), i.get("height")) for i in news["image"]] == [
        ("https://img.example/lead-photo.jpg", 1200, 675),
        ("https://img.example/second-photo.jpg", 800, 800),
    ]
    assert news["image"][0]["creditText"] == "VNA"


def test_publisher_is_the_site_with_its_logo(client, story):
    news = by_type(json_ld(client.get("/vi/2025/10/quan-he-viet-trieu/")))["NewsArticle"]
    publisher = news["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == structured_data.site_name()
    assert publisher["url"] == f"{SITE}/"
    if finders.find(structured_data.LOGO_STATIC_PATH):
        assert publisher["logo"] == {
            "@type": "ImageObject",
            "url": f"{SITE}/static/{structured_data.LOGO_STATIC_PATH}",
            "width": 512,
            "height": 512,
        }
        assert client.get(f"/static/{structured_data.LOGO_STATIC_PATH}").status_code == 200
    else:
        assert "logo" not in publisher


def test_machine_translation_points_to_the_original_page(client, story):
    blocks = json_ld(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/"))
    assert_valid_page(blocks)
    found = by_type(blocks)
    news = found["NewsArticle"]
    assert news["headline"] == TITLE_ID
    assert news["inLanguage"] == "id"
    assert news["description"] == LEAD_ID
    assert news["translationOfWork"] == {
        "@type": "NewsArticle",
        "@id": f"{SITE}/vi/2025/10/quan-he-viet-trieu/#article",
        "url": f"{SITE}/vi/2025/10/quan-he-viet-trieu/",
        "inLanguage": "vi",
    }
    assert "workTranslation" not in news
    # The partner is credited on translations too, and the author page is the Indonesian one.
    assert news["isBasedOn"] == SOURCE_URL
    assert news["author"][0]["url"] == f"{SITE}/id/author/hanh-nguyen/"
    assert news["image"][0]["caption"] == CAPTION_ID
    assert found["BreadcrumbList"]["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": structured_data.site_name(), "item": f"{SITE}/id/"},
        {"@type": "ListItem", "position": 2, "name": "Tokoh", "item": f"{SITE}/id/nhan-vat/"},
        {
            "@type": "ListItem",
            "position": 3,
            "name": TITLE_ID,
            "item": f"{SITE}/id/2025/10/kerja-sama-vietnam-korea-utara/",
        },
    ]


def test_translation_of_an_original_the_site_does_not_serve_points_to_the_outlet(client, story):
    ArticleText.objects.filter(article=story.article, language="vi").update(is_published=False)
    news = by_type(json_ld(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/")))["NewsArticle"]
    assert errors_of(news) == []
    assert news["translationOfWork"] == {"@type": "NewsArticle", "url": SOURCE_URL, "inLanguage": "vi"}


def test_article_without_a_picture_has_no_image(client):
    article = make_article(published_at=PUBLISHED, authors=[make_author("Minh Anh", slug="minh-anh")])
    make_text(article, "vi", title="Giá lúa tăng", slug="gia-lua-tang", lead="Giá lúa tăng mạnh.")
    blocks = json_ld(client.get("/vi/2025/10/gia-lua-tang/"))
    assert_valid_page(blocks)
    found = by_type(blocks)
    assert "image" not in found["NewsArticle"]
    # No update recorded: modified is the publication time, as Google asks for a dateModified.
    assert found["NewsArticle"]["dateModified"] == PUBLISHED.isoformat()
    # No section: home, then the article.
    assert [c["name"] for c in found["BreadcrumbList"]["itemListElement"]] == [
        structured_data.site_name(),
        "Giá lúa tăng",
    ]


def test_article_without_a_byline_names_the_outlet_as_author(client):
    outlet = make_outlet(name="Tuổi Trẻ", home_url="https://tuoitre.example/")
    article = make_article(outlet=outlet, published_at=PUBLISHED)
    make_text(article, "vi", title="Cảng biển mới", slug="cang-bien-moi")
    make_text(article, "id", title="Pelabuhan baru", slug="pelabuhan-baru")
    for path in ("/vi/2025/10/cang-bien-moi/", "/id/2025/10/pelabuhan-baru/"):
        blocks = json_ld(client.get(path))
        assert_valid_page(blocks)
        assert by_type(blocks)["NewsArticle"]["author"] == [
            {"@type": "NewsMediaOrganization", "name": "Tuổi Trẻ", "url": "https://tuoitre.example/"}
        ]


def test_long_headline_is_cut_to_110_characters(client):
    title = "Quốc hội thông qua chủ trương đầu tư " + "tuyến đường sắt tốc độ cao Bắc - Nam " * 4
    article = make_article(published_at=PUBLISHED)
    make_text(article, "vi", title=title.strip(), slug="duong-sat")
    found = by_type(json_ld(client.get("/vi/2025/10/duong-sat/")))
    headline = found["NewsArticle"]["headline"]
    assert len(headline) <= structured_data.HEADLINE_MAX_CHARS
    assert headline.endswith("…") and title.startswith(headline[:-1])
    assert errors_of(found["NewsArticle"]) == []
    # The breadcrumb names the page by its whole title.
    assert found["BreadcrumbList"]["itemListElement"][-1]["name"] == title.strip()


def test_markup_in_a_title_cannot_end_the_script_element(client):
    hostile = 'Tin nóng </script><script>alert("x")</script><!-- & </SCRIPT >'
    article = make_article(published_at=PUBLISHED)
    make_text(article, "vi", title=hostile, slug="tin-nong", lead="<b>Mở</b> & đầu")
    response = client.get("/vi/2025/10/tin-nong/")
    html = response.content.decode()
    head = html[: html.index("</head>")]
    soup = BeautifulSoup(html, "html.parser")
    # Only the JSON-LD blocks are scripts: nothing broke out into a script of its own.
    assert [tag.get("type") for tag in soup.find_all("script")] == ["application/ld+json"] * 2
    blocks = json_ld(response)
    assert by_type(blocks)["NewsArticle"]["headline"] == hostile
    assert by_type(blocks)["BreadcrumbList"]["itemListElement"][-1]["name"] == hostile
    for block in soup.find_all("script", type="application/ld+json"):
        assert not {"<", ">", "&"} & set(block.string)
    assert "alert(" in head and '<script>alert("x")' not in head


def test_script_text_escapes_what_could_end_the_element():
    text = structured_data.script_text({"headline": "a</script>b<!--c&d", "name": "Tiếng Việt"})
    assert text == '{"headline": "a\\u003C/script\\u003Eb\\u003C!--c\\u0026d", "name": "Tiếng Việt"}'
    assert json.loads(text) == {"headline": "a</script>b<!--c&d", "name": "Tiếng Việt"}


def test_home_page_describes_the_site_and_its_search(client, story):
    blocks = json_ld(client.get("/en/"))
    assert_valid_page(blocks)
    site = by_type(blocks)["WebSite"]
    assert site["url"] == f"{SITE}/en/"
    assert site["inLanguage"] == "en"
    template = site["potentialAction"]["target"]["urlTemplate"]
    assert template == f"{SITE}/en/search/?q={{search_term_string}}"
    # The template leads to the site's own search page.
    response = client.get(template.removeprefix(SITE).replace("{search_term_string}", "Vietnam"))
    assert response.status_code in {200, 503}  # 503: no search backend in this test run
    assert response.templates[0].name == "site/search.html"


def test_other_pages_carry_no_article_markup(client, story):
    for path in ("/vi/nhan-vat/", "/vi/author/hanh-nguyen/"):
        assert json_ld(client.get(path)) == []


def test_schema_rejects_what_google_warns_about(client, story):
    """The schema has teeth: each defect Google documents makes a rendered, valid block fail."""
    blocks = by_type(json_ld(client.get("/id/2025/10/kerja-sama-vietnam-korea-utara/")))
    news, crumbs = blocks["NewsArticle"], blocks["BreadcrumbList"]
    assert errors_of(news) == [] and errors_of(crumbs) == []

    def broken(data: dict[str, Any], change) -> dict[str, Any]:
        data = copy.deepcopy(data)
        change(data)
        return data

    defects = {
        "headline over 110 characters": broken(news, lambda d: d.update(headline="x" * 111)),
        "date without a time zone": broken(news, lambda d: d.update(datePublished="2025-10-12T03:30:00")),
        "date only": broken(news, lambda d: d.update(dateModified="2025-10-12")),
        "author without url": broken(news, lambda d: d["author"][0].pop("url")),
        "byline word in the name": broken(news, lambda d: d["author"][0].update(name="Oleh Hạnh Nguyễn")),
        "no author": broken(news, lambda d: d.pop("author")),
        "relative image URL": broken(news, lambda d: d["image"][0].update(url="/media/a.jpg")),
        "width without height": broken(news, lambda d: d["image"][0].pop("height")),
        "no credit to the outlet": broken(news, lambda d: d.pop("isBasedOn")),
        "translation and original at once": broken(
            news, lambda d: d.update(workTranslation=[d["translationOfWork"]])
        ),
        "one crumb": broken(crumbs, lambda d: d.update(itemListElement=d["itemListElement"][:1])),
        "crumb without a name": broken(crumbs, lambda d: d["itemListElement"][0].pop("name")),
        "crumb position as text": broken(crumbs, lambda d: d["itemListElement"][0].update(position="1")),
    }
    for defect, data in defects.items():
        assert errors_of(data), defect


def test_picture_urls_are_escaped_as_uris(client):
    # An outlet's picture name may hold spaces and Vietnamese letters; a URL with a raw space is one
    # a crawler cannot fetch (the feeds, sitemaps and ninjs escape the same URL the same way).
    article = make_article(published_at=PUBLISHED)
    make_media(article, url="https://img.example/ảnh lũ 1.jpg", width=1200, height=675)
    make_text(article, "vi", title="Lũ ở Huế", slug="lu-o-hue")
    blocks = json_ld(client.get("/vi/2025/10/lu-o-hue/"))
    assert_valid_page(blocks)
    image = by_type(blocks)["NewsArticle"]["image"][0]
    assert image["url"] == image["contentUrl"] == "https://img.example/%E1%BA%A3nh%20l%C5%A9%201.jpg"
