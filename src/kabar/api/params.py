"""Query parameters, bounded so that no value a client sends can reach the database unchecked.

Slugs and language codes have patterns (a NUL or a 10 kB string never becomes SQL), ids fit
a 64-bit column, and dates are checked to stay dates after moving to UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field, field_validator

from kabar.api.pagination import DEFAULT_LIMIT, MAX_LIMIT

SLUG = r"^[-a-zA-Z0-9_]{1,200}$"
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$"
MAX_ID = 2**63 - 1
FIELDS_HELP = "Comma-separated properties to keep in each item (id is always kept); an unknown one is a 400."
CURSOR_HELP = "Opaque: take it from the next link of the previous page."


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A naive time is in the site's time zone; the result must be a UTC time the database can hold."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None
    return value


class Page(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT}).")
    cursor: str | None = Field(None, max_length=2000, description=CURSOR_HELP)
    fields: str | None = Field(None, max_length=1000, description=FIELDS_HELP)


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

    @field_validator("updated_since")
    @classmethod
    def _in_range(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)


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
    fields: str | None = Field(None, max_length=1000, description=FIELDS_HELP + " JSON format only.")


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
    fields: str | None = Field(None, max_length=1000, description=FIELDS_HELP)
