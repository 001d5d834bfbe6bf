"""Stories on the reader site: the "In this story" block, related articles, and the story page.

A story's members are articles in any language from any outlet. A reader sees each one in their
own language when a published version exists, else in its original language with a label saying
so; an article with no published text at all is not shown. Related lists come in this order:
the same story, then the nearest neighbours by embedding (``relate.nearest``), then the existing
same-section and same-author lists (``article_page``), each article once, and no empty list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation

from kabar.core.discover import relate
from kabar.news.models import Article, ArticleText, Story
from kabar.site.languages import name_in_sentence
from kabar.site.present import absolute, text_url
from kabar.site.queries import STORY_ENTRY_COLUMNS
from kabar.stories.models import ArticleSignals, StoryMembership

STORY_BLOCK_LIMIT = 6  # articles in the "In this story" block; the story page lists them all
NEIGHBOURS = 4
NEIGHBOUR_POOL = 2000  # the most recent articles with signals that nearest() ranks
# Below this cosine a "neighbour" is only another news article. Measured on the labelled story
# fixture (first 150 articles) with the stored signals' embedding (E5Embedder, language centres
# removed): pairs from different stories have a median of 0.19 and 95% lie below 0.39; pairs
# from one story have a median of 0.45. Re-measure when the embedder changes. Better no list
# than a list of unrelated articles.
NEIGHBOUR_MIN_SIMILARITY = 0.40
STORY_PAGE_LIMIT = 500


@dataclass(frozen=True)
class StoryEntry:
    """One article of a story, as a reader of ``language`` gets it."""

    article_id: int
    title: str
    url: str
    language: str  # the language of the text linked to
    in_reader_language: bool
    language_name: str  # of the linked text, for "(in Vietnamese)"
    original_language: str
    original_language_name: str
    outlet_name: str
    outlet_language: str
    published_at: dt.datetime
    machine_made: bool


def _entry(texts: list[dict[str, Any]], language: str) -> StoryEntry | None:
    """One article (its published texts, from ``_published_texts``) in ``language`` when published,
    else its published original; None when neither.

    The original only when the site serves its language: the site has no page for other languages.
    """
    text = next((t for t in texts if t["language"] == language), None) or next(
        (t for t in texts if t["status"] == ArticleText.Status.ORIGINAL and t["language"] in _site_codes()),
        None,
    )
    if text is None:
        return None
    with translation.override(text["language"]):  # the page of a text lives under its language's prefix
        url = text_url(text["slug"], text["article__published_at"])
    return StoryEntry(
        article_id=text["article_id"],
        title=text["title"],
        url=url,
        language=text["language"],
        in_reader_language=text["language"] == language,
        language_name=name_in_sentence(text["language"]),
        original_language=text["article__source_language"],
        original_language_name=name_in_sentence(text["article__source_language"]),
        outlet_name=text["article__outlet__name"],
        outlet_language=text["article__outlet__language"],
        published_at=text["article__published_at"],
        machine_made=text["status"] in {ArticleText.Status.MACHINE, ArticleText.Status.POST_EDITED},
    )


def _site_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _published_texts(articles: Q) -> dict[int, list[dict[str, Any]]]:
    """The published texts of the articles ``articles`` selects, by article, oldest article first."""
    return _by_article(
        ArticleText.objects.filter(articles, is_published=True)
        .order_by("article__published_at", "article_id")
        .values(*STORY_ENTRY_COLUMNS)
    )


def _by_article(rows: Iterable[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    by_article: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_article.setdefault(row["article_id"], []).append(row)
    return by_article


def story_label(story: Story, entries: list[StoryEntry], language: str) -> str:
    """The editors' label in ``language``; else the first article's title the reader can read."""
    return (
        story.label_for(language)
        or next((e.title for e in entries if e.in_reader_language), "")
        or (entries[0].title if entries else "")
    )


def story_members(
    story_id: int,
    language: str,
    *,
    excluding: Iterable[int] = (),
    limit: int,
    rows: list[dict[str, Any]] | None = None,
) -> tuple[list[StoryEntry], set[int]]:
    """The story's articles a reader of ``language`` can read (oldest first), and the ids of all its
    articles that have a published text.

    One query, or none given the story's published texts as ``rows`` (``queries.article_text``
    reads them with the article: ``text.story_rows``).
    """
    by_article = (
        _by_article(rows)
        if rows is not None
        else _published_texts(Q(article__story_membership__story_id=story_id))
    )
    left_out = set(excluding)
    entries = [
        e
        for pk, texts in by_article.items()
        if pk not in left_out and (e := _entry(texts, language)) is not None
    ]
    return entries[:limit], set(by_article)


def neighbours(
    article: Article, vector: np.ndarray, language: str, *, excluding: Iterable[int], k: int = NEIGHBOURS
) -> list[StoryEntry]:
    """The articles nearest ``article`` by embedding that a reader of ``language`` can read in it."""
    me = relate.ArticleSignals(
        key=str(article.pk),
        language=article.source_language,
        published=article.published_at,
        embedding=vector,
    )
    pool = (
        ArticleSignals.objects.filter(article__texts__language=language, article__texts__is_published=True)
        .exclude(article_id__in=[article.pk, *excluding])
        .order_by("-article__published_at")
        .values_list("article_id", "vector")[:NEIGHBOUR_POOL]
    )
    others = [
        relate.ArticleSignals(
            key=str(pk),
            language="",
            published=article.published_at,
            embedding=np.frombuffer(bytes(v), np.float32),
        )
        for pk, v in pool
    ]
    others = [o for o in others if o.embedding.shape == vector.shape]
    ranked = [int(key) for key, score in relate.nearest(me, others, k) if score >= NEIGHBOUR_MIN_SIMILARITY]
    if not ranked:
        return []
    by_id = _published_texts(Q(article_id__in=ranked))
    entries = (_entry(by_id[pk], language) if pk in by_id else None for pk in ranked)
    return [e for e in entries if e is not None and e.in_reader_language]


def _joined(article: Article, name: str) -> object:
    """A reverse one-to-one (joined in by select_related, else one query); None when there is none."""
    try:
        return getattr(article, name)
    except ObjectDoesNotExist:
        return None


def article_story_context(text: ArticleText) -> tuple[dict[str, object], set[int]]:
    """The article page's story block and related articles (context), and the articles they show.

    A bounded number of queries whatever the story's size, none when the article has neither a
    story nor signals (``queries.article_text`` joins both in).
    """
    article = text.article
    membership = _joined(article, "story_membership")
    signals = _joined(article, "relate_signals")
    story_id = membership.story_id if isinstance(membership, StoryMembership) else None
    stored = signals.vector if isinstance(signals, ArticleSignals) else None
    members: list[StoryEntry] = []
    in_story: set[int] = set()
    if story_id is not None:
        members, in_story = story_members(
            story_id,
            text.language,
            excluding=[article.pk],
            limit=STORY_BLOCK_LIMIT,
            rows=getattr(text, "story_rows", None),
        )
    near: list[StoryEntry] = []
    if stored is not None:
        vector = np.frombuffer(bytes(stored), dtype=np.float32)
        near = neighbours(article, vector, text.language, excluding=in_story)
    context: dict[str, object] = {
        "story_url": reverse("site:story", kwargs={"pk": story_id}) if members else "",
        "story_entries": members,
        "neighbours": near,
    }
    return context, {e.article_id for e in members} | {e.article_id for e in near}


@dataclass(frozen=True)
class TimelineDay:
    day: dt.date
    entries: list[StoryEntry]


def timeline(entries: list[StoryEntry]) -> list[TimelineDay]:
    """Entries grouped by the local day they were published, oldest first."""
    days: dict[dt.date, list[StoryEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.published_at, e.article_id)):
        days.setdefault(timezone.localtime(entry.published_at).date(), []).append(entry)
    return [TimelineDay(day, found) for day, found in days.items()]


def story(request: HttpRequest, pk: int) -> HttpResponse:
    """``/<lang>/story/<id>/``: every article of a story, on a timeline across outlets and languages."""
    language = translation.get_language()
    found = Story.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No such story.")
    entries, _ids = story_members(found.pk, language, limit=STORY_PAGE_LIMIT)
    if not entries:
        raise Http404("This story has no published article.")
    label = story_label(found, entries, language)
    outlets = {e.outlet_name for e in entries}
    languages = list(dict.fromkeys(e.original_language for e in entries))
    return render(
        request,
        "site/story.html",
        {
            "story": found,
            "label": label,
            "days": timeline(entries),
            "entry_count": len(entries),
            "outlet_count": len(outlets),
            "language_names": [name_in_sentence(code) for code in languages],
            "canonical_url": absolute(request.path),
            "description": label,
        },
    )
