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
