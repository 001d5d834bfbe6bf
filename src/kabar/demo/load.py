"""Load the demo outlets through the real ingestion path, then translations and stories.

Used by ``kabar demo`` and by the tests. Báo Sông Hồng and its partner outlets are
served over HTTP on loopback (their Sources approved for private access by the
operator) and ingested from their RSS feeds exactly as partners' feeds would be; the
people-kept section names and the newsroom's human translations are added
afterwards, as editors would. Last, every article not yet in a story is put in one:
the online relate step only queues a task, and the demo runs no ``kabar worker``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from kabar.comments.demo import load_demo_comments
from kabar.core.types import Block
from kabar.demo import OUTLET_DIR, PartnerOutlet
from kabar.demo.server import OutletServer
from kabar.ingest.service import Summary, ingest
from kabar.ingest.store import unique_slug
from kabar.news.models import Article, ArticleText, Outlet, Section, Source

log = logging.getLogger("kabar.demo")

OUTLET_NAME = "Báo Sông Hồng"
LICENCE = "Fictional sample outlet written for the kabar demo; all people and events are invented."


@dataclass
class DemoResult:
    summary: Summary  # all outlets together
    translations: int
    outlet: Outlet  # Báo Sông Hồng
    partners: list[Outlet] = field(default_factory=list)
    by_outlet: dict[str, Summary] = field(default_factory=dict)  # Outlet.slug -> its feed's summary
    stories: int = 0  # articles this load put in a story
    comments: int = 0  # readers' comments added (kabar.comments.demo), one of them held


def load_sections(root: Path = OUTLET_DIR) -> None:
    for position, entry in enumerate(json.loads((root / "sections.json").read_text(encoding="utf-8"))):
        Section.objects.update_or_create(
            slug=entry["slug"], defaults={"names": entry["names"], "position": position}
        )


def load_demo(server: OutletServer, root: Path = OUTLET_DIR) -> DemoResult:
    """Ingest the outlets served by ``server``; add sections, human translations and stories."""
    load_sections(root)
    outlet, summary = _load_outlet("bao-song-hong", OUTLET_NAME, "vi", server.url)
    by_outlet = {outlet.slug: summary}
    partners = []
    for partner in server.partners:
        partner_outlet, by_outlet[partner.slug] = _load_partner(partner, server)
        partners.append(partner_outlet)
    translations = load_translations(root)
    for partner in server.partners:
        translations += load_translations(partner.directory)
    return DemoResult(
        _combined(by_outlet.values()),
        translations,
        outlet,
        partners=partners,
        by_outlet=by_outlet,
        stories=assign_stories([outlet, *partners]),
        comments=load_demo_comments(),
    )


def _load_partner(partner: PartnerOutlet, server: OutletServer) -> tuple[Outlet, Summary]:
    return _load_outlet(partner.slug, partner.name, partner.language, f"{server.url}/{partner.slug}")


def _load_outlet(slug: str, name: str, language: str, url: str) -> tuple[Outlet, Summary]:
    outlet, _ = Outlet.objects.update_or_create(
        slug=slug,
        defaults={"name": name, "home_url": url + "/", "language": language, "licence": LICENCE},
    )
    source, _ = Source.objects.update_or_create(
        outlet=outlet,
        kind=Source.Kind.FEED,
        defaults={"url": f"{url}/rss.xml", "schedule_minutes": 0},
    )
    # The operator runs the demo, so the operator approves its outlets on loopback (no user).
    source.grant_private_access(by=None)
    source.save()
    return outlet, ingest(source.url, outlet=outlet, kind="feed", allow_private=True, source=source)


def _combined(summaries: Iterable[Summary]) -> Summary:
    total = Summary()
    for part in summaries:
        total.new += part.new
        total.updated += part.updated
        total.unchanged += part.unchanged
        total.duplicate += part.duplicate
        total.failed.extend(part.failed)
    return total


def assign_stories(outlets: Sequence[Outlet]) -> int:
    """Put the outlets' articles that are in no story yet in one, oldest first; how many.

    This is what the online step's queued tasks would do; they find these articles placed and
    change nothing when a worker runs them later. With ``KABAR_STORIES_ONLINE`` off the operator
    left stories to ``kabar stories rebuild``, and the demo does the same.
    """
    if not settings.STORIES_ONLINE:
        return 0
    # imported here: the stories app's services load numpy and the embedder's code
    from kabar.stories import services
    from kabar.stories.embedding import default_embedder

    waiting = list(
        Article.objects.filter(outlet__in=outlets, story_membership__isnull=True).order_by(
            "published_at", "pk"
        )
    )
    if not waiting:
        return 0
    embedder = default_embedder()
    signals = services.signals_for(waiting, embedder)
    for article in waiting:
        services.assign_article(article, embedder=embedder, signals=signals.get(article.pk))
    return len(waiting)


def load_translations(root: Path) -> int:
    """Add the newsroom's human translations (``translations/<slug>.<lang>.json``) not loaded yet."""
    added = 0
    for path in sorted(root.glob("translations/*.json")):
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
