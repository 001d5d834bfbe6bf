"""An article's thread as its pages show it: the reader's language first, the others folded away.

Threads are per article, so every language version shows the same comments. A top-level
comment and its replies are shown together, under the language of the top-level one; comments
in the page's language come first, the others behind "N comments in other languages", each
with a link to its machine translation into the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import translation

from kabar.comments import text as comment_text
from kabar.comments.models import Comment
from kabar.comments.policy import article_policy
from kabar.news.models import Article, ArticleText
from kabar.site.languages import endonym


def comment_anchor(pk: int) -> str:
    return f"comment-{pk}"


def comment_url(comment: Comment) -> str:
    """The comment on an article page: in its own language where the article has that version."""
    texts = ArticleText.objects.filter(article_id=comment.article_id, is_published=True)
    found = texts.filter(language=comment.language).first() or texts.order_by("pk").first()
    if found is None:
        return ""
    with translation.override(found.language):
        return f"{found.get_absolute_url()}#{comment_anchor(comment.pk)}"


@dataclass
class ShownComment:
    pk: int
    name: str
    language: str
    language_name: str
    created_at: Any
    html: str
    anchor: str
    translatable: bool  # not in the page's language: a "Translate" link
    replies: list[ShownComment] = field(default_factory=list)


def _shown(comment: Comment, page_language: str) -> ShownComment:
    return ShownComment(
        pk=comment.pk,
        name=comment.name,
        language=comment.language,
        language_name=endonym(comment.language),
        created_at=comment.created_at,
        html=comment_text.render(comment.body),
        anchor=comment_anchor(comment.pk),
        translatable=comment.language != page_language,
    )


def thread_context(article: Article, page_language: str) -> dict[str, Any]:
    """What ``comments/_block.html`` needs; ``{"comments_enabled": False}`` when comments are off."""
    policy = article_policy(article)
    if not policy.enabled:
        return {"comments_enabled": False}
    rows = list(
        Comment.objects.filter(article=article, status=Comment.Status.APPROVED).only(
            "pk", "name", "language", "created_at", "body", "parent_id"
        )
    )
    threads: dict[int, ShownComment] = {}
    replies = []
    for row in rows:
        if row.parent_id is None:
            threads[row.pk] = _shown(row, page_language)
        else:
            replies.append(row)
    for row in replies:
        parent = threads.get(row.parent_id or 0)
        if parent is not None:  # a reply to a comment no longer shown goes with it
            parent.replies.append(_shown(row, page_language))
    own = [t for t in threads.values() if t.language == page_language]
    others = [t for t in threads.values() if t.language != page_language]
    count = len(threads) + sum(len(t.replies) for t in threads.values())
    is_open = policy.is_open()
    if not count and not is_open:
        return {"comments_enabled": False}  # closed and empty: no box at all
    return {
        "comments_enabled": True,
        "comments_open": is_open,
        "comments_count": count,
        "comments_own": own,
        "comments_others": others,
        "comments_others_count": len(others) + sum(len(t.replies) for t in others),
        "comments_new_url": reverse("comments:new", kwargs={"article": article.pk}),
    }
