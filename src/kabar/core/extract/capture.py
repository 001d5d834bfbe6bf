"""Plain-text page captures turned into an ``Extracted`` article.

A capture is what "save page as text" or a copy from a browser gives for a
republished article: one line per paragraph, with the page around it. The
layout these pages share, top to bottom:

    Vietnam.vn - Nền tảng quảng bá Việt Nam          site header (optional)
    <title>
    <lead>
    Báo Nhân dânBáo Nhân dân12/10/2025                 outlet and date, glued
    <caption> (Foto: VNA)                              image, known by its caption
    img-8949-8066.jpg                                  image file name, then its caption
    <paragraphs>
    HANH NGUYEN                                        byline, in capitals
    Sumber: https://nhandan.vn/...                     the outlet's original URL
    Komentar (0) / No data / Dalam kategori yang sama ... page furniture and other stories

A capture may also start mid-article (a truncated copy); then there is no
title, and ``title`` stays empty with a ``capture-without-title`` flag rather
than a sentence promoted to headline that the outlet never wrote.

Duplicates (captures often print a paragraph or caption twice) are left to
``kabar.core.text.clean``; this stage only reads the layout.
"""

from __future__ import annotations

import datetime as dt
import re

from kabar.core.errors import StageError
from kabar.core.extract.dates import find_date
from kabar.core.fetch.urls import http_url
from kabar.core.stage import check_size, run_with_timeout
from kabar.core.text.boilerplate import is_boilerplate, is_list_heading, is_read_also_line
from kabar.core.text.clean import normalize_text
from kabar.core.text.credits import is_file_name, split_credit
from kabar.core.types import Block, Extracted, Provenance

STAGE = "capture"
PLACEHOLDER_SRC = "capture:image-{}"  # an image known only by its caption has no URL
NO_TITLE_FLAG = "capture-without-title: the capture starts mid-article, no headline found"
HEADER_SCAN_LINES = 6  # title, lead and the outlet/date line sit within the first lines
MAX_SITE_HEADER_WORDS = 12
MAX_TITLE_WORDS = 40
MAX_CAPTION_WORDS = 80
MAX_BYLINE_WORDS = 8
MAX_DATE_LINE_CHARS = 120
MAX_DATELINE_TAIL_CHARS = 40  # room for "| 14:30" or a section name after the date

# The address is whatever follows the label when it looks like one (a scheme, or "www."); whether it
# is an address kabar accepts is decided after, so that a refused one is flagged, not kept as text.
_SOURCE_LINE = re.compile(
    r"^(?:Sumber|Nguồn|Source|Theo|Via)\s*:\s*(?P<url>(?:[a-z][a-z0-9+.-]*:|www\.)\S*)$",
    re.I,
)
_DOMAIN = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b", re.I)
_HEADER_SEPARATOR = re.compile(r"\s[-–—|:]\s")
_GLUED_REPEAT = re.compile(r"(?P<name>.+?)\s*(?P=name)")
_AUTHOR_SEPARATOR = re.compile(r"\s*(?:,|;|&|\s[-–—]\s|\s(?:và|dan|and)\s)\s*", re.I)


class CaptureError(StageError):
    """A capture had no article in it."""

    stage = "capture"


def _is_caption(line: str) -> bool:
    return bool(split_credit(line, bare_agency=False)[1]) and len(line.split()) <= MAX_CAPTION_WORDS


def _is_title_like(line: str) -> bool:
    return (
        len(line.split()) <= MAX_TITLE_WORDS
        and not line.endswith((".", "…", ";", ","))
        and not _is_caption(line)
        and not is_file_name(line)
        and not is_boilerplate(line)
        and find_date(line) is None
    )


def _is_byline(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return (
        len(letters) >= 2
        and line == line.upper()
        and len(line.split()) <= MAX_BYLINE_WORDS
        and not any(c.isdigit() for c in line)
        and not is_boilerplate(line)
    )


def _has_site_header(lines: list[str]) -> bool:
    """True when the first line names the republishing site ("Vietnam.vn - Nền tảng ...")."""
    if len(lines) < 3:
        return False
    first = lines[0]
    return (
        len(first.split()) <= MAX_SITE_HEADER_WORDS
        and bool(_DOMAIN.search(first) or _HEADER_SEPARATOR.search(first))
        and not _is_caption(first)
        and find_date(first) is None
        and _is_title_like(lines[1])
    )


def _outlet_and_date(line: str) -> tuple[str, dt.datetime] | None:
    """``(outlet, published)`` when ``line`` is an outlet-and-date line, else ``None``."""
    if len(line) > MAX_DATE_LINE_CHARS or _is_caption(line):
        return None
    found = find_date(line)
    if found is None:
        return None
    published, (start, end) = found
    if len(line) - end > MAX_DATELINE_TAIL_CHARS:  # a date followed by a sentence is body text
        return None
    outlet = line[:start].strip(" -–—|·•,")
    # Captures glue the outlet's logo text to its name: "Báo Nhân dânBáo Nhân dân".
    repeat = _GLUED_REPEAT.fullmatch(outlet)
    if repeat:
        outlet = repeat["name"].strip()
    return outlet, published


def _source_url(written: str) -> str:
    """The http(s) URL a source line names ("www.x.vn/..." is read as https), or "" if it names none."""
    written = written.rstrip(".,;")
    if written.lower().startswith("www."):
        written = f"https://{written}"
    return http_url(written)


def _authors(byline: str) -> list[str]:
    return [a for a in (p.strip(" .") for p in _AUTHOR_SEPARATOR.split(byline)) if a]


class _Body:
    """Accumulates body blocks; knows how captures lay out images."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.pending_src = ""  # a file-name line waiting for the caption that follows it
        self.pending_byline = ""  # a capitals line: the byline if no paragraph follows it

    def _image_count(self) -> int:
        return sum(1 for b in self.blocks if b["type"] == "image")

    def _flush_file_name(self) -> None:
        if self.pending_src:
            self.blocks.append({"type": "image", "src": self.pending_src, "caption": "", "credit": ""})
            self.pending_src = ""

    def _flush_byline_as_heading(self) -> None:
        if self.pending_byline:
            # Capitals in mid-article are a subheading, not a byline.
            self.blocks.append({"type": "heading", "text": self.pending_byline, "level": 2})
            self.pending_byline = ""

    @property
    def has_text(self) -> bool:
        return any(b["type"] != "image" for b in self.blocks)

    def file_name(self, line: str) -> None:
        self._flush_file_name()
        self.pending_src = line

    def byline(self, line: str) -> None:
        self._flush_file_name()
        self._flush_byline_as_heading()
        self.pending_byline = line

    def caption(self, line: str) -> None:
        self._flush_byline_as_heading()
        caption, credit = split_credit(line, bare_agency=False)
        previous = self.blocks[-1] if self.blocks else None
        repeated = (
            not self.pending_src
            and previous is not None
            and previous["type"] == "image"
            and (previous["caption"], previous["credit"]) == (caption, credit)
        )
        if repeated:  # captures print a figure's alt text and its caption: the same line twice
            return
        src = self.pending_src or PLACEHOLDER_SRC.format(self._image_count() + 1)
        self.pending_src = ""
        self.blocks.append({"type": "image", "src": src, "caption": caption, "credit": credit})

    def paragraph(self, line: str) -> None:
        self._flush_file_name()
        self._flush_byline_as_heading()
        self.blocks.append({"type": "paragraph", "text": line})

    def finish(self) -> list[str]:
        """Close the body; returns the authors from a trailing byline."""
        self._flush_file_name()
        byline, self.pending_byline = self.pending_byline, ""
        return _authors(byline) if byline else []


def _parse(text: str, url: str) -> Extracted:
    lines = [line for line in (normalize_text(raw) for raw in text.splitlines()) if line]
    doc = Extracted(url=url, title="")
    start = 0
    if _has_site_header(lines):
        doc.site_name = lines[0]
        start = 1

    scan_end = min(len(lines), start + HEADER_SCAN_LINES)
    dateline = next((i for i in range(start, scan_end) if _outlet_and_date(lines[i])), None)
    head = lines[start : dateline if dateline is not None else start + 2]
    consumed = start
    if head and _is_title_like(head[0]):
        doc.title = head[0]
        consumed += 1
        if len(head) > 1 and not _is_caption(head[1]) and not is_file_name(head[1]):
            doc.lead = head[1]
            consumed += 1
    else:
        doc.flags.append(NO_TITLE_FLAG)

    body_lines = lines[consumed:]
    if dateline is not None:
        found = _outlet_and_date(lines[dateline])
        assert found is not None  # the same line matched above
        doc.outlet, doc.published = found
        del body_lines[dateline - consumed]

    body = _Body()
    for line in body_lines:
        source = _SOURCE_LINE.match(line)
        if source:
            address = _source_url(source["url"])
            if not address:
                doc.flags.append(f"source line not http(s): {source['url'][:200]}")
            doc.source_url = doc.source_url or address
            if address and doc.provenance is None:  # whether it is another outlet's: the store decides
                # The capture's outlet line names the outlet it credits: the original's.
                doc.provenance = Provenance(
                    "source-line", original_url=address, original_outlet=doc.outlet, page_url=doc.url, line=line
                )
            if body.has_text:  # the source line closes the article; page furniture follows
                break
            continue
        if is_list_heading(line):
            if body.has_text:  # "Dalam kategori yang sama": other stories from here on
                break
            continue
        if is_file_name(line):
            body.file_name(line)
        elif is_boilerplate(line) or is_read_also_line(line):
            continue
        elif _is_caption(line):
            body.caption(line)
        elif _is_byline(line):
            body.byline(line)
        else:
            body.paragraph(line)
    doc.authors = body.finish()
    doc.blocks = body.blocks
    if not doc.title and not body.has_text:
        raise CaptureError("no title and no paragraphs found in the capture", stage=STAGE)
    return doc


def parse_capture(
    text: str, *, url: str = "", timeout: float | None = 10.0, max_chars: int = 2_000_000
) -> Extracted:
    """Read a plain-text page capture into an ``Extracted`` article (see the module docstring).

    Raises ``TooLarge``, ``StageTimeout`` or ``CaptureError`` (no article found).
    """
    check_size(STAGE, len(text), max_chars)
    return run_with_timeout(STAGE, timeout, _parse, text, url)
