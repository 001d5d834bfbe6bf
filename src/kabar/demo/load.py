"""Load the sample outlet through the real ingestion path, then its human translations.

Used by ``kabar demo`` and by the tests. The outlet is served over HTTP on
loopback (its Source is marked ``allow_private``) and ingested from its RSS feed
exactly as a partner's feed would be; the people-kept section names and the
newsroom's human translations are added afterwards, as editors would.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from kabar.core.types import Block
from kabar.demo import OUTLET_DIR
from kabar.demo.server import OutletServer
from kabar.ingest.service import Summary, ingest
from kabar.ingest.store import unique_slug
from kabar.news.models import Article, ArticleText, Outlet, Section, Source

log = logging.getLogger("kabar.demo")

OUTLET_NAME = "Báo Sông Hồng"


@dataclass
class DemoResult:
    summary: Summary
    translations: int
    outlet: Outlet


def load_sections(root: Path = OUTLET_DIR) -> None:
    for position, entry in enumerate(json.loads((root / "sections.json").read_text(encoding="utf-8"))):
        Section.objects.update_or_create(
            slug=entry["slug"], defaults={"names": entry["names"], "position": position}
        )


def load_demo(server: OutletServer, root: Path = OUTLET_DIR) -> DemoResult:
    """Ingest the outlet served by ``server``; add sections and human translations."""
    load_sections(root)
    outlet, _ = Outlet.objects.update_or_create(
        slug="bao-song-hong",
        defaults={
            "name": OUTLET_NAME,
            "home_url": server.url + "/",
            "language": "vi",
            "licence": "Fictional sample outlet written for the kabar demo; all people and events are invented.",
        },
    )
    source, _ = Source.objects.update_or_create(
        outlet=outlet,
        kind=Source.Kind.FEED,
        defaults={"url": f"{server.url}/rss.xml", "schedule_minutes": 0},
    )
    # The operator runs the demo, so the operator approves its outlet on loopback (no user).
    source.grant_private_access(by=None)
    source.save()
    summary = ingest(source.url, outlet=outlet, kind="feed", allow_private=True, source=source)
    return DemoResult(summary, load_translations(root), outlet)


def load_translations(root: Path) -> int:
    """Add the newsroom's human translations (``translations/<slug>.<lang>.json``) not loaded yet."""
    added = 0
    for path in sorted((root / "translations").glob("*.json")):
        slug, language = path.stem.rsplit(".", 1)
        data = json.loads(path.read_text(encoding="utf-8"))
        article = _article_for_page(slug)
        if article is None:
            log.warning("translation %s: no ingested article for %s", path.name, slug)
            continue
        if article.texts.filter(language=language).exists():
            continue  # never overwrite what editors may have changed since the first load
        original = article.texts.get(status=ArticleText.Status.ORIGINAL)
        try:
            blocks = translated_blocks(original.blocks, data["paragraphs"], data.get("captions", []))
        except ValueError as exc:
            log.warning("translation %s not loaded: %s", path.name, exc)
            continue
        ArticleText.objects.create(
            article=article,
            language=language,
            title=data["title"],
            lead=data.get("lead", ""),
            blocks=blocks,
            slug=unique_slug(language, data["title"]),
            status=ArticleText.Status.HUMAN,
            translated_from=article.source_language,
        )
        added += 1
    return added


def _article_for_page(slug: str) -> Article | None:
    return Article.objects.filter(source_url__endswith=f"/{slug}.html").first()


def translated_blocks(original: list[Block], paragraphs: list[str], captions: list[str]) -> list[Block]:
    """The original's block structure with the translator's text in place of the original words.

    Raises ``ValueError`` when the counts differ: a misaligned translation is worse than none.
    """
    wanted = sum(
        len(b["items"]) if b["type"] == "list" else 0 if b["type"] == "image" else 1 for b in original
    )
    images = sum(b["type"] == "image" for b in original)
    if wanted != len(paragraphs) or (captions and images != len(captions)):
        raise ValueError(
            f"translation has {len(paragraphs)} paragraphs and {len(captions)} captions; "
            f"the stored original has {wanted} and {images}"
        )
    texts = iter(paragraphs)
    caps = iter(captions)
    blocks: list[Block] = []
    for block in original:
        if block["type"] == "image":
            blocks.append({**block, "caption": next(caps, block.get("caption", ""))})
        elif block["type"] == "list":
            blocks.append({**block, "items": [next(texts, item) for item in block["items"]]})
        else:
            blocks.append({**block, "text": next(texts, block["text"])})
    return blocks
