"""The one way kabar reads XML from the web (feeds, sitemaps): decoded first, then a hardened parser.

An XML document can declare entities, and entities are how XML attacks work:
"billion laughs" expands a few hundred bytes into gigabytes, an external
entity (``<!ENTITY x SYSTEM "file:///etc/passwd">``) reads a file off the
server or a URL behind the firewall. No feed or sitemap needs them, so a
document whose DTD declares any entity is refused (``UnsafeXml``) rather than
parsed with the entities left unexpanded: a refusal is recorded with its
reason, while silently dropped text would look like a broken feed.

The check is made by the parser, on the decoded document, so it cannot be
dodged the ways a byte search can: declarations after a 70 KB comment, or in
UTF-16/UTF-32 (with or without a byte-order mark), or in an encoding the XML
declaration names. The parser itself is lxml with entity substitution off,
no network, no DTD loading and libxml2's size and depth limits on
(``huge_tree`` off), so even a document that slipped past the check could not
expand an entity or fetch anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lxml import etree

from kabar.core.fetch.charset import codec_name, decode, header_charset, xml_charset
from kabar.core.fetch.fetch_errors import FetchError

_XML_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*\?>")
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.I)
UTF8_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


class MalformedXml(FetchError):
    """The document is not XML the parser could read."""


class UnsafeXml(FetchError):
    """The document declares XML entities (see the module docstring)."""


@dataclass(frozen=True)
class XmlDocument:
    """A parsed document: its decoded ``text`` and the ``root`` element the hardened parser built."""

    text: str
    root: etree._Element

    def utf8(self) -> bytes:
        """The document as UTF-8 bytes whose XML declaration says so (for parsers that decode again)."""
        return utf8_document(self.text)


def _wide_encoding(content: bytes) -> str | None:
    """UTF-16/UTF-32 without a byte-order mark, told by where the zero bytes fall around ``<`` (XML 1.0, F.1)."""
    head = content[:4]
    if len(head) < 4:
        return None
    if head[:3] == b"\0\0\0" and head[3]:
        return "utf-32-be"
    if head[0] and head[1:] == b"\0\0\0":
        return "utf-32-le"
    if head[0] == 0 == head[2] and head[1] and head[3]:
        return "utf-16-be"
    if head[1] == 0 == head[3] and head[0] and head[2]:
        return "utf-16-le"
    return None


def _is_wide(label: str | None) -> bool:
    return (codec_name(label) or "").startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


def decode_xml_document(content: bytes, content_type: str | None = None) -> str:
    """Decode an XML document by its byte-order mark, zero-byte pattern, HTTP charset or declaration.

    Undecodable bytes become U+FFFD rather than failing the document. A
    declaration of UTF-16 on a document whose bytes are not UTF-16 is a lie
    and is ignored (an ASCII ``<?xml`` cannot start a UTF-16 document).
    """
    wide = _wide_encoding(content)
    if wide:
        return unicodedata.normalize("NFC", content.decode(wide, errors="replace"))
    labels = [header_charset(content_type), xml_charset(content)]
    text, _codec = decode(content, [label for label in labels if not _is_wide(label)])
    return text


def utf8_document(text: str) -> bytes:
    """``text`` as UTF-8, its XML declaration (if any) rewritten to say UTF-8 and its BOM dropped."""
    text = text.removeprefix("\ufeff")
    if _XML_DECLARATION.match(text):
        text = _XML_DECLARATION.sub(UTF8_DECLARATION, text, count=1)
    return text.encode("utf-8", errors="replace")


def _parser(*, recover: bool) -> etree.XMLParser:
    # A parser per call: lxml parsers keep state and must not be shared between threads.
    return etree.XMLParser(
        encoding="utf-8",  # the bytes given are always utf8_document's, whatever the declaration said
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
    )


def parse_xml(
    content: bytes, *, content_type: str | None = None, recover: bool = False, url: str = ""
) -> XmlDocument:
    """Decode and parse ``content``; refuse entity declarations.

    ``recover=True`` reads as much of a broken document as libxml2 can (feeds
    are often slightly broken and feedparser reads them anyway). Raises
    ``UnsafeXml`` or ``MalformedXml``, both ``FetchError`` with ``url``.
    """
    text = decode_xml_document(content, content_type)
    parser = _parser(recover=recover)
    try:
        root = etree.fromstring(utf8_document(text), parser)
    except etree.XMLSyntaxError as exc:
        if "amplification" in str(exc):  # libxml2 stopped an entity expansion
            raise UnsafeXml("refused: the document declares XML entities", url=url) from exc
        if _ENTITY_DECLARATION.search(text):
            # Too broken to tell a declaration from text: whatever reads it next must not meet one.
            raise UnsafeXml("refused: the document declares XML entities", url=url) from exc
        raise MalformedXml(f"not well-formed XML: {exc}", url=url) from exc
    if root is None:  # recover mode found nothing at all
        if _ENTITY_DECLARATION.search(text):
            raise UnsafeXml("refused: the document declares XML entities", url=url)
        raise MalformedXml("not well-formed XML: no element found", url=url)
    if len(parser.error_log) and _ENTITY_DECLARATION.search(text):
        # Recovered from errors, so a declaration may sit where libxml2 skipped it (a DOCTYPE
        # inside an element) but a more lenient parser downstream would not.
        raise UnsafeXml("refused: the document declares XML entities", url=url)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeXml("refused: the document declares XML entities", url=url)
    return XmlDocument(text=text, root=root)
