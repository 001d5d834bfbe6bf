"""Published pages written as files for nginx (``KABAR_STATIC_PUBLISH_DIR``; empty: off).

After the page cache bumps tags (``tasks.after_bump``, after the commit), ``publish_pages`` runs as
a task with the same tags and rewrites the files of exactly the pages they touch:

* the pages the tags name: ``article:X`` → every published text of X, ``home:L`` → the home page
  of L, ``section:S:L`` → the first page of section S in L;
* every file already written whose own tags (its ``Surrogate-Key``, kept in a small SQLite
  manifest under ``.kabar/``) meet the bumped ones — so an unpublished text, or the old slug of a
  renamed one, is rendered again, answers 404, and its file is removed.

A page is rendered by an internal request through the whole middleware stack (the page cache
included), so the file holds the bytes a reader gets from kabar. The layout is the URL plus
``index.html`` (``/vi/2025/10/slug/`` → ``<dir>/vi/2025/10/slug/index.html``) with a ``.gz`` beside
it, for ``try_files $uri $uri/index.html @kabar`` and ``gzip_static on``; each file is written to
a temporary name and ``os.replace``-d, so nginx never serves half a page.

Several workers publish at once, and two tasks may render the same page (an image stored, then a
correction). Rendering and writing a page hold a lock on its path (``flock`` on one of
``LOCK_STRIPES`` files under ``.kabar/locks/``): otherwise a render begun before an edit's commit
could finish after the render that followed it and put the stale page back. With the lock, the
last file written is always the last one rendered.

When an edit touches more than ``MAX_RENDERS`` written pages (a renamed section: ``site`` is on
every page), only the pages the tags name are rendered; the other files are removed, and nginx
hands those URLs to kabar (and its page cache) until their next edit. A failure is logged and the
file concerned removed (a stale file would outlive the edit); it never reaches the edit itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from kabar.news.models import ArticleText, Section
from kabar.pagecache import versions as tag_versions

log = logging.getLogger("kabar.pagecache")

MAX_RENDERS = 200
MANIFEST = Path(".kabar") / "published.sqlite3"
LOCKS = Path(".kabar") / "locks"
LOCK_STRIPES = 64  # pages share lock files by hash: a bounded number of files, rare waits
_HOME = re.compile(r"^home:([\w-]+)$")
_SECTION = re.compile(r"^section:(\d+):([\w-]+)$")
_ARTICLE = re.compile(r"^article:(\d+)$")


def enabled() -> bool:
    return bool(settings.STATIC_PUBLISH_DIR)


def root() -> Path:
    return Path(settings.STATIC_PUBLISH_DIR).expanduser().resolve()


def file_for(path: str) -> Path:
    """Where the page at URL ``path`` is written; refuses anything outside the directory."""
    base = root()
    target = (base / path.strip("/") / "index.html").resolve()
    if base not in target.parents:
        raise ValueError(f"not a page path: {path!r}")
    return target


# --- the manifest: which files exist, with the tags each page depends on --------------------------


@contextlib.contextmanager
def _manifest() -> Iterator[sqlite3.Connection]:
    where = root() / MANIFEST
    where.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(where, timeout=30)  # several workers may publish at once: wait, don't fail
    try:
        db.execute("CREATE TABLE IF NOT EXISTS page_tag (path TEXT NOT NULL, tag TEXT NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS page_tag_tag ON page_tag (tag)")
        db.execute("CREATE INDEX IF NOT EXISTS page_tag_path ON page_tag (path)")
        with db:
            yield db
    finally:
        db.close()


def written_with(tags: Iterable[str]) -> set[str]:
    """Paths of written pages that depend on any of ``tags``."""
    tags = list(tags)
    found: set[str] = set()
    with _manifest() as db:
        for start in range(0, len(tags), 500):
            chunk = tags[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found |= {
                row[0] for row in db.execute(f"SELECT path FROM page_tag WHERE tag IN ({marks})", chunk)
            }
    return found


def _remember(path: str, tags: Iterable[str] | None) -> None:
    with _manifest() as db:
        db.execute("DELETE FROM page_tag WHERE path = ?", [path])
        if tags is not None:
            db.executemany("INSERT INTO page_tag (path, tag) VALUES (?, ?)", [(path, tag) for tag in tags])


# --- which pages the tags name -------------------------------------------------------------------


def named_pages(tags: Iterable[str]) -> set[str]:
    """URL paths of the article, home and section first pages the tags name directly."""
    languages = {code for code, _name in settings.LANGUAGES}
    found: set[str] = set()
    article_ids, sections = set(), set()
    for tag in tags:
        if (home := _HOME.match(tag)) and home[1] in languages:
            with translation.override(home[1]):
                found.add(reverse("site:home"))
        elif (section := _SECTION.match(tag)) and section[2] in languages:
            sections.add((int(section[1]), section[2]))
        elif article := _ARTICLE.match(tag):
            article_ids.add(int(article[1]))
    slugs = dict(Section.objects.filter(pk__in={pk for pk, _ in sections}).values_list("pk", "slug"))
    for pk, code in sections:
        if pk in slugs:
            with translation.override(code):
                found.add(reverse("site:section", kwargs={"section": slugs[pk]}))
    texts = ArticleText.objects.filter(article_id__in=article_ids, is_published=True, language__in=languages)
    for text in texts.select_related("article"):
        with translation.override(text.language):
            found.add(text.get_absolute_url())
    return found


# --- rendering and writing -------------------------------------------------------------------------


def _client() -> Client:
    # An internal request through the same middleware as a reader's (no network, no cookie).
    site = urlsplit(settings.SITE_URL)
    return Client(HTTP_HOST=site.netloc or "localhost", secure=site.scheme == "https")


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600: nginx's user must read it
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def page_lock(path: str) -> Iterator[None]:
    """Hold the lock of ``path`` (shared with the other paths of its stripe) across processes."""
    stripe = int(hashlib.sha1(path.encode()).hexdigest(), 16) % LOCK_STRIPES
    where = root() / LOCKS / f"{stripe:02d}.lock"
    where.parent.mkdir(parents=True, exist_ok=True)
    with open(where, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed, a crash included
        yield


def remove(path: str) -> None:
    target = file_for(path)
    # The page first: without it try_files goes to kabar, whatever the .gz.
    for name in (target, target.with_name(target.name + ".gz")):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()
    _remember(path, None)


def publish(path: str, client: Client | None = None) -> bool:
    """Render ``path`` as an anonymous reader gets it and write it (True), or remove its file (False)."""
    with page_lock(path):
        return _publish(path, client or _client())


def _publish(path: str, client: Client) -> bool:
    response = client.get(path)
    page_tags = response.get("Surrogate-Key", "").split()
    # Only a public page the page cache would keep: a 404 (unpublished, old slug) or redirect is removed.
    if response.status_code != 200 or not page_tags or response.cookies:
        if response.status_code not in (200, 301, 302, 404, 410):  # 400: KABAR_SITE_URL's host not allowed?
            log.warning("static page %s not published: kabar answered %d", path, response.status_code)
        remove(path)
        return False
    body = response.content
    target = file_for(path)
    # The .gz first: nginx chooses by the page's presence, and the new .gz with the old page is no harm.
    _write(target.with_name(target.name + ".gz"), gzip.compress(body, compresslevel=9, mtime=0))
    _write(target, body)
    _remember(path, page_tags)
    return True


@task(queue_name="default")
def publish_pages(tags: list[str], versions: dict[str, str] | None = None) -> dict[str, int]:
    """Rewrite or remove the files of the pages ``tags`` touch (see the module docstring).

    ``versions`` are the tags' versions the bump gave them: a tag bumped again since is left out,
    because the task that later bump queued renders its pages, from newer data.
    """
    counts = {"written": 0, "removed": 0, "failed": 0, "superseded": 0}
    if not enabled():
        return counts
    try:
        if versions:
            later = tag_versions.bumped_since({t: v for t, v in versions.items() if t in set(tags)})
            counts["superseded"] = len(later)
            tags = [t for t in tags if t not in later]
            if not tags:
                return counts
        named = named_pages(tags)
        affected = written_with(tags) - named
        dropped: set[str] = set()
        if len(named) + len(affected) > MAX_RENDERS:
            dropped, affected = affected, set()
    except Exception as exc:  # noqa: BLE001 - the edit stands; the files stay until the next one
        log.error("static publishing skipped for %d tags (%s)", len(tags), exc)
        counts["failed"] += 1
        return counts
    client = _client()
    for path in sorted(named | affected | dropped):
        try:
            if path not in dropped and publish(path, client):
                counts["written"] += 1
            else:
                if path in dropped:
                    with page_lock(path):
                        remove(path)
                counts["removed"] += 1
        except Exception as exc:  # noqa: BLE001 - one page failing must not stop the others
            counts["failed"] += 1
            log.error("static page %s not published (%s: %s)", path, type(exc).__name__, exc)
            with contextlib.suppress(Exception), page_lock(path):
                remove(path)  # a stale file would keep showing what the edit changed
    if counts["failed"]:
        log.warning("static publishing: %s", counts)
    return counts
