"""What a caller may see: published texts for everyone, every text for keys with read-unpublished.

An article is visible when at least one of its texts is; its other texts stay hidden.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from kabar.api.auth import Principal
from kabar.news.models import Article, ArticleText, Author, Media, Story
from kabar.stories.models import StoryMembership


def visible_texts(caller: Principal) -> QuerySet[ArticleText]:
    texts = ArticleText.objects.all()
    return texts if caller.reads_unpublished else texts.filter(is_published=True)


def visible_articles(caller: Principal) -> QuerySet[Article]:
    return Article.objects.filter(Exists(visible_texts(caller).filter(article=OuterRef("pk"))))


def visible_authors(caller: Principal) -> QuerySet[Author]:
    """Authors with a visible article: a byline of a held-back article is part of what is held back."""
    wrote = visible_articles(caller).filter(authors=OuterRef("pk"))
    return Author.objects.filter(Exists(wrote))


def articles_for_listing(caller: Principal) -> QuerySet[Article]:
    """Visible articles with what a list item shows joined in (texts, authors, story)."""
    return (
        visible_articles(caller)
        .select_related("outlet", "section", "story_membership")
        .prefetch_related(Prefetch("texts", queryset=visible_texts(caller).order_by("language")), "authors")
    )


def articles_in_full(caller: Principal) -> QuerySet[Article]:
    """``articles_for_listing`` and the images; what the one-article endpoint (and ninjs) needs."""
    return articles_for_listing(caller).prefetch_related(
        Prefetch("media", queryset=Media.objects.order_by("pk"))
    )


def visible_stories(caller: Principal) -> QuerySet[Story]:
    """Stories with at least one visible article, their visible members prefetched oldest first."""
    members = (
        StoryMembership.objects.filter(article__in=visible_articles(caller))
        .select_related("article__outlet")
        .prefetch_related(Prefetch("article__texts", queryset=visible_texts(caller).order_by("language")))
        .order_by("article__published_at", "article__pk")
    )
    has_members = StoryMembership.objects.filter(story=OuterRef("pk"), article__in=visible_articles(caller))
    return Story.objects.filter(Exists(has_members)).prefetch_related(
        Prefetch("memberships", queryset=members, to_attr="visible_members")
    )
