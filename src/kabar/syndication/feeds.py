"""RSS 2.0 and Atom feeds per language: the whole site, each section, author and story.

Built on ``django.contrib.syndication``. Each item is one published text in the feed's language
(``feed_entries``); unpublished texts never appear. Feeds answer conditional GETs: the ETag and
Last-Modified come from the newest change among the feed's texts and their articles (published
or not, so that unpublishing an item changes them too); the ETag also from the names the feed
shows of its section, author or story, and its items of their outlets, sections and authors
(those rows keep no modification time, so a renaming changes the ETag only). That costs a few
small queries and no rendering, and a feed reader polling an unchanged feed gets a 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import feedgenerator, translation
from django.views.decorators.http import condition

from kabar.news.models import Article, ArticleText
from kabar.syndication.feed_entries import MAX_ITEMS, FeedEntry, entry, feed_texts
from kabar.syndication.feed_formats import AtomFeed, RssFeed
from kabar.syndication.feed_scopes import Format, Kind, Scope, scope_for, site_name

FEED_TYPES: dict[Format, type[feedgenerator.SyndicationFeed]] = {"rss": RssFeed, "atom": AtomFeed}
# Part of every ETag: bump it when the feeds' markup changes, so readers fetch the new form.
MARKUP_VERSION = "1"


class ArticleFeed(Feed[FeedEntry, Scope]):
    """One kind of feed (site, section, author, story) in one format; the language is the URL's."""

    def __init__(self, kind: Kind, fmt: Format) -> None:
        self.kind = kind
        self.fmt = fmt
        self.feed_type = FEED_TYPES[fmt]

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Scope:
        return feed_state(request, self.kind, self.fmt, kwargs.get("key", "")).scope

    def title(self, scope: Scope) -> str:
        return scope.title

    def link(self, scope: Scope) -> str:
        return scope.page_url

    def feed_url(self, scope: Scope) -> str:
        return scope.feed_url(self.fmt)

    def feed_guid(self, scope: Scope) -> str:
        return scope.feed_url(self.fmt)

    def description(self, scope: Scope) -> str:
        return scope.description

    def subtitle(self, scope: Scope) -> str:  # Atom's name for the description
        return scope.description

    def author_name(self, scope: Scope) -> str:
        # Atom wants an author for every entry; the feed's (the site) covers entries without a byline.
        return site_name()

    def items(self, scope: Scope) -> list[FeedEntry]:
        return [entry(text) for text in feed_texts(translation.get_language(), scope.texts)]

    def item_title(self, item: FeedEntry) -> str:
        # Plain text, not escaped twice: Atom titles are text, and the XML writer escapes once.
        return item.title

    def item_description(self, item: FeedEntry) -> str:
        return render_to_string("syndication/feed_item.html", {"entry": item}).strip()

    def item_link(self, item: FeedEntry) -> str:
        return item.url

    def item_guid(self, item: FeedEntry) -> str:
        return item.guid

    def item_guid_is_permalink(self, item: FeedEntry) -> bool:
        return False

    def item_pubdate(self, item: FeedEntry) -> dt.datetime:
        return item.published

    def item_updateddate(self, item: FeedEntry) -> dt.datetime:
        return item.updated

    def item_categories(self, item: FeedEntry) -> tuple[str, ...]:
        return (item.category,) if item.category else ()

    def item_enclosures(self, item: FeedEntry) -> list[feedgenerator.Enclosure]:
        image = item.image
        # RSS requires a type; an image whose type kabar cannot tell is still in media:content.
        if image is None or not image.mime_type:
            return []
        return [feedgenerator.Enclosure(image.url, str(image.length), image.mime_type)]

    def item_extra_kwargs(self, item: FeedEntry) -> dict[str, Any]:
        return {"authors": item.authors, "source": item.source, "image": item.image}


@dataclass(frozen=True)
class FeedState:
    scope: Scope
    etag: str
    last_modified: dt.datetime | None


# Kept on the request: condition() asks for the ETag and for Last-Modified separately, and the
# feed then needs the scope again; all three come from one computation.
_STATE_ATTRIBUTE = "_kabar_feed_state"


def feed_state(request: HttpRequest, kind: Kind, fmt: Format, key: str) -> FeedState:
    known: FeedState | None = getattr(request, _STATE_ATTRIBUTE, None)
    if known is not None:
        return known
    language = translation.get_language()
    scope = scope_for(kind, language, key)
    in_scope = ArticleText.objects.filter(scope.texts, language=language)
    newest = in_scope.aggregate(text=Max("modified_at"), article=Max("article__modified_at"))
    changes = [c for c in (newest["text"], newest["article"], scope.changed_at) if c is not None]
    last_modified = max(changes) if changes else None
    # What the items show of other rows (the outlet they credit, the section as category, the
    # bylines) changes no text or article date when it is renamed; so it is part of the ETag.
    shown = list(
        in_scope.filter(is_published=True)
        .order_by("-article__published_at", "-article__pk")
        .values_list(
            "pk",
            "modified_at",
            "article_id",
            "article__modified_at",
            "article__outlet__name",
            "article__outlet__home_url",
            "article__section__names",
        )[:MAX_ITEMS]
    )
    bylines = sorted(
        Article.authors.through.objects.filter(article_id__in=[row[2] for row in shown]).values_list(
            "article_id", "author__name", "author__slug"
        )
    )
    fingerprint = repr((MARKUP_VERSION, kind, fmt, language, scope.state, last_modified, shown, bylines))
    state = FeedState(scope, hashlib.sha256(fingerprint.encode()).hexdigest()[:32], last_modified)
    setattr(request, _STATE_ATTRIBUTE, state)
    return state


def feed_view(kind: Kind, fmt: Format) -> Callable[..., HttpResponse]:
    """The view of one kind of feed in one format, answering 304 when the reader's copy is current."""
    feed = ArticleFeed(kind, fmt)

    def etag(request: HttpRequest, key: str = "") -> str:
        return feed_state(request, kind, fmt, key).etag

    def last_modified(request: HttpRequest, key: str = "") -> dt.datetime | None:
        return feed_state(request, kind, fmt, key).last_modified

    @condition(etag_func=etag, last_modified_func=last_modified)
    def view(request: HttpRequest, key: str = "") -> HttpResponse:
        response = feed(request, key=key)
        # Django's Feed dates the response by its newest item; condition() writes the
        # Last-Modified that its 304 decision used instead, so the two never disagree.
        del response.headers["Last-Modified"]
        return response

    view.__name__ = f"{kind}_{fmt}_feed"
    return view
