"""Whether an article takes comments, how they are moderated, and until when (site and section).

The site settings (``KABAR_COMMENTS``, ``KABAR_COMMENTS_CLOSE_DAYS``) apply unless the article's
section has a ``SectionPolicy`` that says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from kabar.comments.models import SectionPolicy
from kabar.news.models import Article

PRE = "pre"
POST = "post"
OFF = "off"


def option(name: str) -> Any:
    """One value of ``settings.COMMENTS`` (read each time: tests and operators change them)."""
    return settings.COMMENTS[name]


@dataclass(frozen=True)
class ArticlePolicy:
    moderation: str  # PRE, POST or OFF
    closes_at: dt.datetime | None  # None: never

    @property
    def enabled(self) -> bool:
        return self.moderation != OFF

    def is_open(self, now: dt.datetime | None = None) -> bool:
        if not self.enabled:
            return False
        return self.closes_at is None or (now or timezone.now()) < self.closes_at


def article_policy(article: Article) -> ArticlePolicy:
    own = SectionPolicy.objects.filter(section_id=article.section_id).first() if article.section_id else None
    return resolve(article, own.moderation if own else "", own.close_after_days if own else None)


def resolve(article: Article, own_moderation: str, own_days: int | None) -> ArticlePolicy:
    """The site settings, overridden by the section's own policy where it has one."""
    moderation: str = own_moderation or option("moderation")
    days: int = own_days if own_days is not None else option("close_days")
    closes_at = article.published_at + dt.timedelta(days=days) if days > 0 else None
    return ArticlePolicy(moderation, closes_at)
