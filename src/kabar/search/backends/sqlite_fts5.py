"""SQLite FTS5: kabar's embedded search backend.

``search_fts`` is an FTS5 table over ``search_searchdocument`` (external content), tokenizer
``unicode61 remove_diacritics 2`` (so "duong" finds "đường" once đ is folded, "Ha Noi" finds
"Hà Nội"), prefix indexes for ``word*``. Triggers from migration 0001 copy every insert,
update and delete of a document row into the FTS index with đ/Đ folded to d/D: FTS5 cannot
fold đ (it is a letter of its own, not d with a diacritic). Folding keeps the tokens where
they were, so ``highlight()`` and ``snippet()`` mark the right words of the unfolded text.

Ranking is bm25 with title 10, lead 3, body 1 (set as the table's persistent ``rank``).

Since migration 0002 the table has a fourth column, ``facets``: one token per filter value of
the text (section, outlet, original language, and the day, month and year it was published),
read through the view ``search_fts_content``. A filtered search ANDs the facet tokens into
its MATCH, so FTS5 intersects doclists instead of the join checking row after row for one
that passes a selective filter (a month of two years is 1 row in 25). The facet tokens are
only a pre-filter that may let through more (a date range is widened to whole UTC days);
the SQL filters on the document row stay and decide. Facet tokens start with a private-use
character no query holds (migration 0003), so nothing typed ever matches one. Prefix indexes are
'2 3 4': ``word*`` with up to four letters reads one prefix doclist instead of merging the
doclists of every word that starts so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import connections, transaction

from kabar.core.discover.query import ParsedQuery, fts5_match
from kabar.core.discover.search import (
    MARK_END,
    MARK_START,
    IndexDocument,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResults,
    marked_html,
)
from kabar.core.errors import NotConfigured
from kabar.search.backends.common import (
    DocumentRows,
    pick_snippet,
    prepare,
    published_bounds,
    row_for,
)
from kabar.search.models import SearchDocument

FTS_TABLE = "search_fts"
FTS_CONTENT = "search_fts_content"  # the view FTS5 reads columns from (migration 0002)
DOCUMENTS = SearchDocument._meta.db_table
TITLE_WEIGHT, LEAD_WEIGHT, BODY_WEIGHT = 10.0, 3.0, 1.0
SNIPPET_TOKENS = 32


def _fold_sql(column: str) -> str:
    return f"replace(replace({column}, 'đ', 'd'), 'Đ', 'D')"


def _fts_values(row: str) -> str:
    return ", ".join(_fold_sql(f"{row}.{c}") for c in ("title", "lead", "body"))


# Created by migration 0001 on SQLite only; dropped by its reverse (and by migration 0002, which
# replaces them with CREATE_V2_SQL). Kept as 0001 made them: migration 0001 reads this list.
CREATE_SQL = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        title, lead, body, content='{DOCUMENTS}', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES('rank', 'bm25({TITLE_WEIGHT}, {LEAD_WEIGHT}, {BODY_WEIGHT})')",
    # Ranking joins each candidate to its filter columns: this index has them all, so the join
    # never reads past a long body in the table's rows.
    f"""CREATE INDEX {DOCUMENTS}_ranking ON {DOCUMENTS}
        (id, text_id, article_id, language, published, outlet, section, original_language)""",
    f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON {DOCUMENTS} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, lead, body) VALUES (new.id, {_fts_values("new")});
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON {DOCUMENTS} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, lead, body)
            VALUES ('delete', old.id, {_fts_values("old")});
    END""",
    f"""CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE ON {DOCUMENTS} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, lead, body)
            VALUES ('delete', old.id, {_fts_values("old")});
        INSERT INTO {FTS_TABLE}(rowid, title, lead, body) VALUES (new.id, {_fts_values("new")});
    END""",
]
DROP_SQL = [
    f"DROP INDEX IF EXISTS {DOCUMENTS}_ranking",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
# Fills the 0001 table from the documents (the reverse of migration 0002 needs it).
FILL_SQL = [
    f"INSERT INTO {FTS_TABLE}(rowid, title, lead, body) SELECT id, {_fts_values(DOCUMENTS)} FROM {DOCUMENTS}"
]

# Facet tokens: a letter, then the value as hex of its UTF-8 (so any slug is one unicode61
# token, whatever its dashes or letters), or the published date's digits. ``published`` is
# stored as 'YYYY-MM-DD HH:MM:SS' in the connection's time zone: its prefixes are the day,
# month and year there.
SECTION, OUTLET, ORIGINAL, DAY, MONTH, YEAR = "s", "o", "l", "d", "m", "y"
# Since migration 0003 every facet token starts with this private-use character. unicode61
# keeps it inside a token (category Co), but a reader's query never holds it (``words`` keeps
# letters and digits only), so no typed word or prefix can match a facet token, without the
# ``{title lead body}`` column filter 0002 needed (that filter costs every query a decoding of
# position lists: about 10% of a plain search).
FACET_MARK = "\ue000"


def _facets_sql(row: str, mark: str) -> str:
    hexed = [f"'{mark}{letter}' || hex({row}.{column})" for letter, column in
             ((SECTION, "section"), (OUTLET, "outlet"), (ORIGINAL, "original_language"))]  # fmt: skip
    dated = [
        f"'{mark}{letter}' || replace(substr({row}.published, 1, {width}), '-', '')"
        for letter, width in ((DAY, 10), (MONTH, 7), (YEAR, 4))
    ]
    return " || ' ' || ".join(hexed + dated)


def _faceted_values(row: str, mark: str) -> str:
    return f"{_fts_values(row)}, {_facets_sql(row, mark)}"


def _faceted_sql(mark: str) -> tuple[list[str], list[str]]:
    """CREATE statements and the fill of the faceted table whose facet tokens start with ``mark``."""
    create = [
        f"""CREATE VIEW {FTS_CONTENT} AS SELECT id, title, lead, body, {_facets_sql(DOCUMENTS, mark)} AS facets
            FROM {DOCUMENTS}""",
        f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
            title, lead, body, facets, content='{FTS_CONTENT}', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')""",
        # facets weigh 0: filter tokens never change a score.
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) "
        f"VALUES('rank', 'bm25({TITLE_WEIGHT}, {LEAD_WEIGHT}, {BODY_WEIGHT}, 0.0)')",
        CREATE_SQL[2],  # the covering index the ranking join reads
        f"""CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON {DOCUMENTS} BEGIN
            INSERT INTO {FTS_TABLE}(rowid, title, lead, body, facets)
                VALUES (new.id, {_faceted_values("new", mark)});
        END""",
        f"""CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON {DOCUMENTS} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, lead, body, facets)
                VALUES ('delete', old.id, {_faceted_values("old", mark)});
        END""",
        f"""CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE ON {DOCUMENTS} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, lead, body, facets)
                VALUES ('delete', old.id, {_faceted_values("old", mark)});
            INSERT INTO {FTS_TABLE}(rowid, title, lead, body, facets)
                VALUES (new.id, {_faceted_values("new", mark)});
        END""",
    ]
    fill = [
        f"INSERT INTO {FTS_TABLE}(rowid, title, lead, body, facets) "
        f"SELECT id, {_faceted_values(DOCUMENTS, mark)} FROM {DOCUMENTS}"
    ]
    return create, fill


# Migration 0002 (after DROP_SQL): facet tokens without the mark. Migration 0003 (after
# DROP_V2_SQL): the same with FACET_MARK, the structure searches use now.
CREATE_V2_SQL, FILL_V2_SQL = _faceted_sql("")
CREATE_V3_SQL, FILL_V3_SQL = _faceted_sql(FACET_MARK)
DROP_V2_SQL = [*DROP_SQL, f"DROP VIEW IF EXISTS {FTS_CONTENT}"]
DROP_V3_SQL = DROP_V2_SQL

# A date filter wider than this many facet tokens is left to the SQL filter alone (it is not
# selective enough for the tokens to pay, and it keeps the MATCH short).
MAX_DATE_TOKENS = 80

# bm25 is computed for every row it ranks, and a common word matches most of the index: so
# only the CANDIDATES most recently indexed matching texts are ranked (FTS5 walks its doclists
# by rowid, newest first, and computes bm25 for those rows alone). Most queries match fewer and
# are ranked whole; a very common one is ranked among its newest matches, and its total is
# estimated (``total`` may be an estimate, as the protocol allows).
CANDIDATES = 1000

# One hit per article, ranked by its best-matching text; the text shown is the reader's language
# one when that matched too (else the best), and among articles of equal rank the reader's first.
_SEARCH_SQL = f"""
WITH matched AS MATERIALIZED (
    SELECT d.id, d.text_id, d.article_id, d.language, d.published, {FTS_TABLE}.rank AS rank
    FROM {FTS_TABLE} JOIN {DOCUMENTS} d ON d.id = {FTS_TABLE}.rowid
    WHERE {FTS_TABLE} MATCH %s {{filters}}
    ORDER BY {FTS_TABLE}.rowid DESC LIMIT {CANDIDATES}
), best AS (
    SELECT id, text_id, article_id, language, published,
        MIN(rank) OVER (PARTITION BY article_id) AS rank,
        ROW_NUMBER() OVER (PARTITION BY article_id ORDER BY language <> %s, rank, id) AS n
    FROM matched
)
SELECT id, text_id, article_id, language, rank,
    COUNT(*) OVER (), (SELECT COUNT(*) FROM matched), (SELECT MIN(id) FROM matched)
FROM best WHERE n = 1
ORDER BY rank, language <> %s, published DESC, id
LIMIT %s OFFSET %s
"""

_FTS_COUNT_SQL = f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
_FTS_COUNT_SINCE_SQL = f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid >= %s"

_COUNT_SQL = f"""
SELECT COUNT(DISTINCT article_id), COUNT(*), MIN(id) FROM (
    SELECT d.article_id, d.id FROM {FTS_TABLE} JOIN {DOCUMENTS} d ON d.id = {FTS_TABLE}.rowid
    WHERE {FTS_TABLE} MATCH %s {{filters}}
    ORDER BY {FTS_TABLE}.rowid DESC LIMIT {CANDIDATES}
)
"""

_MARKS_SQL = f"""
SELECT rowid,
    highlight({FTS_TABLE}, 0, %s, %s),
    highlight({FTS_TABLE}, 1, %s, %s),
    snippet({FTS_TABLE}, 2, %s, %s, '…', {SNIPPET_TOKENS})
FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({{ids}})
"""


class SQLiteFTS5Backend(DocumentRows):
    name: ClassVar[str] = "sqlite"

    def __init__(self, database: str = "default") -> None:
        self.database = database
        vendor = connections[database].vendor
        if vendor != "sqlite":
            raise NotConfigured(f"the {database!r} database is {vendor}, not SQLite")

    def index(self, documents: Iterable[IndexDocument]) -> None:
        rows = [row_for(d) for d in documents]
        with transaction.atomic(using=self.database):
            self.delete([r.text_id for r in rows])
            SearchDocument.objects.using(self.database).bulk_create(rows, batch_size=500)

    def search(self, query: SearchQuery) -> SearchResults:
        prepared = prepare(query)
        if not prepared.parsed.searchable:
            return prepared.empty()
        filters, filter_params = self._filters(query)
        with connections[self.database].cursor() as cursor:
            match = self._match(cursor, prepared.parsed, query.filters)
            cursor.execute(
                _SEARCH_SQL.format(filters=filters),
                [match, *filter_params, query.language, query.language, prepared.per_page, prepared.offset],
            )
            ranked = cursor.fetchall()
            if ranked:
                articles, texts, oldest = ranked[0][5:8]
            else:  # no match, or a page past the end (which still says how many there are)
                cursor.execute(_COUNT_SQL.format(filters=filters), [match, *filter_params])
                articles, texts, oldest = cursor.fetchone()
            total = self._total(cursor, match, articles, texts, oldest)
            # Marks need only the reader's words: with the facet tokens too, FTS5 would seek
            # every one of them (a month of day tokens) again for each row of the page.
            marks = self._marks(cursor, self._words_match(prepared.parsed), [row[0] for row in ranked])
        hits = []
        for row_id, text_id, article_id, language, rank, *_counts in ranked:
            title, lead, body = marks[row_id]
            hits.append(
                SearchHit(
                    article_id=article_id,
                    text_id=text_id,
                    language=language,
                    score=-float(rank),  # bm25: lower is better
                    title_html=marked_html(title),
                    snippet_html=marked_html(pick_snippet(lead, body)),
                )
            )
        return SearchResults(hits, total, prepared.page, prepared.per_page, prepared.message)

    def _total(self, cursor: Any, match: str, articles: int, texts: int, oldest: int | None) -> int:
        """Matching articles: exact below CANDIDATES texts, else estimated from the ranked share."""
        if texts < CANDIDATES or oldest is None:
            return articles
        # The candidates were found among the matches indexed since ``oldest``; all matches are
        # counted without bm25 or the join, and scaled by what the candidates showed.
        cursor.execute(_FTS_COUNT_SQL, [match])
        every = int(cursor.fetchone()[0])
        cursor.execute(_FTS_COUNT_SINCE_SQL, [match, oldest])
        scanned = max(int(cursor.fetchone()[0]), 1)
        return max(int(articles), round(every * (texts / scanned) * (articles / texts)))

    @staticmethod
    def _words_match(parsed: ParsedQuery) -> str:
        return fts5_match(parsed)  # never a facet token: see FACET_MARK

    def _match(self, cursor: Any, parsed: ParsedQuery, filters: SearchFilters) -> str:
        """The reader's words in the text columns, ANDed with the facet tokens of the filters."""
        parts = [self._words_match(parsed)]
        for letter, value in (
            (SECTION, filters.section),
            (OUTLET, filters.outlet),
            (ORIGINAL, filters.original_language),
        ):
            if value:
                parts.append(f'{{facets}} : "{FACET_MARK}{letter}{value.encode().hex()}"')
        dates = self._date_tokens(cursor, filters)
        if dates:
            parts.append("{facets} : (" + " OR ".join(f'"{FACET_MARK}{t}"' for t in dates) + ")")
        return " AND ".join(parts)

    def _date_tokens(self, cursor: Any, filters: SearchFilters) -> list[str]:
        """Day, month and year tokens that cover the date filter's UTC days (more, never fewer)."""
        start, end = published_bounds(filters)
        if start is None and end is None:
            return []
        adapt = connections[self.database].ops.adapt_datetimefield_value
        low, high = (str(adapt(bound)) if bound else None for bound in (start, end))
        if low is None or high is None:
            # An open end is the index's own first or last day. Two subqueries, not one
            # SELECT MIN(), MAX(): SQLite takes a single min or max from the index in one
            # step but scans the whole index for both at once.
            cursor.execute(
                f"SELECT (SELECT MIN(published) FROM {DOCUMENTS}), (SELECT MAX(published) FROM {DOCUMENTS})"
            )
            first, last = cursor.fetchone()
            if first is None:
                return []
            low, high = low or str(first), high or str(last)
        low, high = low[:10], high[:10]
        return covering_tokens(dt.date.fromisoformat(low), dt.date.fromisoformat(high))

    def _filters(self, query: SearchQuery) -> tuple[str, list[Any]]:
        connection = connections[self.database]
        filters = query.filters
        sql: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("section", filters.section),
            ("outlet", filters.outlet),
            ("original_language", filters.original_language),
        ):
            if value:
                sql.append(f"d.{column} = %s")
                params.append(value)
        start, end = published_bounds(filters)
        if start is not None:
            sql.append("d.published >= %s")
            params.append(connection.ops.adapt_datetimefield_value(start))
        if end is not None:
            sql.append("d.published < %s")
            params.append(connection.ops.adapt_datetimefield_value(end))
        return "".join(f" AND {s}" for s in sql), params

    def _marks(self, cursor: Any, match: str, row_ids: list[int]) -> dict[int, tuple[str, str, str]]:
        """Title and lead with matched words marked, and the body's best passage, for one page of hits."""
        if not row_ids:
            return {}
        sql = _MARKS_SQL.format(ids=", ".join(["%s"] * len(row_ids)))
        cursor.execute(sql, [*[MARK_START, MARK_END] * 3, match, *row_ids])
        return {row[0]: (row[1] or "", row[2] or "", row[3] or "") for row in cursor.fetchall()}


def covering_tokens(first: dt.date, last: dt.date) -> list[str]:
    """Facet tokens for the days first..last: whole years and months as one token each.

    Empty when first > last (nothing can match; the SQL filter says so) or when it would take
    more than MAX_DATE_TOKENS tokens.
    """
    tokens: list[str] = []
    day = first
    while day <= last:
        year_end = dt.date(day.year, 12, 31)
        next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if day.month == 1 and day.day == 1 and year_end <= last:
            tokens.append(f"{YEAR}{day.year:04d}")
            day = year_end + dt.timedelta(days=1)
        elif day.day == 1 and next_month - dt.timedelta(days=1) <= last:
            tokens.append(f"{MONTH}{day.year:04d}{day.month:02d}")
            day = next_month
        else:
            tokens.append(f"{DAY}{day:%Y%m%d}")
            day += dt.timedelta(days=1)
        if len(tokens) > MAX_DATE_TOKENS:
            return []
    return tokens
