"""Deep section and author pages: numbered pages at the top, then cursors; no OFFSET, no COUNT."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import make_article, make_author, make_section, make_text

from kabar.site import pagination, views

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
SIZE = 3
NUMBERED = 2
ARTICLES = 17  # 6 pages of 3: two numbered, four by cursor, the last one short


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", SIZE)
    monkeypatch.setattr(pagination, "NUMBERED_PAGES", NUMBERED)
    if hasattr(settings, "PAGE_CACHE"):
        settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}


@pytest.fixture
def newest_first() -> list[str]:
    """A section and an author with ARTICLES articles; two share a publication time (the id decides)."""
    section = make_section("the-thao", {"vi": "Thể thao", "en": "Sport", "id": "Olahraga"})
    writer = make_author("Lan Phạm", slug="lan-pham")
    made = []
    for n in range(ARTICLES):
        # Articles 8 and 9 are published at the same second, on either side of a page boundary
        # (the 3rd page ends with 9, the newer id): the cursor must tell them apart.
        when = NOW - dt.timedelta(hours=min(n, 8) if n in (8, 9) else n)
        article = make_article(section=section, authors=[writer], published_at=when, source_language="en")
        make_text(article, "en", title=f"Match {n:02d}", slug=f"match-{n:02d}")
        made.append((when, article.pk, f"Match {n:02d}"))
    return [title for _when, _pk, title in sorted(made, key=lambda m: (m[0], m[1]), reverse=True)]


def soup_of(response: Any) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def titles(soup: BeautifulSoup) -> list[str]:
    return [h.get_text(strip=True) for h in soup.select(".teaser-title")]


def link(soup: BeautifulSoup, rel: str) -> str | None:
    found = soup.find("a", rel=rel)
    return found["href"] if found else None


def walk(client: Any, path: str, start: str, rel: str) -> list[tuple[str, list[str], BeautifulSoup]]:
    pages = []
    query: str | None = start
    while query is not None:
        soup = soup_of(client.get(path + query))
        pages.append((query, titles(soup), soup))
        query = link(soup, rel)
        assert len(pages) <= ARTICLES, "the links go round in a circle"
    return pages


@pytest.mark.parametrize("path", ["/en/the-thao/", "/en/author/lan-pham/"])
def test_older_links_reach_every_article_once_then_newer_links_come_back(
    client, small_pages, newest_first, path
):
    forward = walk(client, path, "", "next")
    assert [t for _q, page, _s in forward for t in page] == newest_first
    queries = [q for q, _p, _s in forward]
    assert queries[:3] == ["", "?page=2", queries[2]] and queries[2].startswith("?before=")
    assert all(q.startswith("?before=") for q in queries[2:])
    # Numbered pages say where they are; cursor pages cannot without counting, and do not.
    assert forward[1][2].find(class_="page-count").get_text(strip=True) == "Page 2 of 6"
    assert forward[3][2].find(class_="page-count") is None
    last_query, last_page, last_soup = forward[-1]
    assert len(last_page) == ARTICLES % SIZE
    assert last_soup.find("link", rel="canonical")["href"] == f"{settings.SITE_URL}{path}{last_query}"
    assert "Older articles" in last_soup.find("title").get_text()

    backward = walk(client, path, last_query, "prev")
    assert [t for _q, page, _s in reversed(backward) for t in page] == newest_first
    # Back at the top the reader is on the numbered first page again.
    assert backward[-1][2].find(class_="page-count").get_text(strip=True) == "Page 1 of 6"
    assert backward[-1][2].find("link", rel="canonical")["href"] == f"{settings.SITE_URL}{path}"


def test_a_deep_page_reads_from_its_cursor_without_offset_or_count(client, small_pages, newest_first):
    deep = walk(client, "/en/the-thao/", "", "next")[-2][0]
    with CaptureQueriesContext(connection) as queries:
        soup = soup_of(client.get("/en/the-thao/" + deep))
    assert len(titles(soup)) == SIZE
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert not [q for q in sql if "OFFSET" in q], sql
    assert not [q for q in sql if "COUNT(" in q], sql
    # The section, its page of rows, and the section menu (not cached inside a test's transaction).
    assert len(sql) <= 3, sql


def test_deep_page_numbers_and_mangled_cursors_are_not_found(client, small_pages, newest_first):
    assert client.get("/en/the-thao/?page=2").status_code == 200
    assert client.get(f"/en/the-thao/?page={NUMBERED + 1}").status_code == 404
    for cursor in ["x", "20251012T080000.000000Z", "20251012T080000.000000Z,x", "2025-10-12,3"]:
        assert client.get(f"/en/the-thao/?before={cursor}").status_code == 404, cursor
        assert client.get(f"/en/the-thao/?after={cursor}").status_code == 404, cursor
    # Past the oldest article there is nothing: not an empty page.
    assert client.get("/en/the-thao/?before=19990101T000000.000000Z,1").status_code == 404


def test_a_cursor_survives_new_articles_where_a_page_number_would_shift(client, small_pages, newest_first):
    section_page = "/en/the-thao/"
    third = walk(client, section_page, "", "next")[2]
    query, before, _soup = third
    article = make_article(
        section=make_section(), published_at=NOW + dt.timedelta(hours=1), source_language="en"
    )
    make_text(article, "en", title="Breaking", slug="breaking")
    assert titles(soup_of(client.get(section_page + query))) == before
