"""Ingestion as the Django shell runs it: source → pipeline → store, with failures kept.

``ingest`` is what both ``kabar ingest`` and the scheduled ``poll_source`` task
call. It never raises for one bad document: each failure is stored in
``IngestFailure`` with its stage and reason, and counted in the summary.
"""

from __future__ import annotations

import logging
import posixpath
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from kabar.core.errors import StageError
from kabar.core.fetch import Fetcher, FetchPolicy
from kabar.core.language import LanguageDetector
from kabar.core.pipeline import Pipeline, check_publishable
from kabar.core.types import Extracted, RawDocument
from kabar.hookspecs import SOURCE_GROUP, DocumentFailure, FetchSource, plugin_classes
from kabar.ingest.models import IngestFailure
from kabar.ingest.store import content_hash, make_slug, near_duplicate_index, store_article
from kabar.news.models import Article, Outlet, Source

log = logging.getLogger("kabar.ingest")

MAX_IMAGE_BYTES = 8_000_000
IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (url, stage, reason)
    not_modified: bool = False  # the feed answered 304 to a conditional GET: nothing to do

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.duplicate + len(self.failed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicate": self.duplicate,
            "failed": [{"url": u, "stage": s, "reason": r} for u, s, r in self.failed],
        }

    def line(self) -> str:
        if self.not_modified:
            return "feed not modified since the last poll"
        return (
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.duplicate} duplicate, {len(self.failed)} failed"
        )


def fetch_policy(*, allow_private: bool = False) -> FetchPolicy:
    conf = settings.FETCH
    return FetchPolicy(
        user_agent=conf["user_agent"],
        connect_timeout=min(10.0, conf["timeout"]),
        read_timeout=conf["timeout"],
        max_bytes=conf["max_bytes"],
        host_delay=conf["host_delay"],
        allow_private=allow_private,
    )


def build_pipeline() -> Pipeline:
    return Pipeline(LanguageDetector(settings.DETECT_LANGUAGES))


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
    raise StageError(f"no source accepts {location!r}", stage="fetch")


def ingest(
    location: str,
    *,
    outlet: Outlet | None = None,
    kind: str | None = None,
    allow_private: bool = False,
    source: Source | None = None,
    pipeline: Pipeline | None = None,
    on_document: Callable[[str, str], None] | None = None,
) -> Summary:
    """Ingest every document at ``location``; ``on_document(url, status)`` reports progress."""
    fetcher = Fetcher(fetch_policy(allow_private=allow_private))
    pipeline = pipeline or build_pipeline()
    summary = Summary()
    index = near_duplicate_index()

    def failed(url: str, stage: str, reason: str) -> None:
        summary.failed.append((url, stage, reason))
        record_failure(url, stage, reason, source)
        if on_document:
            on_document(url, "failed")

    # A polled feed is fetched conditionally with the validators kept from its last poll.
    conditional = source is not None and kind == "feed"
    options = {"etag": source.etag or None, "last_modified": source.last_modified or None} if source else {}
    plugin: FetchSource | None = None
    try:
        plugin = pick_source(location, kind, fetcher, **(options if conditional else {}))
        documents: Iterable[RawDocument | DocumentFailure] = plugin.documents(location)
        for item in documents:
            if isinstance(item, DocumentFailure):
                failed(item.url, item.stage, item.reason)
                continue
            try:
                status = _ingest_one(item, outlet, pipeline, fetcher, index)
            except StageError as exc:
                failed(item.url, exc.stage, exc.reason)
                continue
            except Exception as exc:  # a bug must cost one document, not the run
                log.exception("unexpected error on %s", item.url)
                failed(item.url, "internal", f"{type(exc).__name__}: {exc}")
                continue
            setattr(summary, status, getattr(summary, status) + 1)
            IngestFailure.objects.filter(url=item.url, resolved=False).update(resolved=True)
            if on_document:
                on_document(item.url, status)
    except StageError as exc:
        failed(location, exc.stage, exc.reason)
    finally:
        fetcher.close()
    if source is not None:
        polled: dict[str, Any] = {"last_polled_at": timezone.now()}
        if conditional and plugin is not None:
            summary.not_modified = bool(getattr(plugin, "not_modified", False))
            etag, last_modified = getattr(plugin, "validators", (None, None))
            polled.update(etag=(etag or "")[:300], last_modified=(last_modified or "")[:100])
        Source.objects.filter(pk=source.pk).update(**polled, last_result=summary.line())
    return summary


def _ingest_one(
    raw: RawDocument, outlet: Outlet | None, pipeline: Pipeline, fetcher: Fetcher, index: Any
) -> str:
    doc = pipeline.process(raw, declared_language=outlet.language if outlet else None)
    check_publishable(doc)
    outlet = outlet or outlet_for(doc)
    url = doc.source_url or doc.url
    if Article.objects.filter(source_url=url, content_hash=content_hash(doc)).exists():
        return "unchanged"  # skip image downloads for what is already stored
    images = download_images(doc, fetcher)
    return store_article(doc, outlet=outlet, images=images, index=index).status


def outlet_for(doc: Extracted) -> Outlet:
    """The outlet named by the document, created on first sight (an editor completes it in the admin)."""
    name = doc.outlet or urllib.parse.urlsplit(doc.source_url or doc.url).hostname or "Unknown outlet"
    parts = urllib.parse.urlsplit(doc.source_url or doc.url)
    home = f"{parts.scheme}://{parts.netloc}/" if parts.scheme in {"http", "https"} else ""
    outlet, _ = Outlet.objects.get_or_create(
        slug=make_slug(name, max_length=90),
        defaults={
            "name": name,
            "home_url": home or "https://invalid.example/",
            "language": doc.language or "und",
        },
    )
    return outlet


def download_images(doc: Extracted, fetcher: Fetcher) -> dict[str, ContentFile[bytes]]:
    """Fetch each image once; an image that fails keeps its remote src (the article is not failed for it)."""
    images: dict[str, ContentFile[bytes]] = {}
    for image in doc.images:
        src = image.src
        if src in images:
            continue
        try:
            content, suffix = _read_image(src, fetcher)
        except (StageError, OSError) as exc:
            log.warning("image %s not stored: %s", src, exc)
            continue
        if content is not None:
            stem = make_slug(Path(posixpath.basename(urllib.parse.urlsplit(src).path)).stem, max_length=60)
            images[src] = ContentFile(content, name=f"{stem or 'image'}{suffix}")
    return images


def _read_image(src: str, fetcher: Fetcher) -> tuple[bytes | None, str]:
    parts = urllib.parse.urlsplit(src)
    if parts.scheme == "file":
        path = Path(urllib.parse.unquote(parts.path))
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise StageError(f"image larger than {MAX_IMAGE_BYTES:,} bytes", stage="images")
        return path.read_bytes(), path.suffix.lower() or ".jpg"
    if parts.scheme not in {"http", "https"}:
        return None, ""
    fetched = fetcher.fetch(src)
    media_type = fetched.content_type.split(";")[0].strip().lower()
    if media_type not in IMAGE_TYPES:
        raise StageError(f"not an image ({media_type or 'no content type'})", stage="images")
    if len(fetched.content) > MAX_IMAGE_BYTES:
        raise StageError(f"image larger than {MAX_IMAGE_BYTES:,} bytes", stage="images")
    return fetched.content, IMAGE_TYPES[media_type]


def record_failure(url: str, stage: str, reason: str, source: Source | None) -> None:
    updated = IngestFailure.objects.filter(url=url, stage=stage).update(
        reason=reason, attempts=F("attempts") + 1, resolved=False, last_seen_at=timezone.now(), source=source
    )
    if not updated:
        IngestFailure.objects.create(url=url[:1000], stage=stage, reason=reason, source=source)
