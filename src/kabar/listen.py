"""Listening on a port, in words: why a server could not, and a free port to suggest instead.

Shared by ``kabar serve`` and ``kabar demo`` (and the demo's sample outlet), so a taken port
reads the same wherever it is met.
"""

from __future__ import annotations

import argparse
import errno
import socket

HIGHEST_PORT = 65535


def port_number(text: str) -> int:
    """``--port``'s type: a TCP port from 1 to 65535, else a usage error naming the range.

    Checked here because the system does not: ``getaddrinfo`` takes 99999 modulo 65536, so a
    server told to listen on 99999 would listen on 34463 and announce 99999; 0 would be a
    random port announced as 0.
    """
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= HIGHEST_PORT:
        raise argparse.ArgumentTypeError(f"{port} is not a port: choose one from 1 to {HIGHEST_PORT}")
    return port


def listen_problem(host: str, port: int) -> OSError | None:
    """Why a server could not listen on ``host:port`` right now; None when it could.

    The probe binds as both servers do (``SO_REUSEADDR``, so a port left in TIME_WAIT by the
    last run counts as free) and lets go at once.
    """
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        return exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc
    return None


def free_port_near(host: str, port: int, *, avoid: int | None = None) -> int | None:
    """The first port after ``port`` that ``host`` can listen on (to suggest one), if any of the next 100."""
    for candidate in range(port + 1, min(port + 101, HIGHEST_PORT + 1)):
        if candidate != avoid and listen_problem(host, candidate) is None:
            return candidate
    return None


def describe_listen_error(exc: OSError, host: str, port: int) -> str:
    """``exc`` from listening on ``host:port`` in the words of the person who chose the port."""
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}: the host name does not resolve ({exc.strerror})"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use on {host}"
    if exc.errno == errno.EACCES:
        return f"port {port} on {host} needs more privileges than this user has ({exc.strerror})"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine ({exc.strerror})"
    return f"cannot listen on {host}:{port} ({exc.strerror or exc})"
