"""A stored original is related as a task after its transaction commits (``KABAR_STORIES_ONLINE``)."""

from __future__ import annotations

import pytest
from story_helpers import STORM, STORM_AGAIN, T0, article

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
