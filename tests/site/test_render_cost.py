"""What a reader page costs the database: few queries, and list entries without article bodies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import make_article, make_author, make_outlet, make_section, make_text

from kabar.news.models import Media, Section, Story
from kabar.site.context import section_menu_key
from kabar.site.languages import site_language_codes
from kabar.stories.models import StoryMembership

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
BIG_BODY = [{"type": "paragraph", "text": f"Đoạn văn dài số {n} của một bài báo rất dài."} for n in range(40)]


@pytest.fixture(autouse=True)
def no_page_cache(settings: Any) -> None:
    if hasattr(settings, "PAGE_CACHE"):
        settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}


@pytest.fixture
def newsroom() -> dict[str, Any]:
    """An article with a section, two authors, an image, a translation and a story of three,
    and enough other articles in its section and by its authors to fill both related lists."""
    outlet = make_outlet()
    section = make_section("thoi-su")
    writers = [make_author("Lan Phạm", outlet), make_author("Minh Lê", outlet)]
    story = Story.objects.create()
    main = make_article(outlet=outlet, section=section, authors=writers, published_at=NOW)
    text = make_text(main, "vi", slug="bai-chinh", title="Bài chính", lead="Mở đầu.", blocks=BIG_BODY)
    make_text(main, "en", slug="main-story", title="Main story", blocks=BIG_BODY)
    Media.objects.create(article=main, url="https://news.example/a.jpg", captions={"vi": "Ảnh <em>một</em>"})
    StoryMembership.objects.create(article=main, story=story)
    for n in range(24):
        other = make_article(
            outlet=outlet,
            section=section if n % 2 else make_section(),
            authors=[writers[n % 2]] if n % 3 else [],
            published_at=NOW - dt.timedelta(hours=n + 1),
        )
        make_text(other, "vi", slug=f"bai-{n}", title=f"Bài {n}", blocks=BIG_BODY)
        if n < 2:
            StoryMembership.objects.create(article=other, story=story)
    return {"text": text, "section": section, "writer": writers[0], "story": story}


def get(client: Any, path: str) -> tuple[BeautifulSoup, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser"), [q["sql"] for q in queries.captured_queries]


def reading_bodies(sql: list[str]) -> list[str]:
    return [q for q in sql if '"blocks"' in q or '"rendered_body"' in q]


@pytest.mark.django_db
def test_an_article_page_with_story_and_related_lists_costs_three_queries(client, newsroom):
    soup, sql = get(client, "/vi/2025/10/bai-chinh/")
    # Everything the page shows is there: the story block, both related lists, versions, byline.
    assert len(soup.select(".related-story li")) == 2
    assert len(soup.select(".related-section li")) == 5 and len(soup.select(".related-author li")) == 5
    assert soup.find("link", rel="alternate", hreflang="en") is not None
    assert len(soup.select(".byline a")) == 2
    # The text with its versions, authors, images and story; both related lists; the section menu
    # (read from the database inside a test's transaction, from the cache otherwise); the comment
    # block (kabar.comments: the section's policy and the approved comments, one query).
    assert len(sql) <= 4, "\n".join(sql)
    assert sum('"comments_' in q for q in sql) == 1
    # Only the article's own text is read whole: related entries carry a title and a date.
    assert len(reading_bodies(sql)) == 1, reading_bodies(sql)


@pytest.mark.django_db
def test_list_pages_read_no_bodies_except_the_featured_one(client, newsroom):
    soup, sql = get(client, "/vi/")
    # Five: the newest texts, the sections' ids, the sections' newest (one UNION ALL), pictures, menu.
    assert soup.select(".teaser-featured") and len(sql) <= 5, "\n".join(sql)
    # The newest articles (the first of them is featured with its picture) are read whole; the
    # per-section lists are not.
    assert len(reading_bodies(sql)) == 1, reading_bodies(sql)
    for path in ("/vi/thoi-su/", f"/vi/author/{newsroom['writer'].slug}/"):
        soup, sql = get(client, path)
        assert soup.select(".teaser") and len(sql) <= 4, "\n".join(sql)
        assert reading_bodies(sql) == [], path


@pytest.fixture
def forget_menus() -> Iterator[None]:
    keys = [section_menu_key(code) for code in site_language_codes()]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def menu_queries(sql: list[str]) -> list[str]:
    return [q for q in sql if 'FROM "news_section" WHERE EXISTS' in q and "ORDER BY" in q]


@pytest.mark.django_db(transaction=True)
def test_the_section_menu_is_cached_per_language_until_a_section_changes(client, forget_menus):
    section = Section.objects.create(slug="the-thao", names={"vi": "Thể thao", "en": "Sport"})
    # The menu lists a section in the languages it has published texts in.
    match = make_article(section=section, published_at=NOW)
    make_text(match, "vi", slug="tran-dau", title="Trận đấu")
    make_text(match, "en", slug="the-match", title="The match")
    soup, sql = get(client, "/vi/")
    assert len(menu_queries(sql)) == 1
    soup, sql = get(client, "/vi/")
    assert menu_queries(sql) == [] and "Thể thao" in soup.find(class_="sections-bar").get_text()
    _soup, sql = get(client, "/en/")
    assert len(menu_queries(sql)) == 1, "each language has its own menu"

    section.names = {"vi": "Thể thao và đời sống", "en": "Sport"}
    section.save()
    soup, sql = get(client, "/vi/")
    assert (
        len(menu_queries(sql)) == 1 and "Thể thao và đời sống" in soup.find(class_="sections-bar").get_text()
    )
    section.delete()
    _soup, sql = get(client, "/vi/")
    assert len(menu_queries(sql)) == 1, "a deleted section leaves the menu at once"
