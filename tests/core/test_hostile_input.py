"""Property tests: mutated real fixtures through the real entry points end as a result or a StageError.

Every test takes the project's own fixtures (pages, captures, feeds,
sitemaps), breaks them the ways hostile or broken input does (random bytes
and characters in, ranges out, truncation, a tag repeated hundreds of times,
nesting thousands deep, attributes of hundreds of kilobytes, invalid UTF-8,
NUL bytes, lone surrogates, fragments known to have broken a stage before)
and asserts what the issue asks: each input ends as a result or a
``StageError`` within the stage's time limit plus a margin, never another
exception and never a hang. Runs are reproducible (``derandomize``, no
example database) and bounded (a fixed number of examples per test, no
shrinking).
"""

from __future__ import annotations

import functools
import gzip
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kabar.core.errors import StageError
from kabar.core.extract.capture import parse_capture
from kabar.core.extract.extract import extract_html
from kabar.core.fetch.fetch_errors import HTTPStatusError
from kabar.core.pipeline import Pipeline, PipelineLimits
from kabar.core.sources.feed import FeedSource
from kabar.core.sources.sitemap import SitemapSource
from kabar.core.text.language import LanguageDetector
from kabar.core.types import Extracted, Fetched, RawDocument
from kabar.hookspecs import DocumentFailure

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted((FIXTURES / "html").glob("*.html"))
CAPTURES = sorted((FIXTURES / "sources" / "captures").glob("*.txt")) + sorted(
    (FIXTURES / "text").glob("*.txt")
)
FEEDS = sorted((FIXTURES / "sources").glob("feed-*.xml"))
SITEMAPS = sorted((FIXTURES / "sources").glob("sitemap-*.xml"))

STAGE_LIMIT = 10.0  # seconds given to each stage here
MARGIN = 5.0  # abandoning an overrunning stage, and a slow shared CI machine

T = TypeVar("T")

# Fragments that broke (or could break) one stage or another: inserted whole, so that the
# search does not have to stumble on them byte by byte.
HOSTILE_FRAGMENTS: tuple[bytes, ...] = (
    b'<img src="http://[">',
    b'<figure><img src="http://[::1" srcset="http://[ 9999999999w, x 1e400w" width="\xc2\xb2">'
    b"<figcaption>Foto: (Foto: (Foto:</figcaption></figure>",
    b'<base href="http://[">',
    b'<link rel="canonical" href="http://[">',
    b'<script type="application/ld+json">' + b"[" * 5_000 + b"</script>",
    b'<script type="application/ld+json">{"@type":"NewsArticle","@graph":{"@graph":[{"@type":5}]},'
    b'"datePublished":{"x":1},"author":[{"name":[1]}],"n":' + b"9" * 5_000 + b"}</script>",
    b'<meta property="article:published_time" content="0001-01-01T00:00:00+14:00">',
    b'<meta property="article:modified_time" content="99999-12-31">',
    '<time datetime="9999-12-31T23:59:59-12:00">Thứ Hai, 31/12/99999 25:61 (GMT+99)</time>'.encode(),
    '<div class="date">ngày 99 tháng 99 năm 0000 lúc 99h99</div>'.encode(),
    b'<!DOCTYPE x [<!ENTITY a "&a;">]>',
    b'<!ENTITY % p SYSTEM "file:///etc/passwd">',
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"&#0;&#xD800;&#x110000;&#99999999999;",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"\xc3(\xa0\xa1\xe2\x82(\xf0\x28\x8c\xbc",
    b"Sumber: http://[",
    "Nguồn: javascript:alert(1)".encode(),
    b"HANH NGUYEN\n",
    b"img-8949-8066.jpg\n",
    b"\n" * 200,
    b"<loc>http://[</loc><lastmod>0000-00-00</lastmod>",
    b"<news:publication_date>9999-12-31T23:59:59-12:00</news:publication_date>",
    b"<pubDate>Mon, 99 Foo 99999 99:99:99 +9999</pubDate>",
    b'<?xml version="1.0" encoding="utf-16"?>',
    b'<?xml version="1.0" encoding="x-no-such-codec"?>',
)
_TAG = re.compile(rb"<[a-zA-Z][^<>]{0,200}>")


@st.composite
def mutated(draw: st.DrawFn, originals: tuple[bytes, ...]) -> bytes:
    """One fixture, broken by one to four mutations."""
    data = draw(st.sampled_from(originals))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(
            st.sampled_from(
                ("insert", "fragment", "delete", "truncate", "duplicate", "nest", "attribute", "binary")
            )
        )
        at = draw(st.integers(0, len(data)))
        if operation == "insert":
            inserted = draw(st.binary(max_size=64) | st.text(max_size=64).map(lambda s: s.encode("utf-8")))
            data = data[:at] + inserted + data[at:]
        elif operation == "fragment":
            data = data[:at] + draw(st.sampled_from(HOSTILE_FRAGMENTS)) + data[at:]
        elif operation == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 2_000)) :]
        elif operation == "truncate":
            data = data[:at]
        elif operation == "duplicate":
            tags = _TAG.findall(data)
            if tags:
                data = data[:at] + draw(st.sampled_from(tags)) * draw(st.integers(2, 2_000)) + data[at:]
        elif operation == "nest":
            tag = draw(st.sampled_from((b"div", b"p", b"span", b"table", b"a", b"item", b"url", b"b")))
            depth = draw(st.sampled_from((300, 3_000, 30_000)))
            data = data[:at] + b"<" + tag + b">" + (b"<" + tag + b">") * depth + data[at:]
        elif operation == "attribute":
            tag = _TAG.search(data, at)
            if tag:
                end = tag.end() - 1
                size = draw(st.sampled_from((10_000, 300_000)))
                data = data[:end] + b' data-x="' + b"a" * size + b'" src="' + b"x" * size + b'"' + data[end:]
        else:  # invalid UTF-8 and NUL bytes
            junk = draw(st.binary(min_size=1, max_size=16).map(lambda b: bytes(x | 0x80 for x in b)))
            data = data[:at] + junk + b"\x00" + data[at:]
    return data


def as_text(data: bytes, errors: str) -> str:
    """Bytes as the str an entry point gets; ``surrogateescape`` leaves lone surrogates in."""
    return data.decode("utf-8", errors=errors)


def within_limit(call: Callable[[], T], limit: float = STAGE_LIMIT) -> T | StageError:
    """``call()``'s result or the StageError it raised, failing on any other exception or on overrunning ``limit``."""
    started = time.monotonic()
    try:
        result: T | StageError = call()
    except StageError as exc:
        result = exc
    elapsed = time.monotonic() - started
    assert elapsed < limit + MARGIN, f"took {elapsed:.1f}s"
    return result


def fixed(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=max_examples,
        deadline=None,  # time is measured against the stage limit instead
        derandomize=True,
        database=None,
        # No shrinking: inputs are large and each run slow, so shrinking a failure could take
        # longer than the whole suite; the unshrunk input is printed, and reproduces.
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _read(paths: list[Path]) -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in paths)


@functools.cache
def _detector() -> LanguageDetector:
    return LanguageDetector(["vi", "id", "en"])


class _Fetcher:
    """Serves one body for the first URL; every other URL (an entry's page, a child sitemap) is a 404.

    The source parsers are what is under test here, not HTTP: the loopback
    server tests in ``tests/core/sources`` cover fetching.
    """

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body, self.content_type = body, content_type
        self.served = False

    def fetch(self, url: str, **_conditions: Any) -> Fetched:
        if self.served:
            raise HTTPStatusError("HTTP 404 Not Found", status=404, url=url)
        self.served = True
        return Fetched(url, url, 200, self.body, "", "", self.content_type)


@pytest.mark.parametrize("errors", ["replace", "surrogateescape"])
@fixed(max_examples=60)
@given(data=mutated(_read(PAGES)))
def test_extract_html_ends_in_an_article_or_a_stage_error(errors: str, data: bytes) -> None:
    result = within_limit(
        lambda: extract_html(
            as_text(data, errors), url="https://news.example.vn/bai-viet", timeout=STAGE_LIMIT
        )
    )
    assert isinstance(result, (Extracted, StageError))


@fixed(max_examples=60)
@given(data=mutated(_read(CAPTURES)), errors=st.sampled_from(["replace", "surrogateescape"]))
def test_parse_capture_ends_in_an_article_or_a_stage_error(data: bytes, errors: str) -> None:
    result = within_limit(
        lambda: parse_capture(as_text(data, errors), url="file:///c.txt", timeout=STAGE_LIMIT)
    )
    assert isinstance(result, (Extracted, StageError))


@fixed(max_examples=60)
@given(
    data=mutated(_read(FEEDS)),
    content_type=st.sampled_from(["application/rss+xml", "text/xml; charset=utf-16", ""]),
)
def test_feeds_end_in_documents_or_failures(data: bytes, content_type: str) -> None:
    source = FeedSource(fetcher=_Fetcher(data, content_type))  # type: ignore[arg-type]
    items = within_limit(lambda: list(source.documents("https://news.example.vn/rss/home.rss")))
    assert isinstance(items, list), items  # a source yields its failures, it never raises them
    assert all(isinstance(item, (RawDocument, DocumentFailure)) for item in items)


@fixed(max_examples=60)
@given(data=mutated(_read(SITEMAPS)), gzipped=st.booleans())
def test_sitemaps_end_in_documents_or_failures(data: bytes, gzipped: bool) -> None:
    body = gzip.compress(data) if gzipped else data
    source = SitemapSource(fetcher=_Fetcher(body, "application/xml"))  # type: ignore[arg-type]
    items = within_limit(lambda: list(source.documents("https://news.example.vn/sitemap.xml")))
    assert isinstance(items, list), items
    assert all(isinstance(item, (RawDocument, DocumentFailure)) for item in items)


@fixed(max_examples=60)
@given(
    data=mutated(_read(PAGES) + _read(CAPTURES)),
    kind=st.sampled_from(["html", "text"]),
    hints=st.fixed_dictionaries(
        {},
        optional={
            "title": st.text(max_size=20) | st.integers(),
            "published": st.sampled_from(["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "x", 5]),
            "authors": st.lists(st.text(max_size=10)) | st.text(max_size=10) | st.none(),
            "summary": st.text(max_size=50),
            "content_source": st.just("feed"),
        },
    ),
)
def test_pipeline_ends_in_an_article_or_a_stage_error(data: bytes, kind: str, hints: dict[str, Any]) -> None:
    pipeline = Pipeline(_detector(), PipelineLimits(extract_timeout=STAGE_LIMIT, clean_timeout=STAGE_LIMIT))
    raw = RawDocument(
        url="https://news.example.vn/a", content=as_text(data, "replace"), kind=kind, hints=hints
    )  # type: ignore[arg-type]
    # Extract and clean run one after the other, each under its own limit.
    result = within_limit(lambda: pipeline.process(raw), limit=2 * STAGE_LIMIT)
    assert isinstance(result, (Extracted, StageError))
