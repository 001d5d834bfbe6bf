"""PostgreSQL full-text search (``django.contrib.postgres.search``): the backend at scale.

Each text's ``vector`` is ``setweight(to_tsvector(config, title), 'A') || … lead 'B' || … body
'C'``, stored and GIN-indexed, with a configuration per language: ``kabar_english`` and
``kabar_indonesian`` (Snowball stemmers), ``kabar_simple`` for Vietnamese and the rest (no
stemmer exists for it). Each runs ``unaccent`` first, which folds đ/Đ to d/D as well
(a test checks it), so "duong" finds "Đường". A query is matched against each configuration
with that configuration's own parsing (an English query stems like English texts), and the
GIN index serves every branch. When nothing matches, trigram word similarity on the folded
title (``pg_trgm``, GIN-indexed) finds titles with a typo's worth of difference.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import connections, transaction

from kabar.core.discover.query import fold, tsquery
from kabar.core.discover.search import (
    MARK_END,
    MARK_START,
    IndexDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    marked_html,
)
from kabar.core.errors import NotConfigured
from kabar.search.backends.common import (
    DocumentRows,
    chunks,
    pick_snippet,
    prepare,
    published_bounds,
    row_for,
)
from kabar.search.messages import similar_titles_text
from kabar.search.models import SearchDocument

DOCUMENTS = SearchDocument._meta.db_table
DEFAULT_CONFIG = "kabar_simple"
CONFIGS = {"en": "kabar_english", "id": "kabar_indonesian"}  # language → configuration
_BASES = {
    "kabar_simple": ("simple", "simple"),
    "kabar_english": ("english", "english_stem"),
    "kabar_indonesian": ("indonesian", "indonesian_stem"),
}

CREATE_SQL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *[
        statement
        for name, (base, dictionary) in _BASES.items()
        for statement in (
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f"WITH unaccent, {dictionary}",
        )
    ],
    f"CREATE INDEX search_document_vector ON {DOCUMENTS} USING gin (vector)",
    f"CREATE INDEX search_document_title_trgm ON {DOCUMENTS} USING gin (title_folded gin_trgm_ops)",
]
DROP_SQL = [
    "DROP INDEX IF EXISTS search_document_title_trgm",
    "DROP INDEX IF EXISTS search_document_vector",
    *[f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in _BASES],
]

# One hit per article, ranked by its best-matching text; shown: the reader's language text when it
# matched too. Each text is matched with its own configuration's parse of the query: one GIN-served branch
# per configuration, ORed.
_MATCH = " OR ".join(
    f"(d.config = '{name}' AND d.vector @@ to_tsquery('{name}', %(tsquery)s))" for name in _BASES
)
_ROW_QUERY = (
    "CASE d.config "
    + " ".join(f"WHEN '{name}' THEN to_tsquery('{name}', %(tsquery)s)" for name in _BASES)
    + " END"
)
# ts_rank's weights are {D, C, B, A}: title (A) 1.0 > lead (B) 0.4 > body (C) 0.2; normalisation 1
# divides by 1 + log(length), so a long body does not outrank a matching title.
#
# ts_rank reads each matching text's whole vector, and a common word matches most of the index
# (at 10,000 articles × 3 languages "và" took 115-190 ms, growing with the index): as on SQLite,
# only the CANDIDATES most recently indexed matches are ranked, and a larger total is estimated.
#
# The GIN index gives matches unordered, so finding the newest reads every match's row (a common
# word: 45,000 rows, 155 ms at 100,000 articles × 3). The newest RECENT_ROWS rows are searched
# first (the GIN bitmap ANDed with the primary key's range), and the whole index only when they
# hold fewer than CANDIDATES matches. Queries with filters or phrases, which seldom find that many
# there, search the whole index at once.
CANDIDATES = 1000
RECENT_ROWS = 20_000
_CANDIDATES_SQL = f"""
    SELECT d.id FROM {DOCUMENTS} d WHERE {{where}} {{{{filters}}}} AND d.id > %(after)s
    ORDER BY d.id DESC LIMIT {CANDIDATES}
"""
_RANKED_SQL = f"""
WITH candidates AS MATERIALIZED ({_CANDIDATES_SQL}), matched AS (
    SELECT d.id, d.text_id, d.article_id, d.language, d.published, {{rank}} AS rank
    FROM candidates c JOIN {DOCUMENTS} d ON d.id = c.id
), best AS (
    SELECT id, text_id, article_id, language, published,
        MAX(rank) OVER (PARTITION BY article_id) AS rank,
        ROW_NUMBER() OVER (PARTITION BY article_id ORDER BY language <> %(language)s, rank DESC, id) AS n
    FROM matched
)
SELECT id, text_id, article_id, language, rank,
    COUNT(*) OVER (), (SELECT COUNT(*) FROM candidates), (SELECT MIN(id) FROM candidates)
FROM best WHERE n = 1
ORDER BY rank DESC, language <> %(language)s, published DESC, id
LIMIT %(limit)s OFFSET %(offset)s
"""
_SEARCH_SQL = _RANKED_SQL.format(
    rank=f"ts_rank('{{{{0.1, 0.2, 0.4, 1.0}}}}', d.vector, {_ROW_QUERY}, 1)", where=f"({_MATCH})"
)
_COUNT_SQL = f"""
SELECT COUNT(DISTINCT d.article_id), COUNT(*), MIN(d.id)
FROM {DOCUMENTS} d WHERE d.id IN ({_CANDIDATES_SQL.format(where=f"({_MATCH})")})
"""
_ID_RANGE_SQL = f"SELECT MIN(id), MAX(id) FROM {DOCUMENTS}"

# Nothing matched every word: titles whose words come close to the query's (pg_trgm, typos).
_SIMILAR_SQL = _RANKED_SQL.format(
    rank="word_similarity(%(folded)s, d.title_folded)", where="%(folded)s <%% d.title_folded"
)

_MARKS_SQL = f"""
SELECT d.id,
    ts_headline(d.config::regconfig, d.title, {_ROW_QUERY}, %(whole)s),
    ts_headline(d.config::regconfig, d.lead, {_ROW_QUERY}, %(whole)s),
    ts_headline(d.config::regconfig, d.body, {_ROW_QUERY}, %(passage)s)
FROM {DOCUMENTS} d WHERE d.id = ANY(%(ids)s)
"""
_MARK_OPTIONS = f'StartSel="{MARK_START}", StopSel="{MARK_END}"'
_WHOLE = _MARK_OPTIONS + ", HighlightAll=true"
_PASSAGE = _MARK_OPTIONS + ", MaxWords=35, MinWords=15, MaxFragments=1"

# tsvector holds at most 1 MB: a longer body is indexed by its first VECTOR_BODY_CHARS.
VECTOR_BODY_CHARS = 200_000
_VECTOR_SQL = f"""
UPDATE {DOCUMENTS} SET vector =
    setweight(to_tsvector(config::regconfig, title), 'A')
    || setweight(to_tsvector(config::regconfig, lead), 'B')
    || setweight(to_tsvector(config::regconfig, left(body, {VECTOR_BODY_CHARS})), 'C')
WHERE text_id = ANY(%s)
"""


class PostgresBackend(DocumentRows):
    name: ClassVar[str] = "postgres"

    def __init__(self, database: str = "default") -> None:
        self.database = database
        vendor = connections[database].vendor
        if vendor != "postgresql":
            raise NotConfigured(f"the {database!r} database is {vendor}, not PostgreSQL")

    def index(self, documents: Iterable[IndexDocument]) -> None:
        rows = [row_for(d) for d in documents]
        for row in rows:
            row.config = CONFIGS.get(row.language, DEFAULT_CONFIG)
            row.title_folded = fold(row.title)
        with transaction.atomic(using=self.database), connections[self.database].cursor() as cursor:
            self.delete([r.text_id for r in rows])
            SearchDocument.objects.using(self.database).bulk_create(rows, batch_size=500)
            for chunk in chunks([r.text_id for r in rows]):
                cursor.execute(_VECTOR_SQL, [chunk])

    def search(self, query: SearchQuery) -> SearchResults:
        prepared = prepare(query)
        if not prepared.parsed.searchable:
            return prepared.empty()
        filters, params = self._filters(query)
        params |= {
            "tsquery": tsquery(prepared.parsed),
            "language": query.language,
            "limit": prepared.per_page,
            "offset": prepared.offset,
        }
        message = prepared.message
        with connections[self.database].cursor() as cursor:
            # Filters and phrases are selective: the newest rows rarely hold enough of their matches.
            recent_first = not filters and not prepared.parsed.phrases
            ranked, total = self._ranked(
                cursor, _SEARCH_SQL, _COUNT_SQL, filters, params, prepared.offset, recent_first
            )
            similar = not total and not prepared.parsed.excluded
            if similar:
                params["folded"] = fold(" ".join(prepared.parsed.positive_words))
                ranked, total = self._ranked(
                    cursor, _SIMILAR_SQL, None, filters, params, prepared.offset, recent_first=False
                )
                if total:
                    message = " ".join(filter(None, [message, similar_titles_text()]))
            marks = self._marks(cursor, params["tsquery"], [row[0] for row in ranked])
        hits = []
        for row_id, text_id, article_id, language, rank, _total in ranked:
            title, lead, body = marks[row_id]
            hits.append(
                SearchHit(
                    article_id=article_id,
                    text_id=text_id,
                    language=language,
                    score=float(rank),
                    title_html=marked_html(title),
                    snippet_html=marked_html(pick_snippet(lead, body)),
                )
            )
        return SearchResults(hits, total, prepared.page, prepared.per_page, message)

    def _ranked(
        self,
        cursor: Any,
        sql: str,
        count_sql: str | None,
        filters: str,
        params: dict[str, Any],
        offset: int,
        recent_first: bool,
    ) -> tuple[list[tuple[Any, ...]], int]:
        cursor.execute(_ID_RANGE_SQL)
        first, last = cursor.fetchone()
        if last is None:
            return [], 0
        recent = int(last) - RECENT_ROWS
        ranked: list[tuple[Any, ...]] = []
        articles, texts, oldest = 0, 0, None
        for after in [recent, 0] if recent_first and recent > int(first) else [0]:
            params["after"] = after
            cursor.execute(sql.format(filters=filters), params)
            ranked = cursor.fetchall()
            if ranked:
                articles, texts, oldest = ranked[0][5:8]
            elif offset and count_sql:  # a page past the end still says how many there are
                cursor.execute(count_sql.format(filters=filters), params)
                articles, texts, oldest = cursor.fetchone()
            else:
                articles, texts, oldest = 0, 0, None
            if texts >= CANDIDATES:
                break  # the newest rows hold enough: they are the newest matches of all
        total = self._total(int(articles), int(texts), oldest, int(first), int(last))
        return [row[:6] for row in ranked], total

    @staticmethod
    def _total(articles: int, texts: int, oldest: int | None, first: int, last: int) -> int:
        """Matching articles: exact below CANDIDATES texts, else estimated without counting them all.

        Counting every match costs what ranking them did (each row is read), so the candidates'
        share of the ids since the oldest of them stands for the share over all ids.
        """
        if texts < CANDIDATES or oldest is None:
            return articles
        density = texts / max(last - int(oldest) + 1, 1)
        every = density * (last - first + 1)
        return max(articles, round(every * articles / texts))

    def _filters(self, query: SearchQuery) -> tuple[str, dict[str, Any]]:
        filters = query.filters
        sql: list[str] = []
        params: dict[str, Any] = {}
        for column, value in (
            ("section", filters.section),
            ("outlet", filters.outlet),
            ("original_language", filters.original_language),
        ):
            if value:
                sql.append(f"d.{column} = %({column})s")
                params[column] = value
        start, end = published_bounds(filters)
        if start is not None:
            sql.append("d.published >= %(start)s")
            params["start"] = start
        if end is not None:
            sql.append("d.published < %(end)s")
            params["end"] = end
        return "".join(f" AND {s}" for s in sql), params

    def _marks(self, cursor: Any, query: str, row_ids: list[int]) -> dict[int, tuple[str, str, str]]:
        if not row_ids:
            return {}
        cursor.execute(_MARKS_SQL, {"tsquery": query, "whole": _WHOLE, "passage": _PASSAGE, "ids": row_ids})
        return {row[0]: (row[1] or "", row[2] or "", row[3] or "") for row in cursor.fetchall()}
