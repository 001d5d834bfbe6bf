"""The hardened XML path: decoding by the XML rules, and entity declarations refused by the parser."""

from __future__ import annotations

import pytest

from kabar.core.extract.safe_xml import MalformedXml, UnsafeXml, decode_xml_document, parse_xml, utf8_document

DOC = '<?xml version="1.0" encoding="{}"?><r>Hà Nội</r>'


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"]
)
def test_documents_decode_by_bom_zero_bytes_or_declaration(encoding: str) -> None:
    text = decode_xml_document(DOC.format(encoding).encode(encoding))
    assert text.removeprefix("\ufeff").endswith("<r>Hà Nội</r>")
    assert parse_xml(DOC.format(encoding).encode(encoding)).root.text == "Hà Nội"


def test_a_utf16_declaration_on_utf8_bytes_is_a_lie() -> None:
    assert parse_xml(DOC.format("UTF-16").encode("utf-8")).root.text == "Hà Nội"


def test_the_declaration_is_rewritten_for_parsers_that_decode_again() -> None:
    assert utf8_document("\ufeff" + DOC.format("UTF-16")) == DOC.format("utf-8").encode()


@pytest.mark.parametrize(
    "doc",
    [
        '<!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
        '<x><!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r></x>',  # where only a lenient parser would look
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x"',  # cut off inside the DTD
    ],
)
def test_entity_declarations_are_refused_strict_or_recovering(doc: str) -> None:
    for recover in (False, True):
        with pytest.raises(UnsafeXml, match="declares XML entities"):
            parse_xml(doc.encode(), recover=recover)


def test_malformed_xml_is_told_apart_from_unsafe_xml() -> None:
    with pytest.raises(MalformedXml, match="not well-formed"):
        parse_xml(b"<urlset><url>")
    assert parse_xml(b"<urlset><url>", recover=True).root.tag == "urlset"
    with pytest.raises(MalformedXml, match="no element found|not well-formed"):
        parse_xml(b"just text", recover=True)
