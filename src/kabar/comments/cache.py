"""The comment block's own page-cache tag, ``comments:<article id>``, bumped after the commit.

Article pages carry it (``kabar.pagecache.tags.article_page``), so a new, approved or removed
comment re-renders that article's pages in every language, and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from kabar.pagecache.tags import comments_tag

log = logging.getLogger("kabar.comments")


def bump_comments(article_ids: Iterable[int]) -> None:
    found = {comments_tag(pk) for pk in article_ids}
    if not found:
        return

    def bump() -> None:
        from kabar.pagecache.tasks import after_bump

        try:
            after_bump(found)
        except Exception as exc:  # the comment stands; stored pages expire with KABAR_PAGE_CACHE_TTL
            log.error("comment block not refreshed (%s); run `kabar purge %s`", exc, " ".join(sorted(found)))

    transaction.on_commit(bump)
