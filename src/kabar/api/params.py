"""Query parameters, bounded so that no value a client sends can reach the database unchecked.

Slugs and language codes have patterns (a NUL or a 10 kB string never becomes SQL), ids fit
a 64-bit column, and dates are checked to stay dates after moving to UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field, field_validator

from kabar.api import schemas
from kabar.api.pagination import DEFAULT_LIMIT, MAX_LIMIT

SLUG = r"^[-a-zA-Z0-9_]{1,200}$"
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$"
MAX_ID = 2**63 - 1
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FIELDS_HELP = "Comma-separated properties to keep in each item (id is always kept); an unknown one is a 400."
CURSOR_HELP = "Opaque: take it from the next link of the previous page."


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` in UTC (a naive one, which RFC3339 refuses, would be in the site's time zone). Times too far out to move to UTC are clamped to
    the first or last representable one: they select all articles or none, as they would."""
    if value is None:
        return None
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return EARLIEST if value.year < 2000 else LATEST


# Dates the search backends can turn into site-time midnights and back to UTC; outside them a
# bound selects everything (so it is dropped) or nothing (so it is clamped).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9998, 12, 31)
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9998, 12, 31, tzinfo=dt.UTC)


def _day(value: dt.date | None) -> dt.date | None:
    if value is None:
        return None
    return min(max(value, FIRST_DAY), LAST_DAY)


def fields_pattern(schema: type[Schema]) -> str:
    """The JSON Schema pattern of what ``fields=`` accepts for items of ``schema``."""
    name = "(" + "|".join(schema.model_fields) + ")"
    return f"^ *({name} *(, *{name} *)*)?$"


def fields_param(schema: type[Schema], note: str = "") -> Any:
    # The pattern is documented, not enforced by validation: a wrong name gets kabar's own 400,
    # which names the unknown field and lists the known ones.
    return Field(
        None,
        max_length=1000,
        description=FIELDS_HELP + note,
        json_schema_extra={"pattern": fields_pattern(schema)},
    )


class Page(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT}).")
    cursor: str | None = Field(None, max_length=2000, description=CURSOR_HELP)


class ArticleFilters(Page):
    language: str | None = Field(
        None, pattern=LANGUAGE, description="Only articles with a text in this language, and only that text."
    )
    section: str | None = Field(None, pattern=SLUG, description="Section slug.")
    outlet: str | None = Field(None, pattern=SLUG, description="Outlet slug.")
    author: str | None = Field(None, pattern=SLUG, description="Author slug.")
    story: int | None = Field(None, ge=1, le=MAX_ID, description="Story id.")
    updated_since: dt.datetime | None = Field(
        None,
        description="Only articles changed (the article or any visible text) at or after this time "
        "(ISO 8601; without an offset, the site's time zone).",
    )

    fields: str | None = fields_param(schemas.ArticleItem)

    @field_validator("updated_since", mode="before")
    @classmethod
    def _rfc3339(cls, value: object) -> object:
        # What OpenAPI's date-time means (RFC 3339, with an offset): not a Unix time, not a bare date.
        if isinstance(value, str) and not RFC3339.match(value):
            raise ValueError("expected an RFC 3339 date-time with an offset, e.g. 2026-12-01T00:00:00Z")
        return value

    @field_validator("updated_since")
    @classmethod
    def _in_range(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)


class SectionParams(Page):
    fields: str | None = fields_param(schemas.SectionItem)


class AuthorParams(Page):
    fields: str | None = fields_param(schemas.AuthorItem)


class OutletParams(Page):
    fields: str | None = fields_param(schemas.OutletItem)


class StoryParams(Page):
    fields: str | None = fields_param(schemas.StoryItem)


class StoryOptions(Schema):
    fields: str | None = fields_param(schemas.StoryItem)


class ArticleOptions(Schema):
    format: Literal["json", "ninjs2", "ninjs3"] = Field(
        "json",
        description="json: kabar's article with every language version; ninjs2 / ninjs3: one language "
        "version as IPTC ninjs 2.2 / 3.1 (also chosen by Accept: application/ninjs+json, ninjs 3 unless "
        "version=2 is given in the media type).",
    )
    language: str | None = Field(
        None,
        pattern=LANGUAGE,
        description="ninjs only: the language version to give (default: the original).",
    )
    fields: str | None = fields_param(schemas.ArticleDetail, " JSON format only (a 400 with ninjs).")


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=500, description="What to look for, as a reader types it.")
    language: str | None = Field(
        None,
        pattern=LANGUAGE,
        description="The reader's language: its texts rank first (default: the site's).",
    )
    section: str | None = Field(None, pattern=SLUG)
    outlet: str | None = Field(None, pattern=SLUG)
    original_language: str | None = Field(None, pattern=LANGUAGE)
    since: dt.date | None = Field(None, description="Published on or after (site time zone).")
    until: dt.date | None = Field(None, description="Published on or before.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=50, description="Hits per page (1–50).")
    cursor: str | None = Field(None, max_length=2000, description=CURSOR_HELP)
    fields: str | None = fields_param(schemas.SearchHitItem)

    @field_validator("since", "until")
    @classmethod
    def _in_range(cls, value: dt.date | None) -> dt.date | None:
        return _day(value)
