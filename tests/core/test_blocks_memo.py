"""sanitize_inline and strip_tags are remembered for short strings and give the same answers."""

from __future__ import annotations

import nh3

from kabar.core import blocks


def test_remembered_answers_are_the_sanitisers_own() -> None:
    for text in ("<b>Hà Nội</b> <script>x()</script><a href='javascript:1'>Huế</a>", "a<br>b", "", "1 &lt; 2"):
        first, second = blocks.sanitize_inline(text), blocks.sanitize_inline(text)
        assert first == second == nh3.clean(
            text, tags=blocks.INLINE_TAGS, attributes=blocks.INLINE_ATTRIBUTES, link_rel="noopener"
        )
        assert blocks.strip_tags(text) == blocks.strip_tags(text)
    assert "script" not in blocks.sanitize_inline("<script>x()</script>ok") and blocks.strip_tags("a<br>b") == "a b"


def test_a_string_too_long_to_keep_is_cleaned_all_the_same() -> None:
    long = "<i>x</i> <script>y</script>" * (blocks.MEMO_MAX_CHARS // 20 + 1)
    assert "script" not in blocks.sanitize_inline(long)
    assert blocks.strip_tags(long).startswith("x")


def test_same_answer_first_and_second_time() -> None:
    for text in ("<b>Hà Nội</b> &amp; <a href='x'>Huế</a>", "a<br>b", "plain", "", "1 &lt; 2"):
        unremembered = blocks.strip_tags.__wrapped__(text)  # type: ignore[attr-defined]
        assert blocks.strip_tags(text) == unremembered
        assert blocks.strip_tags(text) == unremembered  # from the memo now


def test_long_text_is_not_kept() -> None:
    long = "<i>x</i> " * (blocks.MEMO_MAX_CHARS // 9 + 1)
    before = blocks.strip_tags.cache_info().currsize  # type: ignore[attr-defined]
    assert blocks.strip_tags(long) == blocks.strip_tags.__wrapped__(long)  # type: ignore[attr-defined]
    assert blocks.strip_tags.cache_info().currsize == before  # type: ignore[attr-defined]
