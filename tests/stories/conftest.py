from __future__ import annotations

import pytest
from story_helpers import WordsEmbedder

from kabar.stories import embedding


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> WordsEmbedder:
    """The deterministic embedder, also for code that asks for the process's default one."""
    fake = WordsEmbedder()
    monkeypatch.setattr(embedding, "default_embedder", lambda: fake)
    return fake
