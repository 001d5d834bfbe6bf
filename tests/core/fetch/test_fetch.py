"""The fetcher against a real local server that misbehaves on purpose."""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import brotli
import pytest

from core.misbehaving_server import MisbehavingServer, Reply, Request
from kabar.core.errors import StageTimeout, TooLarge
from kabar.core.fetch.fetch import DEFAULT_USER_AGENT, Fetcher, FetchPolicy
from kabar.core.fetch.fetch_errors import (
    FetchError,
    FetchTimeout,
    FetchTooLarge,
    HTTPStatusError,
    RobotsDisallowed,
)
from kabar.core.fetch.robots import parse_rules, product_token

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sources"
VI_TEXT = (FIXTURES / "vi-utf8.txt").read_text(encoding="utf-8").strip()
VI_CP1258 = (FIXTURES / "vi-cp1258.txt").read_bytes().strip()


def policy(**changes: object) -> FetchPolicy:
    """Loopback allowed, small limits, so every failure shows within a fraction of a second."""
    base = FetchPolicy(
        connect_timeout=1,
        read_timeout=0.5,
        deadline=3,
        max_bytes=100_000,
        host_delay=0,
        allow_private=True,
        max_retry_wait=1,
        respect_robots=False,  # TestRobots turns it on
    )
    return base.with_options(changes)


@pytest.fixture
def server() -> Iterator[MisbehavingServer]:
    with MisbehavingServer() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(policy()) as running:
        yield running


def page(body: bytes, head: bytes = b"") -> bytes:
    return b"<html><head>" + head + b"<title>t</title></head><body><p>" + body + b"</p></body></html>"


def test_plain_fetch_reports_what_it_got(server: MisbehavingServer, fetcher: Fetcher) -> None:
    url = server.route("/a", Reply(body=page(VI_TEXT.encode()), headers={"ETag": '"v1"'}))
    fetched = fetcher.fetch(url)
    assert fetched.status == 200
    assert fetched.url == fetched.final_url == url
    assert VI_TEXT in fetched.text
    assert fetched.encoding == "utf-8"
    assert fetched.content_type == "text/html"
    assert fetched.etag == '"v1"'
    assert not fetched.not_modified
    sent = server.requests[-1].headers
    assert sent["user-agent"] == DEFAULT_USER_AGENT
    assert "br" in sent["accept-encoding"] and "gzip" in sent["accept-encoding"]


def test_slow_server_hits_the_read_timeout(server: MisbehavingServer) -> None:
    url = server.route("/slow", Reply(body=b"late", delay=1.5))
    with Fetcher(policy(read_timeout=0.2)) as fetcher, pytest.raises(FetchTimeout) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "timed out after 0.2s waiting for 127.0.0.1"
    assert isinstance(caught.value, StageTimeout)
    assert caught.value.transient


def test_dripping_body_hits_the_overall_deadline(server: MisbehavingServer) -> None:
    # Each byte comes well within the read timeout; only the deadline stops it.
    url = server.route("/drip", Reply(body=b"x" * 40, chunk_size=1, drip=0.05))
    with Fetcher(policy(read_timeout=1, deadline=0.5)) as fetcher, pytest.raises(FetchTimeout) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "timed out after 0.5s (the whole fetch)"


def test_truncated_body_is_an_error_not_a_short_page(server: MisbehavingServer, fetcher: Fetcher) -> None:
    url = server.route("/cut", Reply(body=b"<p>half a page", content_length=1000))
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "truncated body: the connection closed after 14 of 1,000 bytes"
    assert caught.value.transient


def test_huge_streamed_body_is_aborted_early(server: MisbehavingServer, fetcher: Fetcher) -> None:
    chunk = b"a" * 65_536
    url = server.route("/huge", Reply(body=chunk, repeat=2_000, content_length=-1))  # 131 MB, no length
    with pytest.raises(FetchTooLarge) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "body larger than 100,000 bytes"
    assert isinstance(caught.value, TooLarge)
    # The client hung up early: the server could push only what socket buffers hold.
    (sent,) = server.wait_finished("/huge")
    assert sent < len(chunk) * 2_000 // 10


def test_declared_length_over_the_cap_is_refused_before_reading(
    server: MisbehavingServer, fetcher: Fetcher
) -> None:
    url = server.route("/declared", Reply(body=b"x" * 10, content_length=5_000_000))
    with pytest.raises(FetchTooLarge) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "body larger than 100,000 bytes (Content-Length: 5,000,000)"


def test_gzip_bomb_is_measured_decompressed(server: MisbehavingServer, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"\0" * 3_000_000)
    assert len(bomb) < 100_000
    url = server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchTooLarge):
        fetcher.fetch(url)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("br", lambda zeros: brotli.compress(zeros, quality=5)),
        ("gzip, gzip", lambda zeros: gzip.compress(gzip.compress(zeros, 9), 9)),
    ],
    ids=["brotli", "gzip-twice"],
)
def test_compression_bomb_is_stopped_before_it_fills_memory(
    server: MisbehavingServer, fetcher: Fetcher, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    # A few hundred bytes that expand to 200 MB: decoded in bounded pieces, the 100 KB cap
    # stops it after a few of them instead of after the whole expansion sat in memory.
    bomb = compress(b"\0" * 200_000_000)
    assert len(bomb) < 300_000
    url = server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": encoding}))
    tracemalloc.start()
    try:
        with pytest.raises(FetchTooLarge):
            fetcher.fetch(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"{peak:,} bytes allocated at peak"


def test_unknown_content_encoding_is_a_clear_error(server: MisbehavingServer, fetcher: Fetcher) -> None:
    url = server.route("/zstd", Reply(body=b"\x28\xb5\x2f\xfd", headers={"Content-Encoding": "zstd"}))
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "unsupported Content-Encoding 'zstd' (kabar reads gzip, deflate, br)"


@pytest.mark.parametrize(
    ("encoding", "compress"), [("gzip", gzip.compress), ("br", brotli.compress)], ids=["gzip", "brotli"]
)
def test_compressed_bodies_are_decoded(
    server: MisbehavingServer, fetcher: Fetcher, encoding: str, compress: object
) -> None:
    body = page(VI_TEXT.encode())
    packed = compress(body)  # type: ignore[operator]
    url = server.route("/packed", Reply(body=packed, headers={"Content-Encoding": encoding}))
    fetched = fetcher.fetch(url)
    assert fetched.content == body
    assert VI_TEXT in fetched.text


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("text/html; charset=utf-8", b""),  # the header lies and the bytes are not UTF-8
        ("text/html; charset=iso-8859-1", b'<meta charset="windows-1258">'),  # header and meta disagree
        ("text/html; charset=ISO-8859-1", b""),  # a server default in front of a windows-1258 page
        ("text/html", b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'),
    ],
    ids=["utf8-header", "latin1-header-meta-1258", "latin1-header-only", "http-equiv"],
)
def test_vietnamese_windows_1258_is_decoded_despite_wrong_labels(
    server: MisbehavingServer, fetcher: Fetcher, content_type: str, head: bytes
) -> None:
    url = server.route("/vi", Reply(body=page(VI_CP1258, head), content_type=content_type))
    fetched = fetcher.fetch(url)
    assert fetched.encoding == "cp1258"
    assert VI_TEXT in fetched.text  # NFC: precomposed letters, not base + combining mark


def test_redirects_are_followed_and_relative_locations_resolved(
    server: MisbehavingServer, fetcher: Fetcher
) -> None:
    server.route("/old", Reply(status=301, headers={"Location": "/middle"}))
    server.route("/middle", Reply(status=307, headers={"Location": "new#section"}))
    target = server.route("/new", Reply(body=b"<p>moved</p>"))
    fetched = fetcher.fetch(server.url("/old"))
    assert fetched.final_url == target
    assert fetched.url == server.url("/old")
    assert fetched.text == "<p>moved</p>"


def test_redirect_loop_is_detected(server: MisbehavingServer, fetcher: Fetcher) -> None:
    server.route("/a", Reply(status=302, headers={"Location": "/b"}))
    server.route("/b", Reply(status=302, headers={"Location": "/a"}))
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(server.url("/a"))
    assert caught.value.reason == f"redirect loop at {server.url('/a')}"
    assert server.paths().count("/a") == 1


def test_redirect_chain_is_bounded(server: MisbehavingServer) -> None:
    for hop in range(6):
        server.route(f"/r{hop}", Reply(status=302, headers={"Location": f"/r{hop + 1}"}))
    with Fetcher(policy(max_redirects=3)) as fetcher, pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(server.url("/r0"))
    assert caught.value.reason == f"too many redirects (more than 3) from {server.url('/r0')}"
    assert server.paths() == ["/r0", "/r1", "/r2", "/r3"]


def test_conditional_get_gives_not_modified(server: MisbehavingServer, fetcher: Fetcher) -> None:
    stamp = "Wed, 01 Oct 2025 08:00:00 GMT"

    def versioned(request: Request, hit: int) -> Reply:
        if (
            request.headers.get("if-none-match") == '"v7"'
            or request.headers.get("if-modified-since") == stamp
        ):
            return Reply(status=304, body=b"", content_type=None, content_length=-1)
        return Reply(body=b"<p>article</p>", headers={"ETag": '"v7"', "Last-Modified": stamp})

    url = server.route("/article", versioned)
    first = fetcher.fetch(url)
    assert (first.etag, first.last_modified) == ('"v7"', stamp)
    by_etag = fetcher.fetch(url, etag=first.etag)
    by_date = fetcher.fetch(url, last_modified=first.last_modified)
    for again in (by_etag, by_date):
        assert again.not_modified and again.status == 304
        assert again.content == b"" and again.text == ""
    assert by_etag.etag == '"v7"'
    changed = fetcher.fetch(url, etag='"v6"')
    assert not changed.not_modified and changed.text == "<p>article</p>"


def test_429_with_retry_after_is_retried(server: MisbehavingServer, fetcher: Fetcher) -> None:
    def busy_once(request: Request, hit: int) -> Reply:
        if hit == 0:
            return Reply(status=429, body=b"slow down", headers={"Retry-After": "0"})
        return Reply(body=b"<p>ok now</p>")

    url = server.route("/busy", busy_once)
    assert fetcher.fetch(url).text == "<p>ok now</p>"
    assert server.paths() == ["/busy", "/busy"]


def test_retries_are_bounded(server: MisbehavingServer) -> None:
    url = server.route("/always-busy", Reply(status=503, headers={"Retry-After": "0"}))
    with Fetcher(policy(max_retries=2)) as fetcher, pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "HTTP 503 Service Unavailable: still refused after 2 retries"
    assert caught.value.transient
    assert server.paths().count("/always-busy") == 3


def test_long_retry_after_is_reported_not_waited_for(server: MisbehavingServer, fetcher: Fetcher) -> None:
    url = server.route("/later", Reply(status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(url)
    assert (
        caught.value.reason
        == "HTTP 429 Too Many Requests: the server asks to wait 3600s, more than the 1s kabar waits"
    )
    assert server.paths() == ["/later"]


def test_error_status_is_a_clear_error(server: MisbehavingServer, fetcher: Fetcher) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.fetch(server.url("/missing"))
    assert caught.value.reason == "HTTP 404 Not Found"
    assert caught.value.status == 404
    assert not caught.value.transient
    assert str(caught.value) == "fetch: HTTP 404 Not Found"


class TestRobots:
    @pytest.fixture
    def fetcher(self) -> Iterator[Fetcher]:
        with Fetcher(policy(respect_robots=True)) as running:
            yield running

    def test_disallowed_path_is_not_fetched(self, server: MisbehavingServer, fetcher: Fetcher) -> None:
        robots = b"User-agent: *\nDisallow: /private\n\nUser-agent: kabar\nDisallow: /not-for-kabar\n"
        server.route("/robots.txt", Reply(body=robots, content_type="text/plain"))
        server.route("/private/page", Reply(body=b"<p>secret</p>"))
        server.route("/not-for-kabar", Reply(body=b"<p>secret</p>"))
        server.route("/news/1", Reply(body=b"<p>news</p>"))

        assert fetcher.fetch(server.url("/news/1")).text == "<p>news</p>"
        with pytest.raises(RobotsDisallowed) as caught:
            fetcher.fetch(server.url("/not-for-kabar"))
        assert caught.value.reason == f"disallowed by {server.url('/robots.txt')}"
        # The group naming kabar replaces the * group for kabar, as robots.txt groups work.
        assert fetcher.fetch(server.url("/private/page")).text == "<p>secret</p>"
        assert server.paths().count("/robots.txt") == 1  # cached per site
        assert "/not-for-kabar" not in server.paths()

    def test_server_error_on_robots_disallows(self, server: MisbehavingServer, fetcher: Fetcher) -> None:
        server.route("/robots.txt", Reply(status=500, body=b"oops"))
        server.route("/page", Reply(body=b"<p>x</p>"))
        with pytest.raises(RobotsDisallowed, match="answered HTTP 500"):
            fetcher.fetch(server.url("/page"))
        assert "/page" not in server.paths()

    def test_missing_robots_allows(self, server: MisbehavingServer, fetcher: Fetcher) -> None:
        server.route("/page", Reply(body=b"<p>x</p>"))
        assert fetcher.fetch(server.url("/page")).text == "<p>x</p>"
        assert server.paths() == ["/robots.txt", "/page"]

    def test_robots_can_be_switched_off(self, server: MisbehavingServer) -> None:
        server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n", content_type="text/plain"))
        server.route("/page", Reply(body=b"<p>x</p>"))
        with Fetcher(policy(respect_robots=False)) as fetcher:
            assert fetcher.fetch(server.url("/page")).text == "<p>x</p>"
        assert server.paths() == ["/page"]


@pytest.mark.parametrize("concurrency", [1, 2])
def test_requests_to_one_host_respect_the_concurrency_cap(
    server: MisbehavingServer, concurrency: int
) -> None:
    lock = threading.Lock()
    in_flight = [0]
    most = [0]

    def slow(request: Request, hit: int) -> Reply:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.15)
        with lock:
            in_flight[0] -= 1
        return Reply(body=b"<p>x</p>")

    server.route("/slow", slow)
    with Fetcher(policy(host_concurrency=concurrency)) as fetcher:
        threads = [threading.Thread(target=fetcher.fetch, args=(server.url("/slow"),)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
    assert most[0] == concurrency


def test_requests_to_one_host_are_spaced_by_the_host_delay(server: MisbehavingServer) -> None:
    url = server.route("/p", Reply(body=b"<p>x</p>"))
    with Fetcher(policy(host_delay=0.3)) as fetcher:
        began = time.monotonic()
        for _ in range(3):
            fetcher.fetch(url)
        elapsed = time.monotonic() - began
    # A lower bound only (the third request may not start before 2 x 0.3s), so it cannot flake.
    assert elapsed >= 0.6


def test_binary_bodies_are_not_decoded(server: MisbehavingServer, fetcher: Fetcher) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    url = server.route("/logo.png", Reply(body=png, content_type="image/png"))
    fetched = fetcher.fetch(url)
    assert fetched.content == png
    assert (fetched.text, fetched.encoding, fetched.content_type) == ("", "", "image/png")


def test_policy_from_settings_and_unknown_options() -> None:
    values = {
        "KABAR_USER_AGENT": "test-agent/1",
        "KABAR_FETCH_TIMEOUT": "7",
        "KABAR_FETCH_MAX_BYTES": "1234",
        "KABAR_FETCH_HOST_DELAY": "0.5",
    }
    built = FetchPolicy.from_settings(values, allow_private=True)
    assert (built.user_agent, built.read_timeout, built.deadline, built.max_bytes) == (
        "test-agent/1",
        7.0,
        21.0,
        1234,
    )
    assert built.allow_private and built.host_delay == 0.5
    with pytest.raises(TypeError, match="unknown fetch option"):
        FetchPolicy().with_options({"alow_private": True})
    with pytest.raises(ValueError, match="must be positive"):
        FetchPolicy(max_bytes=0)


@pytest.mark.parametrize("prefer_protego", [True, False], ids=["protego", "stdlib"])
def test_robots_rule_parsers_agree_on_plain_rules(prefer_protego: bool) -> None:
    if prefer_protego:
        pytest.importorskip("protego")
    rules = parse_rules(
        "User-agent: *\nDisallow: /private\n\nUser-agent: kabar\nDisallow: /drafts\n",
        DEFAULT_USER_AGENT,
        prefer_protego=prefer_protego,
    )
    assert rules("https://news.example/news/1")
    assert not rules("https://news.example/drafts/2")
    assert rules("https://news.example/private/3")  # kabar's own group replaces the * group
    assert product_token(DEFAULT_USER_AGENT) == "kabar"


def test_protego_understands_wildcards() -> None:
    pytest.importorskip("protego")
    rules = parse_rules("User-agent: *\nDisallow: /*.pdf$\n", DEFAULT_USER_AGENT)
    assert not rules("https://news.example/files/report.pdf")
    assert rules("https://news.example/files/report.pdf.html")
