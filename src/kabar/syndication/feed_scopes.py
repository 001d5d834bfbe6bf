"""What one feed covers: the whole site, a section, an author or a story, in one language.

A scope knows its name (the same words the autodiscovery links and the feed itself use), the
reader page it stands for, and which texts belong to it. Unknown sections, authors and stories
are a 404, as their pages are.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext, pgettext

from kabar.news.models import Article, ArticleText, Author, Section, Story
from kabar.site.context import DEFAULT_SITE_NAME
from kabar.site.languages import site_language_codes
from kabar.site.present import absolute

Kind = Literal["site", "section", "author", "story"]
Format = Literal["rss", "atom"]
KINDS: tuple[Kind, ...] = ("site", "section", "author", "story")
FORMATS: tuple[Format, ...] = ("rss", "atom")


def site_name() -> str:
    return str(getattr(settings, "SITE_NAME", DEFAULT_SITE_NAME))


@dataclass(frozen=True)
class Scope:
    kind: Kind
    key: str  # the section or author slug, the story id; "" for the whole site
    title: str
    description: str
    page_url: str  # absolute URL of the reader page the feed follows
    texts: Q  # which ArticleTexts (of the feed's language) belong to the feed
    # What the feed shows of its own object (names, labels), so that renaming it changes the ETag.
    state: str = ""
    changed_at: dt.datetime | None = None

    def feed_url(self, fmt: Format) -> str:
        return feed_url(self.kind, self.key, fmt)


def feed_url(kind: Kind, key: str, fmt: Format) -> str:
    """Absolute URL of a feed, in the active language."""
    return absolute(reverse(f"feeds:{kind}-{fmt}", args=[key] if key else []))


# Feed titles, shared by the feeds and the pages' autodiscovery links so that both say the same.


def _titled(name: str) -> str:
    return f"{name} · {site_name()}"


def section_title(name: str) -> str:
    return _titled(name)


def author_title(name: str) -> str:
    return _titled(gettext("Articles by %(author)s") % {"author": name})


def story_title(label: str) -> str:
    return _titled(f"{pgettext('a group of articles about one event', 'Story')}: {label}")


def site_scope(language: str) -> Scope:
    return Scope(
        kind="site",
        key="",
        title=site_name(),
        description=gettext("News from partner outlets, in your language."),
        page_url=absolute(reverse("site:home")),
        texts=Q(),
    )


def section_scope(language: str, slug: str) -> Scope:
    found = Section.objects.public().filter(slug=slug).first()  # "unsorted" has no feed
    if found is None:
        raise Http404("No such section.")
    name = found.name_for(language)
    return Scope(
        kind="section",
        key=found.slug,
        title=section_title(name),
        description=gettext("The latest articles in %(section)s, from partner outlets.") % {"section": name},
        page_url=absolute(found.get_absolute_url()),
        texts=Q(article__section_id=found.pk),
        state=json.dumps(found.names, sort_keys=True),
    )


def author_scope(language: str, slug: str) -> Scope:
    found = Author.objects.filter(slug=slug).first()
    if found is None:
        raise Http404("No such author.")
    return Scope(
        kind="author",
        key=found.slug,
        title=author_title(found.name),
        description=gettext("The latest articles by %(author)s.") % {"author": found.name},
        page_url=absolute(found.get_absolute_url()),
        # A subquery, not a join: the texts' own rows, once each, whatever else the filter meets.
        texts=Q(
            article_id__in=Article.authors.through.objects.filter(author_id=found.pk).values("article_id")
        ),
        state=found.name,
    )


def story_label(story: Story, language: str) -> str | None:
    """The story's name as its page gives it; None when the story has no page (nothing published).

    The editors' label, else the title of the story's first article in ``language``, else that of
    its first published original in a site language (the page lists originals a reader cannot
    read in their language).
    """
    in_story = ArticleText.objects.filter(
        is_published=True, article__story_membership__story_id=story.pk
    ).order_by("article__published_at", "article__pk")
    first = in_story.filter(language=language).values_list("title", flat=True).first()
    if first is None:
        first = (
            in_story.filter(status=ArticleText.Status.ORIGINAL, language__in=site_language_codes())
            .values_list("title", flat=True)
            .first()
        )
    if first is None:
        return None
    return story.label_for(language) or first


def story_scope(language: str, key: str) -> Scope:
    # A story's id as the site writes it: ASCII digits, no leading zero (str.isdigit() also takes
    # "²", which int() refuses, and Arabic-Indic or full-width digits, which it reads).
    canonical = key.isascii() and key.isdigit() and not key.startswith("0")
    found = Story.objects.filter(pk=int(key)).first() if canonical else None
    label = story_label(found, language) if found is not None else None
    if found is None or label is None:
        # As the story's page: a story with nothing published has no page and no feed.
        raise Http404("No such story.")
    return Scope(
        kind="story",
        key=str(found.pk),
        title=story_title(label),
        description=gettext("The latest articles in the story “%(story)s”.") % {"story": label},
        page_url=absolute(found.get_absolute_url()),
        texts=Q(article__story_membership__story_id=found.pk),
        state=label,
        changed_at=found.modified_at,
    )


def scope_for(kind: Kind, language: str, key: str) -> Scope:
    if kind == "site":
        return site_scope(language)
    if kind == "section":
        return section_scope(language, key)
    if kind == "author":
        return author_scope(language, key)
    return story_scope(language, key)
