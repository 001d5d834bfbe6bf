"""The page's tree, parsed as trafilatura parses it, but with elements lxml makes faster.

``lxml.html``'s parser chooses the Python class of every element (``FormElement``
for ``<form>``, ``InputElement`` for ``<input>``...) in a Python callback, each
time lxml hands a node to Python: about a million calls for the 181 pages of the
scrapinghub set, 6% of the extract stage. Neither kabar nor trafilatura uses
those classes' form helpers, so this parser gives every element ``HtmlElement``
through lxml's C-level default lookup: the same methods (``text_content``,
``drop_tree``...), no callback. Copies of the tree (trafilatura copies it for
each run) keep the parser, so they keep the lookup too.

``load_html`` is ``trafilatura.utils.load_html`` for a ``str`` (the same repairs,
the same fallback to bytes, the same refusal of a page that is not HTML) with
the parser swapped.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)
from trafilatura.utils import is_dubious_html, repair_faulty_html

# trafilatura.utils.HTML_PARSER's options.
PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
)
PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def _fromstring_bytes(html: str) -> HtmlElement | None:
    try:
        tree: HtmlElement = fromstring(html.encode("utf8", "surrogatepass"), parser=PARSER)
    except Exception:  # as trafilatura: a page lxml cannot read is "not HTML", not a crash
        return None
    return tree


def load_html(html: str) -> HtmlElement | None:
    """The tree of ``html``, or ``None`` when it is not HTML (as ``trafilatura.utils.load_html``)."""
    beginning = html[:50].lower()
    dubious = is_dubious_html(beginning)
    html = repair_faulty_html(html, beginning)
    tree: HtmlElement | None = None
    fallback = False
    try:
        tree = fromstring(html, parser=PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = _fromstring_bytes(html)
        fallback = True
    except Exception:
        tree = None
    if (tree is None or len(tree) < 1) and not fallback:
        tree = _fromstring_bytes(html)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree
