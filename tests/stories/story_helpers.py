"""Articles and a deterministic embedder for story tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Sequence

import numpy as np

from kabar.news.models import Article, ArticleText, Outlet

T0 = dt.datetime(2025, 9, 6, 8, 0, tzinfo=dt.UTC)


class WordsEmbedder:
    """Bag of words, each word a fixed random direction: texts that share words point the same way.

    Deterministic and fast, so the real relate stage can be tested on texts whose overlap is chosen.
    """

    name = "test-words"
    dim = 256

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
                rows[i] += np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            norm = np.linalg.norm(rows[i])
            rows[i] = rows[i] / norm if norm else rows[i]
        return rows


def outlet(name: str = "Báo Nhân Dân", language: str = "vi") -> Outlet:
    slug = f"outlet-{uuid.uuid4().hex[:8]}"
    return Outlet.objects.create(name=name, slug=slug, home_url=f"https://{slug}.example/", language=language)


def article(
    title: str,
    body: str,
    *,
    language: str = "vi",
    published: dt.datetime = T0,
    source: Outlet | None = None,
    lead: str = "",
) -> Article:
    """An article with its original text (and nothing else)."""
    made = Article.objects.create(
        outlet=source or outlet(language=language),
        source_url=f"https://news.example/{uuid.uuid4().hex}.html",
        source_language=language,
        published_at=published,
    )
    ArticleText.objects.create(
        article=made,
        language=language,
        title=title,
        lead=lead,
        blocks=[{"type": "paragraph", "text": body}],
        slug=f"{language}-{uuid.uuid4().hex[:12]}",
        status=ArticleText.Status.ORIGINAL,
    )
    return made


def rewrite(target: Article, title: str, body: str) -> None:
    """The outlet changed its original."""
    original = target.texts.get(status=ArticleText.Status.ORIGINAL)
    original.title = title
    original.blocks = [{"type": "paragraph", "text": body}]
    original.save()


STORM = (
    "Typhoon Yagi makes landfall in Quang Ninh with winds of 149 km/h",
    "Typhoon Yagi made landfall in Quang Ninh and Hai Phong on Saturday afternoon with winds of 149 km/h, "
    "tearing roofs off houses and uprooting trees across the northern coast.",
)
STORM_AGAIN = (
    "Typhoon Yagi lands in Quang Ninh with winds of 149 km/h",
    "Typhoon Yagi made landfall in Quang Ninh and Hai Phong on Saturday with winds of 149 km/h, "
    "tearing roofs off houses and uprooting trees along the northern coast.",
)
RATES = (
    "State Bank cuts its policy rate to 4.5 percent",
    "The State Bank of Vietnam lowered its refinancing rate by half a point to 4.5 percent on Monday, "
    "saying credit growth had slowed in the first eight months of the year.",
)
RATES_AGAIN = (
    "State Bank lowers its policy rate to 4.5 percent",
    "The State Bank of Vietnam lowered its refinancing rate by half a point to 4.5 percent on Monday, "
    "saying credit growth had slowed during the first eight months of the year.",
)
