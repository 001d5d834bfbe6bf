"""The memoized strip_tags answers as kabar.core.blocks.strip_tags does, cached or not."""

from __future__ import annotations

from kabar.core import blocks
from kabar.core.text import plain


def test_same_answer_as_blocks_first_and_second_time() -> None:
    for text in ("<b>Hà Nội</b> &amp; <a href='x'>Huế</a>", "a<br>b", "plain", "", "1 &lt; 2"):
        assert plain.strip_tags(text) == blocks.strip_tags(text)
        assert plain.strip_tags(text) == blocks.strip_tags(text)  # from the memo now


def test_long_text_is_not_kept() -> None:
    long = "<i>x</i> " * (plain.MEMO_MAX_CHARS // 9 + 1)
    before = plain._memo.cache_info().currsize
    assert plain.strip_tags(long) == blocks.strip_tags(long)
    assert plain._memo.cache_info().currsize == before
