"""Turn fetched bytes into text: declared charsets first, then detection.

Order of trust: a byte-order mark, then the HTTP ``Content-Type`` charset, then
the document's own declaration (``<meta charset>`` / ``http-equiv`` in HTML, the
XML declaration), then charset-normalizer. Declarations lie often enough on
Vietnamese sites (a server default of ISO-8859-1 in front of windows-1258
pages) that a declaration is only taken as is when it decodes cleanly and
nothing contradicts it; when two declarations disagree, or the only one is the
latin-1 family that servers send by default, charset-normalizer picks between
the candidates by how plausible each decoding reads.

Every result is NFC-normalised: Python's ``cp1258`` codec yields a base letter
plus a combining tone mark, while everything downstream (search, dedup,
translation) expects the precomposed letters Vietnamese text uses elsewhere.

Legacy Vietnamese encodings: windows-1258 is a Python codec; VISCII works when
the ``viscii-codec`` package is installed (it registers a ``viscii`` codec);
TCVN3 (TCVN 5712) and VNI have no maintained Python codec, so pages in them
come out as mojibake from detection rather than as an error.
"""

from __future__ import annotations

import codecs
import contextlib
import importlib
import re
import unicodedata
from email.message import Message

import charset_normalizer

with contextlib.suppress(ImportError):  # optional: registers a "viscii" codec with Python's registry
    importlib.import_module("viscii")

# Labels servers send that mean the codec on the right (WHATWG Encoding
# Standard: browsers read latin-1 and ASCII labels as windows-1252).
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-viet-viscii": "viscii",
    "csviscii": "viscii",
}
# Declarations that are usually a server default rather than a statement about the page.
_WEAK_DECLARATIONS = frozenset({"cp1252"})
_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:+-]+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:+-]+)[\"']", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def codec_name(label: str | None) -> str | None:
    """Python's codec name for a charset label (``"Windows-1258"`` -> ``"cp1258"``), or None if unknown."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower()
    cleaned = _LABEL_ALIASES.get(cleaned, cleaned)
    try:
        name = codecs.lookup(cleaned).name
    except LookupError:
        return None
    return _LABEL_ALIASES.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header value, as written."""
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    value = message.get_param("charset")
    return value if isinstance(value, str) else None


def media_type(content_type: str | None) -> str:
    """``"text/html; charset=utf-8"`` -> ``"text/html"``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def meta_charset(content: bytes) -> str | None:
    """The charset an HTML page declares in its first 4 KiB (``<meta charset>`` or ``http-equiv``)."""
    found = _META_CHARSET.search(content[:_SNIFF_BYTES])
    return found.group(1).decode("ascii") if found else None


def xml_charset(content: bytes) -> str | None:
    """The encoding named in an XML declaration."""
    found = _XML_DECLARATION.search(content[:_SNIFF_BYTES])
    return found.group(1).decode("ascii") if found else None


def decode_html(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page; returns ``(text, codec name)``."""
    return decode(content, [header_charset(content_type), meta_charset(content)])


def decode_xml(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an XML document (feed, sitemap); returns ``(text, codec name)``."""
    return decode(content, [header_charset(content_type), xml_charset(content)])


def decode_text(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode plain text (a capture, a WET record); returns ``(text, codec name)``."""
    return decode(content, [header_charset(content_type)])


def is_binary(content: bytes, content_type: str | None) -> bool:
    """True for bodies that are not text at all (images, gzip files, PDFs)."""
    kind = media_type(content_type)
    if kind.startswith("text/") or any(
        k in kind for k in ("xml", "html", "json", "javascript", "rss", "atom")
    ):
        return False
    if kind:
        return True
    head = content[:1024]
    return head.startswith(b"\x1f\x8b") or b"\x00" in head


def decode_body(content: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode any fetched body by its media type; binary bodies give ``("", "")``."""
    if is_binary(content, content_type):
        return "", ""
    kind = media_type(content_type)
    if "xml" in kind or "rss" in kind or "atom" in kind:
        return decode_xml(content, content_type)
    if kind == "text/plain":
        return decode_text(content, content_type)
    return decode_html(content, content_type)


def decode(content: bytes, declared_labels: list[str | None]) -> tuple[str, str]:
    """Decode ``content`` trusting ``declared_labels`` (most trusted first) as far as they hold up."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return _nfc(content.decode(name, errors="replace")), name
    declared = list(dict.fromkeys(n for n in map(codec_name, declared_labels) if n))
    if content.isascii() and not any(_is_wide(n) for n in declared):
        return content.decode("ascii"), declared[0] if declared else "utf-8"
    decodable = [name for name in declared if _decodes(content, name)]
    if decodable:
        chosen = decodable[0]
        disagreeing = [n for n in decodable[1:] if content.decode(n) != content.decode(chosen)]
        if disagreeing or chosen in _WEAK_DECLARATIONS:
            chosen = _most_plausible(
                content, [chosen, *disagreeing], add_detected=chosen in _WEAK_DECLARATIONS
            )
        return _nfc(content.decode(chosen)), chosen
    if _decodes(content, "utf-8"):  # valid UTF-8 beyond ASCII is almost never an accident
        return _nfc(content.decode("utf-8")), "utf-8"
    best = charset_normalizer.from_bytes(content).best()
    if best is not None:
        return _nfc(str(best)), codec_name(best.encoding) or best.encoding
    return _nfc(content.decode("utf-8", errors="replace")), "utf-8"


def _most_plausible(content: bytes, candidates: list[str], *, add_detected: bool) -> str:
    """The first candidate whose decoding reads as text rather than mojibake.

    A declaration holds unless charset-normalizer finds its decoding chaotic;
    only then does a later declaration (or, for a weak one, the detector's own
    guess) take over. Asking "is this one plausible" instead of "which one is
    best" keeps short pages from flipping between near-identical codepages.
    """
    if add_detected:
        detected = charset_normalizer.from_bytes(content).best()
        name = codec_name(detected.encoding) if detected else None
        if name and name not in candidates:
            candidates = [*candidates, name]
    for name in candidates:
        if charset_normalizer.from_bytes(content, cp_isolation=[name]).best() is not None:
            return name
    return candidates[0]


def _decodes(content: bytes, name: str) -> bool:
    try:
        content.decode(name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _is_wide(name: str) -> bool:
    return name.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
