"""The SQLite backend's own structures: facet tokens, the date cover, migration 0002 both ways."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kabar.core.discover.search import IndexDocument, SearchFilters, SearchQuery
from kabar.search.backends import sqlite_fts5
from kabar.search.backends.sqlite_fts5 import MAX_DATE_TOKENS, SQLiteFTS5Backend, covering_tokens

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite FTS5 backend")

SECTIONS = ["thoi-su", "kinh-te", "thế-giới", ""]  # a dash, letters FTS5 would split or fold, none
OUTLETS = ["tuoi-tre", "vn.express"]
START = dt.datetime(2024, 12, 25, tzinfo=dt.UTC)


def _documents(count: int, seed: int = 4) -> list[IndexDocument]:
    rng = random.Random(seed)
    return [
        IndexDocument(
            text_id=1000 + n,
            article_id=1000 + n,
            language="vi",
            title=f"Chung cư số {n}",
            lead="",
            body="Phố cổ",  # no đ: the index folds it, and integrity-check compares with the content
            # Hours at random across 14 months: many land near a day's edge in UTC+7.
            published=START + dt.timedelta(hours=rng.randrange(14 * 30 * 24)),
            outlet=rng.choice(OUTLETS),
            original_language=rng.choice(["vi", "en"]),
            section=rng.choice(SECTIONS) or None,
        )
        for n in range(count)
    ]


def _fts_columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA table_info({sqlite_fts5.FTS_TABLE})")
        return [row[1] for row in cursor.fetchall()]


def _integrity_check() -> None:
    """FTS5 compares its index with what the content view gives now (raises where they differ)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sqlite_fts5.FTS_TABLE}({sqlite_fts5.FTS_TABLE}, rank) VALUES('integrity-check', 1)"
        )


def test_covering_tokens() -> None:
    day = dt.date
    assert covering_tokens(day(2024, 3, 30), day(2024, 4, 2)) == [
        "d20240330",
        "d20240331",
        "d20240401",
        "d20240402",
    ]
    assert covering_tokens(day(2024, 1, 31), day(2024, 3, 1)) == ["d20240131", "m202402", "d20240301"]
    assert covering_tokens(day(2023, 12, 31), day(2025, 1, 1)) == ["d20231231", "y2024", "d20250101"]
    assert covering_tokens(day(2024, 2, 1), day(2024, 2, 29)) == ["m202402"]  # a leap February, whole
    assert covering_tokens(day(2024, 5, 2), day(2024, 5, 1)) == []
    # Too many tokens to pay: no pre-filter (the SQL filter alone decides).
    assert covering_tokens(day(1990, 1, 2), day(2030, 12, 30)) == []
    assert len(covering_tokens(day(1990, 1, 1), day(2030, 12, 31))) == 41 <= MAX_DATE_TOKENS


@pytest.mark.django_db
def test_facets_follow_every_insert_update_and_delete() -> None:
    assert _fts_columns() == ["title", "lead", "body", "facets"]
    backend = SQLiteFTS5Backend()
    documents = _documents(12)
    backend.index(documents)
    _integrity_check()
    backend.index(documents[:4])  # indexed again: deleted and inserted through the triggers
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE search_searchdocument SET section = 'moi', outlet = 'khac' WHERE text_id = 1005"
        )
    backend.delete([1006, 1007])
    _integrity_check()
    found = backend.search(SearchQuery("chung", "vi", SearchFilters(section="moi", outlet="khac")))
    assert [hit.text_id for hit in found.hits] == [1005]


@pytest.mark.django_db
def test_readers_words_never_match_facet_tokens() -> None:
    backend = SQLiteFTS5Backend()
    backend.index(_documents(3))
    section = "s" + b"thoi-su".hex()
    marked = f"{sqlite_fts5.FACET_MARK}y2025"
    for typed in (
        section,
        "d20250101",
        "y2025",
        "y2025*",
        "vi",
        "l" + b"vi".hex(),
        marked,
        f"{marked}*",
        "*",
    ):
        assert backend.search(SearchQuery(typed, "vi")).total == 0, typed


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "UTC", "America/Los_Angeles"])
def test_filters_agree_with_the_rows(zone: str) -> None:
    """Facet tokens only narrow: every filter finds exactly the texts a plain check of the rows finds."""
    backend = SQLiteFTS5Backend()
    documents = _documents(60)
    backend.index(documents)
    rng = random.Random(zone)
    with timezone.override(zone):
        local = timezone.get_current_timezone()
        for _ in range(60):
            since = (
                (START + dt.timedelta(days=rng.randrange(-40, 440))).date() if rng.random() < 0.7 else None
            )
            until = since + dt.timedelta(days=rng.choice([0, 1, 6, 30, 70, 400])) if since else None
            if rng.random() < 0.2:
                since = None  # open at the start: the index's first day stands in
            filters = SearchFilters(
                section=rng.choice([None, *SECTIONS[:3]]),
                outlet=rng.choice([None, *OUTLETS]),
                original_language=rng.choice([None, "vi", "en"]),
                since=since,
                until=until,
            )
            expected = {
                d.text_id
                for d in documents
                if filters.section in (None, d.section)
                and filters.outlet in (None, d.outlet)
                and filters.original_language in (None, d.original_language)
                and (since is None or d.published.astimezone(local).date() >= since)
                and (until is None or d.published.astimezone(local).date() <= until)
            }
            found = backend.search(SearchQuery("chung", "vi", filters, per_page=100))
            assert {hit.text_id for hit in found.hits} == expected, filters
            assert found.total == len(expected)


@pytest.mark.django_db(transaction=True)
def test_migrations_rebuild_the_index_both_ways() -> None:
    backend = SQLiteFTS5Backend()
    documents = _documents(5)
    backend.index(documents)
    executor = MigrationExecutor(connection)
    executor.migrate([("search", "0002_fts_facets_prefix4")])
    try:
        assert _fts_columns() == ["title", "lead", "body", "facets"]
        _integrity_check()
        executor = MigrationExecutor(connection)
        executor.migrate([("search", "0001_initial")])
        assert _fts_columns() == ["title", "lead", "body"]
        with connection.cursor() as cursor:  # the 0001 table, refilled from the documents
            cursor.execute(
                f"SELECT COUNT(*) FROM {sqlite_fts5.FTS_TABLE} WHERE {sqlite_fts5.FTS_TABLE} MATCH 'pho'"
            )
            assert cursor.fetchone()[0] == 5
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("search"))
    assert _fts_columns() == ["title", "lead", "body", "facets"]
    _integrity_check()
    first = documents[0]
    day = timezone.localdate(first.published)
    filters = SearchFilters(outlet=first.outlet, since=day, until=day)
    found = backend.search(SearchQuery("pho co", "vi", filters))
    assert first.text_id in {hit.text_id for hit in found.hits}
