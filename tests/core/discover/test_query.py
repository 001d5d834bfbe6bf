"""Reader text → terms, phrases and exclusions: nothing typed reaches a query language unquoted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kabar.core.discover import query as q
from kabar.core.discover.query import Term, fold, fold_d, fts5_match, parse_query, tsquery


def test_words_phrases_prefixes_and_exclusions() -> None:
    parsed = parse_query('bão "đường sắt cao tốc" Hà* -lũ')
    assert parsed.terms == (Term("bão"), Term("Hà", prefix=True))
    assert parsed.phrases == (("dường", "sắt", "cao", "tốc"),)  # đ folded, other diacritics left to the index
    assert parsed.excluded == ("lũ",)
    assert parsed.notices == ()
    assert fts5_match(parsed) == '("bão" "Hà" * "dường sắt cao tốc") NOT "lũ"'
    assert tsquery(parsed) == "'bão' & 'Hà':* & ('dường' <-> 'sắt' <-> 'cao' <-> 'tốc') & !'lũ'"


def test_d_with_stroke_is_folded_everywhere() -> None:
    assert fold_d("Đường đi") == "Dường di"
    assert fold("Đường Hà Nội") == "duong ha noi"
    assert parse_query("ĐÀ NẴNG").terms == (Term("DÀ"), Term("NẴNG"))


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '"unbalanced',
        "((",
        "a)b(",
        "NEAR(a b)",
        "a AND OR NOT b",
        "*",
        "-",
        "a -",
        "x:y",
        "'; DROP TABLE",
        "a^b",
    ],
)
def test_operators_are_only_words_or_separators(typed: str) -> None:
    parsed = parse_query(typed)
    for word in [t.word for t in parsed.terms] + list(parsed.excluded):
        assert word.isalnum()
    if parsed.searchable:
        assert fts5_match(parsed).count('"') % 2 == 0


def test_nothing_to_search() -> None:
    for typed in ["", "   ", "?!…", "🙂🙂", "\x00\x00", "* - ()"]:
        parsed = parse_query(typed)
        assert not parsed.searchable and parsed.notices == (q.NOTHING_TO_SEARCH,), typed
    only_minus = parse_query("-bão -lũ")
    assert not only_minus.searchable and only_minus.notices == (q.ONLY_EXCLUSIONS,)
    with pytest.raises(ValueError):
        fts5_match(only_minus)


def test_long_input_is_cut_and_said() -> None:
    parsed = parse_query("bão " * 3000)  # 12 KB
    assert q.TRUNCATED in parsed.notices and parsed.terms == (Term("bão"),)
    many = parse_query(" ".join(f"w{i}" for i in range(40)))
    assert len(many.terms) == q.MAX_WORDS and q.TOO_MANY_WORDS in many.notices
    long_word = parse_query("a" * 250)
    assert len(long_word.terms[0].word) == q.MAX_WORD_CHARS


def test_nul_bytes_split_words() -> None:
    assert parse_query("bão\x00lũ").terms == (Term("bão"), Term("lũ"))


def test_decomposed_vietnamese_is_one_word() -> None:
    decomposed = "Hà Nội".replace("à", "a\u0300").replace("ộ", "o\u0323\u0302")
    assert [t.word for t in parse_query(decomposed).terms] == ["Hà", "Nội"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_into_quoted_words(typed: str) -> None:
    parsed = parse_query(typed)
    assert len(parsed.terms) + sum(map(len, parsed.phrases)) + len(parsed.excluded) <= q.MAX_WORDS
    if parsed.searchable:
        match = fts5_match(parsed)
        assert "\x00" not in match and match.count('"') % 2 == 0
        assert "\x00" not in tsquery(parsed)
    else:
        assert parsed.notices
