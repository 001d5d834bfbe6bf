"""Tiny real models, built once per test session, and loopback servers for the MT engine tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_servers import LoopbackServer, Responder

from kabar.core.translate.mt.tiny import build_tiny_model, build_tiny_multilingual, package_argos


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vi->en CTranslate2 model folder in OPUS-MT layout (random weights)."""
    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny-vi-en", source="vi", target="en")


@pytest.fixture(scope="session")
def tiny_multilingual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NLLB-style vi/en/id model folder with language tokens (random weights)."""
    return build_tiny_multilingual(
        tmp_path_factory.mktemp("models") / "tiny-nllb", languages=("vi", "en", "id")
    )


@pytest.fixture(scope="session")
def tiny_argos_package(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    """The tiny vi->en model wrapped as an Argos ``.argosmodel`` zip."""
    out = tmp_path_factory.mktemp("argos") / "translate-vi_en-1_0.argosmodel"
    return package_argos(tiny_model, out, from_code="vi", to_code="en")


@pytest.fixture
def serve() -> Iterator[Callable[[Responder], LoopbackServer]]:
    """Start loopback servers for one test; all are stopped when it ends."""
    servers: list[LoopbackServer] = []

    def start(respond: Responder) -> LoopbackServer:
        server = LoopbackServer(respond).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
