"""Reader navigation: every language in the switcher, 404s that lead on, menus and teasers per language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from factories import make_article, make_media, make_outlet, make_section, make_text

from kabar.news.models import ArticleText

pytestmark = pytest.mark.django_db

PUBLISHED = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
CSS = Path(__file__).parents[2] / "src/kabar/site/static/site/site.css"


def soup_of(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture
def desk():
    """A Vietnamese original with an Indonesian translation and no English one; a second section
    whose only article is Vietnamese."""
    outlet = make_outlet(name="Tuổi Trẻ", language="vi")
    world = make_section("the-gioi", {"vi": "Thế giới", "en": "World", "id": "Dunia"}, position=1)
    sport = make_section("the-thao", {"vi": "Thể thao", "en": "Sport", "id": "Olahraga"}, position=2)
    summit = make_article(outlet=outlet, section=world, published_at=PUBLISHED)
    make_text(
        summit, "vi", title="Hội nghị khai mạc", slug="hoi-nghi-khai-mac", lead="Các nhà lãnh đạo gặp nhau."
    )
    make_text(summit, "id", title="KTT dibuka", slug="ktt-dibuka", lead="Para pemimpin bertemu.")
    make_media(
        summit,
        url="https://img.example/summit.jpg",
        captions={"vi": "Toàn cảnh hội nghị"},
        width=800,
        height=600,
    )
    match = make_article(outlet=outlet, section=sport, published_at=PUBLISHED - dt.timedelta(hours=1))
    make_text(match, "vi", title="Đội tuyển thắng", slug="doi-tuyen-thang", lead="Chiến thắng ba bàn.")
    return {"summit": summit, "match": match}


def switcher(soup: BeautifulSoup) -> dict[str, dict[str, str]]:
    nav = soup.find("nav", class_="languages")
    return {a["lang"]: {"href": a["href"], "class": " ".join(a.get("class", []))} for a in nav.find_all("a")}


def test_the_switcher_offers_every_site_language_and_a_missing_one_leads_to_the_original(client, desk):
    soup = soup_of(client.get("/id/2025/10/ktt-dibuka/"))
    links = switcher(soup)
    assert set(links) == {"vi", "en", "id"}
    assert links["vi"]["href"] == "/vi/2025/10/hoi-nghi-khai-mac/"
    assert links["en"]["href"] == "/vi/2025/10/hoi-nghi-khai-mac/#not-translated-en"
    assert "language-missing" in links["en"]["class"] and "language-missing" not in links["vi"]["class"]
    # The missing language is no version: no hreflang on its link, no alternate for it.
    assert soup.find("nav", class_="languages").find("a", lang="en").get("hreflang") is None
    assert "en" not in {link["hreflang"] for link in soup.find_all("link", rel="alternate", hreflang=True)}

    # The original carries the note the link points at, in the language the reader asked for.
    original = soup_of(client.get("/vi/2025/10/hoi-nghi-khai-mac/"))
    note = original.find(id="not-translated-en")
    assert note is not None and note["lang"] == "en"
    assert note.get_text(strip=True) == "This article is not yet translated into English."
    assert original.find(id="not-translated-id") is None, "Indonesian exists: no note for it"
    # A translation's page has no notes: the switcher never sends anyone there for one.
    assert soup.find(class_="notice-untranslated") is None


def test_the_untranslated_note_is_written_in_each_language(client):
    article = make_article(published_at=PUBLISHED, source_language="en")
    make_text(article, "en", title="Only in English", slug="only-in-english")
    soup = soup_of(client.get("/en/2025/10/only-in-english/"))
    notes = {p["lang"]: p.get_text(strip=True) for p in soup.select(".notice-untranslated")}
    assert notes == {
        "vi": "Bài viết này chưa được dịch sang tiếng Việt.",
        "id": "Artikel ini belum diterjemahkan ke dalam bahasa Indonesia.",
    }


def test_the_note_shows_only_when_followed_and_needs_no_inline_style():
    css = CSS.read_text()
    assert ".notice-untranslated {\n  display: none;" in css
    assert ".notice-untranslated:target {\n  display: block;" in css


def test_a_translation_url_that_does_not_exist_is_a_404_with_the_versions_that_do(client, desk):
    # The Vietnamese slug under /en/: the article has no English text.
    soup = soup_of(client.get("/en/2025/10/hoi-nghi-khai-mac/"), status=404)
    versions = soup.find(class_="existing-versions")
    assert versions.find("h2").get_text(strip=True) == "This article can be read in:"
    links = {
        a["lang"]: (a["href"], a.get_text(" ", strip=True)) for a in versions.find_all("a", hreflang=True)
    }
    assert links == {
        "vi": ("/vi/2025/10/hoi-nghi-khai-mac/", "Tiếng Việt : Hội nghị khai mạc"),
        "id": ("/id/2025/10/ktt-dibuka/", "Bahasa Indonesia : KTT dibuka"),
    }
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_an_unpublished_slug_is_a_404_that_leads_to_what_is_published(client, desk):
    text = ArticleText.objects.get(slug="ktt-dibuka")
    text.is_published = False
    text.save()
    soup = soup_of(client.get("/id/2025/10/ktt-dibuka/"), status=404)
    assert soup.find("html")["lang"] == "id"
    assert [a["href"] for a in soup.select(".existing-versions a")] == ["/vi/2025/10/hoi-nghi-khai-mac/"]
    assert soup.find("h2").get_text(strip=True) == "Artikel ini dapat dibaca dalam:"


def test_an_unknown_slug_is_the_plain_404(client, desk):
    soup = soup_of(client.get("/vi/2025/10/khong-co-bai-nay/"), status=404)
    assert soup.find(class_="existing-versions") is None
    assert soup.find("h1").get_text(strip=True) == "Không tìm thấy trang"


def test_the_section_menu_lists_only_sections_with_articles_in_the_page_language(client, desk):
    for path, expected in {
        "/vi/": ["Thế giới", "Thể thao"],
        "/id/": ["Dunia"],
        "/en/": [],
        "/id/2025/10/ktt-dibuka/": ["Dunia"],
    }.items():
        nav = soup_of(client.get(path)).find("nav", class_="sections-bar")
        assert [a.get_text(strip=True) for a in nav.find_all("a")][1:] == expected, path  # after "Home"

    # Its first Indonesian text puts the section in the Indonesian menu.
    make_text(desk["match"], "id", title="Timnas menang", slug="timnas-menang")
    nav = soup_of(client.get("/id/")).find("nav", class_="sections-bar")
    assert [a.get_text(strip=True) for a in nav.find_all("a")][1:] == ["Dunia", "Olahraga"]


def test_section_lists_show_the_picture_and_the_lead_where_the_article_has_them(client, desk):
    soup = soup_of(client.get("/vi/the-gioi/"))
    (teaser,) = soup.select(".teaser")
    assert "teaser-with-picture" in teaser["class"]
    img = teaser.select_one(".teaser-picture img")
    assert img["src"] == "https://img.example/summit.jpg" and img["width"] == "800" and img["height"] == "600"
    assert img["alt"] == "" and img["loading"] == "lazy"  # the title next to it says what it is
    assert teaser.select_one(".teaser-summary").get_text(strip=True) == "Các nhà lãnh đạo gặp nhau."

    # No picture: no picture box, the text takes the row.
    soup = soup_of(client.get("/vi/the-thao/"))
    (teaser,) = soup.select(".teaser")
    assert "teaser-with-picture" not in teaser["class"] and teaser.select_one(".teaser-picture") is None
    assert teaser.select_one(".teaser-summary").get_text(strip=True) == "Chiến thắng ba bàn."


def test_home_lists_show_the_picture_and_the_lead_below_the_featured_one(client, desk):
    newer = make_article(section=desk["summit"].section, published_at=PUBLISHED + dt.timedelta(hours=1))
    make_text(newer, "vi", title="Tin mới nhất", slug="tin-moi-nhat", lead="Mới.")
    soup = soup_of(client.get("/vi/"))
    featured = soup.select_one(".teaser-featured")
    assert featured.find("a").get_text(strip=True) == "Tin mới nhất"
    listed = {
        t.select_one(".teaser-title").get_text(strip=True): t for t in soup.select(".front-list .teaser")
    }
    assert (
        listed["Hội nghị khai mạc"].select_one(".teaser-picture img")["src"]
        == "https://img.example/summit.jpg"
    )
    assert (
        listed["Hội nghị khai mạc"].select_one(".teaser-summary").get_text(strip=True)
        == "Các nhà lãnh đạo gặp nhau."
    )
    assert listed["Đội tuyển thắng"].select_one(".teaser-picture") is None
    assert soup.find(style=True) is None, "no inline styles (CSP)"
