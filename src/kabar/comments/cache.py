"""The comment block's own page-cache tag, ``comments:<article id>``, bumped after the commit.

Article pages carry it (``kabar.pagecache.tags.article_page``), so a new, approved or removed
comment re-renders that article's pages in every language, and nothing else.

A section's own policy (``SectionPolicy``: moderation, closing after N days) shows on every article
page of the section; those pages carry the section's listing tags (``section:<id>:<code>``), which
a saved or deleted policy bumps, so the block follows the change at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from kabar.pagecache.tags import comments_tag, section_tag

log = logging.getLogger("kabar.comments")


def bump_comments(article_ids: Iterable[int]) -> None:
    _bump_after_commit({comments_tag(pk) for pk in article_ids})


def bump_section_pages(section_id: int) -> None:
    """The article pages (and listings) of a section, in every language: its comment policy changed."""
    _bump_after_commit({section_tag(section_id, code) for code, _name in settings.LANGUAGES})


def policy_changed(sender: object, instance: object, **kwargs: object) -> None:
    section_id = getattr(instance, "section_id", None)
    if section_id is not None:
        bump_section_pages(section_id)


def _bump_after_commit(found: set[str]) -> None:
    if not found:
        return

    def bump() -> None:
        from kabar.pagecache.tasks import after_bump

        try:
            after_bump(found)
        except Exception as exc:  # the comment stands; stored pages expire with KABAR_PAGE_CACHE_TTL
            log.error("comment block not refreshed (%s); run `kabar purge %s`", exc, " ".join(sorted(found)))

    transaction.on_commit(bump)
