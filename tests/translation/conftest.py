"""Translation tests run through the configured ctranslate2 engine with tiny real models.

The tiny models are built once per session (real SentencePiece + CTranslate2,
random weights: fluent gibberish). Tests that need translations that pass QA
(policy, memory and post-edit tests) wrap the engine's ``translate`` with a
phrasebook of the tiny corpus's own parallel sentences; anything not in it
still goes to the model. Either way every call is recorded, so tests count
exactly what reached the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from translation_helpers import EngineSpy, spy_on_engine

from kabar.core.translate.mt.tiny import build_tiny_model
from kabar.news.models import Outlet
from kabar.translation import engines


@pytest.fixture(scope="session")
def tiny_vi_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("mt") / "tiny-vi-en", source="vi", target="en")


@pytest.fixture(scope="session")
def tiny_en_id(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("mt") / "tiny-en-id", source="en", target="id")


@pytest.fixture(autouse=True)
def fresh_router() -> Iterator[None]:
    """Each test builds its own engines: a wrapped ``translate`` must not leak into the next test."""
    engines.reset_router()
    yield
    engines.reset_router()


@pytest.fixture
def mt(settings: Any, tiny_vi_en: Path) -> Any:
    """ctranslate2 with the vi→en model, every target routed to it, instant publishing."""
    settings.MT_ENGINES = {"ctranslate2": {"models": [{"path": str(tiny_vi_en)}]}}
    settings.MT_ROUTES = {}
    settings.MT_PIVOT = "en"
    settings.MT_PUBLISH = {}
    settings.DETECT_LANGUAGES = ["vi", "en", "id"]
    return settings


@pytest.fixture
def spy(mt: Any, monkeypatch: pytest.MonkeyPatch) -> EngineSpy:
    """The configured engine answering corpus sentences from the phrasebook (QA passes)."""
    return spy_on_engine(monkeypatch, phrasebook=True)


@pytest.fixture
def raw_spy(mt: Any, monkeypatch: pytest.MonkeyPatch) -> EngineSpy:
    """The configured engine, model output only."""
    return spy_on_engine(monkeypatch, phrasebook=False)


@pytest.fixture
def outlet(db: None) -> Outlet:
    return Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://thu.example", language="vi"
    )
