"""Store an extracted article: idempotent, revisioned, one transaction per article.

* the same canonical URL updates the article instead of creating a second one;
* an unchanged content hash writes nothing;
* changed content keeps a revision of the old original and marks every
  non-original text ``stale``;
* a near-duplicate at another URL is linked as an alias of the first article;
* two documents read at different places that name one canonical URL but differ
  in content do not overwrite each other: the copy read at the canonical URL
  itself wins, otherwise the one stored first stays, and the other is refused
  (recorded as a failure naming both places), so re-ingesting is a no-op;
* image files are stored under content names and a replaced file is deleted only
  after commit (see ``kabar.ingest.media_files``); a failed store removes the
  files it wrote.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Literal

from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kabar.core.blocks import block_text, validate_blocks
from kabar.core.errors import StageError
from kabar.core.sources import file_uri
from kabar.core.text import dedup
from kabar.core.text.section_labels import match_section
from kabar.core.types import Block, Extracted, Provenance, RawDocument
from kabar.ingest import media_files
from kabar.ingest.images import StoredImage
from kabar.ingest.republication import (
    apply_provenance,
    article_address,
    link_waiting_republications,
    republication_of,
)
from kabar.news.models import (
    Article,
    ArticleAlias,
    ArticleRevision,
    ArticleText,
    Author,
    Media,
    Outlet,
    Section,
)
from kabar.news.section_map import outlet_mappings
from kabar.news.signals import original_changed

log = logging.getLogger("kabar.ingest")

Status = Literal["new", "updated", "unchanged", "duplicate"]


@dataclass(frozen=True)
class StoreResult:
    status: Status
    article: Article
    similarity: float | None = None


def content_hash(doc: Extracted) -> str:
    """Hash of what readers see of the original; metadata-only changes do not count."""
    payload = json.dumps([doc.title, doc.lead, doc.blocks], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def full_text(doc: Extracted) -> str:
    return "\n".join([doc.title, doc.lead, *doc.paragraphs])


def make_slug(text: str, *, max_length: int = 80) -> str:
    # slugify drops letters that do not decompose to ASCII; Vietnamese đ is one of them.
    ascii_ready = text.replace("đ", "d").replace("Đ", "D")
    return slugify(ascii_ready)[:max_length].strip("-") or "article"


def unique_slug(language: str, title: str, *, exclude_article: int | None = None) -> str:
    base = make_slug(title)
    slug, n = base, 1
    taken = ArticleText.objects.filter(language=language)
    if exclude_article is not None:
        taken = taken.exclude(article_id=exclude_article)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def section_for(label: str, outlet: Outlet, url: str = "") -> Section | None:
    """The section for an outlet's own section ``label`` (or the article's ``url`` path).

    Editors decide: the outlet's ``SectionMapping`` (label or path prefix, case and diacritics
    folded) names the section. Failing that, an existing section named exactly so (its slug or a
    name in any language, ignoring case) is taken, which is how the sample outlets' labels find
    the sections the demo loads. Any other label files the article under the built-in "unsorted"
    section, which readers never see, until an editor maps it; ingestion never creates a section.
    No label and no mapped path: no section.
    """
    label = label.strip()
    mapped = match_section(label, url, outlet_mappings(outlet))
    if mapped is not None:
        return Section.objects.get(pk=mapped)
    if not label:
        return None
    slug = make_slug(label, max_length=60)
    folded = label.casefold()
    for section in Section.objects.public():
        if section.slug == slug or any(v.casefold() == folded for v in (section.names or {}).values()):
            return section
    return Section.objects.unsorted()


def authors_for(names: list[str], outlet: Outlet) -> list[Author]:
    """The outlet's authors by these names; two outlets' journalists who share a name stay two people."""
    wanted = [(name, make_slug(name, max_length=150)) for name in (n.strip() for n in names) if name]
    if not wanted:
        return []
    # One query for the outlet's authors of every name (each name takes the first, as .first() would).
    mine = Author.objects.filter(
        outlet=outlet, slug__in=[s for _, base in wanted for s in (base, f"{base}-{outlet.slug}")]
    )
    known: dict[str, tuple[int, Author]] = {}  # slug -> (place in that ordering, author)
    for place, author in enumerate(mine if mine.ordered else mine.order_by("pk")):
        known.setdefault(author.slug, (place, author))
    found = []
    for name, base in wanted:
        candidates = [known[slug] for slug in (base, f"{base}-{outlet.slug}") if slug in known]
        if candidates:
            author = min(candidates, key=lambda c: c[0])[1]  # both taken: the first, as before
        else:
            taken = Author.objects.filter(slug=base).exists()
            author = Author.objects.create(
                name=name, outlet=outlet, slug=f"{base}-{outlet.slug}" if taken else base
            )
            known[author.slug] = (len(known), author)
        found.append(author)
    return found


def changed_block_indexes(old: list[Block], new: list[Block]) -> list[int]:
    """Indexes of ``new`` blocks whose text is not the same as at that position before."""
    return [i for i, block in enumerate(new) if i >= len(old) or block_text(old[i]) != block_text(block)]


def near_duplicate_index(window_days: int = 60) -> dedup.NearDuplicateIndex:
    """An index of recent articles' signatures, built once per ingest run."""
    index = dedup.NearDuplicateIndex()
    since = timezone.now() - timedelta(days=window_days)
    for pk, sig in (
        Article.objects.filter(created_at__gte=since).exclude(minhash=b"").values_list("pk", "minhash")
    ):
        index.add(str(pk), dedup.from_bytes(bytes(sig)))
    return index


def fetched_location(raw: RawDocument) -> str:
    """Where ``raw`` was read: its file for a saved page (whose URL is the canonical link it names), else its URL.

    Two saved copies of one page both carry the page's canonical URL; only their files tell them apart.
    """
    path = raw.hints.get("path")
    return file_uri(Path(path)) if isinstance(path, str) and path else raw.url


def may_replace(article: Article, fetched_url: str) -> bool:
    """Whether a copy read at ``fetched_url`` may replace ``article``'s stored original.

    The rule, so that two documents naming one canonical URL stop taking turns:
    the same place read again is the outlet updating its page; the page read at
    the canonical URL itself speaks for the article and wins over any other copy;
    otherwise the copy stored first stays. An article stored before kabar recorded
    where its copy came from (empty ``fetched_url``) takes the next copy as its own.
    """
    stored_from = article.fetched_url
    return not stored_from or stored_from == fetched_url or fetched_url == article.source_url


def store_article(
    doc: Extracted,
    *,
    outlet: Outlet,
    images: Mapping[str, ContentFile[bytes] | StoredImage | None] | None = None,
    index: dedup.NearDuplicateIndex | None = None,
    fetched_url: str | None = None,
) -> StoreResult:
    """Create, update or leave alone the article for ``doc`` — all or nothing.

    ``images`` maps an image block's src to downloaded bytes, or to a picture already
    stored (``kabar.ingest.images.StoredImage``), or to None for one that is no content image
    (its block is left out). Other image blocks keep the outlet's address: their pictures are
    fetched after the commit (``kabar.ingest.images``), so no network I/O happens while rows
    are locked. ``fetched_url``
    is where the document was read, when that is not ``doc.url`` (a saved file that
    names its canonical URL); conflicts between copies are decided on it.
    """
    validate_blocks(doc.blocks)
    republished = republication_of(doc, outlet)  # another outlet's article, republished here
    url = article_address(doc, outlet)
    fetched = (fetched_url or doc.url)[: Article._meta.get_field("fetched_url").max_length]
    language = doc.language or outlet.language
    digest = content_hash(doc)
    signature = dedup.signature(full_text(doc))
    saved = _SavedImages()
    try:
        with transaction.atomic():
            article = Article.objects.select_for_update().filter(source_url=url).first()
            if article is None:
                alias = ArticleAlias.objects.select_related("article").filter(url=url).first()
                if alias is not None:
                    return StoreResult("duplicate", alias.article, alias.similarity)
            if article is not None and article.outlet_id != outlet.pk:
                # A page may name any URL as its own; only the outlet that owns an article updates it.
                raise StageError(
                    f"refused: {url} belongs to an article of {article.outlet.name}, not {outlet.name}",
                    stage="store",
                )
            if article is not None and article.content_hash == digest:
                return StoreResult("unchanged", article)
            if article is not None and not may_replace(article, fetched):
                raise StageError(
                    f"conflict: {fetched} and {article.fetched_url} both give the canonical URL {url} "
                    f"with different content; kept the copy from {article.fetched_url} (stored first); "
                    "fix the page's canonical link or source line to keep both",
                    stage="store",
                )
            if article is None and index is not None and republished is None:
                match = index.best_match(signature)
                if match is not None:
                    first_seen = Article.objects.get(pk=int(match[0]))
                    ArticleAlias.objects.create(article=first_seen, url=url, similarity=match[1])
                    log.info("near-duplicate %s of article %s (%.2f)", url, first_seen.pk, match[1])
                    return StoreResult("duplicate", first_seen, match[1])
            created = article is None
            blocks, stored = _store_images(doc.blocks, images or {}, saved)
            if created:
                article = Article.objects.create(
                    outlet=outlet,
                    source_url=url,
                    fetched_url=fetched,
                    source_language=language,
                    section=section_for(doc.section, outlet, url),
                    section_label=doc.section.strip()[: Article._meta.get_field("section_label").max_length],
                    published_at=doc.published or timezone.now(),
                    updated_at=doc.updated,
                    content_hash=digest,
                    minhash=dedup.to_bytes(signature),
                    flags=list(doc.flags),
                )
                ArticleText.objects.create(
                    article=article,
                    language=language,
                    title=doc.title,
                    lead=doc.lead,
                    blocks=blocks,
                    slug=unique_slug(language, doc.title),
                    status=ArticleText.Status.ORIGINAL,
                )
                changed: list[int] | None = None
            else:
                assert article is not None
                original = article.texts.get(status=ArticleText.Status.ORIGINAL)
                ArticleRevision.objects.create(
                    article=article,
                    content_hash=article.content_hash,
                    title=original.title,
                    lead=original.lead,
                    blocks=original.blocks,
                )
                changed = changed_block_indexes(original.blocks, blocks)
                # Files only the old text named (a stored image no Media row had) go after commit too.
                replaced = media_files.stored_names(original.blocks)
                original.title, original.lead, original.blocks = doc.title, doc.lead, blocks
                original.save(update_fields=["title", "lead", "blocks", "modified_at"])
                article.texts.exclude(pk=original.pk).update(stale=True)
                article.content_hash = digest
                article.fetched_url = fetched
                article.minhash = dedup.to_bytes(signature)
                article.updated_at = doc.updated or timezone.now()
                article.flags = list(doc.flags)
                article.save()
                # Each deleted row's file is removed after commit unless still used (media_files).
                article.media.all().delete()
                media_files.delete_after_commit(replaced)
            _record_provenance(article, republished, created)
            article.authors.set(authors_for(doc.authors, outlet))
            _media_rows(article, blocks, language, stored)
            final_article = article
            transaction.on_commit(
                lambda: original_changed.send(
                    sender=Article, article=final_article, created=created, changed_blocks=changed
                )
            )
            transaction.on_commit(lambda: media_files.restore_missing(saved.used))
    except BaseException:
        saved.discard_written()
        raise
    if index is not None:
        index.add(str(article.pk), signature)
    return StoreResult("new" if created else "updated", article)


def _record_provenance(article: Article, republished: Provenance | None, created: bool) -> None:
    """Keep what the article republishes (and link it to its original); a new article adopts its copies."""
    before = (article.original_url, article.original_outlet, article.provenance, article.republished_from_id)
    apply_provenance(article, republished)
    after = (article.original_url, article.original_outlet, article.provenance, article.republished_from_id)
    if after != before:
        article.save(update_fields=["original_url", "original_outlet", "provenance", "republished_from"])
    if created:
        link_waiting_republications(article, aliases=False)  # created in this transaction: none yet


class _SavedImages:
    """The image files one store used: all of them (to restore), and those it wrote (to discard)."""

    def __init__(self) -> None:
        self.used: list[tuple[str, bytes]] = []
        self.written: list[str] = []

    def discard_written(self) -> None:
        """After a rollback: remove the files this store wrote, unless something uses them by now."""
        if self.written:
            media_files.delete_unreferenced(self.written)


def _store_images(
    blocks: list[Block], images: Mapping[str, ContentFile[bytes] | StoredImage | None], saved: _SavedImages
) -> tuple[list[Block], dict[str, str]]:
    """Save downloaded images to media storage; point blocks at the stored copies.

    Returns the new blocks and, per new src, the storage name (for ``Media.image``).
    """
    out: list[Block] = []
    stored: dict[str, str] = {}
    for block in blocks:
        is_image = block["type"] == "image"
        if is_image and block["src"] in images and images[block["src"]] is None:
            continue  # known from an earlier fetch to be no content image (an icon, a logo)
        upload = images.get(block["src"]) if is_image else None
        if isinstance(upload, StoredImage):
            media_files.touch(upload.name)  # in use again: media gc leaves it alone while this commits
            src = media_files.src_of(upload.name)
            stored[src] = upload.name
            block = {**block, "src": src}
            if upload.width and upload.height:
                block.update(width=upload.width, height=upload.height)
        elif upload is not None:
            upload.seek(0)
            content = upload.read()
            name, written = media_files.save_image(content, PurePosixPath(upload.name or "").suffix)
            saved.used.append((name, content))
            if written:
                saved.written.append(name)
            width, height = get_image_dimensions(ContentFile(content))
            src = media_files.src_of(name)
            stored[src] = name
            block = {**block, "src": src}
            if width and height:
                block.update(width=width, height=height)
        out.append(block)
    return out, stored


def _media_rows(article: Article, blocks: list[Block], language: str, stored: Mapping[str, str]) -> None:
    for block in blocks:
        if block["type"] == "image":
            Media.objects.create(
                article=article,
                image=stored.get(block["src"], ""),
                url=block["src"] if block["src"].startswith("http") else "",
                captions={language: block.get("caption", "")},
                credit=block.get("credit", ""),
                width=block.get("width"),
                height=block.get("height"),
            )
