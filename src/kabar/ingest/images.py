"""Article images, fetched after the article is stored and attached as they arrive.

An article's row commits with its image blocks pointing at the outlet's addresses, so
readers (and the rest of ingestion) never wait for pictures. Then ``ImageAttacher``:

* downloads on a bounded pool of threads (``IMAGE_THREADS``), through a fetcher of its own
  that keeps per-host politeness (``HostThrottle``: ``IMAGE_HOST_CONCURRENCY`` requests in
  flight and starts ``IMAGE_HOST_DELAY`` apart per host; robots.txt and the address checks
  as for pages);
* remembers every address in ``ImageFetch`` (stored file and size, or why not), so a
  picture several articles use, or an article stored again, is fetched once;
* attaches each picture in a short transaction of its own: every text's image block gets
  the stored file's ``src`` and size, the ``Media`` row its file, and the article's page
  cache tags are bumped (``kabar.pagecache.receivers.record``);
* keeps a failure with its reason (``ImageFetch`` and the log); the block keeps the
  outlet's address, as before (the page shows the outlet's picture where the CSP allows
  it, else the caption), and the address is tried again after ``RETRY_FAILED_AFTER``.
  A picture that turns out smaller than a content image (``content_images.too_small``:
  an icon or logo that declared no size) is taken out of the article's texts when the
  original is its only text, else left as it is (translations share the blocks'
  positions, which a removed block would shift); either way it is recorded as skipped.

Downloads touch no database (threads would need connections of their own, and SQLite
serialises writers anyway): the thread that owns the attacher records and attaches,
whenever it calls ``poll`` or ``drain``.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import logging
import time
import urllib.parse
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage

from kabar.core.errors import StageError
from kabar.core.extract.content_images import too_small
from kabar.core.fetch.fetch import Fetcher
from kabar.core.types import Block, Extracted
from kabar.ingest import media_files
from kabar.ingest.image_attach import Arrival, attach_arrived
from kabar.ingest.models import ImageFetch
from kabar.news.models import Article, ArticleText
from kabar.pagecache.receivers import deferred

log = logging.getLogger("kabar.ingest")

MAX_IMAGE_BYTES = 8_000_000
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
IMAGE_THREADS = 8
# Image servers are CDNs built for browsers, which fetch a page's pictures six at a time.
IMAGE_HOST_CONCURRENCY = 4
IMAGE_HOST_DELAY = 0.05
RETRY_FAILED_AFTER = timedelta(hours=6)
ATTACH_BATCH_WAIT = 0.02  # seconds: gather what arrives together into one transaction per article
STAGE = "images"


@dataclass(frozen=True)
class Downloaded:
    url: str
    name: str  # storage name
    width: int
    height: int
    content: bytes  # kept until the attaching transaction commits (media_files.restore_missing)
    written: bool  # this download wrote the file (a rollback removes it again)


@dataclass(frozen=True)
class Refused:
    url: str
    outcome: str  # ImageFetch.Outcome
    reason: str


@dataclass
class ImageCounts:
    attached: int = 0
    failed: int = 0
    skipped: int = 0
    pending: int = 0  # left to a queued task, or still in flight when drain gave up
    failures: list[tuple[str, str]] = field(default_factory=list)  # (image url, reason)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def is_fetchable(src: str) -> bool:
    """An outlet's address (web, or beside a saved page); not a stored file nor a caption-only image."""
    return src.startswith(("http://", "https://", "file:"))


def image_suffix(content: bytes) -> tuple[str, int, int]:
    """``(suffix, width, height)`` of what the bytes really are; StageError when no picture kabar serves."""
    try:
        with PILImage.open(io.BytesIO(content)) as picture:
            kind = (picture.format or "").upper()
            width, height = picture.size
    except (OSError, SyntaxError, ValueError) as exc:
        raise StageError(f"not an image ({exc})", stage=STAGE) from exc
    if kind not in IMAGE_FORMATS:
        raise StageError(f"image format {kind or 'unknown'} is not served", stage=STAGE)
    return IMAGE_FORMATS[kind], width, height


def read_image(src: str, document_url: str, fetcher: Fetcher) -> bytes:
    parts = urllib.parse.urlsplit(src)
    if parts.scheme == "file":
        return _read_local_image(Path(urllib.parse.unquote(parts.path)), document_url)
    content = fetcher.fetch(src).content
    if len(content) > MAX_IMAGE_BYTES:
        raise StageError(f"image larger than {MAX_IMAGE_BYTES:,} bytes", stage=STAGE)
    return content


def _read_local_image(path: Path, document_url: str) -> bytes:
    """A local image, only for a document that is itself a local file, and only beside it.

    A page fetched over HTTP must never make kabar read the server's own files.
    """
    doc = urllib.parse.urlsplit(document_url)
    if doc.scheme != "file":
        raise StageError(f"refused: a {doc.scheme or 'remote'} page may not name a local file", stage=STAGE)
    root = Path(urllib.parse.unquote(doc.path)).resolve().parent
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise StageError(f"refused: {path} is outside the document's folder {root}", stage=STAGE)
    if resolved.stat().st_size > MAX_IMAGE_BYTES:
        raise StageError(f"image larger than {MAX_IMAGE_BYTES:,} bytes", stage=STAGE)
    return resolved.read_bytes()


def download(url: str, document_url: str, fetcher: Fetcher) -> Downloaded | Refused:
    """Fetch, check and store one picture (runs in a pool thread: no database)."""
    try:
        content = read_image(url, document_url, fetcher)
        suffix, width, height = image_suffix(content)
    except StageError as exc:
        return Refused(url, ImageFetch.Outcome.FAILED, exc.reason)
    except OSError as exc:
        return Refused(url, ImageFetch.Outcome.FAILED, f"{type(exc).__name__}: {exc}")
    if too_small(width, height):
        return Refused(
            url, ImageFetch.Outcome.SKIPPED, f"too small ({width}×{height} px): not a content image"
        )
    name, written = media_files.save_image(content, suffix)
    return Downloaded(url, name, width, height, content, written)


def cached(url: str) -> ImageFetch | None:
    """What is known of ``url`` and still holds: a stored file that is there, a skip, a recent failure."""
    row = ImageFetch.objects.filter(url_hash=url_hash(url)).first()
    if row is None:
        return None
    if row.outcome == ImageFetch.Outcome.STORED and not default_storage.exists(row.name):
        return None  # removed since (media gc, an article deleted): fetch again
    if row.outcome == ImageFetch.Outcome.FAILED and row.fetched_at < timezone.now() - RETRY_FAILED_AFTER:
        return None
    return row


def _fetch_values(result: Downloaded | Refused) -> dict[str, object]:
    values: dict[str, object] = {"url": result.url, "fetched_at": timezone.now()}
    if isinstance(result, Downloaded):
        values.update(outcome=ImageFetch.Outcome.STORED, name=result.name, width=result.width)
        values.update(height=result.height, reason="")
    else:
        values.update(outcome=result.outcome, name="", width=None, height=None, reason=result.reason[:2000])
    return values


def _again(row: ImageFetch, values: dict[str, object]) -> ImageFetch:
    for key, value in values.items():
        setattr(row, key, value)
    row.attempts += 1
    row.save()
    return row


def remember(result: Downloaded | Refused) -> ImageFetch:
    values = _fetch_values(result)
    row, created = ImageFetch.objects.get_or_create(url_hash=url_hash(result.url), defaults=values)
    return row if created else _again(row, values)


def remember_all(results: list[Downloaded | Refused]) -> dict[str, ImageFetch]:
    """``remember`` for the downloads that finished together: one look-up, one insert for the new ones.

    Raises when the batch could not be recorded (the caller then records them one by one:
    another process may have recorded one of the addresses meanwhile).
    """
    if not results:
        return {}
    by_hash = {url_hash(r.url): r for r in results}
    known = {row.url_hash: row for row in ImageFetch.objects.filter(url_hash__in=list(by_hash))}
    with transaction.atomic():
        new = [ImageFetch(url_hash=key, **_fetch_values(r)) for key, r in by_hash.items() if key not in known]
        ImageFetch.objects.bulk_create(new)
        again = [_again(known[key], _fetch_values(r)) for key, r in by_hash.items() if key in known]
    return {row.url: row for row in [*new, *again]}


@dataclass(frozen=True)
class StoredImage:
    """A picture already in media storage (fetched for an earlier article): what a block needs of it."""

    name: str
    width: int | None
    height: int | None


def stored_images(doc: Extracted, unknown: set[str] | None = None) -> dict[str, StoredImage | None]:
    """The document's pictures already known by address: stored (``StoredImage``) or not content (None).

    ``store_article`` uses them at once; the rest are left to the attacher. The addresses
    nothing (that still holds) is known of are added to ``unknown``, when given: the attacher
    need not look them up again a moment later.
    """
    known: dict[str, StoredImage | None] = {}
    for image in doc.images:
        if image.src in known or not is_fetchable(image.src):
            continue
        row = cached(image.src)
        if row is None and unknown is not None:
            unknown.add(image.src)
        if row is not None and row.outcome == ImageFetch.Outcome.STORED:
            known[image.src] = StoredImage(row.name, row.width, row.height)
        elif row is not None and row.outcome == ImageFetch.Outcome.SKIPPED:
            known[image.src] = None
    return known


def waiting_images(article: Article) -> list[str]:
    """The outlet addresses the article's original still shows, in page order, each once."""
    original = article.texts.filter(status=ArticleText.Status.ORIGINAL).first()
    return fetchable_addresses(original.blocks if original is not None else [])


def fetchable_addresses(blocks: list[Block]) -> list[str]:
    """The outlet addresses image ``blocks`` show, in page order, each once."""
    return list(
        dict.fromkeys(
            str(b.get("src", ""))
            for b in blocks
            if b.get("type") == "image" and is_fetchable(str(b.get("src", "")))
        )
    )


class ImageAttacher:
    """Fetches stored articles' images on a bounded thread pool; attaches each in the owner's thread."""

    def __init__(self, fetcher: Fetcher, *, threads: int = IMAGE_THREADS) -> None:
        self.fetcher = fetcher
        self.counts = ImageCounts()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="kabar-image"
        )
        self._futures: dict[concurrent.futures.Future[Downloaded | Refused], str] = {}
        self._waiting: dict[str, list[int]] = {}  # url -> articles that wait for it

    def add(self, article_id: int, *, unknown: Collection[str] = ()) -> None:
        """Start on the images ``article_id`` still shows from the outlet (its row is committed).

        ``unknown``: addresses the caller has just found nothing recorded for (``stored_images``),
        downloaded without looking them up again.
        """
        # The original with its article: one query (``waiting_images`` would take two).
        original = (
            ArticleText.objects.select_related("article")
            .filter(article_id=article_id, status=ArticleText.Status.ORIGINAL)
            .first()
        )
        if original is None:
            return  # gone, or no original: nothing shows an outlet's picture
        article = original.article
        known: list[Arrival] = []
        for url in fetchable_addresses(original.blocks):
            if url in self._waiting:
                self._waiting[url].append(article_id)
                continue
            row = None if url in unknown else cached(url)
            if row is not None:
                known.append(Arrival(url, row))
                continue
            self._waiting[url] = [article_id]
            future = self._pool.submit(download, url, article.fetched_url or article.source_url, self.fetcher)
            self._futures[future] = url
        if known:
            self._apply({article_id: known})

    def poll(self) -> None:
        """Attach what has arrived, without waiting."""
        self._settle([f for f in self._futures if f.done()])

    def drain(self, timeout: float | None = None) -> ImageCounts:
        """Wait for every download (at most ``timeout`` seconds) and attach it; the counts so far."""
        end = None if timeout is None else time.monotonic() + timeout
        while self._futures:
            left = None if end is None else max(0.0, end - time.monotonic())
            done, _ = concurrent.futures.wait(
                list(self._futures), timeout=left, return_when=concurrent.futures.FIRST_COMPLETED
            )
            if not done:
                break
            time.sleep(ATTACH_BATCH_WAIT)  # pictures of one article tend to arrive together
            self._settle([f for f in self._futures if f.done()])
        self.counts.pending = sum(len(self._waiting.get(url, [])) for url in self._futures.values())
        return self.counts

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ImageAttacher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _settle(self, done: list[concurrent.futures.Future[Downloaded | Refused]]) -> None:
        """Remember each finished download, then attach them one transaction per article."""
        arrived: dict[int, list[Arrival]] = {}
        finished: list[tuple[str, list[int], Downloaded | Refused]] = []
        for future in done:
            url = self._futures.pop(future)
            articles = self._waiting.pop(url, [])
            try:
                result = future.result()
            except Exception as exc:  # a bug costs this picture, never the run
                log.exception("image %s: unexpected error", url)
                result = Refused(url, ImageFetch.Outcome.FAILED, f"internal: {type(exc).__name__}: {exc}")
            finished.append((url, articles, result))
        try:
            recorded = remember_all([result for _url, _articles, result in finished])
        except Exception as exc:  # e.g. another process recorded one meanwhile: one at a time, as before
            log.info("images recorded one at a time (%s: %s)", type(exc).__name__, exc)
            recorded = {}
        for url, articles, result in finished:
            try:
                row = recorded.get(url) or remember(result)
            except Exception as exc:
                log.exception("image %s not recorded", url)
                self._lost(url, articles, exc, result)
                continue
            content = result.content if isinstance(result, Downloaded) else None
            for article_id in articles:
                arrived.setdefault(article_id, []).append(Arrival(url, row, content))
        self._apply(arrived)

    def _apply(self, arrived: dict[int, list[Arrival]]) -> None:
        # Pictures that arrived together: one page-cache bump for all their articles (and the
        # attaches' other after-commit work once per article), not one per transaction.
        with deferred(coalesce=True):
            self._attach(arrived)

    def _attach(self, arrived: dict[int, list[Arrival]]) -> None:
        for article_id, items in arrived.items():
            try:
                attach_arrived(article_id, items)
            except Exception as exc:
                log.exception("images of article %s not attached", article_id)
                for item in items:
                    self.counts.failed += 1
                    self.counts.failures.append((item.url, f"not attached: {type(exc).__name__}: {exc}"))
                continue
            for item in items:
                if item.row.outcome == ImageFetch.Outcome.STORED:
                    self.counts.attached += 1
                elif item.row.outcome == ImageFetch.Outcome.SKIPPED:
                    self.counts.skipped += 1
                else:
                    log.warning(
                        "image %s of article %s not stored: %s", item.url, article_id, item.row.reason
                    )
                    self.counts.failed += 1
                    self.counts.failures.append((item.url, item.row.reason))

    def _lost(self, url: str, articles: list[int], exc: Exception, result: Downloaded | Refused) -> None:
        self.counts.failed += len(articles)
        self.counts.failures.append((url, f"not recorded: {type(exc).__name__}: {exc}"))
        if isinstance(result, Downloaded) and result.written:
            media_files.delete_unreferenced([result.name])
