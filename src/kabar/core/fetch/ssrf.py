"""Refuse to fetch from addresses an outsider must not reach through kabar (SSRF).

Anyone who can add a feed or a sitemap chooses the URLs kabar fetches, and the
redirects those URLs answer with. Without a guard they could make the server
read its own admin ports, the LAN, or the cloud metadata service.

The check sits where the socket is opened: ``GuardedBackend`` is an httpcore
network backend that resolves the host itself, checks *every* address the
resolver returned, and then connects to one of exactly those addresses. There
is no second DNS lookup between the check and the connection, so a DNS answer
that changes in between (DNS rebinding) cannot slip a private address in. The
URL keeps its host name, so the ``Host`` header, TLS SNI and certificate
verification are unchanged for https. Every redirect hop opens its connection
through the same backend, so every hop is checked. Proxies are never used
(``trust_env=False`` in the fetcher): a proxy would do its own resolving.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore

from kabar.core.fetch.fetch_errors import FetchRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""``resolver(host, port)`` -> the IP addresses ``host`` resolves to, as strings."""

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Metadata services of the big clouds. Most also fall in a refused range anyway
# (link-local, ULA, CGNAT); they are named so the reason says what they are, and
# so that ``allow_private`` (meant for an outlet on the LAN) never opens them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})

# fec0::/10 is IPv6's deprecated site-local range (RFC 3879): still routed inside some networks,
# and Python 3.11 counts it as global, so it is named here.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")
)
_SHARED_NETWORK = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
_NAT64_NETWORK = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix, IPv4 in the last 32 bits
_SIXTOFOUR_NETWORK = ipaddress.ip_network("2002::/16")
# IPv4-compatible addresses, ::a.b.c.d (deprecated by RFC 4291); :: and ::1 are not among them.
_COMPATIBLE_NETWORK = ipaddress.ip_network("::/96")


def _is_ipv4_compatible(address: IPAddress) -> bool:
    return isinstance(address, ipaddress.IPv6Address) and address in _COMPATIBLE_NETWORK and int(address) > 1


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if _is_ipv4_compatible(address):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64_NETWORK:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIXTOFOUR_NETWORK:
        return address.sixtofour
    return None


def address_problem(address: IPAddress) -> str | None:
    """What makes ``address`` unfit to fetch from (e.g. "a private address"), or None if public.

    IPv6 forms that carry an IPv4 address are judged by that IPv4 address, so
    ``::ffff:127.0.0.1`` is loopback and a NAT64 address of a public host is public.
    """
    inner = embedded_ipv4(address)
    if inner is not None:
        found = address_problem(inner)
        # The deprecated IPv4-compatible form has no legitimate use, even for a public address.
        if found is None and _is_ipv4_compatible(address):
            return "a reserved address"
        return found
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if any(address in net for net in _PRIVATE_NETWORKS if net.version == address.version):
        return "a private address"
    if address in _SHARED_NETWORK:
        return "a shared (carrier-grade NAT) address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host``, in its order, without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


def _parse_address(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id ("fe80::1%eth0")


@dataclass(frozen=True)
class AddressGuard:
    """Decides which hosts and addresses may be fetched from.

    ``allow_private`` opens every non-public range except cloud metadata (for an
    outlet on the LAN or the demo outlet on loopback); ``allowed_networks`` opens
    just the listed networks, metadata included if listed. ``resolver`` is
    injectable so tests can point invented names at 127.0.0.1.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver)

    @classmethod
    def build(
        cls,
        *,
        allow_private: bool = False,
        allowed_networks: Iterable[str] = (),
        resolver: Resolver | None = None,
    ) -> AddressGuard:
        return cls(
            allow_private=allow_private,
            allowed_networks=tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks),
            resolver=resolver or system_resolver,
        )

    def problem(self, address: IPAddress) -> str | None:
        """Why this guard refuses ``address``, or None."""
        if any(address in net for net in self.allowed_networks if net.version == address.version):
            return None
        found = address_problem(address)
        if found is None or (self.allow_private and found != "a cloud metadata address"):
            return None
        return found

    def check_url(self, url: str) -> None:
        """Refuse a URL before any connection: wrong scheme, no host, a metadata name or a bad literal IP."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise FetchRefused(f"refused: scheme {parts.scheme or '(none)'!r} is not http or https", url=url)
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise FetchRefused(f"refused: {url} has no host", url=url)
        if host in METADATA_HOSTS:  # refused even with allow_private, like the metadata addresses
            raise FetchRefused(f"refused: {host} is a cloud metadata host", url=url)
        try:
            literal = _parse_address(host)
        except ValueError:
            return
        reason = self.problem(literal)
        if reason:
            raise FetchRefused(f"refused: {literal} is {reason}", url=url)

    def resolve(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` and return its addresses if *all* of them may be fetched from.

        One bad address refuses the host: the connection could otherwise land on
        it whenever the good one is unreachable.
        """
        name = host.rstrip(".").lower()
        if name in METADATA_HOSTS:
            raise FetchRefused(f"refused: {name} is a cloud metadata host")
        addresses = list(self.resolver(host, port))
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        for text in addresses:
            try:
                address = _parse_address(text)
            except ValueError as exc:
                raise FetchRefused(f"refused: {host} resolved to {text!r}, not an IP address") from exc
            reason = self.problem(address)
            if reason:
                if _is_literal(host):
                    raise FetchRefused(f"refused: {address} is {reason}")
                raise FetchRefused(f"refused: {host} resolves to {address}, {reason}")
        return addresses


def _is_literal(host: str) -> bool:
    try:
        _parse_address(host)
    except ValueError:
        return False
    return True


class GuardedBackend(httpcore.SyncBackend):
    """An httpcore backend that connects only to addresses the guard approved.

    The guard's own resolver supplies the addresses, and the socket is opened to
    one of them, so what was checked is what is connected to.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.guard.resolve(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as exc:  # try the host's next address, as browsers do
                last_error = exc
        assert last_error is not None
        raise last_error
