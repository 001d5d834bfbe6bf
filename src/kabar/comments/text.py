"""A comment's text: plain text in, escaped HTML out, links made safe; links and listed words found.

Nothing a reader writes is ever rendered as HTML: every character is escaped, paragraphs and
line breaks are kept, and only ``http(s)://`` addresses become links, with
``rel="nofollow ugc noopener"`` (search engines give them no weight, the opened page no
access to ours). Word lists are matched the way search matches: without diacritics, đ as d,
case folded (``kabar.core.discover.query.fold``), on whole words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from kabar.core.discover.query import fold, words

MAX_LENGTH = 3000
LINK_TEXT_CHARS = 60

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# What a spammer writes to make a link without a scheme: www.…, or a name with a common ending.
_BARE_LINK = re.compile(
    r"\bwww\.[^\s]+|\b[a-z0-9-]+\.(?:com|net|org|info|biz|io|ru|cn|xyz|top|vn|id|co|me|link|click)\b",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""
_PARAGRAPHS = re.compile(r"\n\s*\n")
# Invisible characters that reorder or hide text (bidi overrides: a name shown backwards;
# zero-width spaces and soft hyphens: a banned word cut in two). Dropped from what is stored.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x061C, 0x180E, 0x200B, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)
# Letters of other scripts that look like Latin ones, read as those when word lists are matched.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕһԁӏкмнтвԛԝοαειкντυχρβηмзоѕΑΒΕΖΗΙΚΜΝΟΡΤΥΧАВЕКМНОРСТХІЈЅ",
    "aeopcyxijshdlkmhtbqwoaeikvtuxpbnm3osABEZHIKMNOPTYXABEKMHOPCTXIJS",
)


def normalize(body: str) -> str:
    """Line ends unified, control characters dropped (tabs and newlines kept), ends trimmed."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    body = "".join(c for c in body if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127))
    return body.translate(_INVISIBLE).strip()


def has_link(body: str) -> bool:
    body = unicodedata.normalize("NFKC", body)  # ｗｗｗ．spam．com, spam․com: links all the same
    return bool(_URL.search(body) or _BARE_LINK.search(body))


def _linked(line: str) -> str:
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(line):
        url = match.group(0)
        trimmed = url.rstrip(_TRAILING)
        end = match.start() + len(trimmed)
        parts.append(escape(line[last : match.start()]))
        shown = trimmed if len(trimmed) <= LINK_TEXT_CHARS else trimmed[: LINK_TEXT_CHARS - 1] + "…"
        parts.append(format_html('<a href="{}" rel="nofollow ugc noopener">{}</a>', trimmed, shown))
        last = end
    parts.append(escape(line[last:]))
    return "".join(parts)


def render(body: str) -> SafeString:
    """The comment as HTML: ``<p>`` per paragraph, ``<br>`` per line break, escaped, links safe."""
    paragraphs = [p for p in _PARAGRAPHS.split(normalize(body)) if p.strip()]
    html = "".join("<p>" + "<br>".join(_linked(line) for line in p.split("\n")) + "</p>" for p in paragraphs)
    return mark_safe(html)  # every piece above was escaped or built by format_html


def folded_words(text: str) -> str:
    """The text's words, folded, space-separated and padded: `` hom nay troi dep ``.

    Format characters (zero-width joiners and the like) are dropped first and look-alike
    letters of other scripts read as Latin, so neither hides a listed word.
    """
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " " + " ".join(fold(w).translate(_CONFUSABLES) for w in words(text)) + " "


def listed_words(body: str, listed: Iterable[str]) -> list[str]:
    """The listed words or phrases that ``body`` contains as whole words (whatever its accents)."""
    haystack = folded_words(body)
    found = []
    for entry in listed:
        needle = folded_words(entry)
        if needle.strip() and needle in haystack:
            found.append(entry)
    return found
