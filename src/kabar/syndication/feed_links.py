"""Which feeds a reader page offers in its head, for feed readers' autodiscovery.

Every page offers the whole site's feed. A section, author or story page offers its own first
(a reader pressing "subscribe" there wants that one); an article page offers its section's, its
authors' and its story's. Everything is read from the page's template context, which the site's
views already fill: the head costs no query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from kabar.news.models import Article, ArticleText, Author, Story
from kabar.syndication.feed_scopes import (
    Kind,
    author_title,
    feed_url,
    section_title,
    site_name,
    story_title,
)


@dataclass(frozen=True)
class FeedLink:
    title: str
    rss_url: str
    atom_url: str


def _link(kind: Kind, key: str, title: str) -> FeedLink:
    return FeedLink(title=title, rss_url=feed_url(kind, key, "rss"), atom_url=feed_url(kind, key, "atom"))


def _article_story(article: Article, text: ArticleText, context: Mapping[str, Any]) -> tuple[int, str] | None:
    """The id and name of the article's story, as the story's feed titles it (``feed_scopes.story_label``).

    The name is the editors' label, else the title of the story's first article in the page's
    language: the story block lists the story's other articles oldest first, and this article
    is the last candidate. The membership and the story are joined in by the article page's query.
    """
    try:
        membership = article.story_membership
    except ObjectDoesNotExist:
        return None
    story = membership.story
    if story is None:
        return None
    label = story.label_for(text.language)
    if not label:
        readable = [e for e in context.get("story_entries") or () if getattr(e, "in_reader_language", False)]
        candidates = [(e.published_at, e.article_id, e.title) for e in readable]
        candidates.append((article.published_at, article.pk, text.title))
        label = min(candidates)[2]
    return story.pk, label


def page_feeds(context: Mapping[str, Any]) -> list[FeedLink]:
    """The feeds of the page whose template context is ``context``, its own first."""
    links: list[FeedLink] = []
    article = context.get("article")
    text = context.get("text")
    section_slug = context.get("current_section") or ""
    if section_slug and context.get("section_name"):
        # Section pages and article pages both name their section in the page's language.
        links.append(_link("section", section_slug, section_title(str(context["section_name"]))))
    author = context.get("author")
    authors = [author] if isinstance(author, Author) else list(context.get("authors") or ())
    links += [_link("author", a.slug, author_title(a.name)) for a in authors if isinstance(a, Author)]
    story = context.get("story")
    if isinstance(story, Story) and context.get("label"):
        links.append(_link("story", str(story.pk), story_title(str(context["label"]))))
    elif isinstance(article, Article) and isinstance(text, ArticleText):
        found = _article_story(article, text, context)
        if found is not None:
            story_id, label = found
            links.append(_link("story", str(story_id), story_title(label)))
    links.append(_link("site", "", site_name()))
    return links
