"""Shared helpers for the translation tests: the tiny corpus phrasebook, an engine spy, test articles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from kabar.core.translate.mt.tiny import tiny_corpus
from kabar.core.types import Extracted
from kabar.ingest.store import store_article
from kabar.news.models import Article, Outlet
from kabar.translation import engines

CORPUS = tiny_corpus(("vi", "en", "id"), size=192)
PHRASEBOOK: dict[tuple[str, str, str], str] = {}
for _vi, _en, _id in CORPUS:
    PHRASEBOOK[("vi", "en", _vi)] = _en
    PHRASEBOOK[("en", "id", _en)] = _id
VI = [row[0] for row in CORPUS]


class EngineSpy:
    """Stands in for an engine's ``translate``: records every call, optionally answers from the phrasebook."""

    def __init__(self, real: Any, phrasebook: Mapping[tuple[str, str, str], str] | None) -> None:
        self.real = real
        self.phrasebook = phrasebook
        self.calls: list[tuple[list[str], str, str]] = []

    def __call__(
        self, segments: Sequence[str], source: str, target: str, glossary: Mapping[str, str] | None = None
    ) -> list[str]:
        self.calls.append((list(segments), source, target))
        book = self.phrasebook or {}
        unknown = [s for s in segments if (source, target, s) not in book]
        from_model = (
            dict(zip(unknown, self.real(unknown, source, target, glossary), strict=True)) if unknown else {}
        )
        return [book.get((source, target, s), from_model.get(s, "")) for s in segments]

    @property
    def inputs(self) -> list[str]:
        return [s for segments, _, _ in self.calls for s in segments]

    def reset(self) -> None:
        self.calls.clear()


def spy_on_engine(monkeypatch: pytest.MonkeyPatch, *, phrasebook: bool) -> EngineSpy:
    engine = engines.get_router().engines["ctranslate2"]
    spy = EngineSpy(engine.translate, PHRASEBOOK if phrasebook else None)
    monkeypatch.setattr(engine, "translate", spy)
    return spy


PARAGRAPHS = [f"{VI[0]} {VI[1]}", f"{VI[2]} {VI[3]}", f"{VI[4]} {VI[5]}"]


def make_doc(
    url: str = "https://thu.example/a.html",
    *,
    title: str = VI[10],
    lead: str = VI[11],
    paragraphs: Sequence[str] = PARAGRAPHS,
    extra_blocks: Sequence[dict[str, Any]] = (),
    section: str = "Thời sự",
) -> Extracted:
    return Extracted(
        url=url,
        source_url=url,
        title=title,
        lead=lead,
        blocks=[{"type": "paragraph", "text": p} for p in paragraphs] + list(extra_blocks),
        authors=["Lê Minh"],
        section=section,
        language="vi",
        published=dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC),
    )


def store(outlet: Outlet, **kwargs: Any) -> Article:
    return store_article(make_doc(**kwargs), outlet=outlet).article
