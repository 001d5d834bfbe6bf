import re

import pytest

from kabar.core.blocks import sanitize_inline
from kabar.core.text.placeholders import (
    PlaceholderError,
    protect,
    restore,
    restore_best_effort,
    token_problems,
    tokens_in,
)

HTML = sanitize_inline(
    'Ông <a href="https://nhandan.vn/a.html?x=1&y=2" title="Nhân Dân">Tô Lâm</a> nói '
    "<em>rất <strong>rõ</strong></em> về H<sub>2</sub>O &amp; CO<sup>2</sup>.<br>Hết."
)


def test_protect_hides_markup_and_urls_from_the_engine():
    plain, restore_map = protect(HTML)
    assert "nhandan.vn" not in plain and "href" not in plain and "<em>" not in plain
    assert "Tô Lâm" in plain and "& CO" in plain  # entities become plain characters
    assert tokens_in(plain) == [
        "<x1>",
        "</x1>",
        "<x2>",
        "<x3>",
        "</x3>",
        "</x2>",
        "<x4>",
        "</x4>",
        "<x5>",
        "</x5>",
        "<x6/>",
    ]
    assert len(restore_map.placeholders) == 6


def test_identity_translation_restores_the_exact_html():
    plain, restore_map = protect(HTML)
    assert restore(plain, restore_map) == HTML


def test_reordered_pairs_restore_around_their_new_content():
    plain, restore_map = protect('Đây là <em>quan trọng</em> của <a href="https://e.vn">Hà Nội</a>.')
    assert plain == "Đây là <x1>quan trọng</x1> của <x2>Hà Nội</x2>."
    translated = "<x2>Hanoi</x2>'s <x1>important</x1> thing."
    assert restore(translated, restore_map) == '<a href="https://e.vn">Hanoi</a>\'s <em>important</em> thing.'


@pytest.mark.parametrize(
    "damaged",
    [
        "< x1 >Hanoi</ X1 > is big",  # spaces and case
        "&lt;x1&gt;Hanoi&lt;/x1&gt; is big",  # an LLM that escaped the tokens
        "＜x1＞Hanoi＜/x1＞ is big",  # full-width brackets
    ],
)
def test_lenient_token_spellings_are_accepted(damaged):
    _, restore_map = protect("<b>Hà Nội</b> lớn")
    assert restore(damaged, restore_map) == "<b>Hanoi</b> is big"


@pytest.mark.parametrize(
    ("translated", "problem"),
    [
        ("Hanoi is <x2/> big", "<x1> and </x1> lost"),
        ("<x1>Hanoi</x1> <x1>is</x1> <x2/> big", "</x1> duplicated"),
        ("</x1>Hanoi<x1> is <x2/> big", "reordered"),
        ("<x1>Hanoi</x1> is <x2/> big <x7/>", "unknown placeholder"),
        ("<x1>Hanoi</x1> is x2/> big", "mangled placeholder text"),
        ("<x1>Hanoi</x1> is big", "<x2/> lost"),
    ],
)
def test_damaged_tokens_are_reported_and_never_leave_broken_html(translated, problem):
    _, restore_map = protect("<b>Hà Nội</b> lớn<br>quá")
    result = restore_best_effort(translated, restore_map)
    assert any(problem in p for p in result.problems), result.problems
    assert "x1" not in result.text and "x2" not in result.text and "x7" not in result.text
    assert result.text.count("<b>") == result.text.count("</b>")
    with pytest.raises(PlaceholderError, match=re.escape(problem)):
        restore(translated, restore_map)


def test_crossing_pairs_are_untangled():
    _, restore_map = protect("<em>a <b>b</b></em> c")
    result = restore_best_effort("<x1>A <x2>B</x1> C</x2>", restore_map)
    assert result.problems and "crosses" in result.problems[0]
    assert result.text == "<em>A B</em> C"


def test_text_that_looks_like_a_token_is_protected_too():
    source = sanitize_inline("Thẻ &lt;x1&gt; và <i>thật</i>")
    plain, restore_map = protect(source)
    assert tokens_in(plain) == ["<x1/>", "<x2>", "</x2>"]  # the literal became a token of its own
    assert restore(plain, restore_map) == source
    assert restore("The <x1/> tag and <x2>real</x2>", restore_map) == "The &lt;x1&gt; tag and <i>real</i>"


def test_spaces_engines_put_inside_tags_move_outside():
    _, restore_map = protect("ở <em>Hà Nội</em>, hôm nay")
    assert restore("in<x1> Hanoi </x1>, today", restore_map) == "in <em>Hanoi</em>, today"


def test_translated_text_is_escaped_back_into_html():
    _, restore_map = protect("<b>A</b>")
    assert restore("<x1>R&D</x1> < 5", restore_map) == "<b>R&amp;D</b> &lt; 5"


def test_unclosed_tags_become_lone_tokens():
    plain, restore_map = protect("a <i>b")
    assert plain == "a <x1/>b"
    assert restore(plain, restore_map) == "a <i>b"


def test_token_problems_compares_sent_and_received():
    assert token_problems("a <x1>b</x1> <g1/>", "<g1/> A <x1>B</x1>") == []
    problems = token_problems("a <x1>b</x1> <g1/>", "A B <g1/> <g1/>")
    assert any("<x1> and </x1> lost" in p for p in problems)
    assert any("<g1/> duplicated" in p for p in problems)
