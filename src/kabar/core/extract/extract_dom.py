"""Page furniture removed from the DOM before the main-text extractor sees it.

trafilatura already drops most navigation and comment sections. What it keeps
on news sites are the newsroom-specific widgets: "Tin liên quan"/"Baca juga"
boxes inside the article, share bars, comment counters and forms, empty
"No data" placeholders, and the standfirst ("sapo") that kabar stores apart
from the body. These are removed here, where their container is still known,
rather than guessed back line by line afterwards.

Nothing is removed that holds most of the page's text, so a CMS that wraps the
whole page in ``<form>`` or gives the article a "comments-enabled" class keeps
its article.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from kabar.core.extract.extract_meta import normalize_space, short_text
from kabar.core.text.boilerplate import is_boilerplate, is_list_heading, is_read_also_line

JUNK_CLASS = re.compile(
    r"(?:^|[\s_-])(?:related|relate|relates|tin-?lien-?quan|lien-?quan|same-?category|cung-?chuyen-?muc|"
    r"read-?also|read-?more|baca-?juga|berita-?terkait|share|shares|sharing|social|socials|share-?bar|"
    r"comment|comments|comment-?count|comment-?form|binh-?luan|komentar|breadcrumb|breadcrumbs|"
    r"newsletter|subscribe|subscription|signup|tags|tag-?list|keywords|sidebar|navigation|navbar|nav|"
    r"menu|footer|advert|advertisement|ads|ad-?slot|banner-?ads|popular|most-?read|recommend|"
    r"recommended|also-?like|more-?stories|no-?data|print|toolbar)(?:$|[\s_-])",
    re.I,
)
JUNK_TAGS = ("nav", "form", "aside", "button", "select", "textarea", "input", "iframe", "noscript")
LEAD_CLASS = re.compile(
    r"(?:^|[\s_-])(?:sapo|lead|standfirst|summary|excerpt|chapeau|intro|dek|deck|description)(?:$|[\s_-])",
    re.I,
)
# "Nguồn: https://...", "Sumber: ...", "Source: ..." — the line naming the original article.
SOURCE_LINE = re.compile(
    r"^\s*[(\[]?\s*(?:nguồn|source|sumber|fuente|quelle|original)\s*:\s*(?P<rest>.*?)\s*[)\]]?\s*$", re.I
)
URL = re.compile(r"https?://[^\s<>\"')\]]+")
MAX_SOURCE_LINE_CHARS = 400
# Never furniture, whatever their class says.
PROTECTED_TAGS = frozenset({"html", "body", "article", "main"})
MAX_SHARE_OF_TEXT = 0.4
MIN_PROSE_CHARS, MIN_PROSE_TOTAL = 150, 400
MIN_LEAD_CHARS, MAX_LEAD_CHARS = 40, 1200
MAX_LEAD_LINK_DENSITY = 0.3
BREADCRUMB_LINE = re.compile(r"^(?:trang chủ|home|beranda|homepage|trang chu)\s*[»›>/|]", re.I)
PARAGRAPH_CLASS = re.compile(r"(?:^|[\s_-])paragraph(?:$|[\s_-])", re.I)
BR_PARAGRAPH_CHARS = 80  # a run of text between <br>s this long is a paragraph of an old layout
# What may stand inside an old layout's paragraph; anything else (and an inline element holding a block) ends it.
INLINE_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "span",
        "font",
        "small",
        "sup",
        "sub",
        "mark",
        "abbr",
        "cite",
        "q",
        "time",
        "code",
        "s",
        "strike",
        "big",
    }
)


def _attrs(el: HtmlElement) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}"


def _junk_class(el: HtmlElement) -> bool:
    """``JUNK_CLASS`` in ``_attrs(el)``; most elements have neither class nor id, and so no match."""
    cls, ident = el.get("class"), el.get("id")
    return bool(cls or ident) and JUNK_CLASS.search(f"{cls or ''} {ident or ''}") is not None


def _text_len(el: HtmlElement) -> int:
    return len(normalize_space(el.text_content()))


def _link_density(el: HtmlElement, text_len: int) -> float:
    if not text_len:
        return 0.0
    return sum(len(normalize_space(a.text_content())) for a in el.iter("a")) / text_len


def _article_holders(root: HtmlElement) -> set[HtmlElement]:
    """The elements that hold an ``<article>`` or ``articleBody`` below them, in ``root``'s tree as it is now.

    Found once per tree state: asking each candidate for its descendants (an XPath per
    element) was half of ``_is_protected``'s time. lxml returns the same proxy for a node
    while one is held, so the set answers for the elements of a later walk.
    """
    return {
        a for mark in root.xpath(".//article | .//*[@itemprop='articleBody']") for a in mark.iterancestors()
    }


def _is_protected(el: HtmlElement, page_len: int, holders: set[HtmlElement] | None = None) -> bool:
    """``holders``: ``_article_holders`` of the tree ``el`` is attached to (found here when not given)."""
    if el.tag in PROTECTED_TAGS or el.get("itemprop") == "articleBody":
        return True
    if el in holders if holders is not None else el.xpath(".//article | .//*[@itemprop='articleBody']"):
        return True
    if page_len > 0 and _text_len(el) > MAX_SHARE_OF_TEXT * page_len:
        return True
    # Prose is never furniture: teasers in a related box are short, article paragraphs are not.
    prose = [n for n in (_text_len(p) for p in el.iter("p")) if n >= MIN_PROSE_CHARS]
    return sum(prose) >= MIN_PROSE_TOTAL


def _drop(el: HtmlElement) -> None:
    """Remove ``el`` but keep its tail text, which belongs to the parent."""
    if el.getparent() is not None:
        el.drop_tree()


def _is_attached(el: HtmlElement, root: HtmlElement) -> bool:
    node: HtmlElement | None = el
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _in_running_text(el: HtmlElement) -> bool:
    """True when ``el`` is one paragraph among the article's paragraphs, not a block of its own."""
    parent = el.getparent()
    if el.tag != "p" or parent is None:
        return False
    return sum(1 for p in parent.iterchildren("p") if p is not el and _text_len(p) >= MIN_LEAD_CHARS) >= 2


def take_lead(tree: HtmlElement) -> tuple[str, bool]:
    """Remove the standfirst element ("sapo", "lead", "standfirst"...) and return its text.

    The flag tells whether it stood in the running text as the opening
    paragraph (``<p class="lead">`` among the body's paragraphs) rather than
    as a block of its own above the body.
    """
    for el in tree.iter("p", "div", "h2", "span", "section", "strong"):
        if not LEAD_CLASS.search(_attrs(el)) or el.find(".//img") is not None:
            continue
        text = normalize_space(el.text_content())
        if not MIN_LEAD_CHARS <= len(text) <= MAX_LEAD_CHARS or len(el.findall(".//p")) > 2:
            continue
        if _link_density(el, len(text)) > MAX_LEAD_LINK_DENSITY:
            continue
        in_text = _in_running_text(el)
        _drop(el)
        return text, in_text
    return "", False


def _list_box(heading: HtmlElement, page_len: int, holders: set[HtmlElement]) -> list[HtmlElement]:
    """The heading of a "related stories" box and what belongs to it."""
    box = heading
    for _ in range(3):
        parent = box.getparent()
        if parent is None or _is_protected(parent, page_len, holders):
            break
        box = parent
        size = _text_len(box)
        if size and _link_density(box, size) > 0.5:
            return [box]
    following = heading.getnext()
    if following is not None and following.tag in ("ul", "ol", "div", "section"):
        return [heading, following]
    return [heading]


def _is_hover_card(span: HtmlElement) -> bool:
    """A card shown on hover inside running text (a person's picture and their latest stories).

    It sits in the paragraph's markup, so the extractor reads it as part of the
    sentence ("Rep. Ilhan OmarIlhan OmarHillicon Valley: …"). Real inline text
    holds no picture and no run of links.
    """
    return (
        any(a.tag == "p" for a in span.iterancestors())
        and span.find(".//img") is not None
        and len(span.findall(".//a")) >= 2
    )


def remove_furniture(tree: HtmlElement) -> None:
    """Drop share bars, related boxes, comment widgets, nav and empty widgets in place."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    page_len = _text_len(root)

    holders = _article_holders(root)
    doomed: list[HtmlElement] = []
    # Document order, as root.iter(), but not into a doomed element: what it holds goes with it,
    # so judging its descendants (the costly part, _is_protected) could change nothing.
    stack: list[HtmlElement] = [root]
    while stack:
        el = stack.pop()
        junk = isinstance(el.tag, str) and (el.tag in JUNK_TAGS or _junk_class(el))
        if junk and not _is_protected(el, page_len, holders):
            doomed.append(el)
            continue
        stack.extend(reversed(el))
    for el in doomed:
        _drop(el)
    cards = [c for c in root.iter("span") if _is_hover_card(c)]
    # The innermost: the card, not the name it pops out of ("<span>Ilhan Omar<span>card</span></span>").
    for card in [c for c in cards if not any(d in cards for d in c.iterdescendants("span"))]:
        if _is_attached(card, root):
            _drop(card)
    if cards:  # a card may have held a marked article
        holders = _article_holders(root)

    doomed = []
    for el in root.iter(
        "h2", "h3", "h4", "h5", "h6", "div", "p", "span", "strong", "b", "li", "section", "a", "td", "font"
    ):
        if len(el) > 4 or el.find(".//img") is not None:
            continue
        text = short_text(el.text_content(), 200)
        if not text:
            continue
        if BREADCRUMB_LINE.match(text) and el.tag not in ("a", "b", "strong", "font"):
            doomed.append(el)  # "Trang chủ » Kinh tế » Nông nghiệp": where the page sits, not what it says
        elif is_list_heading(text):
            doomed.extend(_list_box(el, page_len, holders))
        elif is_boilerplate(text) or (el.tag in ("p", "div", "li") and is_read_also_line(text)):
            doomed.append(el)
    for el in doomed:
        # Nothing dropped here held a marked article (it would have been protected): holders stay true.
        if _is_attached(el, root) and not _is_protected(el, page_len, holders):
            _drop(el)


def take_source_line(tree: HtmlElement) -> str:
    """Remove the last "Nguồn:/Sumber:/Source: <URL>" line and return the URL it names.

    Done on the DOM because extractors in precision mode often drop a short
    closing line like this one.
    """
    found: tuple[HtmlElement, str] | None = None
    for el in tree.iter("p", "div", "span", "em", "strong", "i", "b", "li", "small"):
        text = short_text(el.text_content(), MAX_SOURCE_LINE_CHARS)
        if text is None:
            continue
        match = SOURCE_LINE.match(text)
        if not match:
            continue
        hrefs = [
            a.get("href", "") for a in el.iter("a") if a.get("href", "").startswith(("http://", "https://"))
        ]
        url = hrefs[0] if hrefs else (URL.search(match["rest"]) or [""])[0]
        if url:
            found = (el, url.rstrip(".,;"))
    if found is None:
        return ""
    _drop(found[0])
    return found[1]


def _is_inline(el: HtmlElement) -> bool:
    return (
        isinstance(el.tag, str)
        and el.tag in INLINE_TAGS
        and not any(isinstance(d.tag, str) and d.tag not in INLINE_TAGS for d in el.iterdescendants())
    )


def _br_runs(el: HtmlElement) -> list[int]:
    runs, size = [], len((el.text or "").strip())
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag:
            pass
        elif not _is_inline(child):
            runs.append(size)
            size = 0
        elif tag:
            size += _text_len(child)
        size += len((child.tail or "").strip())
    runs.append(size)
    return runs


def split_br_paragraphs(tree: HtmlElement) -> None:
    """Paragraphs written as text between ``<br><br>`` in a ``<td>`` or ``<div>`` become ``<p>`` elements.

    Old table layouts (and some CMS editors) have no ``<p>`` at all; the
    extractor then reads the whole cell, headline, date line and story, as one
    paragraph. Only a cell holding at least two such runs of prose is rewritten;
    its images and tables stay where they were, between the paragraphs.
    """
    for el in list(tree.iter("td", "div")):
        runs = sum(1 for n in _br_runs(el) if n >= BR_PARAGRAPH_CHARS)
        # A <div> that calls itself a paragraph (inline content only) counts too: the extractor loses
        # the text before nested inline markup in such a <div>, not in a <p>.
        paragraph_div = (
            el.tag == "div"
            and runs == 1
            and PARAGRAPH_CLASS.search(el.get("class", "")) is not None
            and all(_is_inline(c) or c.tag == "br" for c in el if isinstance(c.tag, str))
        )
        if runs < 2 and not paragraph_div:
            continue
        if sum(1 for _ in el.iterchildren("p")) >= 2:
            continue  # a modern body with a stray run of text (a "click to tweet" link): left as it is
        items: list[HtmlElement | str] = [el.text or ""]
        for child in list(el):
            tail, child.tail = child.tail or "", None
            el.remove(child)
            items += [child, tail]
        el.text = None
        paragraph: HtmlElement | None = None
        for item in items:
            if isinstance(item, str):
                if not item.strip():
                    continue
                if paragraph is None:
                    paragraph = el.makeelement("p", {})
                    el.append(paragraph)
                if len(paragraph):
                    paragraph[-1].tail = (paragraph[-1].tail or "") + item
                else:
                    paragraph.text = (paragraph.text or "") + item
            elif not _is_inline(item):
                paragraph = None
                if item.tag != "br":
                    el.append(item)
            else:
                if paragraph is None:
                    paragraph = el.makeelement("p", {})
                    el.append(paragraph)
                paragraph.append(item)
    _unwrap_layout_tables(tree)


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Tables that lay out the page (a cell holds the story's paragraphs) become plain ``<div>``s.

    The extractor reads a table as data and joins each cell into one line, so
    a story laid out in a cell would come out as a single paragraph. Only the
    tables around such a cell are unwrapped; a data table inside the story stays.
    """
    for cell in list(tree.iter("td")):
        prose = [p for p in cell.iterchildren("p") if _text_len(p) >= BR_PARAGRAPH_CHARS]
        if len(prose) < 2:
            continue
        for table in [a for a in cell.iterancestors("table")]:
            rows = [
                r
                for part in (table, *table.iterchildren("tbody", "thead", "tfoot"))
                for r in part.iterchildren("tr")
            ]
            for row in rows:
                for inner in row.iterchildren("td", "th"):
                    inner.tag = "div"
                row.tag = "div"
            for part in table.iterchildren("tbody", "thead", "tfoot"):
                part.tag = "div"
            table.tag = "div"


BODY_CHUNK_CLASS = re.compile(r"body|content|article|story|entry|text|chunk", re.I)
NOT_BODY_CHUNK_CLASS = re.compile(r"comment|reply|respon|disqus|review|teaser|card|related|aside", re.I)
MAX_CHUNK_GAP_CHARS = 100  # between two parts of one story: an advertisement slot, a newsletter box
MIN_CHUNK_PROSE = 2


def _prose_paragraphs(el: HtmlElement) -> int:
    return sum(1 for p in el.iter("p") if _text_len(p) >= BR_PARAGRAPH_CHARS)


def join_body_chunks(tree: HtmlElement) -> None:
    """A story cut into several containers of one kind (an ad between them) becomes one container.

    Some CMSs print the body as a series of ``<div class="article__body">``, one per
    stretch of text between two advertisements; the extractor then keeps the first
    stretch only. The later ones' content is moved into the first, in order.
    """
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    for el in tree.iter("div", "section"):
        classes = el.get("class", "")
        if not BODY_CHUNK_CLASS.search(classes) or NOT_BODY_CHUNK_CLASS.search(classes):
            continue
        if _prose_paragraphs(el) >= MIN_CHUNK_PROSE:
            groups.setdefault((str(el.tag), " ".join(sorted(classes.split()))), []).append(el)
    for chunks in groups.values():
        chunks = [c for c in chunks if not any(a in chunks for a in c.iterancestors())]
        if len(chunks) < 2 or not _one_story(chunks):
            continue
        first = chunks[0]
        for chunk in chunks[1:]:
            for child in list(chunk):
                first.append(child)
            _drop(chunk)


def _one_story(chunks: list[HtmlElement]) -> bool:
    """True when only low-text elements stand between consecutive chunks, within a few levels."""
    for before, after in zip(chunks, chunks[1:], strict=False):
        common = next((a for a in before.iterancestors() if a in set(after.iterancestors())), None)
        if common is None:
            return False
        depth = sum(1 for a in before.iterancestors() if a is not common and common in set(a.iterancestors()))
        if depth > 3:
            return False
        gap, node = 0, _top_under(before, common).getnext()
        stop = _top_under(after, common)
        while node is not None and node is not stop:
            gap += _text_len(node) if isinstance(node.tag, str) else 0
            node = node.getnext()
        if node is None or gap > MAX_CHUNK_GAP_CHARS:
            return False
    return True


def _top_under(el: HtmlElement, ancestor: HtmlElement) -> HtmlElement:
    """The ancestor-or-self of ``el`` that is a child of ``ancestor``."""
    node = el
    while node.getparent() is not ancestor:
        parent = node.getparent()
        assert parent is not None
        node = parent
    return node


def mark_article_body(tree: HtmlElement) -> None:
    """Mark the element holding the most paragraph text as ``itemprop="articleBody"``.

    Only on pages that mark no article at all (no ``<article>``, no
    ``articleBody``), such as bootstrap themes with ``col-lg-8`` columns:
    without a marked container trafilatura falls back to a generic pass that
    drops subheadings and images.
    """
    if tree.xpath("//article | //*[@itemprop='articleBody']"):
        return
    best, best_size = None, MIN_PROSE_TOTAL
    for el in tree.iter("div", "section", "main", "td"):
        size = sum(_text_len(p) for p in el.iterchildren("p"))
        if size > best_size:
            best, best_size = el, size
    if best is not None:
        best.set("itemprop", "articleBody")
