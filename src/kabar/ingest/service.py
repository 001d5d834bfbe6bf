"""Ingestion as the Django shell runs it: source → pipeline → store, with failures kept.

``ingest`` is what both ``kabar ingest`` and the scheduled ``poll_source`` task
call. It never raises for one bad document: each failure is stored in
``IngestFailure`` with its stage and reason, and counted in the summary.

The source is read here (fetching is I/O), extract and clean run in the
process's one ``StagePool`` (worker processes, each call killed at its stage's
limit, on every core), and results are stored here in the order the source gave
the documents, so near-duplicate decisions do not depend on which worker was
quicker. A bounded number of documents is in flight, so memory stays bounded on
a folder of 100,000 files.
"""

from __future__ import annotations

import atexit
import collections
import concurrent.futures
import contextlib
import functools
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kabar.core.errors import StageError
from kabar.core.extract.pagetype import NotAnArticle
from kabar.core.fetch.fetch import Fetcher, FetchPolicy
from kabar.core.fetch.urls import same_site, site_host
from kabar.core.pipeline import Pipeline, PipelineLimits, check_publishable
from kabar.core.sources import unaccepted_reason
from kabar.core.sources.files import LocalFiles
from kabar.core.stage import InProcessStages, StageRunner
from kabar.core.types import Extracted, RawDocument
from kabar.core.workers import StagePool
from kabar.detector import get_detector
from kabar.hookspecs import SOURCE_GROUP, DocumentFailure, FetchSource, plugin_classes
from kabar.ingest.images import (
    IMAGE_HOST_CONCURRENCY,
    IMAGE_HOST_DELAY,
    ImageAttacher,
    ImageCounts,
    stored_images,
    waiting_images,
)
from kabar.ingest.models import IngestFailure
from kabar.ingest.republication import article_address
from kabar.ingest.store import (
    content_hash,
    fetched_location,
    make_slug,
    near_duplicate_index,
    store_article,
)
from kabar.news.models import Article, Outlet, Source
from kabar.pagecache.receivers import deferred

log = logging.getLogger("kabar.ingest")

# Where a run's images are fetched: "here" by this process, on the attacher's threads, while the
# next documents are extracted (the run returns once they are attached); "task": a queued
# fetch_article_images per stored article, for `kabar worker` (scheduled polls).
ImageMode = Literal["here", "task"]
IMAGE_DRAIN_TIMEOUT = 600.0  # a run waits at most this long for its last images (then: pending)
COALESCE_SECONDS = 0.25  # documents from local files stored within this share one deferred block


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (url, stage, reason)
    # Pages that are not articles (home, section, tag, search): (url, reason), never stored.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    not_modified: bool = False  # the feed answered 304 to a conditional GET: nothing to do
    images: ImageCounts = field(default_factory=ImageCounts)  # fetched after the rows committed

    @property
    def total(self) -> int:
        return (
            self.new + self.updated + self.unchanged + self.duplicate + len(self.failed) + len(self.skipped)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicate": self.duplicate,
            "failed": [{"url": u, "stage": s, "reason": r} for u, s, r in self.failed],
            "skipped": [{"url": u, "reason": r} for u, r in self.skipped],
            "images": {
                "attached": self.images.attached,
                "pending": self.images.pending,
                "failed": [{"url": u, "reason": r} for u, r in self.images.failures],
                "skipped": self.images.skipped,
            },
        }

    def line(self) -> str:
        if self.not_modified:
            return "feed not modified since the last poll"
        skipped = f", {len(self.skipped)} skipped (not articles)" if self.skipped else ""
        images = self.images
        pictures = ""
        if images.attached or images.pending or images.failed:
            pictures = (
                f"; images: {images.attached} attached, {images.pending} pending, {images.failed} failed"
            )
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.duplicate} duplicate, {len(self.failed)} failed{skipped}{pictures}"
        )


def image_fetcher(*, allow_private: bool = False) -> Fetcher:
    """The process's fetcher for pictures: a host's images are fetched a few at a time (see ``images``)."""
    policy = fetch_policy(allow_private=allow_private)
    return shared_fetcher(
        policy.with_options(
            {
                "host_delay": min(policy.host_delay, IMAGE_HOST_DELAY),
                "host_concurrency": IMAGE_HOST_CONCURRENCY,
            }
        )
    )


def fetch_policy(*, allow_private: bool = False) -> FetchPolicy:
    """The fetch policy of kabar's settings (the core decides timeouts and deadline from them)."""
    conf = settings.FETCH
    values = {
        "KABAR_USER_AGENT": conf["user_agent"],
        "KABAR_FETCH_TIMEOUT": conf["timeout"],
        "KABAR_FETCH_MAX_BYTES": conf["max_bytes"],
        "KABAR_FETCH_HOST_DELAY": conf["host_delay"],
    }
    return FetchPolicy.from_settings(values, allow_private=allow_private)


@functools.lru_cache(maxsize=4)
def shared_fetcher(policy: FetchPolicy) -> Fetcher:
    """One fetcher per policy for the life of the process (web or worker).

    It keeps the per-host pacing and the robots.txt cache between polls, so polling an
    unchanged feed costs one conditional request, and two sources on one host share pacing.
    The fetcher is thread-safe; it is never closed (the process exit closes its sockets).
    """
    return Fetcher(policy)


_stage_pool_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _stage_pool(workers: int) -> StagePool:
    pool = StagePool(workers)
    atexit.register(pool.close)
    return pool


def shared_stage_pool(workers: int) -> StagePool:
    """The process's one pool of ``workers`` stage processes, made on first use, stopped at exit.

    Web threads and the worker share it; its processes start on the first document.
    """
    with _stage_pool_lock:  # lru_cache alone may build two for two threads arriving at once
        return _stage_pool(workers)


def build_pipeline() -> Pipeline:
    """The pipeline of kabar's settings: stage limits, and the shared worker processes.

    ``KABAR_INGEST_WORKERS=0`` runs the stages in this process instead, for platforms
    where worker processes cannot be started (see ``kabar.core.stage``).
    """
    conf = settings.INGEST
    limits = PipelineLimits(extract_timeout=conf["extract_timeout"], clean_timeout=conf["clean_timeout"])
    stages: StageRunner = shared_stage_pool(conf["workers"]) if conf["workers"] else InProcessStages()
    return Pipeline(get_detector(), limits, stages=stages)


def pick_source(location: str, kind: str | None, fetcher: Fetcher, **options: Any) -> FetchSource:
    """The source plugin for ``kind`` (built with ``options``), or the first whose ``accepts`` takes it."""
    classes = plugin_classes(SOURCE_GROUP)
    if kind:
        if kind not in classes:
            raise StageError(
                f"unknown source kind {kind!r}; known: {', '.join(sorted(classes))}", stage="fetch"
            )
        return classes[kind](fetcher=fetcher, **options)  # type: ignore[no-any-return]
    # Most specific first: a folder of captures or a WARC is not "a URL".
    for name in ("warc", "capture", "file", "sitemap", "feed", "url"):
        if name in classes:
            candidate = classes[name](fetcher=fetcher)
            if candidate.accepts(location):
                return candidate  # type: ignore[no-any-return]
    raise StageError(unaccepted_reason(location, classes.values()), stage="fetch")


def ingest(
    location: str,
    *,
    outlet: Outlet | None = None,
    kind: str | None = None,
    allow_private: bool = False,
    source: Source | None = None,
    pipeline: Pipeline | None = None,
    on_document: Callable[[str, str], None] | None = None,
    images: ImageMode = "here",
) -> Summary:
    """Ingest every document at ``location``; ``on_document(url, status)`` reports progress.

    Each article's row commits without waiting for its pictures; ``images`` says who fetches
    them (see ``ImageMode``). Either way the summary counts them.
    """
    fetcher = shared_fetcher(fetch_policy(allow_private=allow_private))
    pipeline = pipeline or build_pipeline()
    summary = Summary()
    index = near_duplicate_index()
    attacher = ImageAttacher(image_fetcher(allow_private=allow_private)) if images == "here" else None

    def fetch_images_of(article_id: int, unknown: set[str]) -> None:
        if attacher is not None:
            attacher.add(article_id, unknown=unknown)
            attacher.poll()
            return
        waiting = Article.objects.filter(pk=article_id).first()
        if waiting is not None and waiting_images(waiting):
            summary.images.pending += len(waiting_images(waiting))
            from kabar.ingest.tasks import fetch_article_images  # tasks imports this module

            transaction.on_commit(lambda: fetch_article_images.enqueue(article_id, allow_private))

    def failed(url: str, stage: str, reason: str) -> None:
        summary.failed.append((url, stage, reason))
        record_failure(url, stage, reason, source)
        if on_document:
            on_document(url, "failed")

    # A polled feed is fetched conditionally with the validators kept from its last poll.
    conditional = source is not None and kind == "feed"
    options = {"etag": source.etag or None, "last_modified": source.last_modified or None} if source else {}

    block = _Coalescing()

    def settle(
        item: RawDocument | DocumentFailure, prepared: concurrent.futures.Future[Extracted] | None
    ) -> None:
        # One document's store, and the pictures attached meanwhile, touch an article several
        # times (its commit, original_changed after it, each attach): one page-cache bump, one
        # search index update and one webhook reconcile per article for all of them, at the end
        # of the block. From local files, one block spans the documents stored within
        # COALESCE_SECONDS, unless a wait comes first (see _Coalescing).
        if prepared is not None and not prepared.done():
            block.close()  # about to wait for the pipeline: what is stored shows first
        block.open()
        settle_one(item, prepared)
        if not block.may_span or block.age() >= COALESCE_SECONDS:
            block.close()

    def settle_one(
        item: RawDocument | DocumentFailure, prepared: concurrent.futures.Future[Extracted] | None
    ) -> None:
        if isinstance(item, DocumentFailure):
            failed(item.url, item.stage, item.reason)
            return
        try:
            unknown: set[str] = set()  # its pictures nothing is recorded of yet
            status, article_id = _ingest_one(
                item, outlet, pipeline, index, prepared=prepared, unknown=unknown
            )
        except NotAnArticle as exc:
            # Kept where the admin lists failures, under its own stage, so an editor sees what was left out
            # and why; nothing of the page is stored.
            summary.skipped.append((item.url, exc.reason))
            record_failure(item.url, exc.stage, exc.reason, source)
            if on_document:
                on_document(item.url, "skipped")
            return
        except StageError as exc:
            failed(item.url, exc.stage, exc.reason)
            return
        except Exception as exc:  # a bug must cost one document, not the run
            log.exception("unexpected error on %s", item.url)
            failed(item.url, "internal", f"{type(exc).__name__}: {exc}")
            return
        setattr(summary, status, getattr(summary, status) + 1)
        IngestFailure.objects.filter(url=item.url[:1000], resolved=False).update(resolved=True)
        if article_id is not None:
            fetch_images_of(article_id, unknown)
        if on_document:
            on_document(item.url, status)

    # Documents whose stages run while the ones before them are stored, oldest first. Twice
    # the workers keeps every worker busy while this thread stores, and bounds memory.
    window: collections.deque[
        tuple[RawDocument | DocumentFailure, concurrent.futures.Future[Extracted] | None]
    ]
    window = collections.deque()
    in_flight = 2 * pipeline.stages.capacity

    def settle_all() -> None:
        while window:
            settle(*window.popleft())

    source_error: StageError | None = None
    plugin: FetchSource | None = None
    try:
        plugin = pick_source(location, kind, fetcher, **(options if conditional else {}))
        # Reading the next local file never waits long; a network source's next document may.
        block.may_span = isinstance(plugin, LocalFiles)
        documents: Iterable[RawDocument | DocumentFailure] = plugin.documents(location)
        for item in documents:
            window.append((item, None if isinstance(item, DocumentFailure) else pipeline.submit(item)))
            while len(window) > in_flight:
                settle(*window.popleft())
    except StageError as exc:
        source_error = exc
    except Exception:
        try:
            settle_all()  # what the source gave before it broke is stored, as it would have been one by one
        finally:
            block.close()
        _finish_images(attacher, summary)
        raise
    except BaseException:
        block.close()
        raise
    try:
        settle_all()
    finally:
        block.close()  # before waiting for the last pictures
    _finish_images(attacher, summary)
    if source_error is not None:
        failed(location, source_error.stage, source_error.reason)
    if source is not None:
        polled: dict[str, Any] = {"last_polled_at": timezone.now()}
        if conditional and plugin is not None:
            summary.not_modified = bool(getattr(plugin, "not_modified", False))
            etag, last_modified = getattr(plugin, "validators", (None, None))
            polled.update(etag=(etag or "")[:300], last_modified=(last_modified or "")[:100])
        Source.objects.filter(pk=source.pk).update(**polled, last_result=summary.line())
    return summary


class _Coalescing:
    """The open ``deferred(coalesce=True)`` block of a run's documents, if any.

    A page-cache bump, a search index update and the menu check cost about as much for eight
    articles as for one, so documents read from local files share a block for up to
    ``COALESCE_SECONDS``: readers see an article that much later at most. The block is closed
    before anything that may wait (the pipeline's result of the next document, a network
    source's next document, the run's last pictures), so no stored article waits on those.
    """

    def __init__(self) -> None:
        self.may_span = False
        self._stack: contextlib.ExitStack | None = None
        self._opened = 0.0

    def open(self) -> None:
        if self._stack is None:
            stack = contextlib.ExitStack()
            stack.enter_context(deferred(coalesce=True))
            self._stack, self._opened = stack, time.monotonic()

    def age(self) -> float:
        return time.monotonic() - self._opened if self._stack is not None else 0.0

    def close(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()  # the block's work, then its one bump


def _finish_images(attacher: ImageAttacher | None, summary: Summary) -> None:
    if attacher is None:
        return
    with attacher:
        summary.images = attacher.drain(IMAGE_DRAIN_TIMEOUT)


def _ingest_one(
    raw: RawDocument,
    outlet: Outlet | None,
    pipeline: Pipeline,
    index: Any,
    *,
    prepared: concurrent.futures.Future[Extracted] | None = None,
    unknown: set[str] | None = None,
) -> tuple[str, int | None]:
    """Store one document: its status, and the article whose pictures may still be the outlet's.

    ``prepared`` is its ``pipeline.submit`` future when already started; ``unknown`` gets the
    picture addresses nothing is recorded of (see ``stored_images``).
    """
    doc = pipeline.finish(
        prepared or pipeline.submit(raw), raw, declared_language=outlet.language if outlet else None
    )
    check_publishable(doc)
    outlet = outlet or outlet_for(doc)
    url = article_address(doc, outlet)  # a republished copy is stored at its own address
    same = Article.objects.filter(source_url=url, content_hash=content_hash(doc)).values_list("pk", flat=True)
    if same:
        # Stored already; pictures a crash or a failure left at the outlet's address are tried again.
        return "unchanged", same[0]
    fetched = fetched_location(raw)  # two saved copies of one page differ only in their files
    known = stored_images(doc, unknown)  # pictures fetched for an earlier article: no wait, no network
    result = store_article(doc, outlet=outlet, images=known, index=index, fetched_url=fetched)
    return result.status, result.article.pk if result.status in ("new", "updated") else None


def outlet_for(doc: Extracted) -> Outlet:
    """The outlet the document names, created on first sight (an editor completes it in the admin).

    A page fetched from the web may claim any outlet's name; it joins an existing outlet of
    that name only when it was fetched from that outlet's site. Otherwise it gets an outlet of
    its own, named after the site it came from, so it can never update the named outlet's
    articles (local files are the operator's own and are trusted by name).
    """
    name = doc.outlet or urllib.parse.urlsplit(doc.source_url or doc.url).hostname or "Unknown outlet"
    parts = urllib.parse.urlsplit(doc.source_url or doc.url)
    home = f"{parts.scheme}://{parts.netloc}/" if parts.scheme in {"http", "https"} else ""
    slug = make_slug(name, max_length=90)
    claimed = Outlet.objects.filter(slug=slug).first()
    fetched_from = site_host(doc.url)
    if claimed is not None and fetched_from and not same_site(claimed.home_url, doc.url):
        slug = make_slug(f"{name} {fetched_from}", max_length=90)
        name, home = f"{name} ({fetched_from})", f"{urllib.parse.urlsplit(doc.url).scheme}://{fetched_from}/"
    elif claimed is not None:
        return claimed
    outlet, _ = Outlet.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "home_url": home or "https://invalid.example/",
            "language": doc.language or "und",
        },
    )
    return outlet


def record_failure(url: str, stage: str, reason: str, source: Source | None) -> None:
    url = url[:1000]  # the column's size: look up and create with the same key
    updated = IngestFailure.objects.filter(url=url, stage=stage).update(
        reason=reason, attempts=F("attempts") + 1, resolved=False, last_seen_at=timezone.now(), source=source
    )
    if not updated:
        IngestFailure.objects.create(url=url, stage=stage, reason=reason, source=source)
