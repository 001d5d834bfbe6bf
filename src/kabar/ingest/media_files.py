"""Stored image files: content-addressed names, deletion after commit, and finding orphans.

Why content-addressed (``articles/ab/<sha256>.png``) rather than django-cleanup:

* a document retried after a crash between saving its image and committing its
  rows finds its file under the same name and reuses it, so a crash leaves no
  orphan once the document is stored;
* the same picture used by two articles (or by an article's old and new Media
  rows during an update) is one file. django-cleanup deletes a row's file when
  the row goes, whoever else still uses it; here a file is deleted only after
  the deleting transaction commits, and only when no Media row, Outlet logo or
  text block still names it.

``find_orphans`` is what ``kabar media gc`` reports: files under MEDIA_ROOT that
nothing references, older than a grace period (a concurrent ingest may be
between saving a file and committing the row that names it).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.encoding import filepath_to_uri

from kabar.core.types import Block
from kabar.news.models import ArticleText, Media, Outlet

log = logging.getLogger("kabar.ingest")

IMAGE_FOLDER = "articles"
DEFAULT_GRACE = timedelta(hours=1)
_CHUNK = 1 << 16
_NAMES_PER_QUERY = 100  # one OR of LIKEs per batch stays far below SQLite's expression depth


def content_name(content: bytes, suffix: str) -> str:
    """The storage name of these bytes: the same picture always gets the same name."""
    digest = hashlib.sha256(content).hexdigest()
    return f"{IMAGE_FOLDER}/{digest[:2]}/{digest[2:34]}{suffix.lower() or '.jpg'}"


def save_image(content: bytes, suffix: str) -> tuple[str, bool]:
    """Store ``content`` under its content name: ``(name, written)``.

    ``written`` is False when an intact copy was already there (reused, and its
    modification time refreshed so that ``media gc`` leaves it alone while the
    caller's transaction is open). A copy that does not match its name — cut
    short by a crash while it was written — is replaced.
    """
    name = content_name(content, suffix)
    if default_storage.exists(name):
        if _stored_digest(name) == hashlib.sha256(content).hexdigest():
            _touch(name)
            return name, False
        log.warning("replacing %s: its bytes do not match its name (an interrupted write)", name)
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content)), True


def restore_missing(saved: Iterable[tuple[str, bytes]]) -> None:
    """Write again any of ``saved`` that is gone (deleted by a concurrent transaction that saw it unused)."""
    # Runs after the commit: an error here must not make a stored article look failed.
    for name, content in saved:
        try:
            if not default_storage.exists(name):
                log.warning("restoring %s, deleted while this transaction used it", name)
                default_storage.save(name, ContentFile(content))
        except Exception:
            log.exception("could not restore %s", name)


def src_of(name: str) -> str:
    """The ``src`` a text block uses for the stored file ``name``."""
    return default_storage.url(name)


def name_of_src(src: str) -> str | None:
    """The storage name a block's ``src`` points at, or None when it is not a stored file."""
    prefix = settings.MEDIA_URL
    if not prefix or not src.startswith(prefix):
        return None
    return urllib.parse.unquote(src[len(prefix) :].split("?", 1)[0].split("#", 1)[0]) or None


def _block_names(blocks: Any) -> Iterator[str]:
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "image":
            name = name_of_src(str(block.get("src", "")))
            if name:
                yield name


def referenced_names() -> set[str]:
    """Every storage name a Media row, an Outlet logo or a text's image block uses."""
    names: set[str] = set(Media.objects.exclude(image="").values_list("image", flat=True))
    names |= set(Outlet.objects.exclude(logo="").values_list("logo", flat=True))
    for blocks in ArticleText.objects.values_list("blocks", flat=True).iterator(chunk_size=500):
        names.update(_block_names(blocks))
    return names


def referenced_among(candidates: Iterable[str]) -> set[str]:
    """Which of ``candidates`` something still uses (for a few names: no scan of every file name)."""
    wanted = sorted(set(candidates))
    used: set[str] = set()
    for start in range(0, len(wanted), _NAMES_PER_QUERY):
        used |= _referenced_in_batch(set(wanted[start : start + _NAMES_PER_QUERY]))
    return used


def _referenced_in_batch(wanted: set[str]) -> set[str]:
    used = set(Media.objects.filter(image__in=wanted).values_list("image", flat=True))
    used |= set(Outlet.objects.filter(logo__in=wanted).values_list("logo", flat=True))
    # A JSON column's text holds the src as written, but a database may escape non-ASCII
    # characters in it: such names are kept (never deleted on a guess); gc finds them later.
    used |= {name for name in wanted if not name.isascii()}
    searchable = sorted(wanted - used)
    if searchable:
        match = Q()
        for name in searchable:
            match |= Q(blocks_text__contains=filepath_to_uri(name))
        texts = ArticleText.objects.annotate(blocks_text=Cast("blocks", TextField())).filter(match)
        for blocks in texts.values_list("blocks", flat=True).iterator(chunk_size=200):
            used.update(name for name in _block_names(blocks) if name in wanted)
    return used


def delete_unreferenced(names: Iterable[str]) -> list[str]:
    """Delete those of ``names`` that nothing uses any more; best effort. Returns what was deleted."""
    candidates = {name for name in names if name}
    deleted = []
    try:
        unused = candidates - referenced_among(candidates)
    except Exception:
        log.exception("could not check whether %d image files are still used; kept them", len(candidates))
        return []
    for name in sorted(unused):
        try:
            default_storage.delete(name)
        except Exception as exc:  # after a commit: a file left behind is gc's, not the caller's, problem
            log.warning("could not delete %s: %s (kabar media gc will list it)", name, exc)
            continue
        deleted.append(name)
    return deleted


def delete_after_commit(names: Iterable[str]) -> None:
    """Delete the files once the current transaction commits; a rollback keeps them (the rows are back)."""
    pending = sorted(set(names))
    if pending:
        transaction.on_commit(lambda: delete_unreferenced(pending))


@receiver(post_delete, sender=Media, dispatch_uid="kabar.ingest.media_files.media_deleted")
def media_deleted(sender: type[Media], instance: Media, **kwargs: Any) -> None:
    """A deleted Media row's file goes after commit, unless another row or text still uses it."""
    if instance.image:
        delete_after_commit([instance.image.name])


def stored_names(blocks: list[Block]) -> set[str]:
    """The stored files a list of blocks names."""
    return set(_block_names(blocks))


@dataclass(frozen=True)
class Orphan:
    name: str  # relative to MEDIA_ROOT, with forward slashes
    size: int
    modified: float  # seconds since the epoch


@dataclass(frozen=True)
class Survey:
    orphans: list[Orphan]
    too_young: int  # unreferenced files kept for now: younger than the grace period


def find_orphans(root: Path, *, grace: timedelta = DEFAULT_GRACE, now: float | None = None) -> Survey:
    """Files under ``root`` that nothing references, oldest first; too-young ones are only counted.

    Links are neither followed nor listed: a file outside MEDIA_ROOT is never kabar's to delete.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"MEDIA_ROOT {root} is not a folder")
    # The referenced set is read before the walk: a file saved after this point is younger than
    # the grace period when the walk reaches it, so a concurrent ingest cannot lose its image.
    used = referenced_names()
    cutoff = (time.time() if now is None else now) - grace.total_seconds()
    orphans, too_young = [], 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for filename in sorted(files):
            path = Path(folder, filename)
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            name = path.relative_to(root).as_posix()
            if name in used:
                continue
            if info.st_mtime > cutoff:
                too_young += 1
                continue
            orphans.append(Orphan(name, info.st_size, info.st_mtime))
    orphans.sort(key=lambda orphan: (orphan.modified, orphan.name))
    return Survey(orphans, too_young)


def delete_orphans(
    root: Path, orphans: Iterable[Orphan], *, grace: timedelta = DEFAULT_GRACE
) -> tuple[list[Orphan], list[tuple[Orphan, str]]]:
    """Delete what ``find_orphans`` listed: ``(deleted, [(orphan, why not), ...])``.

    Each file is checked again first, since the walk may have been a while ago: one that
    something now references, or that was touched within the grace period (an ingest reused
    it), is kept.
    """
    listed = list(orphans)
    now_used = referenced_names()
    cutoff = time.time() - grace.total_seconds()
    deleted, failed = [], []
    for orphan in listed:
        path = root / orphan.name
        try:
            info = path.lstat()
            if orphan.name in now_used or info.st_mtime > cutoff or not stat.S_ISREG(info.st_mode):
                continue
            path.unlink()
        except FileNotFoundError:
            continue  # gone already: nothing to do
        except OSError as exc:
            failed.append((orphan, exc.strerror or str(exc)))
            continue
        deleted.append(orphan)
    return deleted, failed


def _stored_digest(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def touch(name: str) -> None:
    """Mark a stored file as in use now: ``media gc`` spares files touched within its grace period."""
    _touch(name)


def _touch(name: str) -> None:
    # A storage without local paths keeps its first save's time: the grace period counts from that.
    with contextlib.suppress(NotImplementedError, OSError):
        os.utime(default_storage.path(name))
