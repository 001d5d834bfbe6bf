"""The online step merges two stories the relate stage found to be one, unless editors hold them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pytest
from story_helpers import T0, article

from kabar.core.discover.relate import RelateParams
from kabar.news.models import Story
from kabar.stories import embedding, services
from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db

# Plain cosines (no bonus, names or decay): the first reports at 0°, a follow-up and its
# translation at 60° (cosine 0.5: apart), an article at 35° close to the follow-up (0.91) and
# near the first reports (0.82), which with it in the follow-up's story link at 0.61.
PARAMS = RelateParams(
    window_days=30.0,
    join_threshold=0.9,
    cross_lingual_bonus=0.0,
    entity_weight=0.0,
    decay_per_day=0.0,
    story_mean_weight=0.5,
    merge_threshold=0.6,
)
ANGLES = {"first": 0.0, "later": 60.0, "bridge": 35.0}


class AnglesEmbedder:
    """Each text's vector by the angle its first word names (see ``ANGLES``)."""

    name = "test-angles"
    dim = 8

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            degrees = np.radians(ANGLES[text.split()[0]])
            row[:2] = np.cos(degrees), np.sin(degrees)
        return rows


@pytest.fixture
def angles(monkeypatch: pytest.MonkeyPatch) -> AnglesEmbedder:
    fake = AnglesEmbedder()
    monkeypatch.setattr(embedding, "default_embedder", lambda: fake)
    return fake


def story_of(target) -> int | None:
    return StoryMembership.objects.get(article=target).story_id


def two_stories():
    made = [
        article(f"{kind} report {n}", f"{kind} words {n}", published=T0 + dt.timedelta(hours=hours))
        for n, (kind, hours) in enumerate([("first", 0), ("first", 1), ("later", 24), ("later", 25)])
    ]
    for each in made:
        services.assign_article(each, params=PARAMS)
    first, later = story_of(made[0]), story_of(made[2])
    assert first != later and story_of(made[1]) == first and story_of(made[3]) == later
    return made, Story.objects.get(pk=first), Story.objects.get(pk=later)


def bridge():
    return article("bridge report", "bridge words", published=T0 + dt.timedelta(hours=26))


def test_a_bridging_article_merges_the_later_story_into_the_earlier(angles):
    made, first, later = two_stories()
    joining = bridge()
    done = services.assign_article(joining, params=PARAMS)
    assert done.action == "joined" and done.story_id == first.pk and done.merged_story == later.pk
    assert {story_of(each) for each in [*made, joining]} == {first.pk}
    assert not Story.objects.filter(pk=later.pk).exists()
    first.refresh_from_db()
    assert first.last_seen == joining.published_at
    moved = StoryMembership.objects.get(article=made[2])
    assert moved.assigned_by == StoryMembership.AssignedBy.AUTO and "merged into story" in moved.reason
    assert services.assign_article(joining, params=PARAMS).action == "unchanged"  # nothing left to merge


def test_an_editors_story_is_never_emptied_the_other_one_goes(angles):
    made, first, later = two_stories()
    later.pinned = True
    later.save()
    done = services.assign_article(bridge(), params=PARAMS)
    assert done.story_id == later.pk and done.merged_story == first.pk
    assert {story_of(each) for each in made} == {later.pk}


def test_two_editors_stories_stay_apart(angles):
    # One named by an editor, the other with a member an editor placed: neither is emptied.
    made, first, later = two_stories()
    first.labels = {"en": "The first reports"}
    first.save()
    StoryMembership.objects.filter(article=made[3]).update(assigned_by=StoryMembership.AssignedBy.EDITOR)
    joining = bridge()
    done = services.assign_article(joining, params=PARAMS)
    assert done.merged_story is None and story_of(joining) == later.pk
    assert story_of(made[0]) == first.pk
