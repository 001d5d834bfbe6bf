"""Markup nested past libxml2's limit costs only the deep part's structure, never the article."""

from __future__ import annotations

import pytest
from lxml.html import HTMLParser, fromstring

from kabar.core.extract.extract import extract_html
from kabar.core.extract.extract_nesting import MAX_MARKUP_DEPTH, flatten_deep_markup, tree_depth_reaches

URL = "https://news.example.com/2025/harbour-budget"
PARAGRAPHS = [
    "The city council approved the harbour budget on Tuesday after a debate that ran past midnight.",
    "Fishermen had asked for the old pier to be repaired before the monsoon season reaches the coast.",
    "The mayor said the work would start in March and that the ferry would keep running meanwhile.",
]
FLAG = f"flattened markup nested deeper than {MAX_MARKUP_DEPTH} levels"


def _nest(depth: int, inner: str, *, microdata: bool) -> str:
    opener = '<div itemscope itemtype="https://schema.org/Thing">' if microdata else '<div class="w">'
    return opener * depth + inner + "</div>" * depth


def _page(body: str) -> str:
    return (
        "<html><head><title>Harbour budget approved</title></head><body><article>"
        f"<h1>Harbour budget approved</h1>{body}</article></body></html>"
    )


def _text(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _body_text(html: str) -> str:
    extracted = extract_html(html, url=URL, timeout=None)
    return " ".join(b.get("text", "") for b in extracted.blocks) + " " + extracted.lead


@pytest.mark.parametrize(("depth", "microdata"), [(300, False), (300, True), (5_000, False), (5_000, True)])
def test_text_after_a_deep_nest_is_kept(depth: int, microdata: bool) -> None:
    html = _page(_nest(depth, "<span>widget</span>", microdata=microdata) + _text(PARAGRAPHS))
    extracted = extract_html(html, url=URL, timeout=None)
    text = " ".join(b.get("text", "") for b in extracted.blocks) + " " + extracted.lead
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert any(flag.startswith(FLAG) for flag in extracted.flags)


def test_text_before_a_deep_nest_is_kept_whole() -> None:
    html = _page(_text(PARAGRAPHS) + _nest(300, "<span>widget</span>", microdata=True))
    text = _body_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_text_inside_a_deep_nest_is_kept() -> None:
    # Flattening keeps the deep part's text (only its wrappers go), so the article survives.
    html = _page(_nest(300, _text(PARAGRAPHS), microdata=False))
    text = _body_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_an_ordinary_page_is_left_as_it_is() -> None:
    html = _page(_nest(40, _text(PARAGRAPHS), microdata=True))
    assert flatten_deep_markup(html) == (html, 0)
    assert not any(flag.startswith(FLAG) for flag in extract_html(html, url=URL, timeout=None).flags)


def test_flattening_keeps_the_text_and_the_limit() -> None:
    inner = "deep <b>bold</b> text<br><img src='x.jpg'> end"
    html = _page(_nest(1_000, inner, microdata=False) + "<p>after</p>")
    flat, removed = flatten_deep_markup(html, limit=50)
    # html, body and article hold 47 of the divs within the limit; the other divs and the <b> go.
    assert removed == 2 * (1_000 - 47 + 1)
    tree = fromstring(flat)
    assert tree_depth_reaches(tree, 51)  # the <br> and <img> inside the 50th level
    assert not tree_depth_reaches(tree, 52)
    assert len(tree.findall(".//img")) == 1
    # What a parser without the depth limit reads from the original page, word for word.
    unlimited = fromstring(html, parser=HTMLParser(huge_tree=True))
    assert tree.text_content() == unlimited.text_content()


@pytest.mark.parametrize(
    "sloppy", ["<p>line", "<li>item", "<a href='#'>link", "<tr><td>cell", "<br>", "<div/>"]
)
def test_elements_closed_implicitly_are_not_counted_as_nesting(sloppy: str) -> None:
    # libxml2 closes an open <p>, <li>, <a> or cell at the next one: 300 of them nest two levels.
    html = _page("<table>" * sloppy.startswith("<tr>") + sloppy * 300 + _text(PARAGRAPHS))
    assert flatten_deep_markup(html, limit=20) == (html, 0)


def test_tree_depth_reaches_counts_the_root_as_level_one() -> None:
    tree = fromstring("<html><body><div><p>x</p></div></body></html>")
    assert tree_depth_reaches(tree, 4)
    assert not tree_depth_reaches(tree, 5)
