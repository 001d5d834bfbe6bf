"""Home, section and author pages, the `/` language redirect and the site-wide furniture."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from factories import make_article, make_author, make_outlet, make_section, make_text

from kabar.site import views

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def titles(soup: BeautifulSoup) -> list[str]:
    return [h.get_text(strip=True) for h in soup.select(".teaser-title")]


@pytest.fixture
def newsroom():
    """Two sections, an author, and articles of which only some exist in Indonesian."""
    outlet = make_outlet(name="Tuổi Trẻ", language="vi")
    people = make_section("nhan-vat", {"vi": "Nhân vật", "en": "People", "id": "Tokoh"}, position=1)
    business = make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"}, position=2)
    writer = make_author("Lan Phạm", outlet=outlet, slug="lan-pham")
    made = {}
    for n, (section, has_id) in enumerate(
        [(people, True), (business, True), (people, False), (business, True)]
    ):
        article = make_article(
            outlet=outlet, section=section, authors=[writer], published_at=NOW - dt.timedelta(hours=n)
        )
        made[f"vi{n}"] = make_text(article, "vi", title=f"Tin tiếng Việt {n}", slug=f"tin-{n}")
        if has_id:
            made[f"id{n}"] = make_text(article, "id", title=f"Berita Indonesia {n}", slug=f"berita-{n}")
    hidden = make_article(outlet=outlet, section=people, published_at=NOW + dt.timedelta(hours=1))
    make_text(hidden, "vi", title="Bài chưa đăng", slug="chua-dang", is_published=False)
    return made


def test_root_redirects_by_accept_language(client):
    for header, target in [
        ("id-ID,id;q=0.9,en;q=0.5", "/id/"),
        ("en-GB,en;q=0.9", "/en/"),
        ("fr-FR,fr;q=0.9,vi;q=0.4", "/vi/"),
        ("de-DE", f"/{settings.LANGUAGE_CODE}/"),
    ]:
        response = client.get("/", headers={"accept-language": header})
        assert response.status_code == 302, header
        assert response["Location"] == target, header
        assert "Accept-Language" in response["Vary"]


def test_home_lists_only_texts_in_the_page_language(client, newsroom):
    soup = soup_of(client.get("/id/"))
    assert soup.find("h1").get_text(strip=True) == "Berita terbaru"
    shown = titles(soup)
    assert shown == ["Berita Indonesia 0", "Berita Indonesia 1", "Berita Indonesia 3"]
    assert not [t for t in shown if "Tin tiếng Việt" in t]
    lead = soup.select_one(".teaser-featured a")
    assert lead["href"] == "/id/2025/10/berita-0/"
    vi = titles(soup_of(client.get("/vi/")))
    assert "Bài chưa đăng" not in vi
    assert vi == ["Tin tiếng Việt 0", "Tin tiếng Việt 1", "Tin tiếng Việt 2", "Tin tiếng Việt 3"]


def test_home_groups_latest_articles_by_section(client, newsroom, monkeypatch):
    monkeypatch.setattr(views, "HOME_LATEST", 1)
    soup = soup_of(client.get("/en/"))
    assert titles(soup) == []  # nothing in English yet
    soup = soup_of(client.get("/vi/"))
    groups = {
        block.find("h2").get_text(strip=True): [t.get_text(strip=True) for t in block.select(".teaser-title")]
        for block in soup.select(".section-block")
    }
    assert groups == {"Nhân vật": ["Tin tiếng Việt 2"], "Kinh tế": ["Tin tiếng Việt 1", "Tin tiếng Việt 3"]}
    assert [b.find("h2").get_text(strip=True) for b in soup.select(".section-block")] == [
        "Nhân vật",
        "Kinh tế",
    ]


def test_empty_home_says_so_without_widgets(client):
    soup = soup_of(client.get("/en/"))
    assert soup.find(class_="empty").get_text(strip=True) == "There are no articles in this language yet."
    assert "No data" not in soup.get_text()
    assert soup.find_all("h2") == []


def test_section_names_come_from_section_names_per_language(client, newsroom):
    for language, expected in {"vi": "Nhân vật", "id": "Tokoh"}.items():
        soup = soup_of(client.get(f"/{language}/nhan-vat/"))
        assert soup.find("h1").get_text(strip=True) == expected
        nav = soup.find("nav", class_="sections-bar")
        assert expected in [a.get_text(strip=True) for a in nav.find_all("a")]
        assert nav.find("a", attrs={"aria-current": "page"}).get_text(strip=True) == expected
    # No English article in it: the page still answers, named in English, but no menu offers it.
    soup = soup_of(client.get("/en/nhan-vat/"))
    assert soup.find("h1").get_text(strip=True) == "People"
    assert "People" not in [
        a.get_text(strip=True) for a in soup.find("nav", class_="sections-bar").find_all("a")
    ]


def test_section_page_lists_its_articles_and_unknown_sections_are_404(client, newsroom):
    soup = soup_of(client.get("/id/nhan-vat/"))
    assert titles(soup) == ["Berita Indonesia 0"]
    assert soup.find(class_="pagination") is None
    assert client.get("/id/no-such-section/").status_code == 404


def test_section_pagination(client, monkeypatch):
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 3)
    section = make_section("the-thao", {"vi": "Thể thao", "en": "Sport", "id": "Olahraga"})
    for n in range(7):
        article = make_article(section=section, published_at=NOW - dt.timedelta(days=n), source_language="en")
        make_text(article, "en", title=f"Match {n}", slug=f"match-{n}")
    first = soup_of(client.get("/en/the-thao/"))
    assert titles(first) == ["Match 0", "Match 1", "Match 2"]
    assert first.find("a", rel="next")["href"] == "?page=2"
    assert first.find("a", rel="prev") is None
    assert first.find(class_="page-count").get_text(strip=True) == "Page 1 of 3"
    last = soup_of(client.get("/en/the-thao/?page=3"))
    assert titles(last) == ["Match 6"]
    assert last.find("a", rel="next") is None
    assert last.find("a", rel="prev")["href"] == "?page=2"
    assert last.find("link", rel="canonical")["href"] == f"{settings.SITE_URL}/en/the-thao/?page=3"
    assert client.get("/en/the-thao/?page=4").status_code == 404
    assert client.get("/en/the-thao/?page=x").status_code == 404
    vi = soup_of(client.get("/vi/the-thao/"))
    assert (
        vi.find(class_="empty").get_text(strip=True)
        == "Chuyên mục này chưa có bài viết nào bằng ngôn ngữ này."
    )


def test_author_page(client, newsroom):
    soup = soup_of(client.get("/id/author/lan-pham/"))
    assert soup.find("h1").get_text(strip=True) == "Lan Phạm"
    subtitle = soup.find(class_="page-subtitle")
    assert " ".join(subtitle.get_text().split()) == "Menulis untuk Tuổi Trẻ"
    assert subtitle.find(lang="vi").get_text() == "Tuổi Trẻ"
    assert titles(soup) == ["Berita Indonesia 0", "Berita Indonesia 1", "Berita Indonesia 3"]
    assert client.get("/id/author/nobody/").status_code == 404


def test_non_article_pages_switch_to_the_same_page_in_every_site_language(client, newsroom):
    soup = soup_of(client.get("/vi/nhan-vat/"))
    links = {a["hreflang"]: a["href"] for a in soup.find("nav", class_="languages").find_all("a")}
    assert links == {"vi": "/vi/nhan-vat/", "en": "/en/nhan-vat/", "id": "/id/nhan-vat/"}
    alternates = {
        link["hreflang"]: link["href"] for link in soup.find_all("link", rel="alternate", hreflang=True)
    }
    assert alternates == {code: f"{settings.SITE_URL}/{code}/nhan-vat/" for code in ("vi", "en", "id")}
    assert soup.find("html")["lang"] == "vi"


def test_page_landmarks_and_translated_chrome(client, newsroom):
    for language, skip, footer in [
        ("vi", "Chuyển đến nội dung chính", "đăng lại bài viết của các cơ quan báo chí đối tác"),
        ("id", "Langsung ke konten utama", "menerbitkan ulang artikel dari media mitra"),
        ("en", "Skip to content", "republishes articles from partner outlets"),
    ]:
        soup = soup_of(client.get(f"/{language}/"))
        assert soup.find("html")["lang"] == language
        for landmark in ("header", "nav", "main", "footer"):
            assert soup.find(landmark) is not None, landmark
        skip_link = soup.find("a", class_="skip-link")
        assert skip_link["href"] == "#main" and skip_link.get_text(strip=True) == skip
        assert soup.find("main")["id"] == "main"
        assert footer in soup.find("footer").get_text()
        assert len(soup.find_all("h1")) == 1


def test_listing_pages_run_a_bounded_number_of_queries(client, newsroom, django_assert_max_num_queries):
    for n in range(10):
        article = make_article(section=make_section(), published_at=NOW - dt.timedelta(days=n + 1))
        make_text(article, "vi", slug=f"them-{n}")
    # The home page: its newest texts, the sections' ids, their newest texts (one UNION ALL), pictures.
    with django_assert_max_num_queries(5):
        soup_of(client.get("/vi/"))
    with django_assert_max_num_queries(4):
        soup_of(client.get("/vi/nhan-vat/"))
    with django_assert_max_num_queries(4):
        soup_of(client.get("/vi/author/lan-pham/"))


def test_the_featured_story_shows_its_caption_in_the_page_language(client):
    from factories import make_article, make_media, make_text

    article = make_article(source_language="vi")
    photo = {"type": "image", "src": "https://img.example/duong-dua.jpg", "credit": "BTC"}
    make_text(
        article,
        "vi",
        blocks=[
            {**photo, "caption": "Vận động viên xuất phát lúc bình minh."},
            {"type": "paragraph", "text": "Đoạn một."},
        ],
    )
    make_media(
        article, url=photo["src"], captions={"vi": "Vận động viên xuất phát lúc bình minh."}, credit="BTC"
    )
    make_text(
        article,
        "en",
        status="human",
        blocks=[
            {**photo, "caption": "Runners set off at dawn."},
            {"type": "paragraph", "text": "Paragraph one."},
        ],
    )
    page = client.get("/en/").content.decode()
    assert "Runners set off at dawn." in page and "Vận động viên" not in page


def test_each_sections_newest_texts_in_the_language_without_the_excluded_ones():
    from kabar.news.models import UNSORTED_SECTION_SLUG, Section
    from kabar.site.queries import latest_per_section

    made = {}
    for name in ("mot", "hai", "ba"):
        section = make_section(f"muc-{name}")
        for n in range(3):
            article = make_article(section=section, published_at=NOW - dt.timedelta(hours=n))
            made[(name, n)] = make_text(article, "vi", slug=f"{name}-{n}")
            make_text(article, "en", slug=f"{name}-{n}-en")
    unsorted, _ = Section.objects.get_or_create(slug=UNSORTED_SECTION_SLUG)
    make_text(make_article(section=unsorted, published_at=NOW), "vi", slug="chua-xep")
    found = latest_per_section("vi", 2, excluding=[made[("hai", 0)].pk])
    # Two each, "hai-0" excluded, never the unsorted section; newest first across sections.
    assert {t.slug for t in found} == {"mot-0", "mot-1", "hai-1", "hai-2", "ba-0", "ba-1"}
    order = [(t.article.published_at, t.article_id) for t in found]
    assert order == sorted(order, reverse=True)
    assert all(t.language == "vi" and t.article.section.slug != UNSORTED_SECTION_SLUG for t in found)
