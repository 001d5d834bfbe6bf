"""FeedSource: RSS and Atom feeds served by a real local server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.misbehaving_server import MisbehavingServer, Reply, html_page
from kabar.core.fetch.fetch import Fetcher, FetchPolicy
from kabar.core.sources.feed import FeedSource
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


def test_rss_entries_become_pages_with_feed_hints(
    server: MisbehavingServer, fetcher: Fetcher, fixtures: Path
) -> None:
    feed_url = server.route_file("/feed.rss", fixtures / "feed-rss.xml", "application/rss+xml; charset=utf-8")
    server.route("/articles/1", html_page("Hà Nội đón mùa thu", "Toàn văn từ trang báo."))

    items = list(FeedSource(fetcher=fetcher).documents(feed_url))

    assert len(items) == 3  # the fourth entry repeats the first link
    page, from_feed, gone = items
    assert isinstance(page, RawDocument)
    assert page.url == server.url("/articles/1")
    assert "Toàn văn từ trang báo." in page.content  # the page, not the feed's short copy
    assert "Bản rút gọn" not in page.content
    assert page.kind == "html"
    assert page.declared_language == "vi"
    assert page.fetched is not None and page.fetched.status == 200
    assert page.hints["title"] == "Hà Nội đón mùa thu"
    assert page.hints["published"] == "2025-10-12T00:30:00+00:00"  # 07:30 +07:00
    assert page.hints["authors"] == ["Nguyễn Văn An"]
    assert page.hints["outlet"] == "Báo Thử Nghiệm"
    assert page.hints["section"] == "Xã hội"
    assert page.hints["feed"] == feed_url

    # The page is gone but the feed carries the full text: use it, and say so.
    assert isinstance(from_feed, RawDocument)
    assert from_feed.url == server.url("/articles/missing")
    assert "Toàn văn bài viết nằm trong feed." in from_feed.content
    assert "<title>Bài chỉ có trong feed</title>" in from_feed.content
    assert from_feed.hints["content_source"] == "feed"
    assert from_feed.hints["page_error"] == "HTTP 404 Not Found"

    assert gone == DocumentFailure(server.url("/articles/gone"), "HTTP 404 Not Found", "fetch")


def test_atom_relative_links_and_language(
    server: MisbehavingServer, fetcher: Fetcher, fixtures: Path
) -> None:
    feed_url = server.route_file("/feeds/atom.xml", fixtures / "feed-atom.xml", "application/atom+xml")
    server.route("/berita/kunjungan", html_page("Kunjungan kenegaraan dimulai", "Isi berita."))

    (item,) = FeedSource(fetcher=fetcher).documents(feed_url)

    assert isinstance(item, RawDocument)
    assert item.url == server.url("/berita/kunjungan")
    assert item.declared_language == "id"
    assert item.hints["authors"] == ["Siti Rahma"]
    assert item.hints["published"] == "2025-10-12T01:00:00+00:00"
    assert item.hints["updated"] == "2025-10-12T03:00:00+00:00"


def test_feed_content_only_when_pages_are_not_fetched(server: MisbehavingServer, fixtures: Path) -> None:
    feed_url = server.route_file("/feed.rss", fixtures / "feed-rss.xml", "application/rss+xml")
    policy = FetchPolicy(host_delay=0, allow_private=True, respect_robots=False)
    with Fetcher(policy) as fetcher:
        items = list(FeedSource(fetcher=fetcher, fetch_pages=False).documents(feed_url))
    assert [type(i).__name__ for i in items] == ["RawDocument", "RawDocument", "DocumentFailure"]
    assert isinstance(items[0], RawDocument) and "Bản rút gọn trong feed." in items[0].content
    assert isinstance(items[2], DocumentFailure)
    assert items[2].reason == "pages are not fetched and the entry has no full text"
    assert server.paths() == ["/feed.rss"]


def test_since_skips_older_entries(server: MisbehavingServer, fetcher: Fetcher, fixtures: Path) -> None:
    feed_url = server.route_file("/feed.rss", fixtures / "feed-rss.xml", "application/rss+xml")
    items = list(FeedSource(fetcher=fetcher, since="2025-10-11T12:00:00+07:00").documents(feed_url))
    # Only the 12 October entry (and the undated duplicate of it, which is skipped as a duplicate).
    assert [i.url for i in items] == [server.url("/articles/1")]
    assert "/articles/missing" not in server.paths() and "/articles/gone" not in server.paths()
    (bad,) = FeedSource(fetcher=fetcher, since="yesterday").documents(feed_url)
    assert isinstance(bad, DocumentFailure) and "is not an ISO 8601 date" in bad.reason


def test_entry_links_pass_the_ssrf_guard(server: MisbehavingServer) -> None:
    """A public feed may not steer kabar onto internal addresses through its links."""
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>a</title><link>http://10.0.0.5/admin</link></item>"
        b"<item><title>b</title><link>http://[::1]:22/</link></item></channel></rss>"
    )

    def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == "feeds.test" else [host]

    url = server.route("/feed.rss", Reply(body=body, content_type="application/rss+xml"))
    policy = FetchPolicy(host_delay=0, respect_robots=False, allowed_networks=("127.0.0.1/32",))
    with Fetcher(policy, resolver=resolve) as fetcher:
        items = list(FeedSource(fetcher=fetcher).documents(url.replace("127.0.0.1", "feeds.test")))
    assert items == [
        DocumentFailure("http://10.0.0.5/admin", "refused: 10.0.0.5 is a private address", "fetch"),
        DocumentFailure("http://[::1]:22/", "refused: ::1 is a loopback address", "fetch"),
    ]


def test_feed_failures_are_yielded_not_raised(server: MisbehavingServer, fetcher: Fetcher) -> None:
    source = FeedSource(fetcher=fetcher)
    missing = list(source.documents(server.url("/no-feed.rss")))
    assert missing == [DocumentFailure(server.url("/no-feed.rss"), "HTTP 404 Not Found", "fetch")]

    not_a_feed = server.route("/page.rss", html_page("x", "y"))
    (item,) = source.documents(not_a_feed)
    assert isinstance(item, DocumentFailure) and item.reason.startswith("no entries in the feed")

    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b"<rss><channel><item><title>&b;</title><link>http://x.test/</link></item></channel></rss>"
    )
    entity_url = server.route("/bomb.rss", Reply(body=bomb, content_type="application/rss+xml"))
    assert list(source.documents(entity_url)) == [
        DocumentFailure(entity_url, "refused: the feed declares XML entities", "fetch")
    ]


def test_accepts_feed_like_urls() -> None:
    source = FeedSource()
    assert source.accepts("https://news.example/rss/thoi-su.rss")
    assert source.accepts("https://news.example/feed/")
    assert source.accepts("https://news.example/rss.xml")
    assert source.accepts("https://news.example/atom")
    assert not source.accepts("https://news.example/sitemap.xml")
    assert not source.accepts("https://news.example/thoi-su/bai-viet.html")
    assert not source.accepts("/var/feeds/feed.rss")


def test_entry_links_that_are_not_http_are_never_used_as_addresses(server: MisbehavingServer) -> None:
    """A feed cannot give an article a javascript: (or file:) address for the reader site to link to."""
    full_text = "&lt;p&gt;Toàn văn bài viết nằm trong feed, đủ dài để làm một bài báo.&lt;/p&gt;"
    body = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>Báo Thử Nghiệm</title>"
        f"<item><title>a</title><link>javascript:alert(1)</link><content:encoded>{full_text}</content:encoded></item>"
        "<item><title>b</title><link>file:///etc/passwd</link></item>"
        f'<item><title>c</title><guid isPermaLink="false">javascript:alert(3)</guid>'
        f"<content:encoded>{full_text}</content:encoded></item>"
        "</channel></rss>"
    ).encode()
    feed_url = server.route("/feed.rss", Reply(body=body, content_type="application/rss+xml"))
    policy = FetchPolicy(host_delay=0, allow_private=True, respect_robots=False)
    with Fetcher(policy) as fetcher:
        from_feed, no_text, no_link = FeedSource(fetcher=fetcher).documents(feed_url)

    assert isinstance(from_feed, RawDocument)
    assert from_feed.url == f"{feed_url}#entry-1"
    assert from_feed.hints["content_source"] == "feed"
    assert from_feed.hints["page_error"] == "the entry's link is not an http(s) URL: 'javascript:alert(1)'"
    assert "Toàn văn bài viết nằm trong feed" in from_feed.content

    assert isinstance(no_text, DocumentFailure)
    assert no_text.url == f"{feed_url}#entry-2"
    assert no_text.reason.startswith("the entry's link is not an http(s) URL: 'file:")

    assert isinstance(no_link, RawDocument)
    assert no_link.url == f"{feed_url}#entry-3"
    assert server.paths() == ["/feed.rss"]


def _rss(items: str, *, prolog: str = "", declaration: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return (
        f'{declaration}{prolog}<rss version="2.0"><channel><title>Báo Thử Nghiệm</title>'
        f"{items}</channel></rss>"
    )


FULL_TEXT_ITEM = (
    "<item><title>Tiêu đề &amp; bài</title><link>http://x.test/a</link>"
    "<description>Tóm tắt &ent;</description></item>"
)


@pytest.mark.parametrize(
    ("prolog", "encoding"),
    [
        # The old check read only the first 64 KiB, as bytes.
        ("<!-- " + "<a>padding</a> " * 5_000 + "-->" + '<!DOCTYPE rss [<!ENTITY ent "x">]>', "utf-8"),
        ('<!DOCTYPE rss [<!ENTITY ent "x">]>', "utf-16"),
        ('<!DOCTYPE rss [<!ENTITY ent "x">]>', "utf-16-be"),
        ('<!DOCTYPE rss [<!ENTITY ent "x">]>', "utf-32"),
    ],
)
def test_entity_declarations_are_refused_wherever_they_hide(
    server: MisbehavingServer, fetcher: Fetcher, prolog: str, encoding: str
) -> None:
    declaration = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
    body = _rss(FULL_TEXT_ITEM, prolog=prolog, declaration=declaration).encode(encoding)
    url = server.route("/feed.rss", Reply(body=body, content_type="application/rss+xml"))
    assert list(FeedSource(fetcher=fetcher).documents(url)) == [
        DocumentFailure(url, "refused: the feed declares XML entities", "fetch")
    ]
    assert server.paths().count("/feed.rss") == 1 and "/a" not in server.paths()


def test_billion_laughs_is_refused_quickly(server: MisbehavingServer, fetcher: Fetcher) -> None:
    levels = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)]
    body = _rss(
        "<item><title>&l9;</title><link>http://x.test/a</link></item>",
        prolog=f"<!DOCTYPE rss [{''.join(levels)}]>",
    )
    url = server.route("/feed.rss", Reply(body=body.encode(), content_type="application/rss+xml"))
    started = time.monotonic()
    (item,) = FeedSource(fetcher=fetcher).documents(url)
    assert item == DocumentFailure(url, "refused: the feed declares XML entities", "fetch")
    assert time.monotonic() - started < 5  # generous: expanded, it would be 3 GB of "lol"


def test_an_external_entity_never_reads_the_file(
    server: MisbehavingServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read-me")
    dtd = server.route("/evil.dtd", Reply(body=b'<!ENTITY ent "x">', content_type="application/xml-dtd"))
    prolog = (
        "<!-- "
        + "x" * 70_000
        + " -->"
        + f'<!DOCTYPE rss SYSTEM "{dtd}" [<!ENTITY ent SYSTEM "{secret.as_uri()}">]>'
    )
    url = server.route(
        "/feed.rss",
        Reply(body=_rss(FULL_TEXT_ITEM, prolog=prolog).encode(), content_type="application/rss+xml"),
    )
    items = list(FeedSource(fetcher=fetcher, fetch_pages=False).documents(url))
    assert items == [DocumentFailure(url, "refused: the feed declares XML entities", "fetch")]
    assert "do-not-read-me" not in repr(items)
    assert "/evil.dtd" not in server.paths()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_feeds_in_other_encodings_are_read(
    server: MisbehavingServer, fetcher: Fetcher, encoding: str
) -> None:
    item = "<item><title>Hà Nội đón mùa thu &amp; lễ hội</title><link>{base}/a</link></item>"
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    # An old RSS 0.91 DOCTYPE names an external DTD: allowed, and never fetched.
    prolog = f'<!DOCTYPE rss SYSTEM "{server.url("/rss-0.91.dtd")}">'
    body = _rss(item.replace("{base}", server.url("")), prolog=prolog, declaration=declaration)
    url = server.route("/feed.rss", Reply(body=body.encode(encoding), content_type="application/rss+xml"))
    server.route("/a", html_page("Hà Nội", "Toàn văn."))
    (page,) = FeedSource(fetcher=fetcher).documents(url)
    assert isinstance(page, RawDocument), page
    assert page.hints["title"] == "Hà Nội đón mùa thu & lễ hội"
    assert page.hints["outlet"] == "Báo Thử Nghiệm"
    assert "/rss-0.91.dtd" not in server.paths()
