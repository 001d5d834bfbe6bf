"""The API's typed response bodies; the OpenAPI document is generated from these.

Items of a list and single objects are ``Thinnable``: ``fields=`` may leave out any property
but ``id``, so their JSON Schema requires only ``id`` (every other property is still typed, and
present whenever ``fields=`` is not given).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict

TextStatus = Literal["original", "human", "machine", "post-edited"]


def _only_id_required(schema: dict[str, Any]) -> None:
    schema["required"] = ["id"]


class Thinnable(Schema):
    model_config = ConfigDict(json_schema_extra=_only_id_required)


class ErrorDetail(Schema):
    code: str
    message: str
    details: dict[str, Any] | list[Any] | None = None


class ErrorBody(Schema):
    """Every error, whatever its status (400, 401, 403, 404, 405, 422, 429, 500, 503)."""

    error: ErrorDetail


class OutletRef(Schema):
    slug: str
    name: str


class SectionRef(Schema):
    slug: str
    names: dict[str, str]


class AuthorRef(Schema):
    slug: str
    name: str


class TextSummary(Schema):
    """One language version of an article, without its body."""

    language: str
    title: str
    lead: str
    slug: str
    url: str  # the reader page, absolute
    status: TextStatus
    machine_translated: bool  # machine or post-edited machine translation
    engine: str  # MT engine of a machine-made text, "" otherwise
    model_version: str
    translated_from: str | None
    qa_passed: bool | None  # None: QA did not run (an original, a human translation)
    stale: bool  # the original changed after this translation was made
    published: bool  # False only for keys with the read-unpublished scope
    modified_at: datetime


class TextFull(TextSummary):
    route: str  # the MT path, e.g. "vi→en→id"
    blocks: list[dict[str, Any]]  # body blocks: paragraph, heading, quote, list, image …


class MediaItem(Schema):
    url: str
    width: int | None
    height: int | None
    captions: dict[str, str]
    credit: str


class ArticleItem(Thinnable):
    id: int
    href: str  # this article in the API
    source_url: str  # the article at the partner outlet
    source_language: str
    published_at: datetime
    updated_at: datetime | None  # when the outlet says it last changed it
    modified_at: datetime  # latest change in kabar, to the article or any visible text
    outlet: OutletRef
    section: SectionRef | None
    authors: list[AuthorRef]
    story: int | None
    languages: list[str]  # every visible language version
    texts: list[TextSummary]  # all visible versions, or only the one of ``language=``


class ArticleDetail(ArticleItem):
    texts: list[TextFull]  # type: ignore[assignment]
    media: list[MediaItem]


class ArticlePage(Schema):
    items: list[ArticleItem]
    next: str | None  # the next page, absolute; None on the last page


class SectionItem(Thinnable):
    id: int
    slug: str
    names: dict[str, str]
    position: int
    url: str


class SectionPage(Schema):
    items: list[SectionItem]
    next: str | None


class AuthorItem(Thinnable):
    id: int
    slug: str
    name: str
    outlet: OutletRef | None
    url: str


class AuthorPage(Schema):
    items: list[AuthorItem]
    next: str | None


class OutletItem(Thinnable):
    id: int
    slug: str
    name: str
    home_url: str
    language: str
    licence: str


class OutletPage(Schema):
    items: list[OutletItem]
    next: str | None


class ArticleRef(Schema):
    id: int
    href: str
    published_at: datetime
    outlet: str  # outlet slug
    titles: dict[str, str]  # visible titles by language


class StoryItem(Thinnable):
    id: int
    labels: dict[str, str]
    first_seen: datetime | None
    last_seen: datetime | None
    pinned: bool
    url: str
    members: list[ArticleRef]  # oldest first


class StoryPage(Schema):
    items: list[StoryItem]
    next: str | None


class SearchHitItem(Thinnable):
    id: int  # the article
    href: str
    text_language: str  # the language version that matched
    score: float
    title_html: str  # HTML-escaped, matched words in <mark>
    snippet_html: str
    url: str | None  # the reader page of the matching text
    published_at: datetime | None


class SearchPage(Schema):
    items: list[SearchHitItem]
    total: int
    next: str | None
    message: str  # set when the query could not be used as typed
