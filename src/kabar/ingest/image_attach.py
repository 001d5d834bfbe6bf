"""Attaching fetched pictures to a stored article: one short transaction per article and batch.

Each arrived picture (``Arrival``: its address and its ``ImageFetch`` row) changes every text
of the article whose image block shows that address: a stored picture gets the stored file's
``src`` and size (and its ``Media`` row the file), a picture judged too small is taken out
(only while the original is the article's only text; see ``kabar.ingest.images``), a failed
one is left as it is. The texts are written with their rendered HTML and without save()'s
signals (a picture arriving is no editorial change: no webhook, no re-indexing), so the
article's page cache tags are bumped here (``kabar.pagecache.receivers.record``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from kabar.core.types import Block
from kabar.ingest import media_files
from kabar.ingest.models import ImageFetch
from kabar.news.models import Article, ArticleText, Media
from kabar.pagecache.receivers import ALL_LANGUAGES, record


@dataclass(frozen=True)
class Arrival:
    url: str
    row: ImageFetch
    content: bytes | None = None  # the bytes just downloaded (restored after commit if deleted meanwhile)


def attach_arrived(article_id: int, arrived: list[Arrival]) -> None:
    stored = {a.url: a.row for a in arrived if a.row.outcome == ImageFetch.Outcome.STORED}
    small = {a.url for a in arrived if a.row.outcome == ImageFetch.Outcome.SKIPPED}
    if not stored and not small:
        return  # failures only: the blocks keep the outlet's address
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            return
        texts = list(article.texts.all())
        if any(t.status != ArticleText.Status.ORIGINAL for t in texts):
            small = set()  # translations share the blocks' positions: nothing is taken out
        original = next((t for t in texts if t.status == ArticleText.Status.ORIGINAL), None)
        _update_media(article, original.blocks if original else [], stored, small)
        changed = False
        for text in texts:
            blocks = _new_blocks(text.blocks, stored, small)
            if blocks != text.blocks:
                text.blocks = blocks
                text.refresh_rendered()
                ArticleText._base_manager.filter(pk=text.pk).update(
                    blocks=text.blocks,
                    rendered_body=text.rendered_body,
                    rendered_summary=text.rendered_summary,
                )
                changed = True
        if changed:
            record(articles={article_id: ALL_LANGUAGES})
        saved = [(a.row.name, a.content) for a in arrived if a.content is not None and a.url in stored]
        if saved:
            transaction.on_commit(lambda: media_files.restore_missing(saved))


def _new_blocks(blocks: list[Block], stored: dict[str, ImageFetch], small: set[str]) -> list[Block]:
    out = []
    for block in blocks:
        src = block.get("src") if block.get("type") == "image" else None
        if src in small:
            continue
        if src in stored:
            row = stored[src]
            block = {**block, "src": media_files.src_of(row.name)}
            if row.width and row.height:
                block.update(width=row.width, height=row.height)
        out.append(block)
    return out


def _update_media(
    article: Article, original: list[Block], stored: dict[str, ImageFetch], small: set[str]
) -> None:
    """Give the Media rows of the arrived pictures their files; delete those of pictures taken out.

    ``store_article`` makes one row per image block, in block order; a row knows the outlet's
    address only for a web picture (``Media.url``), so rows are paired with the original's
    blocks by order, and by address where the two no longer line up (an editor added one).
    """
    image_blocks = [b for b in original if b.get("type") == "image"]
    rows = list(article.media.order_by("pk"))
    if len(rows) == len(image_blocks):
        pairs = [(m, str(b.get("src", ""))) for m, b in zip(rows, image_blocks, strict=True)]
    else:
        pairs = [(m, m.url) for m in rows]
    for media, src in pairs:
        if media.image:
            continue
        if src in stored:
            row = stored[src]
            media.image.name = row.name
            media.width, media.height = row.width, row.height
            media.save(update_fields=["image", "width", "height"])
        elif src in small:
            Media.objects.filter(pk=media.pk).delete()
