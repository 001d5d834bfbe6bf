"""A comment's text is escaped, its links made safe, its words folded as search folds them."""

from __future__ import annotations

from kabar.comments.text import has_link, listed_words, render


def test_markup_is_shown_as_text_and_paragraphs_kept():
    html = render('<script>alert(1)</script>\n"quoted" & <b>bold</b>\n\nSecond')
    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;</p><p>Second</p>"
    )


def test_only_http_links_become_links_with_nofollow_ugc():
    html = render(
        'See https://example.com/a?b=1&c="x", then javascript:alert(1) and <a href="https://evil.example">x</a>.'
    )
    assert html.count("<a ") == 2
    assert '<a href="https://example.com/a?b=1&amp;c=" rel="nofollow ugc noopener">' in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html
    assert "&lt;a href=" in html


def test_links_are_found_with_or_without_a_scheme():
    assert has_link("xem https://a.example") and has_link("www.abc.vn") and has_link("mua tai shop123.com")
    assert not has_link("Tôi đồng ý. 3.5 điểm")


def test_words_match_without_diacritics_and_with_d_folded():
    assert listed_words("ĐỒ NGỐC!", ["đồ ngốc"]) == ["đồ ngốc"]
    assert listed_words("do ngoc", ["Đồ ngốc"]) == ["Đồ ngốc"]
    assert listed_words("ngốcnghếch", ["ngốc"]) == []
