"""A comment in the reader's language, through the site's MT engines (``kabar.translation``).

Made once per comment and language and kept (``CommentTranslation``); later readers get the
stored one. The comment is plain text: it goes to the engines escaped, as one paragraph block
per paragraph, and comes back as plain text again, so no markup can appear on the way.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from kabar.comments.models import Comment, CommentTranslation
from kabar.comments.text import normalize
from kabar.core.blocks import strip_tags
from kabar.core.errors import StageError
from kabar.core.translate.mt.routing import NoRoute
from kabar.core.translate.translate import InMemoryTM, translate_blocks
from kabar.core.types import Block
from kabar.translation.engines import get_router

TIMEOUT = 30.0  # seconds: a reader is waiting for the page


@dataclass(frozen=True)
class Translated:
    body: str = ""
    route: str = ""
    problem: str = ""  # "no-route" or "failed": no translation to show


def translated(comment: Comment, target: str) -> Translated:
    stored = CommentTranslation.objects.filter(comment=comment, language=target).first()
    if stored is not None:
        return Translated(stored.body, stored.route)
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
        return Translated(problem="failed")
    body = "\n\n".join(strip_tags(str(b.get("text", ""))) for b in result.blocks)
    CommentTranslation.objects.update_or_create(
        comment=comment, language=target, defaults={"body": body, "route": result.route}
    )
    return Translated(body, result.route)
