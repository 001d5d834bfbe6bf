"""Typed values that flow between pipeline stages.

fetch -> ``Fetched``; sources yield ``RawDocument``; extract -> ``Extracted``;
clean and detect return an updated ``Extracted``. Body content is a list of
*blocks* (see ``kabar.core.blocks``): plain JSON-able dicts, because that is
exactly what ``ArticleText.blocks`` stores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Block = dict[str, Any]
"""One body block, e.g. ``{"type": "paragraph", "text": "..."}``; schema in ``blocks``."""

DocumentKind = Literal["html", "text"]

Evidence = Literal["source-line", "theo-line", "is-based-on", "canonical"]
"""Which signal named a page's original (``kabar.core.extract.provenance``)."""


@dataclass(frozen=True)
class Provenance:
    """The original a page republishes.

    ``original_url``/``original_outlet``: the original article's address and its outlet's name
    (either may be empty: "Theo TTXVN" names no address, a bare "Sumber: https://…" no name).
    ``page_url``: the page's own address (its own-site canonical, else where it was read), which
    is the republished copy's identity. ``evidence``: which signal said so; ``line``: its text.
    """

    evidence: Evidence
    original_url: str = ""
    original_outlet: str = ""
    original_published: dt.datetime | None = None
    page_url: str = ""
    line: str = ""


@dataclass(frozen=True)
class Fetched:
    """What the fetcher got for one URL."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content: bytes
    text: str  # decoded with ``encoding``
    encoding: str
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304 answer to a conditional GET: ``content`` is empty


@dataclass(frozen=True)
class RawDocument:
    """One document a source produced, before extraction."""

    url: str  # canonical-ish location: page URL, or file path URI for local files
    content: str
    kind: DocumentKind = "html"
    declared_language: str | None = None  # e.g. a feed's or WARC record's language
    fetched: Fetched | None = None
    hints: dict[str, Any] = field(default_factory=dict)  # e.g. feed entry title/date


@dataclass(frozen=True)
class Image:
    """An image with the caption and credit that belong to it."""

    src: str
    caption: str = ""
    credit: str = ""
    alt: str = ""
    width: int | None = None
    height: int | None = None

    def as_block(self) -> Block:
        block: Block = {"type": "image", "src": self.src, "caption": self.caption, "credit": self.credit}
        if self.alt:
            block["alt"] = self.alt
        if self.width:
            block["width"] = self.width
        if self.height:
            block["height"] = self.height
        return block


@dataclass
class Extracted:
    """An article as extracted from one document, in its original language."""

    url: str  # where it was fetched from
    title: str
    lead: str = ""
    blocks: list[Block] = field(default_factory=list)
    source_url: str = ""  # the outlet's original URL ("Nguồn:/Sumber:/Source:" line or canonical)
    outlet: str = ""  # outlet name as the outlet writes it
    authors: list[str] = field(default_factory=list)
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    section: str = ""
    language: str | None = None
    site_name: str = ""  # e.g. the republishing site's header line in a capture
    flags: list[str] = field(default_factory=list)  # warnings for operators, e.g. language mismatch
    # The other outlet's article this page republishes, as the page says (kabar.core.extract.provenance).
    provenance: Provenance | None = None

    @property
    def images(self) -> list[Image]:
        return [
            Image(
                src=b.get("src", ""),
                caption=b.get("caption", ""),
                credit=b.get("credit", ""),
                alt=b.get("alt", ""),
                width=b.get("width"),
                height=b.get("height"),
            )
            for b in self.blocks
            if b["type"] == "image"
        ]

    @property
    def paragraphs(self) -> list[str]:
        """Text blocks (paragraphs, headings, quotes, list items) in order, as plain text."""
        from kabar.core.blocks import block_text

        return [t for b in self.blocks if b["type"] != "image" for t in block_text(b)]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``kabar extract --json``."""
        return {
            "url": self.url,
            "title": self.title,
            "lead": self.lead,
            "outlet": self.outlet,
            "author": ", ".join(self.authors),
            "authors": list(self.authors),
            "published": self.published.isoformat() if self.published else None,
            "updated": self.updated.isoformat() if self.updated else None,
            "section": self.section,
            "language": self.language,
            "source_url": self.source_url,
            "images": [{"src": i.src, "caption": i.caption, "credit": i.credit} for i in self.images],
            "body": self.paragraphs,
            "flags": list(self.flags),
        }
