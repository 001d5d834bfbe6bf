"""Charset decisions: declarations, their lies, detection, and legacy Vietnamese encodings."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest

from kabar.core.fetch.charset import (
    codec_name,
    decode_body,
    decode_html,
    decode_text,
    decode_xml,
    header_charset,
    meta_charset,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sources"
VI_TEXT = (FIXTURES / "vi-utf8.txt").read_text(encoding="utf-8").strip()
VI_CP1258 = (FIXTURES / "vi-cp1258.txt").read_bytes().strip()
FRENCH = "Le président a déclaré que la réforme était nécessaire à l'école, où les élèves étudient."


def html(body: bytes, head: bytes = b"") -> bytes:
    return b"<!doctype html><html><head>" + head + b"</head><body><p>" + body + b"</p></body></html>"


def test_fixture_really_is_windows_1258_with_combining_tones() -> None:
    raw = VI_CP1258.decode("cp1258")
    assert raw != VI_TEXT  # base letters + combining marks ...
    assert unicodedata.normalize("NFC", raw) == VI_TEXT  # ... that NFC composes


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("UTF-8", "utf-8"),
        ("windows-1258", "cp1258"),
        ("Windows-1258", "cp1258"),
        ("ISO-8859-1", "cp1252"),  # browsers read latin-1 labels as windows-1252
        ("us-ascii", "cp1252"),
        ("x-no-such-charset", None),
        ("", None),
    ],
)
def test_codec_names(label: str, expected: str | None) -> None:
    assert codec_name(label) == expected


def test_declarations_are_found() -> None:
    assert header_charset('text/html; charset="Windows-1258"') == "Windows-1258"
    assert header_charset("text/html") is None
    assert meta_charset(b'<meta charset="windows-1258">') == "windows-1258"
    assert (
        meta_charset(b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=iso-8859-1'>")
        == "iso-8859-1"
    )
    assert meta_charset(b"<p>no declaration</p>") is None


def test_meta_declaration_is_used_without_a_header() -> None:
    text, encoding = decode_html(html(VI_CP1258, b'<meta charset="windows-1258">'))
    assert encoding == "cp1258"
    assert VI_TEXT in text


def test_undeclared_windows_1258_is_detected() -> None:
    text, encoding = decode_html(html(VI_CP1258))
    assert encoding == "cp1258"
    assert VI_TEXT in text


def test_header_saying_utf8_over_windows_1258_bytes_is_overruled() -> None:
    text, encoding = decode_html(html(VI_CP1258), "text/html; charset=utf-8")
    assert encoding == "cp1258"
    assert VI_TEXT in text


def test_header_1258_over_a_utf8_page_loses_to_the_meta() -> None:
    page = html(VI_TEXT.encode("utf-8"), b'<meta charset="utf-8">')
    text, encoding = decode_html(page, "text/html; charset=windows-1258")
    assert encoding == "utf-8"
    assert VI_TEXT in text


def test_an_honest_latin1_page_stays_latin1() -> None:
    # The weak-declaration check must not "correct" real Western European text.
    text, encoding = decode_html(html(FRENCH.encode("cp1252")), "text/html; charset=iso-8859-1")
    assert encoding == "cp1252"
    assert FRENCH in text


def test_utf8_wins_over_detection_when_undeclared() -> None:
    text, encoding = decode_text(VI_TEXT.encode("utf-8"))
    assert (text, encoding) == (VI_TEXT, "utf-8")


def test_byte_order_mark_wins() -> None:
    text, encoding = decode_html(codecs.BOM_UTF8 + html(VI_TEXT.encode()), "text/html; charset=windows-1258")
    assert encoding == "utf-8-sig"
    assert VI_TEXT in text
    text, encoding = decode_text(VI_TEXT.encode("utf-16"))
    assert text == VI_TEXT


def test_decoded_text_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", VI_TEXT).encode("utf-8")
    text, _ = decode_text(decomposed)
    assert text == VI_TEXT


def test_xml_declaration_is_honoured() -> None:
    xml = b'<?xml version="1.0" encoding="windows-1258"?><rss><title>' + VI_CP1258 + b"</title></rss>"
    text, encoding = decode_xml(xml)
    assert encoding == "cp1258"
    assert VI_TEXT in text


def test_binary_bodies_are_left_alone() -> None:
    assert decode_body(b"\x1f\x8b\x08\x00rest", "application/gzip") == ("", "")
    assert decode_body(b"\x1f\x8b\x08\x00rest", None) == ("", "")
    assert decode_body(b"<p>x</p>", None) == ("<p>x</p>", "utf-8")


def test_viscii_when_the_codec_package_is_installed() -> None:
    pytest.importorskip("viscii", reason="viscii-codec is not installed")
    raw = (FIXTURES / "vi-viscii.txt").read_bytes()
    text, encoding = decode_html(html(raw), "text/html; charset=VISCII")
    assert encoding == "viscii"
    assert VI_TEXT in text
