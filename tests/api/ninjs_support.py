"""What the ninjs tests share: the official IPTC schemas as validators, articles to map, loading.

Two validators check every document, both against the unchanged official schema file:
``jsonschema`` (Draft 2020-12, as the schemas' ``$schema`` says) with strict ``date-time``
(RFC 3339) and ``uri`` (RFC 3986) checks, and ``jsonschema_rs`` with its own format checks,
so a document that one validator's format rules let through still has to pass the other.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from django.core.management import call_command
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import kabar
from kabar.news.models import ArticleText

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))
from factories import make_article, make_author, make_media, make_outlet, make_section, make_text  # noqa: E402

__all__ = [
    "load",
    "make_article",
    "make_author",
    "make_media",
    "make_outlet",
    "make_section",
    "make_text",
    "validate",
]

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "ninjs"
SCHEMA_FILES = {2: "ninjs-schema_2.2.json", 3: "ninjs-schema_3.1.json"}
# ``places.geojson`` refers to GeoJSON's schema on the web; kabar writes no places (a test says
# so), and tests never reach the network, so that one reference resolves to an empty schema.
GEOJSON = "https://geojson.org/schema/GeoJSON.json"

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time")
def is_rfc3339(value: object) -> bool:
    if not isinstance(value, str) or not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@FORMATS.checks("uri")
def is_uri(value: object) -> bool:
    return isinstance(value, str) and bool(_URI.match(value))


def schema(version: int) -> dict[str, Any]:
    path = SCHEMA_DIR / SCHEMA_FILES[version]
    if not path.is_file():
        pytest.skip(f"official ninjs schemas not found at {SCHEMA_DIR} (they sit beside the checkout in CI)")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _validators(version: int) -> tuple[Any, Any]:
    official = schema(version)
    # The validator the schema's own ``$schema`` asks for: Draft 2020-12 for both files.
    draft = jsonschema.validators.validator_for(official)
    assert draft is jsonschema.Draft202012Validator, official["$schema"]
    draft.check_schema(official)
    registry: Registry[Any] = Registry().with_resource(GEOJSON, Resource({}, specification=DRAFT202012))
    python = draft(official, registry=registry, format_checker=FORMATS)
    rust = jsonschema_rs.Draft202012Validator(official, validate_formats=True, retriever=lambda _uri: {})
    return python, rust


def validate(document: dict[str, Any], version: int) -> None:
    """Fail with every problem when ``document`` is not valid ninjs of that major version."""
    python, rust = _validators(version)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in python.iter_errors(document)]
    assert not errors, f"not valid ninjs {version}:\n" + "\n".join(errors)
    rust_errors = [str(e) for e in rust.iter_errors(document)]
    assert not rust_errors, f"not valid ninjs {version} (jsonschema_rs):\n" + "\n".join(rust_errors)


def load(text: ArticleText) -> ArticleText:
    """``text`` as the API loads it: article, outlet, section, every text, media and authors prefetched.

    All texts come along, unpublished ones too, so the mapping itself has to leave those out.
    """
    return (
        ArticleText.objects.select_related("article__outlet", "article__section")
        .prefetch_related("article__texts", "article__authors", "article__media")
        .get(pk=text.pk)
    )


@pytest.fixture(scope="session")
def compiled_messages() -> None:
    """The notices are the article page's own translated words: compile the catalogs first."""
    with contextlib.chdir(Path(kabar.__file__).resolve().parent):
        call_command("compilemessages", locale=["vi", "en", "id"], verbosity=0)
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None


ENGINE = "ct2"
MODEL_VERSION = "opus-mt-vi-en 2024-05"
LICENCE = "Republished by agreement with the outlet; credit Báo Tuổi Trẻ & Đời Sống."

ORIGINAL_BLOCKS: list[dict[str, Any]] = [
    {
        "type": "paragraph",
        "text": 'Người dân <a href="/vi/tin-bao/">sơ tán</a> &amp; chờ tin 🌀 <script>alert(1)</script>',
    },
    {"type": "heading", "text": "Thiệt hại ở Quảng Ninh", "level": 3},
    {
        "type": "paragraph",
        "text": 'Nước <img src=x onerror=alert(1)>dâng 1 &lt; 2 mét, <a href="javascript:alert(1)">xem</a>.',
    },
    {"type": "quote", "text": "Chúng tôi đã sẵn sàng.", "cite": "Ông Lê <b>Minh</b>"},
    {"type": "list", "items": ["Hà Nội", "Hải Phòng &amp; Quảng Ninh"]},
    {
        "type": "image",
        "src": "https://img.example/ngập lụt.jpg",
        "caption": "Nước dâng cao ở Hạ Long",
        "credit": "TTXVN",
        "width": 800,
        "height": 600,
    },
]
TRANSLATED_BLOCKS: list[dict[str, Any]] = [
    {"type": "paragraph", "text": 'People <a href="/en/storm/">evacuate</a> &amp; wait for news 🌀'},
    {"type": "paragraph", "text": "Water rose 1 &lt; 2 metres."},
    {
        "type": "image",
        "src": "https://img.example/ngập lụt.jpg",
        "caption": "High water in Ha Long",
        "credit": "TTXVN",
        "width": 800,
        "height": 600,
    },
]


def newsroom_article(*, with_extras: bool = True) -> dict[str, ArticleText]:
    """An original in Vietnamese, a machine translation into English and a human one into Indonesian.

    ``with_extras`` adds what a full article has: section, two authors, leads, a lead image,
    an image in the body and a licence. Without them: the bare minimum each model allows.
    """
    outlet = make_outlet(name="Báo Tuổi Trẻ & Đời Sống", licence=LICENCE if with_extras else "")
    article = make_article(
        outlet=outlet,
        section=make_section(names={"vi": "Thời sự", "en": "News", "id": "Berita"}) if with_extras else None,
        authors=[make_author("Nguyễn Thị Hạnh", outlet=outlet), make_author("Trần Văn Ân")]
        if with_extras
        else [],
        source_url="https://tuoitre.example/bão-yagi-đổ-bộ.html",
    )
    extras = with_extras
    texts = {
        "vi": make_text(
            article,
            "vi",
            title="Bão Yagi <cấp 12> & mưa lớn 🌀",
            lead="Gió <em>giật</em> mạnh & sóng cao 🌊" if extras else "",
            blocks=ORIGINAL_BLOCKS if extras else [{"type": "paragraph", "text": "Tin ngắn."}],
        ),
        "en": make_text(
            article,
            "en",
            status=ArticleText.Status.MACHINE,
            title="Typhoon Yagi <level 12> & heavy rain 🌀",
            lead="Strong <em>gusts</em> & high waves 🌊" if extras else "",
            blocks=TRANSLATED_BLOCKS if extras else [{"type": "paragraph", "text": "Short news."}],
            engine=ENGINE,
            model_version=MODEL_VERSION,
            qa_passed=True,
        ),
        "id": make_text(
            article,
            "id",
            status=ArticleText.Status.HUMAN,
            title="Topan Yagi & hujan lebat",
            blocks=[{"type": "paragraph", "text": "Warga mengungsi."}],
        ),
    }
    if extras:
        make_media(
            article,
            url="https://img.example/cây-đổ.jpg",
            width=1200,
            height=800,
            captions={"vi": "Cây đổ trên phố", "en": "Trees down in the street"},
            credit="Tuổi Trẻ",
        )
    return texts
