"""The tags a reader page depends on, known before it is rendered.

Tag vocabulary (the same strings go to ``Surrogate-Key`` / ``Cache-Tag`` and to CDN purges):

==================  ==========================================================================
``site``            every page: the section menu and the outlet names in teasers
``language:<code>`` every page in that language (bumped only by hand: ``kabar purge language:vi``)
``home:<code>``     the home page of a language: any published text in that language changing
``article:<id>``    an article's own pages, in every language (its texts, images, byline, story)
``section:<id>``    a section itself (its names); ``section:<id>:<code>``: its listing in a language
``author:<id>``     an author itself (name, outlet); ``author:<id>:<code>``: their listing
``outlet:<id>``     an outlet itself (name, language)
``story:<id>``      a story: its page and the "In this story" block of its articles
``comments:<id>``   an article's comment block, in every language (kabar.comments)
==================  ==========================================================================

Listings are per language because a reader of ``/en/`` only ever sees English texts: publishing a
Vietnamese translation must refresh Vietnamese lists and leave the English ones cached. An
article page lists the newest of its section and authors, so it carries their listings' tags.
The one list no tag follows is the nearest-neighbour one (by embedding): it is as fresh as
``KABAR_PAGE_CACHE_TTL``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import translation

from kabar.news.models import ArticleText, Author, Section

SITE = "site"


def language_tag(code: str) -> str:
    return f"language:{code}"


def home_tag(code: str) -> str:
    return f"home:{code}"


def article_tag(pk: int) -> str:
    return f"article:{pk}"


def section_tag(pk: int, code: str | None = None) -> str:
    return f"section:{pk}" if code is None else f"section:{pk}:{code}"


def author_tag(pk: int, code: str | None = None) -> str:
    return f"author:{pk}" if code is None else f"author:{pk}:{code}"


def outlet_tag(pk: int) -> str:
    return f"outlet:{pk}"


def story_tag(pk: int) -> str:
    return f"story:{pk}"


def comments_tag(pk: int) -> str:
    return f"comments:{pk}"


@dataclass(frozen=True)
class PageTags:
    """What a page depends on, and the newest change the database itself records for it."""

    tags: tuple[str, ...]
    modified: dt.datetime | None = None


def _page(code: str, *specific: str, modified: dt.datetime | None = None) -> PageTags:
    ordered = dict.fromkeys([SITE, language_tag(code), *specific])  # unique, in a stable order
    return PageTags(tuple(ordered), modified)


def home_page(request: HttpRequest) -> PageTags:
    return _page(translation.get_language(), home_tag(translation.get_language()))


def section_page(request: HttpRequest, section: str) -> PageTags | None:
    code = translation.get_language()
    pk = Section.objects.filter(slug=section).values_list("pk", flat=True).first()
    if pk is None:
        return None  # the view answers 404, which is never stored
    return _page(code, section_tag(pk), section_tag(pk, code))


def author_page(request: HttpRequest, slug: str) -> PageTags | None:
    code = translation.get_language()
    row = Author.objects.filter(slug=slug).values_list("pk", "outlet_id").first()
    if row is None:
        return None
    pk, outlet_id = row
    specific = [author_tag(pk), author_tag(pk, code)] + ([outlet_tag(outlet_id)] if outlet_id else [])
    return _page(code, *specific)


def article_page(request: HttpRequest, year: str, month: str, slug: str) -> PageTags | None:
    """One query: the text's article, section, outlet, authors and story (a row per author)."""
    code = translation.get_language()
    rows = list(
        ArticleText.objects.filter(language=code, slug=slug, is_published=True).values_list(
            "article_id",
            "modified_at",
            "article__modified_at",
            "article__section_id",
            "article__outlet_id",
            "article__authors",
            "article__story_membership__story_id",
        )
    )
    if not rows:
        return None
    article_id, text_modified, article_modified, section_id, outlet_id, _, story_id = rows[0]
    specific = [article_tag(article_id), comments_tag(article_id), outlet_tag(outlet_id)]
    if section_id is not None:
        specific.append(section_tag(section_id, code))
    for author_id in sorted({r[5] for r in rows if r[5] is not None}):
        specific += [author_tag(author_id), author_tag(author_id, code)]
    if story_id is not None:
        specific.append(story_tag(story_id))
    return _page(code, *specific, modified=max(text_modified, article_modified))


def story_page(request: HttpRequest, pk: int) -> PageTags:
    return _page(translation.get_language(), story_tag(pk))


def text_listing_tags(
    code: str,
    *,
    section_ids: Iterable[int | None] = (),
    author_ids: Iterable[int] = (),
) -> set[str]:
    """The listings a published text in ``code`` appears in (what its change must refresh)."""
    found = {home_tag(code)}
    found |= {section_tag(pk, code) for pk in section_ids if pk is not None}
    found |= {author_tag(pk, code) for pk in author_ids}
    return found


PageTagsFunction = Callable[..., PageTags | None]
