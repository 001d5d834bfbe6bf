"""Which outlet's article a page republishes: its source line, a canonical link elsewhere, JSON-LD isBasedOn.

Outlets republish each other all the time, and say so: a closing "Nguồn: Báo Tuổi Trẻ",
"Sumber: https://nhandan.vn/…", "Source: Reuters", "(Theo TTXVN)"; a ``<link rel="canonical">``
on the original outlet's site; JSON-LD ``isBasedOn``. This module reads those signals (no
Django): ``Provenance`` names the original (its address and/or its outlet's name) and the
page's own address, so the store can keep the copy as the republisher's article linked to
the original instead of mistaking it for the original.

Whether the named original is another outlet's is decided by the store, which knows the outlet
the page was ingested for: a page whose source line names its own outlet is no republication.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kabar.core.blocks import strip_tags
from kabar.core.fetch.urls import http_url, is_http_url, same_site, site_host
from kabar.core.types import Block, Evidence, Provenance

MAX_CREDIT_LINE_CHARS = 160
MAX_OUTLET_WORDS = 8
# How far from the end of the body a closing credit line is looked for.
CLOSING_BLOCKS = 4

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_HREF = re.compile(r"""href\s*=\s*["'](https?://[^"']+)["']""", re.I)
# "Nguồn: …", "Sumber: …", "Source: …", "Nguồn tin: …", with or without brackets around the line.
_LABELLED = re.compile(
    r"^\s*[(\[]?\s*(?:nguồn(?:\s+tin)?|sumber(?:\s+berita)?|source|originally published (?:by|in|at)|"
    r"republished from|artikel ini telah tayang di)\s*:?\s*(?P<rest>.+?)\s*[)\]]?\s*\.?\s*$",
    re.I,
)
# "Theo TTXVN", "(Theo Báo Tuổi Trẻ)", "Theo VnExpress.net": a short closing line, never a sentence.
_THEO = re.compile(r"^\s*[(\[]?\s*theo\s+(?P<rest>[^,;:!?]+?)\s*[)\]]?\s*\.?\s*$", re.I)
# What may separate an outlet's name from its address on one line: "Báo X - https://…", "Báo X (https://…)".
_NAME_TAIL = re.compile(r"[\s\-–—|,:(\[]+$")


@dataclass(frozen=True)
class SourceCredit:
    """What one credit line says: the original outlet's name, its address, or both."""

    outlet: str = ""
    url: str = ""
    kind: Evidence = "source-line"  # "Nguồn:/Sumber:/Source: …", or "theo-line" for "Theo …"


def names_other_site(provenance: Provenance, home_url: str) -> bool:
    """Whether the original is on another site than ``home_url`` (unknown without an address: True)."""
    if not provenance.original_url:
        return True
    return not same_site(provenance.original_url, home_url)


def original_label(provenance: Provenance) -> str:
    """The original outlet as readers are told: its name, else its site's host."""
    return provenance.original_outlet or site_host(provenance.original_url)


def _looks_like_outlet(name: str) -> bool:
    """A short name in capitals ("TTXVN", "Báo Tuổi Trẻ", "VnExpress.net"), not a clause."""
    words = name.split()
    if not words or len(words) > MAX_OUTLET_WORDS:
        return False
    first = words[0].strip("\"'“”‘’")
    return bool(first) and (first[0].isupper() or first[0].isdigit())


def parse_credit_line(line: str) -> SourceCredit | None:
    """The credit a closing line gives, or None when it is no credit line.

    ``line`` may hold inline HTML (an ``<a href>`` around the outlet's name): its href is the address.
    """
    href = _HREF.search(line)
    text = " ".join(strip_tags(line).split())
    if not text or len(text) > MAX_CREDIT_LINE_CHARS:
        return None
    match = _LABELLED.match(text)
    theo = None if match else _THEO.match(text)
    if match is None and theo is None:
        return None
    rest = (match or theo)["rest"]  # type: ignore[index]
    found = _URL.search(rest)
    url = http_url((href.group(1) if href else found.group(0) if found else "").rstrip(".,;"))
    name = rest[: found.start()] if found else rest
    name = _NAME_TAIL.sub("", name).strip(" \"'“”")
    if found and not name and not url:
        return None
    if name and not _looks_like_outlet(name):
        if theo is not None or not url:
            return None  # "Theo ông Nam, …" is a sentence, not a credit
        name = ""
    if not name and not url:
        return None
    return SourceCredit(outlet=name, url=url, kind="source-line" if match else "theo-line")


def closing_credit(blocks: Sequence[Block]) -> tuple[int, SourceCredit] | None:
    """The last credit line among the body's closing paragraphs: (its index, what it says)."""
    seen = 0
    for i in range(len(blocks) - 1, -1, -1):
        block = blocks[i]
        if block["type"] == "image":
            continue
        seen += 1
        if seen > CLOSING_BLOCKS:
            break
        if block["type"] != "paragraph":
            continue
        credit = parse_credit_line(str(block.get("text", "")))
        if credit is not None:
            return i, credit
    return None


def _iso_date(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _name(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return _name(value.get("name"))
    if isinstance(value, list) and value:
        return _name(value[0])
    return ""


def based_on(objects: Iterable[dict[str, Any]]) -> Provenance | None:
    """JSON-LD ``isBasedOn`` (or ``isBasedOnUrl``) of the page's article: a URL, or a CreativeWork."""
    for obj in objects:
        value = obj.get("isBasedOn", obj.get("isBasedOnUrl"))
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and is_http_url(item):
                return Provenance("is-based-on", original_url=item.strip(), line=item.strip())
            if isinstance(item, dict):
                url = http_url(str(item.get("url") or item.get("@id") or ""))
                outlet = _name(item.get("publisher")) or _name(item.get("sourceOrganization"))
                if url or outlet:
                    return Provenance(
                        "is-based-on",
                        original_url=url,
                        original_outlet=outlet,
                        original_published=_iso_date(item.get("datePublished")),
                        line=url or outlet,
                    )
    return None


def find_provenance(
    page_url: str,
    *,
    source_line_url: str = "",
    credit: SourceCredit | None = None,
    canonical: str = "",
    json_ld: Iterable[dict[str, Any]] = (),
    own_url: str = "",
) -> Provenance | None:
    """The original the page names, strongest signal first; None for a page that names none.

    ``source_line_url``: the address of a "Nguồn:/Sumber:/Source:" line the extractor took out of
    the body; ``credit``: a closing credit line (``closing_credit``); ``canonical``: the page's
    canonical link; ``own_url``: the page's own address (``page_url`` when empty). A canonical
    link on the page's own site is the page speaking for itself, not a republication.
    """
    own = own_url or page_url
    if credit is not None and (credit.url or not source_line_url):
        return Provenance(
            credit.kind,
            original_url=credit.url,
            original_outlet=credit.outlet,
            page_url=own,
            line=credit.outlet or credit.url,
        )
    if source_line_url:
        return Provenance(
            "source-line",
            original_url=source_line_url,
            original_outlet=credit.outlet if credit else "",
            page_url=own,
            line=source_line_url,
        )
    declared = based_on(json_ld)
    if declared is not None and not (declared.original_url and same_site(declared.original_url, own)):
        return Provenance(
            declared.evidence,
            original_url=declared.original_url,
            original_outlet=declared.original_outlet,
            original_published=declared.original_published,
            page_url=own,
            line=declared.line,
        )
    if canonical and is_http_url(canonical) and is_http_url(page_url) and not same_site(page_url, canonical):
        return Provenance("canonical", original_url=canonical.strip(), page_url=own, line=canonical.strip())
    return None


def own_address(page_url: str, canonical: str) -> str:
    """The page's own address: its canonical link when on the page's own site (or for a saved file)."""
    if canonical and is_http_url(canonical) and (not is_http_url(page_url) or same_site(page_url, canonical)):
        return canonical.strip()
    return page_url


def take_provenance(
    blocks: list[Block],
    page_url: str,
    *,
    source_lines: Iterable[str] = (),
    canonical: str = "",
    json_ld: Iterable[dict[str, Any]] = (),
) -> tuple[list[Block], Provenance | None]:
    """The body without its closing credit line ("Nguồn: Báo X", "Theo TTXVN"), and the page's provenance.

    ``source_lines``: addresses the extractor already took from "Nguồn:/Sumber: <URL>" lines.
    """
    closing = closing_credit(blocks)
    credit = closing[1] if closing else None
    if closing is not None:
        blocks = blocks[: closing[0]] + blocks[closing[0] + 1 :]
    line_url = next((http_url(u) for u in source_lines if http_url(u)), "")
    found = find_provenance(
        page_url,
        source_line_url=line_url,
        credit=credit,
        canonical=canonical,
        json_ld=json_ld,
        own_url=own_address(page_url, canonical),
    )
    return blocks, found
