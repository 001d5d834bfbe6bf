"""An article's thread as its pages show it: the reader's language first, the others folded away.

Threads are per article, so every language version shows the same comments. A top-level
comment and its replies are shown together, under the language of the top-level one; comments
in the page's language come first, the others behind "N comments in other languages", each
with a link to its machine translation into the page's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import translation

from kabar.comments import text as comment_text
from kabar.comments.models import Comment, SectionPolicy
from kabar.comments.policy import ArticlePolicy, resolve
from kabar.news.models import Article, ArticleText
from kabar.site.languages import endonym
from kabar.site.prepared import PreparedQuery
from kabar.site.queries import JSONRows

COMMENT_FIELDS = ("id", "name", "language", "created_at", "body", "parent_id")


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


def _shown(row: dict[str, Any], page_language: str) -> ShownComment:
    return ShownComment(
        pk=row["id"],
        name=row["name"],
        language=row["language"],
        language_name=endonym(row["language"]),
        created_at=row["created_at"],
        html=comment_text.render(row["body"]),
        anchor=comment_anchor(row["id"]),
        translatable=row["language"] != page_language,
    )


def _when(value: Any) -> dt.datetime:
    """A timestamp read back from JSON (SQLite writes it without an offset: UTC)."""
    moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _policy_and_comments_queryset(article_id: int) -> QuerySet[Article]:
    policy = SectionPolicy.objects.filter(section_id=OuterRef("section_id"))
    approved = (
        Comment.objects.filter(article_id=OuterRef("pk"), status=Comment.Status.APPROVED)
        .order_by()
        .values("article_id")
        .annotate(rows=JSONRows(JSONObject(**{f: f for f in COMMENT_FIELDS})))
        .values("rows")
    )
    return (
        Article.objects.filter(pk=article_id)
        .annotate(
            own_moderation=Subquery(policy.values("moderation")[:1]),
            own_days=Subquery(policy.values("close_after_days")[:1]),
            comments_json=Subquery(approved),
        )
        .order_by()
    )


# Compiled once (kabar.site.prepared): building and compiling it cost more than running it.
POLICY_AND_COMMENTS = PreparedQuery(
    _policy_and_comments_queryset, ("own_moderation", "own_days", "comments_json")
)


def _policy_and_comments(article: Article) -> tuple[ArticlePolicy, list[dict[str, Any]]]:
    """The section's policy and the approved comments, in one query (an article page pays one)."""
    found = POLICY_AND_COMMENTS.rows(article.pk)
    row = found[0] if found else {}
    rows = [dict(r, created_at=_when(r["created_at"])) for r in row.get("comments_json") or []]
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    return resolve(article, row.get("own_moderation") or "", row.get("own_days")), rows


def thread_context(article: Article, page_language: str) -> dict[str, Any]:
    """What ``comments/_block.html`` needs; ``{"comments_enabled": False}`` when comments are off."""
    policy, rows = _policy_and_comments(article)
    if not policy.enabled:
        return {"comments_enabled": False}
    threads: dict[int, ShownComment] = {}
    replies = []
    for row in rows:
        if row["parent_id"] is None:
            threads[row["id"]] = _shown(row, page_language)
        else:
            replies.append(row)
    for row in replies:
        parent = threads.get(row["parent_id"])
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
