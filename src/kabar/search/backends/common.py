"""What both shipped backends share: reading a query, turning filters into bounds, shaping results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from kabar.core.discover.query import ParsedQuery, parse_query
from kabar.core.discover.search import (
    MARK_START,
    IndexDocument,
    SearchFilters,
    SearchQuery,
    SearchResults,
    plain_text,
)
from kabar.search.messages import notice_text
from kabar.search.models import SearchDocument

MAX_PER_PAGE = 100
MAX_PAGE = 1000  # deeper pages are not a reader's; they only cost the database


@dataclass(frozen=True)
class Prepared:
    parsed: ParsedQuery
    message: str
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def empty(self, message: str | None = None) -> SearchResults:
        return SearchResults([], 0, self.page, self.per_page, self.message if message is None else message)


def prepare(query: SearchQuery) -> Prepared:
    parsed = parse_query(query.text)
    page = min(max(int(query.page), 1), MAX_PAGE)
    per_page = min(max(int(query.per_page), 1), MAX_PER_PAGE)
    return Prepared(parsed, notice_text(parsed), page, per_page)


def published_bounds(filters: SearchFilters) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) of the date filters, as aware datetimes: whole days in the site's time zone."""
    zone = timezone.get_current_timezone()

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=zone)

    start = midnight(_within_reach(filters.since)) if filters.since else None
    end = midnight(_within_reach(filters.until) + dt.timedelta(days=1)) if filters.until else None
    return start, end


# Days a filter may name. 0001-01-01 or 9999-12-31 (a reader may type either) would overflow
# once shifted to UTC or past their last day; no article is dated outside these years.
FIRST_DAY, LAST_DAY = dt.date(100, 1, 1), dt.date(9000, 12, 31)


def _within_reach(day: dt.date) -> dt.date:
    return min(max(day, FIRST_DAY), LAST_DAY)


def row_for(document: IndexDocument) -> SearchDocument:
    return SearchDocument(
        text_id=document.text_id,
        article_id=document.article_id,
        language=document.language,
        title=plain_text(document.title),
        lead=plain_text(document.lead),
        body=plain_text(document.body),
        published=document.published,
        outlet=document.outlet,
        section=document.section or "",
        original_language=document.original_language,
    )


def pick_snippet(lead: str, body: str) -> str:
    """The passage shown under a title: the lead where it matched, else the body's best passage."""
    for passage in (lead, body):
        if MARK_START in passage:
            return passage
    return lead or body


def chunks(values: list[int], size: int = 500) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


class DocumentRows:
    """Deleting a backend's rows (for SQLite, the delete trigger takes each out of the FTS index)."""

    database: str

    def delete(self, text_ids: Iterable[int]) -> None:
        for chunk in chunks(list(text_ids)):
            SearchDocument.objects.using(self.database).filter(text_id__in=chunk).delete()

    def clear(self, language: str | None = None) -> None:
        rows = SearchDocument.objects.using(self.database)
        (rows.filter(language=language) if language else rows.all()).delete()
