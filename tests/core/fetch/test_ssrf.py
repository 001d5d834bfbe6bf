"""The SSRF guard: which addresses are refused, and that the fetcher really applies it.

No test here may reach a non-loopback address, even if the guard under test
were broken: an autouse fixture fails any attempt to connect elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator, Sequence

import pytest

from core.misbehaving_server import MisbehavingServer, Reply
from kabar.core.fetch import ssrf
from kabar.core.fetch.fetch import Fetcher, FetchPolicy
from kabar.core.fetch.fetch_errors import FetchRefused
from kabar.core.fetch.ssrf import AddressGuard, address_problem


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn any connection attempt to a non-loopback address into a test failure."""
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        if not ipaddress.ip_address(address[0]).is_loopback:
            pytest.fail(f"test tried to connect to {address[0]}")
        return real(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", guarded)


def mapped(table: dict[str, Sequence[str]]) -> Callable[[str, int], Sequence[str]]:
    """A resolver that knows only ``table`` (and IP literals), like a tiny private DNS."""

    def resolve(host: str, port: int) -> Sequence[str]:
        if host in table:
            return table[host]
        ipaddress.ip_address(host)  # anything else must be a literal
        return [host]

    return resolve


def quiet_policy(**changes: object) -> FetchPolicy:
    base = FetchPolicy(connect_timeout=1, read_timeout=1, deadline=3, host_delay=0, respect_robots=False)
    return base.with_options(changes)


REFUSED_URLS = [
    ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://127.8.9.10:8080/admin", "127.8.9.10 is a loopback address"),
    ("http://10.0.0.5/", "10.0.0.5 is a private address"),
    ("http://172.16.0.1/", "172.16.0.1 is a private address"),
    ("http://172.31.255.254/", "172.31.255.254 is a private address"),
    ("http://192.168.1.1/", "192.168.1.1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("http://169.254.1.1/", "169.254.1.1 is a link-local address"),
    ("http://100.64.0.1/", "100.64.0.1 is a shared (carrier-grade NAT) address"),
    ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
    ("http://[::1]/", ":1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]/", "is a loopback address"),
    ("http://[::ffff:10.0.0.5]/", "is a private address"),
    ("http://[64:ff9b::a00:5]/", "is a private address"),  # NAT64 form of 10.0.0.5
    ("http://[2002:7f00:1::1]/", "is a loopback address"),  # 6to4 form of 127.0.0.1
    ("http://[fe80::1]/", "is a link-local address"),
    ("http://[fd00:ec2::254]/", "is a cloud metadata address"),
    ("http://[fc00::7]/", "is a private address"),
    ("http://[fec0::1]/", "is a private address"),  # deprecated site-local, global to Python 3.11
    ("http://[::a9fe:a9fe]/", "is a cloud metadata address"),  # IPv4-compatible 169.254.169.254
    ("http://[::169.254.169.254]/", "is a cloud metadata address"),
    ("http://[::7f00:1]/", "is a loopback address"),  # IPv4-compatible 127.0.0.1
    ("http://[::a00:5]/", "is a private address"),  # IPv4-compatible 10.0.0.5
    ("http://[::808:808]/", "is a reserved address"),  # deprecated form, even of a public address
    (
        "http://metadata.google.internal/computeMetadata/v1/",
        "metadata.google.internal is a cloud metadata host",
    ),
    ("file:///etc/passwd", "scheme 'file' is not http or https"),
    ("ftp://example.org/x", "scheme 'ftp' is not http or https"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS)
def test_fetcher_refuses_non_public_targets(url: str, reason: str) -> None:
    def no_dns(host: str, port: int) -> Sequence[str]:
        raise AssertionError(f"{host} should have been refused before any lookup")

    with Fetcher(quiet_policy(), resolver=no_dns) as fetcher, pytest.raises(FetchRefused) as caught:
        fetcher.fetch(url)
    assert reason in caught.value.reason
    assert caught.value.reason.startswith("refused:")
    assert caught.value.stage == "fetch"
    assert not caught.value.transient


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_the_unspecified_and_loopback_addresses_are_not_ipv4_compatible_forms() -> None:
    assert address_problem(ipaddress.ip_address("::")) == "an unspecified address"
    assert address_problem(ipaddress.ip_address("::1")) == "a loopback address"


def test_localhost_is_refused_through_the_system_resolver() -> None:
    with Fetcher(quiet_policy()) as fetcher, pytest.raises(FetchRefused) as caught:
        fetcher.fetch("http://localhost:9/")
    assert "localhost resolves to" in caught.value.reason
    assert "loopback" in caught.value.reason


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1"])
def test_numeric_spellings_of_loopback_are_refused_after_resolution(host: str) -> None:
    # Not IP literals to Python, but inet_aton reads them as 127.0.0.1; the check
    # after resolution catches what the literal check cannot see.
    with Fetcher(quiet_policy()) as fetcher, pytest.raises(FetchRefused) as caught:
        fetcher.fetch(f"http://{host}/")
    assert caught.value.reason == f"refused: {host} resolves to 127.0.0.1, a loopback address"


def test_public_looking_name_resolving_to_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        assert host == "news.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", fake_getaddrinfo)
    with MisbehavingServer() as server, Fetcher(quiet_policy()) as fetcher:
        server.route("/", Reply(body=b"<p>internal</p>"))
        with pytest.raises(FetchRefused) as caught:
            fetcher.fetch(server.url("/", host="news.example.com"))
        assert server.requests == []
    assert caught.value.reason == "refused: news.example.com resolves to 127.0.0.1, a loopback address"


def test_one_bad_address_among_good_ones_refuses_the_host() -> None:
    guard = AddressGuard.build(resolver=mapped({"mixed.test": ["8.8.8.8", "10.1.2.3"]}))
    with pytest.raises(FetchRefused, match="mixed.test resolves to 10.1.2.3, a private address"):
        guard.resolve("mixed.test", 80)


def test_allow_private_opens_private_ranges_but_never_metadata() -> None:
    guard = AddressGuard.build(allow_private=True)
    assert guard.problem(ipaddress.ip_address("10.0.0.5")) is None
    assert guard.problem(ipaddress.ip_address("::1")) is None
    assert guard.problem(ipaddress.ip_address("169.254.169.254")) == "a cloud metadata address"
    for wrapped in ("::a9fe:a9fe", "::ffff:a9fe:a9fe", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"):
        assert guard.problem(ipaddress.ip_address(wrapped)) == "a cloud metadata address", wrapped
    with pytest.raises(FetchRefused, match="cloud metadata address"):
        guard.check_url("http://[::a9fe:a9fe]/latest/meta-data/")
    with pytest.raises(FetchRefused, match="cloud metadata host"):
        guard.check_url("http://metadata.google.internal/")


def test_allowed_networks_open_only_what_they_list() -> None:
    guard = AddressGuard.build(allowed_networks=["127.0.0.1/32"])
    assert guard.problem(ipaddress.ip_address("127.0.0.1")) is None
    assert guard.problem(ipaddress.ip_address("127.0.0.2")) == "a loopback address"
    assert guard.problem(ipaddress.ip_address("10.0.0.1")) == "a private address"


@pytest.fixture
def second_loopback() -> Iterator[MisbehavingServer]:
    """A server on 127.0.0.2: loopback (so tests may use it), yet outside ``allowed_networks``."""
    try:
        server = MisbehavingServer(host="127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    with server:
        yield server


def test_every_redirect_hop_is_checked(second_loopback: MisbehavingServer) -> None:
    """An allowed site redirects to an internal one: the hop is refused and never requested.

    ``news.test`` resolves to 127.0.0.1, which ``allowed_networks`` opens (it
    plays a public site); ``intranet.test`` resolves to 127.0.0.2, which stays
    refused like any internal address.
    """
    resolver = mapped({"news.test": ["127.0.0.1"], "intranet.test": ["127.0.0.2"]})
    second_loopback.route("/secret", Reply(body=b"<p>internal data</p>"))
    with (
        MisbehavingServer() as site,
        Fetcher(quiet_policy(allowed_networks=("127.0.0.1/32",)), resolver=resolver) as fetcher,
    ):
        site.route("/article", Reply(body=b"<p>public article</p>"))
        site.route(
            "/to-article", Reply(status=302, headers={"Location": site.url("/article", host="news.test")})
        )
        site.route(
            "/to-name",
            Reply(status=302, headers={"Location": second_loopback.url("/secret", host="intranet.test")}),
        )
        site.route("/to-ip", Reply(status=301, headers={"Location": second_loopback.url("/secret")}))

        # Redirects as such are fine: the allowed site may redirect within itself.
        ok = fetcher.fetch(site.url("/to-article", host="news.test"))
        assert ok.text == "<p>public article</p>"
        assert ok.final_url == site.url("/article", host="news.test")

        with pytest.raises(FetchRefused) as by_name:
            fetcher.fetch(site.url("/to-name", host="news.test"))
        with pytest.raises(FetchRefused) as by_ip:
            fetcher.fetch(site.url("/to-ip", host="news.test"))

    assert by_name.value.reason == "refused: intranet.test resolves to 127.0.0.2, a loopback address"
    assert by_ip.value.reason == "refused: 127.0.0.2 is a loopback address"
    assert second_loopback.requests == []  # the internal server never saw a request


def test_connection_goes_to_the_address_that_was_checked(second_loopback: MisbehavingServer) -> None:
    """DNS rebinding: the name answers an allowed address first and an internal one after.

    The fetcher must connect to the address it checked, not look the name up again.
    """
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])

    def rebinding(host: str, port: int) -> Sequence[str]:
        return next(answers) if host == "flip.test" else [host]

    with MisbehavingServer(port=second_loopback.port) as site:
        site.route("/", Reply(body=b"<p>checked server</p>"))
        second_loopback.route("/", Reply(body=b"<p>internal server</p>"))
        policy = quiet_policy(allowed_networks=("127.0.0.1/32",))
        with Fetcher(policy, resolver=rebinding) as fetcher:
            fetched = fetcher.fetch(site.url("/", host="flip.test"))
    assert fetched.text == "<p>checked server</p>"
    assert second_loopback.requests == []
