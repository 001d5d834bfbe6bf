"""All six sources as kabar finds them: entry points, the protocol, routing by location, options."""

from __future__ import annotations

from pathlib import Path

import pytest

from kabar.core.fetch.fetch import Fetcher, FetchPolicy
from kabar.core.sources.web import UrlSource
from kabar.hookspecs import SOURCE_GROUP, FetchSource, plugin_classes

KINDS = {"feed", "sitemap", "url", "file", "warc", "capture"}
# The order kabar ingest tries them in: most specific first.
ORDER = ("warc", "capture", "file", "sitemap", "feed", "url")


def route(location: str) -> str | None:
    classes = plugin_classes(SOURCE_GROUP)
    for name in ORDER:
        if classes[name]().accepts(location):
            return name
    return None


def test_entry_points_load_and_follow_the_protocol() -> None:
    classes = plugin_classes(SOURCE_GROUP)
    assert set(classes) >= KINDS
    for name in KINDS:
        source = classes[name]()
        assert isinstance(source, FetchSource)
        assert source.kind == name


def test_locations_route_to_the_right_source(fixtures: Path, tmp_path: Path) -> None:
    warc = tmp_path / "CC-NEWS-20251012.warc.gz"
    warc.write_bytes(b"")
    assert route(str(warc)) == "warc"
    assert route(str(fixtures / "captures")) == "capture"
    assert route(str(fixtures / "saved-pages")) == "file"
    assert route("https://news.example/sitemap.xml") == "sitemap"
    assert route("https://news.example/rss/home.rss") == "feed"
    assert route("https://news.example/thoi-su/bai-viet-123.html") == "url"
    assert route("gopher://news.example/") is None


def test_options_are_checked() -> None:
    with pytest.raises(TypeError, match="unknown source option"):
        UrlSource(max_entires=3)
    with Fetcher(FetchPolicy()) as ready, pytest.raises(TypeError, match="set them on its FetchPolicy"):
        UrlSource(fetcher=ready, allow_private=True)
    built = UrlSource(allow_private=True, host_delay=0)
    assert built.fetcher.policy.allow_private and built.fetcher.policy.host_delay == 0
