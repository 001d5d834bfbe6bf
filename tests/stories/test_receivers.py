"""A stored original is related as a task after its transaction commits (``KABAR_STORIES_ONLINE``)."""

from __future__ import annotations

import datetime as dt

import pytest
from story_helpers import RATES, STORM, STORM_AGAIN, T0, article, outlet

from kabar.core.types import Extracted
from kabar.ingest.store import store_article
from kabar.news.models import Article
from kabar.news.signals import original_changed
from kabar.stories.models import StoryMembership
from kabar.stories.tasks import assign_article_task

pytestmark = pytest.mark.django_db


def test_a_new_original_joins_its_story_through_the_task(embedder, settings):
    settings.STORIES_ONLINE = True
    first = article(*STORM)
    second = article(*STORM_AGAIN, published=T0.replace(hour=9))
    for made in (first, second):
        original_changed.send(sender=Article, article=made, created=True, changed_blocks=None)
    stories = set(StoryMembership.objects.values_list("story_id", flat=True))
    assert StoryMembership.objects.count() == 2 and len(stories) == 1


def test_switched_off_nothing_is_queued(embedder, settings):
    settings.STORIES_ONLINE = False
    made = article(*STORM)
    original_changed.send(sender=Article, article=made, created=True, changed_blocks=None)
    assert not StoryMembership.objects.exists() and not embedder.embedded


def test_the_task_is_idempotent_and_says_when_the_article_is_gone(embedder):
    made = article(*STORM)
    first = assign_article_task.call(made.pk)
    again = assign_article_task.call(made.pk)
    assert first["action"] == "new story" and again["action"] == "unchanged"
    assert again["story_id"] == first["story_id"]
    assert assign_article_task.call(10**9) == {"article": 10**9, "action": "gone"}


def test_storing_through_ingest_puts_articles_in_stories_and_an_edit_moves_one(
    embedder, settings, django_capture_on_commit_callbacks
):

    settings.STORIES_ONLINE = True

    def doc(url: str, title: str, body: str, hours: int) -> Extracted:
        return Extracted(
            url=url,
            source_url=url,
            title=title,
            blocks=[{"type": "paragraph", "text": body}],
            language="en",
            published=T0 + dt.timedelta(hours=hours),
        )

    first_outlet, second_outlet = outlet("Viet Times", "en"), outlet("Saigon Post", "en")
    with django_capture_on_commit_callbacks(execute=True):
        first = store_article(doc("https://a.example/1", *STORM, 0), outlet=first_outlet).article
    with django_capture_on_commit_callbacks(execute=True):
        second = store_article(doc("https://b.example/2", *STORM_AGAIN, 1), outlet=second_outlet).article
    with django_capture_on_commit_callbacks(execute=True):
        rates = store_article(doc("https://b.example/3", *RATES, 2), outlet=second_outlet).article
    story = dict(StoryMembership.objects.values_list("article_id", "story_id"))
    assert story[first.pk] == story[second.pk] != story[rates.pk]

    with django_capture_on_commit_callbacks(execute=True):  # the outlet rewrote it into the rates story
        store_article(doc("https://b.example/2", *RATES, 1), outlet=second_outlet)
    assert StoryMembership.objects.get(article=second).story_id == story[rates.pk]
