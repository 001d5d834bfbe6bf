"""Fixtures for the source tests: the misbehaving server and a fetcher allowed onto loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.misbehaving_server import MisbehavingServer
from kabar.core.fetch.fetch import Fetcher, FetchPolicy


@pytest.fixture
def fixtures() -> Path:
    return Path(__file__).resolve().parents[1] / "fixtures" / "sources"


@pytest.fixture
def server() -> Iterator[MisbehavingServer]:
    with MisbehavingServer() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    policy = FetchPolicy(connect_timeout=1, read_timeout=1, deadline=3, host_delay=0, allow_private=True)
    with Fetcher(policy) as running:
        yield running
