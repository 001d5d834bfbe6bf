"""PostgreSQL only: unaccent folds đ, English stemming, the trigram fallback for typos."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from kabar.core.discover.search import SearchQuery
from kabar.search import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres_only")]


def test_unaccent_maps_d_with_stroke() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('kabar_simple', 'Đường đi Đà Nẵng')::text")
        assert cursor.fetchone()[0] == "'da':3 'di':2 'duong':1 'nang':4"


def test_english_texts_are_stemmed(make_text: Callable[..., Any]) -> None:
    make_text("Elections postponed in the province", language="en")
    assert services.search(SearchQuery("election", "en")).total == 1


def test_a_typo_finds_close_titles_and_says_so(make_text: Callable[..., Any]) -> None:
    make_text("Sân bay Long Thành khởi công nhà ga")
    with translation.override("en"):
        results = services.search(SearchQuery("long thanhh", "vi"))
    assert results.total == 1 and "come close" in results.message


@pytest.mark.parametrize("recent_rows", [20_000, 300])  # the whole index at once; newest rows first
def test_a_very_common_word_ranks_the_newest_matches_and_estimates_the_total(
    recent_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from kabar.core.discover.search import IndexDocument
    from kabar.search.backends import postgres

    monkeypatch.setattr(postgres, "RECENT_ROWS", recent_rows)
    backend = postgres.PostgresBackend()
    day = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    articles = 700  # 1,400 texts: more than the 1,000 candidates ranked
    backend.index(
        IndexDocument(
            text_id=n * 2 + i, article_id=n, language=language, title=f"Cảng biển số {n}" if i == 0 else f"Port {n}",
            lead="giá lúa gạo" if i == 0 else "rice price", body="", published=day + dt.timedelta(hours=n),
            outlet="tuoi-tre", original_language="vi",
        )
        for n in range(1, articles + 1)
        for i, language in enumerate(("vi", "en"))
    )  # fmt: skip
    assert postgres.CANDIDATES == 1000
    found = backend.search(SearchQuery("gạo", "vi", per_page=5))
    assert abs(found.total - articles) <= articles * 0.1  # estimated: the index is dense here
    assert all(hit.language == "vi" and "<mark>" in hit.snippet_html for hit in found.hits)
    newest = backend.search(SearchQuery("Cảng 700", "vi"))
    assert newest.total == 1 and newest.hits[0].article_id == 700
    oldest = backend.search(SearchQuery("Cảng 3", "vi"))  # outside the newest rows: the whole index
    assert oldest.total == 1 and oldest.hits[0].article_id == 3
    # A page past the end still says how many there are (the same estimate).
    past = backend.search(SearchQuery("gạo", "vi", page=200, per_page=5))
    assert past.hits == [] and past.total == found.total
