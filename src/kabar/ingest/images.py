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
import urllib.parse
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
from kabar.core.types import Extracted
from kabar.ingest import media_files
from kabar.ingest.models import ImageFetch
from kabar.news.models import Article, ArticleText, Media
from kabar.pagecache.receivers import ALL_LANGUAGES, record

log = logging.getLogger("kabar.ingest")

MAX_IMAGE_BYTES = 8_000_000
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
IMAGE_THREADS = 8
# Image servers are CDNs built for browsers, which fetch a page's pictures six at a time.
IMAGE_HOST_CONCURRENCY = 4
IMAGE_HOST_DELAY = 0.1
RETRY_FAILED_AFTER = timedelta(hours=6)
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


def remember(result: Downloaded | Refused) -> ImageFetch:
    values = {"url": result.url, "fetched_at": timezone.now()}
    if isinstance(result, Downloaded):
        values.update(outcome=ImageFetch.Outcome.STORED, name=result.name, width=result.width)
        values.update(height=result.height, reason="")
    else:
        values.update(outcome=result.outcome, name="", width=None, height=None, reason=result.reason[:2000])
    row, created = ImageFetch.objects.get_or_create(url_hash=url_hash(result.url), defaults=values)
    if not created:
        for key, value in values.items():
            setattr(row, key, value)
        row.attempts += 1
        row.save()
    return row


@dataclass(frozen=True)
class StoredImage:
    """A picture already in media storage (fetched for an earlier article): what a block needs of it."""

    name: str
    width: int | None
    height: int | None


def stored_images(doc: Extracted) -> dict[str, StoredImage | None]:
    """The document's pictures already known by address: stored (``StoredImage``) or not content (None).

    ``store_article`` uses them at once; the rest are left to the attacher.
    """
    known: dict[str, StoredImage | None] = {}
    for image in doc.images:
        if image.src in known or not is_fetchable(image.src):
            continue
        row = cached(image.src)
        if row is not None and row.outcome == ImageFetch.Outcome.STORED:
            known[image.src] = StoredImage(row.name, row.width, row.height)
        elif row is not None and row.outcome == ImageFetch.Outcome.SKIPPED:
            known[image.src] = None
    return known


def waiting_images(article: Article) -> list[str]:
    """The outlet addresses the article's original still shows, in page order, each once."""
    original = article.texts.filter(status=ArticleText.Status.ORIGINAL).first()
    blocks = original.blocks if original is not None else []
    return list(
        dict.fromkeys(
            str(b.get("src", ""))
            for b in blocks
            if b.get("type") == "image" and is_fetchable(str(b.get("src", "")))
        )
    )


def attach(article_id: int, url: str, row: ImageFetch, *, content: bytes | None = None) -> bool:
    """Point the article's blocks and Media rows for ``url`` at the stored file; False when nothing used it."""
    src = media_files.src_of(row.name)
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            return False
        rows = _media_rows_for(article, url)
        changed = []
        for text in article.texts.all():
            blocks, hit = [], False
            for block in text.blocks:
                if block.get("type") == "image" and block.get("src") == url:
                    block = {**block, "src": src}
                    if row.width and row.height:
                        block.update(width=row.width, height=row.height)
                    hit = True
                blocks.append(block)
            if hit:
                text.blocks = blocks
                changed.append(text)
        if changed:
            ArticleText.objects.bulk_update(changed, ["blocks"])
        for media in rows:
            media.image.name = row.name
            media.width, media.height = row.width, row.height
            media.save(update_fields=["image", "width", "height"])
        record(articles={article_id: ALL_LANGUAGES})  # texts changed by bulk_update send no signal
        if content is not None:
            transaction.on_commit(lambda: media_files.restore_missing([(row.name, content)]))
    return bool(changed)


def drop_small(article_id: int, url: str) -> None:
    """Take a too-small picture out of an article that has only its original text (see the module docstring)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None or article.texts.exclude(status=ArticleText.Status.ORIGINAL).exists():
            return
        original = article.texts.filter(status=ArticleText.Status.ORIGINAL).first()
        if original is None:
            return
        kept = [b for b in original.blocks if not (b.get("type") == "image" and b.get("src") == url)]
        if len(kept) != len(original.blocks):
            rows = _media_rows_for(article, url)
            original.blocks = kept
            ArticleText.objects.bulk_update([original], ["blocks"])
            Media.objects.filter(pk__in=[m.pk for m in rows]).delete()
            record(articles={article_id: ALL_LANGUAGES})


def _media_rows_for(article: Article, url: str) -> list[Media]:
    """The article's Media rows, without a file yet, of the original's image blocks showing ``url``.

    ``store_article`` makes one row per image block, in block order; a row knows the outlet's
    address only for a web picture (``Media.url``), so rows are paired with blocks by order,
    and by address where the two no longer line up (an editor added or removed one).
    """
    original = article.texts.filter(status=ArticleText.Status.ORIGINAL).first()
    image_blocks = [b for b in (original.blocks if original else []) if b.get("type") == "image"]
    rows = list(article.media.order_by("pk"))
    if len(rows) == len(image_blocks):
        return [m for m, b in zip(rows, image_blocks, strict=True) if b.get("src") == url and not m.image]
    return [m for m in rows if m.url == url and not m.image]


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

    def add(self, article_id: int) -> None:
        """Start on the images ``article_id`` still shows from the outlet (its row is committed)."""
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            return
        for url in waiting_images(article):
            if url in self._waiting:
                self._waiting[url].append(article_id)
                continue
            known = cached(url)
            if known is not None:
                self._apply(url, known, [article_id])
                continue
            self._waiting[url] = [article_id]
            future = self._pool.submit(download, url, article.fetched_url or article.source_url, self.fetcher)
            self._futures[future] = url

    def poll(self) -> None:
        """Attach what has arrived, without waiting."""
        for future in [f for f in self._futures if f.done()]:
            self._settle(future)

    def drain(self, timeout: float | None = None) -> ImageCounts:
        """Wait for every download (at most ``timeout`` seconds) and attach it; the counts so far."""
        try:
            for future in concurrent.futures.as_completed(list(self._futures), timeout=timeout):
                self._settle(future)
        except concurrent.futures.TimeoutError:
            pass
        self.counts.pending = sum(len(self._waiting.get(url, [])) for url in self._futures.values())
        return self.counts

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ImageAttacher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _settle(self, future: concurrent.futures.Future[Downloaded | Refused]) -> None:
        url = self._futures.pop(future)
        articles = self._waiting.pop(url, [])
        try:
            result = future.result()
        except Exception as exc:  # a bug costs this picture, never the run
            log.exception("image %s: unexpected error", url)
            result = Refused(url, ImageFetch.Outcome.FAILED, f"internal: {type(exc).__name__}: {exc}")
        try:
            row = remember(result)
            self._apply(
                url, row, articles, content=result.content if isinstance(result, Downloaded) else None
            )
        except Exception as exc:
            log.exception("image %s not attached", url)
            self.counts.failed += len(articles)
            self.counts.failures.append((url, f"not attached: {type(exc).__name__}: {exc}"))
            if isinstance(result, Downloaded) and result.written:
                media_files.delete_unreferenced([result.name])

    def _apply(self, url: str, row: ImageFetch, articles: list[int], *, content: bytes | None = None) -> None:
        for article_id in articles:
            if row.outcome == ImageFetch.Outcome.STORED:
                attach(article_id, url, row, content=content)
                self.counts.attached += 1
            elif row.outcome == ImageFetch.Outcome.SKIPPED:
                drop_small(article_id, url)
                self.counts.skipped += 1
            else:
                log.warning("image %s of article %s not stored: %s", url, article_id, row.reason)
                self.counts.failed += 1
                self.counts.failures.append((url, row.reason))
