"""Markup nested too deeply for libxml2, flattened so that only the deep part loses its structure.

libxml2's HTML parser stops at 256 levels of nesting ("Excessive depth in
document") and everything after that point is lost: an article whose text
follows a 300-deep nest of ``<div>`` or microdata ``itemscope`` elements came
out as "no article text found". ``XML_PARSE_HUGE`` only moves the wall to
2048 levels, and a tree that deep is also deep enough to exhaust Python's
recursion in the code that walks it, so kabar flattens instead: the page is
scanned with the standard library's tokenizer (which has no depth limit), and
the start and end tags of elements opened deeper than ``MAX_MARKUP_DEPTH``
are removed from the source. Their text, images and line breaks stay, now
inside the element at the limit, so nothing but the deep part's markup is lost.

The scan tracks open elements the way a browser roughly does (void elements,
``<x/>``, end tags that close what is open above them, a new ``<p>``, ``<li>``
or cell closing the open one). Where it misjudges, it counts deeper than
libxml2 does, which only flattens a little more; the caller checks the
re-parsed tree anyway. The work is linear in the size of the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import accumulate

from lxml.html import HtmlElement

# Real news pages nest 30 to 60 levels; libxml2 gives up at 256. The margin
# keeps room for the scan's misjudgements and for code that recurses over the tree.
MAX_MARKUP_DEPTH = 128
LIBXML2_MAX_DEPTH = 256

VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "basefont",
        "bgsound",
        "br",
        "col",
        "embed",
        "frame",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Raw-text elements hold no elements: never removed, or their content would turn into text.
RAW_TEXT_TAGS = frozenset({"script", "style", "textarea", "title", "xmp", "noembed", "noframes"})
# A start tag of these closes an open <p> (HTML's "close a p element").
CLOSES_P = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "dialog",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    ]
)
# tag -> the open elements its start tag closes when one of them is the innermost.
CLOSES_OPEN = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "option": frozenset({"option"}),
    "tr": frozenset({"tr", "td", "th"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "a": frozenset({"a"}),
}


@dataclass(frozen=True)
class _Open:
    tag: str
    removed: bool  # its start tag was cut out, so its end tag goes too


class _DepthScanner(HTMLParser):
    """Finds the source spans of the tags opened deeper than ``limit``."""

    def __init__(self, source: str, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.limit = limit
        # html.parser reports (line, column); these turn it into an offset in ``source``.
        self.line_starts = [0, *accumulate(len(line) + 1 for line in source.split("\n"))]
        self.stack: list[_Open] = []
        self.open_counts: Counter[str] = Counter()
        self.kept_depth = 0  # open elements whose tags stay in the page
        self.cut_spans: list[tuple[int, int]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _pop(self) -> _Open:
        top = self.stack.pop()
        self.open_counts[top.tag] -= 1
        if not top.removed:
            self.kept_depth -= 1
        return top

    def _close_implied(self, tag: str) -> None:
        closes = CLOSES_OPEN.get(tag, frozenset())
        if tag in CLOSES_P:
            closes = closes | {"p"}
        while self.stack and self.stack[-1].tag in closes:
            self._pop()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._close_implied(tag)
        if tag in VOID_TAGS:
            return
        removed = self.kept_depth >= self.limit and tag not in RAW_TEXT_TAGS
        if removed:
            start = self._offset()
            self.cut_spans.append((start, start + len(self.get_starttag_text() or "")))
        else:
            self.kept_depth += 1
        self.stack.append(_Open(tag, removed))
        self.open_counts[tag] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<div/>" opens nothing (libxml2 reads it so too): it is never deeper than what holds it.
        self._close_implied(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_counts[tag]:
            return  # a stray end tag closes nothing
        while True:
            top = self._pop()
            if top.tag == tag:
                break
        if top.removed:
            start = self._offset()
            end = self.source.find(">", start)
            self.cut_spans.append((start, len(self.source) if end < 0 else end + 1))


def tree_depth_reaches(tree: HtmlElement, depth: int) -> bool:
    """True when some element of ``tree`` sits ``depth`` levels deep (the root is level 1).

    One XPath step per level, each over the elements of that level only: linear in the tree.
    """
    return bool(tree.getroottree().xpath("boolean(" + "/*" * depth + ")"))


def flatten_deep_markup(html: str, limit: int = MAX_MARKUP_DEPTH) -> tuple[str, int]:
    """``(html, removed)``: ``html`` without the tags of elements nested deeper than ``limit``.

    ``removed`` counts the tags taken out (start and end tags); 0 leaves ``html`` as it was.
    """
    scanner = _DepthScanner(html, limit)
    scanner.feed(html)
    scanner.close()
    if not scanner.cut_spans:
        return html, 0
    parts: list[str] = []
    position = 0
    for start, end in sorted(scanner.cut_spans):
        parts.append(html[position:start])
        position = end
    parts.append(html[position:])
    return "".join(parts), len(scanner.cut_spans)
