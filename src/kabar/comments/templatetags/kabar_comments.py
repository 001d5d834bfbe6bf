"""``{% comment_thread text %}``: the article page's comment block; ``|comment_html``: one comment."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from kabar.comments.text import render
from kabar.comments.thread import thread_context
from kabar.news.models import ArticleText

register = template.Library()


@register.inclusion_tag("comments/_block.html")
def comment_thread(text: ArticleText) -> dict[str, Any]:
    return thread_context(text.article, text.language)


@register.filter
def comment_html(body: str) -> SafeString:
    """A comment's plain text as escaped HTML with safe links (``kabar.comments.text.render``)."""
    return render(body)
