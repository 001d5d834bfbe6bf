"""A comment in the reader's language, through the site's MT engines (``kabar.translation``).

Made once per comment and language and kept (``CommentTranslation``); later readers get the
stored one. The comment is plain text: it goes to the engines escaped, as one paragraph block
per paragraph, and comes back as plain text again, so no markup can appear on the way.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.core.cache import cache

from kabar.comments.models import Comment, CommentTranslation
from kabar.comments.text import normalize
from kabar.core.blocks import strip_tags
from kabar.core.errors import StageError
from kabar.core.translate.mt.routing import NoRoute
from kabar.core.translate.translate import InMemoryTM, translate_blocks
from kabar.core.types import Block
from kabar.translation.engines import get_router

TIMEOUT = 30.0  # seconds: a reader is waiting for the page
# New translations one client may ask for (stored ones are free); a failed or running one is
# not asked of the engines again for a while, however many readers ask.
TRANSLATE_RATE = "20/hour"
RETRY_AFTER_FAILURE = 600  # seconds


def _key(comment: Comment, target: str, what: str) -> str:
    return f"kabar:comments:translate:{what}:{comment.pk}:{target}"


def is_stored(comment: Comment, target: str) -> bool:
    return CommentTranslation.objects.filter(comment=comment, language=target).exists()


@dataclass(frozen=True)
class Translated:
    body: str = ""
    route: str = ""
    problem: str = ""  # "no-route" or "failed": no translation to show


def translated(comment: Comment, target: str) -> Translated:
    stored = CommentTranslation.objects.filter(comment=comment, language=target).first()
    if stored is not None:
        return Translated(stored.body, stored.route)
    if cache.get(_key(comment, target, "failed")):
        return Translated(problem="failed")
    running = _key(comment, target, "running")
    if not cache.add(running, 1, int(TIMEOUT) + 30):  # another request is translating it now
        return Translated(problem="failed")
    try:
        return _translate(comment, target)
    finally:
        cache.delete(running)


def _translate(comment: Comment, target: str) -> Translated:
    paragraphs = [p for p in normalize(comment.body).split("\n\n") if p.strip()]
    blocks: list[Block] = [{"type": "paragraph", "text": html.escape(p, quote=False)} for p in paragraphs]
    router = get_router()
    try:
        router.plan(comment.language, target)
        result = translate_blocks(
            blocks,
            comment.language,
            target,
            router=router,
            memory=InMemoryTM(),
            timeout=TIMEOUT,
        )
    except NoRoute:
        return Translated(problem="no-route")
    except StageError:
        cache.set(_key(comment, target, "failed"), 1, RETRY_AFTER_FAILURE)
        return Translated(problem="failed")
    body = "\n\n".join(strip_tags(str(b.get("text", ""))) for b in result.blocks)
    CommentTranslation.objects.update_or_create(
        comment=comment, language=target, defaults={"body": body, "route": result.route}
    )
    return Translated(body, result.route)
