"""Rank fusion, the in-process vector index and which queries get semantic recall (no model, no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kabar.core.discover.query import parse_query
from kabar.core.discover.search import SearchFilters
from kabar.search.semantic import FLOOR, RRF_K, VectorIndex, fuse, query_text


def test_an_article_in_both_rankings_beats_one_first_in_a_single_ranking() -> None:
    # 7 is 3rd by keyword and 2nd by meaning: 1/63 + 1/62 > 1/61 for the keyword-only first.
    assert fuse([1, 2, 7], [9, 7]) == [7, 1, 9, 2]


def test_fusion_scores_are_reciprocal_ranks_with_k_60() -> None:
    # 5 is 1st in one ranking only (1/61); 6 is 30th and 30th (2/90 = 1/45): both lists win.
    keyword = [5, *range(100, 128), 6]
    meaning = [*range(200, 229), 6]
    fused = fuse(keyword, meaning)
    assert RRF_K == 60
    assert fused.index(6) < fused.index(5)
    assert 2 / (RRF_K + 30) > 1 / (RRF_K + 1)


def test_equal_fused_scores_keep_the_keyword_order_first() -> None:
    assert fuse([1, 2], [3, 4]) == [1, 3, 2, 4]
    assert fuse([], [3, 4]) == [3, 4]
    assert fuse([1, 2], []) == [1, 2]


def test_fusion_lists_each_article_once() -> None:
    fused = fuse([1, 2, 3], [3, 2, 1], [2])
    assert sorted(fused) == [1, 2, 3] and fused[0] == 2


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _index() -> VectorIndex:
    day = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    rows = [
        (1, _unit(1, 0, 0), day.timestamp(), "tuoi-tre", "kinh-te", "vi"),
        (2, _unit(0.9, 0.1, 0), (day + dt.timedelta(days=10)).timestamp(), "kompas", "kinh-te", "id"),
        (3, _unit(0.8, 0.2, 0), (day + dt.timedelta(days=40)).timestamp(), "tuoi-tre", "the-thao", "vi"),
        (4, _unit(0, 0, 1), day.timestamp(), "tuoi-tre", "", "en"),  # far from the query
        (5, _unit(1, 0), day.timestamp(), "tuoi-tre", "", "en"),  # another model's size: left out
    ]
    return VectorIndex.build(rows, dim=3)


def test_nearest_articles_first_and_none_below_the_floor() -> None:
    index = _index()
    assert len(index) == 4
    found = index.nearest(_unit(1, 0, 0), SearchFilters(), count=10)
    assert [a for a, _ in found] == [1, 2, 3]  # 4 is orthogonal: below the floor
    assert found[0][1] == pytest.approx(1.0) and all(score >= FLOOR for _, score in found)
    assert [a for a, _ in index.nearest(_unit(1, 0, 0), SearchFilters(), count=2)] == [1, 2]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(section="kinh-te"), [1, 2]),
        (SearchFilters(outlet="kompas"), [2]),
        (SearchFilters(original_language="vi"), [1, 3]),
        (SearchFilters(since=dt.date(2025, 3, 5)), [2, 3]),
        (SearchFilters(until=dt.date(2025, 3, 11)), [1, 2]),
        (SearchFilters(section="kinh-te", outlet="tuoi-tre"), [1]),
        (SearchFilters(section="no-such-section"), []),
    ],
)
def test_filters_narrow_the_neighbours(filters: SearchFilters, expected: list[int]) -> None:
    assert [a for a, _ in _index().nearest(_unit(1, 0, 0), filters, count=10)] == expected


def test_an_extended_index_translates_the_new_rows_codes() -> None:
    more = VectorIndex.build([(9, _unit(1, 0, 0), 0.0, "new-outlet", "kinh-te", "vi")], dim=3)
    both = _index().extended(more)
    assert len(both) == 5
    assert [a for a, _ in both.nearest(_unit(1, 0, 0), SearchFilters(outlet="new-outlet"), 10)] == [9]
    assert [a for a, _ in both.nearest(_unit(1, 0, 0), SearchFilters(section="kinh-te"), 10)] == [1, 9, 2]


def test_an_empty_index_finds_nothing() -> None:
    empty = VectorIndex.build([], dim=3)
    assert len(empty) == 0 and empty.nearest(_unit(1, 0, 0), SearchFilters(), 5) == []


@pytest.mark.parametrize(
    ("typed", "embedded"),
    [
        ("cầu Vân Kiều đóng cửa", "cầu Vân Kiều đóng cửa"),  # diacritics and đ kept for the model
        ("  power   cut!  ", "power cut"),
        ('"power cut"', None),  # quotes: the reader wants these words in this order
        ("blackout -metro", None),  # an exclusion: exact words wanted
        ("black*", None),
        ("-metro", None),
        ("\x00 ***", None),
    ],
)
def test_only_plain_queries_are_embedded(typed: str, embedded: str | None) -> None:
    assert query_text(parse_query(typed), typed) == embedded


def test_a_long_query_is_embedded_as_its_first_words() -> None:
    typed = " ".join(f"word{i}" for i in range(40))
    assert query_text(parse_query(typed), typed) == " ".join(f"word{i}" for i in range(12))
