"""Pages of section and author lists: numbered at the top, a cursor further down.

``?page=N`` works for the first ``NUMBERED_PAGES`` pages (a COUNT and a small OFFSET, "Page 2 of
40"). Past them the "Older articles" link carries the last article's place instead,
``?before=<published_at>,<article id>``, and "Newer articles" the first one's,
``?after=…``: a page deep in a section of 100,000 articles reads its 20 rows from where the
cursor points, and no query skips rows with OFFSET or counts them. A page number past
``NUMBERED_PAGES`` is a 404: reaching it would mean skipping those rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from kabar.news.models import ArticleText
from kabar.site.queries import after_cursor, before_cursor

NUMBERED_PAGES = 10
_CURSOR_TIME = "%Y%m%dT%H%M%S.%fZ"


@dataclass(frozen=True)
class Cursor:
    """A place in a list: an article's publication time and id (the list's order, newest first)."""

    published_at: dt.datetime
    article_id: int

    def __str__(self) -> str:
        return f"{self.published_at.astimezone(dt.UTC).strftime(_CURSOR_TIME)},{self.article_id}"

    @classmethod
    def parse(cls, value: str) -> Cursor:
        """The cursor in ``value``; Http404 for anything else (a mangled link finds no page)."""
        when, _, pk = value.partition(",")
        try:
            published = dt.datetime.strptime(when, _CURSOR_TIME).replace(tzinfo=dt.UTC)
            article_id = int(pk)
        except ValueError as exc:
            raise Http404("Not a list position.") from exc
        return cls(published, article_id)

    @classmethod
    def of(cls, text: ArticleText) -> Cursor:
        return cls(text.article.published_at, text.article_id)


@dataclass(frozen=True)
class ListPage:
    """One page of a list, as ``site/_pagination.html`` and the list templates show it."""

    texts: list[ArticleText]
    number: int | None  # None on a cursor page: its number is unknown without counting
    num_pages: int | None
    previous_url: str
    next_url: str
    # A query that fully identifies the page, for its canonical URL ("" on the first page).
    query: str

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_url)

    @property
    def has_next(self) -> bool:
        return bool(self.next_url)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def list_page(
    request: HttpRequest,
    texts: QuerySet[ArticleText],
    size: int,
    count: Callable[[], int] | None = None,
) -> ListPage:
    """The page of ``texts`` (newest first) that the request's ``page``, ``before`` or ``after`` names.

    ``count``: how many ``texts`` there are, where the caller has a cheaper query for it than
    counting ``texts`` themselves (a numbered page shows the number of pages).
    """
    if before := request.GET.get("before"):
        return _before(texts, Cursor.parse(before), size)
    if after := request.GET.get("after"):
        page = _after(texts, Cursor.parse(after), size)
        # Fewer than a page is newer: that is the first page.
        return page if page is not None else _numbered(texts, "1", size, count)
    return _numbered(texts, request.GET.get("page") or "1", size, count)


def _numbered(
    texts: QuerySet[ArticleText], number: str, size: int, count: Callable[[], int] | None = None
) -> ListPage:
    paginator = Paginator(texts, size)
    if count is not None:
        paginator.count = count()  # a cached_property: set, it is what the paginator uses
    try:
        wanted = int(number)
        if wanted > NUMBERED_PAGES:
            raise InvalidPage(f"Pages past {NUMBERED_PAGES} are reached with the “Older articles” link.")
        page = paginator.page(wanted)
    except (ValueError, InvalidPage) as exc:
        raise Http404(str(exc)) from exc
    found = list(page.object_list)
    next_url = ""
    if page.has_next():
        next_url = (
            f"?page={page.number + 1}" if page.number < NUMBERED_PAGES else f"?before={Cursor.of(found[-1])}"
        )
    return ListPage(
        texts=found,
        number=page.number,
        num_pages=paginator.num_pages,
        previous_url=f"?page={page.number - 1}" if page.has_previous() else "",
        next_url=next_url,
        query="" if page.number == 1 else f"page={page.number}",
    )


def _before(texts: QuerySet[ArticleText], cursor: Cursor, size: int) -> ListPage:
    rows = list(before_cursor(texts, cursor.published_at, cursor.article_id)[: size + 1])
    if not rows:
        raise Http404("No articles past this point.")
    shown = rows[:size]
    return ListPage(
        texts=shown,
        number=None,
        num_pages=None,
        # The cursor's own article is newer than every row here: there is always a newer page.
        previous_url=f"?after={Cursor.of(shown[0])}",
        next_url=f"?before={Cursor.of(shown[-1])}" if len(rows) > size else "",
        query=f"before={cursor}",
    )


def _after(texts: QuerySet[ArticleText], cursor: Cursor, size: int) -> ListPage | None:
    """The ``size`` articles just newer than ``cursor``; None when they are the first page."""
    rows = list(after_cursor(texts, cursor.published_at, cursor.article_id)[: size + 1])
    if len(rows) <= size:
        return None
    shown = rows[:size][::-1]
    return ListPage(
        texts=shown,
        number=None,
        num_pages=None,
        previous_url=f"?after={Cursor.of(shown[0])}",
        next_url=f"?before={Cursor.of(shown[-1])}",
        query=f"after={cursor}",
    )
